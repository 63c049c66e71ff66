"""A protocol plugin's fold index, key and positions are checked for their types before a run
trains on them (issue 84, pass 84i): a key of numbers ended in a traceback, a key given as
one string was recorded letter by letter, a ``True`` index was run and then refused by
validate, a key part such as ``../../x`` made ``--weights`` read a file outside its folder,
and a newline in a key split audit's lines. A numpy integer index and tuple positions are
valid, and were blamed on the model; they are run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import merbench
from merbench.meta import ProtocolMeta
from merbench.protocols import Fold


def _folds(samples: pd.DataFrame, how: str) -> list[Fold]:
    """Folds by subject, each index, key or positions given ``how``."""
    subjects = (samples["database"].astype(str) + "/" + samples["subject"].astype(str)
                ).to_numpy()
    folds = []
    for i, subject in enumerate(sorted(set(subjects))):
        test, train = np.where(subjects == subject)[0], np.where(subjects != subject)[0]
        index: Any = {"npidx": np.int64(i), "boolidx": i == 1 if i < 2 else i}.get(how, i)
        key: Any = {"kint": (i,), "kstr": subject, "kdots": (f"../../../evil{i}",),
                    "kslash": (f"/etc/passwd{i}",), "knl": (f"a\nb{i}",), "kempty": (),
                    "kpart": ("syn", ""), "kcollide": (("x/y",), ("x", "y"), ("z",))[i],
                    "klong": ("s" * 300 + str(i),), "kpath": (*["d" * 200] * 21, str(i))
                    }.get(how, tuple(subject.split("/")))
        if how == "tuple":  # and a key of one part, database/subject, as the pass's plugin gave
            key = (subject,)
            train, test = tuple(int(row) for row in train), tuple(int(row) for row in test)
        folds.append(Fold(index=index, key=key, train=train, test=test))
    return folds


class _Protocol:
    def __init__(self, how: str) -> None:
        self.how = how

    def folds(self, samples: pd.DataFrame) -> list[Fold]:
        return _folds(samples, self.how)


HOWS = ("npidx", "tuple", "boolidx", "kint", "kstr", "kdots", "kslash", "knl", "kempty",
        "kpart", "kcollide", "klong", "kpath")


class _OddProtocols:
    @merbench.hookimpl
    def merbench_register_protocols(self, registry: Any) -> None:
        for how in HOWS:
            registry.add(ProtocolMeta(name=f"k-{how}", version=1, description="test protocol",
                                      citation="none"), lambda how=how: _Protocol(how))


@pytest.fixture
def odd_cli(cli, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import merbench.cli as cli_module

    real_load = cli_module._load
    monkeypatch.setattr(cli_module, "_load", lambda args, extra=(): real_load(
        args, extra=[*extra, ("oddp", _OddProtocols())]))
    return cli


def _run(cli: Any, how: str, out: Path, *more: object) -> tuple[int, str, str]:
    return cli("run", "-m", "ststnet", "-d", "synthetic", "--threads", "1", "-q",
               "--dataset-opt", "subjects=3", "--protocol", f"k-{how}", "--out", out, *more)


@pytest.mark.parametrize("how", ["npidx", "tuple"])
def test_a_numpy_index_or_tuple_positions_are_run(odd_cli, how: str, tmp_path: Path) -> None:
    """Valid folds, loosely typed: run, validated, recorded as the usual folds are."""
    out = tmp_path / how
    code, _, err = _run(odd_cli, how, out, "--epochs", "1")
    assert code == 0, err
    folds = json.loads((out / "results.json").read_text())["folds"]
    keys = [[f"syn{i}", "s01"] for i in (1, 2, 3)]
    assert [(f["index"], f["key"]) for f in folds] == [
        (i, key if how == "npidx" else ["/".join(key)]) for i, key in enumerate(keys)]
    code, stdout, err = odd_cli("validate", out)
    assert code == 0 and "ok" in stdout, err


PATH = ("a path that leads out of a folder; a key's parts are names (joined by '/' at most: "
        "no leading '/', no '.' or '..', no '\\'), as they name the fold's checkpoint file "
        "under --weights")


@pytest.mark.parametrize(("how", "said"), [
    ("kint", "fold 0 of the folds it gave has a key whose part 0 is 0 (a number), not text; "
             "a fold's key is a tuple of names"),
    ("kstr", "fold 0 of the folds it gave has the key 'syn1/s01', not a tuple of text; give "
             "its parts as a tuple, such as (database, subject)"),
    ("boolidx", "fold 0 of the folds it gave has the index False (true or false), not a whole "
                "number; a fold's index is an int, 0 to n-1"),
    ("kempty", "fold 0 of the folds it gave has an empty key; a fold's key is a tuple of at "
               "least one name"),
    ("kpart", "fold 0 of the folds it gave has a key whose part 1 is empty; a fold's key is a "
              "tuple of names"),
    ("kdots", f"fold ../../../evil0 has the key part '../../../evil0', {PATH}"),
    ("kslash", f"fold /etc/passwd0 has the key part '/etc/passwd0', {PATH}"),
    ("knl", "fold a\\nb0 has the key part 'a\\nb0', with a control character; each part of a "
            "fold's key is a name on one line"),
    ("kcollide", "two of its folds have the same key: folds 0 and 1 are both x/y"),
    ("klong", f"fold {'s' * 300}0 has a name of 305 bytes in its key ('.pth' included), longer "
              "than a file name can be (255 bytes), as the names in a key name the fold's "
              "checkpoint file under --weights"),
    # a key longer than a line can show is shortened in it (pass 84m, M10), its size said
    ("kpath", f"fold {'d' * 60}… (4,222 characters) has a key of 4226 bytes ('.pth' "
              "included), longer than a path can be (4095 bytes), as a key names the fold's "
              "checkpoint file under --weights")])
def test_an_odd_index_or_key_is_refused_in_the_protocols_name(
        odd_cli, how: str, said: str, tmp_path: Path) -> None:
    """One line blaming the protocol, rc 2, nothing written; with --weights too, so a key
    never names a file outside that folder."""
    out = tmp_path / how
    for more in (("--epochs", "1"), ("--weights", tmp_path)):
        code, stdout, err = _run(odd_cli, how, out, *more)
        assert code == 2 and stdout == "" and not out.exists(), err
        assert err.startswith(f"merbench: error: protocol 'k-{how}' of plugin 'oddp'") and \
            err.endswith(f" cannot be run: {said}; report it to the plugin's authors\n"), err
        assert err.count("\n") == 1 and "ststnet" not in err, err


def test_what_a_result_keeps_of_a_key_is_checked_as_run_checks_it() -> None:
    """validate asks the same of a result's keys (an edited one, or an older merbench's): a
    part leading out of a folder or holding a newline is refused, the key shown on one
    line; ``database/subject`` in one part is a name, the same as ``(database, subject)``."""
    from merbench.protocols.fold_checks import FoldRows, rows_problem

    def problem(key: tuple[str, ...]) -> str | None:
        rows = np.arange(4)
        return rows_problem([FoldRows(0, key, rows[:2], np.asarray([], dtype=np.int64), 2),
                             FoldRows(1, ("d", "b"), rows[2:], np.asarray([], dtype=np.int64),
                                      2)], np.array(["d/a"] * 2 + ["d/b"] * 2),
                            np.array(["x0", "x1", "x2", "x3"]), True, whole_train=False)

    assert problem(("d/a",)) is None and problem(("d", "a")) is None
    assert problem(("d/b",)) == ("two of its folds have the same key: folds 0 and 1 are both "
                                 "d/b")
    assert problem(("d", "..")) == f"fold d/.. has the key part '..', {PATH}"
    assert problem(("d", "a//b")) == f"fold d/a//b has the key part 'a//b', {PATH}"
    assert problem(("d", "a\\b")) == f"fold d/a\\b has the key part 'a\\b', {PATH}"
    assert problem(("d", "a\rb")) == (
        "fold d/a\\rb has the key part 'a\\rb', with a control character; each part of a "
        "fold's key is a name on one line")
