"""``merbench keygen --out KEY``: a new key to sign audits with, and its fingerprint."""

from __future__ import annotations

import argparse

from merbench.cli.literal import say
from merbench.results.signing_keys import public_key_path, write_key_pair


def main(args: argparse.Namespace) -> int:
    public = write_key_pair(args.out, args.name)
    say(f"private key: {args.out} (mode 0600; keep it secret: a CI secret, never in a "
        "repository)")
    say(f"public key: {public_key_path(args.out)} (give it to builds: merbench leaderboard "
        f"build --trust {public_key_path(args.out)})")
    say(f"fingerprint: {public.shown}")
    return 0
