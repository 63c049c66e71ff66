"""A Python exception said in words, never by its class's name (an adversarial pass of
issue 84): tune's check of a search's corners said "(KeyError: 'dim')" where a model option
broke the model in a way of Python's, and validate's recomputation said "(TypeError: ...)"
of a file it could not check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from merbench.base.errors import in_words

TUNE = ('model = "ststnet"\ndataset = "synthetic"\ninner_folds = 2\n'
        "dataset_options = {subjects = 3, databases = 1, samples_per_subject = 3}\n"
        '[options]\nepochs = 1\n[search]\nsampler = "grid"\n'
        "[space]\nlr = {choices = [0.001, 0.03]}\n")


@pytest.mark.parametrize(("raised", "said"), [
    (KeyError("dim"), "('dim' is missing)"),
    (ValueError("dim must be even\nmore detail"), "(dim must be even)"),
    (ZeroDivisionError(), "(a zero division error)"),
])
def test_tune_says_a_models_failure_in_words(cli, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             raised: Exception, said: str) -> None:
    def fails(*args: Any, **kwargs: Any) -> Any:
        raise raised

    monkeypatch.setattr("merbench.tuning.search_checks.plan_run", fails)
    (tmp_path / "t.toml").write_text(TUNE)
    code, _, err = cli("tune", tmp_path / "t.toml", "--out", tmp_path / "o", "--score", "test")
    assert code == 2 and err.count("\n") == 1, err
    assert f"model 'ststnet' cannot be built with it {said}; narrow the space" in err, err
    assert "Error" not in err, err


def test_in_words_names_no_class() -> None:
    assert in_words(AttributeError()) == "an attribute error"
    assert in_words(IndexError("list index out of range")) == "list index out of range"
