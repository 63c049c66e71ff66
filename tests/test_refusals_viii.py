"""What the eighth adversarial pass (issue 69) left open: a summary over seeds that
``status`` passed over in silence (of every kind: issue 82), ``--resume`` of a ``--seeds``
folder, and the JSON decoder's own words in one-line refusals. The stop that an import or a
finaliser swallowed is ``tests/test_interrupt_points.py``; another recogniser refused before
spotting is ``tests/test_spot_recognise.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.test_refusals_84v_seeds import RUN_OR_SWEEP

SUMMARIES = [("summary over seeds", "seeds.json"),
             ("action-unit summary over seeds", "au-seeds.json")]
#: every kind of summary over seeds, with the command that writes it: status names a damaged
#: one of each (issue 82), not only those of ``merbench run``
EVERY_SUMMARY = [(*SUMMARIES[0], RUN_OR_SWEEP),
                 (*SUMMARIES[1], "merbench run --seeds command"),
                 ("tuning summary over seeds", "tune-seeds.json", "merbench tune --seeds command"),
                 ("spot-then-recognise summary over seeds", "str-seeds.json",
                  "merbench spot --seeds command")]


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


@pytest.mark.parametrize(("kind", "summary", "command"), EVERY_SUMMARY)
def test_status_says_a_summary_it_cannot_read(examples: dict[str, Path], tmp_path: Path,
                                              cli, kind: str, summary: str, command: str
                                              ) -> None:
    folder = _copy(examples[kind], tmp_path / "seeds")
    (folder / summary).write_text('{"runs":\n')
    code, out, _ = cli("status", folder)
    assert code == 0, out
    assert (f"its {summary} cannot be read (not JSON at line 2, column 1; 'merbench "
            f"validate' says more); the same {command} writes it again") in out
    assert "seed-0" in out and "seed-1" in out  # its seed runs are still shown


@pytest.mark.parametrize(("kind", "summary", "command"), EVERY_SUMMARY)
def test_status_says_a_listed_seed_run_that_is_gone(examples: dict[str, Path], tmp_path: Path,
                                                    cli, kind: str, summary: str, command: str
                                                    ) -> None:
    folder = _copy(examples[kind], tmp_path / "seeds")
    shutil.rmtree(folder / "seed-1")
    code, out, _ = cli("status", folder)
    assert code == 0 and "seed 1's run folder seed-1 is missing; restore it, or run the " \
        f"same {command} again, which trains it" in out, out


@pytest.mark.parametrize(("kind", "summary", "command"), EVERY_SUMMARY)
@pytest.mark.parametrize("damage", ["empty", "fifo", "unlisted run"])
def test_status_names_a_damaged_summary_of_every_kind(examples: dict[str, Path],
                                                      tmp_path: Path, cli, kind: str,
                                                      summary: str, command: str,
                                                      damage: str) -> None:
    """A tuning's or a spot-then-recognise summary is said as a run's is: empty, no file,
    or beside a seed run it does not list."""
    folder = _copy(examples[kind], tmp_path / "seeds")
    if damage == "empty":
        (folder / summary).write_text("")
        said = f"its {summary} is empty ('merbench validate' says why); the same {command} " \
               "writes it again"
    elif damage == "fifo":
        (folder / summary).unlink()
        os.mkfifo(folder / summary)
        said = f"{summary} is a fifo, which merbench never reads"
    else:
        shutil.copytree(folder / "seed-1", folder / "seed-9")
        said = "seed-9 holds seed 1, a copy of seed-1: move seed-9 out of seeds"
    code, out, _ = cli("status", folder)
    assert code == 0 and said in out, out
    assert "seed-0" in out  # its seed runs are still shown


@pytest.mark.parametrize(("kind", "command"), [("tuning summary over seeds", "merbench tune"),
                                               ("spot-then-recognise summary over seeds",
                                                "merbench spot")])
def test_resume_of_another_commands_seeds_folder_names_that_command(
        examples: dict[str, Path], cli, kind: str, command: str) -> None:
    """``run --resume`` of a ``tune --seeds`` or ``spot --seeds`` folder said its run.json
    was unreadable; the kind says what the folder is, and which command goes on with it."""
    folder = examples[kind]
    code, _, err = cli("run", "--resume", folder)
    assert code == 2 and f"--resume {folder} is a {kind}, not a run; the same {command} " \
                         "--seeds command goes on with it" in err, err


@pytest.mark.parametrize(("kind", "summary"), SUMMARIES)
def test_resume_of_a_seeds_folder_says_how_to_go_on(examples: dict[str, Path], cli,
                                                    kind: str, summary: str) -> None:
    folder = examples[kind]
    code, _, err = cli("run", "--resume", folder)
    assert code == 2 and "is a --seeds folder, not one run; run the same merbench run " \
                         "--seeds command" in err, err
    assert f"--resume one seed's run ({folder / 'seed-0'})" in err
    assert "no run.json" not in err


@pytest.mark.parametrize(("kind", "file"), [("summary over seeds", "seeds.json"),
                                            ("action-unit summary over seeds", "au-seeds.json"),
                                            ("spotting run", "spot-run.json")])
@pytest.mark.parametrize(("text", "said"), [("", "it is empty"),
                                            ("{\n  x", "not JSON at line 2, column 3")])
def test_an_empty_or_broken_json_file_is_said_in_words(examples: dict[str, Path], tmp_path: Path,
                                                       cli, kind: str, file: str, text: str,
                                                       said: str) -> None:
    """The refusals quoted the decoder: "(Expecting value: line 1 column 1 (char 0))"."""
    folder = _copy(examples[kind], tmp_path / "result")
    (folder / file).write_text(text)
    code, out, err = cli("validate", folder)
    assert code == 2 and "Expecting" not in err + out and "char " not in err + out, err
    if file != "spot-run.json":  # validate names spot-run.json unreadable; status says why
        assert said in err, err
    code, out, err = cli("status", folder)
    assert "Expecting" not in out + err and said.removeprefix("it ") in out + err, (out, err)


def test_a_fifo_given_to_validate_is_said_without_asking_for_the_file_itself(
        tmp_path: Path, cli) -> None:
    import os

    os.mkfifo(tmp_path / "given")
    code, _, err = cli("validate", tmp_path / "given")
    assert code == 2 and "is a fifo, not a result; give a run directory" in err, err
    assert "itself" not in err
    assert json.dumps(err)  # one line of text
