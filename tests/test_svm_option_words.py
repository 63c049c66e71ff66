"""The handcrafted SVMs' options as a user meets them on the command line (pass 84o, O5 and
O6): a yes/no value in ``Cs`` is refused, not trained as C = 1; one grid is recorded in one
spelling, whatever the numbers' spelling; a value listed twice is refused as ``spot --tune``
refuses one; and every refusal shows the value as JSON writes it, after the model's name,
never Python's repr (``'abc'``, ``None``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

RUN = ("run", "-m", "biwoof-release-svm", "-d", "synthetic", "--dataset-opt", "subjects=3",
       "--dataset-opt", "samples_per_subject=4", "--threads", "1", "-q")
OWNER = "merbench: error: model 'biwoof-release-svm': "
DEFAULT = "(default [0.01, 0.1, 1.0, 10.0, 100.0, 1000.0])"
POSITIVE = "Cs takes a list of positive numbers, e.g. --model-opt Cs=[0.1,1,10]"


@pytest.mark.parametrize(("option", "said"), [
    ("Cs=[true]", f"Cs=[true]: true is a yes/no value; Cs takes a list of numbers {DEFAULT}"),
    ('Cs=[0.1,"abc"]', f'Cs=[0.1, "abc"]: "abc" is text; Cs takes a list of numbers {DEFAULT}'),
    ("Cs=[0.1,null]", f"Cs=[0.1, null]: null is no number; Cs takes a list of numbers {DEFAULT}"),
    ('Cs={"a":1}', f'Cs={{"a": 1}} is an object; Cs takes a list of numbers {DEFAULT}'),
    ("Cs=-1", f"Cs=-1 is a single number, not a list; Cs takes a list of numbers {DEFAULT}"),
    ("Cs=[1,1]", "Cs=[1, 1] lists 1 twice; give each value once"),
    ("Cs=[0.1,0.10]", "Cs=[0.1, 0.1] lists 0.1 twice; give each value once"),
    ("Cs=[]", f"Cs=[] lists no value; {POSITIVE}"),
    ("Cs=[0.1,-1]", f"Cs=[0.1, -1] lists -1, which is not positive; {POSITIVE}"),
    ("class_weight=[1]", 'class_weight=[1] is neither "balanced" nor null; give '
                         'class_weight="balanced" or class_weight=null'),
    ("inner_splits=1", "inner_splits=1 is not a whole number of 2 or more; give "
                       "inner_splits=2 or more (default 5)"),
])
def test_an_svm_option_is_refused_in_merbench_words(cli, tmp_path: Path, option: str,
                                                     said: str) -> None:
    code, _, err = cli(*RUN, "--model-opt", option, "--out", tmp_path / "r")
    assert code == 2 and err == OWNER + said + "\n", err
    assert not (tmp_path / "r").exists()


def test_one_grid_is_recorded_in_one_spelling(cli, tmp_path: Path) -> None:
    """``Cs=[0.1,"1"]`` was recorded as typed, another identity than ``[0.1,1.0]``."""
    code, _, err = cli(*RUN, "--model-opt", 'Cs=[0.1,"1"]', "--out", tmp_path / "r")
    assert code == 0, err
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["config"]["model_options"] == {"Cs": [0.1, 1.0]}
    assert run["identity"]["model"]["options"] == {"Cs": [0.1, 1.0]}
