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
