"""The leaderboard's intervals, ties and comparison page: every number equals what
merbench.stats gives from the runs' predictions, identical predictions are tied, a clearly
worse run is not, and rows that cannot be tested say why."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import merbench
from merbench import hookimpl
from merbench.compare.emotion import compare, intervals, load_run
from merbench.leaderboard.forest import Entry, forest_svg
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.manager import Plugins, load_plugins
from merbench.plugin_system.registry import ModelRegistry

SUBJECTS = {"subjects": 10, "samples_per_subject": 6}  # 2^10 swaps: the test is exact
BENCH = "synthetic-stats"


def _meta(name: str, epochs: int, lr: float) -> ModelMeta:
    return ModelMeta(name=name, version=1, description=f"STSTNet, {epochs} epochs at {lr}",
                     citation="https://arxiv.org/abs/1902.03634", feature="flow-uvos",
                     recipe=TrainRecipe(epochs=epochs, batch_size=256, lr=lr))


class _Models:
    """STSTNet under three recipes of their own, so every run is its model's declared recipe
    (ranked): ``learner`` learns the synthetic task, ``twin`` is the same recipe under another
    name (the same predictions, seed for seed), ``slow`` barely trains (near chance)."""

    @hookimpl
    def merbench_register_models(self, registry: ModelRegistry) -> None:
        for meta in (_meta("learner", 15, 6e-3), _meta("twin", 15, 6e-3),
                     _meta("slow", 2, 5e-5)):
            registry.add(meta, "merbench_cnn.ststnet:build_ststnet")


def _plugins() -> Plugins:
    return load_plugins(extra=[("stats-models", _Models())])


def _benchmark(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "id": BENCH, "title": "Synthetic stats", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"], "dataset_options": SUBJECTS,
        "rank": ["fixed", "inner-val"], "test_set_selection": ["oracle"],
        "metrics": ["uf1", "uar"],
        "columns": [{"scope": "overall", "label": "All"}, {"scope": "syn2", "label": "Syn 2"}],
        "reported": {"source": "a paper", "rows": [
            {"method": "Published", "selection": "unknown",
             "values": {"overall": [0.7, 0.6]}}]},
    }
    (folder / "bench.json").write_text(json.dumps(definition))
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two seeds each of learner and twin (``--seeds`` folders), one slow run, and a slow
    inner-val run (its predictions.csv holds inner-val, so its fixed row has none), built
    into a site."""
    from merbench.cli import main

    base = tmp_path_factory.mktemp("board-stats")
    results = base / "results"
    plugins = _plugins()
    for name in ("learner", "twin"):
        merbench.run_seeds(name, "synthetic", [0, 1], out=results / name, device="cpu",
                           dataset_options=SUBJECTS, plugins=plugins)
    merbench.run(model="slow", dataset="synthetic", out=results / "slow", device="cpu",
                 dataset_options=SUBJECTS, plugins=plugins)
    merbench.run(model="slow", dataset="synthetic", out=results / "inner", device="cpu",
                 dataset_options=SUBJECTS, plugins=plugins, selection="inner-val",
                 inner_val_subjects=1)
    out = base / "site"
    assert main(["leaderboard", "build", "--results", str(results), "--out", str(out),
                 "--benchmarks", str(_benchmark(base / "benchmarks")), "--strict"]) == 0
    return {"results": results, "site": out}


def _ranked(site: dict[str, Path], read_tables) -> dict[str, dict[str, str]]:
    """The ranked rows, in their order, by model name and selection (``learner fixed``);
    the inner-val run's rows end in `` held out``."""
    html = (site["site"] / "benchmarks" / f"{BENCH}.html").read_text()
    rows = read_tables(html)["ranked-table"]
    found = {f"{r['model'].split()[0]} {r['selection'].split()[0]}"
             + (" held out" if "held out" in r["selection"] else ""): r for r in rows}
    assert len(found) == len(rows) == 5
    return found


def _shown(span: object) -> str:
    return f"[{span.low:.2f}, {span.high:.2f}]"  # type: ignore[attr-defined]


def test_a_rows_interval_is_that_of_its_predictions(site: dict[str, Path], read_tables) -> None:
    rows = _ranked(site, read_tables)
    for name in ("learner", "twin"):
        spans = intervals(load_run(site["results"] / name))  # the seeds folder: both seeds
        for scope in ("overall", "syn2"):
            for metric in ("uf1", "uar"):
                cell = rows[f"{name} fixed"][f"{scope}-{metric}"]
                assert cell.endswith(f" {_shown(spans[scope][metric])}"), (name, scope, cell)
    slow = intervals(load_run(site["results"] / "slow"))["overall"]["uf1"]
    assert rows["slow fixed"]["overall-uf1"].endswith(_shown(slow))


def test_identical_predictions_are_tied_and_a_worse_run_is_not(site: dict[str, Path],
                                                               read_tables) -> None:
    rows = _ranked(site, read_tables)
    order = list(rows)
    best = order[0]
    assert best in ("learner fixed", "twin fixed") and "best" in rows[best]["model"]
    other = "twin fixed" if best == "learner fixed" else "learner fixed"
    assert "tied with the best" in rows[other]["model"]  # identical predictions: p = 1
    assert "tied with the best" not in rows["slow fixed"]["model"]
    assert re.search(r"below the best \(Holm p 0\.0\d+\)", rows["slow fixed"]["model"])
    # what the page claims is what compare() gives, Holm over the rows compared with the best
    reference = load_run(site["results"] / best.split()[0])
    found = compare(reference, [load_run(site["results"] / other.split()[0]),
                                load_run(site["results"] / "slow"),
                                load_run(site["results"] / "inner")])
    assert found[0].p_value["uf1"] == 1.0
    assert f"(Holm p {found[1].holm['uf1']:.4f})" in rows["slow fixed"]["model"]
    assert found[1].holm["uf1"] < 0.05 <= found[0].holm["uf1"]


def test_a_row_without_its_policys_predictions_says_why(site: dict[str, Path],
                                                         read_tables) -> None:
    """The inner-val run's predictions.csv holds its inner-val selection: its fixed row has
    no predictions to draw an interval from or to test, and says so."""
    rows = _ranked(site, read_tables)
    fixed = rows["slow fixed held out"]
    assert "no interval: predictions.csv holds the inner-val selection's predictions, " \
           "not fixed's" in fixed["model"]
    assert "not compared with the best: row" in fixed["model"]
    assert "tied" not in fixed["model"] and "below the best" not in fixed["model"]
    assert "[" not in fixed["overall-uf1"] and "[" not in fixed["syn2-uar"]
    inner = rows["slow inner-val held out"]  # that one has them: an interval and a test
    spans = intervals(load_run(site["results"] / "inner"))["overall"]
    assert inner["overall-uar"].endswith(_shown(spans["uar"]))
    assert "not compared" not in inner["model"] and "no interval" not in inner["model"]


def test_oracle_and_published_rows_get_no_interval_or_tie(site: dict[str, Path],
                                                         read_tables) -> None:
    html = (site["site"] / "benchmarks" / f"{BENCH}.html").read_text()
    tables = read_tables(html)
    assert tables["test-set-table"]
    for row in tables["test-set-table"]:
        assert "tied" not in row["model"] and "best" not in row["model"]
        assert "[" not in row["overall-uf1"]
    (published,) = tables["reported-table"]
    assert published["interval"] == "—"  # said once, above the table
    assert "[" not in published["overall-uf1"]
    assert "Papers publish no per-sample predictions, so these rows have no interval" in html


def test_the_comparison_page_holds_the_matrix_and_the_forest_plot(site: dict[str, Path],
                                                                  read_tables) -> None:
    page = site["site"] / "compare" / f"{BENCH}.html"
    bench_html = (site["site"] / "benchmarks" / f"{BENCH}.html").read_text()
    assert f'href="../compare/{BENCH}.html"' in bench_html
    html = page.read_text()
    ranked = list(_ranked(site, read_tables))
    tables = read_tables(html)
    for metric in ("uf1", "uar"):
        matrix = tables[f"pvalues-{metric}"]
        assert len(matrix) == len(ranked)
        assert all(len(row) == len(ranked) + 1 for row in matrix)
        assert [row[f"row-{n + 1}"] for n, row in enumerate(matrix)] == ["·"] * len(ranked)
    # learner against twin: identical predictions; slow against learner: compare()'s p
    position = {key: n for n, key in enumerate(ranked)}
    learner, twin, slow = (position[k] for k in ("learner fixed", "twin fixed", "slow fixed"))
    uf1 = tables["pvalues-uf1"]
    assert uf1[learner][f"row-{twin + 1}"].startswith("1.0000 Holm 1.0000")
    assert uf1[twin][f"row-{learner + 1}"] == uf1[learner][f"row-{twin + 1}"]  # symmetric
    (slow_vs_learner,) = compare(load_run(site["results"] / "learner"),
                                 [load_run(site["results"] / "slow")])
    cell = tables["pvalues-uar"][slow][f"row-{learner + 1}"]
    assert cell.startswith(f"{slow_vs_learner.p_value['uar']:.4f} Holm ")
    # the row with no predictions of its policy: a dash in every cell, and the reason
    untested = position["slow fixed held out"]
    assert {v for k, v in uf1[untested].items() if k != "row"} == {"·", "—"}
    assert "has no predictions to test: predictions.csv holds" in html
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2  # UF1 and UAR
    with_interval = len(ranked) - 1  # all but the fixed row of the inner-val run
    for svg in svgs:
        assert svg.count('class="fp-interval"') == with_interval
        assert svg.count("no interval: predictions.csv holds") == 1
        assert svg.count('class="fp-best"') == 1
    learner_uf1 = intervals(load_run(site["results"] / "learner"))["overall"]["uf1"]
    assert f"[{learner_uf1.low:.2f}, {learner_uf1.high:.2f}]" in svgs[0]
    assert "<script" not in html.split("</head>")[1]  # the plots need no script


def test_forest_plot_escapes_labels_and_marks_the_best() -> None:
    svg = forest_svg([Entry("<b>x</b>", 0.5, 0.4, 0.6),
                      Entry("none", None, None, None, why="no predictions")],
                     0.5, "UF1 <axis>", "t & u")
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg and "t &amp; u" in svg
    assert svg.count('class="fp-interval"') == 1 and "no interval: no predictions" in svg
    best = re.search(r'class="fp-best"', svg)
    assert best is not None


class _Given:
    """A loader that hands each row the predictions given to it (for rows on other folds)."""

    def __init__(self, runs: list[object]) -> None:
        self.runs = runs

    def row(self, row: object) -> object:
        from merbench.leaderboard.uncertainty import Loaded

        run = self.runs[int(row.policy)]  # type: ignore[attr-defined]
        return Loaded(run, spans=intervals(run))  # type: ignore[arg-type]


def test_rows_on_other_folds_are_not_compared_and_say_why(site: dict[str, Path],
                                                          tmp_path: Path) -> None:
    """compare() refuses runs of other samples or folds: such a row gets no tie mark, a
    reason, and no cell in the matrix; the others are still tested."""
    from dataclasses import replace

    from merbench.leaderboard.benchmarks import load_benchmark
    from merbench.leaderboard.collect import Cell, Group, Row
    from merbench.leaderboard.uncertainty import table_uncertainty

    bench = load_benchmark(_benchmark(tmp_path) / "bench.json")
    learner, twin = (load_run(site["results"] / name) for name in ("learner", "twin"))
    other = replace(twin, fingerprints=(twin.fingerprints[0], "other-folds"))
    rows = [Row(Group(key=str(n)), str(n), False, [Cell(0.5, None, 1)] * 4) for n in range(3)]
    table = table_uncertainty(bench, rows, _Given([learner, twin, other]))  # type: ignore[arg-type]
    assert [r.tie for r in table.rows] == ["best", "tied", "untested"]
    assert table.rows[2].why_untested == ("rows 1 and 3 were not run on the same samples and "
                                          "folds, so no paired test is possible")
    assert table.cell(0, 2) is None and table.cell(2, 1) is None and table.cell(1, 0)
    assert table.rows[2].cells[0] is not None  # its own interval stands


def test_a_long_table_tests_every_pair_of_its_first_rows_and_the_rest_against_the_best(
        site: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pair of n rows cost n(n-1)/2 paired tests (4,950 at a hundred configurations,
    about 27 CPU minutes cold): the matrix stops at MATRIX_ROWS rows, and each row below is
    tested against the best only, which its tie mark needs."""
    from merbench.compare.emotion import Comparison
    from merbench.leaderboard import uncertainty
    from merbench.leaderboard.benchmarks import load_benchmark
    from merbench.leaderboard.collect import Cell, Group, Row

    asked: list[tuple[int, int]] = []
    runs = [load_run(site["results"] / "learner")] * 25

    def counted(reference: object, others: list[object]) -> list[Comparison]:
        asked.append((id(reference), len(others)))
        return [Comparison(run=other, difference={m: 0.0 for m in ("uf1", "uar")},  # type: ignore[arg-type]
                           interval={}, p_value={"uf1": 0.5, "uar": 0.5},
                           holm={"uf1": 0.5, "uar": 0.5}) for other in others]

    monkeypatch.setattr(uncertainty, "compare", counted)
    bench = load_benchmark(_benchmark(tmp_path) / "bench.json")
    rows = [Row(Group(key=str(n)), str(n), False, [Cell(0.5, None, 1)] * 4) for n in range(25)]
    table = uncertainty.table_uncertainty(bench, rows, _Given(runs))  # type: ignore[arg-type]
    top = uncertainty.MATRIX_ROWS
    assert sum(n for _, n in asked) == len(table.pairs) == top * (top - 1) // 2 + 25 - top
    assert [r.tie for r in table.rows] == ["best"] + ["tied"] * 24  # every row against the best
    assert table.cell(0, 24) is not None and table.cell(1, top - 1) is not None
    assert table.cell(3, top) is None and "tested against the best only" in table.why(3, top)
    assert table.why(0, 24) == ""
