"""A ``seed-N`` folder beside a summary over seeds that the summary does not list, holding a
finished result of another kind (an emotion run beside a tuning's seeds, a tuning beside an
emotion run's), is refused as a run of the summary's own kind is: by validate, show and
status, said as what it is, and left out of the site by the build, never published as if
one of the summary's seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CliResult

from tests.test_refusals_84af_seedforeign import with_foreign_seed

Cli = Callable[..., CliResult]

#: each summary over seeds (its example, its file), the finished result of another kind put
#: beside it as seed-2, and what that result is said to be
CASES = [
    ("tuning summary over seeds", "tune-seeds.json", "emotion run",
     "an emotion run (ststnet on synthetic/loso)"),
    ("summary over seeds", "seeds.json", "tuning", "a tuning"),
    ("action-unit summary over seeds", "au-seeds.json", "emotion run",
     "an emotion run (ststnet on synthetic/loso)"),
]


def _with_unlisted(examples: dict[str, Path], root: Path, summary: str, foreign: str) -> Path:
    """A copy of the ``summary`` example in ``root/x`` with the ``foreign`` example beside
    its seeds as ``seed-2``, which its summary does not list."""
    assert not (examples[summary] / "seed-2").exists()  # beside its seeds, not in place of one
    return with_foreign_seed(examples, root, summary, foreign, "seed-2")


@pytest.mark.parametrize(("summary", "file", "foreign", "what"), CASES,
                         ids=[case[0] for case in CASES])
def test_an_unlisted_seed_of_another_kind_is_refused_by_every_command(
        cli: Cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        summary: str, file: str, foreign: str, what: str) -> None:
    _with_unlisted(examples, tmp_path, summary, foreign)
    monkeypatch.chdir(tmp_path)
    said = f"x: seed-2 is {what}, not a seed run of {file}: move seed-2 out of x"
    for verb in ("validate", "show", "status"):
        code, out, err = cli(verb, "x")
        assert said in out + err, (verb, out + err)
        if verb != "status":
            assert code != 0, verb


@pytest.mark.parametrize(("summary", "file", "foreign", "what", "published"), [
    (*CASES[0], "(11 benchmarks, 0 runs, 2 rejected; also 2 tunings)"),
    (*CASES[1], "(11 benchmarks, 2 runs, 2 rejected)")], ids=[case[0] for case in CASES[:2]])
def test_the_build_rejects_an_unlisted_seed_of_another_kind_and_never_publishes_it(
        cli: Cli, examples: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        summary: str, file: str, foreign: str, what: str, published: str) -> None:
    (tmp_path / "results").mkdir()
    _with_unlisted(examples, tmp_path / "results", summary, foreign)
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("leaderboard", "build", "--results", "results", "--out", "site")
    assert code == 0, err
    assert (f"results/x/seed-2: is {what}, not a seed run of the {file} beside it, which "
            "does not list seed-2: move seed-2 out of x") in out + err
    assert published in out + err, out + err  # the summary's seeds, each on its own
