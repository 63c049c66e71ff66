"""A Ray address is refused naming where it came from, in merbench's words: a bad
``$RAY_ADDRESS`` was blamed on a ``--ray-address 'host:99999'`` the user never gave, and a
``ray://`` address without the Ray Client package quoted Ray ("Ray Client requires pip
package `ray[client]`...") with advice to 'ray start --head' (pass 84i, P9); so did
``auto`` with no cluster to join, and a bracketed IPv6 address was "no host" (pass 84j)."""

from __future__ import annotations

import importlib.util
import socket
from pathlib import Path

import pytest
from conftest import TINY_RUN


def _refused(cli, tmp_path: Path, *more: str) -> str:
    code, _, err = cli("run", *TINY_RUN, "--executor", "ray", *more, "--out", tmp_path / "r")
    assert code == 2 and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists()
    return err


@pytest.mark.parametrize(("value", "said"), [
    ("host:99999", "merbench: error: RAY_ADDRESS='host:99999' gives port 99999, out of the "
                   "range of ports, 1 to 65535; "),
    (" ", "merbench: error: RAY_ADDRESS=' ' is not HOST:PORT ("),
], ids=["port", "blank"])
def test_a_bad_ray_address_variable_is_named_as_the_variable(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, said: str) -> None:
    monkeypatch.setenv("RAY_ADDRESS", value)
    err = _refused(cli, tmp_path)
    assert err.startswith(said) and "--ray-address '" not in err, err


def test_the_option_is_named_where_it_was_given(cli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")  # the option wins, and is named
    err = _refused(cli, tmp_path, "--ray-address", "host:99999")
    assert err.startswith("merbench: error: --ray-address 'host:99999' gives port 99999"), err


def test_a_client_address_without_the_client_package_is_said_in_merbenchs_words(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "grpc" else found(name, *a))
    err = _refused(cli, tmp_path, "--ray-address", "ray://x:1")
    assert err == (
        "merbench: error: --ray-address 'ray://x:1' is a Ray Client address, and ray:// needs "
        "the Ray Client package, ray[client] (pip install 'ray[client]'), which is not "
        "installed; or give the cluster's GCS address HOST:PORT instead (the one 'ray start "
        "--head' prints, e.g. 10.0.0.5:6379)\n"), err


@pytest.mark.parametrize("given", ["option", "variable"])
def test_auto_with_no_cluster_running_is_said_in_merbenchs_words(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    """Ray's ``auto`` finding no cluster quoted Ray: "Could not find any running Ray instance.
    Please specify the one to connect to by setting `--address` flag ..." (pass 84j, Q4).
    Ray's search is stood in for, so that a Ray instance another process left running on
    this machine cannot be found."""
    ray = pytest.importorskip("ray")

    def no_cluster(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Could not find any running Ray instance. Please specify the one "
                              "to connect to by setting `--address` flag or `RAY_ADDRESS` "
                              "environment variable.")

    monkeypatch.setattr(ray, "init", no_cluster)
    if given == "option":
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
        err = _refused(cli, tmp_path, "--ray-address", "auto")
        source, fix = "--ray-address 'auto'", "leave --ray-address out"
    else:
        monkeypatch.setenv("RAY_ADDRESS", "auto")
        err = _refused(cli, tmp_path)
        source, fix = "RAY_ADDRESS='auto'", "unset RAY_ADDRESS"
    assert err == (
        f"merbench: error: no Ray cluster is running on this machine for {source} to join; "
        "start one with 'ray start --head', give a cluster's HOST:PORT, or "
        f"{fix} to start a new Ray instance for this run\n"), err


def test_a_bracketed_ipv6_address_is_asked_not_called_an_unknown_host(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``[::1]:6379`` was "no host named '[::1]' is known here" (pass 84j, Q5): the brackets
    are the address's, not the host's. A port nothing listens on is asked."""
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with socket.socket() as probe:  # a free port: nothing answers there once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = _refused(cli, tmp_path, "--ray-address", f"[::1]:{port}")
    assert err.startswith(f"merbench: error: no Ray cluster answers at [::1]:{port} ("), err
    assert "no host named" not in err, err


@pytest.mark.parametrize("given", ["option", "variable"])
def test_an_http_address_is_refused_before_ray_is_asked(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str) -> None:
    """``--ray-address http://127.0.0.1:8265`` quoted Ray's own text, cut after "either:",
    and blamed RAY_ADDRESS, which the user had not set (pass 84k, R10)."""
    if given == "option":
        monkeypatch.delenv("RAY_ADDRESS", raising=False)
        err = _refused(cli, tmp_path, "--ray-address", "http://127.0.0.1:8265")
        source = "--ray-address 'http://127.0.0.1:8265'"
    else:
        monkeypatch.setenv("RAY_ADDRESS", "https://head:8265")
        err = _refused(cli, tmp_path)
        source = "RAY_ADDRESS='https://head:8265'"
    scheme = "HTTP" if given == "option" else "HTTPS"
    assert err == (
        f"merbench: error: {source} is an {scheme} address (the Ray dashboard's, port 8265), which "
        "a run cannot join; give the head's GCS address HOST:PORT instead (the one 'ray start "
        "--head' prints, e.g. 10.0.0.5:6379)\n"), err


@pytest.mark.parametrize(("address", "said"), [
    ("ws://h:1", "--ray-address 'ws://h:1' is a ws:// address, which a run cannot join; give "
                 "the head's GCS address HOST:PORT (the one 'ray start --head' prints, e.g. "
                 "10.0.0.5:6379), or a Ray Client address ray://HOST:PORT"),
    (" http://127.0.0.1:8265", "--ray-address ' http://127.0.0.1:8265' begins with blank "
                               "space; give the address without it"),
    ("10.0.0.5:6379 ", "--ray-address '10.0.0.5:6379 ' ends with blank space; give the "
                       "address without it"),
    ("https://h:443", "--ray-address 'https://h:443' is an HTTPS address (a web server's, "
                      "port 443), which a run cannot join; give the head's GCS address "
                      "HOST:PORT instead"),
    ("http://h", "--ray-address 'http://h' is an HTTP address (a web server's, port 80), "
                 "which a run cannot join;"),
], ids=["ws", "leading-blank", "trailing-blank", "https-443", "http-no-port"])
def test_an_address_of_another_shape_is_refused_in_merbenchs_words(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str, said: str) -> None:
    """``ws://h:1`` and ``' http://...'`` quoted Ray, "(Module: ws does not exist.)", after
    Ray had started; ``https://h:443`` was "the Ray dashboard's, port 8265" (pass 84l, N8)."""
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    err = _refused(cli, tmp_path, "--ray-address", address)
    assert err.startswith(f"merbench: error: {said}"), err
    assert "Module" not in err and "8265" not in err.replace(address, ""), err


@pytest.mark.parametrize(("address", "said"), [
    ("ray://h:99999", "--ray-address 'ray://h:99999' gives port 99999, out of the range of "
                      "ports, 1 to 65535; give a Ray Client address, e.g. ray://"),
    ("ray://h:0", "--ray-address 'ray://h:0' gives port 0, out of the range of ports"),
    ("ray://[::1", "--ray-address 'ray://[::1' is not ray://HOST:PORT (a Ray Client address"),
    ("ray://", "--ray-address 'ray://' is not ray://HOST:PORT ("),
    ("ray://h:abc", "--ray-address 'ray://h:abc' is not ray://HOST:PORT ("),
], ids=["port-high", "port-zero", "open-bracket", "empty", "port-text"])
def test_a_malformed_client_address_is_refused_as_malformed_first(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, address: str, said: str) -> None:
    """Each was told to install ray[client], as if the address were whole, and Ray's own
    text would have come after the install (pass 84m, M15): it is checked as HOST:PORT is."""
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "grpc" else found(name, *a))
    err = _refused(cli, tmp_path, "--ray-address", address)
    assert err.startswith(f"merbench: error: {said}") and "ray[client]" not in err, err


@pytest.mark.parametrize("spelt", ["+{}", "{}.0", "0{}", "{}e0"])
def test_a_port_written_as_any_whole_number_is_that_port(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelt: str) -> None:
    """Pass 84n, N6: ``h:+6379`` and ``h:6379.0`` were "not HOST:PORT" while ``h:06379`` was
    taken; a port is a whole number, taken in any spelling merbench takes one in, and asked
    for and said as the plain port. A port nothing listens on is asked."""
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    with socket.socket() as probe:  # a free port: nothing answers there once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    err = _refused(cli, tmp_path, "--ray-address", f"127.0.0.1:{spelt.format(port)}")
    assert err.startswith(f"merbench: error: no Ray cluster answers at 127.0.0.1:{port} ("), err
    assert f"'ray start --head --port {port}'" in err, err


def test_a_client_address_is_given_to_ray_with_its_port_plain(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench.runner.ray_address import address_source, given_address

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert given_address("ray://h:+10001") == "ray://h:10001"
    assert given_address("[::1]:6379.0") == "[::1]:6379"
    assert given_address("h:6379.5") == "h:6379.5"  # no whole number: refused as it is
    monkeypatch.setenv("RAY_ADDRESS", "h:06379")
    assert given_address(None) == "h:6379"
    assert address_source(None) == "RAY_ADDRESS='h:06379'"  # a refusal names it as typed
