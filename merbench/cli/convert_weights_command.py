"""``merbench convert-weights MODEL SOURCE --out TARGET``: the authors' released weights of
MODEL, in merbench's names, checked to load strictly (:mod:`merbench.export.authors_weights`).

What it prints last is how to use what it wrote, and that depends on what was converted:
a folder of one checkpoint per LOSO test subject is what ``merbench run --weights`` scores
(with the same ``--model-opt`` the weights were converted under: OFF-ApexNet's
``conv_activation=none`` changes the network, not only the names), while a single
checkpoint is one network, trained on some subjects, that ``--weights`` cannot score: under
LOSO it would test subjects it trained on. So for a file the hint is the two Python lines
that load it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import file_to_write, refuse_replacing, refuse_result_place
from merbench.export.authors_weights import Conversion, convert, converter, targets
from merbench.plugin_system.manager import Plugins
from merbench.results.out_folders import refuse_read_place
from merbench.results.safe_files import entry_kind, refuse_special_target
from merbench.runner.given_values import check_finite


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    options = dict(args.model_opt or [])
    check_finite(options, "--model-opt")  # as 'merbench run' would refuse them later
    args.out = check_out(args.source, args.out, args.force)
    entry = load(args).registries.models.get(args.model)
    converter(entry)  # a model with no mapping is said before any checkpoint is read (84u U10)
    options = entry.without_defaults(options)  # as a run takes them: 1e9 is 1000000000
    done = convert(entry, args.source, args.out, options)
    for source, target in done.pairs:
        say(f"{source} -> {target}")
    say(f"converted {len(done.pairs)} checkpoint(s) of {args.model}'s authors into "
        "merbench's names")
    for line in usage(args.model, done, args.out, options):
        say(line)
    return 0


def check_out(source: Path, given: str | Path, force: bool) -> Path:
    """Refuse an ``--out`` that would destroy something, before anything is read: a file of
    the user's (``--out notes.txt`` replaced it with a zip), a result's folder or a place in
    one (a checkpoint written into a run makes it rejected), a fifo or a link, a folder for
    a single file (written inside, the file joined what the folder held, often the authors'
    own checkpoints, which then no longer converted as a folder); a converted
    checkpoint there already is replaced only with ``--force``, as every file merbench
    writes where the user says. Returns the ``--out`` given, as a path."""
    folder = source.is_dir()
    out = Path(given) if folder else file_to_write(given, "--out", "weights.pth")
    what = "folder" if folder else "file"
    refuse_result_place(out, "--out", what=what,
                        example="weights/" if folder else "weights.pth")
    if folder and os.path.lexists(out) and not out.is_dir():
        raise MerbenchError(f"--out {out} is {entry_kind(out)}; a folder of checkpoints "
                            "converts into a folder: give a new folder")
    if not folder and out.is_dir():  # written inside, it joined the authors' checkpoints
        raise MerbenchError(f"--out {path_shown(out)} is a folder; give the converted file's "
                            f"name, e.g. {path_shown(out.with_name(out.name + '-converted.pth'))}")
    refuse_read_place(out, "--out", [("SOURCE", source)])  # --force replaced the authors' own
    for _, target in targets(source, out):
        refuse_special_target(target, "--out", "weights")
        refuse_replacing(target, "--out", force)
    return out


def usage(model: str, done: Conversion, out: Path, options: dict[str, Any]) -> list[str]:
    """The lines that say how to use what ``done`` wrote (see the module docstring)."""
    if done.folder:
        opts = "".join(f" --model-opt {shlex.quote(f'{key}={_option_text(value)}')}"
                       for key, value in options.items())
        return ["score them, one a LOSO test subject, with: merbench run --model "
                f"{shlex.quote(model)} --weights {shlex.quote(str(out))}{opts} "
                "--dataset D --data-root PATH"]
    target = done.pairs[0][1]
    arguments = "".join(f", {key}={value!r}" for key, value in options.items())
    return ["--weights reads a folder of one checkpoint per LOSO test subject; scored under "
            "LOSO, one checkpoint would test subjects it trained on. Load it in Python:",
            "    import merbench, torch",
            f"    model = merbench.create_model({model!r}, num_classes={done.classes[0]}"
            f"{arguments})",
            f"    model.load_state_dict(torch.load({str(target)!r}, weights_only=True))"]


def _option_text(value: Any) -> str:
    """A ``--model-opt`` value as the command line reads it back (JSON unless plain text)."""
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return value
    return json.dumps(value)
