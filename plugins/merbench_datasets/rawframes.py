"""Samples of a raw database: clip folders of frames, checked, read as onset / apex frames.

Each raw database module turns its coding sheet into an *annotation table* (one row per
micro-expression: ids, label, clip folder, onset / apex / offset frame numbers) and hands it
to :func:`build`, which checks every sample against the files before anything is trained:

- the clip folder exists and holds frame images, one regular file of each number
  (``merbench.api.frame_fault``);
- the onset and apex frames are among the folder's frames, numbered as
  ``merbench.api.frame_index`` numbers them (the last number in a file name);
- onset <= apex (<= offset where the offset is known);
- the offset, where known, is not past the folder's last frame (a feature reading onset to
  offset silently read only the frames there were: pass 84p, P5);
- the onset and apex files can be decoded (a JPEG also needs its end marker, which a
  truncated file lacks).

Where the apex is not annotated (SMIC without an apex sheet, a CASME II row whose apex is
``/``) it is the middle frame of the folder's frames from onset to offset (the lower middle
for an even count); the ``apex_from`` column says ``midpoint`` for those, ``sheet`` otherwise.

The AU cell columns (``au_text`` and where the cell is: see
:mod:`merbench_datasets.action_units`) of an annotation table that has them are kept in the
sample table as they are; they decide no check, and are parsed only when AU labels are asked
for (:meth:`RawFramesDataset.action_unit_table`), so an AU cell an emotion run never uses
cannot stop it.

A sample failing a check is an error that lists the affected samples (the first few, with
reasons, and a count) and the fix, unless ``skip_missing`` is set: then those samples are
left out and listed in :attr:`RawFramesDataset.skipped`, which the runner records in
``results.json``.

Sources: ``onset_frame`` and ``apex_frame``, H x W x 3 uint8 in B, G, R order, exactly as
``cv2.imread(path, cv2.IMREAD_COLOR)`` returns them (grey frames give three equal channels).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from merbench.api import (
    Dataset,
    LfsPointer,
    MerbenchError,
    UnreadableFile,
    decode_user_image,
    frame_fault,
    frame_index,
    read_user_bytes,
    read_user_image,
    whole_value,
)
from merbench_datasets.action_units import CELL_COLUMNS as AU_COLUMNS
from merbench_datasets.action_units import ROW_COLUMN as AU_ROW
from merbench_datasets.action_units import TEXT_COLUMN as AU_TEXT
from merbench_datasets.action_units import coded as coded_aus
from merbench_datasets.sheets import (
    Miswritten,
    folder_name_fault,
    miswritten_reason,
    refuse_repeated_rows,
)
from merbench_datasets.subject_choice import chosen_subjects, select_subjects

SOURCES = ("onset_frame", "apex_frame")
ANNOTATION_COLUMNS = ("sample_id", "database", "subject", "clip", "emotion", "label",
                      "folder", "onset", "apex", "offset")
SHOWN = 3  # samples named in an error line before "and N more"


def unreadable(path: Path) -> str | None:
    """Why ``path`` is no usable frame, or None; decodes at reduced size to stay quick."""
    import cv2

    try:
        data = read_user_bytes(path, "frame")
    except MerbenchError as exc:  # a fifo, a device, an unreadable file: said as it is
        return str(exc)
    if data.startswith(b"\xff\xd8") and b"\xff\xd9" not in data[-64:]:
        return f"'{path}' is a truncated JPEG ({len(data)} bytes, no end marker)"
    try:  # the bounded decoder: a frame declaring a giant size is refused from its header
        decode_user_image(data, path, "frame", cv2.IMREAD_REDUCED_GRAYSCALE_2)
    except UnreadableFile as exc:
        return f"'{path}' {exc.reason}"
    return None


def _middle(frames: dict[int, Path], first: int, last: int | None) -> int | None:
    between = sorted(n for n in frames if n >= first and (last is None or n <= last))
    return between[(len(between) - 1) // 2] if between else None


def _span(frames: dict[int, Path]) -> str:
    numbers = sorted(frames)
    return f"{len(numbers)} frames, {numbers[0]}..{numbers[-1]}"


def _check(row: pd.Series) -> tuple[dict[str, object], str | None]:
    """The row's resolved frames and paths, or the reason it cannot be used."""
    folder = Path(row["folder"])
    onset, apex, offset = row["onset"], row["apex"], row["offset"]
    resolved: dict[str, object] = {}
    if onset is not None and apex is not None and apex < onset:
        return resolved, f"the sheet's apex {apex} is before its onset {onset}"
    if apex is not None and offset is not None and apex > offset:
        return resolved, f"the sheet's apex {apex} is after its offset {offset}"
    if not folder.is_dir():
        if folder.exists():
            return resolved, f"the frame folder '{folder}' is a file, not a folder"
        return resolved, f"the frame folder '{folder}' is missing"
    fault = frame_fault(folder, {n: w for w, n in (("onset", onset), ("apex", apex))
                                 if n is not None})
    if fault is not None:  # two files of one number, a frame that is a fifo: said as it is
        return resolved, fault
    frames = frame_index(folder)
    if not frames:
        return resolved, f"the frame folder '{folder}' holds no frame images"
    numbers = sorted(frames)
    onset = numbers[0] if onset is None else onset  # SMIC clips span onset..offset
    offset = numbers[-1] if offset is None and row["offset_is_last"] else offset
    apex_from = "sheet"
    if apex is None:
        apex, apex_from = _middle(frames, onset, offset), "midpoint"
    for what, number in (("onset", onset), ("apex", apex)):
        if number not in frames:
            return resolved, (f"the {what} frame {number} is not in '{folder}' "
                              f"({_span(frames)})")
    if offset is not None and offset > numbers[-1]:  # LBP-TOP read onset..offset: cut short
        return resolved, (f"the offset frame {offset} is past the last frame of '{folder}' "
                          f"({_span(frames)})")
    for what, number in (("onset", onset), ("apex", apex)):
        problem = unreadable(frames[number])
        if problem:
            return resolved, f"the {what} frame is unusable: {problem}"
    resolved = {"onset": onset, "apex": apex, "offset": offset, "apex_from": apex_from,
                "onset_path": str(frames[onset]), "apex_path": str(frames[apex])}
    return resolved, None


def problem_list(problems: Sequence[tuple[str, str]]) -> str:
    """``"id (reason), id (reason), ... and N more"`` for an error line."""
    shown = ", ".join(f"{sample} ({reason})" for sample, reason in problems[:SHOWN])
    return shown + (f" and {len(problems) - SHOWN} more" if len(problems) > SHOWN else "")


def build(dataset: str, table: pd.DataFrame, classes: Sequence[str], skip_missing: bool,
          extra_problems: Sequence[tuple[str, str]] = ()) -> RawFramesDataset:
    """Check every annotated sample against its files (see the module doc).

    ``table`` has :data:`ANNOTATION_COLUMNS` (frame numbers as int or None) and may have
    ``offset_is_last`` (True where a missing offset means the folder's last frame) and the
    AU cell columns (kept, unparsed);
    ``extra_problems`` are samples the caller already found unusable (``(id, reason)``).
    """
    table = table.reset_index(drop=True)
    if "offset_is_last" not in table.columns:
        table["offset_is_last"] = False
    problems = list(extra_problems)
    kept = [*ANNOTATION_COLUMNS, *(c for c in AU_COLUMNS if c in table.columns)]
    rows = []
    lost: set[str] = set()  # the subjects of the samples skipped
    for _, row in table.iterrows():
        resolved, problem = _check(row)
        if problem:
            problems.append((row["sample_id"], problem))
            lost.add(str(row["subject"]))
        else:
            rows.append({**{c: row[c] for c in kept}, **resolved})
    backwards = sum("is before its onset" in reason for _, reason in problems)
    if backwards * 2 > len(table) + len(extra_problems):
        raise MerbenchError(
            f"{dataset}: in {backwards} of {len(table) + len(extra_problems)} samples the "
            "sheet's apex frame is before its onset frame: the sheet's onset and apex columns "
            "are most likely swapped (or mislabelled); correct its headers, as in the official "
            "sheet (--skip-missing skips single bad rows, not a sheet read the wrong way)")
    if problems and not skip_missing:
        raise MerbenchError(
            f"{dataset}: {len(problems)} of {len(table) + len(extra_problems)} samples cannot "
            f"be used: {problem_list(problems)}; restore the frames or correct the sheet, or "
            "pass --skip-missing (--dataset-opt skip_missing=true) to run without them"
        )
    if not rows and not problems:  # every row left the class set: nothing to say "e.g." of
        raise MerbenchError(f"{dataset}: no sample is of the classes {', '.join(classes)}; "
                            "check the sheet's emotion column and --dataset-opt classes")
    if not rows:
        raise MerbenchError(f"{dataset}: no usable samples ({len(problems)} skipped, e.g. "
                            f"{problem_list(problems)}); check --data-root and the layout")
    columns = [*kept[:len(ANNOTATION_COLUMNS)], "apex_from", "onset_path", "apex_path",
               *kept[len(ANNOTATION_COLUMNS):]]
    samples = pd.DataFrame(rows, columns=columns)
    for column in ("onset", "apex"):
        samples[column] = samples[column].astype(int)
    samples["offset"] = pd.array(samples["offset"], dtype="Int64")
    if AU_ROW in samples.columns:  # whole row numbers, also beside SMIC's (no sheet: <NA>)
        samples[AU_ROW] = pd.array(samples[AU_ROW], dtype="Int64")
    found = RawFramesDataset(dataset, samples, classes)
    found.skipped = [{"sample_id": s, "reason": r} for s, r in problems]
    found.skipped_subjects = tuple(sorted(lost - set(samples["subject"].astype(str))))
    return found


class RawFramesDataset(Dataset):
    """Onset and apex frames read from the database's own files (see the module doc)."""

    provides = SOURCES

    def __init__(self, name: str, samples: pd.DataFrame, classes: Sequence[str]) -> None:
        super().__init__(name, samples, classes)
        self.provides = SOURCES

    #: the subjects ``subjects=`` chose, in the sheet's order (None: every subject)
    chosen_subjects: tuple[str, ...] | None = None

    def canonical_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The class set by its key (``classes=3-class`` is ``"3"``) and the chosen subjects
        by their names in the sheet's order (``subjects=1,2``, ``'2, 1'``, ``[1,2]``,
        ``casme2/sub01,casme2/sub02`` are ``"sub01,sub02"``): each spelling was another run
        to ``--out`` and another row on a page."""
        spelt = dict(options)
        if "classes" in spelt:
            spelt["classes"] = class_set_key(spelt["classes"])
        if "subjects" in spelt and self.chosen_subjects is not None:
            spelt["subjects"] = ",".join(self.chosen_subjects)
        return spelt

    def read(self, source: str, index: int) -> np.ndarray:
        if source not in SOURCES:
            return super().read(source, index)
        import cv2

        row = self.samples.iloc[index]
        path = row[source.replace("_frame", "_path")]
        try:
            return read_user_image(Path(path), "frame", cv2.IMREAD_COLOR)
        except LfsPointer as exc:  # fetched, not restored
            raise MerbenchError(f"{self.name}: the {source.replace('_', ' ')} '{path}' of "
                                f"sample {row['sample_id']} {exc.reason}") from None
        except UnreadableFile as exc:
            raise MerbenchError(f"{self.name}: cannot read the {source.replace('_', ' ')} "
                                f"'{path}' of sample {row['sample_id']} (it was readable when "
                                f"the dataset was built; now {exc.because}); restore the "
                                "file") from None

    def read_all(self, source: str) -> np.ndarray:
        """Stacked when every frame has one size; else a 1-D object array of the frames."""
        frames = [self.read(source, i) for i in range(len(self.samples))]
        if len({f.shape for f in frames}) == 1:
            return np.stack(frames)
        stacked = np.empty(len(frames), dtype=object)
        for position, frame in enumerate(frames):
            stacked[position] = frame
        return stacked

    def action_unit_table(self) -> pd.DataFrame:
        """The AU labels of the samples' coding-sheet cells, parsed now: a raw database keeps
        its AU cells unparsed so that loading it for an emotion run cannot fail on one, and a
        cell that is no code is the one-line error naming its sheet, row and column here,
        when the AUs are asked for. A sample table without AU cells (a database whose loader
        reads no AUs) is returned as it is, for the base class to say it gives none."""
        if AU_TEXT not in self.samples.columns:
            return self.samples
        return coded_aus(self.samples)


def recorded_spelling(name: str, given: dict[str, Any],
                      recorded: dict[str, Any]) -> dict[str, Any]:
    """``given``, a benchmark definition's options of the raw database ``name``, as the run
    that recorded ``recorded`` spelt them (the registry's ``recorded_spelling``): the class
    set by its key, as :meth:`RawFramesDataset.canonical_options` gives it, and the subjects
    by the run's own names where ``given`` names just those subjects in any spelling
    ``subjects=`` takes (``1,2,3``, ``[1, 2, 3]``, ``sub01, sub02, sub03``,
    ``sub03,sub01,sub02`` for a run of ``sub01,sub02,sub03``). A run records its subjects
    by the sheet's names in the sheet's order, which a definition, read without the data,
    cannot know: the run's names are that data. Subjects the run did not choose are left as
    given (another selection: not the run's)."""
    spelt = dict(given)
    if "classes" in spelt:
        spelt["classes"] = class_set_key(spelt["classes"])
    ran = recorded.get("subjects")
    if "subjects" not in spelt or not isinstance(ran, str):
        return spelt
    names = [n for n in ran.split(",") if n]
    try:
        chosen = chosen_subjects(spelt["subjects"], name, names)
    except MerbenchError:  # a subject the run did not choose, or one named twice
        return spelt
    if sorted(chosen) == sorted(names):
        spelt["subjects"] = ran
    return spelt


def pick_class_set(dataset: str, classes: object, sets: dict[str, tuple[str, ...]]) -> str:
    """The key of the class set ``classes`` names: ``3`` / ``"3"`` / ``"3-class"``, the
    number in any spelling of a whole number (``03``, ``+3``, ``3.0``, ``3e0``: merbench's
    one reading of one, :func:`merbench.api.whole_value`), as ``--dataset-opt subjects=03``
    is read; ``classes=03`` was refused as "unknown class set '03'". A refusal shows the
    value as it was given."""
    fault = class_set_fault(classes, sets)
    if fault is not None:
        raise MerbenchError(f"{dataset}: {fault}")
    return class_set_key(classes)


def class_set_fault(classes: object, sets: dict[str, tuple[str, ...]]) -> str | None:
    """Why ``classes`` names none of ``sets``, said without the dataset, or None. A value that
    is no text is shown as JSON writes it (``true``, not Python's ``True``: pass 84p, P4)."""
    if class_set_key(classes) in sets:
        return None
    choices = "; ".join(f"{k} ({', '.join(v)})" for k, v in sets.items())
    shown = f"'{classes}'" if isinstance(classes, str) else json.dumps(classes, default=str)
    return f"unknown class set {shown}; choose --dataset-opt classes=N with N one of {choices}"


def class_set_key(classes: object) -> str:
    """The one spelling of the class set ``classes`` names (``"3"`` for ``3``, ``03``,
    ``3.0``, ``3-class``, ``3class``; ``"objective"`` for ``Objective``), whether or not a
    database has it: what :func:`pick_class_set` looks up and a run records."""
    whole = whole_value(classes)
    text = str(classes).strip().lower()
    if whole is None and text.endswith("class"):  # '3-class', '3class', '3 class'
        whole = whole_value(text.removesuffix("class").removesuffix("-").strip())
    return str(whole) if whole is not None else \
        text.removesuffix("-class").removesuffix("class").strip()


def labelled(table: pd.DataFrame, dataset: str, mapping: dict[str, str],
             known: Sequence[str], classes: Sequence[str],
             column: str = "emotion") -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Rows whose ``emotion`` the class set maps, with ``label``; rows with an emotion the
    database does not have are problems (a typo in the sheet), others simply leave the set.
    ``column`` is the sheet column the ``emotion`` came from, as a problem names it (CAS(ME)^3's
    ``Objective class``: its VIII is no emotion)."""
    emotion = table["emotion"]
    strange = ~emotion.isin(known)
    problems = [(s, f"the sheet's {column} '{e}' is none of {', '.join(known)}")
                for s, e in zip(table["sample_id"][strange], emotion[strange], strict=True)]
    kept = table[~strange & emotion.isin(list(mapping))].copy()
    kept["label"] = kept["emotion"].map(mapping).map({c: i for i, c in enumerate(classes)})
    return kept, problems


def unusable_rows(table: pd.DataFrame, sheet: Path, dataset: str, role: str = "sheet",
                  label: str | None = "emotion") -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Split off sheet rows that cannot be samples at all: no subject, clip, onset frame or
    ``label`` (the sheet's column the emotion comes from; None: the emotion is no cell of
    this sheet, or its own check names the row, as SMIC's label), a frame cell with a typo
    (:class:`merbench_datasets.sheets.Miswritten`: not "not coded"), or a subject or clip
    that is no one folder's name (:func:`merbench_datasets.sheets.folder_name_fault`); two
    rows naming one sample are refused (said of the sample alone, neither the sheet nor its
    rows named, the user could not find them).

    They are problems named by their row in the sheet (the index holds sheet row numbers),
    ``<dataset> <role> row N`` (SMIC's rows are its apex sheet's).
    """
    problems, bad = [], []
    for line, row in table.iterrows():
        lacking = [what for what in ("subject", "clip", "emotion")
                   if row.get(what) == "" and (label or what != "emotion")]
        typo = next((what for what in ("onset", "apex", "offset")
                     if isinstance(row[what], Miswritten)), None)
        bad_cell = None if lacking else folder_name_fault(row)
        if lacking:
            reason = f"no {' or '.join(lacking).replace('emotion', str(label))} in '{sheet}'"
        elif typo is not None:
            reason = miswritten_reason(typo, row[typo], sheet)
        elif row["onset"] is None or pd.isna(row["onset"]):
            reason = (f"its onset frame in '{sheet}' is empty or not coded; a sample needs "
                      "one (fill in the cell)")
        elif bad_cell is not None:
            reason = f"{bad_cell[0]} in '{sheet}' {bad_cell[1]}"
        else:
            bad.append(False)
            continue
        bad.append(True)
        problems.append((f"{dataset} {role} row {line}", reason))
    kept = table[~np.array(bad, dtype=bool)]
    refuse_repeated_rows(kept, sheet, f"{dataset} {role}")
    return kept, problems


def assemble(dataset: str, annotated: tuple[pd.DataFrame, list[tuple[str, str]]],
             subjects: str | Sequence[str] | None, mapping: dict[str, str],
             emotions: Sequence[str], classes: Sequence[str],
             skip_missing: bool, label_column: str = "emotion") -> RawFramesDataset:
    """The common end of every raw loader: keep the chosen subjects, map emotions to the
    class set, check the frames and build the dataset (or name what is unusable).
    ``label_column`` names the sheet column the labels come from in a problem."""
    table, problems = annotated
    table, problems, chosen = select_subjects(table, subjects, dataset, problems)
    table, strange = labelled(table, dataset, mapping, emotions, classes, label_column)
    found = build(dataset, table, classes, skip_missing, [*problems, *strange])
    found.chosen_subjects = chosen
    return found
