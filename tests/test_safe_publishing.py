"""A published run is regular files inside its folder: validate refuses links, special files
and paths that leave the folder, and the site build copies nothing else."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import merbench
from merbench.results.safe_files import UnsafeFile, copy_regular_file
from merbench.verification.validate import ResultRejected, validate_emotion

SMALL = {"subjects": 4, "samples_per_subject": 6}
SECRET = "secret-outside-the-run"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("safe") / "seeds"
    merbench.run_seeds("ststnet", "synthetic", [0], epochs=1, device="cpu",
                       dataset_options=SMALL, out=out)
    return out


def _outside(tmp_path: Path, like: Path) -> Path:
    """A copy of ``like`` outside the run, with a secret appended where text allows."""
    target = tmp_path / "outside" / like.name
    target.parent.mkdir(exist_ok=True)
    shutil.copyfile(like, target)
    if like.suffix in (".json", ".csv"):
        with target.open("a") as handle:
            handle.write(" " if like.suffix == ".json" else f"# {SECRET}\n")
    return target


def _link(run: Path, name: str, tmp_path: Path) -> None:
    path = run / name
    target = _outside(tmp_path, path)
    path.unlink()
    path.symlink_to(target)


def _fifo(run: Path, name: str, tmp_path: Path) -> None:
    (run / name).unlink()
    os.mkfifo(run / name)


def _folds_dir_link(run: Path, name: str, tmp_path: Path) -> None:
    shutil.move(run / "folds", tmp_path / "outside-folds")
    (run / "folds").symlink_to(tmp_path / "outside-folds")


ATTACKS: dict[str, tuple[Callable[[Path, str, Path], None], str, str]] = {
    "run.json link": (_link, "run.json", "run.json is a symbolic link (to "),
    "results.json link": (_link, "results.json", "results.json is a symbolic link"),
    "predictions link": (_link, "predictions.csv", "predictions.csv is a symbolic link"),
    "fold link": (_link, "folds/fold-001.npz", "folds/fold-001.npz is a symbolic link"),
    "folds dir link": (_folds_dir_link, "", "folds is a symbolic link"),
    "fifo predictions": (_fifo, "predictions.csv", "predictions.csv is a fifo"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_links_and_special_files_are_refused(seeds: Path, tmp_path: Path, attack: str,
                                             cli) -> None:
    make, name, caught = ATTACKS[attack]
    run = Path(shutil.copytree(seeds / "seed-0", tmp_path / "results" / "run"))
    make(run, name, tmp_path)
    with pytest.raises(ResultRejected, match=caught.replace("(", r"\(")):
        validate_emotion(run)
    code, _, err = cli("validate", run)
    assert code == 2 and caught in err and "Traceback" not in err
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results",
                         "--out", tmp_path / "site")
    assert code == 0 and "0 runs, 1 rejected" in out, err
    published = "".join(p.read_text(errors="replace") for p in (tmp_path / "site").rglob("*")
                        if p.is_file())
    assert SECRET not in published
    # the rejected list names a link's target only inside the results folders: the path a
    # link points to elsewhere is the builder's machine (issue 69, case 7)
    assert str(tmp_path / "outside") not in published and str(tmp_path) not in published
    if "symbolic link" in caught:
        assert "symbolic link (to a path outside the results folders)" in published


def test_seeds_that_point_outside_or_through_a_link_are_refused(seeds: Path,
                                                                tmp_path: Path) -> None:
    linked = Path(shutil.copytree(seeds, tmp_path / "linked"))
    shutil.move(linked / "seed-0", tmp_path / "elsewhere")
    (linked / "seed-0").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ResultRejected, match="seed 0: seed-0 is a symbolic link"):
        validate_emotion(linked)

    escaping = Path(shutil.copytree(seeds, tmp_path / "escaping"))
    summary = json.loads((escaping / "seeds.json").read_text())
    summary["runs"]["0"] = "../linked"
    (escaping / "seeds.json").write_text(json.dumps(summary))
    with pytest.raises(ResultRejected, match=r"seed 0: \.\./linked leaves its folder"):
        validate_emotion(escaping)

    summary_link = Path(shutil.copytree(seeds, tmp_path / "summary-link"))
    _link(summary_link, "seeds.json", tmp_path)
    with pytest.raises(ResultRejected, match=r"seeds\.json is a symbolic link"):
        validate_emotion(summary_link)


def test_a_genuine_copy_validates_and_a_late_swap_is_not_copied(seeds: Path,
                                                                tmp_path: Path) -> None:
    run = Path(shutil.copytree(seeds / "seed-0", tmp_path / "run"))
    validate_emotion(run)
    validate_emotion(Path(shutil.copytree(seeds, tmp_path / "seeds")))
    _link(run, "run.json", tmp_path)  # swapped after a check
    with pytest.raises(UnsafeFile, match="cannot be published"):
        copy_regular_file(run / "run.json", tmp_path / "copied.json")
    assert not (tmp_path / "copied.json").exists()


def test_entries_merbench_neither_reads_nor_publishes_are_left_alone(tmp_path: Path) -> None:
    """A site built beside a run's files (``.site.old``), an editor's backup: validate checks
    what it reads and the build publishes, not the neighbours."""
    from merbench.results.safe_files import check_run_folder

    run = tmp_path / "run"
    (run / "folds").mkdir(parents=True)
    (run / "results.json").write_text("{}")
    (run / ".site.old").mkdir()
    os.symlink("/etc/passwd", run / "notes.txt")
    check_run_folder(run)  # nothing raised
    os.symlink("/etc/passwd", run / "run.json")
    with pytest.raises(UnsafeFile, match=r"run\.json is a symbolic link"):
        check_run_folder(run)


def test_a_run_linked_into_a_results_folder_is_named_not_skipped(seeds: Path, tmp_path: Path,
                                                                 cli) -> None:
    """A results folder holding a symbolic link to a run built "0 runs, 0 rejected" under
    --strict, and validate said it held no result (issue 69's second adversarial pass): the
    link is refused by name in both, and so is a link that leads nowhere (a run's folder
    moved away), which both skipped silently (the third pass)."""
    results = tmp_path / "results"
    results.mkdir()
    (results / "linked").symlink_to(seeds / "seed-0")
    (results / "dangling").symlink_to(tmp_path / "moved-away")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--strict")
    linked = f"linked: is a symbolic link (to {(seeds / 'seed-0').resolve()}); no result is " \
             "read through a link"
    dangling = f"dangling: is a symbolic link (to nothing: {(tmp_path / 'moved-away').resolve()})" \
               "; no result is read through a link"
    assert code == 2 and linked in err and dangling in err, (out, err)
    code, _, err = cli("validate", results)
    assert code == 2 and linked in err and dangling in err, err
