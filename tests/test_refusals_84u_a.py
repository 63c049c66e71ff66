"""Refusals of pass 84u, findings U1 (predict's output handed to ``compare`` as a file, or to
``predict --from-run``, was read as a results file "whose version was edited" or a folder
with "no results.json here"), U5 (a ``--trust`` file naming one key twice) and U9 (absurd
or inapplicable run options taken without a word)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import COMMITTED_RESULTS, one_line

#: a small committed emotion run, the other side of a comparison
RUN = COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo"


def _predicted(tmp_path: Path, recorded: bool) -> Path:
    """A folder as ``merbench predict`` leaves it, in outline; with ``recorded``, the
    recogniser's record naming the run it came from (written with --from-run)."""
    out = tmp_path / "predicted"
    out.mkdir()
    (out / "predictions.json").write_text(json.dumps({"schema_version": 1, "intervals": []}))
    if recorded:
        (out / "recogniser.json").write_text(json.dumps({"run": "/runs/ststnet-seed0"}))
    return out


@pytest.mark.parametrize("recorded", [False, True])
@pytest.mark.parametrize("how", ["compare-file", "compare-file-second", "from-run-file",
                                 "from-run-folder"])
def test_predicts_output_is_named_by_compare_and_from_run(tmp_path: Path, cli, how: str,
                                                          recorded: bool) -> None:
    from merbench.results.prediction_file import PREDICT_OUTPUT

    out = _predicted(tmp_path, recorded)
    given = out if how == "from-run-folder" else out / "predictions.json"
    args: tuple[object, ...] = {
        "compare-file": ("compare", given, RUN),
        "compare-file-second": ("compare", RUN, given),
    }.get(how, ("predict", tmp_path / "frames", "--fps", "30", "--from-run", given,
                "--out", tmp_path / "again"))
    code, _, err = cli(*args)
    line = " ".join(one_line(err).split())
    assert code != 0 and f"{given} {PREDICT_OUTPUT}" in line, line
    assert "version was edited" not in line and "no results.json" not in line, line
    assert line.endswith(": /runs/ststnet-seed0") == recorded, line


def test_every_command_names_the_recorded_run_alike(tmp_path: Path, cli) -> None:
    """validate, show, status and audit say what compare and --from-run say, run and all."""
    from merbench.results.prediction_file import PREDICT_OUTPUT

    out = _predicted(tmp_path, recorded=True)
    for command in ("validate", "show", "status", "audit"):
        code, _, err = cli(command, out)
        line = " ".join(one_line(err).split())
        assert code != 0 and line.endswith(f"{PREDICT_OUTPUT}: /runs/ststnet-seed0"), \
            (command, line)


def _key_line(name: str | None, byte: int = 7) -> str:
    """A public-key line as keygen writes it (any 32 bytes are a key to read)."""
    import base64

    return " ".join(["ed25519", base64.b64encode(bytes([byte]) * 32).decode(),
                     *([name] if name else [])]) + "\n"


def _build(tmp_path: Path, cli, *trust: Path) -> tuple[int, str, str]:
    results = tmp_path / "results"
    results.mkdir(exist_ok=True)
    flags = [part for path in trust for part in ("--trust", path)]
    return cli("leaderboard", "build", "--results", results, "--out", tmp_path / "site",
               *flags)


def test_a_key_given_two_names_in_one_file_is_refused(tmp_path: Path, cli) -> None:
    """U5: the build credited the signer's audits to whichever name came first."""
    from merbench.results.signing_keys import PublicKey, decode_public_key

    keys = tmp_path / "keys.pub"
    keys.write_text("# ring\n" + _key_line("Evil") + _key_line("Other", 8) + _key_line("Tester"))
    code, _, err = _build(tmp_path, cli, keys)
    shown = PublicKey(decode_public_key(_key_line(None).split()[1])).fingerprint
    assert code != 0 and one_line(err) == (
        f'merbench: error: --trust {keys} lines 2 and 4 give key {shown} two names, "Evil" '
        "and \"Tester\"; keep one (the key's owner's)"), err


def test_a_key_given_two_names_in_two_files_names_both(tmp_path: Path, cli) -> None:
    first, second = tmp_path / "a.pub", tmp_path / "b.pub"
    first.write_text(_key_line("Tester"))
    second.write_text("\n" + _key_line("Evil"))
    code, _, err = _build(tmp_path, cli, first, second)
    line = one_line(err)
    assert code != 0 and f"--trust {first} line 1 and --trust {second} line 2 give key" in line
    assert '"Tester" and "Evil"' in line, line


def test_a_key_given_again_under_its_one_name_is_one_key(tmp_path: Path, cli) -> None:
    """Decided: a key ring pasted twice, or a file given twice, is the same trust, so it is
    taken as one key; a copy without a name adds nothing and takes no name away."""
    keys = tmp_path / "keys.pub"
    keys.write_text(_key_line(None) + _key_line("Tester") + _key_line("Tester") + _key_line(None))
    code, out, err = _build(tmp_path, cli, keys, keys)
    assert code == 0, err
    assert "audits count when signed by: " in out and out.count("ed25519:") == 1, out
    assert "(Tester)" in out, out


TINY = ("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
        "1", "--quiet")


@pytest.mark.parametrize(("given", "said"), [
    (("--parallel-folds", "1000000000"),
     "--parallel-folds must be at most 1,024 (got 1000000000): each fold trained at once "
     "holds its own model; leave it out to train as many as free memory holds"),
    (("--parallel-folds", "2e3"), "--parallel-folds must be at most 1,024 (got 2e3)"),
    (("--checkpoint-every", "1e300"),
     "--checkpoint-every must be at most 10,080 minutes, a week (got 1e300); 0 saves no "
     "unfinished fold"),
    (("--checkpoint-every", "10081"), "--checkpoint-every must be at most 10,080 minutes"),
    (("--eager", "--device", "cpu"),
     "--eager applies on CUDA, where epochs are replayed as captured graphs, and the run is "
     "on cpu; give --device cuda, or leave --eager out"),
])
def test_absurd_or_inapplicable_run_options_are_refused(tmp_path: Path, cli,
                                                        given: tuple[str, ...],
                                                        said: str) -> None:
    """U9: each trained and exited 0 without a word; nothing is written before the line."""
    code, _, err = cli(*TINY, *given, "--out", tmp_path / "r")
    assert code == 2 and one_line(err).startswith(f"merbench: error: {said}"), err
    assert not (tmp_path / "r").exists()


def test_the_bounds_hold_in_a_sweep_plan_and_the_api(tmp_path: Path) -> None:
    """The same bounds where the settings come from Python (a sweep plan's are checked by
    the same check_settings_values)."""
    import merbench
    from merbench.base.errors import MerbenchError

    for options in ({"parallel_folds": 10**9}, {"checkpoint_every": 1e300}):
        with pytest.raises(MerbenchError, match="must be at most"):
            merbench.run("ststnet", "synthetic", epochs=1, out=tmp_path / "r", **options)


def test_the_largest_settings_are_still_taken(tmp_path: Path) -> None:
    from merbench.runner.checks import check_settings_values
    from merbench.runner.spec import RunSettings

    check_settings_values(RunSettings(parallel_folds=1024, checkpoint_every=10080.0))


@pytest.mark.parametrize(("device", "eager"), [("cpu", False), ("cuda:0", True)])
def test_an_eager_run_resumed_off_cuda_drops_the_flag(tmp_path: Path, device: str,
                                                      eager: bool) -> None:
    """A run recorded with --eager on CUDA and resumed with --device cpu would be refused
    for a flag --resume cannot take back; it is dropped there, and kept on CUDA."""
    import argparse

    from merbench.cli.run_options import spec_from_args

    run = tmp_path / "r"
    run.mkdir()
    record = json.loads((RUN / "run.json").read_text())
    record["config"].update(eager=True, device="cuda")
    (run / "run.json").write_text(json.dumps(record))
    _, settings = spec_from_args(argparse.Namespace(resume=str(run), device=device))
    assert settings.eager is eager and settings.device == device


def test_a_cpu_rehearsal_of_an_eager_window_trains_without_eager(tmp_path: Path) -> None:
    """The GPU window's --eager jobs, rehearsed on a CPU, would now be refused there."""
    import importlib.util
    import sys

    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    if str(folder) not in sys.path:  # as when it runs: its folder's own modules
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("gpu_rehearsal", folder / "gpu_rehearsal.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    job = ["merbench", "run", "--model", "htnet", "--device", "cpu", "--eager"]
    assert "--eager" not in module.rehearsal_command(job, tmp_path)
    job[5] = "cuda"
    assert "--eager" in module.rehearsal_command(job, tmp_path)
