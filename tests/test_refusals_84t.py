"""What pass 84g found in the places and inputs commands take: ``--out nosuch/../RESULT``
got past the result-folder guard of export, predict, spot and tune (tune replaced a
finished run's predictions.csv); ``--weights`` blamed the wrong cause; odd
MERBENCH_CACHE_DIR values were told as bad cache files; and several minor wordings.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TUNE_PLAN = Path(__file__).resolve().parents[1] / "examples" / "tune-synthetic.toml"

WRITERS = {
    "export": ("export", "--dataset", "casme2", "--data-root", "CASME2", "--quiet",
               "--workers", "1", "--layout", "htnet", "--out"),
    "predict": ("predict", "--quiet", "-d", "synthetic-long", "--video",
                "synthetic-long/sub01/v1", "--out"),
    "spot": ("spot", "--spotter", "flow-peak", "--quiet", "--dataset", "synthetic-long",
             "--tune", "p=0.1", "--out"),
    "tune": ("tune", TUNE_PLAN, "--threads", "1", "--quiet", "--out"),
}


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_an_out_through_a_missing_folder_into_a_result_is_refused(
        examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli,
        command: str) -> None:
    """G4: ``nosuch/../RESULT`` names no entry while ``nosuch`` is missing, so the guard
    took it as new; the command then made ``nosuch`` and wrote through ``..`` into the
    finished run (tune replaced its predictions.csv). Refused as ``--out RESULT`` is, and
    nothing is made first."""
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "res"))
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*WRITERS[command], "nosuch/../res")
    assert code == 2, err
    assert err.strip().splitlines() == [
        "merbench: error: --out nosuch/../res is the folder of a merbench result (it holds "
        "run.json), whose files are its own; give a new folder"], err
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


RUN = ("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--quiet")


@pytest.mark.parametrize(("address", "said"), [
    ("", "--ray-address is empty; give the head's HOST:PORT (e.g. 10.0.0.5:6379), or leave "
         "it out to start Ray on this machine"),
    (" ", "--ray-address is empty"),
    ("notahost:99999", "--ray-address 'notahost:99999' gives port 99999, out of the range of "
                       "ports, 1 to 65535"),
    ("notahost.invalid:6379", "no Ray cluster answers at notahost.invalid:6379: no host "
                              "named 'notahost.invalid' is known here"),
], ids=["empty", "blank", "port", "unknown-host"])
def test_a_ray_address_that_names_no_head_is_refused(tmp_path: Path, cli, address: str,
                                                     said: str) -> None:
    """G9: ``--ray-address ''`` started a local Ray; port 99999 was resolved first and told
    to 'ray start --head --port 99999'; the resolver's "(Name or service not known)"."""
    code, _, err = cli(*RUN, "--executor", "ray", "--ray-address", address,
                       "--out", tmp_path / "r")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert said in err and "Name or service" not in err and "--port 99999" not in err, err
    assert not (tmp_path / "r").exists()


def test_a_plugin_both_left_out_and_asked_for_is_refused(cli) -> None:
    """G9: ``--no-plugin cnn -p cnn`` was taken without a word, --no-plugin winning."""
    code, out, err = cli("list", "models", "--no-plugin", "cnn", "-p", "cnn")
    assert (code, out) == (2, ""), err
    assert err == "merbench: error: --no-plugin cnn and --plugin cnn contradict each other: " \
        "one leaves the plugin out, the other loads it; give one of them\n"


@pytest.mark.parametrize("seed", ["1.5", "abc"])
def test_a_seed_that_is_no_whole_number_is_said_to_be_none(tmp_path: Path, cli,
                                                           seed: str) -> None:
    """G9: ``--seed 1.5`` said "must be a non-negative integer in range ... (got 1.5)"; a
    whole number written 0.0 is the seed 0 (pass 84h, N8)."""
    code, _, err = cli(*RUN, "--seed", seed, "--out", tmp_path / "r")
    assert code == 2 and err == f"merbench: error: --seed takes a whole number, not " \
        f"'{seed}' (a seed is 0 to 18446744073709551615)\n", err


@pytest.mark.parametrize("args", [("-x", "OLD"), ("OLD", "-x"), ("-xyz", "OLD")])
def test_an_unknown_short_option_of_diff_is_said_to_be_unknown(tmp_path: Path, cli,
                                                               args: tuple[str, ...]) -> None:
    """G9: ``leaderboard diff -x DIR`` said "needs NEW: the results after": the unknown
    option was dropped unsaid, leaving NEW missing."""
    given = [str(tmp_path) if a == "OLD" else a for a in args]
    code, _, err = cli("leaderboard", "diff", *given)
    option = next(a for a in args if a.startswith("-"))
    assert code == 2 and err.startswith(f"merbench: error: unknown option {option}"), err
    assert "needs NEW" not in err


@pytest.mark.parametrize(("given", "said"), [
    ("HEAD:", "'HEAD:' names no folder after its ':'"),
    (":", "':' names no git revision before its ':'"),
])
def test_a_revision_path_with_a_part_left_out_names_it(tmp_path: Path, cli, given: str,
                                                       said: str) -> None:
    """G9: ``diff 'HEAD:' DIR`` said "no folder  at git revision HEAD" (an empty path)."""
    code, _, err = cli("leaderboard", "diff", given, tmp_path)
    assert code == 2 and err == f"merbench: error: {said}; give REV:PATH, such as " \
        "origin/main:leaderboards/results\n", err


def _stopped_run(examples: dict[str, Path], target: Path) -> Path:
    """A copy of a finished run as a run stopped before its results were written."""
    run = Path(shutil.copytree(examples["emotion run"], target))
    for name in ("results.json", "predictions.csv"):
        (run / name).unlink(missing_ok=True)
    return run


def test_status_gives_the_advice_run_gives_for_a_damaged_fold_file(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """G9: status advised running again for a damaged fold file, which the run then refused
    with "delete that one file and run again"."""
    run = _stopped_run(examples, tmp_path / "run")
    fold = sorted((run / "folds").glob("fold-*.npz"))[0]
    fold.write_bytes(fold.read_bytes()[:100])
    code, out, err = cli("status", run)
    assert code == 0, err
    assert f"1 damaged fold file(s) (folds/{fold.name}): delete it, then run the same " \
        "command (or 'merbench run --resume DIR') to retrain only that fold" in out, out
    assert out.count("run the same command") == 1, out
    code, _, err = cli("run", "--resume", run, "--quiet")
    assert code == 2 and "delete that one file and run again" in err, err


def test_resume_of_a_run_whose_run_json_was_edited_gives_advice_for_resume(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """G9: ``run --resume DIR`` over an edited run.json said "--out DIR holds a different
    run ...; choose another --out", though no --out was given."""
    import json

    run = _stopped_run(examples, tmp_path / "run")
    recorded = json.loads((run / "run.json").read_text())
    recorded["config"]["lr"] = 0.125
    (run / "run.json").write_text(json.dumps(recorded))
    code, _, err = cli("run", "--resume", run, "--quiet")
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"merbench: error: --resume {run}: its run.json disagrees with "
                          "itself (hyperparameters.lr: 0.125 here"), err
    assert err.rstrip().endswith("restore run.json from a copy of the run, or start the run "
                                 "again with another --out"), err
    assert "choose another --out" not in err


def test_a_deep_out_is_said_as_deep_as_it_was_given(tmp_path: Path, cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """G9: ``--out`` of 1,500 folders was said to be "1,504 folders deep" (the current
    folder's depth counted too)."""
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(*RUN, "--out", "/".join(["d"] * 1500))
    assert code == 2 and "is 1,500 folders deep, more than the 100 merbench makes" in err, err
