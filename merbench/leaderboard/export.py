"""A table to paste into a paper: CSV, LaTeX or Markdown, intervals included.

``merbench leaderboard export ID --results DIR`` reads the same validated result files the
site does, of the kind whose table ``ID`` names alone (each kind says which ids its tables
can have: :mod:`merbench.leaderboard.table_ids`), and writes that table's rows as the kind
gives them (:meth:`~merbench.leaderboard.kind_section.KindTable.lines`), every kind alike:
an emotion benchmark's ranked rows, then its test-set-selection rows (``oracle``, marked as
such: never to be ranked with the others), each score with its mean, its standard deviation
over seeds and its 95 % interval over subjects (:mod:`merbench.leaderboard.emotion_table`);
an AU, spotting or tuning table's rows as its page shows them.

Each row carries the configuration label its page shows
(:func:`~merbench.leaderboard.labels.configuration_label`): two configurations of one model
(STSTNet fed in the authors' order and shuffled) were two identical "ststnet v1, fixed" rows
once pasted. A table with no row yet is written as its header alone, with a warning
(``merbench: warning: ...`` on the command line): a correct answer, not a failure, so a script
exporting every benchmark goes on, but never a silent one.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from merbench.base.errors import MerbenchError
from merbench.base.literal import counted, literal
from merbench.leaderboard.benchmarks import load_benchmarks
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.kind_section import KindSection
from merbench.leaderboard.kind_tables import kind_sections, kind_tables
from merbench.leaderboard.result_walk import Rejected
from merbench.plugin_system.manager import default_plugins
from merbench.plugin_system.registry import Registries
from merbench.scores.interval_records import lone_notes, no_interval
from merbench.stats.intervals import Interval

FORMATS = ("csv", "latex", "markdown")


class EmptyExport(UserWarning):
    """A benchmark exported before any run of it was found: its table has no row."""


class LeftOut(UserWarning):
    """A benchmark exported with runs its page shows apart (reduced settings, saved
    weights) left out of its table: ``leaderboard list`` counts them."""


class Exported(Protocol):
    """What a table is exported as: its title and its score columns (every kind's table,
    :class:`merbench.leaderboard.kind_section.KindTable`, is one)."""

    @property
    def title(self) -> str: ...

    def score_headers(self) -> list[str]: ...


def headers(bench: Exported) -> list[str]:
    """The score columns: each scope's metrics, as the page heads them."""
    return bench.score_headers()


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _spanned(bench: Exported) -> list[bool]:
    """Whether each score column may have an interval: a table may name the scores it never
    gives one (``without_interval``, optional: an action-unit table's per-AU F1s, whose
    interval is the mean F1's), which the CSV writes with no ``low`` and ``high`` columns,
    since a column empty in every row reads as a number lost."""
    without = getattr(bench, "without_interval", None)
    never = without() if callable(without) else frozenset()
    return [name not in never for name in headers(bench)]


def to_csv(bench: Exported, lines: list[Line]) -> str:
    """One row a line; each score as mean, std, low, high (empty where none; no low and
    high for a score the table never gives an interval)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    spanned = _spanned(bench)
    head = ["model", "configuration", "selection", "test_set_selection", "seeds"]
    for name, has_span in zip(map(_csv_text, headers(bench)), spanned, strict=True):
        head += [name, f"{name} std", *([f"{name} low", f"{name} high"] * has_span)]
    writer.writerow([*head, "note"])
    for line in lines:
        row = [_csv_text(line.model), _csv_text(line.setting), _csv_text(line.selection),
               str(line.test_set_selection).lower(), str(line.seeds)]
        for (mean, std, span), has_span in zip(line.scores, spanned, strict=True):
            row += [_number(mean), _number(std)]
            if has_span:
                row += [_number(span.low if span else None), _number(span.high if span else None)]
        writer.writerow([*row, _csv_text(_note(bench, line))])
    return out.getvalue()


def _note(bench: Exported, line: Line) -> str:
    """Why the row's blank ``low`` and ``high`` cells are blank where its scope has one
    subject, in the words ``merbench show`` says it in (the columns named)."""
    lone = {name: why for name, why in zip(headers(bench), line.lone(), strict=True) if why}
    return "; ".join(lone_notes(lone, headers(bench)))


def _shown(mean: float | None, std: float | None, span: Interval | None,
           plus_minus: str, lone: str = "") -> str:
    """A score's cell: ``lone`` (why its scope has no interval) said where the interval
    would be, as the leaderboard's pages say it."""
    if mean is None:
        return "—"
    text = f"{mean:.4f}"
    if std is not None:
        text += f" {plus_minus} {std:.4f}"
    if span is not None:
        text += f" [{span.low:.2f}, {span.high:.2f}]"
    elif lone:
        text += f" [{no_interval(lone)}]"
    return text


def _named(line: Line) -> str:
    """The model as the comparison page names a row: ``ststnet v1 (data_order authors)``."""
    return f"{line.model} ({line.setting})" if line.setting else line.model


def _selection(line: Line) -> str:
    return f"{line.selection} (test-set selection)" if line.test_set_selection \
        else line.selection


def to_markdown(bench: Exported, lines: list[Line]) -> str:
    head = ["model", "selection", "seeds", *headers(bench)]
    out = [f"| {' | '.join(map(_markdown, head))} |", f"|{'---|' * len(head)}"]
    for line in lines:
        cells = [_markdown(_named(line)), _markdown(_selection(line)), str(line.seeds),
                 *(_shown(m, s, i, "±", lone) for (m, s, i), lone
                   in zip(line.scores, line.lone(), strict=True))]
        out.append(f"| {' | '.join(cells)} |")
    out.append("")
    out.append(f"{_markdown(bench.title)}. {_legend(lines, '±', '%')}")
    return "\n".join(out) + "\n"


def _legend(lines: list[Line], plus_minus: str, percent: str) -> str:
    """What the table's cells hold, said from its rows: a spotting or tuning table, whose
    rows are single runs, has no std over seeds to explain."""
    said = ["mean " + plus_minus + " std over seeds"
            if any(s is not None for line in lines for _, s, _ in line.scores)
            else "one run a row"]
    if any(i is not None for line in lines for _, _, i in line.scores):
        said.append(f"[95{percent} interval over subjects]")
    text = ", ".join(said)
    if any(line.test_set_selection for line in lines):
        text += "; test-set selection rows are not comparable with the others"
    return text[0].upper() + text[1:] + "."


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#",
          "$": r"\$", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
          "^": r"\textasciicircum{}"}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def _latex(text: str) -> str:
    """``text`` shown as written in LaTeX: each special character replaced in one pass, so
    the braces of one replacement are never escaped again, and hidden characters written as
    their escapes (:func:`merbench.base.literal.literal`)."""
    return _LATEX_SPECIAL.sub(lambda found: _LATEX[found.group()], literal(text))


_MARKDOWN = {"|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _markdown(text: str) -> str:
    """``text`` inert in a Markdown table cell: a ``|`` would end the cell and ``<`` start
    HTML that most renderers draw; hidden characters as their escapes."""
    return re.sub("[|<>&]", lambda found: _MARKDOWN[found.group()], literal(text))


def _csv_text(text: str) -> str:
    """``text`` for a CSV cell a spreadsheet will not run: a cell that starts like a formula
    (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``, as
    OWASP advises; hidden characters as their escapes."""
    shown = literal(text)
    return f"'{shown}" if shown[:1] in ("=", "+", "-", "@", "\t", "\r") else shown


def to_latex(bench: Exported, lines: list[Line]) -> str:
    """A ``tabular`` with booktabs rules (``\\usepackage{booktabs}``)."""
    head = ["Model", "Selection", "Seeds", *headers(bench)]
    out = [r"% " + _latex(bench.title) + ". " + _legend(lines, r"$\pm$", r"\%")
           + " merbench leaderboard export",
           r"\begin{tabular}{ll" + "r" * (1 + len(headers(bench))) + "}", r"\toprule",
           " & ".join(_latex(h) for h in head) + r" \\", r"\midrule"]
    for line in lines:
        cells = [_latex(_named(line)), _latex(_selection(line)), str(line.seeds),
                 *(_latex(_shown(m, s, i, "PLUSMINUS", lone)).replace("PLUSMINUS", r"$\pm$")
                   .replace("—", "--") for (m, s, i), lone
                   in zip(line.scores, line.lone(), strict=True))]
        out.append(" & ".join(cells) + r" \\")
    out += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(out) + "\n"


def _fixed_ids(sections: Sequence[KindSection[Any]], registries: Registries) -> list[str]:
    """The ids of the tables named once and for all (the emotion benchmarks')."""
    return [table_id for section in sections if section.ids.pattern is None
            for table_id in section.ids.every(registries)]


def refuse_unknown(bench_id: str, benchmarks_dir: Path | None = None) -> None:
    """Refuse, before any result is read, an id no kind's table can have: a benchmark's is
    its definition's, another kind's names a dataset, and a protocol, that the installed
    plugins register (a mistyped ``au-composite-loos`` took 91 s of validation to be
    refused). An id that could be a table's is looked for among the results."""
    sections = kind_sections(load_benchmarks(benchmarks_dir))
    registries = default_plugins().registries
    if any(section.ids.could_be(bench_id, registries) for section in sections):
        return
    every = [table_id for section in sections for table_id in section.ids.every(registries)]
    close = difflib.get_close_matches(bench_id, every, n=1)
    raise MerbenchError(
        f"no benchmark '{bench_id}'" + (f" (did you mean '{close[0]}'?)" if close else "")
        + f"; benchmarks: {', '.join(_fixed_ids(sections, registries))}; the tables of "
        f"other kinds of result are {_patterns(sections)} of an installed dataset and "
        "protocol ('merbench leaderboard list' names those under --results)")


def _patterns(sections: Sequence[KindSection[Any]]) -> str:
    """How the other kinds' tables are named: "spot-DATASET, ... and au-DATASET-PROTOCOL"."""
    *first, last = [section.ids.pattern for section in sections
                    if section.ids.pattern is not None]
    return f"{', '.join(first)} and {last}" if first else last


def export(bench_id: str, folders: list[Path], fmt: str,
           benchmarks_dir: Path | None = None) -> tuple[str, list[Rejected]]:
    """The table ``bench_id`` in ``fmt`` (csv, latex or markdown), and the rejected files;
    only the results of the kinds whose tables could have that id are read."""
    if fmt not in FORMATS:
        raise MerbenchError(f"--format {fmt} is not one of {', '.join(FORMATS)}")
    sections = kind_sections(load_benchmarks(benchmarks_dir))
    registries = default_plugins().registries
    tables, rejected = kind_tables(sections, folders, (bench_id, registries))
    table = next((t for t in tables if t.id == bench_id), None)
    if table is None:  # an installed dataset's table nobody has run yet: its header
        table = next((empty for section in sections
                      if (empty := section.ids.empty(bench_id, registries)) is not None),
                     None)
    if table is None:  # said from what was read, not read again
        found = dict.fromkeys([*_fixed_ids(sections, registries), *(t.id for t in tables)])
        raise MerbenchError(f"no benchmark '{bench_id}'; benchmarks: {', '.join(found)}")
    left_out = getattr(table, "left_out", None)  # optional: see KindTable
    lines, left = table.lines(), left_out() if callable(left_out) else None
    where = ", ".join(str(folder) for folder in folders)
    if not lines:
        said = (f"no run of benchmark '{bench_id}' under {where}"
                + (" is exported" if left else "")
                # of any kind: a tuning's rejection is not this benchmark's run
                + (f" ({counted(len(rejected), 'result or entry', 'results or entries')} "
                   "under it rejected: "
                   "'merbench validate' says why)" if rejected else ""))
        header = f"the {fmt} table has its header only"
        warnings.warn(f"{said}: {left}; {header}" if left else f"{said}: {header}",
                      EmptyExport, stacklevel=2)
    elif left:  # 'leaderboard list' counts them: said, so the two never seem to disagree
        warnings.warn(f"benchmark '{bench_id}' under {where}: {left}", LeftOut, stacklevel=2)
    writer = {"csv": to_csv, "latex": to_latex, "markdown": to_markdown}[fmt]
    return writer(table, lines), rejected
