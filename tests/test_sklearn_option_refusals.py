"""An option scikit-learn refuses, met as a user meets it (pass 84p, P11): ``--model-opt
criterion=foo`` of a random sklearn_forest was said as Python's ``criterion='foo'`` and the values
criterion takes were dropped. The line now writes the option as JSON, with what the
estimator declares the option takes, in merbench's words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FOREST_RUN, one_line


@pytest.mark.parametrize(("option", "said"), [
    ("criterion=foo", 'criterion="foo" is not a value it takes (criterion takes "entropy", '
                      '"gini" or "log_loss")'),
    ("n_estimators=0", "n_estimators=0 is not a value it takes (n_estimators takes a whole "
                       "number of at least 1)"),
    ("max_features=foo", 'max_features="foo" is not a value it takes (max_features takes a '
                         'whole number of at least 1, a number above 0 and at most 1, "log2", '
                         '"sqrt" or null)'),
])
def test_an_option_scikit_learn_refuses_is_said_with_what_it_takes(
        sklearn_forest, cli, tmp_path: Path, option: str, said: str) -> None:
    code, _, err = cli(*FOREST_RUN, "--model-opt", option, "--out", tmp_path / "rf")
    line = one_line(err)
    assert code == 2 and line == (
        f"merbench: error: model 'sk-rf' failed its first training step, before any fold "
        f"finished: {said}; change the option. This run kept no fold"), line
    assert "'" not in line.split("finished:")[1] and not (tmp_path / "rf").exists()
