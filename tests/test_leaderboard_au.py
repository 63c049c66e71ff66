"""The action-unit pages of the leaderboard (merbench/au_kind/view.py): a validated
``merbench run --task au`` has a row with its mean F1 and one column per AU, a forged
``au-results.json`` is listed as rejected and never shown, and what comes from the file is
escaped."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from merbench.au.record import AU_RESULTS_FILE, read_au_results
from merbench.au_kind.view import AURun, au_benchmarks, render_au_pages
from merbench.leaderboard.page_environment import page_environment
from merbench.leaderboard.site import build_site

#: a committed real AU run (STSTNet's recipe on the composite's CASME II and SAMM samples):
#: read, copied and forged here, never trained again
COMMITTED = (Path(__file__).resolve().parents[1] / "leaderboards" / "results"
             / "ststnet-composite-loso-au" / "seed-0")


@pytest.fixture(scope="module")
def au_run() -> Path:
    return COMMITTED


def test_the_au_page_has_the_row_and_a_column_per_au_and_forged_files_are_rejected(
        au_run: Path, tmp_path: Path, read_tables) -> None:
    results = tmp_path / "results"
    shutil.copytree(au_run, results / "ststnet-composite-loso-au" / "seed-0")
    forged = results / "forged" / "seed-0"
    shutil.copytree(au_run, forged)
    data = json.loads((forged / AU_RESULTS_FILE).read_text())
    data["overall"]["f1"][2] = 0.9  # AU4's F1
    (forged / AU_RESULTS_FILE).write_text(json.dumps(data))
    report = build_site([results], tmp_path / "site")

    assert [r.path for r in report.rejected] == [forged]
    assert report.others == {"AU run": 1, "spotting run": 0, "tuning": 0}  # the build says it
    truth = read_au_results(au_run / AU_RESULTS_FILE)
    page = (tmp_path / "site" / "au-composite-loso.html").read_text()
    rows = read_tables(page)["au-table-au-composite-loso-1"]
    assert len(rows) == 1  # the forged copy is not shown
    row = rows[0]
    assert row["model"].startswith("ststnet v1") and "recipe" not in row["model"]
    assert row["seeds"] == "1"
    low, high = truth.intervals.overall.mean_f1 or [0.0, 0.0]
    assert truth.overall.mean_f1 is not None
    assert row["mean-f1"] == f"{truth.overall.mean_f1:.4f} [{low:.2f}, {high:.2f}]"
    assert [k for k in row if k.startswith("au")] == [f"au{au}" for au in truth.au_set]
    for au, f1 in zip(truth.au_set, truth.overall.f1, strict=True):
        assert row[f"au{au}"].removesuffix("*") == f"{f1:.4f}"
    for au, positives in zip(truth.au_set, truth.overall.positives, strict=True):
        assert f'AU{au}<br><span class="positives">n={positives}</span>' in page
    assert "Threshold 0.5" in page and "(SMIC) are in no fold" in page
    assert "undefined counting 0" in page
    index = (tmp_path / "site" / "index.html").read_text()
    assert 'href="au-composite-loso.html"' in index
    rejected = index[index.index('id="rejected"'):]
    assert "forged/seed-0" in rejected and "overall scores are not those" in rejected
    assert "0.9000" not in page


def test_seeds_pool_into_one_row_and_names_from_the_file_are_escaped(
        au_run: Path, tmp_path: Path, read_tables) -> None:
    first = read_au_results(au_run / AU_RESULTS_FILE)
    assert first.overall.mean_f1 is not None
    other = dataclasses.replace(first, seed=1, overall=dataclasses.replace(
        first.overall, mean_f1=first.overall.mean_f1 + 0.1))
    pages = au_benchmarks([AURun(au_run, first), AURun(au_run.parent / "seed-1", other)])
    [row] = pages[0]["tables"][0]["rows"]
    assert len(row.runs) == 2 and row.span is not None  # over subjects, the seeds averaged
    assert row.mean_f1.mean == pytest.approx(first.overall.mean_f1 + 0.05)

    hostile = dataclasses.replace(first, model=dataclasses.replace(
        first.model, name="<script>alert(1)</script>"))
    render_au_pages(page_environment(), [AURun(au_run, hostile)], tmp_path)
    page = (tmp_path / "au-composite-loso.html").read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    [shown] = read_tables(page)["au-table-au-composite-loso-1"]
    assert shown["model"].startswith("<script>alert(1)</script> v1")


def test_a_reduced_au_run_is_shown_apart_and_only_the_best_is_bold(
        au_run: Path, tmp_path: Path, read_tables) -> None:
    """A 2-epoch AU run ranked third among full-recipe rows, with no badge, and every mean F1
    was bold (issue 68): a reduced setting now sits in a section of its own, badged and never
    bold, and bold marks the best of each column among the ranked rows."""
    from merbench.results.model import Hyperparameters

    full = read_au_results(au_run / AU_RESULTS_FILE)
    assert full.overall.mean_f1 is not None
    recipe = full.hyperparameters.recipe
    assert recipe is not None
    short = dataclasses.replace(full, seed=5, model=dataclasses.replace(
        full.model, options={"dropout": 0.1}), overall=dataclasses.replace(
        full.overall, mean_f1=full.overall.mean_f1 + 0.2),
        hyperparameters=Hyperparameters(**{**full.hyperparameters.__dict__, "recipe":
                                           dataclasses.replace(recipe, epochs=2)}))
    other = dataclasses.replace(full, seed=3, feature=dataclasses.replace(
        full.feature, name="tvl1-uvos"), overall=dataclasses.replace(
        full.overall, mean_f1=full.overall.mean_f1 - 0.05))
    runs = [AURun(au_run, full), AURun(au_run.parent / "b", other),
            AURun(au_run.parent / "c", short)]
    [page] = au_benchmarks(runs)
    [table] = page["tables"]
    assert [row.first.seed for row in table["rows"]] == [0, 3]
    assert [row.first.seed for row in table["reduced"]] == [5]
    assert "epochs 2 (recipe" in table["reduced"][0].reduced
    render_au_pages(page_environment(), runs, tmp_path)
    html = (tmp_path / "au-composite-loso.html").read_text()
    tables = read_tables(html)
    ranked = tables["au-table-au-composite-loso-1"]
    reduced = tables["au-reduced-au-composite-loso-1"]
    assert len(ranked) == 2 and len(reduced) == 1 and "REDUCED setting" in reduced[0]["model"]
    section = html.split('id="au-table-au-composite-loso-1"')[1].split("</table>")[0]
    assert section.count(f"<strong>{full.overall.mean_f1:.4f}</strong>") == 1
    assert f"<strong>{other.overall.mean_f1:.4f}</strong>" not in section
    apart = html.split('id="au-reduced-au-composite-loso-1"')[1].split("</table>")[0]
    assert "<strong>" not in apart  # higher than every ranked row, and never bold


def test_leaderboard_list_and_export_know_the_au_benchmark(cli) -> None:
    """``leaderboard list`` did not show the AU benchmark its build makes a page of, and
    ``leaderboard export au-composite-loso`` said there was no such benchmark (issue 68,
    and issue 70's fresh-venv walk)."""
    import csv
    import io

    committed = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
    au_folders = sorted(committed.glob("*-au"))  # the AU runs alone: each call reads them
    code, out, _ = cli("leaderboard", "list", "--results", *au_folders)
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("au-composite-loso "))
    runs = int(line.split()[-2])
    assert runs == len(list(committed.glob("*-au/seed-*/au-results.json")))
    assert "Action-unit detection: composite / loso, 12 AUs" in out
    code, out, err = cli("leaderboard", "export", "au-composite-loso", "--results", *au_folders)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(int(row["seeds"]) for row in rows) == runs
    means = [float(row["mean F1"]) for row in rows]
    assert means == sorted(means, reverse=True)  # the page's order, best first
    for row in rows:  # each row's mean F1 is the mean of its seeds' recorded mean F1
        model = row["model"].split()[0]
        seeds = [json.loads(path.read_text())["overall"]["mean_f1"] for path in
                 committed.glob(f"{model}-composite-loso-au/seed-*/au-results.json")]
        assert float(row["mean F1"]) == pytest.approx(sum(seeds) / len(seeds), abs=5e-5)
        assert set(row) >= {"AU1 F1", "AU17 F1 std"}
    # an id no table can have is refused before any result is read (issue 83), saying how
    # the tables are named and where they are listed; one that could be is looked for
    for nothing in ("au-nothing", "nope"):
        code, _, err = cli("leaderboard", "export", nothing, "--results", *au_folders)
        assert code == 2 and f"no benchmark '{nothing}'" in err
        assert "au-DATASET-PROTOCOL" in err and "'merbench leaderboard list' names" in err
    # an installed dataset and protocol's table no run makes yet: its header, warned of
    code, out, err = cli("leaderboard", "export", "au-composite-lodo", "--results", *au_folders)
    assert code == 0 and "no run of benchmark 'au-composite-lodo'" in err, err
    assert out.count("\n") == 1 and "mean F1" in out, out


def test_the_index_lists_every_au_run(au_run: Path, tmp_path: Path, read_tables,
                                      cli) -> None:
    """AU runs were missing from the index's table of runs (issue 68): each is a row with its
    mean F1 and a link to its benchmark's page; the build's line counted no AU run."""
    results = tmp_path / "results"
    shutil.copytree(au_run, results / "au" / "seed-0")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and "0 runs, 0 rejected; also 1 AU run)" in out, err
    truth = read_au_results(au_run / AU_RESULTS_FILE)
    index = (tmp_path / "site" / "index.html").read_text()
    [row] = read_tables(index)["au-runs-table"]
    assert row["model"].startswith("ststnet v1") and row["seed"] == str(truth.seed)
    assert row["mean-f1"] == f"{truth.overall.mean_f1:.4f}"
    assert row["benchmarks"] == "au-composite-loso" and 'href="au-composite-loso.html"' in index


def test_seed_rows_have_an_interval_a_tie_test_and_their_files(committed_site: Path,
                                                               read_tables) -> None:
    """AU rows showed no interval once they had several seeds, no tie test and no link to
    a run's files or recipe (issue 68): the committed AU runs' page now has each, and the
    numbers are those of the predictions the row links."""
    import numpy as np

    from merbench.au.metrics import au_intervals, labels_of
    from merbench.au_kind.comparison import compare_au, load_au_run
    from merbench.data.au_labels import present_bits

    results = COMMITTED.parents[1]
    folders = sorted(results.glob("*-au"))
    assert len(folders) == 3
    page = (committed_site / "au-composite-loso.html").read_text()
    rows = read_tables(page)["au-table-au-composite-loso-1"]
    stored = {folder.name: load_au_run(folder) for folder in folders}
    best = max(stored.values(), key=lambda run: float(np.mean(
        [read_au_results(run.path / f"seed-{seed}" / AU_RESULTS_FILE).overall.mean_f1
         for seed in run.seeds])))
    assert rows[0]["model"].startswith(best.first.model.name) and " best" in rows[0]["model"]
    holm = {c.run.first.model.name: c.mean_f1_holm for c in compare_au(
        best, [run for run in stored.values() if run is not best])}
    for row in rows[1:]:
        name = row["model"].split(" v")[0]
        said = "p < 0.001" if holm[name] < 0.001 else f"p = {holm[name]:.3f}"
        tied = "tied with the best" in row["model"]
        assert tied == (holm[name] >= 0.05) and (tied or f"Holm-adjusted {said}" in row["model"])
    for run in stored.values():  # the interval of the seeds' mean F1, from their predictions
        au_set = run.first.au_set
        found = au_intervals(labels_of(run.samples["y_true"].to_numpy(np.int64), au_set),
                             present_bits(run.y_pred, len(au_set)).astype(float), run.samples)
        [row] = [r for r in rows if r["model"].startswith(run.first.model.name + " ")]
        assert row["mean-f1"].endswith(f"[{found.mean_f1.low:.2f}, {found.mean_f1.high:.2f}]")
        assert f"seed {run.seeds[0]} (results, predictions, run.json)" in row["model"]
    linked = sorted((committed_site / "au-runs").rglob("au-predictions.csv"))
    sources = {path.read_bytes() for path in results.glob("*-au/seed-*/au-predictions.csv")}
    seeds = sum(len(run.seeds) for run in stored.values())  # 9: 3 + 3 + 3, committed
    assert len(linked) == seeds == 9 and {path.read_bytes() for path in linked} == sources
    for path in linked:
        assert f'href="{path.parent.relative_to(committed_site).as_posix()}/run.json"' in page


def test_a_column_every_row_scores_0_in_has_no_bold_best(tmp_path: Path, read_tables) -> None:
    """The committed AU runs (RCN-A, STSTNet, ResNet-18) all score F1 0 on AU6 and AU14:
    the page set 0.0000 in bold there as the best of the column (issue 85). Bold marks a
    best only where some row scores above 0; ties above 0 are all bold, as before."""
    committed = COMMITTED.parents[1]
    runs = [AURun(seed, read_au_results(seed / AU_RESULTS_FILE))
            for name in ("rcn-composite-loso-au", "ststnet-composite-loso-au",
                         "timm-resnet18-composite-loso-au")
            for seed in sorted((committed / name).glob("seed-*"))]
    render_au_pages(page_environment(), runs, tmp_path)
    html = (tmp_path / "au-composite-loso.html").read_text()
    table = html.split('id="au-table-au-composite-loso-1"')[1].split("</table>")[0]
    rows = table.split("<tr")[2:]  # the head's row first
    assert len(rows) == 3

    def cell(row: str, au: int) -> str:
        return row.split(f'data-col="au{au}"')[1].split("</td>")[0]

    for au in (6, 14):
        assert all("0.0000" in cell(row, au) and "<strong>" not in cell(row, au)
                   for row in rows), au
    assert sum("<strong>" in cell(row, 4) for row in rows) == 1  # a best above 0 still is
