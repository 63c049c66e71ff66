"""Action-unit benchmarks in ``merbench leaderboard list`` and ``leaderboard export``.

An AU benchmark is not a definition file: the site makes one page per (dataset, protocol, AU
set) its validated AU runs hold (:func:`merbench.au_kind.view.au_benchmarks`). Its id is
the page's name (``au-composite-loso``); here it is listed beside the emotion benchmarks and
exported as their tables are, through the same writers: the mean F1 over the AU set, then each
AU's F1, each the mean ± std over a configuration's seeds, in the page's order (best first).
A row is a configuration, whatever its seeds: ``leaderboard diff`` follows it as seeds are
added, and compares the page's reduced rows too, which a paper's table leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from merbench.au_kind.view import AURow, AURun, au_benchmarks
from merbench.base.literal import counted
from merbench.leaderboard.export_rows import Line, left_out_words
from merbench.leaderboard.published_line import PublishedLine, section_of
from merbench.results.rundir import RunDirectory
from merbench.stats.intervals import Interval


@dataclass(frozen=True)
class AUBenchmark:
    """One AU page as a table to list and export."""

    id: str
    dataset: str
    protocol: str
    au_set: tuple[int, ...]
    rows: tuple[AURow, ...]
    reduced: tuple[AURow, ...] = ()  # shown apart on the page, never ranked nor exported

    @property
    def title(self) -> str:
        return (f"Action-unit detection: {self.dataset} / {self.protocol}, "
                f"{counted(len(self.au_set), 'AU')}")

    @property
    def where(self) -> str:
        return f"{self.dataset} / {self.protocol}"

    @property
    def runs(self) -> int:
        """Its validated runs, reduced ones too, as an emotion benchmark counts them:
        ``leaderboard list`` says what the page holds, ranked or shown apart."""
        return sum(len(row.runs) for row in (*self.rows, *self.reduced))

    def score_headers(self) -> list[str]:
        return ["mean F1", *(f"AU{au} F1" for au in self.au_set)]

    def lines(self) -> list[Line]:
        return [_line(row) for row in self.rows]

    def without_interval(self) -> frozenset[str]:
        """The per-AU F1s: the interval over subjects is the mean F1's, none is a single
        AU's, so the CSV has no empty ``low``/``high`` pair for each."""
        return frozenset(self.score_headers()[1:])

    def left_out(self) -> str | None:
        """Its reduced rows' runs: shown apart on the page, counted but not exported."""
        return left_out_words([row.reduced for row in self.reduced for _ in row.runs])

    def published(self) -> list[PublishedLine]:
        return [PublishedLine(_line(row), section_of(False, row.reduced is not None), "",
                              frozenset(map(_identity, row.runs)),
                              tuple(run.results.seed for run in row.runs),
                              folders=frozenset(run.path for run in row.runs))
                for row in (*self.rows, *self.reduced)]


def au_tables(runs: Sequence[AURun]) -> list[AUBenchmark]:
    """Every AU benchmark the validated AU runs ``runs`` make."""
    return [AUBenchmark(id=page["id"], dataset=page["dataset"], protocol=page["protocol"],
                        au_set=tuple(page["au_set"]),
                        rows=tuple(row for table in page["tables"] for row in table["rows"]),
                        reduced=tuple(row for table in page["tables"]
                                      for row in table["reduced"]))
            for page in au_benchmarks(runs, ties=False)]


def _identity(run: AURun) -> str:
    """The run's identity, as an emotion run's: ``run.json``'s digest."""
    return RunDirectory(run.path).identity_sha256() or f"no run.json: {run.path}"


def _line(row: AURow) -> Line:
    first = row.first
    span = None if row.span is None else Interval(row.span["low"], row.span["high"])
    return Line(model=f"{first.model.name} v{first.model.version}", setting=row.setting,
                selection="fixed", test_set_selection=False, seeds=len(row.runs),
                scores=[(row.mean_f1.mean, row.mean_f1.std, span),
                        *((cell.mean, cell.std, None) for cell in row.per_au)],
                no_interval=(row.lone,))
