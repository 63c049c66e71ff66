"""Findings of adversarial passes 84s and 84u (issue 84) mended by the lead: S19 (a
definition's size), S15 (a stop in a first epoch), U10 (convert-weights) and U11
(export's own files), and show/audit quoting status for a result under way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_a_huge_benchmark_definition_is_refused_unread(tmp_path: Path, cli) -> None:
    """S19: a 200 MB definition was read whole, then called "not readable JSON"; it is now
    refused by its size before it is opened, as a plan or a --trust file is."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    with open(benches / "x.json", "wb") as sparse:
        sparse.truncate(200 << 20)
    (tmp_path / "results").mkdir()
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches,
                       "--results", tmp_path / "results")
    assert code == 2 and err.count("\n") == 1, err
    assert (f"benchmark {benches / 'x.json'} is 209,715,200 bytes, more than the 1,048,576 "
            "any benchmark definition needs; fix the definition or remove it from "
            "--benchmarks") in err, err


def test_a_benchmark_definition_that_is_a_fifo_is_refused_unopened(tmp_path: Path,
                                                                   cli) -> None:
    """The size check stats the entry first: a fifo is named, never opened (no hang)."""
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    os.mkfifo(benches / "y.json")
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches,
                       "--results", tmp_path)
    assert code == 2 and "y.json is a fifo, not a regular file" in err, err


def test_a_stop_in_a_folds_first_epoch_is_not_said_as_one_before_training(
        tmp_path: Path, cli, monkeypatch) -> None:
    """S15: a stop during the first fold's first epoch (the notice had promised that fold's
    epoch end) ended with "it stopped before training began"; a fold had begun, so the line
    says what is kept of the run's folder."""
    import shutil

    import merbench.cli.run_command as run_command
    from merbench.training.epoch_end_stop import stop_at_epoch_end

    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--device", "cpu", "--quiet", "--out", tmp_path / "r")
    assert code == 0, err
    shutil.rmtree(tmp_path / "r" / "folds")
    (tmp_path / "r" / "results.json").unlink()

    def first_epoch_stopped(*_: object, **__: object) -> None:
        with stop_at_epoch_end("fold syn1/s01", enabled=False):
            raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "run", first_epoch_stopped)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--device", "cpu", "--quiet", "--out", tmp_path / "r")
    assert code == 130, err
    assert "before training began" not in err, err
    assert (f"no fold had finished yet in {tmp_path / 'r'}, and no fold had saved its state; "
            "a new run starts from the beginning") in err, err


def test_show_and_audit_of_a_run_under_way_quote_status_as_validate_does(tmp_path: Path,
                                                                         cli) -> None:
    """validate and compare quoted status's line for a run still training; show and audit
    said only "'merbench status DIR' says how far it has got"."""
    import shutil

    from conftest import COMMITTED_RESULTS

    run = Path(shutil.copytree(COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo",
                               tmp_path / "run"))
    (run / "results.json").unlink()
    _, out, _ = cli("status", run)
    line = out.strip().removeprefix(f"{run}: ")
    assert "3/3 folds" in line, out
    for command in ("validate", "show", "audit"):
        code, _, err = cli(command, run)
        assert code != 0 and line in err and "says how far" not in err, (command, err)


def test_a_model_with_no_authors_mapping_is_said_before_the_file_is_read(tmp_path: Path,
                                                                        cli) -> None:
    """84u U10: a checkpoint torch cannot read as weights only was blamed first ("save it
    again with torch.save(...)"), a fix after which the command still refused: the model has
    no mapping. The model is asked first; the file is never read."""
    import pickle

    with open(tmp_path / "pk.pth", "wb") as file:
        pickle.dump({"a": 1}, file)
    code, _, err = cli("convert-weights", "lbp-apex-svm", tmp_path / "pk.pth", "--out",
                       tmp_path / "out.pth")
    assert code == 2 and err.count("\n") == 1, err
    assert "model 'lbp-apex-svm' has no mapping from its authors' weights" in err, err
    assert "torch.save" not in err, err


def _command_outputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """What export, export --compare and extract --save write, as they lay it out (the
    content of the report is not what marks it: its name is)."""
    import json
    import zipfile

    export = tmp_path / "export"
    export.mkdir()
    (export / "export-report.json").write_text("{}")
    compared = tmp_path / "fidelity.json"
    compared.write_text(json.dumps({"release": "r", "compared": 1, "not_in_release": [],
                                    "channels": {}, "samples": []}))
    features = tmp_path / "features.npz"
    with zipfile.ZipFile(features, "w") as archive:
        for name in ("values.npy", "sample_ids.npy", "header.npy"):
            archive.writestr(name, b"")
    return {"export folder": (export, "is the output of 'merbench export'"),
            "export report": (export / "export-report.json",
                              "is the output of 'merbench export'"),
            "export --compare": (compared, "is the comparison 'merbench export --compare' "
                                           "wrote"),
            "extract --save": (features, "is a features file 'merbench extract --save' "
                                         "wrote")}


@pytest.mark.parametrize("output", ["export folder", "export report", "export --compare",
                                    "extract --save"])
def test_another_commands_output_is_named_alike_by_every_command(tmp_path: Path, cli,
                                                                output: str) -> None:
    """84u U11: export's report was "has no integer schema_version; is it a merbench
    result?" to validate, "no file a merbench result is written in" to show, "not a
    directory" to status; a features file "not UTF-8" to validate; and compare of two
    such outputs said one was "inside" the other "(a seed run its summary averages)"."""
    from conftest import COMMITTED_RESULTS

    path, said = _command_outputs(tmp_path)[output]
    run = COMMITTED_RESULTS / "biwoof-release-svm-composite-lodo"
    for command in (["validate"], ["show"], ["status"], ["audit"], ["migrate"],
                    ["compare", run]):
        code, _, err = cli(*command, path)
        assert code == 2 and (f"{path}: {said}" in err or f"{path} {said}" in err), \
            (command, err)
        assert "not a result merbench checks, shows or resumes" in err, (command, err)


@pytest.mark.parametrize(("field", "text"), [("title", "A\x1b[2J\u202eB"), ("id", "lo\x00so"),
                                              ("description", "a\u200fb")])
def test_a_definition_text_that_cannot_be_shown_is_refused(tmp_path: Path, cli, field: str,
                                                           text: str) -> None:
    """84v V11: a title holding an escape sequence and a direction mark built a site and was
    listed as Python's escapes; every text of a definition reaches a page or a terminal."""
    import json

    from conftest import REPOSITORY

    shipped = json.loads((REPOSITORY / "merbench" / "leaderboard" / "definitions"
                          / "loso-samm-5class.json").read_text())
    shipped[field] = text
    benches = tmp_path / "benchmarks"
    benches.mkdir()
    (benches / "a.json").write_text(json.dumps(shipped))
    code, _, err = cli("leaderboard", "list", "--benchmarks", benches)
    assert code == 2 and err.count("\n") == 1, err
    assert (f"benchmark {benches / 'a.json'}: '{field}' holds a character that cannot be "
            "shown (a control character or a direction mark); write it in plain, printable "
            "text") in err, err
