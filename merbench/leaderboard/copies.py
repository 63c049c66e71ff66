"""Copies of one configuration and seed: reproductions that confirm a row, or a conflict.

A seed counts once on a leaderboard. Two result folders that claim the same configuration
and seed are either the same training done twice (a reproduction: every fold's per-epoch
predictions identical, as merbench's deterministic CPU training gives on another machine)
or they disagree. Identical copies confirm each other: the row is ranked once (from a copy
an audit vouches for, else the one trained first) and says
"reproduced Nx", listing each copy with its machine and merbench version. Copies that
disagree are a conflict that names the folds where they differ; nothing here can tell the
genuine copy from an edited one, so the row is ranked only from copies an audit signed by a
trusted key vouches for (``vouched``), and without one every copy is rejected, with how to
settle it. ``merbench validate`` and the leaderboard build say the same thing, from here.
What a copy's predictions are is :mod:`merbench.results.run_copies`'s, which
``merbench compare`` tells copies apart by too.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from merbench.results.model import Results
from merbench.results.run_copies import fold_digests


@dataclass
class Claim:
    """One result folder's claim to a configuration and seed."""

    path: str  # as shown: where it was found
    run_dir: Path
    results: Results
    digests: list[str] = field(default_factory=list)

    @property
    def machine(self) -> str:
        """Where it trained and with which merbench: what a reader checks a copy by."""
        env = self.results.environment
        commit = (env.git_commit or "")[:7]
        version = f"merbench {env.merbench}" + (f" ({commit})" if commit else "")
        return f"{env.device}, {env.platform}, {version}"


@dataclass
class Settled:
    """What a set of claims to one configuration and seed comes to."""

    kept: Claim | None  # the copy the row is ranked from (None: none can be)
    reproductions: list[Claim]  # the other copies with identical predictions
    rejected: list[tuple[Claim, str]]  # copies not shown, each with the reason


def _differing(a: Claim, b: Claim) -> str:
    folds = [str(i) for i, (x, y) in enumerate(zip(a.digests, b.digests, strict=True))
             if x != y]
    shown = ", ".join(folds[:5]) + (f" and {len(folds) - 5} more" if len(folds) > 5 else "")
    return f"fold{'s' if len(folds) > 1 else ''} {shown}"


def settle(claims: Sequence[Claim], vouched: Callable[[Claim], bool]) -> Settled:
    """Reproductions or a conflict (see the module's docstring). ``claims`` must hold the
    same configuration and seed; their digests are read here when not given."""
    for claim in claims:
        if not claim.digests:
            claim.digests = fold_digests(claim.run_dir, claim.results.protocol.n_folds)
    if len(claims) == 1:
        return Settled(claims[0], [], [])
    agreeing: dict[tuple[str, ...], list[Claim]] = {}
    for claim in sorted(claims, key=lambda c: c.path):
        agreeing.setdefault(tuple(claim.digests), []).append(claim)
    sets = list(agreeing.values())
    seed = claims[0].results.seed
    if len(sets) == 1:  # shown: a vouched copy, else the first trained (the original)
        kept = next((c for c in sets[0] if vouched(c)),
                    min(sets[0], key=lambda c: (c.results.created, c.path)))
        return Settled(kept, [c for c in sets[0] if c is not kept], [])
    trusted = [s for s in sets if any(vouched(c) for c in s)]
    if len(trusted) == 1:
        chosen = trusted[0]
        kept = next(c for c in chosen if vouched(c))
        return Settled(kept, [c for c in chosen if c is not kept], [
            (c, f"claims the same configuration and seed {seed} as {kept.path}, whose "
                f"audit a trusted key signed, but its predictions differ on "
                f"{_differing(c, kept)}; the audited copy is shown")
            for s in sets if s is not chosen for c in s])
    rejected = []
    for claim in claims:
        others = "; ".join(f"{o.path} (predictions differ on {_differing(claim, o)})"
                           for o in claims
                           if o is not claim and o.digests != claim.digests)
        rejected.append((claim, (
            f"claims the same configuration and seed {seed} as {others}: a seed counts "
            "once, and merbench cannot tell which copy is genuine, so none is shown; "
            "remove the copies that are not, or audit them (merbench audit RUN, signed "
            "with a key the build trusts) and the audited copy is shown")))
    return Settled(None, [], rejected)


T = TypeVar("T")


def by_evidence(items: Sequence[T], claim: Callable[[T], Hashable],
                evidence: Callable[[T], str], path: Callable[[T], Path], what: str
                ) -> tuple[list[list[T]], list[tuple[Path, str]]]:
    """``items`` (AU runs, spotting runs) grouped by what each claims to be: the groups
    whose copies share their evidence (one item, or copies that are the same), and for
    every copy of a group whose evidence differs, its path and why it is rejected: one of
    them was edited, and until an audit says which, none is shown (``what``: the claim in
    words, "configuration and seed")."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(claim(item), []).append(item)
    kept: list[list[T]] = []
    rejected: list[tuple[Path, str]] = []
    for copies in groups.values():
        if len({evidence(item) for item in copies}) == 1:
            kept.append(copies)
            continue
        for item in copies:
            others = ", ".join(str(path(other)) for other in copies if other is not item)
            rejected.append((path(item), f"claims the {what} of {others} with other results: "
                                         "one of them was edited ('merbench audit' of each "
                                         "says which); publish only the genuine one"))
    return kept, rejected
