"""Whether a Ray cluster answers at ``--ray-address``, asked before a run plans anything.

Ray itself retries an address nothing answers at for long; merbench asks once, with a plain
socket, so a wrong address is one line at once. The run's plan asks (no Ray imported), so
the line comes before any data is read or feature extracted, and the Ray executor asks again
when it connects (the cluster may have gone meanwhile).
"""

from __future__ import annotations

import os
import socket
import sys

from merbench.base.errors import MerbenchError


def given_address(address: str | None) -> str | None:
    """The address a Ray run connects to: ``--ray-address``, else ``$RAY_ADDRESS``, else
    None (a new instance on this machine)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def check_reachable(address: str | None) -> None:
    """One line, at once, for an address nothing answers at; nothing to ask for a new local
    instance, Ray's own ``auto`` or a client URL, or where this process is connected already
    (a Python caller's own connection)."""
    ray = sys.modules.get("ray")
    if address is None or address == "auto" or "://" in address or (
            ray is not None and getattr(ray, "is_initialized", lambda: False)()):
        return
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise MerbenchError(f"--ray-address '{address}' is not HOST:PORT (the head's GCS "
                            "address that 'ray start --head' prints, e.g. 10.0.0.5:6379)")
    if not 0 < int(port) < 65536:
        raise MerbenchError(f"--ray-address '{address}' gives port {port}, out of the range "
                            "of ports, 1 to 65535; give the head's GCS address that 'ray "
                            "start --head' prints, e.g. 10.0.0.5:6379")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except socket.gaierror:  # the resolver's own words ("Name or service not known")
        raise MerbenchError(f"no Ray cluster answers at {address}: no host named '{host}' is "
                            "known here; give the head's name or IP address with "
                            "--ray-address / RAY_ADDRESS") from None
    except OSError as exc:
        raise MerbenchError(f"no Ray cluster answers at {address} ({exc.strerror or exc}); "
                            "start one there with 'ray start --head --port "
                            f"{port}', or fix --ray-address / RAY_ADDRESS") from None
