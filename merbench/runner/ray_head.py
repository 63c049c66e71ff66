"""Whether the head of the Ray cluster a run trains on still answers, asked while the run waits
for its tasks.

When a cluster's head (its GCS) stops, Ray's driver keeps trying to reach it for 60 s and then
Ray's own C++ ends the process with its fatal line: no merbench line, nothing said of the folds
kept or of how to go on; and a task whose node went down with the head was first tried again on
a cluster that was no longer there. So the Ray executor asks here, every :data:`POLL_S` seconds
while it waits and at once after a worker or node died, whether anything accepts a connection
at the head's address (a plain TCP connect, a second at most). A head silent for :data:`GONE_S`
seconds has stopped (the grace is for a head that is only slow to accept), and the run stops
there, long before Ray's 60 s, with one line: which cluster stopped, the folds kept and how to
go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.runner.ray_address import given_address, head_answers
from merbench.runner.started_run import StartedRun

#: how often a run waiting for its tasks asks whether the head answers, in seconds
POLL_S = 1.0

#: how long the head may stay silent before the cluster is taken as stopped, in seconds
GONE_S = 5.0


class ClusterGone(MerbenchError):
    """The cluster's head stopped answering: nothing more can be asked of the cluster, not
    even to cancel the tasks it had."""


def head_of(ray: Any, address: str | None) -> str | None:
    """HOST:PORT of the head a run connected with ``address`` (``--ray-address``, else
    ``$RAY_ADDRESS``, else None: a local instance) asks; a Ray Client address's server
    runs on the head, so its port is asked. None where Ray does not say (never asked)."""
    given = given_address(address)
    if given is not None and given != "auto":
        return given.removeprefix("ray://")
    try:
        return str(ray.get_runtime_context().gcs_address) or None
    except Exception:  # a Ray that does not say: the head is not watched
        return None


@dataclass
class Head:
    """The head of the cluster ``runs`` train on, at ``where`` (HOST:PORT; None: not asked),
    its address given as ``address`` was (see :func:`head_of`)."""

    where: str | None
    address: str | None
    runs: Sequence[StartedRun]
    answers: Callable[[str], bool] = head_answers
    silent_since: float | None = field(default=None, init=False)

    def check(self, *, wait: bool = False) -> None:
        """Raise :class:`ClusterGone` once the head has been silent :data:`GONE_S` seconds;
        with ``wait`` (after a worker or node died, before its task goes again) ask every
        :data:`POLL_S` seconds until it answers or has stopped."""
        while self.where is not None and not self.answers(self.where):
            now = time.monotonic()
            if self.silent_since is None:
                self.silent_since = now
            if now - self.silent_since >= GONE_S:
                raise ClusterGone(self.stopped())
            if not wait:
                return
            time.sleep(POLL_S)
        self.silent_since = None

    def stopped(self) -> str:
        """The line for a cluster that stopped: which, the folds kept, how to go on."""
        given = given_address(self.address)
        if given is None:
            cluster, again = "the Ray instance this run started on this machine", ""
        else:
            cluster = f"the Ray cluster at {given if given != 'auto' else self.where}"
            leave = "leave out --ray-address" if self.address else "unset RAY_ADDRESS"
            again = f"start the cluster again (or {leave}) and "
        kept = sum(len(run.done) for run in self.runs)
        total = sum(len(run.data.folds) for run in self.runs)
        said = f"{cluster} stopped (its head no longer answers)"
        if kept == 0:
            return (f"{cluster} stopped before any fold finished (its head no longer "
                    f"answers); {again}run the same command again")
        if len(self.runs) > 1:
            return (f"{said}; {kept} of the {total} folds of its {len(self.runs)} runs are "
                    f"kept; {again}run the same command again to go on")
        path = self.runs[0].run_dir.path
        return (f"{said}; {kept} of {total} folds are kept in {path}; {again}run the same "
                f"command again, or merbench run --resume {path}")
