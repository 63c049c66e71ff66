"""merbench leaderboard build: the real composite results, seed groups, sections, rejections."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import as_saved_weights, row_result_files

import merbench
from merbench import hookimpl
from merbench.base.errors import MerbenchError
from merbench.leaderboard.benchmarks import load_benchmark, load_benchmarks, option_text
from merbench.leaderboard.page_environment import paper_url, safe_url
from merbench.leaderboard.site import SITE_MARKER
from merbench.leaderboard.svg import confusion_svg
from merbench.meta import ModelMeta, TrainRecipe
from merbench.plugin_system.manager import Plugins, load_plugins
from merbench.plugin_system.registry import ModelRegistry

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "leaderboards" / "results"
BENCHMARKS = ROOT / "merbench" / "leaderboard" / "definitions"
COMPOSITE = RESULTS / "ststnet-composite-loso"
COLUMNS = [(scope, metric) for scope in ("overall", "smic", "casme2", "samm")
           for metric in ("uf1", "uar")]
SMALL = {"subjects": 4, "samples_per_subject": 6}


def _pick(tree: dict, scope: str) -> dict:
    return tree["overall"] if scope == "overall" else tree["per_database"][scope]


def test_composite_page_is_table_2_with_merbench_runs(committed_site: Path, read_tables) -> None:
    """The ranked row is the three seeds' mean ± std (as seeds.json has them), the oracle
    row sits in its own section, the papers' numbers in theirs."""
    summary = json.loads((COMPOSITE / "seeds.json").read_text())
    html = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    tables = read_tables(html)
    for table, policy in (("ranked-table", "fixed"), ("test-set-table", "oracle")):
        # the shuffled configuration; the authors' order is a configuration of its own
        rows = [r for r in tables[table] if r["model"].startswith("ststnet")
                and "authors" not in r["model"]]
        (row,) = rows
        assert row["model"].startswith("ststnet v1") and row["selection"].startswith(policy)
        assert row["seeds"] == "3 (0, 1, 2)"
        mean, std = summary["policies"][policy]["mean"], summary["policies"][policy]["std"]
        for scope, metric in COLUMNS:
            expected = f"{_pick(mean, scope)[metric]:.4f} ± {_pick(std, scope)[metric]:.4f}"
            # a ranked row's interval follows (tests/test_leaderboard_stats.py checks it)
            expected += " [" if policy == "fixed" else ""
            assert row[f"{scope}-{metric}"].startswith(expected), (policy, scope, metric)
            assert policy == "fixed" or row[f"{scope}-{metric}"] == expected
        # the device, and below it the precision its runs trained in
        assert row["device"] == "cpu fp32" and row["date"] == "2026-11-21"
        assert row["version"] == "0.1.0 (55a8ac1), 0.1.0 (9e94c38)"
    # oracle appears only after the ranked table, inside the labelled test-set section
    # the handcrafted SVMs are fitted once: ranked (fixed), never in the oracle section
    handcrafted = {r["model"].split()[0]: r for r in tables["ranked-table"]
                   if "svm" in r["model"]}
    assert set(handcrafted) == {"biwoof-release-svm", "lbp-apex-svm"}
    assert handcrafted["biwoof-release-svm"]["overall-uf1"].startswith("0.7013 [")
    assert not any("svm" in r["model"] for r in tables["test-set-table"])
    ranked_table = html.split('id="ranked-table"')[1].split("</table>")[0]
    assert "ststnet" in ranked_table and "oracle" not in ranked_table
    rest = html.split('id="test-set-selection"')[1]
    assert "Test-set selection (oracle, first-best, per-metric-best): not ranked" in rest
    assert 'id="test-set-table"' in rest
    reported = {row["model"]: row for row in tables["reported-table"]}
    assert len(reported) == 12
    assert reported["HTNet"]["overall-uf1"] == "0.8603"
    assert reported["Dual-Inception"]["samm-uar"] == "0.5663"
    assert reported["HTNet"]["samm-uar"] == "0.8124"
    assert reported["LBP-TOP"]["smic-uf1"] == "0.2000"
    assert reported["STSTNet (PyTorch re-run)"]["smic-uf1"] == "—"
    reported_part = html.split('id="reported"')[1]
    assert "not run by merbench" in reported_part and "arxiv.org/abs/2307.14637" in reported_part
    # best values are bold: CausalNet (test-set selection) wins every column of the table
    assert reported_part.count("<strong>") == 8
    assert re.search(r"<strong>0\.8976</strong>", reported_part)


def test_models_without_a_full_run_are_listed_unranked_with_cost_and_command(
        committed_site: Path, read_tables) -> None:
    """A reader sees every model merbench has for the composite, run or not: the reference
    HTNet, the seeds' MMNet and HSTA, CausalNet and AlexNet with their published numbers,
    commands and costs; and STSTNet's released weights scored beside the paper."""
    html = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    tables = read_tables(html)
    listed = {row["model"].split()[0]: row for row in tables["not-run-table"]}
    assert {"htnet", "mmnet-release", "hsta-release", "causalnet", "alexnet-flow"} <= \
        set(listed)
    ranked = {row["model"].split()[0] for row in tables["ranked-table"]}
    assert not ranked & set(listed)  # a model with a ranked row is not listed again
    assert listed["htnet"]["published"].startswith("0.8603 / 0.8475 HTNet, best on test")
    assert "REDUCED setting only" in listed["htnet"]["model"]
    assert listed["alexnet-flow"]["published"].startswith("0.6933 / 0.7154 AlexNet, last")
    assert "--feature causalnet-release" in listed["causalnet"]["command"]
    for row in listed.values():
        assert row["command"].startswith("merbench run --model ")
        assert "a seed on one core" in row["cost"] and "GPU: about" in row["cost"]
    assert "(measured)" in listed["htnet"]["cost"]
    assert "(predicted from FLOPs)" in listed["mmnet-release"]["cost"]
    # never ranked: the section comes after the ranked table, and says so
    assert html.index('id="not-run"') > html.index('id="ranked-table"')
    assert "Not run in the full setting yet: not ranked" in html
    # the authors' released STSTNet checkpoints: their own predictions, not trained here
    (weights,) = tables["saved-weights-table"]
    assert weights["model"].startswith("ststnet v1") and "saved weights" in weights["model"]
    assert (weights["overall-uf1"], weights["overall-uar"]) == ("0.7209", "0.7250")
    # and the trained STSTNet rows are still told apart by their data order alone
    assert sum("data_order authors" in row["model"] for row in tables["ranked-table"]) == 1
    assert not any("batch_size" in row["model"] for row in tables["ranked-table"])


def test_index_runs_and_empty_benchmarks(committed_site: Path, read_tables) -> None:
    index = (committed_site / "index.html").read_text()
    runs = read_tables(index)["runs-table"]
    ststnet = [(r["benchmarks"], r["seed"]) for r in runs if r["model"].startswith("ststnet")
               and "authors" not in r["model"] and "saved weights" not in r["model"]]
    assert sorted(ststnet) == sorted([(benchmark, seed) for benchmark in (
        "composite-3class-lodo", "composite-3class-loso") for seed in "012"] + [
        (f"loso-{db}", "0") for db in ("casme2", "samm", "smic")])
    authors = [r["seed"] for r in runs if "data_order authors" in r["model"]]
    assert sorted(authors) == ["0", "1", "2"]  # three seeds in the authors' order too
    # and the two handcrafted SVMs, one seed each (they are not random), on the composite's
    # four protocols and its three databases alone
    svms = sorted(r["benchmarks"] for r in runs if "svm" in r["model"])
    per_database = ("loso-casme2", "loso-samm", "loso-smic")
    assert svms == sorted(2 * ["composite-3class-loso", "composite-3class-lodo", *per_database])
    assert {r["benchmarks"] for r in runs} == {"composite-3class-loso", "composite-3class-lodo",
                                               *per_database}
    assert "None: every result file found validated." in index
    for bench in per_database:  # each database alone: the CPU models' seed 0 and the SVMs
        ranked = read_tables((committed_site / "benchmarks" / f"{bench}.html").read_text())[
            "ranked-table"]
        assert sorted(r["model"].split()[0] for r in ranked) == [
            "biwoof-release-svm", "dual-inception", "lbp-apex-svm", "rcn", "ststnet"]
    assert (committed_site / SITE_MARKER).exists()


def test_run_page_has_scores_matrices_folds_and_files(committed_site: Path, read_tables) -> None:
    run_dir = committed_site / "runs" / "ststnet-composite-loso-seed-0"
    html = (run_dir / "index.html").read_text()
    results = json.loads((COMPOSITE / "seed-0" / "results.json").read_text())
    tables = read_tables(html)
    scores = {row["scope"]: row for row in tables["scores-fixed"]}
    # the reported policy's score, then its 95% interval over subjects (computed from the
    # predictions: this file predates recorded intervals)
    score, interval = scores["overall"]["uf1"].split(" ", 1)
    assert score == f"{results['metrics']['overall']['uf1']:.4f}"
    low, high = (float(v) for v in interval.strip("[]").split(", "))
    assert low <= float(score) <= high
    assert scores["samm"]["n"] == "133"
    oracle = {row["scope"]: row for row in tables["scores-oracle"]}
    oracle_uf1 = results["metrics_by_policy"]["oracle"]["metrics"]["overall"]["uf1"]
    assert oracle["overall"]["uf1"] == f"{oracle_uf1:.4f}"
    # overall + 3 databases, for fixed and for oracle, and the two learning curves
    assert html.count("<svg") == 11  # and the subjects' strip plot
    assert ">209</text>" in html  # overall fixed: true negative predicted negative
    folds = tables["folds-table"]
    assert len(folds) == 68 and folds[1]["subject"] == "sub02"
    assert folds[1]["epoch-oracle"] == "89" and folds[1]["epoch-fixed"] == "800"
    for name in ("results.json", "run.json", "predictions.csv", "folds/fold-067.npz"):
        assert (run_dir / "files" / name).read_bytes() == \
            (COMPOSITE / "seed-0" / name).read_bytes()
        assert f'href="files/{name}"' in html
    assert len(list((run_dir / "files" / "folds").iterdir())) == 68


def test_configurations_of_one_model_are_told_apart(committed_site: Path, read_tables) -> None:
    """The two HTNet crops are two configurations; a row or page that showed only the model,
    version and seed made them look like one run listed twice."""
    runs = read_tables((committed_site / "index.html").read_text())["runs-table"]
    htnet = sorted(r["model"] for r in runs if r["model"].startswith("htnet"))
    assert [re.search(r"crop=\w+", m).group(0) for m in htnet] == ["crop=corrected",
                                                                     "crop=reference"]
    # each says, from its own record, how it departs from HTNet as declared (it is reduced)
    assert all("dim=24" in m and "epochs 200" in m for m in htnet), htnet
    # STSTNet's shuffled and authors'-order configurations on the composite, told apart by
    # their data order (its lodo runs are alone in their benchmark)
    # (the audit badges beside them, each row's own, are left out of the comparison)
    labels = {re.sub(r"audit claimed, not verified|own claim|\s+", "",
                     r["model"].removeprefix("ststnet v1")) for r in runs
              if "ststnet" in r["model"]}
    assert labels == {"", "data_orderauthors(recipeshuffle)",
                      "savedweightsweightsSTSTNet_Weights@christy1206-STSTNet-1afb56e"}
    page = (committed_site / "runs" / "htnet-reduced-cpu-crop-corrected" / "index.html").read_text()
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    heading = re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    assert "htnet v1 (htnet-regions crop=corrected, " in title
    assert heading.startswith("htnet v1 (htnet-regions crop=corrected, ") and \
        "epochs 200 (recipe 800)" in heading and "on composite / loso, seed 0" in heading


def test_the_benchmark_page_shows_each_class_f1(committed_site: Path, read_tables) -> None:
    """UF1 hides which emotions a model recognises (issue 70): the composite page gives, for
    every ranked row in its order, each class's F1, recomputed from the row's predictions."""
    import pandas as pd
    from sklearn.metrics import f1_score

    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    tables = read_tables(page)
    ranked, per_class = tables["ranked-table"], tables["per-class-table"]
    def named(rows: list[dict[str, str]]) -> list[tuple[str, str]]:
        return [(" ".join(r["model"].split()[:2]), r["selection"]) for r in rows]

    assert named(per_class) == named(ranked)
    assert {"f1-negative", "f1-positive", "f1-surprise"} <= set(per_class[0])
    # a single-seed row, against scikit-learn on its predictions file
    row = next(r for r in per_class if r["model"].startswith("lbp-apex-svm"))
    predictions = pd.read_csv(RESULTS / "lbp-apex-svm-composite-loso" / "predictions.csv")
    expected = f1_score(predictions["y_true"], predictions["y_pred"], average=None,
                        labels=[0, 1, 2], zero_division=0)
    shown = [float(row[f"f1-{name}"].split()[0]) for name in ("negative", "positive",
                                                             "surprise")]
    assert shown == pytest.approx(expected, abs=5e-5)
    assert np.mean(shown) == pytest.approx(float(ranked[per_class.index(row)]["overall-uf1"]
                                                 .split()[0]), abs=1e-4)


def test_reduced_runs_are_labelled_on_every_page(committed_site: Path, read_tables) -> None:
    """A reduced run's scores (oracle UF1 .82) are not HTNet's: the index, its benchmark rows
    and its run page, every score section of it, say so; full-recipe runs carry no label."""
    runs = read_tables((committed_site / "index.html").read_text())["runs-table"]
    labelled = [("REDUCED setting" in r["model"], r["model"].split()[0]) for r in runs]
    assert len(labelled) == len(row_result_files(RESULTS))  # every run listed
    # HTNet's reduced CPU runs; RCN-A's bf16 seeds are its recipe (the precision study)
    assert sorted(name for reduced, name in labelled if reduced) == ["htnet", "htnet"]
    assert {"ststnet", "offapexnet", "timm-resnet18", "biwoof-release-svm"} <= \
        {name for reduced, name in labelled if not reduced}
    tables = read_tables((committed_site / "benchmarks" / "composite-3class-loso.html").read_text())
    for table in ("reduced-table", "reduced-test-set-table"):
        assert all("REDUCED setting" in r["model"] for r in tables[table])
    for table in ("ranked-table", "test-set-table"):
        assert not any("reduced setting" in r["model"].lower() for r in tables[table])
    page = (committed_site / "runs" / "htnet-reduced-cpu-crop-reference" / "index.html").read_text()
    assert "REDUCED setting" in re.search(r"<title>(.*?)</title>", page).group(1)
    box = page.split('id="reduced-setting"')[1].split("</section>")[0]
    assert "REDUCED setting: not htnet as published" in box and "epochs 200 (recipe 800)" in box
    headings = re.findall(r"<h3>Selection: (\w[\w-]*).*?</h3>", page, re.S)
    labelled = re.findall(r"<h3>Selection: (\w[\w-]*)[^\n]*REDUCED setting</span></h3>", page)
    assert headings == labelled == ["fixed", "oracle"]
    full = (committed_site / "runs" / "ststnet-composite-loso-seed-0" / "index.html").read_text()
    assert "reduced setting" not in full.lower()


def test_the_index_leads_with_the_composite_and_names_empty_benchmarks_in_one_line(
        committed_site: Path) -> None:
    """Cards for the benchmarks with runs, the composite LOSO one first; one line of links
    for those without (eight cards of zeros once stood among three, the LODO card first)."""
    index = (committed_site / "index.html").read_text()
    cards = re.findall(r'<div class="card" id="card-([\w-]+)">', index)
    line = index.split('id="no-runs-yet"')[1].split("</p>")[0]
    empty = re.findall(r'href="benchmarks/([\w-]+)\.html"', line)
    assert sorted(cards + empty) == sorted(b.id for b in load_benchmarks())
    assert cards[0] == "composite-3class-loso" and "composite-3class-lodo" in cards
    runs = [int(n) for n in re.findall(r"<dt>runs</dt><dd>(\d+)</dd>", index)]
    assert len(runs) == len(cards) and min(runs) > 0
    # the databases this project does not hold have no run, so no card
    assert {"loso-casme2-5class", "loso-samm-5class", "loso-casme3-7class"} <= set(empty)


def test_a_page_without_runs_draws_no_empty_section(committed_site: Path) -> None:
    """No boxed "merbench runs" or test-set section around "no run yet": one line says it."""
    index = (committed_site / "index.html").read_text()
    line = index.split('id="no-runs-yet"')[1].split("</p>")[0]
    for bench in re.findall(r'href="benchmarks/([\w-]+)\.html"', line):
        page = (committed_site / "benchmarks" / f"{bench}.html").read_text()
        assert page.count("No validated run of this benchmark yet.") == 1, bench
        assert '<section class="ranked"' not in page and "test-set-selection" not in page
        for section in re.findall(r"<section.*?</section>", page, re.S):
            assert "<table" in section and 'class="empty"' not in section, (bench, section)


def test_the_guides_sentence_on_the_composite_page_is_the_page(committed_site: Path,
                                                              read_tables) -> None:
    """docs/user-guide.md names the composite page's best row, its ties and the rows below
    it with the last one's Holm p: a run committed later changes them, and this says so."""
    guide = " ".join((ROOT / "docs" / "user-guide.md").read_text().split())
    said = re.search(r"On the committed composite runs `([\w-]+)` is first by UF1; tied with "
                     r"it: (.*?); below it: (.*?) \(Holm p ([0-9.]+)\)\.", guide)
    assert said, "the guide's sentence on the composite page is gone or reworded"
    first, tied, below, p_value = said.groups()
    rows = read_tables((committed_site / "benchmarks" / "composite-3class-loso.html")
                       .read_text())["ranked-table"]
    named = [(row["model"].split()[0], row["model"]) for row in rows]
    assert named[0][0] == first
    assert sorted(m for m, text in named if "tied with the best" in text) == \
        sorted(re.findall(r"`([\w-]+)`", tied))
    below_names = re.findall(r"`([\w-]+)`", below)
    assert sorted(m for m, text in named if "below the best" in text) == sorted(below_names)
    assert len(named) == 1 + len(re.findall(r"`", tied)) // 2 + len(below_names)
    (last,) = [text for m, text in named if m == below_names[-1]]
    assert f"below the best (Holm p {p_value})" in last


def test_the_other_databases_benchmarks_render_with_their_published_rows(
        committed_site: Path, read_tables) -> None:
    """CASME II and SAMM 5-class and CAS(ME)^3 Part A 7 / 4 / 3-class LOSO: a page each,
    MMNet's printed numbers as test-set selection, and the runs each one takes."""
    casme2 = (committed_site / "benchmarks" / "loso-casme2-5class.html").read_text()
    (row,) = read_tables(casme2)["reported-table"]
    assert row["model"] == "MMNet" and ".8676" in " ".join(row.values())
    assert row["selection"] == "best on test subject test-set selection"
    samm = (committed_site / "benchmarks" / "loso-samm-5class.html").read_text()
    assert ".7291" in " ".join(read_tables(samm)["reported-table"][0].values())
    for classes, uf1 in (("7", ".4997"), ("4", ".6544"), ("3", ".7832")):
        page = (committed_site / "benchmarks" / f"loso-casme3-{classes}class.html").read_text()
        assert f"CAS(ME)^3 Part A, {classes} classes" in page
        assert "No validated run of this benchmark yet." in page
        (row,) = read_tables(page)["reported-table"]
        assert row["model"] == "MER-CLIP" and uf1 in " ".join(row.values())
        assert "test-set selection" not in row["selection"]  # its code was not read
    bench = {b.id: b for b in load_benchmarks()}["loso-casme3-4class"]
    assert bench.dataset_options == {"classes": "4", "skip_missing": True}
    assert bench.n_samples == 858


def test_every_page_gives_the_command_of_its_own_runs(committed_site: Path) -> None:
    """The "run it" line, parsed by merbench's own parser, asks for the definition's dataset
    options (``skip_missing`` as ``--skip-missing``) and protocol options: a page that
    dropped them would print a command making runs the page refuses."""
    import html
    import shlex

    from merbench.cli import build_parser

    for bench in load_benchmarks():
        page = (committed_site / "benchmarks" / f"{bench.id}.html").read_text()
        found = re.search(r'<code id="run-command">(.*?)</code>', page)
        assert found, bench.id
        words = shlex.split(html.unescape(found.group(1)))
        assert words[:2] == ["merbench", "run"]
        args = build_parser().parse_args(words[1:])
        options = dict(getattr(args, "dataset_options", []))
        if getattr(args, "skip_missing", False):
            options["skip_missing"] = True
        assert (args.dataset, args.protocol) == (bench.dataset, bench.protocol)
        assert option_text(options) == option_text(bench.dataset_options or {}), bench.id
        assert option_text(dict(getattr(args, "protocol_options", []))) == \
            option_text(bench.protocol_options or {})
    page = (committed_site / "benchmarks" / "loso-casme3-objective.html").read_text()
    assert "--dataset casme3 --dataset-opt classes=objective --skip-missing --protocol loso" \
        in page


def test_reported_rows_say_how_the_source_chose_the_epoch(committed_site: Path, read_tables,
                                                          tmp_path: Path) -> None:
    """A paper's row says what its public code shows (docs: the protocol notes): an SVM
    baseline has no epoch to select, so LBP-TOP and Bi-WOOF are not "oracle"; only HTNet's
    code is known to select on the test subject."""
    html = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    shown = {r["model"]: r["selection"] for r in read_tables(html)["reported-table"]}
    assert shown["LBP-TOP"] == shown["Bi-WOOF"] == "none to select"
    assert shown["HTNet"] == "best on test subject test-set selection"
    assert shown["AlexNet"] == shown["STSTNet (PyTorch re-run)"] == "last epoch"
    assert shown["STSTNet"] == "unknown" and "oracle" not in " ".join(shown.values())
    legend = html.split('id="reported-table"')[1].split("</section>")[0]
    assert "<em>none to select</em>: nothing to select: a handcrafted feature with an SVM" in legend
    folder = _synthetic_benchmark(tmp_path, reported={"source": "x", "rows": [
        {"method": "LBP-TOP", "selection": "oracle", "values": {"overall": [0.5, 0.5]}}]})
    with pytest.raises(MerbenchError, match="has selection 'oracle'; say what the public code "
                                            "shows: one of test, last, n/a, unknown"):
        load_benchmark(folder / "synthetic.json")


def test_svm_run_page_claims_no_epochs(committed_site: Path) -> None:
    """A scikit-learn baseline is fitted once: its page says so instead of "the last epoch",
    and its empty hyper-parameters read as none, not as a blank."""
    page = (committed_site / "runs" / "lbp-apex-svm-composite-loso" / "index.html").read_text()
    assert "Selection: fixed — the one fitted model (a single epoch: nothing to select)" in page
    assert "the last epoch" not in page
    assert "<dt>hyper-parameters</dt><dd>none (the model's own fitting" in page
    torch_run = (committed_site / "runs" / "ststnet-composite-loso-seed-0"
                 / "index.html").read_text()
    assert "Selection: fixed — the last epoch" in torch_run


def test_pages_load_nothing_from_the_network(committed_site: Path) -> None:
    for page in committed_site.rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"""<(link|img|iframe)\b|src=["']?(https?:)?//""", html), page
        assert html.count("<script") == 1 and "Content-Security-Policy" in html


QUICK = ModelMeta(name="quicknet", version=1, description="STSTNet with a 2-epoch recipe",
                  citation="https://arxiv.org/abs/1902.03634", feature="flow-uvos",
                  recipe=TrainRecipe(epochs=2, batch_size=256, lr=5e-5))


class _QuickPlugin:
    """A model whose declared recipe is 2 epochs, so tiny runs are runs of its own recipe."""

    @hookimpl
    def merbench_register_models(self, registry: ModelRegistry) -> None:
        registry.add(QUICK, "merbench_cnn.ststnet:build_ststnet")


def quick_plugins() -> Plugins:
    return load_plugins(extra=[("quick", _QuickPlugin())])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tiny synthetic runs: seeds 0 and 1 of one configuration, and an inner-val run."""
    base = tmp_path_factory.mktemp("tiny") / "results"
    plugins = quick_plugins()
    for name, options in (("a/seed-0", {"seed": 0}), ("a/seed-1", {"seed": 1}),
                          ("inner", {"selection": "inner-val", "inner_val_subjects": 1})):
        merbench.run(model="quicknet", dataset="synthetic", out=base / name,
                     device="cpu", dataset_options=SMALL, plugins=plugins, **options)
    return base


def test_reduced_settings_are_shown_apart(tiny: Path, tmp_path: Path, cli, read_tables) -> None:
    """A run with fewer epochs than its model's recipe, or other model options, is never
    ranked as the model."""
    results = tmp_path / "results"
    shutil.copytree(tiny / "a", results / "a")
    merbench.run(model="quicknet", dataset="synthetic", out=results / "short", epochs=1,
                 device="cpu", dataset_options=SMALL, plugins=quick_plugins())
    merbench.run(model="quicknet", dataset="synthetic", out=results / "narrow",
                 model_options={"dropout": 0.1}, device="cpu", dataset_options=SMALL,
                 plugins=quick_plugins())
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", bench)
    assert code == 0 and "4 runs, 0 rejected" in out, err
    html = (tmp_path / "site" / "benchmarks" / "synthetic-loso.html").read_text()
    tables = read_tables(html)
    assert [r["seeds"] for r in tables["ranked-table"]] == ["2 (0, 1)"]
    assert len(tables["reduced-table"]) == 2  # two runs, fixed
    assert {r["selection"].split()[0] for r in tables["reduced-test-set-table"]} == {"oracle"}
    assert "quicknet: epochs 1 (recipe 2)" in html and "quicknet: dropout=0.1" in html


def test_every_row_and_run_page_shows_its_precision(tiny: Path, tmp_path: Path, cli,
                                                    read_tables) -> None:
    """Issue 81: the GPU rows may train in bf16 once the precision study decides; every row
    says the arithmetic its runs trained in, fp32 included, and so does every run page."""
    results = tmp_path / "results"
    shutil.copytree(tiny / "a", results / "a")
    merbench.run(model="quicknet", dataset="synthetic", out=results / "half", precision="bf16",
                 device="cpu", dataset_options=SMALL, plugins=quick_plugins())
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out",
                       tmp_path / "site", "--benchmarks", bench)
    assert code == 0, err
    html = (tmp_path / "site" / "benchmarks" / "synthetic-loso.html").read_text()
    tables = read_tables(html)
    rows = [r for table in tables.values() for r in table if "device" in r]
    shown = {r["seeds"]: r["device"].split()[-1] for r in rows}  # under the device
    assert shown == {"2 (0, 1)": "fp32", "1 (0)": "bf16"}, shown
    pages = sorted((tmp_path / "site" / "runs").glob("*/index.html"))
    said = [page.read_text().split("<dt>precision</dt><dd><code>")[1].split("</code>")[0]
            for page in pages]
    assert sorted(said) == ["bf16", "fp32", "fp32"]


def _synthetic_benchmark(folder: Path, **changes: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    definition = {
        "id": "synthetic-loso", "title": "Synthetic <b>LOSO</b>", "dataset": "synthetic",
        "protocol": "loso", "classes": ["negative", "positive", "surprise"],
        "dataset_options": SMALL, "rank": ["fixed", "inner-val"], "test_set_selection": ["oracle"],
        "metrics": ["uf1", "uar"], "columns": [{"scope": "overall", "label": "All"},
                                               {"scope": "syn2", "label": "Syn 2"}],
    } | changes
    (folder / "synthetic.json").write_text(json.dumps(definition))
    return folder


def test_seed_groups_and_policies(tiny: Path, tmp_path: Path, cli, read_tables) -> None:
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", tiny, "--out", tmp_path / "site",
                         "--benchmarks", bench)
    assert code == 0, err
    assert "(1 benchmark, 3 runs, 0 rejected)" in out
    html = (tmp_path / "site" / "benchmarks" / "synthetic-loso.html").read_text()
    assert "Synthetic &lt;b&gt;LOSO&lt;/b&gt;" in html
    ranked = read_tables(html)["ranked-table"]
    assert sorted(r["selection"] for r in ranked) == [
        "fixed", "fixed (1 training subjects held out per fold)",
        "inner-val (1 training subjects held out per fold)"]
    seeds = [json.loads((tiny / "a" / f"seed-{s}" / "results.json").read_text())
             for s in (0, 1)]
    (pair,) = [r for r in ranked if r["seeds"] == "2 (0, 1)"]
    for scope, key in (("overall", "overall-uf1"), ("syn2", "syn2-uar")):
        values = [_pick(s["metrics_by_policy"]["fixed"]["metrics"], scope)[key.split("-")[1]]
                  for s in seeds]
        shown = f"{np.mean(values):.4f} ± {np.std(values, ddof=1):.4f}"
        # syn2 tests one subject: no interval over subjects is drawn from one
        assert pair[key] == shown if scope == "syn2" else pair[key].startswith(f"{shown} ["), \
            (scope, pair)
    apart = read_tables(html)["test-set-table"]
    assert {r["selection"].split()[0] for r in apart} == {"oracle"} and len(apart) == 2
    # the single-seed inner-val configuration is flagged as such
    assert html.count("single seed</span>") == 3  # its fixed and inner-val rows, its oracle row


def test_saved_weights_are_shown_apart(tiny: Path, tmp_path: Path, cli, read_tables) -> None:
    """Checkpoints merbench only evaluated are never ranked with runs it trained."""
    results = tmp_path / "results"
    shutil.copytree(tiny / "a", results / "a")
    merbench.run(model="ststnet", dataset="synthetic", out=results / "weights", epochs=1,
                 device="cpu", dataset_options=SMALL)
    as_saved_weights(results / "weights")
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", bench)
    assert code == 0 and "3 runs, 0 rejected" in out, err
    tables = read_tables((tmp_path / "site" / "benchmarks" / "synthetic-loso.html").read_text())
    assert [r["seeds"] for r in tables["ranked-table"]] == ["2 (0, 1)"]
    (weights,) = tables["saved-weights-table"]
    assert "saved weights" in weights["model"] and weights["selection"] == "fixed"
    assert [r["seeds"] for r in tables["test-set-table"]] == ["2 (0, 1)"]
    run_page = (tmp_path / "site" / "runs" / "weights" / "index.html").read_text()
    assert "saved weights from weights/htnet: evaluated, not trained by merbench" in run_page


def test_rejected_files_are_listed_not_rendered(tiny: Path, tmp_path: Path, cli) -> None:
    results = tmp_path / "results"
    shutil.copytree(tiny, results)
    path = results / "a" / "seed-1" / "results.json"
    tampered = json.loads(path.read_text())
    tampered["metrics_by_policy"]["fixed"]["metrics"]["overall"]["uf1"] = 0.99
    path.write_text(json.dumps(tampered))
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", bench)
    assert code == 0 and "2 runs, 1 rejected" in out
    (line,) = err.strip().splitlines()
    assert line.startswith(f"merbench: rejected: {results / 'a' / 'seed-1'}: stored numbers "
                           "do not match its predictions: metrics_by_policy.fixed.metrics.overall"
                           ".uf1 is 0.99")
    index = (tmp_path / "site" / "index.html").read_text()
    assert "metrics_by_policy.fixed.metrics.overall.uf1 is 0.99" in index
    assert sorted(p.name for p in (tmp_path / "site" / "runs").iterdir()) == ["a-seed-0",
                                                                             "inner"]
    before = {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", bench, "--strict")
    assert code == 2 and err.strip().splitlines()[-1].startswith(
        "merbench: error: 1 rejected (--strict)")
    # nothing written under --strict with a rejected file: the site before it is left whole
    assert f"site: not written (--strict), {tmp_path / 'site'} left as it was" in out
    assert {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()} == before


def test_each_run_counts_once_and_a_reproduction_confirms_it(tiny: Path, tmp_path: Path, cli,
                                                             read_tables) -> None:
    """A folder given twice is read once; a copy of a run elsewhere with identical
    per-epoch predictions (a reproduction, as on another machine) is not a second seed: the
    row is ranked once and says "reproduced 2x", the run page lists both copies, and
    ``merbench validate`` says the same."""
    results = tmp_path / "results"
    shutil.copytree(tiny / "a", results / "a")
    shutil.copytree(tiny / "a" / "seed-0", results / "copy-of-seed-0")
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", results, results / "a",
                         "--out", tmp_path / "site", "--benchmarks", bench)
    assert code == 0 and "2 runs, 0 rejected" in out, err
    html = (tmp_path / "site" / "benchmarks" / "synthetic-loso.html").read_text()
    (fixed,) = read_tables(html)["ranked-table"]
    assert fixed["seeds"] == "2 (0, 1)"
    assert "reproduced: seed 0 2x" in html
    pages = [p.read_text() for p in (tmp_path / "site" / "runs").glob("*/index.html")]
    (seed_0,) = [p for p in pages if "Reproduced 2x" in p]
    # named inside the results folder, never where it lies on this machine
    assert "<code>results/copy-of-seed-0</code>" in seed_0
    assert "<code>results/a/seed-0</code> (shown)" in seed_0 and str(tmp_path) not in seed_0
    assert sum("No other copy" in p for p in pages) == len(pages) - 1
    code, out, err = cli("validate", results / "a" / "seed-0", results / "copy-of-seed-0")
    assert code == 0, err
    assert f"reproduced 2x: {results / 'a' / 'seed-0'}, {results / 'copy-of-seed-0'} claim " \
           "the same configuration and seed 0" in out


def test_copies_that_disagree_name_their_folds_and_an_audit_settles_them(
        tiny: Path, tmp_path: Path, cli, monkeypatch) -> None:
    """The same configuration and seed trained otherwise (here: thrice the learning rate,
    which the identity does not see) is a conflict: neither copy is shown, each names the folds
    where the predictions differ, in the build and in validate; a copy an audit signed by
    a trusted key vouches for is shown, and the other rejected."""
    import merbench.training.epoch_loop as epoch_loop
    from merbench.leaderboard.collect import collect

    results = tmp_path / "results"
    shutil.copytree(tiny / "a" / "seed-0", results / "first")
    plain = epoch_loop.set_epoch_lr

    def faster(optimizer, recipe, epoch):  # type: ignore[no-untyped-def]
        plain(optimizer, recipe, epoch)
        for group in optimizer.param_groups:
            group["lr"] *= 3

    monkeypatch.setattr(epoch_loop, "set_epoch_lr", faster)
    merbench.run(model="quicknet", dataset="synthetic", out=results / "second", device="cpu",
                 dataset_options=SMALL, plugins=quick_plugins())
    monkeypatch.undo()
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", bench)
    assert code == 0 and "0 runs, 2 rejected" in out, err
    assert f"{results / 'first'}: claims the same configuration and seed 0 as " \
           f"{results / 'second'} (predictions differ on fold" in err
    assert "merbench cannot tell which copy is genuine" in err
    code, _, validated = cli("validate", results / "first", results / "second")
    assert code == 2
    assert f"merbench: rejected: {results / 'second'}: claims the same configuration and " \
           f"seed 0 as {results / 'first'} (predictions differ on fold" in validated
    audited = collect([results], vouched=lambda claim: claim.path.endswith("second"))
    assert [run.shown_path for run in audited.runs] == [str(results / "second")]
    (rejected,) = audited.rejected
    assert rejected.path == results / "first" and "whose audit a trusted key signed" in \
        rejected.reason


def test_bad_input_is_one_line(tiny: Path, tmp_path: Path, cli) -> None:
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "thesis.tex").write_text("do not delete")
    cases = [
        (["--results", tiny, "--out", occupied, "--benchmarks", bench],
         "holds files that merbench did not write"),
        (["--results", tmp_path / "nothing", "--out", tmp_path / "s", "--benchmarks", bench],
         f"--results {tmp_path / 'nothing'}: no such file or folder; give a folder"),
        (["--results", "/etc", "--out", tmp_path / "s", "--benchmarks", bench],
         "--results /etc is a system folder, not a folder of results"),
        (["--results", tiny, "--out", tiny / "site", "--benchmarks", bench],
         "overlaps --results"),
        (["--results", tiny, "--out", tmp_path / "s", "--benchmarks", tmp_path / "none"],
         "no benchmark definitions at"),
        (["--results", tiny, "--out", occupied / "thesis.tex" / "site", "--benchmarks", bench],
         f"--out {occupied / 'thesis.tex' / 'site'} cannot be created "
         f"({occupied / 'thesis.tex'} is a file); choose a folder you can write to"),
    ]
    for args, message in cases:
        code, _, err = cli("leaderboard", "build", *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert message in err and "Traceback" not in err
    assert (occupied / "thesis.tex").read_text() == "do not delete"


def test_build_from_another_directory_uses_the_shipped_benchmarks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    """Without --benchmarks the build must not depend on the working directory: merbench's
    definitions ship inside the package (a relative default failed outside the repository)."""
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("leaderboard", "build", "--results", COMPOSITE, "--out", "site")
    assert code == 0, err
    assert "(11 benchmarks, 3 runs, 0 rejected)" in out
    assert sorted(p.name for p in (tmp_path / "site" / "benchmarks").iterdir()) == [
        f"{name}.html" for name in (
            "composite-3class-lodo", "composite-3class-loso", "loso-casme2-5class", "loso-casme2",
            "loso-casme3-3class", "loso-casme3-4class", "loso-casme3-7class",
            "loso-casme3-objective", "loso-samm-5class", "loso-samm", "loso-smic")]


def test_benchmark_definitions_are_checked(tmp_path: Path, cli) -> None:
    assert [b.id for b in load_benchmarks(BENCHMARKS)] == [
        "composite-3class-lodo", "composite-3class-loso", "loso-casme2-5class", "loso-casme2",
        "loso-casme3-3class", "loso-casme3-4class", "loso-casme3-7class",
        "loso-casme3-objective", "loso-samm-5class", "loso-samm", "loso-smic"]
    bad = {
        "ranks oracle, which is test-set selection": {"rank": ["fixed", "oracle"]},
        "lists fixed under 'test_set_selection', but it is not": {
            "test_set_selection": ["fixed"]},
        "an unknown selection policy 'best' in 'rank'": {"rank": ["best"]},
        "metrics must be some of": {"metrics": ["f1"]},
        "id 'Bad id'": {"id": "Bad id"},
        "has scope 'samm', which is not a column": {"reported": {"source": "x", "rows": [
            {"method": "m", "values": {"samm": [0.5, 0.5]}}]}},
        "needs 2 numbers": {"reported": {"source": "x", "rows": [
            {"method": "m", "values": {"overall": [0.5]}}]}},
        "'order' must be a whole number": {"order": "first"},
    }
    for message, change in bad.items():
        folder = _synthetic_benchmark(tmp_path / message.split()[0], **change)
        with pytest.raises(MerbenchError, match=re.escape(message)):
            load_benchmark(folder / "synthetic.json")
    folder = _synthetic_benchmark(tmp_path / "cli", rank=["oracle"])
    code, _, err = cli("leaderboard", "build", "--results", RESULTS, "--out", tmp_path / "s",
                       "--benchmarks", folder)
    assert code == 2 and "ranks oracle" in err and len(err.strip().splitlines()) == 1


def test_rebuild_replaces_the_previous_site(tiny: Path, tmp_path: Path, cli) -> None:
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    site = tmp_path / "site"
    for _ in range(2):
        code, _, err = cli("leaderboard", "build", "--results", tiny / "a", "--out", site,
                           "--benchmarks", bench)
        assert code == 0, err
    assert sorted(p.name for p in (site / "runs").iterdir()) == ["seed-0", "seed-1"]
    assert not list(tmp_path.glob(".site*"))  # no staging or old copies left behind


def test_urls_and_svg_text_are_safe() -> None:
    assert safe_url("https://arxiv.org/abs/1902.03634") == "https://arxiv.org/abs/1902.03634"
    for bad in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x",
                "//evil.example", "http://", "https://a.b/\"onmouseover=x", "vbscript:x",
                "java\tscript:alert(1)", None, 3):
        assert safe_url(bad) is None, bad
    assert paper_url("Liong et al., FG 2019, https://arxiv.org/abs/1902.03634.") == \
        "https://arxiv.org/abs/1902.03634"
    assert paper_url("see javascript:alert(1)") is None
    svg = confusion_svg([[1, 2], [3, 4]], ["<script>x</script>", 'a"b'], "t<i>", "d&")
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    assert "a&quot;b" in svg and "t&lt;i&gt;" in svg and "d&amp;" in svg
    with pytest.raises(ValueError, match="3 x 3"):
        confusion_svg([[1, 2], [3, 4]], ["a", "b", "c"], "t")


def test_templates_and_benchmarks_are_package_data_and_import_stays_light() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["merbench"]
    templates = ROOT / "merbench" / "leaderboard" / "templates"
    shipped = {p for pattern in patterns for p in (ROOT / "merbench").glob(pattern)}
    assert set(templates.iterdir()) <= shipped and len(shipped) >= 6
    definitions = set(BENCHMARKS.glob("*.json"))  # the default of --benchmarks
    assert len(definitions) == 11 and definitions <= shipped
    assert ROOT / "merbench" / "leaderboard" / "model_costs.json" in shipped  # not-run costs
    assert any(d.startswith("jinja2") for d in config["project"]["dependencies"])
    done = subprocess.run(
        [sys.executable, "-c", "import sys, merbench, merbench.cli; "
         "print(sorted(m for m in ('jinja2', 'torch', 'rich') if m in sys.modules))"],
        capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


def test_the_leave_one_database_out_page_shows_its_own_runs(committed_site: Path,
                                                             read_tables) -> None:
    """STSTNet under lodo ranks on its own page, each database column its held-out fold,
    and never on the leave-one-subject-out page."""
    lodo = read_tables((committed_site / "benchmarks" / "composite-3class-lodo.html").read_text())
    ranked = lodo["ranked-table"]
    assert {"ststnet", "biwoof-release-svm", "lbp-apex-svm"} <= {
        r["model"].split()[0] for r in ranked}
    (ststnet,) = [r for r in ranked if r["model"].startswith("ststnet")]
    assert ststnet["casme2-uf1"].startswith("0.8307")  # the seeds' mean, CASME II held out
    assert ststnet["overall-uf1"].startswith("0.6632")
    loso = read_tables((committed_site / "benchmarks" / "composite-3class-loso.html").read_text())
    assert not any(r["overall-uf1"].startswith("0.6632") for r in loso["ranked-table"])


def test_a_benchmark_exports_to_csv_latex_and_markdown(tiny: Path, tmp_path: Path,
                                                       cli) -> None:
    """The table a paper pastes: the page's ranked rows, then its test-set-selection rows
    marked as such, each score with its std over seeds and 95% interval over subjects."""
    import csv
    import io

    results = tmp_path / "results"
    shutil.copytree(tiny / "a", results / "a")
    bench = _synthetic_benchmark(tmp_path / "benchmarks")
    common = ("--results", results, "--benchmarks", bench)
    code, out, err = cli("leaderboard", "export", "synthetic-loso", *common)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["model"], r["selection"], r["test_set_selection"]) for r in rows] == [
        ("quicknet v1", "fixed", "false"), ("quicknet v1", "oracle", "true")]
    ranked = rows[0]
    score = next(k for k in ranked if k.endswith("UF1"))
    assert ranked["seeds"] == "2" and ranked[f"{score} std"]
    assert float(ranked[f"{score} low"]) <= float(ranked[score]) <= float(ranked[f"{score} high"])
    assert rows[1][f"{score} low"] == ""  # test-set rows get no interval, as on the page
    code, latex, _ = cli("leaderboard", "export", "synthetic-loso", *common, "--format",
                         "latex")
    assert code == 0 and "\\begin{tabular}" in latex and "\\toprule" in latex
    assert "$\\pm$" in latex and "oracle (test-set selection)" in latex
    code, _, _ = cli("leaderboard", "export", "synthetic-loso", *common, "--format",
                     "markdown", "--out", tmp_path / "table.md")
    table = (tmp_path / "table.md").read_text()
    assert code == 0 and table.startswith("| model | selection | seeds |")
    assert "| quicknet v1 | fixed | 2 |" in table
    code, _, err = cli("leaderboard", "export", "no-such", *common)
    assert code == 2 and "no benchmark 'no-such'; benchmarks: synthetic-loso" in err


def test_run_pages_draw_learning_curves_with_the_selection_gap(committed_site: Path) -> None:
    """Every epoch's pooled UF1 and UAR, the seeds' band, fixed's epoch and oracle's ticks,
    one curve per database, and the gap between oracle and fixed in numbers; an estimator's
    page says it has no curve."""
    page = (committed_site / "runs" / "ststnet-composite-loso-seed-0" / "index.html"
            ).read_text()
    import html

    section = html.unescape(page.split('<h2 id="curves">')[1].split("<h2>")[0])
    assert section.count('class="curve"') == 2
    assert "band: UF1 of the 3 seeds" in section and 'class="cv-band"' in section
    assert section.count('class="cv-oracle"') == 68  # a tick for each fold's oracle epoch
    assert "Selection gap: oracle (each fold's best epoch on its own test subject) scores " \
           "UF1 0.7745 against fixed's 0.6898 (last epoch), +0.0847" in section
    for database in ("casme2", "samm", "smic"):
        assert f">{database}</text>" in section
    svm = (committed_site / "runs" / "lbp-apex-svm-composite-loso" / "index.html").read_text()
    assert "no curve to draw" in svm


def test_benchmark_pages_show_each_configurations_selection_gap(committed_site: Path) -> None:
    import html

    page = html.unescape((committed_site / "benchmarks" / "composite-3class-loso.html")
                         .read_text())
    section = page.split('id="selection-gap"')[1].split("</section>")[0]
    rows = re.findall(r'<span class="model">([^<]+)</span>.*?<strong>([+-][0-9.]+)</strong>',
                      section)
    gaps = [float(g) for _, g in rows]
    assert gaps == sorted(gaps, reverse=True) and all(g > 0 for g in gaps)
    assert ("ststnet v1", "+0.0818") in rows  # 3 seeds: oracle .7677 - fixed .6859


def test_published_numbers_sit_beside_merbenchs_rows(committed_site: Path, tmp_path: Path,
                                                      read_tables) -> None:
    """The composite's "reported vs reproduced": each paper row whose method merbench runs,
    beside merbench's fixed (with its interval) and oracle numbers, the paper's distance above
    the fixed one, and whether it falls inside merbench's interval; linked to the row."""
    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    rows = read_tables(page)["reproduced-table"]
    ststnet = next(r for r in rows if r["paper"] == "STSTNet"
                   and r["merbench"].startswith("ststnet v1 (3 seeds)")
                   and "data_order" not in r["merbench"])  # the recipe's order
    assert ststnet["paper-uf1-uar"] == "0.7353 / 0.7605"
    assert ststnet["fixed-uf1-uar"].startswith("0.6859 / 0.6732 [0.63, 0.74]")
    assert ststnet["oracle-uf1-uar"] == "0.7677 / 0.7463"
    assert ststnet["paper-fixed-uf1"] == "+0.0494" and ststnet["in-interval"] == "yes"
    anchor = re.search(r'<a href="#(ranked-\d+)">ststnet v1</a>', page).group(1)
    assert f'id="{anchor}"' in page
    assert "HTNet" not in {r["paper"] for r in rows}  # no full-setting merbench row yet
    bad = json.loads((Path(merbench.__file__).parent / "leaderboard" / "definitions"
                      / "composite-3class-loso.json").read_text())
    bad["reported"]["rows"][0]["models"] = "lbptop-svm"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    with pytest.raises(MerbenchError, match="'models' must be a list of merbench model names"):
        load_benchmark(tmp_path / "bad.json")


def test_run_pages_score_each_subject(committed_site: Path, read_tables) -> None:
    """Which subjects a model fails on: each subject's accuracy and UF1 over its own test
    samples (the reported policy), worst first, and a strip plot with a dot per subject."""
    page = (committed_site / "runs" / "ststnet-composite-loso-seed-0" / "index.html"
            ).read_text()
    rows = read_tables(page)["subjects-table"]
    assert len(rows) == 68 and sum(int(r["n"]) for r in rows) == 442
    accuracy = [float(r["accuracy"]) for r in rows]
    assert accuracy == sorted(accuracy)
    strip = page.split('class="strip"')[1].split("</svg>")[0]
    assert strip.count("<circle") == 68
    assert {"casme2", "samm", "smic"} <= set(re.findall(r'class="st-label">(\w+)<', strip))


def test_the_comparison_page_says_what_carries_each_difference(committed_site: Path,
                                                              read_tables) -> None:
    page = (committed_site / "compare" / "composite-3class-loso.html").read_text()
    rows = read_tables(page)["behind-table"]
    assert rows and all(r["row"].split(".")[0] != "1" for r in rows)  # each against row 1
    for row in rows:
        assert {db.split()[0] for db in row["databases"].split(", ")} == {"casme2", "samm",
                                                                           "smic"}
        assert len(row["subjects"].split(", ")) == 3


def test_a_page_reads_an_options_number_and_its_text_alike() -> None:
    """``--dataset-opt classes=4`` records the number 4, Python's ``classes="4"`` the text;
    the CAS(ME)^3 4-class page takes both, and still refuses another class set."""
    from types import SimpleNamespace

    bench = {b.id: b for b in load_benchmarks()}["loso-casme3-4class"]

    def results(**options: object) -> SimpleNamespace:
        dataset = SimpleNamespace(name="casme3", version=bench.dataset_version,
                                  fingerprint=None, classes=list(bench.classes),
                                  options=options)
        protocol = SimpleNamespace(name="loso", version=bench.protocol_version,
                                   n_samples=bench.n_samples, options={})
        return SimpleNamespace(dataset=dataset, protocol=protocol, shuffle_train_labels=False)

    assert bench.mismatch(results(classes=4, skip_missing=True)) is None
    assert bench.mismatch(results(classes="4", skip_missing=True)) is None
    assert "dataset options" in str(bench.mismatch(results(classes="4-class",
                                                           skip_missing=True)))
    assert "dataset options" in str(bench.mismatch(results(classes=4, skip_missing="true")))


# --- rows that keep their labels when they leave the page (issue 55) ----------------------

def _page_settings(page: str, table: str) -> list[str]:
    """The configuration labels (``mono setting`` spans) a page's table shows, in order."""
    import html

    section = page.split(f'id="{table}"')[1].split("</table>")[0]
    return [html.unescape(s) for s in re.findall(r'class="mono setting"[^>]*>([^<]+)<',
                                                 section)]


def test_the_committed_export_tells_the_ststnet_rows_apart_in_every_format(
        committed_site: Path) -> None:
    """STSTNet fed in the authors' order and shuffled were two identical "ststnet v1, fixed"
    rows in every export; each now carries the label its benchmark page shows."""
    import csv
    import io

    from merbench.leaderboard.benchmarks import load_benchmarks
    from merbench.leaderboard.export import to_csv, to_latex, to_markdown
    from merbench.leaderboard.kind_tables import kind_sections, kind_tables

    # the two STSTNet configurations' folders: the page was built from every committed run
    folders = [RESULTS / "ststnet-composite-loso",
               RESULTS / "ststnet-composite-loso-authors-order"]
    tables, rejected = kind_tables(kind_sections(load_benchmarks(BENCHMARKS)), folders)
    assert rejected == []
    bench = next(table for table in tables if table.id == "composite-3class-loso")
    lines = bench.lines()
    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    shown = set(_page_settings(page, "ranked-table"))
    ststnet = [line for line in lines if line.model == "ststnet v1"]
    assert len(ststnet) == 4  # two configurations, fixed and oracle each
    # the recipe's shuffled order is the model as declared: nothing to say
    assert {line.setting for line in ststnet} == {"data_order authors (recipe shuffle)", ""}
    assert {line.setting for line in ststnet} - {""} <= shown  # the page's own labels
    rows = list(csv.DictReader(io.StringIO(to_csv(bench, lines))))
    named = [(r["model"], r["configuration"], r["selection"]) for r in rows
             if r["model"] == "ststnet v1"]
    assert len(set(named)) == 4
    for text, name in ((to_markdown(bench, lines), "ststnet v1 (data_order {}"),
                       (to_latex(bench, lines), "ststnet v1 (data\\_order {}")):
        table = [row for row in text.splitlines() if "ststnet" in row]
        assert len(table) == 4, text
        assert sum(name.format("authors (recipe shuffle))") in row for row in table) == 2
        assert sum(name.split(" (")[0] + " |" in row or name.split(" (")[0] + " &" in row
                   for row in table) == 2, table
        cells = [[c.strip() for c in row.strip("| ").split("|" if "|" in row else "&")]
                 for row in table]
        assert len({(c[0], c[1]) for c in cells}) == 4  # model and selection: none alike


def test_reported_vs_reproduced_rows_are_told_apart(committed_site: Path, read_tables) -> None:
    """Each merbench row beside a published number is named as on its ranked row: two STSTNet
    configurations beside one paper row no longer read alike."""
    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    rows = read_tables(page)["reproduced-table"]
    for paper in {(r["paper"], r["selection"]) for r in rows}:
        # told apart by what they are, not by how many seeds each happens to have
        cells = [re.sub(r" \(\d+ seeds?\)", "", r["merbench"]) for r in rows
                 if (r["paper"], r["selection"]) == paper]
        assert len(cells) == len(set(cells)), cells
    settings = _page_settings(page, "reproduced-table")
    assert "data_order authors (recipe shuffle)" in settings
    assert set(settings) <= set(_page_settings(page, "ranked-table"))


def _relabelled(results, **changes):  # type: ignore[no-untyped-def]
    """``results`` with some of its records' fields replaced (``feature={"options": {}}``)."""
    import dataclasses

    from merbench.results.codec import from_json
    from merbench.results.model import Hyperparameters

    return dataclasses.replace(results, **{
        section: (from_json(Hyperparameters, fields) if section == "hyperparameters"
                  else dataclasses.replace(getattr(results, section), **fields)
                  if isinstance(fields, dict) else fields)
        for section, fields in changes.items()})


def test_an_option_given_at_its_default_is_labelled_like_one_left_out() -> None:
    """A run made today leaves ``crop`` out of its identity (it is the default, reference);
    the committed HTNet runs recorded ``crop=reference``. Both ran the same crop, so both
    read ``crop=reference`` beside ``crop=corrected``, never "crop default"; a recipe field a
    file predates (``data_order``) and the unrecorded fp32 step are the recipe's, so neither
    is said. A label is read from the run's own record: it never changes when other rows are
    added (issue 70)."""
    from dataclasses import dataclass

    from merbench.leaderboard.collect import collect
    from merbench.leaderboard.labels import configuration_label, configuration_notes

    @dataclass(frozen=True)
    class Config:
        key: str
        first: object

    groups = collect([RESULTS / "htnet-reduced-cpu"]).groups
    by_crop = {g.first.feature.options["crop"]: g.first for g in groups}
    reference, corrected = by_crop["reference"], by_crop["corrected"]
    today = _relabelled(reference, feature={"options": {}})
    configs = [Config("explicit", reference), Config("today", today),
               Config("corrected", corrected)]
    notes = configuration_notes(configs)
    labels = {c.key: configuration_label(c, notes) for c in configs}
    departs = ", block_repeats=[1,1,2], dim=24, epochs 200 (recipe 800), lr 0.0002 (recipe 5e-05)"
    assert labels == {"explicit": "htnet-regions crop=reference" + departs,
                      "today": "htnet-regions crop=reference" + departs,
                      "corrected": "htnet-regions crop=corrected" + departs}
    # the same alone, or with the other rows in another order
    for shown in ([configs[0]], [configs[1]], configs[::-1]):
        assert {c.key: configuration_label(c, configuration_notes(shown)) for c in shown} == \
            {c.key: labels[c.key] for c in shown}
    # unknown to this installation (its plugin missing): the recorded options are said
    unknown = configuration_notes(configs,
                                  defaults=lambda section, name, version, package: None)
    assert unknown == labels
    base = labels["explicit"]
    older = {k: v for k, v in reference.hyperparameters.recorded().items() if k != "data_order"}
    fused = {**reference.hyperparameters.recorded(), "fused_optimizer": False, "precision": "fp32"}
    alike = [Config("older", _relabelled(reference, hyperparameters=older)),
             Config("now", _relabelled(reference, hyperparameters=fused)),
             Config("listed", _relabelled(reference, hyperparameters={
                 **reference.hyperparameters.recorded(), "data_order": "listed"}))]
    notes = configuration_notes(alike)
    assert notes["older"] == notes["now"] == base
    assert notes["listed"] == base.replace(", epochs", ", data_order listed (recipe shuffle), "
                                                       "epochs")
    # a results.json written before model.recipe was recorded departs from the installed
    # model's declared recipe at the same version: the same label (issue 70)
    unrecorded = [Config("unrecorded", _relabelled(reference, model={"recipe": None})),
                  Config("listed", alike[2].first)]
    assert configuration_notes(unrecorded)["unrecorded"] == base


def test_two_configurations_alike_but_for_a_version_are_told_apart() -> None:
    """What no declared default speaks to (the dataset's sample list) is said only where two
    rows of the same model would otherwise read alike: then on both."""
    import dataclasses
    from dataclasses import dataclass

    from merbench.leaderboard.collect import collect
    from merbench.leaderboard.labels import configuration_notes

    @dataclass(frozen=True)
    class Config:
        key: str
        first: object

    first = collect([RESULTS / "htnet-reduced-cpu"]).groups[0].first
    other = _relabelled(first, dataset=dataclasses.replace(first.dataset, version=99))
    alone = configuration_notes([Config("a", first)])["a"]
    both = configuration_notes([Config("a", first), Config("b", other)])
    assert both["a"].startswith(alone + ", dataset v") and both["b"].startswith(
        alone + ", dataset v99")
    assert both["a"] != both["b"]


def test_an_option_given_at_its_default_pools_with_one_left_out() -> None:
    """The same configuration whichever way its runs wrote it down: an old file's
    ``crop=reference`` (the default) and a new run's silence are one group, so their seeds pool
    and copies of a seed are settled as copies; an fp32 step recorded explicitly is the
    default too, while a value other than the default stays a configuration of its own. A
    model option recorded at its declared default is not a reduced setting."""
    import dataclasses

    from merbench.leaderboard.collect import collect, group_key, reduced_setting

    groups = collect([RESULTS / "htnet-reduced-cpu"]).groups
    by_crop = {g.first.feature.options["crop"]: g.first for g in groups}
    reference, corrected = by_crop["reference"], by_crop["corrected"]
    today = _relabelled(reference, feature={"options": {}})
    assert group_key(today) == group_key(reference) != group_key(corrected)
    explicit_step = _relabelled(reference, hyperparameters={
        **reference.hyperparameters.recorded(), "precision": "fp32", "fused_optimizer": False})
    assert group_key(explicit_step) == group_key(reference)
    half = _relabelled(reference, hyperparameters={**reference.hyperparameters.recorded(),
                                                  "precision": "bf16"})
    assert group_key(half) != group_key(reference)
    # unknown defaults (the plugin not installed here): nothing can be read as left out
    unknown = lambda section, name, version, package: None  # noqa: E731
    assert group_key(today, unknown) != group_key(reference, unknown)

    # another package's plugin of the same name and version says nothing about this one's
    foreign = _relabelled(reference, feature={"provider": dataclasses.replace(
        reference.feature.provider, package="someone-elses-features")})
    assert group_key(foreign) != group_key(today)

    declared = lambda section, name, version, package: {"width": 4}  # noqa: E731
    options = reference.model.options
    at_default = _relabelled(reference, model={"options": {**options, "width": 4}})
    wider = _relabelled(reference, model={"options": {**options, "width": 8}})
    assert reduced_setting(at_default, declared) == reduced_setting(reference, declared)
    assert "width=8" in (reduced_setting(wider, declared) or "")
    assert group_key(at_default, declared) == group_key(reference, declared)


def test_an_export_of_a_benchmark_with_no_run_says_so(cli, tmp_path: Path) -> None:
    """Not a silent header: one warning line on stderr, exit 0 (the table is a true answer,
    and a script exporting every benchmark goes on), the header still written."""
    (tmp_path / "results").mkdir()
    for fmt in ("csv", "markdown"):
        code, out, err = cli("leaderboard", "export", "composite-3class-loso", "--results",
                             tmp_path / "results", "--format", fmt)
        assert code == 0 and err.count("\n") == 1, err
        assert err == (f"merbench: warning: no run of benchmark 'composite-3class-loso' under "
                       f"{tmp_path / 'results'}: the {fmt} table has its header only\n")
        assert out.startswith("model,configuration,selection" if fmt == "csv" else "| model |")
        assert "ststnet" not in out


def test_seeds_under_a_relative_and_an_absolute_results_folder_form_one_row(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two seeds of one configuration, one under a --results folder given relative and one
    under a folder given absolute: one row of two seeds, not a traceback (their folders had
    no common path as written)."""
    import shutil

    source = RESULTS / "offapexnet-composite-loso"
    shutil.copytree(source / "seed-0", tmp_path / "here" / "seed-0")
    shutil.copytree(source / "seed-1", tmp_path / "there" / "seed-1")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("leaderboard", "build", "--results", "here", tmp_path / "there",
                         "--out", tmp_path / "site")
    assert code == 0, err
    assert "2 runs, 0 rejected" in out
    code, out, err = cli("leaderboard", "export", "composite-3class-loso", "--results", "here",
                         tmp_path / "there", "--format", "csv")
    assert code == 0, err
    assert len([line for line in out.splitlines() if line.startswith("offapexnet")]) >= 1


def test_the_index_run_table_has_scores_and_a_filter(committed_site: Path, read_tables) -> None:
    """The index's table of 50+ runs had no scores and no way to narrow it (issue 70): each
    row shows its run's own UF1 and UAR (sortable as numbers), a filter box narrows the rows,
    and a run in no benchmark says "none" with the reasons in its title, not 600 characters
    in the cell."""
    index = (committed_site / "index.html").read_text()
    runs = read_tables(index)["runs-table"]
    for row in runs:
        assert row["uf1"] == "—" or 0 <= float(row["uf1"]) <= 1
        assert row["uar"] == "—" or 0 <= float(row["uar"]) <= 1
        assert len(row["benchmarks"]) < 200
    assert 'data-filter="runs-table"' in index and 'data-col="uf1" data-sort="num"' in index
    first = json.loads(next(RESULTS.glob("ststnet-composite-loso/seed-0/results.json"))
                       .read_text())["metrics"]["overall"]
    assert f"{first['uf1']:.4f}" in {row["uf1"] for row in runs}


def test_a_run_in_no_benchmark_says_none_briefly(tmp_path: Path, cli, read_tables) -> None:
    results = tmp_path / "results"
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--threads", "1", "--quiet", "--out", results / "synthetic-run")
    assert code == 0, err
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", tmp_path / "site")
    assert code == 0, err
    index = (tmp_path / "site" / "index.html").read_text()
    row, = read_tables(index)["runs-table"]
    assert row["benchmarks"] == "none (hover: why)"
    assert re.search(r'<span class="note" title="[^"]*composite-3class-loso: [^"]+">none', index)


def test_a_rows_model_links_its_run_and_a_code_link_says_code(committed_site: Path) -> None:
    """A row's recipe was reachable only through the tiny seed digits, and timm-resnet18's
    "paper" link was timm's code repository (issue 70)."""
    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    assert re.search(r'<a href="\.\./runs/[^"]+/index\.html" title="the run page[^"]*">'
                     r'<span class="model">timm-resnet18</span></a>', page)
    timm = page[page.index('<span class="model">timm-resnet18</span>'):][:600]
    assert ">code</a>" in timm and ">paper</a>" not in timm
    stst = page[page.index('<span class="model">ststnet</span>'):][:600]
    assert ">paper</a>" in stst


def test_reported_vs_reproduced_says_what_merbench_ran(committed_site: Path) -> None:
    """Published Bi-WOOF (.6296) stood beside biwoof-release-svm, which merbench list calls
    "not the original", with no note: each merbench row now carries its model's own
    description."""
    page = (committed_site / "benchmarks" / "composite-3class-loso.html").read_text()
    rows = [part.split("</tr>")[0] for part in page.split('<td data-col="paper">Bi-WOOF</td>')[1:]]
    release = [row for row in rows if "biwoof-release-svm" in row]
    assert release and all("not the original" in row for row in release)
