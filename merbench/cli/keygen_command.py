"""``merbench keygen --out KEY``: a new key to sign audits with, and its fingerprint.

The key is refused a place inside a result's folder, as every command's output is: a result
folder is what gets published, and a private key written into one (``--out RUN/key``) went
out with it, beside files ``validate`` does not look at. A system folder is refused as
every command's output is: ``--out /proc/x.key`` was the system's "no such file or
folder", with advice to check a path that exists.

Nor may the key go into a folder of results or a git work tree, where it gets published or
committed (:mod:`merbench.cli.key_places`, which ``audit --sign`` asks too)."""

from __future__ import annotations

import argparse
from pathlib import Path

from merbench.base.errors import MerbenchError
from merbench.base.literal import pasted_command
from merbench.base.terminal import path_shown, say
from merbench.cli.key_places import refuse_published_place
from merbench.cli.out_places import file_to_write, refuse_result_place
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
