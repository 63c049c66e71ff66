"""``merbench spot --recognise MODEL --seeds``: the videos spotted once, recognised once per
seed, and summarised in ``str-seeds.json``, which ``validate`` recomputes from the seeds'
runs and the spotting page shows (issue 68: spotting was the one kind with no summary over
seeds). The contract's checks over every kind (validate, status, links, fifos, audit
refusals) take the summary in ``test_result_kinds.py``; here is what is its own."""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path
from typing import Any

import pytest
from conftest import TINY_SPOT

from merbench.spotting.recognition import score_str
from merbench.spotting.scores import SCOPES
from merbench.spotting.str_over_seeds import recognition_counts, recognition_f1_of
from merbench.spotting.str_scores import recognised_videos
from merbench.spotting.str_seeds_record import STR_SEEDS_FILE
from merbench.spotting_kind.check import validate_spotting_and_str

NAME = "spot-then-recognise summary over seeds"
COMMAND = ["spot", *TINY_SPOT, "--recognise", "ststnet", "--epochs", "1"]


@pytest.fixture
def seeded(examples: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of the kinds' example: ``COMMAND --seeds 0,1``, made once a session."""
    folder = tmp_path / "results" / "str"
    shutil.copytree(examples[NAME], folder)
    return folder


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def test_the_videos_are_spotted_once_and_recognised_once_per_seed(seeded: Path,
                                                                  cli: Any) -> None:
    first, second = seeded / "seed-0", seeded / "seed-1"
    # seed 1 spotted nothing: its spotting is seed 0's, record for record (a spotting run
    # of its own would carry its own date)
    assert (second / "spotting.json").read_bytes() == (first / "spotting.json").read_bytes()
    assert sorted(p.name for p in (second / "videos").iterdir()) == \
        sorted(p.name for p in (first / "videos").iterdir())
    assert [_json(seeded / f"seed-{s}" / "str.json")["recogniser"]["seed"]
            for s in (0, 1)] == [0, 1]
    summary = _json(seeded / STR_SEEDS_FILE)
    assert summary["seeds"] == [0, 1] and summary["runs"] == {"0": "seed-0", "1": "seed-1"}
    assert summary["recogniser"]["model"] == "ststnet" and "seed" not in summary["recogniser"]
    for scope in SCOPES:  # each seed's numbers are its str.json's; mean and std of them
        entry = summary["scores"][scope]
        own = [_json(seeded / f"seed-{s}" / "str.json")["scores"][scope] for s in (0, 1)]
        assert [entry["per_seed"][s]["strs"] for s in ("0", "1")] == [o["strs"] for o in own]
        assert entry["per_seed"]["1"]["spotting_f1"] == own[1]["spotting"]["f1"]
        if None not in (o["strs"] for o in own):
            assert entry["mean"]["strs"] == pytest.approx(statistics.mean(o["strs"]
                                                                         for o in own))
            assert entry["std"]["strs"] == pytest.approx(statistics.stdev(o["strs"]
                                                                         for o in own))
    code, out, err = cli("validate", seeded)
    assert code == 0, err
    assert out.startswith(f"ok: {seeded} (spotter flow-peak on synthetic-long recognised by "
                          "ststnet with 2 seeds (0, 1): every seed's run validates")
    assert f"ok: {first} (" in out and f"ok: {second} (" in out


def test_the_same_command_again_recognises_nothing_and_a_new_seed_spots_nothing(
        seeded: Path, cli: Any) -> None:
    """A finished seed's ``str.json`` is read back (``spot --recognise`` trained its
    recogniser again at every command); a seed added later starts from the spotting."""
    before = (seeded / "seed-1" / "str.json").read_bytes()
    code, out, err = cli(*COMMAND, "--seeds", "0,1", "--out", seeded)
    assert code == 0, err
    assert out.count("emotions, read back (recognised by an earlier command)") == 2
    assert (seeded / "seed-1" / "str.json").read_bytes() == before
    code, out, err = cli(*COMMAND, "--seeds", "0,1,2", "--out", seeded)
    assert code == 0, err
    assert "the videos spotted for seed 0 are read back, not spotted again" in out
    # the summary over seeds says its recogniser's reduced setting too, in the same words
    assert out.splitlines()[-2] == ("a REDUCED setting (epochs 1 (recipe 800)): a check that "
                                    "the pipeline runs, not comparable with published "
                                    "numbers"), out
    assert out.count("emotions, read back") == 2  # seed 2's recognised, and only those
    assert (seeded / "seed-2" / "spotting.json").read_bytes() == \
        (seeded / "seed-0" / "spotting.json").read_bytes()
    assert _json(seeded / STR_SEEDS_FILE)["seeds"] == [0, 1, 2]
    assert cli("validate", seeded)[0] == 0


def _seed_1_unlisted(summary: dict[str, Any]) -> None:
    """Seed 1 taken out of the summary's seeds, runs and scores (its folder left beside)."""
    summary.update(seeds=[0], runs={"0": "seed-0"})
    for scope in summary["scores"].values():
        del scope["per_seed"]["1"]


@pytest.mark.parametrize(("edit", "said"), [
    (lambda s: s["scores"]["all"]["mean"].update(strs=0.99), "stored numbers do not match"),
    (lambda s: s["scores"]["macro"]["interval"].update(low=0.5, high=0.75),
     "stored numbers do not match"),
    (lambda s: s["recogniser"].update(epochs=800), "stored numbers do not match"),
    (lambda s: s.update(runs={"0": "seed-1", "1": "seed-0"}), "names 'seed-1' as seed 0"),
    (_seed_1_unlisted, "holds seed-1, a run"),
    (lambda s: s.update(seeds=[0], runs={"0": "seed-0"}),
     "lists seeds 0, but its scores are of seeds 0, 1 (scores.micro.per_seed"),
    (lambda s: s.update(created="2026-02-01T00:00:00+00:00"), "is before its seed runs"),
], ids=["mean", "interval", "recogniser", "swapped", "unlisted", "seeds cut", "date"])
def test_a_summary_its_runs_do_not_give_is_rejected(seeded: Path, edit: Any, said: str,
                                                    cli: Any) -> None:
    summary = _json(seeded / STR_SEEDS_FILE)
    edit(summary)
    (seeded / STR_SEEDS_FILE).write_text(json.dumps(summary))
    code, _, err = cli("validate", seeded)
    assert code == 2 and said in err, err


def test_seeds_of_other_recognisers_or_without_recognition_are_rejected(seeded: Path,
                                                                        cli: Any) -> None:
    recognised = _json(seeded / "seed-1" / "str.json")
    (seeded / "seed-1" / "str.json").unlink()
    code, _, err = cli("validate", seeded)
    assert code == 2 and "seed 1's run folder seed-1 has no str.json (it was never " \
        "recognised" in err, err
    recognised["recogniser"]["epochs"] = 2  # another configuration, its numbers its own
    (seeded / "seed-1" / "str.json").write_text(json.dumps(recognised))
    code, _, err = cli("validate", seeded)
    assert code == 2 and "not one spotting (spotter, settings and data) recognised by one " \
                         "recogniser" in err, err


@pytest.mark.parametrize(("args", "said"), [
    (["--seeds", "0,1"], "--seeds is an option of --recognise MODEL, which is not given "
                         "(spotting is deterministic: only the recogniser has a seed)"),
    (["--seed", "3"], "--seed is an option of --recognise MODEL"),
    (["--recognise", "ststnet", "--seed", "1", "--seeds", "0,1"],
     "give either --seed or --seeds, not both"),
    (["--recognise", "ststnet", "--seeds", "0,0"], "--seeds needs distinct"),
])
def test_bad_seed_options_are_one_line(args: list[str], said: str, tmp_path: Path,
                                       cli: Any) -> None:
    code, _, err = cli("spot", *TINY_SPOT, *args, "--out", tmp_path / "s")
    assert code == 2 and err.count("\n") == 1 and said in err, err
    assert not (tmp_path / "s").exists()


def test_an_out_that_holds_one_spotting_run_or_other_seeds_is_refused(
        examples: dict[str, Path], seeded: Path, tmp_path: Path, cli: Any) -> None:
    single = tmp_path / "single"
    shutil.copytree(examples["spotting run"], single)
    code, _, err = cli(*COMMAND, "--seeds", "0,1", "--out", single)
    assert code == 2 and "is the folder of a merbench result (it holds spot-run.json)" in err
    shutil.rmtree(single)
    (single / "videos").mkdir(parents=True)  # a spotting run stopped before it was claimed
    code, _, err = cli(*COMMAND, "--seeds", "0,1", "--out", single)
    assert code == 2 and "holds a single spotting run (its videos); give another --out for " \
                         "--seeds" in err, err
    code, _, err = cli(*COMMAND, "--seeds", "0", "--out", seeded)
    assert code == 2 and "holds spotting runs of seeds 0,1, not all of which" in err, err
    code, _, err = cli(*COMMAND[:-2], "--epochs", "2", "--seeds", "0,1", "--out", seeded)
    assert code == 2 and "holds the recognition of another recogniser" in err, err


def test_the_spotting_page_shows_the_summary_beside_its_seeds_runs(seeded: Path,
                                                                   tmp_path: Path, cli: Any,
                                                                   read_tables: Any) -> None:
    code, _, err = cli("leaderboard", "build", "--results", seeded.parent, "--out",
                       tmp_path / "site", "--strict")
    assert code == 0, err
    page = (tmp_path / "site" / "spotting.html").read_text()
    tables = read_tables(page)
    # one epoch where STSTNet's recipe trains 800: a reduced setting, in tables of its own
    assert not [table for table in tables if table.startswith(("str-table-",
                                                                "str-seeds-table-"))]
    [over_seeds] = [rows for table, rows in tables.items()
                    if table.startswith("str-seeds-reduced-table-")]
    [row] = over_seeds
    summary = _json(seeded / STR_SEEDS_FILE)
    assert row["seeds"] == "0, 1" and row["recogniser"].startswith("ststnet v")
    assert "REDUCED setting" in row["recogniser"] and "epochs 1 (recipe 800)" in row["recogniser"]
    assert row["strs-all"].startswith(f"{summary['scores']['all']['mean']['strs']:.4f}")
    [recognised] = [rows for table, rows in tables.items()
                    if table.startswith("str-reduced-table-")]
    assert len(recognised) == 2  # each seed's run a row of its own
    link = page.split('href="spotting/')[-1].split('"')[0]
    assert link.endswith("/str-seeds.json")
    assert (tmp_path / "site" / "spotting" / link).read_bytes() == \
        (seeded / STR_SEEDS_FILE).read_bytes()


def test_pooled_counts_give_the_runs_recognition_f1(seeded: Path) -> None:
    """The interval's statistic, every subject drawn once, is the run's own recognition F1:
    a resample is scored as STR scores the run."""
    checked = validate_spotting_and_str(seeded / "seed-1")
    assert checked.recognised is not None
    videos = recognised_videos(checked.results, checked.recognised.videos)
    keys = list(dict.fromkeys(video.key for video in videos))
    counts = recognition_counts(videos, keys, len(checked.recognised.classes))
    for index, scope in enumerate(SCOPES):
        pooled = recognition_f1_of(counts[:, index].sum(axis=0))
        own = score_str(videos, len(checked.recognised.classes), scope).recognition.f1
        assert pooled == pytest.approx(own, nan_ok=True)


def test_a_summary_is_audited_seed_by_seed(seeded: Path, cli: Any) -> None:
    """Each seed's run is spotted and recognised again in part, its record kept in its own
    folder, as a summary over seeds of any kind is audited."""
    code, out, err = cli("audit", seeded, "--folds", "1", "--seed", "0")
    assert code == 0, out + err
    assert "seed 0: audit passed" in out and "seed 1: audit passed" in out
    assert "audit passed: each of the 2 seed runs matches" in out
    for seed in (0, 1):
        assert (seeded / f"seed-{seed}" / "audit.json").is_file()
    code, out, err = cli("validate", seeded)
    assert code == 0 and out.count("audit.json: 1 audit(s)") == 2, err


def test_the_page_shows_one_row_for_copies_and_none_for_a_summary_of_rejected_runs(
        seeded: Path, tmp_path: Path, cli: Any, read_tables: Any) -> None:
    """Copies of one summary are one row, as copies of a run are; a summary whose seed run
    the page rejects (here seed 1's, beside a copy whose seed 1 is seed 0's emotions
    relabelled, a summary made of it with merbench's own function) is rejected with it,
    not shown beside the runs it rests on (the review of this change)."""
    from merbench.results.codec import to_json
    from merbench.results.schema import now_iso
    from merbench.spotting.str_over_seeds import summarise_str_seeds

    results = seeded.parent
    shutil.copytree(seeded, results / "copy")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out",
                       tmp_path / "site", "--strict")
    assert code == 0, err
    tables = read_tables((tmp_path / "site" / "spotting.html").read_text())
    assert [len(rows) for name, rows in tables.items()
            if name.startswith("str-seeds-reduced-")] == [1]
    forged = results / "copy"
    relabelled = _json(forged / "seed-0" / "str.json")
    relabelled["recogniser"]["seed"] = 1
    (forged / "seed-1" / "str.json").write_text(json.dumps(relabelled))
    runs = [validate_spotting_and_str(forged / f"seed-{seed}") for seed in (0, 1)]
    summary = summarise_str_seeds(runs[0].results, [r.recognised for r in runs], [0, 1],
                                  {"0": "seed-0", "1": "seed-1"}, now_iso())
    (forged / STR_SEEDS_FILE).write_text(json.dumps(to_json(summary)))
    assert cli("validate", forged)[0] == 0  # alone, it cannot be told from a genuine one
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site2")
    assert code == 0, err
    page = (tmp_path / "site2" / "spotting.html").read_text()
    assert "str-seeds-reduced-table" not in page
    assert out.count("spotting run (seed-1) is not published") + \
        err.count("spotting run (seed-1) is not published") == 2, out + err
