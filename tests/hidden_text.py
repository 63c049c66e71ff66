"""Text that reorders or hides what follows it, in the three places merbench shows it from:
a result field, a run folder's name and a public key's name.

A right-to-left override (U+202E), a zero-width space (U+200B), a left-to-right isolate
(U+2066) and an ANSI colour sequence, printed raw, would show the rest of the line reversed,
hidden or red; merbench shows each as the escape it is written with (:mod:`merbench.base.literal`).
Shared by ``test_terminal_safety.py`` and ``test_leaderboard_safety.py``, which check the
terminal and the pages.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

from conftest import run_cli
from forgery import rewrite_run

import merbench

HIDDEN = "\u202e\u200b\u2066\x1b[31m"
SHOWN = "\\u202e\\u200b\\u2066\\x1b[31m"  # how merbench shows HIDDEN
MODEL = f"ststnet{HIDDEN}fork"  # a result field: the model's name
FOLDER = f"run{HIDDEN}folder"  # a run folder's name
KEY_NAME = f"ann{HIDDEN}maintainer"  # a public key's name, in KEY.pub and the audit record
SMALL = {"subjects": 4, "samples_per_subject": 6}


def shown(text: str) -> str:
    """``text`` as merbench shows it: HIDDEN as its escapes."""
    return text.replace(HIDDEN, SHOWN)


def raw_hidden(text: str) -> list[str]:
    """The characters of ``text`` no page or terminal line may hold raw: controls (newline
    and tab aside), format characters (bidi, zero-width), line and paragraph separators."""
    return [c for c in text if c not in "\n\t"
            and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


def _rename(results: dict[str, Any]) -> None:
    """The model named ``MODEL``, declaring the recipe the run used: not a reduced setting,
    so the benchmark page ranks it and the comparison page plots it."""
    results["model"]["name"] = MODEL
    used = results["hyperparameters"]
    results["model"]["recipe"].update({key: used[key] for key in ("epochs", "batch_size", "lr")})


def benchmark(folder: Path) -> Path:
    """A benchmark of ststnet's tiny synthetic runs, as ``hidden_results`` makes them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "synthetic.json").write_text(json.dumps({
        "id": "synthetic-loso", "title": "Synthetic", "dataset": "synthetic", "protocol": "loso",
        "classes": ["negative", "positive", "surprise"], "dataset_options": SMALL,
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
        "columns": [{"scope": "overall", "label": "All"}]}))
    return folder


def hidden_results(base: Path) -> tuple[Path, Path, str]:
    """A results folder of two tiny genuine runs of ststnet on the synthetic data:
    ``FOLDER``, one fold of it audited and signed by a key named ``KEY_NAME``, and
    ``renamed``, whose ``results.json`` names the model ``MODEL`` (every file edited to
    agree, so it validates). (results folder, the key's KEY.pub, what ``merbench audit``
    printed.)"""
    (base / "keys").mkdir()  # audit refuses a key in a folder of results
    code, _, err = run_cli("keygen", "--out", base / "keys" / "key", "--name", "ann")
    assert code == 0, err
    public = base / "keys" / "key.pub"
    kind, encoded, _name = public.read_text().split(maxsplit=2)
    public.write_text(f"{kind} {encoded} {KEY_NAME}\n")  # keygen takes printable names only
    results = base / "results"
    run = results / FOLDER
    run.mkdir(parents=True)  # by hand: merbench makes no such name (pass 84ab, AB9)
    merbench.run(model="ststnet", dataset="synthetic", out=run, epochs=1, device="cpu",
                 dataset_options=SMALL, lr=1e-3)
    renamed = Path(shutil.copytree(run, results / "renamed"))
    rewrite_run(renamed, _rename)
    code, audited, err = run_cli("audit", run, "--folds", "1", "--seed", "0", "--sign",
                                 base / "keys" / "key")
    assert code == 0, err
    return results, public, audited
