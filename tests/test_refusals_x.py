"""What the tenth adversarial pass (issue 69) found: a current run with its manifest removed
took another run's fold files; every command wrote its output inside another result's
folder; a refused tuning left a folder that blocked the corrected one; impossible audit
records and a tuning dated before its own runs validated.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
AUDITED = RESULTS / "lbp-apex-svm-composite-loso"  # a run with an (unsigned) audit record
TUNING = RESULTS / "tunings" / "lbp-apex-svm-composite" / "test-scored"


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("how", ["null", "removed", "called layout 7"])
def test_a_current_run_without_its_manifest_is_rejected(examples: dict[str, Path],
                                                        tmp_path: Path, cli, how: str) -> None:
    """Finding 1: ``files`` null (or gone) in a layout-10 results.json switched off the chain
    from results.json to each fold file, so another seed's folds validated in a run's place."""
    run = _copy(examples["emotion run"], tmp_path / "run")

    def strip(data: dict) -> None:  # type: ignore[type-arg]
        if how == "removed":
            del data["files"]
        else:
            data["files"] = None
        if how == "called layout 7":
            data["schema_version"] = 7

    _edit(run / "results.json", strip)
    code, _, err = cli("validate", run)
    assert code == 2, err
    assert "its fold files record the run they were trained for" in err or \
        (how == "removed" and "files" in err) or (
            # a current file relabelled 7 holds what came with 8: its version was edited
            how == "called layout 7" and "says schema_version 7 but holds" in err), err


OUT_CASES = [
    ("run", ("run", "--model", "ststnet", "--dataset", "synthetic", "--quiet", "--out")),
    ("spot", ("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long", "--quiet",
              "--out")),
    ("tune", ("tune", RESULTS.parents[1] / "benchmarks" / "tunes" / "lbp-apex-svm-composite.toml",
              "--out")),
    ("build", ("leaderboard", "build", "--results", AUDITED, "--out")),
    ("export", ("leaderboard", "export", "composite-3class-loso", "--results", AUDITED,
                "--force", "--out")),
]


@pytest.mark.parametrize(("command", "line"), OUT_CASES, ids=[c for c, _ in OUT_CASES])
@pytest.mark.parametrize("inside", ["seed-0", "seed-0/folds", "seed-0/folds/fold-000.npz"])
def test_nothing_is_written_inside_another_results_folder(
        examples: dict[str, Path], tmp_path: Path, cli, command: str, line: tuple,
        inside: str) -> None:  # type: ignore[type-arg]
    """Findings 2 and 3: a site, a table, a run, a spotting run or a tuning written into a
    run's folder (or its ``folds/``) made the run fail validate; export --force replaced a
    spotting run's own video file."""
    seeds = _copy(examples["summary over seeds"], tmp_path / "seeds")
    before = {p: p.read_bytes() for p in seeds.rglob("*") if p.is_file()}
    out = seeds / inside / ("new" if not inside.endswith(".npz") else "")
    out = out if not inside.endswith(".npz") else seeds / inside
    code, _, err = cli(*line, out)
    assert code == 2 and "whose files are its own" in err, err
    assert {p: p.read_bytes() for p in seeds.rglob("*") if p.is_file()} == before


def test_a_run_out_that_is_another_kind_of_result_says_its_kind(examples: dict[str, Path],
                                                                cli) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--out",
                       examples["spotting run"])
    assert code == 2 and "is the folder of a merbench result (it holds spot-run.json)" in err, err


def test_a_seed_run_of_a_seeds_folder_still_goes_on_alone(examples: dict[str, Path],
                                                          tmp_path: Path, cli) -> None:
    seeds = _copy(examples["summary over seeds"], tmp_path / "seeds")
    code, _, err = cli("run", "--resume", seeds / "seed-0", "--quiet")
    assert code == 0, err


def test_a_tuning_refused_for_its_inner_folds_writes_nothing(tmp_path: Path, cli) -> None:
    """Finding 4: refused for inner_folds above the training subjects, ``tune`` had written
    tuning.json, and the corrected file into the same --out was "another search"."""
    space = tmp_path / "t.toml"
    space.write_text('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 99\n'
                     'dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n'
                     '[options]\nepochs = 1\n[search]\nsampler = "grid"\n'
                     '[space]\nlr = {choices = [0.001, 0.01]}\n')
    code, _, err = cli("tune", space, "--out", tmp_path / "o", "--quiet")
    assert code == 2 and "fewer than inner_folds = 99" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("edit", "said"), [
    (lambda a: a[0]["folds"][0].update(outcome="differs"), "it says passed, but its folds"),
    (lambda a: a[0].update(n_folds=7), "it says the result has 7 parts (folds, subjects or "
                                       "outer folds), this one has 68"),
    (lambda a: a[0]["folds"].append(a[0]["folds"][0]), "it lists a part twice"),
    (lambda a: a[0].update(created="2026-11-20T00:00:00+00:00"), "before the run finished"),
    (lambda a: a.append(a[0]), "it repeats audit 1"),
    # the eleventh pass: what still validated
    (lambda a: a[0]["folds"][0].update(key=["casme2", "sub01"]), "the result's is casme2/sub09"),
    (lambda a: a[0]["folds"][0].update(agreement=0.1), "identical with agreement 0.1"),
    (lambda a: a[0].update(min_agreement=0.0), "min_agreement 0.0 is not one"),
    (lambda a: a[0].update(folds=[], passed=False), "or says why it could not"),
    (lambda a: a[0].update(created="2099-01-01T00:00:00+00:00"),
     "more than a day after this machine's clock"),
    (lambda a: a[0].update(choice_seed=-5), "choice_seed -5 is no seed"),
    (lambda a: a[0].update(created="2026-11-23T00:00:00"), "has no time zone"),
], ids=["verdict", "n_folds", "fold twice", "before the run", "repeated", "another key",
        "agreement", "min_agreement", "no folds nor failure", "future", "negative choice seed",
        "no time zone"])
def test_an_audit_record_that_cannot_be_is_rejected(tmp_path: Path, cli, edit,  # type: ignore[no-untyped-def]
                                                    said: str) -> None:
    """Finding 5: unsigned records that contradict themselves or the run validated."""
    run = _copy(AUDITED, tmp_path / "run")
    _edit(run / "audit.json", lambda data: edit(data["audits"]))
    code, _, err = cli("validate", run)
    assert code == 2 and "cannot be an audit of this result" in err and said in err, err


def test_a_tuning_dated_before_its_own_runs_is_rejected(tmp_path: Path, cli) -> None:
    """Finding 6: tune.json's created moved before its trial runs validated."""
    folder = _copy(TUNING, tmp_path / "tuning")
    _edit(folder / "tune.json", lambda data: data.update(created="2026-11-23T00:00:00+00:00"))
    code, _, err = cli("validate", folder)
    assert code == 2 and "is before its runs finished" in err, err


@pytest.mark.parametrize("command", [("run", "--model", "ststnet", "--dataset", "synthetic"),
                                     ("spot", "--spotter", "flow-peak", "--dataset",
                                      "synthetic-long")], ids=["run", "spot"])
def test_a_result_is_never_written_through_a_link(tmp_path: Path, cli,
                                                  command: tuple[str, ...]) -> None:
    """Eighth pass, N10: ``--out`` a symbolic link to a folder was written through, and the
    result then refused by validate as a link."""
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    code, _, err = cli(*command, "--out", tmp_path / "link", "--quiet")
    assert code == 2 and "is a symbolic link (to" in err and "give the folder itself" in err
    assert not any((tmp_path / "real").iterdir())


def test_nothing_is_written_into_a_result_through_a_link_or_as_a_new_seed(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Eleventh pass: a link to a result's ``folds/`` led a run and a site into it; a new
    ``seed-N`` was written into a finished --seeds folder; a --seeds folder stopped before
    its summary was no result to the check."""
    seeds = _copy(examples["summary over seeds"], tmp_path / "seeds")
    (tmp_path / "into").symlink_to(seeds / "seed-0" / "folds")
    run = ("run", "--model", "ststnet", "--dataset", "synthetic", "--quiet")
    for line in ((*run, "--out", tmp_path / "into" / "r"),
                 ("leaderboard", "build", "--results", AUDITED, "--out",
                  tmp_path / "into" / "site"),
                 (*run, "--seed", "7", "--out", seeds / "seed-5")):
        code, _, err = cli(*line)
        # seed 7 under seed 5's name: told where seed 7 goes (issue 81: seed 5 there is the
        # README's way of adding a seed, tests/test_seed_places.py)
        said = "keeps seed N's run in seed-N" if "7" in line else "whose files are its own"
        assert code == 2 and said in err, (line, err)
    assert not (seeds / "seed-5").exists() and not (seeds / "seed-0" / "folds" / "r").exists()
    stopped = tmp_path / "stopped"
    _copy(seeds / "seed-0", stopped / "seed-0")  # seeds.json not written yet
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--out", stopped / "spots")
    assert code == 2 and "(it holds seed-N/run.json)" in err, err


def test_a_manifest_removed_with_the_fold_files_digests_is_still_rejected(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Eleventh pass: with ``files`` null and each fold file's ``run_sha256`` nulled too
    (``finished`` and ``trained_with`` left), another seed's folds validated."""
    import io

    import numpy as np

    run = _copy(examples["emotion run"], tmp_path / "run")
    _edit(run / "results.json", lambda data: data.update(files=None))
    for path in sorted((run / "folds").glob("fold-*.npz")):
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in stored.files}
        meta = json.loads(str(arrays["meta"]))
        meta["run_sha256"] = None
        arrays["meta"] = np.asarray(json.dumps(meta))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        path.write_bytes(buffer.getvalue())
    code, _, err = cli("validate", run)
    assert code == 2 and "names no files (manifest): a layout it cannot have" in err, err


def test_resume_and_migrate_say_what_they_were_given(examples: dict[str, Path],
                                                     tmp_path: Path, cli) -> None:
    code, _, err = cli("run", "--resume", examples["spotting run"])
    assert code == 2 and "is a spotting run, not a run; the same merbench spot command" in err
    code, _, err = cli("run", "--resume", TUNING)
    assert code == 2 and "is a tuning, not a run; the same merbench tune command" in err
    import os

    os.mkfifo(tmp_path / "f")
    code, _, err = cli("migrate", tmp_path / "f")
    assert code == 2 and "f is a fifo, not a result; pass a run directory" in err, err


def test_the_twelfth_passes_findings(examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """A run.json copied into another run's folds/ made a run of it there; a sweep into a
    --seeds folder was said to hold no runs; export of --layout and --compare said one was
    missing; an audit.json of no audit validated."""
    seeds = _copy(examples["summary over seeds"], tmp_path / "seeds")
    planted = seeds / "seed-0" / "folds" / "planted"
    planted.mkdir()
    shutil.copy2(seeds / "seed-1" / "run.json", planted / "run.json")
    code, _, err = cli("run", "--resume", planted, "--quiet")
    assert code == 2 and "whose files are its own" in err, err
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{seeds}"\n[[runs]]\nmodel = "ststnet"\ndataset = "synthetic"\n')
    code, _, err = cli("sweep", plan)
    assert code == 2 and "is a --seeds folder (it holds seeds.json), not a sweep's" in err, err
    code, _, err = cli("export", "--layout", "htnet", "--compare", tmp_path, "--dataset",
                       "synthetic")
    assert code == 2 and "not both" in err, err
    run = _copy(AUDITED, tmp_path / "run")
    _edit(run / "audit.json", lambda data: data.update(audits=[]))
    code, _, err = cli("validate", run)
    assert code == 2 and "holds no audit" in err, err


@pytest.mark.parametrize(("file", "edit", "said"), [
    ("seed-0/results.json", lambda d: d["dataset"].update(n_samples=60),
     "dataset.n_samples is 60, but its class counts add up to 6"),
    ("seed-0/results.json", lambda d: d["folds"][0].update(epoch=7),
     "folds[0].epoch is 7, but the reported policy"),
    ("seeds.json", lambda d: d["dataset"].update(n_samples=60),
     "seeds.json's dataset.n_samples is 60, but its seed runs' is 6"),
    ("seeds.json", lambda d: d["protocol"].update(n_folds=9),
     "seeds.json's protocol.n_folds is 9, but its seed runs' is 2"),
], ids=["run size", "fold epoch", "summary size", "summary folds"])
def test_a_number_stated_twice_must_agree_with_itself(examples: dict[str, Path],
                                                      tmp_path: Path, cli, file: str,
                                                      edit, said: str) -> None:  # type: ignore[no-untyped-def]
    """The thirteenth pass: a run's dataset size or a fold's reported epoch, and a
    summary's dataset size or fold count, edited alone, validated and were published."""
    seeds = _copy(examples["summary over seeds"], tmp_path / "seeds")
    _edit(seeds / file, edit)
    code, _, err = cli("validate", seeds)
    assert code == 2 and said in err, err
