"""Pass 84s's findings S9 and S10, on a tuning's ``runs.tar.xz``, and S17. S9: a member
replaced by another trial's fold file, or repeated (a second, damaged copy), was "finished"
to ``status`` and printed by ``show``, while ``validate`` refused it (through a timing
field, or a damaged fold file): nothing recorded the members' digests. S10: a run no trial
names, added to the archive, was validated and counted by ``status`` ("3 of 2 runs
finished")."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
TUNING = REAL / "tunings" / "lbp-apex-svm-composite" / "test-scored"
REPLACED = "trials/all/trial-001/folds/fold-002.npz"

Edit = Callable[[tarfile.TarFile, tarfile.TarInfo, bytes | None], None]


def _repacked(folder: Path, edit: Edit, added: tuple[str, bytes] | None = None) -> Path:
    """A copy of the committed test-scored tuning in ``folder``, its archive packed again
    with ``edit`` adding each member (and ``added``, a member more, last)."""
    shutil.copytree(TUNING, folder)
    with tarfile.open(TUNING / "runs.tar.xz") as source, \
            tarfile.open(folder / "runs.tar.xz", "w:xz") as packed:
        for member in source.getmembers():
            handle = source.extractfile(member) if member.isfile() else None
            edit(packed, member, handle.read() if handle is not None else None)
        if added is not None:
            extra = tarfile.TarInfo(added[0])
            extra.size = len(added[1])
            packed.addfile(extra, io.BytesIO(added[1]))
    return folder


def _as_is(packed: tarfile.TarFile, member: tarfile.TarInfo, data: bytes | None) -> None:
    packed.addfile(member, io.BytesIO(data) if data is not None else None)


@pytest.fixture(scope="module")
def replaced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Trial 1's third fold file replaced by trial 0's (a whole, valid fold file)."""
    with tarfile.open(TUNING / "runs.tar.xz") as source:
        handle = source.extractfile(REPLACED.replace("trial-001", "trial-000"))
        assert handle is not None
        other = handle.read()

    def edit(packed: tarfile.TarFile, member: tarfile.TarInfo, data: bytes | None) -> None:
        if member.name == REPLACED:
            member.size, data = len(other), other
        _as_is(packed, member, data)

    return _repacked(tmp_path_factory.mktemp("s9") / "tuning", edit)


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Trial 1's third fold file followed by a second, damaged copy of the same name."""
    def edit(packed: tarfile.TarFile, member: tarfile.TarInfo, data: bytes | None) -> None:
        _as_is(packed, member, data)
        if member.name == REPLACED:
            member.size = 3
            packed.addfile(member, io.BytesIO(b"bad"))

    return _repacked(tmp_path_factory.mktemp("s9") / "tuning", edit)


@pytest.fixture(scope="module")
def stray(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run no trial names, its results.json ``{}``, added to the archive."""
    return _repacked(tmp_path_factory.mktemp("s10") / "tuning", _as_is,
                     ("trials/all/trial-099/results.json", b"{}"))


@pytest.mark.parametrize("command", ["status", "show", "validate"])
def test_a_member_replaced_by_another_trials_file_is_refused_alike(replaced: Path, cli,
                                                                   command: str) -> None:
    code, out, err = cli(command, replaced)
    said = (f"runs.tar.xz's {REPLACED} is not the file tune.json records (its SHA-256 "
            "differs); publish the runs.tar.xz merbench tune wrote")
    assert said in out + err, out + err
    assert "finished: tune.json written" not in out + err
    assert code == (0 if command == "status" else 2), err


@pytest.mark.parametrize("command", ["status", "show", "validate"])
def test_a_member_repeated_is_refused_alike(repeated: Path, cli, command: str) -> None:
    code, out, err = cli(command, repeated)
    said = (f"runs.tar.xz holds {REPLACED} twice (merbench tune packs each file once); "
            "publish the archive merbench tune wrote")
    assert said in out + err, out + err
    assert "finished: tune.json written" not in out + err
    assert code == 2, out + err


@pytest.mark.parametrize("command", ["status", "show", "validate"])
def test_a_run_no_trial_names_is_refused_alike(stray: Path, cli, command: str) -> None:
    code, out, err = cli(command, stray)
    said = ("runs.tar.xz holds trials/all/trial-099, a run tune.json does not name; "
            "publish the runs.tar.xz merbench tune wrote")
    assert said in out + err, out + err
    assert "5 of 4 runs" not in out + err and "finished: tune.json" not in out + err
    assert code == (0 if command == "status" else 2), err


def test_a_tuning_of_layout_2_is_migrated_to_the_digests_of_its_archive(tmp_path: Path,
                                                                         cli) -> None:
    """Layout 2 recorded no digests: readers say how to record them, and ``migrate``
    records them from the archive, giving the committed tuning's ``tune.json`` back."""
    folder = tmp_path / "tuning"
    shutil.copytree(TUNING, folder)
    current = json.loads((TUNING / "tune.json").read_text())
    older = {k: v for k, v in current.items() if k != "archived"} | {"schema_version": 2}
    (folder / "tune.json").write_text(json.dumps(older))
    code, out, err = cli("status", folder)
    assert "tune.json is a tuning results file of layout 2 (no digest of the files in its " \
           f"runs.tar.xz; merbench migrate {folder} records them, layout 3)" in out, out
    code, out, err = cli("migrate", folder)
    assert code == 0, err
    assert json.loads((folder / "tune.json").read_text()) == current
    code, out, err = cli("status", folder)
    assert code == 0 and out.rstrip().endswith("finished: tune.json written"), out + err


# -- S17: status of a result's own file ---------------------------------------------------------

RUN = REAL / "biwoof-release-svm-composite-lodo"


@pytest.mark.parametrize(("folder", "name", "what"), [
    (TUNING, "tuning.json", "the run's identity"), (TUNING, "runs.tar.xz", "a file"),
    (RUN, "predictions.csv", "a file"), (RUN, "audit.json", "a file"),
    (RUN, "run.json", "the run's identity"), (RUN, "folds/fold-000.npz", "a file")])
def test_status_of_a_results_own_file_says_what_validate_and_show_say(
        cli, folder: Path, name: str, what: str) -> None:
    """``status`` said "not a directory; give a run directory" where ``validate`` and
    ``show`` name the file as part of its result, and its folder."""
    said = (f"is {what} in the result {folder}, not its result file; give the result's "
            f"folder ({folder})")
    for command, after in (("status", " "), ("show", " "), ("validate", ": ")):
        code, out, err = cli(command, folder / name)
        assert code == 2 and f"{folder / name}{after}{said}" in err, (command, out + err)


def test_status_of_a_started_results_own_file_names_its_folder(tmp_path: Path, cli) -> None:
    """A tuning begun and not finished (``tuning.json`` alone): its file is said as a
    finished one's, by ``status`` and ``show``."""
    shutil.copy(TUNING / "tuning.json", tmp_path / "tuning.json")
    said = (f"{tmp_path / 'tuning.json'} is the run's identity in the result {tmp_path}, not "
            f"its result file; give the result's folder ({tmp_path})")
    for command in ("status", "show"):
        code, out, err = cli(command, tmp_path / "tuning.json")
        assert code == 2 and said in err, (command, out + err)
