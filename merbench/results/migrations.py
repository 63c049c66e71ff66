"""Older layouts of merbench's files, brought to the current one: the one place that knows them.

As in asv, each file kind has an integer ``schema_version`` and one migration per older
version, from N to N + 1; a reader applies them in turn, so every other module sees only the
current layout (:mod:`merbench.results.model`). ``merbench migrate`` rewrites files in place
with them.

Version 1 is everything written before versions were kept on every file: ``results.json``
and ``seeds.json`` said 1, ``run.json`` and the fold files said nothing. Fields added to
version 1 files over time are filled in with what was true of every run written without
them (documented at each step below), or marked "not recorded" (null) where nothing was
known.

A step reads the sections it edits through :mod:`merbench.results.checked_fields`, never by
indexing: a damaged old file is then refused naming its field, as the current layout's
reader would, not a traceback (pass 84p, P1).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.results.checked_fields import list_or_empty, object_or_none, required_object
from merbench.results.codec import LayoutError
from merbench.results.model import SCHEMA_VERSION
from merbench.results.version_fields import newer_field, nulled_field

Migration = Callable[[dict[str, Any]], dict[str, Any]]
FIRST_VERSION = 1

# The recipe fields TrainRecipe gained after the first runs, and the value every run written
# without them trained with (a constant learning rate, no warm-up).
RECIPE_ADDITIONS = {"schedule": "constant", "warmup_epochs": 0, "gamma": 1.0,
                    "decay_epochs": None, "min_lr": 0.0}

# What an engine's reason said, before a cause code was recorded beside it.
_CAUSES = (("every fold was restored", "restored"), ("nothing to train", "evaluates-weights"),
           ("a scikit-learn estimator", "estimator"), ("--parallel-folds", "asked"),
           ("on a CPU one fold", "cpu-default"), ("has dropout", "dropout"),
           ("cannot train folds together", "not-batchable"), ("free memory", "memory"),
           ("one fold left", "one-fold-left"), ("one fold fits", "one-fold-fits"))


def _full_recipe(recipe: Any) -> Any:
    """A torch recipe with the fields added later, at the values those runs used."""
    if isinstance(recipe, dict) and "epochs" in recipe:
        return {**recipe, **{k: v for k, v in RECIPE_ADDITIONS.items() if k not in recipe}}
    return recipe


def _engine_cause(reason: str) -> str:
    return next((cause for text, cause in _CAUSES if text in reason), "unrecorded")


def results_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 1 -> 2.

    Runs written before a field existed get: ``precision`` as the hyperparameters say (fp32
    unless they name another); ``dataset.skipped`` [] (nothing could be skipped before
    ``--skip-missing``); ``trained`` true and ``weights`` null (``--weights`` came later);
    ``model.description`` and ``model.recipe`` null (not recorded); ``engine`` null (not
    recorded) or, where recorded, a ``cause`` read from its reason; each fold's
    ``folds_at_once`` null where not recorded; recipes in ``hyperparameters`` and
    ``model.recipe`` complete with the fields added later (constant schedule)."""
    recipe = required_object(data, "hyperparameters") if "hyperparameters" in data else {}
    data["hyperparameters"] = _full_recipe(recipe)
    data.setdefault("precision", data["hyperparameters"].get("precision", "fp32"))
    required_object(data, "dataset").setdefault("skipped", [])
    data.setdefault("trained", True)
    data.setdefault("weights", None)
    model = required_object(data, "model")
    model.setdefault("description", None)
    model["recipe"] = _full_recipe(model.get("recipe"))
    engine = data.get("engine")
    if isinstance(engine, dict) and "cause" not in engine:
        engine["cause"] = _engine_cause(str(engine.get("reason", "")))
    data.setdefault("engine", None)
    for fold in list_or_empty(data, "folds"):
        if isinstance(fold, dict):
            fold.setdefault("folds_at_once", None)
    return data


def seeds_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """``seeds.json`` version 1 -> 2: the same fields (the version now covers every file)."""
    return data


def run_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """``run.json`` version 1 (no version) -> 2: ``n_folds`` null where not recorded, and
    the identity's recipe complete with the fields added later (constant schedule), as a
    run started now records it."""
    data.setdefault("n_folds", None)
    identity = object_or_none(data, "identity")
    if identity is not None and "hyperparameters" in identity:
        identity["hyperparameters"] = _full_recipe(
            required_object(data, "identity.hyperparameters"))
    return data


def fold_1_to_2(data: dict[str, Any]) -> dict[str, Any]:
    """A fold file's metadata, version 1 (no version) -> 2: ``folds_at_once`` null where
    not recorded."""
    data.setdefault("folds_at_once", None)
    return data


def results_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 2 -> 3: ``engine.threads`` and ``feature.values_sha256``
    null (not recorded: runs before merbench chose its threads and digested the values)."""
    if isinstance(data.get("engine"), dict):
        data["engine"].setdefault("threads", None)
    if isinstance(data.get("feature"), dict):
        data["feature"].setdefault("values_sha256", None)
    return data


def run_2_to_3(data: dict[str, Any]) -> dict[str, Any]:
    """``run.json`` version 2 -> 3: ``feature_values`` null (not recorded). The next process
    in the directory records the values it finds, so a later change of the data is caught
    from then on; what the run trained on before that is not known."""
    data.setdefault("feature_values", None)
    return data


# The recipe field TrainRecipe gained in version 4, and what every earlier run trained with.
RECIPE_ADDITIONS_4 = {"data_order": "shuffle"}


def _with_data_order(recipe: Any) -> Any:
    if isinstance(recipe, dict) and "epochs" in recipe:
        return {**recipe, **{k: v for k, v in RECIPE_ADDITIONS_4.items() if k not in recipe}}
    return recipe


def _package_version(text: Any) -> tuple[str, str | None]:
    """``environment.plugins``' "package version" as (package, version or None)."""
    package, _, version = str(text).rpartition(" ")
    return (package, version or None) if package else (version, None)


def _only_package(plugins: Any) -> tuple[str, str | None] | None:
    """(package, version) when every plugin the run loaded came from one package, which
    then provided every name the run used; None when several packages were loaded."""
    if not isinstance(plugins, dict) or not plugins:
        return None
    found = {_package_version(v) for v in plugins.values()}
    return found.pop() if len(found) == 1 else None


def results_3_to_4(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 3 -> 4: every registered name the run used records its
    ``provider``. The model's package was recorded (``model.package``, which the provider
    replaces; its plugin was not: null). When every plugin the run loaded came from one
    package (``environment.plugins``), that package provided the feature, dataset and
    protocol too; otherwise their provider is null (not recorded). Torch recipes gain
    ``data_order`` "shuffle", the order every earlier run trained in."""
    plugins = object_or_none(data, "environment.plugins")
    only = _only_package(plugins)
    model = required_object(data, "model")
    package = model.pop("package", None)
    versions = {version for name, version in map(_package_version, (plugins or {}).values())
                if name == package}
    model["provider"] = None if package is None else {
        "plugin": None, "package": package,
        "version": versions.pop() if len(versions) == 1 else None}
    for section in ("feature", "dataset", "protocol"):
        if isinstance(data.get(section), dict):
            data[section].setdefault("provider", None if only is None else {
                "plugin": None, "package": only[0], "version": only[1]})
    data["hyperparameters"] = _with_data_order(data.get("hyperparameters", {}))
    model["recipe"] = _with_data_order(model.get("recipe"))
    return data


def run_3_to_4(data: dict[str, Any]) -> dict[str, Any]:
    """``run.json`` version 3 -> 4: the identity's torch recipe gains ``data_order``
    "shuffle" (what every earlier run trained with), as a run started now records it."""
    identity = object_or_none(data, "identity")
    if identity is not None and "hyperparameters" in identity:
        identity["hyperparameters"] = _with_data_order(
            required_object(data, "identity.hyperparameters"))
    return data


def intervals_4_to_5(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` and ``seeds.json`` version 4 -> 5: ``intervals`` null (not
    computed when the file was written; ``merbench compare`` and the leaderboard compute
    them from the predictions)."""
    data.setdefault("intervals", None)
    return data


def built_from_5_to_6(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 5 -> 6: the model's ``built_from`` ({}: no model had any
    before the timm models, and an identity without it recorded none)."""
    required_object(data, "model").setdefault("built_from", {})
    return data


def executor_6_to_7(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 6 -> 7: the engine's ``executor`` "local" (every run before
    the Ray executor trained its folds in the process that wrote the file)."""
    if isinstance(data.get("engine"), dict):
        data["engine"].setdefault("executor", "local")
    return data


def manifest_7_to_8(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 7 -> 8: ``files`` null (no manifest: a run summarised before
    version 8 recorded no digests of its other files, so nothing binds them to it); each
    fold's ``finished`` null (not recorded)."""
    data.setdefault("files", None)
    for fold in list_or_empty(data, "folds"):
        if isinstance(fold, dict):
            fold.setdefault("finished", None)
    return data


def fold_run_7_to_8(data: dict[str, Any]) -> dict[str, Any]:
    """A fold file's metadata, version 7 -> 8: ``run_sha256`` and ``finished`` null (fold
    files written before version 8 recorded neither the run identity they were trained for
    nor when they were written)."""
    data.setdefault("run_sha256", None)
    data.setdefault("finished", None)
    return data


def captured_8_to_9(data: dict[str, Any]) -> dict[str, Any]:
    """``results.json`` version 8 -> 9: the engine's ``captured`` false where it trained in
    epochs (no epoch was replayed as a CUDA graph before version 9), null where it did not
    (the same runs whose ``fused_optimizer`` is null); ``notes`` null (not recorded:
    ``merbench validate`` and the leaderboard compute them from the predictions)."""
    data.setdefault("notes", None)
    engine = data.get("engine")
    if isinstance(engine, dict):
        engine.setdefault("captured",
                          None if engine.get("fused_optimizer") is None else False)
    return data


def fold_code_9_to_10(data: dict[str, Any]) -> dict[str, Any]:
    """A fold file's metadata, version 9 -> 10: ``trained_with`` null (the code that trained
    it was not recorded, so an audit of it compares bit for bit)."""
    data.setdefault("trained_with", None)
    return data


def _unchanged(data: dict[str, Any]) -> dict[str, Any]:
    """A kind whose layout a version left as it was (the version covers every file)."""
    return data


MIGRATIONS: dict[str, dict[int, Migration]] = {
    "results": {1: results_1_to_2, 2: results_2_to_3, 3: results_3_to_4,
                4: intervals_4_to_5, 5: built_from_5_to_6, 6: executor_6_to_7,
                7: manifest_7_to_8, 8: captured_8_to_9, 9: _unchanged},
    "seeds": {1: seeds_1_to_2, 2: _unchanged, 3: _unchanged, 4: intervals_4_to_5,
              5: _unchanged, 6: _unchanged, 7: _unchanged, 8: _unchanged, 9: _unchanged},
    "run": {1: run_1_to_2, 2: run_2_to_3, 3: run_3_to_4, 4: _unchanged, 5: _unchanged,
            6: _unchanged, 7: _unchanged, 8: _unchanged, 9: _unchanged},
    "fold": {1: fold_1_to_2, 2: _unchanged, 3: _unchanged, 4: _unchanged, 5: _unchanged,
             6: _unchanged, 7: fold_run_7_to_8, 8: _unchanged, 9: fold_code_9_to_10},
    # audit.json began with 4
    "audit": {4: _unchanged, 5: _unchanged, 6: _unchanged, 7: _unchanged, 8: _unchanged,
              9: _unchanged},
}


def version_of(data: Mapping[str, Any]) -> Any:
    """A file's ``schema_version``; version 1 files of some kinds carry none."""
    return data.get("schema_version", FIRST_VERSION)


class _Misfit(MerbenchError):
    """A file whose fields do not fit its ``schema_version``, said without its cause (its
    version ``edited``, where another fits) and fix."""

    def __init__(self, message: str, edited: str = ": ") -> None:
        super().__init__(message)
        self.edited = edited


def migrate(data: dict[str, Any], kind: str, source: object, *,
            migrations: Mapping[int, Migration] | None = None, target: int = SCHEMA_VERSION,
            layout: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    """``data`` (a file of ``kind``: results, seeds, run or fold) in the ``target`` layout,
    one version step at a time; a version this merbench cannot read is refused by name. A
    file whose fields do not fit its version is told to be given back the version it was
    written with only where one fits them (brought to ``target``, ``layout`` reads it):
    another kind's file under this one's name fits none, and validate's fix was followed
    version after version (pass 84af, AF3)."""
    steps = MIGRATIONS[kind] if migrations is None else migrations
    try:
        return _migrated(data, kind, source, steps, target)
    except _Misfit as exc:
        fits = any(_fits(data, kind, steps, target, version, layout)
                   for version in range(FIRST_VERSION, target + 1))
        raise MerbenchError(f"{exc}{exc.edited}give it back the version it was written "
                            "with" if fits else
                            f"{exc}, and no schema_version fits its fields: it is no {kind} "
                            "file as merbench writes it; restore it from a copy of the "
                            "result") from None


def _fits(data: dict[str, Any], kind: str, steps: Mapping[int, Migration], target: int,
          version: int, layout: Callable[[dict[str, Any]], object] | None) -> bool:
    try:  # said to be of ``version``, it reads without a fault
        current = _migrated({**data, "schema_version": version}, kind, "", steps, target)
        if layout is not None:
            layout(current)
    except (MerbenchError, LayoutError, KeyError, TypeError, ValueError, AttributeError):
        return False
    return True


def _migrated(data: dict[str, Any], kind: str, source: object,
              steps: Mapping[int, Migration], target: int) -> dict[str, Any]:
    """:func:`migrate` of ``data``, a misfit said as :class:`_Misfit` (its fix left out)."""
    version = version_of(data)
    if not isinstance(version, int) or isinstance(version, bool):
        raise MerbenchError(f"{source} has no integer schema_version; is it a merbench file?")
    if version > target:
        raise MerbenchError(f"{source} has schema_version {version}; this merbench reads up "
                            f"to {target}: upgrade merbench")
    if version < FIRST_VERSION:
        raise MerbenchError(f"{source} has schema_version {version}, but versions start at "
                            f"{FIRST_VERSION}; is it a merbench file?")
    newer = newer_field(data, kind, version) if version < target else None
    if newer is not None:
        raise _Misfit(f"{source} says schema_version {version} but holds {newer[0]}, "
                      f"which came with version {newer[1]}", ": its version was edited; ")
    original = data
    if version < target:  # the steps edit in place: the caller's dict stays as it was
        data = copy.deepcopy(data)
    while version < target:
        step = steps.get(version)
        if step is None:
            raise MerbenchError(f"{source} has schema_version {version} and this merbench has "
                                f"no migration from it to {target}; read it with the "
                                "merbench version that wrote it")
        data = step(data)
        version += 1
        data["schema_version"] = version
    lost = nulled_field(original, data) if data is not original else None
    if lost is not None:  # a field the listed ones miss: still never lost
        raise _Misfit(f"{source}: bringing it to schema_version {target} would set its "
                      f"{lost} to null; its fields do not fit its schema_version "
                      f"{version_of(original)}")
    return data
