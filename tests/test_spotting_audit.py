"""``merbench audit`` of a spotting run (issue 69, case 7).

Each forgery here rewrites ``spotting.json`` with merbench's own functions, so that ``validate``
recomputes every number and accepts it, as an adversarial pass found on 36986b2: the spotted
intervals replaced by the ground truth (F1 .42 -> 1.00), the ground truth replaced by the
spotted intervals, a subject's videos dropped. The audit reads the data again and spots again,
and refuses each; a genuine run passes, learned spotter (fitted again) included.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from merbench.results.codec import from_json, to_json
from merbench.spotting.choice import subject_of, summarise, truth_fingerprint
from merbench.spotting.record import SpottedVideo, SpottingResults, VideoFile

SMALL = ("--dataset", "synthetic-long", "--dataset-opt", "subjects=3",
         "--dataset-opt", "videos_per_subject=1", "--quiet")


#: the learned spotter's boosting cut to 10 rounds (of 100): these tests check that an audit
#: fits it again and compares, not how well it spots, and its 18 fits were most of the
#: file's CPU (its run and two audits, 28 s); the run records the option, so the audit
#: fits as the run did
LEARNED = {"flow-peak": [], "flow-score": ["--spotter-opt", "max_iter=10"]}


@pytest.fixture(scope="module")
def spotted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from merbench.cli import main

    runs = {}
    for spotter, options in LEARNED.items():
        out = tmp_path_factory.mktemp("spotted") / spotter
        assert main(["spot", "--spotter", spotter, *options, *SMALL, "--out", str(out)]) == 0
        runs[spotter] = out
    return runs


Change = Callable[[list[SpottedVideo]], list[SpottedVideo]]


def _rewritten(source: Path, target: Path, change: Change) -> Path:
    """``source`` copied to ``target`` with its videos changed and every score recomputed,
    and the video files it was summarised from rewritten to match (a consistent forgery)."""
    shutil.copytree(source, target)
    results = from_json(SpottingResults, json.loads((target / "spotting.json").read_text()))
    videos = change(list(results.videos))
    identity = json.loads((target / "spot-run.json").read_text())
    if "n_videos" in identity:  # the count of videos the run records, forged too
        identity["n_videos"] = len(videos)
        (target / "spot-run.json").write_text(json.dumps(identity))
    shutil.rmtree(target / "videos")
    (target / "videos").mkdir()
    for index, video in enumerate(videos):
        (target / "videos" / f"{index:04d}.json").write_text(
            json.dumps(to_json(VideoFile(identity, video))))
    results = dataclasses.replace(
        results, videos=videos, policies=summarise(videos, len(results.variants)),
        dataset=dataclasses.replace(
            results.dataset, n_videos=len(videos),
            n_subjects=len({subject_of(v) for v in videos}),
            fingerprint=truth_fingerprint(videos)))
    (target / "spotting.json").write_text(json.dumps(to_json(results)))
    return target


FORGERIES: dict[str, tuple[Change, str]] = {
    "spotted intervals set to the truth": (
        lambda videos: [dataclasses.replace(v, spotted=[list(v.truth) for _ in v.spotted])
                        for v in videos],
        "differ from what the run stored"),
    "truth set to the spotted intervals": (
        lambda videos: [dataclasses.replace(v, truth=list(v.spotted[0])) for v in videos],
        "its frames or ground truth differ from the dataset's"),
    "a subject dropped": (
        lambda videos: [v for v in videos if v.subject != "sub02"],
        "the dataset holds subject synthetic-long/sub02, whose videos the run does not have"),
}


@pytest.mark.parametrize("spotter", ["flow-peak", "flow-score"])
def test_a_genuine_spotting_run_passes_its_audit(spotted: dict[str, Path], spotter: str,
                                                 tmp_path: Path, cli) -> None:
    genuine = shutil.copytree(spotted[spotter], tmp_path / "genuine")  # its record is kept
    code, out, err = cli("audit", genuine, "--folds", "2", "--seed", "3")
    assert code == 0, err
    assert out.count(": identical") == 2 and "audit passed: the dataset is the run's" in out


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_spotting_forgery_validate_accepts_fails_its_audit(spotted: dict[str, Path],
                                                             tmp_path: Path, forgery: str,
                                                             cli) -> None:
    change, said = FORGERIES[forgery]
    forged = _rewritten(spotted["flow-peak"], tmp_path / "forged", change)
    code, _, err = cli("validate", forged)
    assert code == 0, err  # every number recomputes: only the data and the spotter can tell
    code, out, _ = cli("audit", forged, "--folds", "all")
    assert code == 1 and "audit FAILED" in out and said in out, out


def test_a_forged_fit_choice_validate_accepts_fails_its_audit(spotted: dict[str, Path],
                                                             tmp_path: Path, cli) -> None:
    """A learned spotter's recorded choice (a threshold chosen on held-out training
    subjects, say, where the fit fell back to a default) is fitted again and compared."""
    forged = _rewritten(spotted["flow-score"], tmp_path / "forged", lambda videos: [
        dataclasses.replace(v, fitted=[{**f, "chosen": "forged"} for f in v.fitted or []])
        for v in videos])
    code, _, err = cli("validate", forged)
    assert code == 0, err
    code, out, _ = cli("audit", forged, "--folds", "1", "--seed", "0")
    assert code == 1 and "audit FAILED" in out, out
    assert "chosen=forged, fitted again it chose" in out, out


def test_copies_of_one_spotting_claim_must_hold_the_same_intervals(spotted: dict[str, Path],
                                                                   tmp_path: Path,
                                                                   cli) -> None:
    """A forged copy (F1 1.0) beside the genuine run (F1 0.4) was ranked above it on a
    strict build, and identical copies showed as three rows (the adversarial pass of
    issue 69): spotters are deterministic, so copies of one claim must hold the same
    intervals; otherwise every copy is rejected."""
    genuine = spotted["flow-peak"]
    results = tmp_path / "results"
    shutil.copytree(genuine, results / "genuine")
    shutil.copytree(genuine, results / "copy")
    code, out, err = cli("validate", results / "genuine", results / "copy")
    assert code == 0 and "reproduced 2x" in out, err
    change, _ = FORGERIES["spotted intervals set to the truth"]
    _rewritten(genuine, results / "forged", change)
    code, out, err = cli("validate", results / "genuine", results / "forged")
    assert code == 2 and err.count("with other results: one of them was edited") == 2
    assert "ok:" not in out
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and "3 rejected" in out, err
    page = (tmp_path / "site" / "spotting.html").read_text()
    assert 'href="spotting/' not in page  # no row of the three is shown


def test_copies_differing_only_in_timings_are_one_claim(spotted: dict[str, Path],
                                                       tmp_path: Path, cli) -> None:
    """Two genuine runs of one claim differ in how long the spotter took on each video
    (``seconds``), the run's date and wall time: the evidence is what the run computed, so
    they are one row (docs/spotting.md's runs and their STRS seeds were rejected as edited);
    a copy with one interval changed is still rejected."""
    genuine = spotted["flow-peak"]
    results = tmp_path / "results"
    shutil.copytree(genuine, results / "genuine")
    slower = _rewritten(genuine, results / "slower", lambda videos: [
        dataclasses.replace(v, seconds=v.seconds * 3 + 1.5) for v in videos])
    record = json.loads((slower / "spotting.json").read_text())
    record["created"] = "2026-01-02T03:04:05+00:00"
    record["wall_time_s"] = record["wall_time_s"] * 3 + 7.0
    (slower / "spotting.json").write_text(json.dumps(record))
    code, out, err = cli("validate", results / "genuine", slower)
    assert code == 0 and "reproduced 2x" in out, err
    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site")
    assert code == 0 and "0 rejected; also 1 spotting run)" in out, (out, err)

    def one_interval_moved(videos: list[SpottedVideo]) -> list[SpottedVideo]:
        at = next(i for i, v in enumerate(videos) if v.spotted[0])
        first, *rest = videos[at].spotted[0]
        moved = dataclasses.replace(first, offset=first.offset + 1)
        changed = dataclasses.replace(
            videos[at], spotted=[[moved, *rest], *videos[at].spotted[1:]])
        return [*videos[:at], changed, *videos[at + 1:]]

    _rewritten(genuine, results / "edited", one_interval_moved)
    code, out, err = cli("validate", results / "genuine", results / "edited")
    assert code == 2 and err.count("with other results: one of them was edited") == 2


def test_a_learned_spotters_truth_set_to_the_spotted_is_caught(spotted: dict[str, Path],
                                                               tmp_path: Path, cli) -> None:
    change, said = FORGERIES["spotted intervals set to the truth"]
    forged = _rewritten(spotted["flow-score"], tmp_path / "forged", change)
    code, out, _ = cli("audit", forged, "--folds", "1", "--seed", "0")
    assert code == 1 and said in out, out


@pytest.fixture(scope="module")
def recognised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from merbench.cli import main

    out = tmp_path_factory.mktemp("str") / "spots"
    assert main(["spot", "--spotter", "flow-peak", *SMALL, "--tune", "p=0.2,0.4",
                 "--recognise", "ststnet", "--epochs", "2", "--out", str(out)]) == 0
    return out


def test_spot_then_recognise_emotions_are_recognised_again(recognised: Path, tmp_path: Path,
                                                           cli) -> None:
    """STR emotions set to other classes and every STR score recomputed pass validate
    (issue 69, case 7: emotions set to the truth took STRS .036 to .178); the audit trains
    the chosen subjects' recognisers again and finds them."""
    from merbench.spotting.str_record import StrResults
    from merbench.spotting.str_scores import str_scores

    genuine = shutil.copytree(recognised, tmp_path / "genuine")  # its record is kept there
    code, out, err = cli("audit", genuine, "--folds", "1", "--seed", "2")
    assert code == 0 and "recognised again" in out and ": identical" in out, (out, err)
    forged = Path(shutil.copytree(recognised, tmp_path / "forged"))
    spotting = from_json(SpottingResults, json.loads((forged / "spotting.json").read_text()))
    record = from_json(StrResults, json.loads((forged / "str.json").read_text()))
    n = len(record.classes)
    videos = [dataclasses.replace(video, intervals=[
        dataclasses.replace(interval, emotion=(interval.emotion + 1) % n)
        for interval in video.intervals]) for video in record.videos]
    record = dataclasses.replace(record, videos=videos,
                                 scores=str_scores(spotting, videos, n))
    (forged / "str.json").write_text(json.dumps(to_json(record)))
    code, _, err = cli("validate", forged)
    assert code == 0, err
    code, out, _ = cli("audit", forged, "--folds", "all")
    assert code == 1 and "recognised again" in out and "DIFFERS" in out, out


def test_a_recognisers_claimed_gpu_does_not_loosen_its_audit(recognised: Path, tmp_path: Path,
                                                            cli) -> None:
    """``str.json`` saying its recognisers trained on CUDA, with one emotion changed and the
    scores recomputed: validate accepts it (the device is the run's own claim), and the
    audit, trained again on the CPU, still wants every emotion the same, saying how a run
    that really trained on a GPU is audited (issue 69, case 11: the claim bought a 90%
    tolerance, so one forged emotion in ten passed)."""
    from merbench.spotting.str_record import StrResults
    from merbench.spotting.str_scores import str_scores

    forged = Path(shutil.copytree(recognised, tmp_path / "claims-cuda"))
    spotting = from_json(SpottingResults, json.loads((forged / "spotting.json").read_text()))
    record = from_json(StrResults, json.loads((forged / "str.json").read_text()))
    n = len(record.classes)
    first = next(i for i, video in enumerate(record.videos) if video.intervals)
    video = record.videos[first]
    changed = dataclasses.replace(video.intervals[0], emotion=(video.intervals[0].emotion + 1) % n)
    videos = list(record.videos)
    videos[first] = dataclasses.replace(video, intervals=[changed, *video.intervals[1:]])
    record = dataclasses.replace(record, videos=videos, scores=str_scores(spotting, videos, n),
                                 recogniser=dataclasses.replace(record.recogniser, device="cuda"))
    (forged / "str.json").write_text(json.dumps(to_json(record)))
    assert cli("validate", forged)[0] == 0
    code, out, _ = cli("audit", forged, "--folds", "all")
    assert code == 1 and "DIFFERS" in out, out
    assert "trained again on a CPU: they must be identical; the run says it trained on cuda, " \
        "which only an audit on a GPU can allow for: give --device cuda" in out


def test_a_recognisers_renamed_classes_fail_its_audit(recognised: Path, tmp_path: Path,
                                                       cli) -> None:
    """Fifth pass, finding 4: ``str.json``'s class names are bound to no data (its emotions
    are indices), so two names swapped validate; the audit, which loads the dataset, finds
    them."""
    forged = Path(shutil.copytree(recognised, tmp_path / "classes"))
    record = json.loads((forged / "str.json").read_text())
    record["classes"][0], record["classes"][1] = record["classes"][1], record["classes"][0]
    (forged / "str.json").write_text(json.dumps(record))
    assert cli("validate", forged)[0] == 0
    code, out, err = cli("audit", forged, "--folds", "1")
    assert code == 1 and "are not the dataset's" in out + err, (out, err)


@pytest.mark.parametrize("device", ["\u202e<b>x\x1b", "tpu", "cuda:0 (\x07)"])
def test_a_recognisers_device_must_be_a_device(recognised: Path, tmp_path: Path, cli,
                                               device: str) -> None:
    """Fourth pass, finding 8: ``recogniser.device`` took any text (the claim no longer
    loosens an audit, but a page or a terminal still read it)."""
    forged = Path(shutil.copytree(recognised, tmp_path / "device"))
    record = json.loads((forged / "str.json").read_text())
    record["recogniser"]["device"] = device
    (forged / "str.json").write_text(json.dumps(record))
    code, _, err = cli("validate", forged)
    assert code == 2 and "not a device merbench trains on" in err, err


@pytest.mark.parametrize(("options", "said"), [
    (("--device", "tpu"), "unknown --device 'tpu'"),
    (("--workers", "0"), "--workers must be at least 1 (got 0)"),
    (("--workers", "2"), "is a spotting run, spotted (and recognised) in one process"),
    (("--data-root", "/nonexistent"), "--data-root /nonexistent: no such folder"),
    (("--data-root", "."), "long-video dataset 'synthetic-long' reads no files; leave out "
                           "--data-root"),
])
def test_a_spotting_audit_refuses_an_option_it_would_ignore(
        spotted: dict[str, Path], cli, options: tuple[str, ...], said: str) -> None:
    """Issue 69, case 10: the spotting audit passed with each of these, ignoring them."""
    code, out, err = cli("audit", spotted["flow-peak"], "--folds", "1", *options)
    assert code == 2 and said in err and not out, (out, err)


@pytest.mark.parametrize(("field", "value", "said"), [
    ("created", "1900-01-01T00:00:00+00:00", "is not a date a merbench run could have"),
    ("wall_time_s", -5.0, "wall_time_s is -5.0; a duration is"),
])
def test_a_spotting_file_with_an_impossible_date_or_time_is_rejected(
        spotted: dict[str, Path], tmp_path: Path, field: str, value: object, said: str,
        cli) -> None:
    """A spotting run created in 1900, or in -5 s, validated (issue 69's second pass), while
    an emotion run's file is refused for either."""
    forged = Path(shutil.copytree(spotted["flow-peak"], tmp_path / "forged"))
    record = json.loads((forged / "spotting.json").read_text())
    record[field] = value
    (forged / "spotting.json").write_text(json.dumps(record))
    code, _, err = cli("validate", forged)
    assert code == 2 and said in err, err


def test_an_audited_run_recognised_afterwards_keeps_its_record_and_validates(
        spotted: dict[str, Path], tmp_path: Path, cli) -> None:
    """``spot --recognise`` run again over an audited spotting run wrote ``spotting.json``
    again with a new date, and the audit, now older than the run, rejected the folder. The
    run's record stays as it was; the audit, made before ``str.json``, vouches for nothing
    now, and an audit made after counts."""
    run = shutil.copytree(spotted["flow-peak"], tmp_path / "run")
    assert cli("audit", run, "--folds", "1", "--seed", "0")[0] == 0
    before = (run / "spotting.json").read_bytes()
    code, _, err = cli("spot", "--spotter", "flow-peak", *SMALL, "--recognise", "ststnet",
                       "--epochs", "1", "--out", run)
    assert code == 0, err
    assert (run / "spotting.json").read_bytes() == before and (run / "str.json").is_file()
    code, out, err = cli("validate", run)
    assert code == 0 and "it vouches for nothing here" in out, err
    code, out, err = cli("audit", run, "--folds", "1", "--seed", "0")
    assert code == 0 and "recognised again" in out, err
    code, out, err = cli("validate", run)
    assert code == 0 and "audit.json: 2 audit(s); 1 that compared none" in out, err


def test_a_finished_runs_edited_record_is_written_again_by_the_same_command(
        spotted: dict[str, Path], tmp_path: Path, cli) -> None:
    """The same spot command over a finished run keeps its spotting.json only where it is
    what the run gives (but for its date): an edited score was kept and printed as computed
    (the review of the change that keeps it)."""
    run = shutil.copytree(spotted["flow-peak"], tmp_path / "run")
    record = json.loads((run / "spotting.json").read_text())
    record["policies"]["training-subjects"]["scores"]["micro"]["f1"] = 0.99
    (run / "spotting.json").write_text(json.dumps(record))
    code, out, err = cli("spot", "--spotter", "flow-peak", *SMALL, "--out", run)
    assert code == 0 and "F1 0.9900" not in out, err
    assert cli("validate", run)[0] == 0
