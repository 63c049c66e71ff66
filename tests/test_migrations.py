"""Version 1 files (the layouts committed before version 2) read as version 2 with the same
numbers, and 'merbench migrate' rewrites them so; the migrations are the one place that
knows the old layouts."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import one_line

from merbench.base.errors import MerbenchError
from merbench.results.codec import to_json
from merbench.results.migrations import RECIPE_ADDITIONS, RECIPE_ADDITIONS_4, migrate
from merbench.results.model import SCHEMA_VERSION
from merbench.results.rundir import RunDirectory
from merbench.results.schema import read_results
from merbench.verification.validate import validate_emotion

REAL = Path(__file__).resolve().parents[1] / "leaderboards" / "results"


def _as_version_1(run_dir: Path) -> None:
    """Rewrite a run directory the way the STSTNet runs were first committed: results.json
    without the fields added later, run.json and fold files without versions."""
    path = run_dir / "results.json"
    results = json.loads(path.read_text())
    results["schema_version"] = 1
    for key in ("precision", "trained", "weights", "engine"):
        results.pop(key)
    results["dataset"].pop("skipped")
    for key in ("description", "recipe"):
        results["model"].pop(key)
    for key in (*RECIPE_ADDITIONS, *RECIPE_ADDITIONS_4):
        results["hyperparameters"].pop(key)
    results["model"]["package"] = results["model"].pop("provider")["package"]
    for section in ("feature", "dataset", "protocol"):
        results[section].pop("provider")
    results["feature"].pop("values_sha256", None)  # digested from version 3 on
    for fold in results["folds"]:
        fold.pop("folds_at_once")
    path.write_text(json.dumps(results))
    run = json.loads((run_dir / "run.json").read_text())
    run.pop("schema_version"), run.pop("n_folds")
    run.pop("feature_values", None)  # recorded from version 3 on
    for key in (*RECIPE_ADDITIONS, *RECIPE_ADDITIONS_4):
        run["identity"]["hyperparameters"].pop(key)
    (run_dir / "run.json").write_text(json.dumps(run))
    for fold_file in (run_dir / "folds").glob("fold-*.npz"):
        with np.load(fold_file) as data:
            arrays = dict(data)
        meta = json.loads(str(arrays["meta"]))
        meta.pop("schema_version"), meta.pop("folds_at_once")
        arrays["meta"] = np.asarray(json.dumps(meta))
        np.savez_compressed(fold_file, **arrays)


@pytest.fixture
def old_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "seed-0"
    shutil.copytree(REAL / "ststnet-composite-loso" / "seed-0", run_dir)
    _as_version_1(run_dir)
    return run_dir


def test_a_version_1_run_reads_and_validates_as_version_2(old_run: Path) -> None:
    current = json.loads((REAL / "ststnet-composite-loso" / "seed-0" / "results.json")
                         .read_text())
    read = to_json(read_results(old_run / "results.json"))
    assert read["schema_version"] == SCHEMA_VERSION
    assert read["metrics_by_policy"] == current["metrics_by_policy"]
    assert read["precision"] == "fp32" and read["trained"] is True and read["engine"] is None
    assert read["hyperparameters"] == current["hyperparameters"]
    assert to_json(validate_emotion(old_run).metrics_by_policy["fixed"]) == \
        current["metrics_by_policy"]["fixed"]["metrics"]
    store = RunDirectory(old_run)
    assert store.read_run_file().n_folds is None
    assert store.load_fold(0).folds_at_once is None


def test_merbench_migrate_rewrites_version_1_files_with_the_same_numbers(old_run: Path,
                                                                        cli) -> None:
    before = to_json(read_results(old_run / "results.json"))
    code, out, err = cli("migrate", old_run)
    assert code == 0, err
    assert "70 file(s) rewritten" in out  # results.json, run.json and 68 fold files
    written = json.loads((old_run / "results.json").read_text())
    assert written == {**before, "created": written["created"]}
    assert json.loads((old_run / "run.json").read_text())["schema_version"] == SCHEMA_VERSION
    validate_emotion(old_run)
    code, out, _ = cli("migrate", old_run)
    assert code == 0 and "0 file(s) rewritten in the current layout, 70 already in it" in out


def test_migrate_given_nothing_it_migrates_says_so(tmp_path: Path, cli) -> None:
    """A command that did nothing must not exit 0 as if it had migrated something."""
    (tmp_path / "notes.json").write_text("{}")
    code, _, err = cli("migrate", tmp_path / "notes.json")
    assert code == 2 and "notes.json is not a file merbench migrates (results.json" in err
    code, _, err = cli("migrate", tmp_path)
    assert code == 2 and f"{tmp_path} holds no file merbench migrates" in err
    (tmp_path / "results.json").write_text("[1, 2]")
    code, _, err = cli("migrate", tmp_path / "results.json")
    assert code == 2 and "is not a merbench results.json" in err


def test_an_engine_recorded_with_its_reason_only_gets_its_cause() -> None:
    old = {"schema_version": 1, "hyperparameters": {}, "dataset": {}, "model": {},
           "engine": {"mode": "sequential", "folds_at_once": 1,
                      "reason": "model 'x' has dropout, and folds trained together ..."}}
    assert migrate(old, "results", "old.json")["engine"]["cause"] == "dropout"


def test_newer_and_unknown_versions_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(MerbenchError, match="upgrade merbench"):
        migrate({"schema_version": SCHEMA_VERSION + 1}, "run", "run.json")
    with pytest.raises(MerbenchError, match="no integer schema_version"):
        migrate({"schema_version": "2"}, "fold", "fold-000.npz")


def _version_3(plugins: dict[str, str]) -> dict:
    return {"schema_version": 3, "hyperparameters": {"epochs": 5, "lr": 0.1},
            "model": {"name": "m", "package": "merbench-m", "recipe": {"epochs": 5}},
            "feature": {"name": "f"}, "dataset": {"name": "d"}, "protocol": {"name": "loso"},
            "environment": {"plugins": plugins}}


def test_version_3_gets_providers_where_the_environment_tells_them() -> None:
    """One package loaded: it provided every name. Several: only the model's package was
    recorded, the others are null (not recorded), never guessed."""
    one = migrate(_version_3({"builtin": "merbench 0.1.0", "cnn": "merbench 0.1.0"}),
                  "results", "r.json")
    assert one["dataset"]["provider"] == {"plugin": None, "package": "merbench",
                                          "version": "0.1.0"}
    assert one["model"]["provider"] == {"plugin": None, "package": "merbench-m",
                                        "version": None}
    assert "package" not in one["model"]
    assert one["hyperparameters"] == {"epochs": 5, "lr": 0.1, "data_order": "shuffle"}
    assert one["model"]["recipe"]["data_order"] == "shuffle"
    mixed = migrate(_version_3({"builtin": "merbench 0.1.0", "m": "merbench-m 2.1"}),
                    "results", "r.json")
    assert mixed["model"]["provider"]["version"] == "2.1"
    assert [mixed[s]["provider"] for s in ("feature", "dataset", "protocol")] == [None] * 3
    run = migrate({"schema_version": 3, "identity": {"hyperparameters": {"epochs": 5}},
                   "config": {}}, "run", "run.json")
    assert run["identity"]["hyperparameters"]["data_order"] == "shuffle"


def test_version_5_gets_an_empty_built_from_and_its_identity_stays_as_it_was(
        tmp_path: Path) -> None:
    """No model reported what it was built from before the timm models: older results read
    with ``built_from`` {}, and their run.json identity (which records it only when not
    empty) still matches what results.json implies, so the committed runs validate."""
    results = json.loads((REAL / "ststnet-composite-loso" / "seed-0" / "results.json")
                         .read_text())
    assert results["schema_version"] < 6 and "built_from" not in results["model"]
    assert migrate(results, "results", "results.json")["model"]["built_from"] == {}
    run_dir = tmp_path / "seed-0"
    shutil.copytree(REAL / "ststnet-composite-loso" / "seed-0", run_dir)
    validate_emotion(run_dir)
    identity = json.loads((run_dir / "run.json").read_text())["identity"]
    assert "built_from" not in identity["model"]


def test_a_current_file_relabelled_an_older_version_is_refused_not_migrated(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Pass 84c P9: a current results.json relabelled schema_version 1 was "migrated", its
    model.provider set to null, and validate accepted it. The version it claims cannot hold
    fields that came later: migrate, validate and status refuse it, and nothing is
    rewritten."""
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "run"))
    path = run / "results.json"
    results = json.loads(path.read_text())
    assert results["model"]["provider"] is not None
    results["schema_version"] = 1
    path.write_text(json.dumps(results))
    before = path.read_bytes()
    code, out, err = cli("migrate", run)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, out + err
    assert f"{path} says schema_version 1 but holds engine.threads, which came with " \
           "version 3: its version was edited; give it back the version it was written " \
           "with" in err, err
    assert path.read_bytes() == before
    code, _, err = cli("validate", run)
    assert code == 2 and "says schema_version 1 but holds" in err, err
    _, out, _ = cli("status", run)
    assert ": complete" not in out and "says schema_version 1 but holds" in out, out


def test_a_migration_never_sets_a_field_a_file_holds_to_null() -> None:
    """Whatever the listed fields miss, a step that would null out a value is refused."""
    def drops(data: dict) -> dict:
        data["model"]["description"] = None
        return data

    with pytest.raises(MerbenchError, match=r"would set its model\.description to null; its "
                                            r"fields do not fit its schema_version 2"):
        migrate({"schema_version": 2, "model": {"description": "a model"}}, "seeds",
                "s.json", migrations={2: drops}, target=3)


def _edited(path: Path, edit: Callable[[dict], object]) -> bytes:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    return path.read_bytes()


# a version-1 results.json with one field missing or of the wrong type: each migration step
# indexed it and crashed (KeyError 'dataset', AttributeError on null; pass 84p, P1)
@pytest.mark.parametrize(("edit", "said"), [
    (lambda d: d.pop("dataset"), "field 'dataset' is missing (expected an object)"),
    (lambda d: d.pop("model"), "field 'model' is missing (expected an object)"),
    (lambda d: d.update(model=None), "field 'model' is null, expected an object"),
    (lambda d: d.update(hyperparameters=5), "field 'hyperparameters' is a number, expected "
                                            "an object"),
    (lambda d: d.update(folds=7), "field 'folds' is a number, expected a list"),
    (lambda d: d.update(engine={"reason": None}),
     "field 'engine.mode' is missing (expected one of \"none\", \"sequential\", "
     "\"fold-parallel\")"),
])
def test_a_damaged_version_1_results_file_is_refused_naming_its_field(
        old_run: Path, cli, edit: Callable[[dict], object], said: str) -> None:
    results = old_run / "results.json"
    before = _edited(results, edit)
    code, _, err = cli("migrate", old_run)
    assert code == 2 and one_line(err) == (f"merbench: error: {results} cannot be migrated: "
                                           f"{said}; fix or remove it"), err
    assert results.read_bytes() == before
    code, out, err = cli("status", old_run)
    assert code == 0 and "Traceback" not in err, err
    assert (f"written, but results.json does not follow the results layout: {said} "
            "('merbench validate' refuses it)") in out
    code, _, err = cli("validate", old_run)
    assert code == 2 and f"does not follow the results layout: {said}" in err, err
    assert "attribute" not in err and "Literal" not in err


def test_a_version_1_run_file_whose_recipe_is_no_object_is_not_migrated(old_run: Path,
                                                                       cli) -> None:
    run_file = old_run / "run.json"
    before = _edited(run_file, lambda d: d["identity"].update(hyperparameters=[1]))
    code, _, err = cli("migrate", old_run)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {run_file} cannot be migrated: field 'identity.hyperparameters' "
        "is a list, expected an object; fix or remove it")
    assert run_file.read_bytes() == before


# run.json's identity.hyperparameters not an object: status crashed reading its epochs, and
# validate, show and compare quoted results.json's recipe as a Python dict (pass 84p, P2)
@pytest.mark.parametrize(("value", "kind"), [([1], "a list"), ("x", "text")])
def test_a_run_file_whose_recipe_is_no_object_is_unreadable(
        tmp_path: Path, cli, value: object, kind: str) -> None:
    run_dir = tmp_path / "seed-0"
    shutil.copytree(REAL / "ststnet-composite-loso" / "seed-0", run_dir)
    _edited(run_dir / "run.json", lambda d: d["identity"].update(hyperparameters=value))
    problem = f"field 'identity.hyperparameters' is {kind}, expected an object"
    code, _, err = cli("status", run_dir)
    assert code == 2 and one_line(err) == (
        f"merbench: error: {run_dir}/run.json is unreadable ({problem}); it records what "
        "ran, so restore it from a copy of the run")
    for command in (("validate", run_dir), ("show", run_dir),
                    ("compare", REAL / "ststnet-composite-loso" / "seed-0", run_dir)):
        code, _, err = cli(*command)
        assert code == 2, (command, err)
        assert f"{run_dir}: run.json is unreadable ({problem}); restore it from a copy of " \
               "the run" in err, (command, err)
        assert "None" not in err and "{'" not in err, (command, err)
    (run_dir / "results.json").unlink()  # a run not finished: status read its epochs too
    code, _, err = cli("status", run_dir)
    assert code == 2 and f"{run_dir}/run.json is unreadable ({problem})" in one_line(err)


def test_run_files_that_differ_are_said_in_json_spelling(tmp_path: Path, cli) -> None:
    """The difference of results.json and run.json quotes values as JSON writes them: a
    recipe's unset decay was "None here" and an object Python's dict (pass 84p, P2)."""
    run_dir = tmp_path / "seed-0"
    shutil.copytree(REAL / "ststnet-composite-loso" / "seed-0", run_dir)
    _edited(run_dir / "run.json", lambda d: d["identity"]["hyperparameters"].update(
        decay_epochs={"every": 3}))
    for command in ("validate", "show"):
        code, _, err = cli(command, run_dir)
        assert code == 2 and "(hyperparameters.decay_epochs: null here, {\"every\": 3} " \
                             "there, 'here' being results.json)" in err, err
