"""The official MEGC2019 3-class list the composite release is checked against.

merbench ships the organisers' ground truth (``data/megc2019_composite_3class_gt.csv``, 442
rows: dataset, subject, clip, label; no header, no faces) and the counts the composite
protocol fixes, so that a release whose CSV lost, gained or relabelled a sample is refused
with the samples named, before anything trains. Both the preprocessed ``composite`` release
and the raw ``megc2019`` selection are held to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from merbench.api import MerbenchError

CLASSES = ("negative", "positive", "surprise")
GROUND_TRUTH = "megc2019_composite_3class_gt.csv"

# Official ground truth database names -> the release's (spelt alike in both files).
OFFICIAL_DATABASES = {"casme2": "casme2", "samm": "samm", "smic": "smic"}

# What the MEGC2019 composite protocol fixes: per database (negative, positive, surprise) and
# the number of subjects.
EXPECTED_SAMPLES = 442
EXPECTED_SUBJECTS = 68
EXPECTED_PER_CLASS = (250, 109, 83)
EXPECTED_PER_DATABASE = {"smic": ((70, 51, 43), 16), "casme2": ((88, 32, 25), 24),
                         "samm": ((92, 26, 15), 28)}


def _fail(message: str) -> MerbenchError:
    return MerbenchError(f"composite: {message}")


def official_subject(database: str, subject: str) -> str:
    """A subject id of the official list written as the release writes it.

    The official list has SAMM subjects as plain integers (``6``), the release as three
    digits (``006``); CASME II (``sub01``) and SMIC (``s01``) are written alike.
    """
    if database == "samm" and subject.isdigit():
        return f"{int(subject):03d}"
    return subject


def load_ground_truth() -> pd.DataFrame:
    """The shipped official MEGC2019 3-class list in the release's naming.

    Columns ``database``, ``subject``, ``clip``, ``label`` (int), ``sample_id``.
    """
    text = resources.files("merbench_datasets").joinpath("data").joinpath(GROUND_TRUTH)
    with text.open("r", encoding="utf-8") as handle:  # bounded: the package's own file
        table = pd.read_csv(handle, header=None, dtype=str,  # bounded: the package's own file
                            keep_default_na=False,
                            names=["dataset", "subject", "clip", "label"])
    table = table.apply(lambda column: column.str.strip())
    database = table["dataset"].str.lower().map(OFFICIAL_DATABASES)
    if database.isna().any():  # the shipped file is fixed: this guards edits of it
        raise _fail(f"the shipped ground truth names an unknown database "
                    f"'{table['dataset'][database.isna()].iloc[0]}'")
    subject = [official_subject(d, s) for d, s in zip(database, table["subject"], strict=True)]
    truth = pd.DataFrame({"database": database, "subject": subject, "clip": table["clip"],
                          "label": table["label"].astype(int)})
    truth["sample_id"] = truth["database"] + "/" + truth["subject"] + "/" + truth["clip"]
    return truth


def _listed(ids: Sequence[str], count: int = 3) -> str:
    shown = ", ".join(ids[:count])
    return shown + (", ..." if len(ids) > count else "")


def check_against_ground_truth(samples: pd.DataFrame, path: Path,
                               lines: Sequence[int] | None = None,
                               allow_missing: bool = False) -> None:
    """Missing, extra and relabelled samples against the official list, named precisely.

    ``lines`` are the samples' line numbers in the CSV (default: row position + 2);
    ``allow_missing``: a part of the list (``subset=True``) is accepted.
    """
    truth = load_ground_truth()
    official = dict(zip(truth["sample_id"], truth["label"], strict=True))
    ours = dict(zip(samples["sample_id"], samples["label"], strict=True))
    if lines is None:
        lines = range(2, len(samples) + 2)
    line = dict(zip(samples["sample_id"], lines, strict=True))
    missing = [] if allow_missing else [s for s in official if s not in ours]
    extra = [s for s in ours if s not in official]
    relabelled = [s for s in ours if s in official and ours[s] != official[s]]
    if not (missing or extra or relabelled):
        return

    def named(label: int) -> str:
        return f"{label} ({CLASSES[label]})"

    parts = []
    if missing:
        parts.append(f"{len(missing)} missing ({_listed(missing)})")
        loaded = set(zip(samples["database"], samples["subject"], strict=True))
        subjects = dict.fromkeys(zip(truth["database"], truth["subject"], strict=True))
        empty = [f"{d}/{s}" for d, s in subjects if (d, s) not in loaded]
        if empty:
            parts.append(f"{len(empty)} official subject(s) with no samples ({_listed(empty)})")
    if extra:
        parts.append(f"{len(extra)} extra ("
                     + _listed([f"{s} at line {line[s]}" for s in extra]) + ")")
    if relabelled:
        described = [f"{s} at line {line[s]}: {named(ours[s])} vs official "
                     f"{named(official[s])}" for s in relabelled]
        parts.append(f"{len(relabelled)} relabelled ({_listed(described)})")
    fix = "restore the CSV from the preprocessed release"
    if missing and not (extra or relabelled):  # part of the list: an export of some subjects
        fix = ("if the folder holds part of the list on purpose (a merbench export of some "
               f"subjects), read it with --dataset-opt subset=true; else {fix}")
    raise _fail(f"'{path}' does not match the official MEGC2019 3-class list "
                f"({len(truth)} samples, shipped with merbench): {'; '.join(parts)}; {fix}")


def check_counts(samples: pd.DataFrame) -> None:
    """The composite protocol's fixed numbers (holds when the ground truth matched)."""
    found = []
    n_subjects = samples.groupby(["database", "subject"]).ngroups
    per_class = tuple(int((samples["label"] == c).sum()) for c in range(len(CLASSES)))
    if len(samples) != EXPECTED_SAMPLES:
        found.append(f"{len(samples)} samples instead of {EXPECTED_SAMPLES}")
    if n_subjects != EXPECTED_SUBJECTS:
        found.append(f"{n_subjects} subjects instead of {EXPECTED_SUBJECTS}")
    if per_class != EXPECTED_PER_CLASS:
        found.append(f"classes {per_class} instead of {EXPECTED_PER_CLASS}")
    for database, (classes, subjects) in EXPECTED_PER_DATABASE.items():
        part = samples[samples["database"] == database]
        counts = tuple(int((part["label"] == c).sum()) for c in range(len(CLASSES)))
        if counts != classes or part["subject"].nunique() != subjects:
            found.append(f"{database} has classes {counts} and {part['subject'].nunique()} "
                         f"subjects instead of {classes} and {subjects}")
    if found:
        raise _fail(f"the samples do not have the composite protocol's counts: "
                    f"{'; '.join(found)}")
