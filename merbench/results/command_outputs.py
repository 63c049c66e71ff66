"""What every command says of a file or folder another merbench command wrote that is no
result: ``predict``'s predictions, ``export``'s layout and its report, the JSON of ``export
--compare``, the features file of ``extract --save``.

None of them is a run's result, yet each reaches ``validate``, ``show``, ``status``,
``audit``, ``compare`` and ``migrate`` now and then (a user tidying a folder, a script
validating everything it finds). Pass 84u found export's report "has no integer
schema_version; is it a merbench result?" to validate, "no file a merbench result is written
in" to show and "not a directory" to status, and a features file read by validate as a
results file "not UTF-8": each command guessing in its own words what merbench itself
wrote. :func:`command_output_said` names each for all of them, once.

Each is recognised by what its command always writes, cheaply and without trusting its
content: a file name (``export-report.json``), the members of an ``.npz`` (``extract
--save``'s three arrays, read from the zip's directory, never unpickled) or the keys of a
small JSON object (``export --compare``'s), read through the bounded reader.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.results.prediction_file import (
    PREDICT_NAMED,
    PREDICTIONS_FILE,
    RECORD_FILE,
    is_predict_output,
    predict_output_said,
)
from merbench.results.user_files import opened_user_file, read_user_json, read_written_json

#: the inventory ``merbench export --layout`` writes into its ``--out``
EXPORT_REPORT = "export-report.json"
#: the members of a features file ``merbench extract --save`` writes
_FEATURES_MEMBERS = {"values.npy", "sample_ids.npy", "header.npy"}
#: the keys of the JSON ``merbench export --compare`` writes (ReleaseFidelity's)
_COMPARE_KEYS = {"release", "compared", "not_in_release", "channels", "samples"}
#: bytes: a comparison of every sample of the composite is well under this
_COMPARE_BYTES = 64 << 20

_NO_RESULT = "not a result merbench checks, shows or resumes"
#: what each output is, for a command that wants another input of it (``run --features``,
#: ``predict PATH``): it read predict's file as a damaged features file and export's folder
#: as one "with no numbered frame image" (pass 84v, V9)
EXPORT_NAMED = ("the output of 'merbench export' (a database's samples laid out as another "
                "code reads them)")
COMPARE_NAMED = ("the comparison 'merbench export --compare' wrote (merbench's flow images "
                 "against a release's)")
FEATURES_NAMED = "a features file 'merbench extract --save' wrote"
EXPORT_OUTPUT = f"is {EXPORT_NAMED}, {_NO_RESULT}; give a run's folder"
COMPARE_OUTPUT = f"is {COMPARE_NAMED}, {_NO_RESULT}; give a run's folder"
FEATURES_OUTPUT = (f"is {FEATURES_NAMED}, {_NO_RESULT}; train on it with 'merbench run ... "
                   "--features FILE'")
_SAID = {"export": EXPORT_OUTPUT, "compare": COMPARE_OUTPUT, "features": FEATURES_OUTPUT}
_NAMED = {"predict": PREDICT_NAMED, "export": EXPORT_NAMED, "compare": COMPARE_NAMED,
          "features": FEATURES_NAMED}


def _command_of(path: Path) -> str | None:
    """Which command wrote ``path`` ("predict", "export", "compare", "features"), where it is
    one of their outputs, None where it is none of them."""
    if is_predict_output(path):
        return "predict"
    if path.name == EXPORT_REPORT or (path.is_dir() and os.path.lexists(path / EXPORT_REPORT)):
        return "export"
    if path.suffix == ".npz" and _members(path) >= _FEATURES_MEMBERS:
        return "features"
    if path.suffix == ".json" and _json_keys(path) >= _COMPARE_KEYS:
        return "compare"
    return None


def command_output_said(path: Path) -> str | None:
    """What to say of ``path`` (after its name) where another merbench command wrote it and
    it is no result; None where it is none of them."""
    path = Path(path)
    command = _command_of(path)
    if command == "predict":
        return predict_output_said(path)  # with the run its recogniser came from
    return None if command is None else _SAID[command]


def command_output_named(path: Path) -> str | None:
    """What ``path`` is ("the output of 'merbench predict' (...)") where another merbench
    command wrote it, for a command that wants another kind of input; None where it is none
    of them."""
    command = _command_of(Path(path))
    return None if command is None else _NAMED[command]


def _written_fields(path: Path) -> bool:
    """Whether ``path`` is a file its command wrote, by the fields it always writes: a file
    of the user's merely named as one (their own ``predictions.json`` in a project folder)
    is no command's, and a folder above ``--out`` holding one is no command's folder."""
    try:
        value = read_written_json(path, path.name)
    except (MerbenchError, OSError, ValueError):
        return False
    if not isinstance(value, dict):
        return False
    if path.name == PREDICTIONS_FILE:
        video, spotter = value.get("video"), value.get("spotter")
        return value.get("kind") == "predictions" and isinstance(video, dict) and \
            "source" in video and isinstance(spotter, dict) and "name" in spotter
    if path.name == RECORD_FILE:
        return {"key", "run", "identity"} <= value.keys()
    return isinstance(value.get("written"), list) and "layout" in value  # export's report


def command_folder(folder: Path) -> str | None:
    """What ``folder`` is where another command's output lies in it, for a command that
    would write inside it (None: it is no such folder): "the output folder of 'merbench
    predict' (it holds predictions.json)". ``extract --save`` put a features file beside
    predict's predictions and, with --force, in place of export's report, which export
    reads to know what it may remove, where inside a result it is refused. Told by what
    the command wrote there, read as :func:`_written_fields` reads it, not by a name
    alone."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for command, names in (("predict", (PREDICTIONS_FILE, RECORD_FILE)),
                           ("export", (EXPORT_REPORT,))):
        held = next((name for name in names if _written_fields(folder / name)), None)
        if held is not None:
            return f"the output folder of 'merbench {command}' (it holds {held})"
    return None


def _members(path: Path) -> set[str]:
    """The names in the zip at ``path`` (none where it is no regular file or no zip)."""
    try:
        with opened_user_file(path, "features file") as file, \
                zipfile.ZipFile(file) as archive:  # bounded: opened by the bounded reader
            return set(archive.namelist())
    except (MerbenchError, OSError, zipfile.BadZipFile, ValueError):
        return set()


def _json_keys(path: Path) -> set[str]:
    """The keys of the small JSON object at ``path`` (none where it is anything else)."""
    try:
        value = read_user_json(path, "JSON file", _COMPARE_BYTES)
    except (MerbenchError, OSError, ValueError):
        return set()
    return set(value) if isinstance(value, dict) else set()


__all__ = ["COMPARE_OUTPUT", "EXPORT_OUTPUT", "EXPORT_REPORT", "FEATURES_NAMED",
           "FEATURES_OUTPUT", "command_folder", "command_output_named", "command_output_said"]
