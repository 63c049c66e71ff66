"""A benchmark definition's class set (``dataset_options.classes``) of a raw database that
names none of its sets, and the run's refusal of one given as no text (pass 84p, P4).

The typed-options check of a definition (pass 84n, N3) took ``"classes": true``, ``2.5`` or
``"five"``: a class set is a dataset's own choice, checked only when the dataset was built
from its files, which a definition never is. It loaded as a benchmark no run could ever be
of (``0 runs``, status 0), whose page printed ``--dataset-opt classes=true``, a command
``merbench run`` refused as "unknown class set True" (Python's spelling, not the user's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from definition_listing import listed_definition
from refusal_line import refusal_line

SETS = "choose --dataset-opt classes=N with N one of 5 (anger, contempt, happiness, " \
       "surprise, others); 3 (negative, positive, surprise)"


@pytest.mark.parametrize(("classes", "shown"), [
    (2.5, "2.5"), ("2.5", "2.5"), ("five", "'five'"), (True, "true"), ("true", "true"),
    (4, "'4'"), (None, "null"),
])
def test_a_class_set_the_database_lacks_is_refused_in_a_definition(
        cli, tmp_path: Path, classes: object, shown: str) -> None:
    code, out, err, path = listed_definition(cli, tmp_path, "fake-samm", "samm",
                                            {"classes": classes})
    line = refusal_line(code, out, err)
    assert line == (f"merbench: error: benchmark {path}: 'dataset_options' unknown class set "
                    f"{shown}; {SETS}"), line
    assert line.count(str(path)) == 1 and "True" not in line


@pytest.mark.parametrize("classes", [5, 5.0, "05", "+5", "5e0", "5.0", "3-class", 3])
def test_every_spelling_of_a_class_set_is_still_taken(cli, tmp_path: Path,
                                                      classes: object) -> None:
    code, out, err, _ = listed_definition(cli, tmp_path, "fake-samm", "samm",
                                         {"classes": classes})
    assert code == 0 and "fake-samm " in out, out + err


@pytest.mark.parametrize(("given", "shown"), [("true", "true"), ("2.5", "2.5"),
                                              ("five", "'five'")])
def test_the_run_says_the_value_as_given(cli, tmp_path: Path, given: str, shown: str) -> None:
    """Refused before any file is read: no --data-root is needed to be told."""
    line = refusal_line(*cli("extract", "-d", "samm", "--data-root", tmp_path / "none",
                             "-f", "tvl1-uvos", "--dataset-opt", f"classes={given}", "-q"))
    assert line == f"merbench: error: samm: unknown class set {shown}; {SETS}", line
