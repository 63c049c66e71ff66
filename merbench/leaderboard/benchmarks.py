"""Benchmark definitions: which runs a leaderboard table compares, and how.

A benchmark is data, not code (one JSON file per benchmark), so adding one or correcting a
published number needs no code change. merbench's own definitions ship with the package
(``merbench/leaderboard/definitions/``, package data), so ``merbench leaderboard build``
finds them from any working directory; a user's ``--benchmarks`` folder replaces them. A
definition names the dataset (optionally pinned to its sample-list fingerprint and size), the
protocol, the class set, the selection policies it ranks and the ones it only shows apart, its
columns (a scope, ``overall`` or a database, times each metric), and the numbers reported in
the papers with their source."""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import written
from merbench.leaderboard.definition_fields import (
    column_scope,
    dataset_databases,
    distinct_columns,
    optional_text,
    positive,
    read_definition,
    recorded_options,
    refuse,
    registered,
    spelt_as_run,
    texts,
    typed,
    value_words,
)
from merbench.leaderboard.definition_fields import (
    need as _need,
)
from merbench.leaderboard.option_words import option_text, option_words, options_said
from merbench.results.model import Results
from merbench.results.safe_files import entry_kind
from merbench.runner.given_values import check_finite
from merbench.scores.selection import POLICIES

DEFINITIONS = Path(__file__).resolve().parent / "definitions"  # the shipped benchmarks
_README = "merbench/leaderboard/definitions/README.md"
METRIC_LABELS = {"uf1": "UF1", "uar": "UAR", "accuracy": "Acc."}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# a definition's 'order' when it gives none: after the benchmark a site leads with (0)
ORDER = 100
# How a published number's epoch was chosen, as far as the authors' public code shows it. A
# paper's row is not a merbench run, so merbench's policy names would claim too much: an SVM
# has no epoch to select, and most papers never say. Value -> (what the page shows, why).
REPORTED_SELECTION = {
    "test": ("best on test subject", "the public code keeps, per left-out subject, the epoch "
             "that scored best on that test subject (oracle): test-set selection, inflated"),
    "last": ("last epoch", "a fixed number of epochs, evaluated once at the end"),
    "n/a": ("none to select", "nothing to select: a handcrafted feature with an SVM, no epochs"),
    "unknown": ("unknown", "no public code, or the code does not show how the epoch was "
                "chosen"),
}


@dataclass(frozen=True)
class Column:
    """A scope of the pooled metrics: ``overall`` or one database's samples."""

    scope: str
    label: str


@dataclass(frozen=True)
class ReportedRow:
    """One published result, as its paper gives it."""

    method: str
    selection: str  # a key of REPORTED_SELECTION
    values: dict[str, list[float | None]]  # scope -> one value per metric (None: not given)
    note: str = ""
    # merbench's models that run the method (its row is set beside this one); () if none
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Benchmark:
    """A leaderboard table: the runs it accepts and the columns it shows."""

    id: str
    title: str
    description: str
    dataset: str
    protocol: str
    classes: tuple[str, ...]
    columns: tuple[Column, ...]
    metrics: tuple[str, ...]
    rank: tuple[str, ...]
    test_set_selection: tuple[str, ...]
    dataset_version: int | None = None
    protocol_version: int | None = None
    dataset_fingerprint: str | None = None
    n_samples: int | None = None
    dataset_options: dict[str, Any] | None = None  # None: the dataset's defaults ({})
    # section ("model", "feature", "dataset", "protocol") -> name -> the package that must
    # have provided it (merbench's own names are pinned to merbench without saying so)
    providers: dict[str, dict[str, str]] = field(default_factory=dict)
    protocol_options: dict[str, Any] | None = None
    reported: tuple[ReportedRow, ...] = ()
    reported_source: str = ""
    reported_url: str = ""
    reported_note: str = ""
    source: Path | None = None
    # where the index lists it among the benchmarks with runs, lower first (see ORDER)
    order: int = ORDER

    def score_headers(self) -> list[str]:
        """The score columns of its exported table: each scope's metrics, as the page heads
        them."""
        return [f"{column.label} {metric.upper()}" for column in self.columns
                for metric in self.metrics]

    def mismatch(self, results: Results) -> str | None:
        """Why a (validated) result does not belong here, or None when it does."""
        dataset, protocol = results.dataset, results.protocol
        checks: tuple[tuple[str, Any, Any], ...] = (
            ("dataset", dataset.name, self.dataset),
            ("dataset version", dataset.version, self.dataset_version),
            ("dataset fingerprint", dataset.fingerprint, self.dataset_fingerprint),
            ("number of samples", protocol.n_samples, self.n_samples),
            ("protocol", protocol.name, self.protocol),
            ("protocol version", protocol.version, self.protocol_version),
            ("classes", tuple(dataset.classes), self.classes),
            ("dataset options", option_text(dataset.options or {}),
             option_text(spelt_as_run(self.dataset, self.dataset_options or {},
                                      dataset.options or {}, self.providers))),
            ("protocol options", option_text(protocol.options or {}),
             option_text(self.protocol_options or {})),
            ("label shuffling", results.shuffle_train_labels, False),
        )
        for what, theirs, ours in checks:
            if ours is not None and theirs != ours:
                if what.endswith(" options"):  # as the command line gives them
                    flag = f"--{what.split()[0]}-opt"
                    return (f"{what} are {options_said(flag, theirs)}, the benchmark needs "
                            f"{options_said(flag, ours)}")
                return f"{what} is {written(theirs)}, the benchmark needs {written(ours)}"
        return None

    def run_command(self, model: str = "MODEL", feature: str | None = None) -> str:
        """The ``merbench run`` line whose runs this page accepts: the page prints it, so
        every option the definition pins is spelt as the command line spells it
        (``skip_missing`` is ``--skip-missing``, the rest ``--dataset-opt`` /
        ``--protocol-opt``); a page that dropped them would send readers off to make runs
        that do not belong to it. ``model`` and ``feature`` fill in one model's row."""
        words = ["merbench", "run", "--model", model, "--dataset", self.dataset]
        if feature is not None:
            words += ["--feature", feature]
        dataset_options = dict(self.dataset_options or {})
        skip = dataset_options.pop("skip_missing", None) is True
        words += option_words("--dataset-opt", dataset_options)
        if skip:
            words.append("--skip-missing")
        words += ["--protocol", self.protocol]
        words += option_words("--protocol-opt", self.protocol_options or {})
        words += ["--data-root", "PATH", "--seeds", "0,1,2"]
        return " ".join(shlex.quote(word) for word in words)


#: every key a definition, its 'reported' object, a reported row and a column may hold: a
#: misspelt one ('metricz') was ignored without a word, and the page built without it
KEYS = {
    "definition": ("id", "title", "description", "order", "dataset", "dataset_version",
                   "dataset_fingerprint", "n_samples", "dataset_options", "protocol",
                   "protocol_version", "protocol_options", "providers", "classes", "rank",
                   "test_set_selection", "metrics", "columns", "reported"),
    "'reported'": ("source", "url", "note", "rows"),
    "reported row": ("method", "selection", "values", "note", "models"),
    "column": ("scope", "label"),
}


def _known_keys(data: dict[str, Any], part: str, source: Path, where: str = "") -> None:
    """Refuse a key of ``data`` (a ``part`` of KEYS) that no definition has, naming the keys
    it may have and the one most like it."""
    unknown = [key for key in data if key not in KEYS[part]]
    if unknown:
        near = difflib.get_close_matches(str(unknown[0]), KEYS[part], n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise MerbenchError(f"benchmark {source}{f': {where}' if where else ''} has unknown key "
                            f"'{unknown[0]}'{hint}; it may have {', '.join(KEYS[part])} "
                            f"(see {_README})")


def _score_problem(values: list[Any]) -> str | None:
    """What is wrong with a reported row's numbers (scores from 0 to 1), or None: NaN or
    Infinity, which Python's JSON reader takes, was shown as the best score in bold."""
    for value in values:
        if value is None:
            continue
        if math.isnan(value):
            return "holds NaN"
        if math.isinf(value):
            return f"holds {'-' if value < 0 else ''}Infinity"
        if not 0 <= value <= 1:
            return f"holds {value}, which is no score"
    return None


def _reported(data: dict[str, Any], columns: tuple[Column, ...], n_metrics: int,
              source: Path) -> tuple[ReportedRow, ...]:
    rows = []
    scopes = {c.scope for c in columns}
    for i, row in enumerate(_need(data, "rows", list, source)):
        if not isinstance(row, dict) or not isinstance(row.get("method"), str) \
                or not isinstance(row.get("values"), dict):
            raise MerbenchError(f"benchmark {source}: reported row {i + 1} needs 'method' and "
                                "'values'")
        _known_keys(row, "reported row", source, f"reported row '{row['method']}'")
        for scope, values in row["values"].items():
            if scope not in scopes:
                raise MerbenchError(f"benchmark {source}: reported row '{row['method']}' has "
                                    f"scope '{scope}', which is not a column")
            ok = isinstance(values, list) and len(values) == n_metrics and all(
                v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                for v in values)
            if not ok:
                raise MerbenchError(f"benchmark {source}: reported row '{row['method']}', "
                                    f"'{scope}' needs {n_metrics} numbers (or null)")
            problem = _score_problem(values)
            if problem:
                raise MerbenchError(f"benchmark {source}: reported row '{row['method']}', "
                                    f"'{scope}' {problem}; give {n_metrics} numbers from 0 to "
                                    "1 (or null)")
        selection = row.get("selection", "unknown")
        if selection not in REPORTED_SELECTION:
            raise MerbenchError(
                f"benchmark {source}: reported row '{row['method']}' has selection "
                f"{selection!r}; say what the public code shows: one of "
                f"{', '.join(REPORTED_SELECTION)} (see {_README})")
        models = row.get("models", [])
        if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
            raise MerbenchError(f"benchmark {source}: reported row '{row['method']}': 'models' "
                                "must be a list of merbench model names (see "
                                f"{_README})")
        rows.append(ReportedRow(method=row["method"], selection=selection,
                                values=row["values"], note=str(row.get("note", "")),
                                models=tuple(models)))
    return tuple(rows)


def load_benchmark(path: Path) -> Benchmark:
    """Read and check one definition; every mistake names the file and the field."""
    data = read_definition(Path(path))
    if not isinstance(data, dict):
        raise MerbenchError(f"benchmark {path} must be a JSON object")
    _known_keys(data, "definition", path)
    bench_id = _need(data, "id", str, path)
    if not _ID.match(bench_id):
        raise MerbenchError(f"benchmark {path}: id '{bench_id}' may hold only a-z, 0-9 and -")
    metrics = tuple(_need(data, "metrics", list, path))
    unknown = [m for m in metrics if m not in METRIC_LABELS]
    if unknown or not metrics:
        got = ", ".join(f"'{m}'" if isinstance(m, str) else json.dumps(m) for m in metrics)
        raise MerbenchError(f"benchmark {path}: metrics must be some of "
                            f"{', '.join(METRIC_LABELS)} (got {got or 'none'})")
    twice = next((m for i, m in enumerate(metrics) if m in metrics[:i]), None)
    if twice is not None:  # every column of the page and the export said twice (pass 84r)
        raise MerbenchError(f"benchmark {path}: 'metrics' lists '{twice}' twice; list each "
                            "once")
    rank = texts(data, "rank", path, required=True,
                 fix="name the selection policies it ranks, some of "
                 + ", ".join(p for p in POLICIES if not POLICIES[p].test_set_selection))
    apart = texts(data, "test_set_selection", path, required=False, fix="")
    unknown = [(key, p) for key, listed in (("rank", rank), ("test_set_selection", apart))
               for p in listed if p not in POLICIES]
    if unknown:
        key, policy = unknown[0]
        raise MerbenchError(f"benchmark {path} names an unknown selection policy '{policy}' "
                            f"in '{key}'; known: {', '.join(POLICIES)}")
    ranked_test_set = [p for p in rank if POLICIES[p].test_set_selection]
    if ranked_test_set:
        raise MerbenchError(
            f"benchmark {path} ranks {', '.join(ranked_test_set)}, which is test-set "
            "selection; list it under 'test_set_selection' so it is shown apart")
    honest = [p for p in apart if not POLICIES[p].test_set_selection]
    if honest:
        raise MerbenchError(f"benchmark {path} lists {', '.join(honest)} under "
                            "'test_set_selection', but it is not; rank it instead")
    reported = data.get("reported") or {}
    if not isinstance(reported, dict):
        raise MerbenchError(f"benchmark {path}: 'reported' must be an object with 'source' "
                            "and 'rows'")
    _known_keys(reported, "'reported'", path, "'reported'")
    optional = {key: data.get(key) for key in ("dataset_fingerprint", "dataset_options",
                                               "protocol_options")}
    optional.update({key: positive(data, key, path) for key in ("dataset_version",
                                                                "protocol_version",
                                                                "n_samples")})
    if optional["dataset_fingerprint"] is not None:
        typed(optional["dataset_fingerprint"], "dataset_fingerprint", str, path)
    for key in ("dataset_options", "protocol_options"):
        if optional[key] is not None and not isinstance(optional[key], dict):
            raise MerbenchError(f"benchmark {path}: '{key}' must be an object of options")
        options = optional[key]
        if isinstance(options, dict):  # NaN or infinity: no run can be given it, or match
            check_finite(options, f"benchmark {path}: '{key}'")
    providers = data.get("providers") or {}
    if not isinstance(providers, dict) or not all(
            section in ("model", "feature", "dataset", "protocol") and isinstance(names, dict)
            and all(isinstance(n, str) and isinstance(p, str) for n, p in names.items())
            for section, names in providers.items()):
        raise MerbenchError(f"benchmark {path}: 'providers' must map model, feature, dataset "
                            "or protocol to {name: package} (see " + _README + ")")
    dataset, protocol = _need(data, "dataset", str, path), _need(data, "protocol", str, path)
    registered("dataset", dataset, providers, path)
    registered("protocol", protocol, providers, path)
    for section, name in (("dataset", dataset), ("protocol", protocol)):  # as runs spell them
        key = f"{section}_options"
        optional[key] = recorded_options(section, name, optional[key], providers, path)
    columns = _columns(data, path, dataset, dataset_databases(dataset, providers))
    return Benchmark(
        id=bench_id, providers=providers, title=_need(data, "title", str, path),
        description=optional_text(data, "description", path), dataset=dataset,
        protocol=protocol, columns=columns,
        classes=texts(data, "classes", path, required=True, fix="name the benchmark's classes"),
        metrics=metrics, rank=rank, test_set_selection=apart, **optional,
        reported=_reported(reported, columns, len(metrics), path) if reported else (),
        reported_source=optional_text(reported, "source", path),
        reported_url=optional_text(reported, "url", path),
        reported_note=optional_text(reported, "note", path), source=Path(path),
        order=_order(data, path),
    )


def _columns(data: dict[str, Any], path: Path, dataset: str,
             databases: tuple[str, ...] | None) -> tuple[Column, ...]:
    """The definition's columns: at least one, each a scope of the dataset (see
    :func:`column_scope`) and its label, no two of one scope or label."""
    columns = []
    listed = _need(data, "columns", list, path)
    if not listed:
        raise MerbenchError(f"benchmark {path}: 'columns' is empty; give at least one column, "
                            "such as {\"scope\": \"overall\", \"label\": \"All\"}")
    for index, column in enumerate(listed):
        if not isinstance(column, dict) or "scope" not in column:
            raise refuse(path, f"columns[{index}]", "has no scope" if isinstance(column, dict)
                         else f"is {value_words(column)}", "give each column an object "
                         "{\"scope\": \"overall\" or a database, \"label\": ...}")
        scope = column_scope(column["scope"], f"columns[{index}].scope", dataset, databases,
                             path)
        _known_keys(column, "column", path, f"column '{scope}'")
        label = typed(column.get("label", scope), f"columns[{index}].label", str, path)
        columns.append(Column(scope=scope, label=label))
    distinct_columns([(c.scope, c.label) for c in columns], path)
    return tuple(columns)


def _order(data: dict[str, Any], path: Path) -> int:
    """The definition's place on the index: ``order`` (a whole number, lower first)."""
    order = data.get("order", ORDER)
    if not isinstance(order, int) or isinstance(order, bool):
        raise MerbenchError(f"benchmark {path}: 'order' must be a whole number (lower is "
                            f"listed first; default {ORDER})")
    return order


def load_benchmarks(folder: Path | None = None) -> list[Benchmark]:
    """Every ``*.json`` definition in ``folder`` (None: the ones merbench ships), in file-name
    order; ids must be unique."""
    folder = DEFINITIONS if folder is None else Path(folder)
    if os.path.lexists(folder) and not folder.is_dir():  # a fifo or a file: not "no ..."
        raise MerbenchError(f"{folder} is {entry_kind(folder)}, not a folder of benchmark "
                            "definitions; pass a folder of *.json definitions with "
                            "--benchmarks DIR, or leave it out to use the ones merbench ships")
    if not folder.is_dir():
        raise MerbenchError(f"no benchmark definitions at {folder}; pass a folder of *.json "
                            "definitions with --benchmarks DIR, or leave it out to use the "
                            "ones merbench ships")
    benchmarks = [load_benchmark(p) for p in sorted(folder.glob("*.json"))]
    if not benchmarks:
        raise MerbenchError(f"{folder} holds no benchmark definition (*.json)")
    seen: dict[str, Path | None] = {}
    for bench in benchmarks:
        if bench.id in seen:
            raise MerbenchError(f"benchmark id '{bench.id}' is defined twice ({seen[bench.id]} "
                                f"and {bench.source}); ids name the pages, keep them unique")
        seen[bench.id] = bench.source
    return benchmarks
