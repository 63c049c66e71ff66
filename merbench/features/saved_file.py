"""A feature saved to one file, so it can be computed on one machine and trained on elsewhere.

``merbench extract --save FILE`` writes what a run would extract (the values, the sample ids,
the feature's report) with the identity of the feature and of the dataset it came from;
``merbench run --features FILE`` reads it instead of extracting. The typical use: landmarks
need dlib and its 96 MB predictor, which a GPU node may lack, while the model only needs the
28x28 regions cut with them. The file is checked against the run (feature name, version and
options; dataset name, options and fingerprint; sample order), so a run can never train on
features of another setting, and the run's identity is the one it would have had extracting
them itself: the file only says where the numbers were computed, which ``results.json``
records as ``feature.report.loaded_from``.

Format: an ``.npz`` holding ``values`` (N, ...), ``sample_ids`` (N,) and ``header``, a JSON
string: a :class:`~merbench.results.command_files.FeaturesHeader`, written and read through
the codec, so a damaged header is one line naming its field. It is read with
``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from merbench.base.atomic import atomic_write_bytes
from merbench.base.errors import MerbenchError
from merbench.results.codec import LayoutError, from_json, loads, to_json, unreadable
from merbench.results.command_files import FeaturesHeader
from merbench.results.command_outputs import FEATURES_NAMED, command_output_named
from merbench.results.out_folders import refuse_system_place, refuse_under_a_file
from merbench.results.result_files import result_markers
from merbench.results.run_differences import differences
from merbench.results.safe_files import UnsafeFile, refuse_special_target
from merbench.results.schema import environment, now_iso
from merbench.results.user_files import LfsPointer, UnreadableFile, check_user_file
from merbench.results.user_npz import read_user_npz

FORMAT: Final = "merbench-features"
FORMAT_VERSION = 1
FEATURES_FILE = "features file"  # what the file is, in the refusals
#: how a features file's name ends, which ``--save`` requires
SUFFIX: Final = ".npz"


@dataclass(frozen=True)
class SavedFeatures:
    """A features file's contents."""

    values: np.ndarray
    sample_ids: list[str]
    header: FeaturesHeader

    @property
    def report(self) -> dict[str, Any]:
        return dict(self.header.report)

    @property
    def summary(self) -> str:
        return self.header.summary


def save_features(path: str | Path, values: np.ndarray, sample_ids: list[str], *,
                  feature: dict[str, Any], dataset: dict[str, Any],
                  report: dict[str, Any] | None = None, summary: str = "",
                  plugin_versions: dict[str, str] | None = None) -> Path:
    """Write ``values`` with the identities of the feature and dataset they came from.

    ``feature`` and ``dataset`` are the same dictionaries a run's identity holds for them
    (name, version, options; the dataset's fingerprint too)."""
    path = check_target(path)
    if len(values) != len(sample_ids):
        raise MerbenchError(f"{len(values)} feature rows for {len(sample_ids)} samples")
    header = FeaturesHeader(format=FORMAT, format_version=FORMAT_VERSION, feature=feature,
                            dataset=dataset, report=report or {}, summary=summary,
                            environment=environment("cpu", plugin_versions or {}),
                            created=now_iso())
    buffer = io.BytesIO()
    np.savez_compressed(buffer, values=np.asarray(values),
                        sample_ids=np.asarray(sample_ids, dtype=str),
                        header=np.asarray(json.dumps(to_json(header))))
    atomic_write_bytes(path, buffer.getvalue())
    return path


def check_target(path: str | Path) -> Path:
    """Refuse a ``--save`` target that cannot become a file, before anything is computed."""
    path = Path(path)
    # deeper or longer than a path can be: mkdir recursed 2,000 folders deep, and a long name
    # was the system's "File name too long"
    refuse_system_place(path, "--save", "features.npz", noun="file")
    refuse_under_a_file(path, "--save")
    if path.is_dir():
        raise MerbenchError(f"--save {path} is a directory; name a file such as "
                            f"{path / 'features.npz'}")
    refuse_special_target(path, "--save", "features")  # a fifo was deleted, the file put there
    if path.suffix != SUFFIX:
        # every other command tells a features file by its name (validate read an a.json as
        # a results file "not UTF-8", status as "not a directory"): the name says what it is
        raise MerbenchError(f"--save {path} does not end in {SUFFIX}, the name of a features "
                            f"file; give a name such as {path.parent / path.stem}{SUFFIX}")
    return path


def missing_features_file(path: str | Path) -> MerbenchError:
    """The error for a ``--features`` path with nothing there (said when the run is planned,
    before any data is read, and again if the file goes before it is read)."""
    return MerbenchError(f"no features file at {path}; write it again with 'merbench extract "
                         "--save FILE', or leave out --features to extract them in the run")


_REWRITE = "write it again with 'merbench extract --save FILE'"


@contextlib.contextmanager
def _said_as_features(path: Path) -> Iterator[None]:
    """A features file that is missing, no regular file or unreadable, said in one line of
    the run's words, whether found when the run is planned or as the file is read."""
    if not os.path.lexists(path):
        raise missing_features_file(path)
    named = command_output_named(path)
    if named is not None and named != FEATURES_NAMED:
        # predict's file was "not an .npz archive of plain arrays (damaged, ...)", to be
        # written again, where every other command names it (pass 84v, V9)
        raise MerbenchError(f"--features {path} is {named}, not a features file; give the "
                            "file 'merbench extract --save FILE' wrote")
    result = None if named is not None else _result_holding(path)
    if result is not None:  # a run's fold file "lacked header, values", to be written again
        raise MerbenchError(f"--features {path} is a file of the merbench result in "
                            f"{result[0]} (it holds {result[1]}), not a features file; give "
                            "the file 'merbench extract --save FILE' wrote")
    try:
        yield
    except UnsafeFile as exc:  # a fifo, a device: refused before it is read (one hung)
        raise MerbenchError(f"--features {exc}") from None
    except LfsPointer as exc:  # fetched, never written again
        raise MerbenchError(f"--features {path} {exc.reason}") from None
    except UnreadableFile as exc:
        raise MerbenchError(f"{path} is not a readable features file ({exc.because}); "
                            f"{_REWRITE}") from None


def _result_holding(path: Path) -> tuple[Path, str] | None:
    """The result folder ``path`` lies in and a file that tells it one (None: none), told by
    name, as every command writing a file tells one."""
    markers = ("run.json", *result_markers())
    for folder in Path(os.path.abspath(path)).parents:
        held = next((name for name in markers if os.path.lexists(folder / name)), None)
        if held is not None:  # in the form it was given
            relative = not Path(path).is_absolute() and folder.is_relative_to(Path.cwd())
            return (folder.relative_to(Path.cwd()) if relative else folder), held
    return None


def check_features_path(path: str | Path) -> None:
    """What can be told of a ``--features`` file without reading it (there, a regular file,
    of a size a features file can have), said when the run is planned, before any data is
    read and before ``merbench run`` says it reads the data."""
    with _said_as_features(Path(path)):
        check_user_file(Path(path), FEATURES_FILE)


def load_features(path: str | Path) -> SavedFeatures:
    """Read a features file, refusing anything that is not one this merbench can read."""
    path = Path(path)
    fix = _REWRITE
    with _said_as_features(path):
        data = read_user_npz(path, FEATURES_FILE)
    missing = {"values", "sample_ids", "header"} - set(data)
    if missing:
        raise MerbenchError(f"{path} is not a merbench features file (it lacks "
                            f"{', '.join(sorted(missing))}); {fix}")
    values, ids = data["values"], data["sample_ids"]
    try:
        found = loads(str(data["header"]))
    except json.JSONDecodeError as exc:
        raise MerbenchError(f"{path} is not a readable features file (its header: "
                            f"{unreadable(exc)}); {fix}") from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise MerbenchError(f"{path} is not a merbench features file; {fix}")
    version = found.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise MerbenchError(f"{path} has features format {version!r}, newer than this "
                            f"merbench reads ({FORMAT_VERSION}); upgrade merbench")
    try:  # outside the np.load block: LayoutError is a ValueError, but says its own field
        header = from_json(FeaturesHeader, found)
    except LayoutError as exc:
        raise MerbenchError(f"{path} has a damaged header ({exc}); {fix}") from None
    if values.ndim < 1 or len(values) != len(ids):
        raise MerbenchError(f"{path} holds {len(values) if values.ndim else 0} feature rows "
                            f"for {len(ids)} sample ids; {fix}")
    if values.dtype not in VALUE_TYPES:  # text or integers trained on as if they were values
        raise MerbenchError(f"{path} holds feature values of type {_type_said(values.dtype)}, "
                            "not numbers merbench extracts (float32, float16, float64, or "
                            f"uint8 for images); {fix}")
    if values.dtype.kind in "fc" and not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).reshape(len(values), -1).any(axis=1).argmax())
        raise MerbenchError(f"{path} holds feature values that are not finite numbers (NaN "
                            f"or infinity), the first for sample {ids[bad]}; no model can "
                            f"train on them: {fix}")
    return SavedFeatures(values, [str(i) for i in ids], header)


#: the types of feature values a run trains on: what ``extract`` writes (float32; images
#: kept as uint8 or float16, :func:`~merbench.features.feature_faults.checked_values`) and
#: float64. A file whose values were text, or int64, was trained on without a word.
VALUE_TYPES = tuple(np.dtype(name) for name in ("float32", "float64", "float16", "uint8"))


def _type_said(dtype: np.dtype) -> str:
    """A values array's type in words: text, true/false, objects or numpy's name."""
    return {"U": "text", "S": "text (bytes)", "b": "true/false", "O": "Python objects"}.get(
        dtype.kind, dtype.name)


def check_matches(saved: SavedFeatures, path: str | Path, *, feature: dict[str, Any],
                  dataset: dict[str, Any], sample_ids: list[str]) -> None:
    """Refuse features saved for another feature setting, dataset or sample order."""
    for what, ours, theirs in (("feature", feature, saved.header.feature),
                               ("dataset", dataset, saved.header.dataset)):
        if theirs != ours:
            diff = "; ".join(differences(ours, theirs, f"{what}.")[:3])
            raise MerbenchError(f"{path} holds features of another setting than this run "
                                f"({diff}); extract them again with the run's options, or "
                                "leave out --features")
    if saved.sample_ids != list(sample_ids):
        extra = sorted(set(saved.sample_ids) - set(sample_ids))[:3]
        missing = sorted(set(sample_ids) - set(saved.sample_ids))[:3]
        detail = (f"missing {', '.join(missing)}" if missing else
                  f"extra {', '.join(extra)}" if extra else "the samples are in another order")
        raise MerbenchError(f"{path} was saved for other samples ({detail}); extract them "
                            "again from this dataset")
