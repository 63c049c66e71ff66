"""``merbench tune --seeds``: one search tuned once per seed, each an ordinary tuning in
``seed-N``, and ``tune-seeds.json`` summarising them (mean ± std over seeds, the interval
over subjects of their mean), recomputed by ``validate``, audited tuning by tuning and shown
on the tuning page. The example (``examples["tuning summary over seeds"]``, a test-scored
search of two configurations on three synthetic subjects) is the kinds' own, which the
contract tests of ``test_result_kinds.py`` take through validate, status and the refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from merbench.results.run_files import ResultRejected
from merbench.tuning.seeds_check import validate_tune_seeds

NAME = "tuning summary over seeds"


def _copy(examples: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(examples[NAME], tmp_path / "results" / "seeds"))


def test_each_seed_is_a_tuning_and_the_summary_is_what_they_give(
        examples: dict[str, Path], cli: Any) -> None:
    folder = examples[NAME]
    summary = json.loads((folder / "tune-seeds.json").read_text())
    assert summary["seeds"] == [0, 1] and summary["runs"] == {"0": "seed-0", "1": "seed-1"}
    uf1s = []
    for seed in (0, 1):
        tuning = json.loads((folder / f"seed-{seed}" / "tune.json").read_text())
        assert tuning["seed"] == seed and tuning["sampler_seed"] == 0  # the sampler's own
        assert summary["scores"]["per_seed"][str(seed)]["overall"]["uf1"] == \
            tuning["overall"]["uf1"]
        uf1s.append(tuning["overall"]["uf1"])
    assert summary["scores"]["mean"]["overall"]["uf1"] == pytest.approx(sum(uf1s) / 2)
    assert summary["scores"]["test_set_selection"] is True  # a test-scored search
    code, out, err = cli("validate", folder)
    assert code == 0, err
    assert [line.split(" (")[0] for line in out.splitlines()] == [
        f"ok: {folder}", f"ok: {folder / 'seed-0'}", f"ok: {folder / 'seed-1'}"]


def _edit(key: str, value: Any) -> Any:
    def edit(folder: Path) -> None:
        path = folder / "tune-seeds.json"
        data = json.loads(path.read_text())
        target = data
        *above, last = key.split(".")
        for part in above:
            target = target[part]
        target[last] = value
        path.write_text(json.dumps(data))
    return edit


def _swapped(folder: Path) -> None:
    """Each seed's tuning moved into the other's folder, the summary left as it was."""
    (folder / "seed-0").rename(folder / "tmp")
    (folder / "seed-1").rename(folder / "seed-0")
    (folder / "tmp").rename(folder / "seed-1")


def _unlisted(folder: Path) -> None:
    shutil.copytree(folder / "seed-1", folder / "extra" / "seed-7")


def _audit_beside(folder: Path) -> None:
    (folder / "audit.json").write_text("{}")


@pytest.mark.parametrize(("forge", "said"), [
    (_edit("scores.mean.overall.uf1", 0.99), "stored numbers do not match its tunings"),
    (_edit("runs", {"0": "seed-1", "1": "seed-0"}), "names 'seed-1' as seed 0's tuning"),
    (_swapped, "lists seed-0 as seed 0, but it is a run of seed 1"),
    (_edit("seeds", [0]), "lists seeds 0, but its runs are of seeds 0, 1"),
    (_edit("created", "2026-01-02T00:00:00+00:00"), "is before its seed runs finished"),
    (_edit("mode", "nested"), "stored numbers do not match its tunings"),
    (_unlisted, "extra/seed-7 holds seed 1, a copy of seed-1: move extra/seed-7 out of "
                 "seeds"),
    (_audit_beside, "in each seed run's folder"),
], ids=["mean", "labels swapped", "folders swapped", "a seed left out", "created", "mode",
        "unlisted", "audit beside"])
def test_a_forged_summary_is_rejected(examples: dict[str, Path], tmp_path: Path, forge: Any,
                                      said: str) -> None:
    folder = _copy(examples, tmp_path)
    forge(folder)
    with pytest.raises(ResultRejected, match=said):
        validate_tune_seeds(folder)


def test_tunings_of_two_searches_are_no_summary(examples: dict[str, Path],
                                                tmp_path: Path) -> None:
    """A seed's tuning replaced by one of another search (its numbers recomputed into the
    summary as merbench would) is refused: a summary is one search over seeds."""
    from merbench.results.codec import to_json
    from merbench.tuning.record import read_tune, read_tune_predictions
    from merbench.tuning.seeds import summarise_tunings

    folder = _copy(examples, tmp_path)
    other = tmp_path / "other"
    (tmp_path / "wide.toml").write_text((examples[NAME].parent / "tiny.toml").read_text()
                                        .replace("0.001, 0.03", "0.001, 0.05"))
    from merbench.cli import main

    assert main(["tune", str(tmp_path / "wide.toml"), "--score", "test", "--threads", "1",
                 "--quiet", "--out", str(other)]) == 0  # seed 0 of the other search
    shutil.rmtree(folder / "seed-0")
    shutil.copytree(other, folder / "seed-0")
    tunings = [read_tune(folder / f"seed-{s}" / "tune.json") for s in (0, 1)]
    summary = summarise_tunings(tunings, [read_tune_predictions(folder / f"seed-{s}")
                                          for s in (0, 1)], [0, 1])
    (folder / "tune-seeds.json").write_text(json.dumps(to_json(summary)))
    with pytest.raises(ResultRejected, match="are not one search"):
        validate_tune_seeds(folder)


@pytest.mark.parametrize(("given", "said"), [
    (["--seeds", "0,1", "--timeout-s", "5"], "--timeout-s stops a search before every trial"),
    (["--seeds", "0,0"], "--seeds needs distinct non-negative seeds"),
    (["--seeds", "1,2"], "holds tunings of seeds 0,1, not all of which this command asks for"),
])
def test_bad_seeds_are_one_line_before_anything_is_trained(
        examples: dict[str, Path], tmp_path: Path, cli: Any, given: list[str],
        said: str) -> None:
    folder = _copy(examples, tmp_path)
    before = sorted(p.name for p in folder.rglob("*"))
    code, out, err = cli("tune", examples[NAME].parent / "tiny.toml", "--score", "test",
                         *given, "--out", folder)
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, (out, err)
    assert said in err
    assert sorted(p.name for p in folder.rglob("*")) == before
    code, _, err = cli("tune", examples[NAME].parent / "tiny.toml", "--seeds", "0",
                       "--out", folder / "seed-0")
    assert code == 2 and "holds a single tuning; give another --out for --seeds" in err


def test_the_same_command_again_trains_nothing_and_an_audit_keeps_each_seeds_record(
        examples: dict[str, Path], tmp_path: Path, cli: Any) -> None:
    folder = _copy(examples, tmp_path)
    code, out, err = cli("tune", examples[NAME].parent / "tiny.toml", "--score", "test",
                         "--seeds", "0,1", "--threads", "1", "--quiet", "--out", folder)
    assert code == 0 and "UF1" in out and "± " in out, err
    assert cli("validate", folder)[0] == 0
    code, out, err = cli("audit", folder, "--folds", "1", "--seed", "0")
    assert code == 0, err
    assert "seed 0: audit passed" in out and "seed 1: audit passed" in out
    for seed in (0, 1):
        assert (folder / f"seed-{seed}" / "audit.json").is_file()
    code, out, err = cli("validate", folder)
    assert code == 0 and out.count("audit.json: 1 audit(s)") == 2, err
    # the tuning page has the summary's row
    code, _, err = cli("leaderboard", "build", "--results", folder.parent, "--out",
                       tmp_path / "site")
    assert code == 0, err
    page = (tmp_path / "site" / "tuning.html").read_text()
    assert 'id="tuning-seeds-table"' in page and "<td data-col=\"seeds\">0, 1</td>" in page
    # one epoch where the recipe trains 800 (examples/tune-tiny.toml): the summary and each
    # seed's tuning are marked, in the word every page uses, and none is set in bold
    seeds_table = page.split('id="tuning-seeds-table"')[1].split("</table>")[0]
    assert "REDUCED setting" in seeds_table and "<strong>" not in seeds_table
    assert 'id="tuning-reduced-table"' in page
