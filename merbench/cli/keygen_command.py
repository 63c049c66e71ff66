"""``merbench keygen --out KEY``: a new key to sign audits with, and its fingerprint.

The key is refused a place inside a result's folder, as every command's output is: a result
folder is what gets published, and a private key written into one (``--out RUN/key``) went
out with it, beside files ``validate`` does not look at. A system folder is refused as
every command's output is: ``--out /proc/x.key`` was the system's "no such file or
folder", with advice to check a path that exists.

Nor may the key go into a folder of results (``leaderboards/results``, a sweep's ``out``),
which is committed and published whole, or anywhere in a git work tree, where one ``git
add`` commits it: the key's own advice is "never in a repository", and nothing that reads
results afterwards (validate, the build) looks at a file that is not a result's."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import pasted_command
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import (
    file_to_write,
    refuse_result_place,
    result_below,
    result_holding,
)
from merbench.results.out_folders import refuse_system_place
from merbench.results.signing_keys import public_key_path, write_key_pair


def main(args: argparse.Namespace) -> int:
    args.out = file_to_write(args.out, "--out", "audit-key")
    refuse_public_name(args.out)
    # a link at --out is write_key_pair's to refuse, in its words ("is a symbolic link (to
    # ...), not a file")
    refuse_result_place(args.out, "--out", what="file", link_ok=True, example="keys/audit-key")
    refuse_system_place(args.out, "--out", "keys/audit-key", noun="file")
    refuse_published_place(args.out)
    public = write_key_pair(args.out, args.name)
    # each path through path_shown: one with a newline split a line in two (as cache info's)
    private, shared = path_shown(args.out), path_shown(public_key_path(args.out))
    say(f"private key: {private} (mode 0600; keep it secret: a CI secret, never in a "
        "repository)")
    # the command to paste names the file in shell form: shown as one line, 'we\nird/k.pub'
    # named a path that is not the file (walk 85m)
    trust = pasted_command("merbench leaderboard build --trust {}", public_key_path(args.out))
    say(f"public key: {shared} (give it to builds: {trust})")
    say(f"fingerprint: {public.shown}")
    return 0


def refuse_public_name(out: Path) -> None:
    """Refuse an ``--out`` named as a public key (``KEY.pub``): everywhere else ``KEY.pub`` is
    the file to hand out (the guide copies ``audit-key.pub`` into the trusted keys), so a
    user naming the key by the file they mean to publish got a private key called
    ``.pub``."""
    if not out.name.lower().endswith(".pub"):
        return
    stem = out.name[:-len(".pub")]
    private = out.with_name(stem) if stem else out.with_name("audit-key")
    raise MerbenchError(f"--out {path_shown(out)}: that is the name of a public key; give the "
                        f"private key's name ({path_shown(private)}), and keygen writes "
                        f"{path_shown(public_key_path(private))} beside it")


#: where a private key is kept instead, as the refusals below say
_KEEP = "keep the private key outside it, e.g. --out ~/.merbench/audit-key, or in a CI secret"


def _shown(folder: Path, given: Path) -> Path:
    """``folder`` in the form ``given`` was given: relative to the current folder when it
    was."""
    cwd = Path.cwd()
    return folder.relative_to(cwd) if not given.is_absolute() and \
        folder.is_relative_to(cwd) and folder != cwd else folder


def git_work_tree(path: Path) -> Path | None:
    """The top of the git work tree ``path`` lies in (the folder holding ``.git``, a folder
    or, in a linked work tree or a submodule, a file), or None."""
    absolute = Path(path).absolute()
    real = Path(os.path.realpath(absolute.parent)) / absolute.name  # a link on the way
    for parent in dict.fromkeys([*absolute.parents, *real.parents]):
        if os.path.lexists(parent / ".git"):
            return parent
    return None


def refuse_published_place(out: Path) -> None:
    """Refuse ``--out`` in a folder of results or anywhere in a git work tree, in one line
    naming the place (the module's docstring). A folder of results is the key's own folder
    where ``--results`` would find results in it; a key in a new folder beside them
    (``keys/``) is not in it."""
    folder = Path(out).absolute().parent
    held = result_below(folder)
    if held is not None:
        raise MerbenchError(f"--out {out} is inside {_shown(folder, out)}, a folder of "
                            f"merbench results (it holds {held.relative_to(folder)}), which "
                            f"is published whole; {_KEEP}")
    tree = git_work_tree(out)
    if tree is not None:
        raise MerbenchError(f"--out {out} is inside the git work tree {_shown(tree, out)}, "
                            f"where a 'git add' commits it; {_KEEP}")


def refuse_published_key(key: Path) -> None:
    """Refuse ``audit --sign KEY`` where the private key lies where keygen refuses to write
    one: inside a result's folder (the one audited among them), which is published with its
    files, in a folder of results or in a git work tree. Signing from there said nothing,
    and the key went out with the result it signed; a key that has lain there may already
    be copied, so a new one is made."""
    fix = ("move the key out (e.g. ~/.merbench/audit-key) and make a new one with 'merbench "
           "keygen', as this one may already be copied")
    result = result_holding(key)
    if result is not None:
        raise MerbenchError(f"--sign {key} is inside the result {_shown(result, key)}, which "
                            f"gets published with its files: {fix}")
    folder = Path(os.path.normpath(Path(key).absolute())).parent
    held = result_below(folder)
    if held is not None:
        raise MerbenchError(f"--sign {key} is inside {_shown(folder, key)}, a folder of "
                            f"merbench results (it holds {held.relative_to(folder)}), which "
                            f"is published whole: {fix}")
    tree = git_work_tree(key)
    if tree is not None:
        raise MerbenchError(f"--sign {key} is inside the git work tree {_shown(tree, key)}, "
                            f"where a 'git add' commits it: {fix}")
