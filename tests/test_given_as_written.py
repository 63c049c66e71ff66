"""Values refused in merbench's words and shown as the user wrote them, which the adversarial
pass 84f found said in Python's or numpy's words (N4, N6) or refused although whole or finite
(N5): each case is the command, plan or call a user writes, and the line it gets."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from refusal_line import refusal_line

import merbench
from merbench import MerbenchError

RUN = ["run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1", "--threads",
       "1", "--quiet"]


@pytest.mark.parametrize(("option", "said"), [
    ("samples_per_subject=2.5", "dataset 'synthetic': samples_per_subject=2.5 is not a whole "
                                "number; samples_per_subject takes a whole number (default 10)"),
    ("databases=1.5", "dataset 'synthetic': databases=1.5 is not a whole number; databases "
                      "takes a whole number (default 3)"),
])
def test_a_real_number_for_a_whole_number_option_is_said_in_merbenchs_words(
        option: str, said: str, cli, tmp_path: Path) -> None:
    """N4: numpy's "expected a sequence of integers or a single integer, got '2.5'" and
    Python's "Unknown format code 'd' for object of type 'float'"."""
    line = refusal_line(*cli(*RUN, "--dataset-opt", option, "--out", tmp_path / "r"))
    assert line == f"merbench: error: {said}", line
    assert not (tmp_path / "r").exists()


def test_a_whole_number_written_with_a_point_is_that_number(cli, tmp_path: Path) -> None:
    """N4: ``subjects=3.0`` met "'float' object cannot be interpreted as an integer", and
    ``databases=1.0`` from Python a format code error: each is the whole number it is (a
    spotter's tuned values reach whole-number options as 0.0, 3.0), recorded as one, so
    ``image_size=28.0`` is no departure from the default 28."""
    import json

    code, _, err = cli(*RUN, "--dataset-opt", "subjects=3.0", "--dataset-opt", "databases=1",
                       "--dataset-opt", "samples_per_subject=3", "--model-opt",
                       "image_size=28.0", "--out", tmp_path / "r")
    assert code == 0, err
    recorded = json.loads((tmp_path / "r" / "run.json").read_text())
    assert recorded["config"]["dataset_options"]["subjects"] == 3
    assert "image_size" not in recorded["config"]["model_options"]
    merbench.run("ststnet", "synthetic", threads=1, epochs=1, out=tmp_path / "a",
                 dataset_options={"subjects": 2, "databases": 1.0, "samples_per_subject": 3})
    assert (tmp_path / "a" / "results.json").is_file()


SMALL = {"subjects": 2, "databases": 1, "samples_per_subject": 3}


def test_whole_and_finite_exact_numbers_are_taken_as_the_numbers_they_are(
        tmp_path: Path) -> None:
    """N5: ``epochs=Fraction(1)`` was refused as "not 1.0 (a float)", ``lr=Decimal('0.001')``
    as "not Decimal('0.001') (a Decimal)"; both are numbers a field takes, stored converted."""
    import json

    merbench.run("ststnet", "synthetic", threads=1, epochs=Fraction(2, 2), lr=Decimal("0.001"),
                 seed=Decimal("0"), dataset_options={**SMALL, "subjects": Fraction(2)},
                 out=tmp_path / "r")
    recorded = json.loads((tmp_path / "r" / "run.json").read_text())
    text = json.dumps(recorded)
    assert '"epochs": 1,' in text and '"lr": 0.001' in text and '"subjects": 2' in text, text


@pytest.mark.parametrize(("given", "said"), [
    ({"epochs": Fraction(3, 2)}, "merbench.run(): epochs must be a whole number or None, not 3/2"),
    ({"epochs": Decimal("1.5")}, "merbench.run(): epochs must be a whole number or None, not 1.5"),
    ({"lr": Decimal("NaN")}, "merbench.run(): lr=NaN is not a finite number; give one"),
    ({"lr": Decimal("1E+400")}, "merbench.run(): lr=1E+400 is beyond the range of a "
                                "floating-point number; give a smaller one"),
    ({"device": Decimal("1.5")}, "merbench.run(): device must be a string, not 1.5"),
], ids=str)
def test_an_exact_number_a_field_cannot_take_is_shown_as_given(
        given: dict[str, object], said: str, tmp_path: Path) -> None:
    """N5: the refused value as the caller wrote it, not a repr or "(a Decimal)"."""
    with pytest.raises(MerbenchError) as caught:
        merbench.run("ststnet", "synthetic", **{"epochs": 1, **given},  # type: ignore[arg-type]
                     dataset_options=SMALL, out=tmp_path / "r")
    assert str(caught.value) == said
    assert not (tmp_path / "r").exists()


def test_a_sweep_plans_nested_option_is_refused_before_the_sweep_says_what_it_runs(
        cli, tmp_path: Path) -> None:
    """N6: ``subjects={'a': 1} is an object`` in Python's spelling, refused by the first
    run, and the sweep's "1 configurations" line came after the error line."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path / "sw"}"\n[[runs]]\nmodel = "ststnet"\n'
                    'dataset = "synthetic"\ndataset_options = {subjects = {a = 1}}\n')
    line = refusal_line(*cli("sweep", "--quiet", "--threads", "1", plan))
    assert line == (f"merbench: error: {plan}: runs[0] (ststnet on synthetic/loso) "
                    "dataset_options: dataset 'synthetic': subjects={\"a\": 1} is an object; "
                    "subjects takes a whole number (default 6)"), line
    assert not (tmp_path / "sw").exists()


def test_an_error_line_comes_after_the_output_written_before_it() -> None:
    """N6: where standard output and error share a pipe, buffered output was written at
    exit, below the error line."""
    import os
    import subprocess
    import sys

    script = ("import sys\nfrom merbench.base.terminal import say\n"
              "from merbench.cli.stdout_stream import tag_stdout\ntag_stdout()\n"
              "say('sweep plan.toml: 1 configuration')\n"
              "say('merbench: error: ...', file=sys.stderr)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a user's
    done = subprocess.run([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    assert done.stdout.splitlines() == ["sweep plan.toml: 1 configuration",
                                        "merbench: error: ..."]


SPLIT = [*RUN[:-1], "--dataset-opt", "subjects=2", "--dataset-opt", "databases=1",
         "--dataset-opt", "samples_per_subject=3", "--protocol", "subject-split"]


@pytest.mark.parametrize(("train", "said"), [
    ('["syn1/s01", 7]', 'train=["syn1/s01", 7]: 7 is not a subject as database/subject'),
    ('{"a": 1}', 'train={"a": 1} is an object, not a list'),
    ("syn1/s01", "train='syn1/s01' is text, not a list"),
    ("[]", "train=[] lists no subject"),
])
def test_a_subject_split_option_is_said_as_written(train: str, said: str, cli,
                                                   tmp_path: Path) -> None:
    """N6: ``train=['samm/006', 7]``, ``train={'a': 1}``, ``train='samm/006'``: Python's."""
    line = refusal_line(*cli(*SPLIT, "--protocol-opt", f"train={train}", "--protocol-opt",
                      'test=["syn1/s02"]', "--out", tmp_path / "r"))
    assert line == (f"merbench: error: protocol option {said}; give a list of one or more "
                    "subjects as database/subject, e.g. --protocol-opt "
                    "'train=[\"casme2/sub01\"]'"), line


def test_compare_says_the_fingerprints_in_words(cli, tmp_path: Path) -> None:
    """N6: ``fingerprints ('3d58…', '5e0e…') and ('a5d0…', 'e6d3…')``: Python's tuples."""
    import json

    for name, subjects in (("r1", "2"), ("r2", "3")):
        code, _, err = cli(*RUN, "--dataset-opt", f"subjects={subjects}", "--dataset-opt",
                           "databases=1", "--dataset-opt", "samples_per_subject=3", "--out",
                           tmp_path / name)
        assert code == 0, err
    prints = [json.loads((tmp_path / name / "results.json").read_text())
              for name in ("r1", "r2")]
    first, second = ((r["dataset"]["fingerprint"], r["protocol"]["folds_fingerprint"])
                     for r in prints)
    line = refusal_line(*cli("compare", tmp_path / "r1", tmp_path / "r2"))
    assert line == (f"merbench: error: {tmp_path / 'r2'} and {tmp_path / 'r1'} were not run on "
                    f"the same samples and folds (dataset fingerprints {second[0]} and "
                    f"{first[0]}, folds fingerprints {second[1]} and {first[1]}); compare runs "
                    "of one dataset and protocol"), line
