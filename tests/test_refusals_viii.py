"""What the eighth adversarial pass (issue 69) left open: a summary over seeds that
``status`` passed over in silence, ``--resume`` of a ``--seeds`` folder, and the JSON
decoder's own words in one-line refusals. The stop that an import or a finaliser swallowed
is ``tests/test_interrupt_points.py``; another recogniser refused before spotting is
``tests/test_spot_recognise.py``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SUMMARIES = [("summary over seeds", "seeds.json"),
             ("action-unit summary over seeds", "au-seeds.json")]


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target))


@pytest.mark.parametrize(("kind", "summary"), SUMMARIES)
def test_status_says_a_summary_it_cannot_read(examples: dict[str, Path], tmp_path: Path,
                                              cli, kind: str, summary: str) -> None:
    folder = _copy(examples[kind], tmp_path / "seeds")
    (folder / summary).write_text('{"runs":\n')
    code, out, _ = cli("status", folder)
    assert code == 0, out
    assert (f"its {summary} cannot be read (not JSON at line 2, column 1; 'merbench "
            "validate' says more)") in out
    assert "seed-0" in out and "seed-1" in out  # its seed runs are still shown


@pytest.mark.parametrize(("kind", "summary"), SUMMARIES)
def test_status_says_a_listed_seed_run_that_is_gone(examples: dict[str, Path], tmp_path: Path,
                                                    cli, kind: str, summary: str) -> None:
    folder = _copy(examples[kind], tmp_path / "seeds")
    shutil.rmtree(folder / "seed-1")
    code, out, _ = cli("status", folder)
    assert code == 0 and f"its {summary} lists seed 1 in seed-1, which is not in" in out, out


@pytest.mark.parametrize(("kind", "summary"), SUMMARIES)
def test_resume_of_a_seeds_folder_says_how_to_go_on(examples: dict[str, Path], cli,
                                                    kind: str, summary: str) -> None:
    folder = examples[kind]
    code, _, err = cli("run", "--resume", folder)
    assert code == 2 and "is a --seeds folder, not one run; run the same merbench run " \
                         "--seeds command again" in err, err
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
    assert code == 2 and "is a fifo, not a regular file; give a regular file" in err, err
    assert "itself" not in err
    assert json.dumps(err)  # one line of text
