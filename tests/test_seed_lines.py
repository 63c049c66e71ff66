"""A seed run of a ``--seeds`` folder that validate rejects is said once (an adversarial pass
of issue 84): the summary's line named the seed and repeated the run's reason, which the
run's own line said again. The summary's line now points at the run's, for every kind of
summary over seeds (one mechanism: :class:`~merbench.verification.seed_folders.SeedRejected`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SUMMARIES = {"summary over seeds": "results.json",
             "action-unit summary over seeds": "au-results.json",
             "spot-then-recognise summary over seeds": "spotting.json",
             "tuning summary over seeds": "tuning.json"}


@pytest.mark.parametrize("kind", sorted(SUMMARIES))
def test_a_bad_seed_run_is_said_once(cli, examples: dict[str, Path], tmp_path: Path,
                                     kind: str) -> None:
    folder = tmp_path / "s"
    shutil.copytree(examples[kind], folder)
    (folder / "seed-0" / SUMMARIES[kind]).write_text('{"a":')
    code, _, err = cli("validate", folder)
    assert code == 2 and err.count("not JSON at line 1, column 6") == 1, err
    pointer = next(line for line in err.splitlines() if line.startswith(
        f"merbench: rejected: {folder}: seed 0 (seed-0) is rejected (its own line, "))
    own = pointer.split("its own line, ", 1)[1].removesuffix(", says why)")
    assert f"merbench: rejected: {own}: " in err and own.startswith(str(folder / "seed-0")), err


def test_a_seed_run_its_summary_alone_rejects_keeps_the_reason(cli, examples: dict[str, Path],
                                                                tmp_path: Path) -> None:
    """A recognised spotting seed without its str.json is a spotting run of its own (ok),
    and no recognised seed of its summary: the summary's line says why itself."""
    folder = tmp_path / "s"
    shutil.copytree(examples["spot-then-recognise summary over seeds"], folder)
    (folder / "seed-1" / "str.json").unlink()
    code, _, err = cli("validate", folder)
    assert code == 2 and "seed 1's run folder seed-1 has no str.json (it was never " \
        "recognised" in err, err
