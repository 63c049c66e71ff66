"""The Python API refuses a keyword of the wrong kind with one MerbenchError that names it as
the call spells it (``epochs=``, never ``--epochs``), before anything runs: unchecked, such
values met a comparison or an attribute deep inside and said Python's ``TypeError``,
``AttributeError`` or ``IndexError``, or torch's text (issue 84, fifth pass, Q1-Q3)."""

from __future__ import annotations

from pathlib import Path

import pytest

import merbench
from merbench import MerbenchError
from merbench.runner.seeds import parse_seeds

RUN_CASES = [
    ({"dataset": None}, r"^merbench\.run\(\): dataset must be a dataset's name .*not None$"),
    ({"dataset": ["synthetic"]},
     r"dataset must be a dataset's name .*not \['synthetic'\] \(a list\)"),
    ({"model": 3}, r"model must be a model's name .*not 3 \(an integer\)"),
    ({"epochs": "1"},
     r"^merbench\.run\(\): epochs must be a whole number or None, not '1' \(a string\)$"),
    ({"epochs": 1.5}, r"epochs must be a whole number or None, not 1\.5 \(a float\)"),
    ({"epochs": True}, r"epochs must be a whole number or None, not True \(a bool\)"),
    ({"lr": "x"}, r"lr must be a number or None, not 'x' \(a string\)"),
    ({"lr": float("nan")}, r"lr=nan is not a finite number"),
    ({"out": 123}, r"out must be a path \(a string or a Path\) or None, not 123 \(an integer\)"),
    ({"out": b"x"}, r"out must be a path .*not b'x' \(bytes\)"),
    ({"out": ""}, r"out='' is an empty path"),
    ({"features": 5}, r"features must be a path \(a string or a Path\) or None, not 5"),
    ({"device": 0}, r"device must be a string, not 0 \(an integer\)"),
    ({"protocol": None}, r"protocol must be a string, not None"),
    ({"checkpoint_every": "x"}, r"checkpoint_every must be a number, not 'x'"),
    ({"model_options": "dropout=0.5"}, r"model_options must be a dict, not 'dropout=0\.5'"),
    ({"dataset_options": [1]}, r"dataset_options must be a dict, not \[1\] \(a list\)"),
    ({"model_options": {1: 2}}, r"model_options takes option names as its keys"),
    ({"plugins": "cnn"}, r"plugins must be a plugin set from .*load_plugins\(\) or None"),
]


@pytest.mark.parametrize(("given", "said"), RUN_CASES, ids=lambda v: str(v)[:40])
def test_run_refuses_a_keyword_of_the_wrong_kind(tmp_path: Path, given: dict[str, object],
                                                  said: str) -> None:
    arguments = {"model": "ststnet", "dataset": "synthetic", "epochs": 1,
                 "out": tmp_path / "run", **given}
    with pytest.raises(MerbenchError, match=said) as caught:
        merbench.run(**arguments)
    assert "--" not in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "run").exists()


def test_run_keeps_taking_what_it_took(tmp_path: Path) -> None:
    """An int for a float field, a Path or a string for a path: checked, not refused (the
    run is refused later, by the plan, for an unknown protocol: nothing trains)."""
    with pytest.raises(MerbenchError, match="protocol"):
        merbench.run("ststnet", "synthetic", lr=1, checkpoint_every=0, data_root=tmp_path,
                     out=str(tmp_path / "run"), protocol="no-such-protocol")


@pytest.mark.parametrize(("seeds", "said"), [
    ([], r"seeds must be a non-empty list of distinct non-negative integers, e.g\. "
         r"seeds=\[0, 1, 2\], not \[\] \(a list\)"),
    (None, r"seeds must be a non-empty list .*not None$"),
    (5, r"not 5 \(an integer\)"),
    ("0,1", r"not '0,1' \(a string\)"),
    ({0: 1}, r"not \{0: 1\} \(a dict\)"),
    ([0, -1], r"each of seeds must be a non-negative integer in range.*\(got -1\)"),
    ([0, 0], r"^merbench\.run_seeds\(\): seeds needs distinct non-negative seeds, e\.g\. "
             r"\[0, 1, 2\] \(got \[0, 0\]\)$"),
])
def test_run_seeds_refuses_seeds_the_command_line_refuses(tmp_path: Path, seeds: object,
                                                          said: str) -> None:
    with pytest.raises(MerbenchError, match=said):
        merbench.run_seeds("ststnet", "synthetic", seeds=seeds,  # type: ignore[arg-type]
                           epochs=1, out=tmp_path / "b")
    assert not (tmp_path / "b").exists()  # no seeds.json that validate would reject


def test_the_command_line_says_repeated_seeds_as_before() -> None:
    with pytest.raises(MerbenchError, match=r"^--seeds needs distinct non-negative seeds, "
                                            r"e\.g\. 0,1,2 \(got '0,0'\)$"):
        parse_seeds("0,0")


@pytest.mark.parametrize(("name", "options", "said"), [
    (3, {}, r"^merbench\.create_model\(\): model must be a model's name .*not 3"),
    ("ststnet", {"num_classes": 0}, r"num_classes must be a whole number of at least 2, not 0"),
    ("ststnet", {"num_classes": -2}, r"num_classes must be a whole number of at least 2"),
    ("ststnet", {"num_classes": 3.5}, r"num_classes must be .* not 3\.5 \(a float\)"),
    ("ststnet", {"num_classes": 10**30},
     r"cannot be built with num_classes=1000.*more memory than this machine has"),
    ("ststnet", {"image_size": -5}, r"^ststnet: image_size must be a whole number of at least 1"),
    ("ststnet", {"image_size": 1},
     r"image_size 1 with padding 2 leaves nothing.*image_size 28 for flow-uvos's; at least 2 "
     r"with padding 2\)$"),
    ("ststnet", {"image_size": 10**6},
     r"^model 'ststnet' cannot be built with image_size=1000000: it would need more memory"),
    ("lbptop-svm", {"Cs": -1}, r"^model 'lbptop-svm': Cs=-1 is a single number, not a list"),
    ("lbptop-svm", {"Cs": "x"}, r"^model 'lbptop-svm': Cs=x is text; Cs takes a list of numb"),
    ("lbptop-svm", {"Cs": []}, r"^model 'lbptop-svm': Cs=\[\] lists no value; Cs takes a list"),
])
def test_create_model_refuses_what_no_run_could_train(name: object, options: dict[str, object],
                                                      said: str) -> None:
    with pytest.raises(MerbenchError, match=said):
        merbench.create_model(name, **options)  # type: ignore[arg-type]


def test_create_model_builds_what_it_built() -> None:
    assert merbench.create_model("ststnet", num_classes=5).fc.out_features == 5
    assert merbench.create_model("lbptop-svm", Cs=[0.1, 1]).Cs == [0.1, 1]


def test_run_refuses_an_image_size_ststnet_cannot_take(cli, tmp_path: Path) -> None:
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--quiet", "--model-opt", "image_size=-5", "--out", tmp_path / "r")
    assert code == 2
    assert err.strip() == ("merbench: error: ststnet: image_size must be a whole number of "
                           "at least 1 (got -5)")


def test_numpy_numbers_and_paths_in_options_are_taken_as_the_values_they_hold(
        tmp_path: Path) -> None:
    """A caller's np.int64(1) is an integer, a numpy seeds array a list of seeds, and a Path
    inside an options dict its text: refused once as "not an integer (a int64)", or met the
    JSON writer as "not JSON serializable" after the run's folder was made (issue 84, pass
    7's R6 and R7)."""
    import numpy as np

    from merbench.runner.api_values import plain

    assert merbench.create_model("ststnet", num_classes=np.int64(3)) is not None
    assert plain({"data_root": Path("CASME2"), "dropout": np.float32(0.5),
                  "Cs": [np.float64(0.1), 1]}) == {"data_root": "CASME2", "dropout": 0.5,
                                                   "Cs": [0.1, 1]}
    result = merbench.run_seeds("ststnet", "synthetic", seeds=np.array([0, 1]),
                                epochs=np.int64(1), threads=np.int64(1),
                                model_options={"dropout": np.float32(0.5)},
                                out=tmp_path / "seeds")
    assert [run.results.seed for run in result.runs] == [0, 1]
