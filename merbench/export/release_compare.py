"""How close merbench's preprocessing comes to a release's: ``merbench export --compare``.

For every sample merbench computed that the release also holds (matched by the release's
label CSV: ``dataset/sub/filename_o``, merbench's sample ids), the flow images are compared
channel by channel (strain, v, u): Pearson's correlation over the 28x28 pixels, and the mean
absolute difference in the release's units. Both images are already min-max scaled to
0..255 per channel and image, which is the release's scaling, so the difference needs no
rescaling; a constant channel (no motion, or no strain) has no correlation and is left out
of that channel's mean and counted. ``--out`` writes the figures as a
:class:`~merbench.results.command_files.ReleaseFidelity`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from merbench.base.errors import MerbenchError
from merbench.export.layouts import FLOW_DIR, LABEL_CSV
from merbench.results.command_files import ChannelFidelity, ReleaseFidelity, SampleFidelity
from merbench.results.user_files import read_user_csv, read_user_image

CHANNELS = ("strain", "v", "u")


@dataclass(frozen=True)
class SampleComparison:
    sample_id: str
    correlation: tuple[float | None, ...]  # per channel; None: a constant channel
    mean_abs_diff: tuple[float, ...]  # per channel, 0..255 units


@dataclass
class ReleaseComparison:
    release: str
    samples: list[SampleComparison] = field(default_factory=list)
    not_in_release: list[str] = field(default_factory=list)

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
    if not table_path.is_file():
        raise MerbenchError(f"{release} is not a composite release folder: it has no "
                            f"{LABEL_CSV}; give the folder holding it and {FLOW_DIR}/")
    table = read_user_csv(table_path, "release's label table", dtype=str,
                          keep_default_na=False)
    lacking = [c for c in ("dataset", "sub", "filename_o") if c not in table.columns]
    if lacking:
        raise MerbenchError(f"{table_path} lacks column(s) {', '.join(lacking)}; restore it "
                            "from the release")
    return {f"{d}/{s}/{c}": release / FLOW_DIR / f"{s}_{c} .png"
            for d, s, c in zip(table["dataset"], table["sub"], table["filename_o"],
                               strict=True)}


def _corr(a: np.ndarray, b: np.ndarray) -> float | None:
    if a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def compare_with_release(release: Path, sample_ids: Sequence[str],
                         flows: np.ndarray) -> ReleaseComparison:
    """``flows`` (N, 3, 28, 28), merbench's values for ``sample_ids``, against the release."""
    import cv2  # deferred: opencv

    known = release_flows(release)
    result = ReleaseComparison(release=str(release))
    for sample_id, ours in zip(sample_ids, np.asarray(flows, dtype=np.float64), strict=True):
        path = known.get(str(sample_id))
        if path is None or not path.is_file():
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
                                for c in range(3))))
    return result
