"""A protocol plugin's folds are checked before a run trains on them (issue 84, pass 84h): a
fold that trains on what it tests was run, validated and audited as any other, and folds
that were no folds (None, none at all, the plugin's own exception, two folds testing one
sample) ended in a traceback with ``run.json`` left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import merbench
from merbench.meta import ProtocolMeta
from merbench.protocols import Fold


def _by_subject(samples: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    rows = np.arange(len(samples))
    return [(s, rows[subjects != s], rows[subjects == s]) for s in sorted(set(subjects))]


def _leak(samples: pd.DataFrame) -> list[Fold]:  # every fold trains on every sample
    return [Fold(i, tuple(s.split("/")), np.arange(len(samples)), test)
            for i, (s, _, test) in enumerate(_by_subject(samples))]


def _same_key(samples: pd.DataFrame) -> list[Fold]:
    return [Fold(i, ("one",), train, test)
            for i, (_, train, test) in enumerate(_by_subject(samples))]


def _overlap(samples: pd.DataFrame) -> list[Fold]:  # one subject tested by both folds
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    rows = np.arange(len(samples))
    first, second = sorted(set(subjects))[:2]
    rest = rows[~np.isin(subjects, [first, second])]
    return [Fold(0, tuple(first.split("/")), rest, rows[subjects == first]),
            Fold(1, tuple(second.split("/")), rest, rows[np.isin(subjects, [first, second])])]


def _raise(samples: pd.DataFrame) -> list[Fold]:
    raise ValueError("folds exploded")


BAD = {"bad-leak": (_leak, "trains on samples it tests"),
       "bad-dupkey": (_same_key, "two of its folds have the same key"),
       "bad-overlap": (_overlap, "two of its folds test the same sample"),
       "bad-none": (lambda samples: None, "it gave no fold"),
       "bad-zero": (lambda samples: [], "it gave no fold"),
       "bad-raise": (_raise, "failed to make its folds (folds exploded)")}


class _Protocol:
    def __init__(self, make: Any) -> None:
        self._make = make

    def folds(self, samples: pd.DataFrame) -> Any:
        return self._make(samples)


class _BadProtocols:
    @merbench.hookimpl
    def merbench_register_protocols(self, registry: Any) -> None:
        for name, (make, _) in BAD.items():
            registry.add(ProtocolMeta(name=name, version=1, description="test protocol",
                                      citation="none"),
                         lambda make=make: _Protocol(make))


@pytest.fixture
def bad_cli(cli, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("badp", _BadProtocols())]))
    return cli


@pytest.mark.parametrize("name", list(BAD))
def test_folds_that_are_no_folds_are_refused_before_anything_is_written(
        bad_cli, name: str, tmp_path: Path) -> None:
    out = tmp_path / name
    code, stdout, err = bad_cli("run", "-m", "ststnet", "-d", "synthetic", "--epochs", "1",
                                "--threads", "1", "-q", "--protocol", name, "--out", out)
    assert code == 2 and stdout == "" and err.count("\n") == 1, err
    assert f"protocol '{name}' of plugin 'badp'" in err and BAD[name][1] in err, err
    assert "Traceback" not in err and not out.exists()
