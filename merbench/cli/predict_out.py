"""What ``merbench predict``'s ``--out`` holds already, and whether this command may replace
it: predict goes on in its own folder (the same command again loads the recogniser it
trained there), but predictions of another video, spotter or run, and another run's
recogniser, are each kept until the user moves them, as they are not this command's to
replace."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.terminal import path_shown
from merbench.plugin_system.entry import Entry
from merbench.plugin_system.factory_options import canonical_json
from merbench.results.prediction_file import PREDICTIONS_FILE, RECORD_FILE
from merbench.results.rundir import RunDirectory
from merbench.results.user_files import read_written_json
from merbench.runner.predict import PredictSpec


def _earlier(out: Path) -> dict[str, Any] | None:
    """The predictions ``out`` holds (None: none yet), so that another video's, spotter's
    or run's never replace them unsaid; a file that cannot say is named."""
    path = out / PREDICTIONS_FILE
    if not os.path.lexists(path):
        return None
    try:
        earlier = read_written_json(path, "predictions file")
        str(earlier["video"]["source"]), str(earlier["spotter"]["name"])
        if not isinstance(earlier["spotter"]["options"], dict):
            raise TypeError
        return dict(earlier)
    except (MerbenchError, OSError, ValueError, KeyError, TypeError):
        raise MerbenchError(f"--out {out}: its {PREDICTIONS_FILE} is no predictions file "
                            "merbench wrote; delete it or give another --out") from None


def _options_said(options: dict[str, Any]) -> str:
    """A spotter's options as given on the command line (``--spotter-opt key=value``)."""
    return ", ".join(f"{key}={value}" for key, value in sorted(options.items())) or \
        "its default options"


def _same_options(recorded: dict[str, Any], given: dict[str, Any],
                  spotter: Callable[[], Entry[Any]]) -> bool:
    """Whether ``recorded`` and ``given`` set the spotter alike as it takes them: an option
    at its default is the option left out, and a whole number in any spelling the int it is
    (:meth:`~merbench.plugin_system.entry.Entry.without_defaults`, the rule a spotting run
    records its options by), so ``max_side=128`` is flow-peak's default options and
    ``128.0`` is ``128``; a file that recorded them as typed is read so too. ``spotter``
    (loading the plugins) is asked only where they differ as written: the same command
    again goes on without it."""
    given = json.loads(json.dumps(given, default=str))
    if canonical_json(recorded) == canonical_json(given):
        return True
    entry = spotter()
    return canonical_json(entry.without_defaults(recorded)) == \
        canonical_json(entry.without_defaults(given))


def other_predictions(out: Path, spec: PredictSpec,
                      spotter: Callable[[], Entry[Any]]) -> str | None:
    """Why ``out`` holds the predictions of another video or of other spotter options (None:
    it holds none, or this command's): each is replaced only by a command that reads the
    same video with the same spotter set alike (``spotter``: its registered entry, asked
    only where the options are written otherwise), as a second video's or spotter's would
    be lost unsaid."""
    earlier = _earlier(out)
    if earlier is None:
        return None
    video = str(earlier["video"]["source"])
    if video != spec.source:
        return (f"--out {out} holds the predictions of another video ({video}); give each "
                "video a folder of its own")
    recorded = earlier["spotter"]
    if recorded["name"] != spec.spotter or \
            not _same_options(recorded["options"], dict(spec.spotter_options), spotter):
        return (f"--out {out} holds the predictions of spotter {recorded['name']} with "
                f"{_options_said(recorded['options'])}; give each spotter and its options a "
                "folder of their own")
    return None


def _recorded_run(out: Path) -> tuple[str, Any] | None:
    """The run whose recogniser ``out`` holds, as predict recorded it: its absolute folder,
    from the predictions, else from the recogniser's record (kept alone by a stopped
    predict), and its identity from the record (None where the record is gone or names
    none); None where neither names a run (spotted only, or no interval to recognise)."""
    folder, identity = None, None
    for name, what in ((PREDICTIONS_FILE, "predictions file"), (RECORD_FILE, "recogniser record")):
        try:
            found = read_written_json(out / name, what)
        except (MerbenchError, OSError, ValueError):
            continue
        held = found.get("recogniser") if name == PREDICTIONS_FILE and \
            isinstance(found, dict) else found
        run = held.get("run") if isinstance(held, dict) else None
        if folder is None and isinstance(run, str) and run:
            folder = run
        if name == RECORD_FILE and isinstance(held, dict) and held.get("identity"):
            identity = held["identity"]
    return None if folder is None else (folder, identity)


def _identity(run: Path) -> Any:
    """``run``'s recorded identity (None where its ``run.json`` cannot say: validated, and
    refused in its own words, after this)."""
    try:
        return RunDirectory(run).read_run_file().identity
    except (MerbenchError, OSError, ValueError):
        return None


def refuse_other_run(out: Path, run: Path | None) -> None:
    """Refuse ``out`` where it holds the recogniser of another run than ``run`` (the folder
    --from-run names; None: none is given): its weights cost a GPU's minutes for some
    models, and predict keeps them so that the same command again loads them; another run's
    predict trained over them, and a spot-only one replaced their predictions, unsaid. The
    same run is told by its recorded identity, so one reached through a link, or in a
    project folder moved since, is gone on with; by its folder only where either identity
    is missing."""
    recorded = _recorded_run(out)
    if recorded is None:
        return
    earlier, identity = recorded
    if run is not None:
        given = _identity(run)
        if identity is not None and given is not None:
            if json.dumps(identity, sort_keys=True) == json.dumps(given, sort_keys=True,
                                                                   default=str):
                return
        elif os.path.realpath(run) == os.path.realpath(earlier):
            return
    raise MerbenchError(f"--out {out} holds the predictions and recogniser of run "
                        f"{path_shown(earlier)}; give each run a folder of its own")
