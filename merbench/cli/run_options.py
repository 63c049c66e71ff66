"""``merbench run``'s options, generated from the one declaration in :mod:`merbench.runner.spec`.

Each :class:`~merbench.runner.spec.RunSpec` and :class:`~merbench.runner.spec.RunSettings` field
becomes an option whose type, flags, help and default come from the field and its
:class:`~merbench.runner.spec.Option`; ``--resume``'s allow-list, the options ``sweep`` and
``extract`` share, the settings ``audit`` takes with its own defaults (:func:`add_run_option`)
and the options table in ``docs/user-guide.md`` are generated from the same declaration, so
nothing here lists the options by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import types
import typing
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.literal import indefinite
from merbench.base.near_zero import exact_float
from merbench.base.non_finite import non_finite_text
from merbench.base.whole_numbers import whole_number
from merbench.cli.given_once import reads_as
from merbench.cli.shared_options import (
    EachKeyOnce,
    declared_once,
    finite_number,
    given_path,
    given_path_text,
    positive_number,
    seeds_option,
)
from merbench.data.au_labels import parse_au_set
from merbench.results.codec import OPTION_DEPTH, too_deep_at
from merbench.results.safe_files import entry_kind, refuse_borrowed
from merbench.runner.given_values import POSITIVE_NUMBERS, first_non_finite, seed_option
from merbench.runner.spec import (
    PATH_METAVARS,
    SPEC_FIELDS,
    Option,
    RunSettings,
    RunSpec,
    flag,
    from_config,
    from_options,
    option_types,
    options,
    resumable,
    split_options,
)
from merbench.training.device import resolve_device

# the help's two groups, as the docs' Run options table names them
GROUPS = {
    True: ("what runs", "the run's identity: recorded in run.json, naming a --seeds folder, "
                        "never changed by --resume"),
    False: ("where and how fast", "never the numbers; those marked may be given with "
                                  "--resume"),
}

def key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it is JSON (numbers, true, lists), else text.
    A refusal says what is wrong and the fix; the parser puts the option and the value before
    it (:meth:`~merbench.cli.strict_parser.StrictParser._get_value`)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("give KEY=VALUE")
    if too_deep_at(value, OPTION_DEPTH) is not None:  # before the decoder recurses that deep
        raise argparse.ArgumentTypeError(
            f"{key.strip()}'s value nests lists or objects more than {OPTION_DEPTH} levels "
            "deep, which no option takes (its run's files could not be read back); give a "
            "flat value")
    try:
        parsed: Any = json.loads(value, parse_float=exact_float)  # 3.0000000000000001 kept
    except json.JSONDecodeError:
        parsed = value
    except ValueError:  # an integer longer than Python converts (4,300 digits)
        raise argparse.ArgumentTypeError(
            f"{key.strip()}'s value is a number of {len(value.strip()):,} digits, which no "
            "option takes; give a number an option can use") from None
    if non_finite_text(value) is not None:
        # nan, inf, 1e999 alone: text until the option is known, which takes it as text
        # (a mode named nan) or refuses it, where it takes a number, as typed
        return key.strip().replace("-", "_"), value
    found = first_non_finite(parsed, key.strip())
    if found is not None:  # said here, where what was typed is known (1e999, not inf)
        name, number = found
        what = "not a number (NaN)" if math.isnan(number) else "infinite"
        said = "the value" if name == key.strip() else name
        raise argparse.ArgumentTypeError(f"{said} is {what}; give a finite number")
    return key.strip().replace("-", "_"), parsed


def _value_type(annotation: Any) -> Any:
    """The type a field's values have, without ``| None``."""
    if not isinstance(annotation, types.UnionType):
        return annotation
    return next(a for a in typing.get_args(annotation) if a is not type(None))


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and \
        field.default_factory is dataclasses.MISSING


def _default_text(field: dataclasses.Field[Any], option: Any) -> str:
    if option.default_text is not None:
        return option.default_text
    return "off" if field.default is False else str(field.default)


def _add(container: argparse._ActionsContainer, field: dataclasses.Field[Any], option: Option,
         kind: Any, text: str, default: Any) -> argparse.Action:
    """The option of one field, spelt, typed and kept under the field's name alike in
    every command that takes it; marked as declared once (:mod:`.shared_options`)."""
    flags = option.flags or (flag(field.name),)
    common: dict[str, Any] = {"dest": field.name, "default": default, "help": text}
    if kind is bool:
        action = container.add_argument(*flags, action="store_true", **common)
    elif typing.get_origin(kind) is dict:
        action = container.add_argument(*flags, action=EachKeyOnce, type=key_value,
                                        metavar=option.metavar, **common)
    else:
        # a path through given_path: Path("") is '.', the current folder, as if named
        typed = seed_option(flags[0]) if field.name == "seed" else \
            given_path if kind is Path else \
            (positive_number if field.name in POSITIVE_NUMBERS else finite_number) \
            if kind is float else \
            _bounded(field.name) if field.name in BOUNDED else \
            whole_number if kind is int else \
            given_path_text if option.metavar in PATH_METAVARS else str
        action = container.add_argument(*flags, type=typed, metavar=option.metavar,
                                        choices=option.choices, **common)
        if field.name == "au_set":  # --au-set 4,10 and 04,10 are one set given twice
            reads_as(action, _au_set_read)
    return declared_once(action)


#: the whole-number options with a largest value, refused as they are read, where the
#: value is still the text typed: "--epochs must be at most 100,000 (got 1e9)"
BOUNDED = ("epochs", "batch_size", "workers", "threads", "parallel_folds")


@functools.cache  # one type an option, whichever command takes it (audit's --workers, run's)
def _bounded(name: str) -> Any:
    """An argparse ``type`` for the whole-number option ``name`` of :data:`BOUNDED`: the
    number, or its refusal (:func:`merbench.runner.checks.too_large`) showing the value as
    written, not 1,000,000,000 for 1e9 (pass 84j Q12)."""

    def read(text: str) -> int:
        value = whole_number(text)
        from merbench.runner.checks import too_large  # the runner's, not at every start
        problem = too_large(name, value, text)
        if problem is not None:
            raise MerbenchError(problem)
        return value

    read.__name__ = whole_number.__name__  # a refusal says "takes a whole number"
    return read


def _au_set_read(text: str) -> tuple[int, ...]:
    """``--au-set`` as a run reads it (:func:`merbench.data.au_labels.parse_au_set`)."""
    return parse_au_set(text)


def _plain_help(option: Option, kind: Any, shown: str) -> str:
    """A field's help with its default in words (a switch has none to say)."""
    return option.help if kind is bool else f"{option.help} (default: {shown})"


def add_run_options(parser: argparse.ArgumentParser,
                    only: tuple[str, ...] | None = None,
                    groups: dict[bool, tuple[str, str]] | None = None,
                    helps: dict[str, str] | None = None) -> None:
    """Every :class:`RunSpec` and :class:`RunSettings` field (or those named in ``only``, for
    another command that shares them) as an option whose value is kept only when given (so
    ``--resume`` can tell which were given). A command whose options mean something else
    than a run's (``export`` writes files, it has no run.json) gives its own group titles
    (``groups``, as :data:`GROUPS`) and help texts (``helps``, field -> text)."""
    titles = GROUPS if groups is None else groups
    helps = helps or {}
    hints = option_types()
    suppress = argparse.SUPPRESS
    allowed = ", ".join(flag(name) for name in resumable())
    made: dict[bool, Any] = {}  # what runs (True) apart from where and how fast (False)
    for field, option in options():
        if only is not None and field.name not in only:
            continue
        what = field.name in SPEC_FIELDS
        if what not in made:
            made[what] = parser.add_argument_group(*titles[what])
        group = made[what]
        kind = _value_type(hints[field.name])
        if field.name in helps:
            text = helps[field.name]
        elif _required(field):  # argparse cannot mark it: --resume may stand in for it
            text = option.help + ("; required" if only is not None
                                  else "; required, unless --resume names a run")
        else:
            text = _plain_help(option, kind, _default_text(field, option))
        if option.resume and only is None:
            text += " (allowed with --resume)"
        _add(group, field, option, kind, text, suppress)
        if only is not None:
            continue
        if field.name == "out":
            group.add_argument("--resume", type=given_path, default=suppress, metavar="DIR",
                                help="continue the run in DIR with the options it was "
                                     f"started with (only {allowed} may be given with it)")
        if field.name == "seed":
            seeds_option(group, "run every seed (e.g. 0,1,2) and report mean ± std; one run "
                                "directory per seed under --out", default=suppress)


def add_run_option(container: argparse._ActionsContainer, name: str, *, default: Any,
                   default_text: str | None = None) -> argparse.Action:
    """One run option (the field ``name``) for a command that is no run but takes the same
    setting: ``audit`` trains folds again ``--device``, on ``--data-root``, with
    ``--workers``. Spelt, typed and explained as the run's, so the two cannot drift apart;
    only the default is the command's own: ``default`` is kept in the namespace (the command
    reads it as it is) and said in the help where it is not the run's, in ``default_text``
    where the value alone would not say it."""
    field, option = next((f, o) for f, o in options() if f.name == name)
    kind = _value_type(option_types()[name])
    shown = default_text if default_text is not None else \
        _default_text(field, option) if default == field.default else str(default)
    return _add(container, field, option, kind, _plain_help(option, kind, shown), default)


def run_option_flags() -> dict[str, str]:
    """Every spelling of every run option, with the field it sets (``-m`` -> ``model``), in
    the order ``merbench run --help`` shows them."""
    return {spelling: field.name for field, option in options()
            for spelling in option.flags or (flag(field.name),)}


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`RunSpec` and :class:`RunSettings` fields given on the command line, as
    the records take them."""
    given = {f.name: getattr(args, f.name) for f, _ in options() if hasattr(args, f.name)}
    for name, value in given.items():
        if isinstance(value, list):  # KEY=VALUE pairs
            given[name] = dict(value)
    return given


def spec_from_args(args: argparse.Namespace) -> tuple[RunSpec, RunSettings]:
    """The :class:`RunSpec` and :class:`RunSettings` the options describe, or those
    ``--resume DIR`` recorded with the where-and-how-fast options given beside them."""
    # deferred: numpy (through results.rundir), which only --resume needs and --help must not load
    from merbench.results.rundir import RUN_FILE, RunDirectory, RunFileUnreadable, anew

    given = given_options(args)
    resume = getattr(args, "resume", None)
    if resume is None:
        missing = [flag(k) for k in ("model", "dataset") if k not in given]
        if missing:
            raise MerbenchError(f"merbench run needs {' and '.join(missing)} "
                                "(see 'merbench list'), or --resume DIR")
        if "inner_val_subjects" in given and given.get("selection") != "inner-val":
            # another selection never holds subjects out: the option would be recorded unused
            raise MerbenchError("--inner-val-subjects is for --selection inner-val; add that, "
                                "or leave --inner-val-subjects out")
        return from_options(given)
    refused = [name for name in given if name not in resumable()]
    if refused:
        raise MerbenchError(f"--resume takes every option from {resume}/run.json; "
                            f"leave out {', '.join(flag(k) for k in refused)}")
    if not Path(resume).is_dir():
        found = entry_kind(Path(resume)) if os.path.lexists(resume) else "not there"
        raise MerbenchError(f"--resume {resume} is {found}; give the run directory a run wrote "
                            "(its --out, holding run.json)")
    _refuse_seeds_folder(Path(resume), RUN_FILE)
    refuse_borrowed(Path(resume), RUN_FILE, "--resume")  # before it is read through the link
    try:
        recorded = RunDirectory(resume).read_run_file()
    except RunFileUnreadable as exc:
        raise MerbenchError(f"--resume {resume}: {RUN_FILE} is unreadable ({exc.problem}), so "
                            "nothing says what to resume; restore it from a copy of the run, "
                            f"or {anew(Path(resume), 'the command that started it')}") from None
    spec, settings = from_config(recorded.config)
    # the recorded options, less those chosen for the machine the run started on
    fresh = {f.name: f.default for f, option in options() if option.per_machine}
    what, where = split_options({**fresh, **given})
    if settings.eager and not _on_cuda(str(where.get("device", settings.device))):
        # an --eager run resumed off CUDA: nothing is captured there, and the recorded flag,
        # which cannot be taken back, would have it refused (pass 84u, U9)
        where["eager"] = False
    return (dataclasses.replace(spec, **what),
            dataclasses.replace(settings, **where, out=resume))


def _on_cuda(device: str) -> bool:
    """Whether ``device`` (``auto`` resolved here) is a CUDA one."""
    if device == "auto":  # torch is imported by resolving only
        device = resolve_device(device)
    return device.startswith("cuda")


def _refuse_seeds_folder(folder: Path, run_file: str) -> None:
    """``--resume`` of a folder that is no run of its own: a result another command wrote
    (a spotting run, a tuning), which its own command goes on with, or a ``--seeds`` folder
    (a summary, or seed runs), whose command goes on with it. Each kind (:mod:`merbench
    .kinds`) says what it is and which command writes it; nothing here names their files.
    A result file under another kind's name is named first, as every other command names
    it: the kind judged by that file's name would be the wrong one."""
    # deferred: numpy and pandas (through merbench.kinds), which --help must not load
    from merbench.kinds import kind_of, refuse_stray_files, started_kind

    if (folder / run_file).exists():
        return
    refuse_stray_files(folder)
    kind = started_kind(folder) or kind_of(folder)
    seeds = kind.over_seeds if kind is not None else None
    if kind is not None and kind.started_file != run_file and (
            seeds is None or seeds.runs.started_file != run_file):
        # a result of another command (or a summary of its results): its own goes on
        raise MerbenchError(f"--resume {folder} is {indefinite(kind.name)}, not a run; the "
                            f"same {kind.command} command goes on with it")
    seed_runs = sorted(p.name for p in folder.glob("seed-*") if (p / run_file).is_file())
    if seed_runs or seeds is not None:
        one = f" ({folder / seed_runs[0]})" if seed_runs else ""
        again = seeds.structure.command if seeds is not None else "merbench run --seeds command"
        raise MerbenchError(f"--resume {folder} is a --seeds folder, not one run; run the same "
                            f"{again} again to go on, or --resume one seed's run{one}")


def options_table() -> str:
    """The Markdown table of ``merbench run``'s options, for ``docs/user-guide.md``."""
    rows = ["| option | default | what it does | kind |", "| --- | --- | --- | --- |"]
    for field, option in options():
        flags = ", ".join(f"`{f}`" for f in (option.flags or (flag(field.name),)))
        default = "required" if _required(field) else _default_text(field, option)
        kind = "what runs" if field.name in SPEC_FIELDS else "where and how fast"
        if option.resume:
            kind += "; allowed with `--resume`"
        rows.append(f"| {flags} | {default} | {option.help.replace('|', '/')} | {kind} |")
    return "\n".join(rows) + "\n"
