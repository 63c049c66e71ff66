"""``merbench keygen --out KEY``: a new key to sign audits with, and its fingerprint.

The key is refused a place inside a result's folder, as every command's output is: a result
folder is what gets published, and a private key written into one (``--out RUN/key``) went
out with it, beside files ``validate`` does not look at. A system folder is refused as
every command's output is: ``--out /proc/x.key`` was the system's "no such file or
folder", with advice to check a path that exists."""

from __future__ import annotations

import argparse

from merbench.base.literal import pasted_command
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import file_to_write, refuse_result_place
from merbench.results.out_folders import refuse_system_place
from merbench.results.signing_keys import public_key_path, write_key_pair


def main(args: argparse.Namespace) -> int:
    args.out = file_to_write(args.out, "--out", "audit-key")
    # a link at --out is write_key_pair's to refuse, in its words ("is a symbolic link (to
    # ...), not a file")
    refuse_result_place(args.out, "--out", what="file", link_ok=True, example="keys/audit-key")
    refuse_system_place(args.out, "--out", "keys/audit-key", noun="file")
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
