"""One registry of the kinds of result, the emotion benchmarks first
(merbench/leaderboard/kind_tables.py's KIND_SECTIONS), drives the site's pages, its index,
the build's last line, ``leaderboard list``, ``export`` and ``diff`` (issue 82): a kind
registered there, and nowhere else, shows up in all of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from merbench.leaderboard.audit_gate import AuditGate
from merbench.leaderboard.export_rows import Line
from merbench.leaderboard.kind_section import KindSection, Shown
from merbench.leaderboard.kind_tables import (
    KIND_SECTIONS,
    kind_sections,
    kind_tables,
    needing_no_definitions,
)
from merbench.leaderboard.published_line import RANKED, PublishedLine
from merbench.leaderboard.result_walk import Rejected
from merbench.leaderboard.table_ids import Patterned
from merbench.results.kind_registry import import_kind_homes

#: the fake kind's own templates, as a real kind ships its own in templates/
TEMPLATES = {
    "index_fake.html": '<h2 id="fake">Fake results</h2>\n<p id="fake-count">'
                       '{{ section.view.names|length }} fake results</p>\n',
    "index_fake_runs.html": '<h3 id="fake-runs">Fake runs</h3>\n'
                            '{% for name in section.view.names %}<p>{{ name }}</p>\n'
                            '{% endfor %}\n',
}


@dataclass(frozen=True)
class FakeTable:
    id: str
    names: tuple[str, ...]

    where = "fakeset / fake"
    title = "Fake results, one row a name"

    @property
    def runs(self) -> int:
        return len(self.names)

    def score_headers(self) -> list[str]:
        return ["score"]

    def lines(self) -> list[Line]:
        return [Line(model=name, setting="", selection="fixed", test_set_selection=False,
                     seeds=1, scores=[(0.5, None, None)]) for name in self.names]

    def published(self) -> list[PublishedLine]:
        return [PublishedLine(line, RANKED, "", frozenset({line.model}), ())
                for line in self.lines()]


class FakeSection:
    """A sixth kind: one class, and its line in KIND_SECTIONS."""

    counted_as = "fake result"
    ids = Patterned("fake-", lambda registries: ["fakeset"], with_protocol=False)
    index_part = "index_fake.html"
    runs_part: str | None = "index_fake_runs.html"

    def find(self, folders: Sequence[Path], gate: AuditGate, strict: bool
             ) -> tuple[list[str], list[Rejected]]:
        return ["first <fake>", "second"], [Rejected(Path(folders[0]) / "bad.json",
                                                      "a fake refusal")]

    def tables(self, found: list[str]) -> list[FakeTable]:
        return [FakeTable("fake-fakeset", tuple(found))]

    def render(self, env: Any, found: list[str], out: Path) -> Shown:
        import jinja2

        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(TEMPLATES), env.loader])
        (out / "fake.html").write_text("fake page", encoding="utf-8")
        return Shown({"names": found}, len(found))


@pytest.fixture
def registered() -> Iterator[KindSection[Any]]:
    section = FakeSection()
    maker = needing_no_definitions(section)
    # merbench's own kinds register as their homes are imported (at a command's first
    # look at results); a kind registered later comes after them, so they are imported
    # first, whatever this process imported before
    import_kind_homes()
    KIND_SECTIONS.append(maker)
    try:
        yield section
    finally:
        KIND_SECTIONS.remove(maker)


def test_a_registered_kind_is_on_the_site_in_list_and_in_export(
        registered: KindSection[Any], tmp_path: Path, cli: Any) -> None:
    results = tmp_path / "results"
    results.mkdir()
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and "1 rejected; also 2 fake results)" in out, (out, err)
    assert f"{results / 'bad.json'}: a fake refusal" in err
    site = tmp_path / "site"
    assert (site / "fake.html").read_text() == "fake page"
    index = (site / "index.html").read_text()
    # its part after the other kinds', its runs after the emotion runs, escaped as any
    assert index.index('id="action-units"') < index.index('<h2 id="fake">') \
        < index.index("<h2>Runs</h2>") < index.index('<h3 id="fake-runs">') \
        < index.index('<h2 id="rejected">')
    assert "<p>first &lt;fake&gt;</p>" in index and "a fake refusal" in index

    code, out, _ = cli("leaderboard", "list", "--results", results)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("fake-fakeset "))
    assert line.split()[-2:] == ["2", "runs"] and "Fake results, one row a name" in out

    code, out, err = cli("leaderboard", "export", "fake-fakeset", "--results", results)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["model"] for row in rows] == ["first <fake>", "second"]
    # an id its kind cannot have is refused before any result is read, naming its pattern
    code, _, err = cli("leaderboard", "export", "fake-elsewhere", "--results", results)
    assert code == 2 and "fake-DATASET" in err
    # and its rows are what ``leaderboard diff`` compares, as every kind's are
    from merbench.leaderboard.score_diff import published_rows

    rows, _ = published_rows([results])
    assert rows[("fake-fakeset", "second, fixed", "fixed")].score == 0.5


def test_the_registry_holds_every_kind_once_in_the_index_order() -> None:
    sections = kind_sections([])
    assert [section.counted_as for section in sections] == [
        "run", "AU run", "spotting run", "tuning"]
    assert [section.ids.pattern for section in sections] == [
        None, "au-DATASET-PROTOCOL", "spot-DATASET", "tune-DATASET-PROTOCOL"]


def test_the_emotion_benchmarks_are_a_kind_as_the_others_are() -> None:
    """No command takes the emotion benchmarks its own way: they are the first section,
    made from the definitions a command was given, whose tables ``list`` counts and whose
    ids ``export`` knows before any result is read."""
    from merbench.leaderboard.benchmarks import load_benchmarks
    from merbench.plugin_system.manager import default_plugins

    benchmarks = load_benchmarks(None)
    emotion = kind_sections(benchmarks)[0]
    registries = default_plugins().registries
    assert emotion.ids.every(registries) == [bench.id for bench in benchmarks]
    assert emotion.ids.could_be(benchmarks[0].id, registries)
    assert not emotion.ids.could_be("au-composite-loso", registries)
    tables, rejected = kind_tables(kind_sections(benchmarks), [])
    assert rejected == [] and len(tables) == len(benchmarks)  # no result: no other table
    assert sorted(table.id for table in tables) == sorted(bench.id for bench in benchmarks)
    assert all(table.runs == 0 for table in tables)
    # an empty table of a benchmark is still its table: the header, and no row to compare
    first = tables[0]
    assert first.lines() == [] and first.published() == [] and first.score_headers()
