"""Whether a Ray cluster answers at ``--ray-address`` (or ``$RAY_ADDRESS``), asked before a
run plans anything.

Ray itself retries an address nothing answers at for long; merbench asks once, with a plain
socket, so a wrong address is one line at once. The run's plan asks (no Ray imported), so
the line comes before any data is read or feature extracted, and the Ray executor asks again
when it connects (the cluster may have gone meanwhile).
"""

from __future__ import annotations

import importlib.util
import os
import socket
import sys
import urllib.parse

from merbench.base.errors import MerbenchError
from merbench.base.whole_numbers import too_long, whole_value


def given_address(address: str | None) -> str | None:
    """The address a Ray run connects to: ``--ray-address``, else ``$RAY_ADDRESS``, else
    None (a new instance on this machine), its port written plain (:func:`_plain_port`)."""
    given = _typed(address)
    return None if given is None else _plain_port(given)


def joins_a_cluster(address: str | None) -> bool:
    """Whether a Ray run joins a cluster (``--ray-address`` or ``$RAY_ADDRESS``), whose
    workers may be other machines, rather than start a Ray instance on this one."""
    return _typed(address) is not None


def _typed(address: str | None) -> str | None:
    """The address as the user gave it, in the option or the variable."""
    return address or os.environ.get("RAY_ADDRESS") or None


def _plain_port(given: str) -> str:
    """``given`` with its port as the whole number it is, in digits: a port is a whole
    number, written as merbench takes one everywhere (``6379``, ``06379``, ``+6379``,
    ``6379.0``, ``6379e0``: :mod:`merbench.base.whole_numbers`), and Ray is given, and the
    lines print, the plain ``6379``; ``h:+6379`` and ``h:6379.0`` were refused as not
    HOST:PORT while ``h:06379`` was taken (pass 84n, N6). Anything else is left as it is,
    for :func:`check_reachable` to refuse in its words."""
    scheme = "ray://" if given.startswith("ray://") else ""
    host, sep, port = given.removeprefix(scheme).rpartition(":")
    number = whole_value(port) if sep and port == port.strip() else None
    if number is None or not 0 < number < 65536:
        return given
    return f"{scheme}{host}:{number}"


def address_source(address: str | None) -> str:
    """Where the address of :func:`given_address` comes from, as a refusal names it, as it
    was typed: ``--ray-address 'x'``, or ``RAY_ADDRESS='x'`` where the option was not given
    (a bad ``$RAY_ADDRESS`` was blamed on a ``--ray-address`` the user never typed)."""
    given = _typed(address)
    return f"--ray-address '{given}'" if address else f"RAY_ADDRESS='{given}'"


def check_reachable(address: str | None) -> None:
    """One line, at once, for an address nothing answers at; ``address`` is the option's
    value (None where not given: then ``$RAY_ADDRESS``'s, see :func:`given_address`).
    Nothing to ask for a new local instance, Ray's own ``auto`` (Ray finds
    the cluster; :func:`nothing_to_join` says where it finds none), or where this process is
    connected already (a Python caller's own connection); a Ray Client address
    (``ray://``) needs the package for it, which Ray would name in its own words. A host in
    brackets is an IPv6 address (``[::1]:6379``), resolved without them: it was said to be
    "no host named '[::1]'" (pass 84j, Q5). An HTTP address (the dashboard's) is refused
    here too: Ray's own refusal was quoted cut at "either:", blaming RAY_ADDRESS for the
    option's value (pass 84k, R10); so is any other scheme but ``ray://`` (pass 84l, N8:
    :func:`_check_shape`)."""
    given = given_address(address)
    ray = sys.modules.get("ray")
    if given is None or given == "auto" or (
            ray is not None and getattr(ray, "is_initialized", lambda: False)()):
        return
    source = address_source(address)
    _check_shape(source, given)
    if given.startswith("ray://"):
        _host_port(source, given.removeprefix("ray://"), _CLIENT_SHAPE)
        _check_client(source)
        return
    host, port = _host_port(source, given, _GCS_SHAPE)
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except socket.gaierror:  # the resolver's own words ("Name or service not known")
        raise MerbenchError(f"no Ray cluster answers at {given}: no host named '{host}' is "
                            "known here; give the head's name or IP address with "
                            "--ray-address / RAY_ADDRESS") from None
    except OSError as exc:
        raise MerbenchError(f"no Ray cluster answers at {given} ({exc.strerror or exc}); "
                            "start one there with 'ray start --head --port "
                            f"{port}', or fix --ray-address / RAY_ADDRESS") from None


#: what each form of address must be, and where to find one, as a refusal says it
_GCS_SHAPE = ("HOST:PORT", "the head's GCS address that 'ray start --head' prints, "
              "e.g. 10.0.0.5:6379")
_CLIENT_SHAPE = ("ray://HOST:PORT", "a Ray Client address, e.g. ray://10.0.0.5:10001, or "
                 "the head's GCS address HOST:PORT that 'ray start --head' prints")


def _host_port(source: str, hostport: str, shape: tuple[str, str]) -> tuple[str, str]:
    """The host and port of ``hostport`` (a GCS address, or what follows ``ray://``), or
    one line for a malformed one, in the words of its ``shape`` (what it must be, and an
    example). Both forms are checked alike and before anything else: ``ray://h:99999``,
    ``ray://[::1`` and ``ray://`` were told to install ray[client] (pass 84m, M15), and
    Ray's own text would have come after the install. A host in brackets is an IPv6
    address (``[::1]:6379``), given without them."""
    form, example = shape
    host, sep, port = hostport.rpartition(":")
    if host.startswith("[") and host.endswith("]"):  # IPv6, [::1]:6379: the address inside
        host = host[1:-1]
    number = whole_value(port) if port == port.strip() else None
    if number is None and too_long(port) and port == port.strip():
        number = 65536  # a whole number all the same: out of range, not "not HOST:PORT"
    if not sep or number is None or (form != "HOST:PORT" and (
            not host or any(c in host for c in "[]/?#@"))):
        raise MerbenchError(f"{source} is not {form} ({example})")
    if not 0 < number < 65536:
        raise MerbenchError(f"{source} gives port {port}, out of the range of ports, 1 to "
                            f"65535; give {example}")
    return host, str(number)


def _check_shape(source: str, given: str) -> None:
    """Refuse, before Ray is asked, an address Ray could only refuse in its own words: one
    with blank space around it, and one of a scheme other than Ray Client's ``ray://``
    (Ray takes the scheme for a Python module to import, ``ws://h:1`` and ``' http://...'``
    said "(Module: ws does not exist.)", pass 84l, N8). A web address (``http://``,
    ``https://``) is named as one, with the Ray dashboard's port only where it is that
    port: ``https://h:443`` was called "the Ray dashboard's, port 8265"."""
    bare = given.strip()
    if bare and bare != given:
        where = ("has blank space around it" if given[0].isspace() and given[-1].isspace()
                 else "begins with blank space" if given[0].isspace()
                 else "ends with blank space")
        raise MerbenchError(f"{source} {where}; give the address without it")
    scheme, sep, _ = given.partition("://")
    if not sep or scheme == "ray":
        return
    if scheme.lower() in ("http", "https"):
        raise MerbenchError(f"{source} is an {scheme.upper()} address ({_web_port(given)}), "
                            "which a run cannot join; give the head's GCS address HOST:PORT "
                            "instead (the one 'ray start --head' prints, e.g. 10.0.0.5:6379)")
    raise MerbenchError(f"{source} is a {scheme}:// address, which a run cannot join; give "
                        "the head's GCS address HOST:PORT (the one 'ray start --head' prints, "
                        "e.g. 10.0.0.5:6379), or a Ray Client address ray://HOST:PORT")


def _web_port(given: str) -> str:
    """Whose a web address is, as the refusal says it: the Ray dashboard's where it gives
    the dashboard's port, else a web server's on the port it gives (or its scheme's)."""
    parts = urllib.parse.urlsplit(given)
    try:
        port = parts.port
    except ValueError:  # not a port at all: nothing to say of it
        return "a web server's"
    if port == DASHBOARD_PORT:
        return f"the Ray dashboard's, port {DASHBOARD_PORT}"
    if port is None:
        port = 443 if parts.scheme.lower() == "https" else 80
    return f"a web server's, port {port}"


#: the port the Ray dashboard (and its job server) listens on by default
DASHBOARD_PORT = 8265


def nothing_to_join(address: str | None) -> str:
    """What to say where Ray's ``auto`` found no cluster to join (``address`` as
    :func:`check_reachable` takes it): Ray's own words named an ``--address`` flag merbench
    has not, and not which of the option or the variable asked for ``auto`` (pass 84j, Q4).
    Without an address a run starts a new Ray instance of its own on this machine
    (:mod:`merbench.runner.ray_connection`), so that is the other way out."""
    without = "leave --ray-address out" if address else "unset RAY_ADDRESS"
    return (f"no Ray cluster is running on this machine for {address_source(address)} to "
            "join; start one with 'ray start --head', give a cluster's HOST:PORT, or "
            f"{without} to start a new Ray instance for this run")


def _check_client(source: str) -> None:
    """A ``ray://`` address is Ray Client's, which needs the package ``ray[client]`` (its
    gRPC); without it Ray's own text ("Ray Client requires pip package ...") came through,
    with advice to start a cluster, which would not have helped."""
    if importlib.util.find_spec("grpc") is None:
        raise MerbenchError(f"{source} is a Ray Client address, and ray:// needs the Ray "
                            "Client package, ray[client] (pip install 'ray[client]'), which "
                            "is not installed; or give the cluster's GCS address HOST:PORT "
                            "instead (the one 'ray start --head' prints, e.g. 10.0.0.5:6379)")


def head_answers(head: str, timeout: float = 1.0) -> bool:
    """Whether anything accepts a connection at ``head`` (HOST:PORT, an IPv6 host in
    brackets) within ``timeout`` seconds: the cheap question a run asks while it waits for
    its tasks, whether its cluster's head is still there (:mod:`~merbench.runner.ray_head`)."""
    host, _, port = head.rpartition(":")
    try:
        socket.create_connection((host.removeprefix("[").removesuffix("]"), int(port)),
                                 timeout=timeout).close()
    except (OSError, ValueError):
        return False
    return True
