"""A Git LFS pointer where a result's binary file belongs (a checkout without ``git lfs
pull``, ``git archive`` without git-lfs): said as such, with the fetch as its fix, by every
reader of such files, never as a damaged file to delete and train again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.results.lfs_pointer import LFS_SAID

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "leaderboards" / "results" / "rcn-composite-loso" / "seed-0"
CliResult = tuple[int, str, str]
POINTER = (b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff"
           b"69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
FIX = "is a Git LFS pointer, not the file: run 'git lfs pull'"


@pytest.fixture
def pointed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed run whose first fold file is a pointer."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    run = Path(shutil.copytree(RUN, tmp_path / "results" / "run"))
    (run / "folds" / "fold-000.npz").write_bytes(POINTER)
    return run


def test_a_fold_file_that_is_a_pointer_is_said_so(cli: Callable[..., CliResult],
                                                  pointed: Path) -> None:
    """validate said "fold file fold-000.npz is damaged or unreadable", with no fix; status
    advised deleting it and training the fold again."""
    code, _, err = cli("validate", pointed)
    assert code == 2 and f"{pointed}: fold file fold-000.npz {FIX}" in err, err
    for command in ("status", "migrate", "show"):
        code, out, err = cli(command, pointed)
        said = out + err
        assert f"fold-000.npz {FIX}" in said and "damaged" not in said and \
            "delete" not in said and "Traceback" not in said, (command, said)


def test_every_reader_of_a_results_binary_says_it(tmp_path: Path) -> None:
    """The bounded reader says it for every reader through it (a fold file, a features
    file, a table), and torch's reader of weights says it as its own."""
    from merbench.features.saved_file import load_features
    from merbench.results.fold_file import read_fold_file
    from merbench.results.user_files import LfsPointer, read_user_csv
    from merbench.results.user_npz import read_user_npz
    from merbench.training.checkpoints import read_state_dict

    pointer = tmp_path / "file"
    pointer.write_bytes(POINTER)
    for read in (lambda: read_user_npz(pointer, "fold file"),
                 lambda: read_user_csv(pointer, "predictions table")):
        with pytest.raises(LfsPointer) as caught:
            read()
        assert caught.value.reason == LFS_SAID and str(caught.value).startswith(f"{pointer} (")
    for read, said in ((lambda: read_fold_file(pointer), f"fold file {pointer} {FIX}"),
                       (lambda: load_features(pointer), f"--features {pointer} {FIX}"),
                       (lambda: read_state_dict(pointer), f"checkpoint {pointer} {FIX}")):
        with pytest.raises(MerbenchError) as refused:
            read()
        assert str(refused.value).startswith(said) and "damaged" not in str(refused.value) \
            and "again" not in str(refused.value), str(refused.value)



def test_a_pointer_handed_to_a_reader_with_a_fix_of_its_own_is_said_with_the_fetch_alone(
        tmp_path: Path) -> None:
    """A signing key, the label CSV and an image of a release are fetched like any file
    kept with Git LFS: never "give the file keygen wrote", "restore it from the preprocessed
    release" or "check its permissions" after the fetch."""
    from merbench_datasets.composite import _read_bytes
    from merbench_datasets.composite_csv import read_label_csv

    from merbench.results.signing_keys import load_signing_key

    pointer = tmp_path / "file"
    pointer.write_bytes(POINTER)
    for read, said in ((lambda: load_signing_key(pointer), f"--sign {pointer} "),
                       (lambda: read_label_csv(pointer), f"composite: '{pointer}' "),
                       (lambda: _read_bytes(str(pointer), "s1", "apex image"),
                        f"composite: the apex image '{pointer}' of sample s1 ")):
        with pytest.raises(MerbenchError) as refused:
            read()
        assert str(refused.value) == said + LFS_SAID


def test_a_pointer_as_a_report_a_record_or_a_frame_is_said_with_the_fetch_alone(
        tmp_path: Path) -> None:
    """An export's report, a spotting run's record and a frame: never "delete the folder or
    give another --out", "is the folder a merbench spotting run?" or "restore the file"
    after the fetch."""
    from merbench_features.frames import read_frame

    from merbench.export.folder import REPORT, claim
    from merbench.spotting_kind.agrees import SPOTTING_RUN_FILE, read_spot_run

    pointer = tmp_path / SPOTTING_RUN_FILE
    pointer.write_bytes(POINTER)
    (tmp_path / REPORT).write_bytes(POINTER)
    for read, said in ((lambda: claim(tmp_path), f"{tmp_path / REPORT} "),
                       (lambda: read_spot_run(tmp_path), f"{pointer} "),
                       (lambda: read_frame(pointer, "s1", "frames"),
                        f"feature frames: '{pointer}' of sample s1 ")):
        with pytest.raises(MerbenchError) as refused:
            read()
        assert str(refused.value) == said + LFS_SAID
