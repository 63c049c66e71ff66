"""How close merbench's preprocessing comes to a release's: ``merbench export --compare``.

For every sample merbench computed that the release also holds (matched by the release's
label CSV: ``dataset/sub/filename_o``, merbench's sample ids), the flow images are compared
channel by channel (strain, v, u): Pearson's correlation over the 28x28 pixels, and the mean
absolute difference in the release's units. Both images are already min-max scaled to
0..255 per channel and image, which is the release's scaling, so the difference needs no
rescaling; a constant channel (no motion, or no strain) has no correlation and is left out
of that channel's mean and counted, and named with whose image it is constant in (a sample
left out unnamed read as one merbench lost, pass 84o O8). The release's own table is
checked as the authors' scripts read it: a label outside its three classes, or a sample
named in two rows, is said (:func:`table_notes`), as is the count of the release's samples
merbench did not compute. ``--out`` writes the figures as a
:class:`~merbench.results.command_files.ReleaseFidelity`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.export.layouts import FLOW_DIR, LABEL_CSV
from merbench.results.command_files import ChannelFidelity, ReleaseFidelity, SampleFidelity
from merbench.results.safe_files import entry_kind
from merbench.results.user_files import read_user_csv, read_user_image

CHANNELS = ("strain", "v", "u")


@dataclass(frozen=True)
class SampleComparison:
    sample_id: str
    correlation: tuple[float | None, ...]  # per channel; None: a constant channel
    mean_abs_diff: tuple[float, ...]  # per channel, 0..255 units
    # per channel, whose image is constant in it ("the release's", "merbench's", "both
    # images'"): why its correlation is None; None where it has one
    constant: tuple[str | None, ...] = ()


@dataclass
class ReleaseComparison:
    release: str
    samples: list[SampleComparison] = field(default_factory=list)
    not_in_release: list[str] = field(default_factory=list)
    only_in_release: int = 0  # the release's samples merbench did not compute

    def left_out(self) -> list[str]:
        """Each sample left out of a channel's correlation, with whose image is constant
        in which channels ("casme2/sub01/EP01_01f (the release's strain, v, u)")."""
        said = []
        for sample in self.samples:
            whose: dict[str, list[str]] = {}
            for name, why in zip(CHANNELS, sample.constant, strict=False):
                if why is not None:
                    whose.setdefault(why, []).append(name)
            if whose:
                said.append(f"{sample.sample_id} ("
                            + "; ".join(f"{why} {', '.join(names)}"
                                        for why, names in whose.items()) + ")")
        return said

    def summary(self) -> ReleaseFidelity:
        """Per channel: the mean correlation (over non-constant channels, with their count)
        and the mean absolute difference, over the compared samples; the record that
        ``--out`` writes."""
        channels = {}
        for c, name in enumerate(CHANNELS):
            corr = [value for s in self.samples if (value := s.correlation[c]) is not None]
            channels[name] = ChannelFidelity(
                correlation=float(np.mean(corr)) if corr else None,
                correlated_samples=len(corr),
                mean_abs_diff=(float(np.mean([s.mean_abs_diff[c] for s in self.samples]))
                               if self.samples else None))
        return ReleaseFidelity(
            release=self.release, compared=len(self.samples),
            not_in_release=list(self.not_in_release), channels=channels,
            samples=[SampleFidelity(
                sample_id=s.sample_id,
                correlation=dict(zip(CHANNELS, s.correlation, strict=True)),
                mean_abs_diff=dict(zip(CHANNELS, s.mean_abs_diff, strict=True)))
                for s in self.samples])


def release_flows(release: Path) -> dict[str, Path]:
    """Sample id -> flow PNG of a composite release folder (its CSV and flow folder)."""
    table_path = release / LABEL_CSV
    if not os.path.lexists(table_path):
        raise MerbenchError(f"{release} is not a composite release folder: it has no "
                            f"{LABEL_CSV}; give the folder holding it and {FLOW_DIR}/")
    _refuse_unreadable(table_path, "label table")
    table = read_user_csv(table_path, "release's label table", dtype=str,
                          keep_default_na=False)
    lacking = [c for c in ("dataset", "sub", "filename_o") if c not in table.columns]
    if lacking:
        raise MerbenchError(f"{table_path} lacks column(s) {', '.join(lacking)}; restore it "
                            "from the release")
    flows = {f"{d}/{s}/{c}": release / FLOW_DIR / f"{s}_{c} .png"
             for d, s, c in zip(table["dataset"], table["sub"], table["filename_o"],
                                strict=True)}
    for path in flows.values():  # before computing: a fifo was left out as never released
        if os.path.lexists(path):
            _refuse_unreadable(path, "flow image")
    return flows


def _refuse_unreadable(path: Path, what: str) -> None:
    """One line for a release file that is there but no regular file (a fifo, a folder, a
    link to a device or to nothing): it is neither missing from the release nor skipped."""
    if not path.is_file():
        raise MerbenchError(f"{path} is {entry_kind(path)}, not the release's {what}; restore "
                            "it from the release")


def table_notes(release: Path) -> list[str]:
    """What the release's label table holds that its readers would take wrongly: a label
    none of its three classes (0 negative, 1 positive, 2 surprise) has, and a sample named in
    a second row (the flow image is looked up once; the authors' scripts train on it twice).
    One line each, naming the table and its rows (rows numbered as a spreadsheet shows
    them, the header row 1)."""
    table_path = release / LABEL_CSV
    table = read_user_csv(table_path, "release's label table", dtype=str,
                          keep_default_na=False)
    notes = []
    if "label" in table.columns:
        wrong = [(row + 2, label) for row, label in enumerate(table["label"])
                 if label.strip() not in CLASS_LABELS]
        if wrong:
            shown = ", ".join(f"row {row} '{label}'" for row, label in wrong[:5])
            more = f" and {len(wrong) - 5} more" if len(wrong) > 5 else ""
            notes.append(f"note: {table_path}: label(s) none of its classes 0 negative, "
                         f"1 positive, 2 surprise: {shown}{more}; the authors' scripts "
                         "train on them as they are: correct them from the release")
    first: dict[str, int] = {}
    again = []
    for row, key in enumerate(zip(table["dataset"], table["sub"], table["filename_o"],
                                  strict=True)):
        sample = "/".join(key)
        if sample in first:
            again.append(f"row {row + 2} names {sample} as row {first[sample]} does")
        first.setdefault(sample, row + 2)
    if again:
        more = f" and {len(again) - 3} more" if len(again) > 3 else ""
        notes.append(f"note: {table_path}: {'; '.join(again[:3])}{more}; its flow image is "
                     "compared once, and the authors' scripts read it twice: remove the "
                     "repeated row")
    return notes


#: the labels of the release's table: 0 negative, 1 positive, 2 surprise
CLASS_LABELS = ("0", "1", "2")


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def _constant(ours: np.ndarray, theirs: np.ndarray) -> str | None:
    """Whose image is constant in a channel (no correlation there), or None."""
    ours_flat, theirs_flat = ours.std() == 0, theirs.std() == 0
    if ours_flat and theirs_flat:
        return "both images'"
    return "merbench's" if ours_flat else "the release's" if theirs_flat else None


def compare_with_release(release: Path, sample_ids: Sequence[str],
                         flows: np.ndarray) -> ReleaseComparison:
    """``flows`` (N, 3, 28, 28), merbench's values for ``sample_ids``, against the release."""
    import cv2  # deferred: opencv

    known = release_flows(release)
    result = ReleaseComparison(release=str(release),
                               only_in_release=len(set(known) - set(map(str, sample_ids))))
    for sample_id, ours in zip(sample_ids, np.asarray(flows, dtype=np.float64), strict=True):
        path = known.get(str(sample_id))
        if path is None or not os.path.lexists(path):
            result.not_in_release.append(str(sample_id))
            continue
        theirs = read_user_image(path, "release's flow image", cv2.IMREAD_COLOR)
        if theirs.shape != (ours.shape[1], ours.shape[2], 3):
            raise MerbenchError(f"{path} is not a {ours.shape[1]}x{ours.shape[2]} colour image; "
                                "restore it from the release")
        theirs_chw = theirs.transpose(2, 0, 1).astype(np.float64)
        result.samples.append(SampleComparison(
            sample_id=str(sample_id),
            correlation=tuple(_corr(ours[c], theirs_chw[c]) for c in range(3)),
            mean_abs_diff=tuple(float(np.abs(ours[c] - theirs_chw[c]).mean())
                                for c in range(3)),
            constant=tuple(_constant(ours[c], theirs_chw[c]) for c in range(3))))
    return result
