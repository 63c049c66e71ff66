"""``merbench list``'s tables: every registered model, dataset, feature, protocol, spotter
and long-video set with its version, what it needs and provides and the package it came
from, fitted to the terminal (columns that fold, or one stacked block an entry where the
terminal is too narrow for a readable description column), and the plugins that failed to
load, each one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from merbench.base.console import LiteralConsole
from merbench.base.terminal import literal
from merbench.plugin_system.manager import Plugins

if TYPE_CHECKING:
    pass


def _whole(width: int) -> dict[str, Any]:
    """Column options that keep every cell of up to ``width`` characters on one line, whole."""
    return {"min_width": width, "no_wrap": True, "overflow": "fold"}


READABLE = 30  # the narrowest description column worth reading; below it a listing stacks
FOLDED = 12  # the least width of a column that folds (needs, provides, package)
WHOLE = ("version", "feature", "kind")  # short fields, kept whole like names


def print_listing(plugins: Plugins, kind: str | None) -> None:
    """One table per registry (or only ``kind``), with versions and the package of each."""
    console = LiteralConsole()
    registries = plugins.registries
    kinds = [kind] if kind else ["datasets", "features", "models", "protocols", "long-videos",
                                 "spotters", "plugins"]
    for name in kinds:
        if name == "plugins":
            console.print(_plugins_table(plugins, console.width))
            continue
        registry = getattr(registries, name.replace("-", "_"))
        extra = {"models": ("feature", "kind"), "features": ("needs",),
                 "datasets": ("provides",), "long-videos": ("fps",),
                 "spotters": ("tuned",)}.get(name, ())
        rows = sorted([(entry.meta.name, _listed_cells(entry, extra)) for entry in registry] +
                      [(family.pattern, _listed_cells(family, extra))  # timm-<arch>
                       for family in registry.families()])
        columns = ("version", *extra, "description", "package")
        table = (_listing_table(name, columns, rows, console.width)
                 if _fits(console.width, columns, rows)
                 else _stacked_listing(name, rows))
        if not rows:
            table.caption = "none registered"
        console.print(table)


def _listed_cells(entry: Any, extra: tuple[str, ...]) -> dict[str, str]:
    """What ``merbench list`` shows of a registry entry or family, by column."""
    meta = entry.meta
    cells = {"version": str(meta.version)}
    for column in extra:
        value = getattr(meta, column)
        if column == "needs":  # alternatives "a|b" read as "a or b"
            value = tuple(v.replace("|", " or ") for v in value)
        elif column == "tuned":  # (("p", (0.1, 0.2)),) read as "p: 0.1/0.2"
            # nothing tuned (flow-score learns its threshold) is said, not a blank after
            # "tuned" that reads as a value lost
            value = tuple(f"{option}: {'/'.join(f'{v:g}' for v in values)}"
                          for option, values in value) or "none"
        elif column == "fps":
            value = "varies" if value is None else f"{value:g}"
        cells[column] = ", ".join(value) if isinstance(value, tuple) else str(value)
    cells["description"] = meta.description
    cells["package"] = f"{entry.origin.package} ({entry.origin.plugin})"
    return cells


def _whole_width(column: str, cells: list[str]) -> int:
    return max([len(column), *map(len, cells)])


def _word_width(column: str, cells: list[str]) -> int:
    """The least width that folds ``cells`` between words only: the longest word (a package
    name, ``merbench-mymodel``, split mid-word read as two)."""
    return max([FOLDED, len(column), *(len(word) for cell in cells for word in cell.split())])


def _fits(width: int, columns: tuple[str, ...], rows: list[tuple[str, dict[str, str]]]) -> bool:
    """Whether one column per field leaves the description ``READABLE`` characters, with
    names, versions, features and kinds whole (and 3 characters of border per column)."""
    need = _whole_width("name", [n for n, _ in rows]) + 4
    for column in columns:
        if column == "description":
            need += READABLE
        elif column in WHOLE:
            need += _whole_width(column, [cells[column] for _, cells in rows])
        else:
            need += _word_width(column, [cells[column] for _, cells in rows])
        need += 3
    return need <= width


def _listing_table(title: str, columns: tuple[str, ...],
                   rows: list[tuple[str, dict[str, str]]], width: int) -> Table:
    """One column per field: names, versions, features and kinds whole; every other cell
    folds (never an ellipsis) in a share of the width, and the description takes what is
    left. The widths are set here, within ``width``: rich's own layout left such a table a
    few characters wider than the terminal, which cut its right edge."""
    whole = {column: _whole_width(column, [cells[column] for _, cells in rows])
             for column in columns if column in WHOLE}
    whole["name"] = _whole_width("name", [n for n, _ in rows])
    folding = [c for c in columns if c not in WHOLE and c != "description"]
    # each column: 2 characters of padding and 1 of border, and the table's last border
    room = width - 1 - 3 * (len(columns) + 1) - sum(whole.values())
    share = max(FOLDED, (room - READABLE) // max(1, len(folding)))
    folded = {c: max(_word_width(c, [cells[c] for _, cells in rows]),
                     min(share, _whole_width(c, [cells[c] for _, cells in rows])))
              for c in folding}
    table = Table(title=title)
    table.add_column("name", width=whole["name"], no_wrap=True, overflow="fold")
    for column in columns:
        if column in WHOLE:
            table.add_column(column, width=whole[column], no_wrap=True, overflow="fold")
        elif column == "description":
            table.add_column(column, width=max(READABLE, room - sum(folded.values())),
                             overflow="fold")
        else:
            table.add_column(column, width=folded[column], overflow="fold")
    for name, cells in rows:
        table.add_row(Text(literal(name)), *(Text(literal(cells[column])) for column in columns))
    return table


def _plugins_table(plugins: Plugins, width: int) -> Table:
    """Every plugin with its package, version, module and status: a column each where the
    names and modules fit whole, else each plugin's fields stacked beside its name (a module
    split mid-word, ``merbench.protocols.bui`` / ``ltin``, read as two)."""
    records = plugins.records
    longest = max((len(r.origin.plugin) for r in records), default=4)
    module = max((len(r.module) for r in records), default=6)
    package = max((len(r.origin.package) for r in records), default=7)
    version = max((len(r.origin.package_version or "None") for r in records), default=7)
    sizes = {"name": max(4, longest), "package": max(7, package), "version": max(7, version),
             "module": max(6, module), "status": len("loaded")}
    # each column: 2 characters of padding and 1 of border, and the table's last border
    whole = (sum(sizes.values()) + 3 * len(sizes) + 1 <= width
             and all(r.loaded for r in records))
    table = Table(title="plugins", show_lines=not whole)
    if not whole:
        table.add_column("name", **_whole(longest))
        table.add_column("details", overflow="fold")
    else:
        for column, size in sizes.items():
            table.add_column(column, **_whole(size))
    for record in records:
        status = "loaded" if record.loaded else f"FAILED: {record.error}"
        cells = (record.origin.package, record.origin.package_version, record.module, status)
        if whole:
            table.add_row(Text(literal(record.origin.plugin)),
                          *(Text(literal(str(c))) for c in cells))
        else:
            details = Text(literal(f"package {cells[0]} {cells[1]} · {status}"))
            details.append("\nmodule " + literal(record.module))
            table.add_row(Text(literal(record.origin.plugin)), details)
    return table


def _stacked_listing(title: str, rows: list[tuple[str, dict[str, str]]]) -> Table:
    """For a terminal too narrow for a column per field: the name, whole, beside one cell
    that stacks the short fields, the description and the package, so the description
    wraps in all the width the name leaves."""
    table = Table(title=title, show_lines=True)
    table.add_column("name", **_whole(_whole_width("name", [n for n, _ in rows])))
    table.add_column("details", overflow="fold")
    for name, cells in rows:
        short = " · ".join(f"{column} {value}" for column, value in cells.items()
                           if column not in ("description", "package"))
        details = Text(literal(short))
        details.append("\n" + literal(cells["description"]))
        details.append("\npackage " + literal(cells["package"]), style="dim")
        table.add_row(Text(literal(name)), details)
    return table
