"""The leaderboard's spotting page: validated ``merbench spot`` runs per long-video dataset,
the MEGC baseline's published F1 beside them, and a tampered file listed as rejected."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from test_spot_command import SMALL_OPTIONS, EchoPlugin, EchoSpotter

from merbench.leaderboard.site import build_site
from merbench.plugin_system.manager import load_plugins
from merbench.runner.spot import SpotSpec, SpottingRun


@pytest.fixture(scope="module")
def spotting_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder with one echo-spotter run on synthetic-long and a damaged copy."""
    folder = tmp_path_factory.mktemp("spot-results")
    EchoSpotter.seen, EchoSpotter.stop_at = [], None
    plugins = load_plugins(extra=[("echo-spotter", EchoPlugin())])
    SpottingRun(SpotSpec("synthetic-long", "echo", dataset_options=SMALL_OPTIONS), plugins,
                folder / "echo").execute()
    shutil.copytree(folder / "echo", folder / "tampered")
    file = folder / "tampered" / "spotting.json"
    data = json.loads(file.read_text())
    data["policies"]["training-subjects"]["scores"]["all"]["f1"] = 0.99
    file.write_text(json.dumps(data))
    return folder


def test_the_page_shows_the_valid_run_and_the_published_rows(
        spotting_results: Path, tmp_path: Path, read_tables: Any) -> None:
    report = build_site([spotting_results], tmp_path / "site")
    assert [r.path.parent.name for r in report.rejected] == ["tampered"]
    assert "policies.training-subjects.scores.all.f1" in report.rejected[0].reason
    page = (tmp_path / "site" / "spotting.html").read_text()
    tables = read_tables(page)
    (table,) = [rows for name, rows in tables.items()
                if name.startswith("spotting-table-synthetic-long-")]
    (row,) = table
    assert row["spotter"].startswith("echo v1")
    assert "3 videos of 3 subjects, ground truth" in page
    assert "test-set selection" in row["oracle"]
    (baseline,) = tables["spotting-reported-samm-long"]
    assert baseline["all"] == "0.0445" and baseline["micro"] == "0.0364"
    assert "No validated spotting run of <code>casme3-long</code> yet" in page
    copied = list((tmp_path / "site" / "spotting").glob("*/spotting.json"))
    assert len(copied) == 1 and json.loads(copied[0].read_text())["kind"] == "spotting"
    index = (tmp_path / "site" / "index.html").read_text()
    assert "1 validated <code>merbench spot</code> run," in index
    assert "tampered" in index  # listed with the rejected files


def test_strict_build_fails_on_a_rejected_spotting_file(spotting_results: Path, cli: Any,
                                                        tmp_path: Path) -> None:
    code, _, err = cli("leaderboard", "build", "--results", spotting_results, "--out",
                       tmp_path / "site", "--strict")
    assert code == 2 and "tampered" in err


def test_a_hard_link_is_rejected_and_a_long_name_still_builds(spotting_results: Path,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "results"
    shutil.copytree(spotting_results / "echo", folder / "long")
    file = folder / "long" / "spotting.json"
    data = json.loads(file.read_text())
    data["dataset"]["name"] = "x" * 300  # the name is no part of the fingerprint
    file.write_text(json.dumps(data))
    # and so the run's record and its video files, which must say the same run
    for record in [folder / "long" / "spot-run.json",
                   *sorted((folder / "long" / "videos").glob("*.json"))]:
        found = json.loads(record.read_text())
        found.get("identity", found)["dataset"]["name"] = "x" * 300
        record.write_text(json.dumps(found))
    shutil.copytree(spotting_results / "echo", folder / "linked")
    os.link(folder / "linked" / "spotting.json", tmp_path / "elsewhere.json")
    report = build_site([folder], tmp_path / "site")
    assert [(r.path.parent.name, "hard link" in r.reason) for r in report.rejected] == [
        ("linked", True)]
    (copied,) = (tmp_path / "site" / "spotting").iterdir()
    assert copied.name.startswith("x" * 40 + "-") and len(copied.name) == 51


def test_a_recognised_run_has_its_str_row_and_a_tampered_str_json_rejects_it(
        spotting_results: Path, tmp_path: Path, read_tables: Any, cli: Any) -> None:
    from merbench.runner.spot_recognise import RecogniseSpec, recognise, write_str

    folder = tmp_path / "results"
    shutil.copytree(spotting_results / "echo", folder / "recognised")
    plugins = load_plugins(extra=[("echo-spotter", EchoPlugin())])
    run = SpottingRun(SpotSpec("synthetic-long", "echo", dataset_options=SMALL_OPTIONS),
                      plugins, folder / "recognised")
    results = run.execute()  # every video kept: nothing is spotted again
    dataset = run.open_dataset()
    write_str(folder / "recognised", recognise(results, dataset.videos, dataset.classes,
                                               plugins, RecogniseSpec("ststnet", epochs=1)),
              plugins)
    shutil.copytree(folder / "recognised", folder / "bad-str")
    file = folder / "bad-str" / "str.json"
    data = json.loads(file.read_text())
    data["scores"]["all"]["recognition"]["n"] += 1
    file.write_text(json.dumps(data))
    report = build_site([folder], tmp_path / "site")
    assert [r.path.parent.name for r in report.rejected] == ["bad-str"]
    assert "scores.all.recognition.n" in report.rejected[0].reason
    page = (tmp_path / "site" / "spotting.html").read_text()
    tables = read_tables(page)
    # STSTNet trained 1 epoch where its recipe says 800: a reduced setting, the word and
    # the rule of every page (a table of its own, unranked, its STRS not in bold)
    assert not [name for name in tables if name.startswith("str-table-")]
    (row,) = next(rows for name, rows in tables.items()
                  if name.startswith("str-reduced-table-synthetic-long-"))
    stored = json.loads((folder / "recognised" / "str.json").read_text())
    assert row["recogniser"].startswith("ststnet v1 on tvl1-uvos")
    assert "REDUCED setting" in row["recogniser"] and "epochs 1 (recipe 800)" in row["recogniser"]
    assert "Spot-then-recognise in REDUCED settings: not ranked" in page
    reduced_table = page.split('id="str-reduced-table-synthetic-long-')[1].split("</table>")[0]
    assert "<strong>" not in reduced_table
    micro = stored["scores"]["micro"]["strs"]
    assert row["strs"] == ("—" if micro is None else f"{micro:.4f}")
    (published,) = tables["str-reported-samm-long"]
    assert published["strs"] == "0.0062" and "10 SAMM" in published["videos"]
    copied = json.loads(next((tmp_path / "site" / "spotting").glob("*/str.json")).read_text())
    assert copied == stored
    # the export marks the reduced recogniser in the page's words too
    shutil.rmtree(folder / "bad-str")
    code, out, err = cli("leaderboard", "export", "spot-synthetic-long", "--results", folder)
    assert code == 0, err
    assert "recognised by ststnet, a REDUCED setting (epochs 1 (recipe 800))" in out, out


def test_a_recogniser_at_its_recipe_is_no_reduced_setting() -> None:
    """The rule the page applies to each spot-then-recognise row: the recipe's epochs and
    default options pass, fewer epochs or a model option set do not, and a model not
    installed here (no recipe to compare with) passes unjudged."""
    from merbench.spotting_kind.view import recogniser_reduced
    from merbench.verification.declared_defaults import DeclaredDefaults

    defaults = DeclaredDefaults()
    own = {"model": "ststnet", "model_version": 1, "epochs": 800, "model_options": {}}
    assert recogniser_reduced(own, defaults) is None
    assert recogniser_reduced({**own, "epochs": 20}, defaults) == "epochs 20 (recipe 800)"
    assert recogniser_reduced({**own, "model_options": {"dropout": 0.1}}, defaults) == "dropout=0.1"
    assert recogniser_reduced({**own, "model": "not-installed"}, defaults) is None
