"""subject-split's refusal of a subject the dataset lacks says its subjects (issue 84,
pass 84aj).

AJ6: ``--protocol-opt 'train=["samm/6"]'`` was refused with "subjects are named
database/subject as 'merbench list datasets' shows them", and that command lists no
subject. The refusal now says the subject most likely meant (``samm/006``: the spellings
the ``subjects=`` option reads, a database's letter case) and the subjects there are, the
named database's first few, as casme2's ``subjects=`` refusal does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import CliResult, one_line

from merbench.api import MerbenchError
from merbench.protocols.subject_split import SubjectSplit

SUBJECTS = {"casme2": [f"sub{n:02d}" for n in range(1, 11)],
            "samm": ["006", "007", "009", "010", "011", "012", "013", "014", "015", "016"],
            "smic": ["s01", "s02", "s03"]}
SAMM = ("samm/006, samm/007, samm/009, samm/010, samm/011, samm/012, samm/013, samm/014, "
        "...")


@pytest.fixture(scope="module")
def samples() -> pd.DataFrame:
    rows = [(database, subject) for database, subjects in SUBJECTS.items()
            for subject in subjects for _ in range(2)]
    return pd.DataFrame({"database": [d for d, _ in rows], "subject": [s for _, s in rows],
                         "label": [0, 1] * (len(rows) // 2)})


def _refusal(samples: pd.DataFrame, train: str) -> str:
    with pytest.raises(MerbenchError) as caught:
        SubjectSplit(train=[train], test=["samm/009"]).folds(samples)
    said = str(caught.value)
    assert "\n" not in said and "merbench list datasets" not in said
    return said


@pytest.mark.parametrize(("given", "meant"), [("samm/6", "samm/006"), ("samm/06", "samm/006"),
                                              ("SAMM/006", "samm/006"),
                                              ("smic/s1", "smic/s01"),
                                              ("casme2/1", "casme2/sub01"),
                                              ("casme2/sub1", "casme2/sub01")])
def test_a_subject_spelt_otherwise_is_said_with_the_one_meant(samples: pd.DataFrame,
                                                              given: str, meant: str) -> None:
    database = meant.partition("/")[0]
    said = _refusal(samples, given)
    assert said.startswith(f"protocol subject-split names subject {given}, which the "
                           f"dataset does not have (did you mean {meant}?); its {database} "
                           "subjects are "), said
    if database == "samm":
        assert said.endswith(f"its samm subjects are {SAMM}"), said


def test_a_subject_of_no_spelling_lists_its_databases_subjects(samples: pd.DataFrame) -> None:
    assert _refusal(samples, "samm/999") == (
        "protocol subject-split names subject samm/999, which the dataset does not have; "
        f"its samm subjects are {SAMM}")
    assert _refusal(samples, "smic/s09").endswith(
        "does not have; its smic subjects are smic/s01, smic/s02, smic/s03")


def test_a_database_the_dataset_lacks_is_said_with_its_databases(samples: pd.DataFrame) -> None:
    assert _refusal(samples, "casme/sub01") == (
        "protocol subject-split names subject casme/sub01, which the dataset does not have "
        "(did you mean casme2/sub01?); its databases are casme2, samm and smic, its subjects "
        "casme2/sub01, casme2/sub02, casme2/sub03, casme2/sub04, casme2/sub05, casme2/sub06, "
        "casme2/sub07, casme2/sub08, ...")


def test_the_run_the_finding_made_is_refused_with_the_subjects(
        cli: Callable[..., CliResult], tmp_path: Path) -> None:
    """On the synthetic dataset, through ``merbench run``: nothing is written."""
    out = tmp_path / "run"
    code, _, err = cli("run", "-m", "ststnet", "-d", "synthetic", "--protocol",
                       "subject-split", "--protocol-opt", 'train=["syn1/1"]',
                       "--protocol-opt", 'test=["syn1/s02"]', "-o", out, "-q")
    assert code == 2, err
    said = one_line(err)
    assert said.endswith("names subject syn1/1, which the dataset does not have (did you "
                         "mean syn1/s01?); its syn1 subjects are syn1/s01, syn1/s02"), said
    assert not out.exists()
