"""The index's run table in a real browser (issue 83): sorted and filtered by benchmark,
model, kind, seed count and score in a static page with no server logic, and each card's best
score with its interval. The site is built from committed results of every kind of run row
(three seeds of one configuration, a single seed, reduced settings, saved weights), served
from a folder and opened in headless Chromium as ``test_leaderboard_browser`` does; a view is
set through the address (``#sort=...&filter=...``, what a reader can link), and the rows the
browser leaves visible are read from the DOM it renders."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_leaderboard_browser import _dom, _serve, chromium  # noqa: F401  (a fixture)

RESULTS = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
FOLDERS = ("ststnet-composite-loso", "htnet-reduced-cpu", "biwoof-release-svm-composite-loso",
           "ststnet-authors-weights-composite-loso", "rcn-composite-loso-smic")


class _Rows(HTMLParser):
    """Each row of ``#runs-table``'s body: its data-* attributes, and whether it is hidden."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str | None]] = []
        self.inside = self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.inside = found.get("id") == "runs-table"
        elif tag == "tbody" and self.inside:
            self.body = True
        elif tag == "tr" and self.body:
            self.rows.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = self.body = False


def _rows(dom: str) -> list[dict[str, str | None]]:
    parser = _Rows()
    parser.feed(dom)
    return parser.rows


def _shown(dom: str) -> list[dict[str, str | None]]:
    return [row for row in _rows(dom) if "hidden" not in row]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from merbench.cli import main

    base = tmp_path_factory.mktemp("runs-table")
    for name in FOLDERS:
        shutil.copytree(RESULTS / name, base / "results" / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MERBENCH_CACHE_DIR", str(base / "cache"))
        assert main(["leaderboard", "build", "--results", str(base / "results"),
                     "--out", str(base / "site")]) == 0
    with _serve(base / "site") as url:
        yield url


def test_the_run_table_sorts_and_filters_in_chromium(chromium: str, site: str,  # noqa: F811
                                                     tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    index = f"{site}/index.html"
    everything = _rows(_dom(chromium, profile, index))
    kinds = {row["data-kind"] for row in everything}
    assert kinds == {"trained", "reduced", "saved-weights"}, kinds
    assert len(everything) == 8  # 3 seeds, 2 reduced crops, 2 single seeds, 1 saved weights

    def view(hash_: str) -> list[dict[str, str | None]]:
        return _shown(_dom(chromium, profile, f"{index}#{hash_}"))

    by_score = view("sort=runs-table:uf1:desc")  # the browser's order, best UF1 first
    scores = [float(row["data-uf1"] or "nan") for row in by_score]
    assert scores == sorted(scores, reverse=True) and len(by_score) == 8

    reduced = view("filter=runs-table:kind=reduced")
    assert len(reduced) == 2 and {row["data-model"] for row in reduced} == {"htnet"}
    three = view("filter=runs-table:seeds=3")  # at least three seeds
    assert len(three) == 3 and {row["data-seeds"] for row in three} == {"3"}
    assert view("filter=runs-table:model=biwoof-release-svm")[0]["data-kind"] == "trained"
    bench = view("filter=runs-table:benchmarks=composite-3class-loso")
    assert bench and all(" composite-3class-loso " in (row["data-benchmarks"] or "")
                         for row in bench)
    assert len(bench) == 7  # all but the SMIC run, whose benchmark is another
    (smic,) = view("filter=runs-table:benchmarks=loso-smic")
    assert smic["data-model"] == "rcn"
    best = max(scores)
    top = view(f"filter=runs-table:uf1={best - 1e-6:.6f}")
    assert [float(row["data-uf1"] or 0) for row in top] == [best]
    both = view("sort=runs-table:uf1:asc&filter=runs-table:kind=trained;seeds=3;"
                "model=ststnet")
    trained = [float(row["data-uf1"] or 0) for row in both]
    assert len(both) == 3 and trained == sorted(trained)
    dom = _dom(chromium, profile, f"{index}#filter=runs-table:kind=reduced")
    assert re.search(r'<output id="runs-shown"[^>]*>2 of 8 runs shown</output>', dom), dom[-3000:]


def test_cards_give_the_best_score_with_its_interval(chromium: str, site: str,  # noqa: F811
                                                     tmp_path: Path) -> None:
    dom = _dom(chromium, tmp_path / "profile", f"{site}/index.html")
    card = re.search(r'<div class="card" id="card-composite-3class-loso">.*?</div>', dom, re.S)
    assert card, dom[:3000]
    shown = re.search(r"<dd>(0\.\d{4})<span class=\"card-interval\"><span class=\"ci\"[^>]*> "
                      r"(\[0\.\d\d, 0\.\d\d\])</span></span> \((\S+), fixed\)", card.group(0))
    assert shown, card.group(0)
    page = _dom(chromium, tmp_path / "profile", f"{site}/benchmarks/composite-3class-loso.html")
    first = re.search(r'<tr id="ranked-1">.*?</tr>', page, re.S)
    assert first and shown.group(3) in first.group(0)  # the ranked table's best row...
    cell = re.search(r'data-col="overall-uf1"[^>]*>(.*?)</td>', first.group(0), re.S)
    assert cell and shown.group(1) in cell.group(1)  # ...its score and its interval
    assert shown.group(2) in re.sub(r"<[^>]+>", "", cell.group(1))
