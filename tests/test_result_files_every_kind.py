"""A result's own files are regular files inside its folder, for every kind of result.

On 36986b2 a predictions file replaced by a symbolic link to a file outside its run folder was
refused by the emotion validator and accepted by the AU and tuning validators, and the tuning
page copied the linked-to file into the built site. One test, parametrised over the kinds and
their files: a symbolic link out, a hard link and a fifo are each refused by validate.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from merbench.au_kind.check import validate_au_run
from merbench.results.run_files import ResultRejected
from merbench.tuning.check import validate_tune
from merbench.verification.validate import validate_run

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
KINDS = {
    "emotion": (RESULTS / "ststnet-composite-loso" / "seed-0", validate_run),
    "au": (RESULTS / "ststnet-composite-loso-au" / "seed-0", validate_au_run),
    "tuning": (RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored", validate_tune),
}
FILES = [("emotion", "predictions.csv"), ("emotion", "results.json"),
         ("au", "au-predictions.csv"), ("au", "au-results.json"),
         ("tuning", "predictions.csv"), ("tuning", "tune.json"), ("tuning", "runs.tar.xz")]


@pytest.mark.parametrize("swap", ["symlink", "hardlink", "fifo"])
@pytest.mark.parametrize(("kind", "name"), FILES, ids=[f"{k}-{n}" for k, n in FILES])
def test_a_results_file_that_is_no_file_of_its_own_is_refused(tmp_path: Path, kind: str,
                                                              name: str, swap: str) -> None:
    source, validate = KINDS[kind]
    folder = tmp_path / "result"
    shutil.copytree(source, folder)
    outside = tmp_path / "outside"
    shutil.copy2(folder / name, outside)  # the same bytes: only where they live differs
    (folder / name).unlink()
    if swap == "symlink":
        (folder / name).symlink_to(outside)
    elif swap == "hardlink":
        os.link(outside, folder / name)
    else:
        os.mkfifo(folder / name)
    expected = {"symlink": "is a symbolic link", "hardlink": "is a hard link",
                "fifo": "is a fifo"}[swap]
    with pytest.raises(ResultRejected, match=expected):
        validate(folder)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_as_committed_validates(kind: str) -> None:
    source, validate = KINDS[kind]
    validate(source)


@pytest.fixture
def spotting_run(examples: dict[str, Path]) -> Path:
    """The kinds' example spotting run (copied before it is changed)."""
    return examples["spotting run"]


def _validator(kind: str):  # type: ignore[no-untyped-def]
    from merbench.spotting_kind.check import validate_spotting

    return validate_spotting if kind == "spotting" else KINDS[kind][1]


@pytest.mark.parametrize("kind", [*sorted(KINDS), "spotting"])
def test_an_audit_copied_from_another_run_vouches_for_nothing(tmp_path: Path, kind: str,
                                                              spotting_run: Path) -> None:
    """A signed audit.json copied into a spotting, AU or tuning folder was accepted and
    ignored (issue 69, case 7). Every kind records its audits in its folder now: a copied
    record that cannot be of this result at all (another number of parts, made before it)
    is refused, one whose parts are none of the result's own is said to vouch for nothing
    (as one made before ``merbench migrate`` rewrote the fold files is: the two cannot be
    told apart), and no page counts it."""
    from merbench.kinds import kind_of

    source = spotting_run if kind == "spotting" else KINDS[kind][0]
    folder = tmp_path / "result"
    shutil.copytree(source, folder)
    validate = _validator(kind)
    validate(folder)
    shutil.copy2(RESULTS / "lbp-apex-svm-composite-loso" / "audit.json", folder / "audit.json")
    try:
        validate(folder)
    except ResultRejected as exc:
        assert "cannot be an audit of this result" in exc.reason
        return
    result_kind = kind_of(folder)
    assert result_kind is not None
    summary = result_kind.validate(folder).summary
    assert "1 that compared none of the files this result holds now" in summary
    assert "it vouches for nothing here" in summary


def test_build_strict_publishes_no_tuning_whose_trial_validate_rejects(tmp_path: Path,
                                                                       cli) -> None:
    """A trial's run edited inside the archive (its results.json's UF1 changed, the archive
    packed again) was published by ``leaderboard build --strict`` while ``validate`` rejected
    it (issue 69, case 7): the strict build checks every trial as validate does."""
    import json

    from merbench.tuning.archive import pack_runs, remove_packed, unpack_runs

    tuning = tmp_path / "results" / "svm"
    shutil.copytree(KINDS["tuning"][0], tuning)
    unpack_runs(tuning, tuning)
    (tuning / "runs.tar.xz").unlink()
    edited = sorted(tuning.glob("trials/**/results.json"))[0]
    record = json.loads(edited.read_text())
    record["metrics"]["overall"]["uf1"] = 0.99
    edited.write_text(json.dumps(record))
    pack_runs(tuning)
    remove_packed(tuning)
    code, _, err = cli("validate", tuning)
    assert code == 2 and "rejected" in err
    code, out, err = cli("leaderboard", "build", "--results", tmp_path / "results", "--out",
                         tmp_path / "site", "--strict")
    assert code == 2 and "1 rejected (--strict)" in err, (out, err)
    assert not (tmp_path / "site").exists()  # nothing written under --strict then
