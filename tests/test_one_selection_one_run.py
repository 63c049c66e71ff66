"""One selection, one run (pass 84j Q2, walk 85l): every spelling a raw database accepts of
one selection of its samples is recorded in one spelling, the dataset's
(``Dataset.canonical_options``), so it is one run to ``--out`` and one row on its page.
``subjects=1,2`` and ``sub01,sub02`` were two runs ("--out holds a different run
(dataset.options.subjects: 'sub01,sub02' here, '1,2' there)"), as were ``classes=3-class``
and ``classes=3``; and the page said why a run was not on it as a Python dict
(``dataset options is {'classes': '3-class'}``).

The tree is built here (random pixels; Farneback flow on the whole frame): no real data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rawtrees import FAST_FLOW, random_frames, workbook

HEADER = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
          "Estimated Emotion"]


@pytest.fixture
def casme2_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CASME2/ with three subjects of two clips each, numbered 1, 2, 3 in the sheet as in
    CASME II's own (two classes of the 3-class set a subject: LOSO can train)."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "CASME2"
    rows: list[list[object]] = [HEADER]
    for subject in (1, 2, 3):
        for clip, emotion in (("EP01_01f", "happiness"), ("EP02_01f", "disgust")):
            random_frames(root / "Cropped" / f"sub{subject:02d}" / clip, range(10, 16),
                          "reg_img{}.jpg")
            rows.append([subject, clip, 10, 12, 15, "4+L10", emotion])
    workbook(root / "CASME2-coding-20190701.xlsx", rows)
    return root


def _run(root: Path, out: Path) -> list[object]:
    return ["run", "-d", "casme2", "--data-root", root, "-m", "ststnet", "-f", "tvl1-uvos",
            *FAST_FLOW, "--epochs", "1", "--threads", "1", "--workers", "1", "-q",
            "--out", out]


def _recorded(out: Path) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    """The dataset options as run.json's identity and config and results.json record them."""
    run = json.loads((out / "run.json").read_text())
    results = json.loads((out / "results.json").read_text())
    return (run["identity"]["dataset"]["options"], run["config"]["dataset_options"],
            results["dataset"]["options"])


def test_every_spelling_of_the_subjects_is_one_run(casme2_root: Path, cli,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "r"
    code, _, err = cli(*_run(casme2_root, out), "--dataset-opt", "subjects=2,1")
    assert code == 0, err
    assert _recorded(out) == ({"subjects": "sub01,sub02"},) * 3  # the sheet's names, order
    for spelled in ("1,2", "sub01,sub02", "01,02", "1, 2", "casme2/sub01,casme2/sub02",
                    "[1,2]", "1,2,", "sub2,1.0"):
        code, _, err = cli(*_run(casme2_root, out), "--dataset-opt",
                                  f"subjects={spelled}")
        assert code == 0 and "finished before" in err, (spelled, err)
    assert _recorded(out) == ({"subjects": "sub01,sub02"},) * 3


def test_the_api_records_the_subjects_as_the_command_line(casme2_root: Path,
                                                          tmp_path: Path) -> None:
    import merbench

    out = tmp_path / "api"
    merbench.run("ststnet", "casme2", feature="tvl1-uvos",
                 feature_options={"face": "frame", "method": "farneback"},
                 dataset_options={"subjects": [3, "casme2/sub01"], "classes": "5-class"},
                 data_root=str(casme2_root), epochs=1, threads=1, workers=1, out=str(out))
    assert _recorded(out) == ({"subjects": "sub01,sub03"},) * 3  # classes=5: the default


@pytest.mark.parametrize("spelled", ["3-class", "3class", "3 class"])
def test_a_class_set_by_its_name_is_the_run_of_its_number(casme2_root: Path, cli,
                                                          tmp_path: Path, spelled: str) -> None:
    out = tmp_path / "r"
    code, _, err = cli(*_run(casme2_root, out), "--dataset-opt", f"classes={spelled}")
    assert code == 0, err
    assert _recorded(out) == ({"classes": "3"},) * 3
    code, _, err = cli(*_run(casme2_root, out), "--dataset-opt", "classes=3")
    assert code == 0 and "finished before" in err, err


def _benchmark(folder: Path, run: Path, options: dict[str, object] | None) -> None:
    results = json.loads((run / "results.json").read_text())
    folder.mkdir()
    definition = {
        "id": "fake-3", "title": "fake CASME II, 3 classes", "description": "a test",
        "dataset": "casme2", "dataset_version": results["dataset"]["version"],
        "protocol": "loso", "protocol_version": 1, "classes": ["negative", "positive",
                                                               "surprise"],
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
        "columns": [{"scope": "overall", "label": "all"}]}
    if options is not None:
        definition["dataset_options"] = options
    (folder / "fake-3.json").write_text(json.dumps(definition))


def test_a_page_takes_every_spelling_and_says_why_not_in_merbenchs_words(
        casme2_root: Path, cli, tmp_path: Path) -> None:
    """``classes=3-class`` is on the page of a benchmark needing ``classes=3``; a run of
    some subjects is not, and the index says so as the command line gives options."""
    results = tmp_path / "results"
    assert cli(*_run(casme2_root, results / "named"), "--dataset-opt", "classes=3-class")[0] == 0
    assert cli(*_run(casme2_root, results / "some"), "--dataset-opt", "classes=3",
               "--dataset-opt", "subjects=2,1")[0] == 0
    _benchmark(tmp_path / "bench", results / "named", {"classes": "3"})
    code, _, err = cli("leaderboard", "build", "--results", results, "--benchmarks",
                       tmp_path / "bench", "--out", tmp_path / "site")
    assert code == 0, err
    index = (tmp_path / "site" / "index.html").read_text()
    why = re.findall(r"fake-3: [^\"<]*", index)
    assert why == ["fake-3: dataset options are --dataset-opt classes=3 --dataset-opt "
                   "subjects=sub01,sub02, the benchmark needs --dataset-opt classes=3"], why
    assert "{&#39;" not in index and "{'" not in index


def test_the_default_spelt_out_is_on_the_defaults_page(casme2_root: Path, cli,
                                                       tmp_path: Path) -> None:
    """``classes=5`` on CASME II (whose default is 5) is the run without it, on the page of
    a benchmark that pins no class set (walk 85l: '0 runs', "needs {}")."""
    results = tmp_path / "results"
    assert cli(*_run(casme2_root, results / "five"), "--dataset-opt", "classes=05")[0] == 0
    bench = tmp_path / "bench"
    _benchmark(bench, results / "five", None)
    definition = json.loads((bench / "fake-3.json").read_text())
    definition["classes"] = json.loads((results / "five" / "results.json").read_text())[
        "dataset"]["classes"]
    (bench / "fake-3.json").write_text(json.dumps(definition))
    code, _, err = cli("leaderboard", "build", "--results", results, "--benchmarks", bench,
                       "--out", tmp_path / "site")
    assert code == 0, err
    index = (tmp_path / "site" / "index.html").read_text()
    assert "fake-3:" not in index  # no reason: the run is on the page


def test_a_tuning_records_the_subjects_as_its_runs(casme2_root: Path, cli,
                                                   tmp_path: Path) -> None:
    """tune.json's dataset options are its runs' spelling: each run is checked against it,
    and ``subjects = "3, 1,2"`` in the file against runs recording ``sub01,sub02,sub03``."""
    space = tmp_path / "t.toml"
    space.write_text('model = "ststnet"\ndataset = "casme2"\n'
                     'dataset_options = {subjects = "3, 1,2", classes = "5-class"}\n'
                     '[options]\nepochs = 1\nfeature = "tvl1-uvos"\n'
                     'feature_options = {face = "frame", method = "farneback"}\n'
                     '[search]\nsampler = "grid"\n[space]\nlr = {choices = [0.001, 0.03]}\n')
    code, _, err = cli("tune", space, "--score", "test", "--out", tmp_path / "t",
                       "--data-root", casme2_root, "--threads", "1", "--workers", "1", "-q")
    assert code == 0, err
    recorded = json.loads((tmp_path / "t" / "tune.json").read_text())
    assert recorded["dataset_options"] == {"subjects": "sub01,sub02,sub03"}
    code, _, err = cli("validate", tmp_path / "t")
    assert code == 0, err


#: a benchmark definition's subjects, each another spelling of the run's sub01,sub02,sub03
SUBJECT_SPELLINGS = {"names": "sub01,sub02,sub03", "numbers": "1,2,3",
                     "list": ["sub01", "sub02", "sub03"], "number-list": [1, 2, 3],
                     "blanks": "sub01, sub02, sub03", "order": "sub03,sub01,sub02",
                     "ids": "casme2/sub01,casme2/sub02,casme2/sub03",
                     # a JSON list written as text, as --dataset-opt 'subjects=[...]' takes
                     # it (walk 85p: these held no run)
                     "json-text": '["sub02", "sub01", "sub03"]', "json-numbers": "[1,2,3]"}


def test_a_definition_in_any_spelling_of_the_subjects_holds_their_run(
        casme2_root: Path, cli, tmp_path: Path) -> None:
    """Pass 84l, N7: a benchmark definition's ``subjects`` in any spelling but the one the
    run recorded (the sheet's names in the sheet's order, which only the data gives) loaded
    without a word and held no run. The definition is now read as the run recorded it where
    it names the run's very subjects; another selection (``1,2``) still holds none. A
    class set by its name (``3-class``) is the run's ``3``."""
    results = tmp_path / "results"
    code, _, err = cli(*_run(casme2_root, results / "all"), "--dataset-opt", "classes=3",
                       "--dataset-opt", "subjects=1,2,3")
    assert code == 0, err
    bench = tmp_path / "bench"
    _benchmark(bench, results / "all", None)
    template = json.loads((bench / "fake-3.json").read_text())
    (bench / "fake-3.json").unlink()
    spellings = {**SUBJECT_SPELLINGS, "another": "1,2"}
    for name, subjects in spellings.items():
        (bench / f"fake-{name}.json").write_text(json.dumps({
            **template, "id": f"fake-{name}",
            "dataset_options": {"classes": "3-class", "subjects": subjects}}))
    code, out, err = cli("leaderboard", "list", "--results", results, "--benchmarks", bench)
    assert code == 0, err
    held = {line.split()[0]: line.split()[-2] for line in out.splitlines()
            if line.startswith("fake-")}
    assert held == {**{f"fake-{name}": "1" for name in SUBJECT_SPELLINGS},
                    "fake-another": "0"}, out
