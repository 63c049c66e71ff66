"""``merbench run --task au --seeds``: one AU configuration over seeds, its ``au-seeds.json``
written, printed, validated (forgeries and strays refused), audited, walked and published
as the AU page's one row.

One tiny real run (STSTNet, one epoch, leave-one-database-out: the two folds that test
CASME II and SAMM) of seeds 0 and 1 serves every test; each test that edits copies it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli

from merbench.au.record import AU_RESULTS_FILE, AU_SEEDS_FILE, read_au_results, read_au_seeds
from merbench.au.seed_pool import mean_f1_interval, stored_au_run
from merbench.leaderboard.site import build_site

pytestmark = pytest.mark.realdata

SEEDS = ("0", "1")


@pytest.fixture(scope="module")
def au_seeds(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The folder of the tiny run, and what the command printed."""
    out = tmp_path_factory.mktemp("au-seeds") / "ststnet-au"
    code, printed, err = run_cli(
        "run", "--model", "ststnet", "--dataset", "composite", "--data-root",
        real_data / "composite", "--task", "au", "--protocol", "lodo", "--epochs", "1",
        "--device", "cpu", "--threads", "1", "--quiet", "--seeds", ",".join(SEEDS),
        "--out", out)
    assert code == 0, err
    return out, printed


def _copy(au_seeds: tuple[Path, str], tmp_path: Path) -> Path:
    return Path(shutil.copytree(au_seeds[0], tmp_path / "copy", symlinks=True))


def test_the_summary_holds_the_seed_runs_numbers(au_seeds: tuple[Path, str]) -> None:
    out, _ = au_seeds
    summary = read_au_seeds(out / AU_SEEDS_FILE)
    runs = {seed: read_au_results(out / f"seed-{seed}" / AU_RESULTS_FILE) for seed in SEEDS}
    assert summary.kind == "au-seeds" and summary.schema_version == 1
    assert summary.seeds == [0, 1] and summary.runs == {"0": "seed-0", "1": "seed-1"}
    assert summary.au_set == runs["0"].au_set and summary.protocol.n_folds == 2
    means = [runs[s].overall.mean_f1 for s in SEEDS]
    for seed in SEEDS:
        assert summary.overall.per_seed[seed].mean_f1 == runs[seed].overall.mean_f1
        assert summary.overall.per_seed[seed].f1 == runs[seed].overall.f1
    assert summary.overall.mean.mean_f1 == pytest.approx(np.mean(means))
    assert summary.overall.std.mean_f1 == pytest.approx(np.std(means, ddof=1))
    for i in range(len(summary.au_set)):
        f1 = [runs[s].overall.f1[i] for s in SEEDS]
        assert summary.overall.mean.f1[i] == pytest.approx(np.mean(f1))
        assert summary.overall.std.f1[i] == pytest.approx(np.std(f1, ddof=1))
    # the interval is the AU page's row's: every seed's predictions resampled together
    pooled = stored_au_run(out, [(out / f"seed-{s}", runs[s]) for s in SEEDS])
    assert summary.interval.mean_f1 == pytest.approx(list(mean_f1_interval(pooled) or []))


def test_the_terminal_shows_the_summary(au_seeds: tuple[Path, str]) -> None:
    out, printed = au_seeds
    summary = read_au_seeds(out / AU_SEEDS_FILE)
    mean, std = summary.overall.mean.mean_f1, summary.overall.std.mean_f1
    assert mean is not None and std is not None and summary.interval.mean_f1 is not None
    assert f"{mean:.4f} ± {std:.4f}" in printed
    for seed in SEEDS:
        assert f"seed {seed}" in printed
        assert f"{summary.overall.per_seed[seed].mean_f1:.4f}" in printed
    low, high = summary.interval.mean_f1
    assert f"{mean:.4f} [{low:.2f}, {high:.2f}]" in printed
    assert f"{out / AU_SEEDS_FILE}" in printed.replace("\n", "")


def test_the_same_command_again_trains_nothing_and_writes_the_same(
        au_seeds: tuple[Path, str], real_data: Path, tmp_path: Path) -> None:
    copy = _copy(au_seeds, tmp_path)
    before = json.loads((copy / AU_SEEDS_FILE).read_text())
    code, _, err = run_cli(
        "run", "--model", "ststnet", "--dataset", "composite", "--data-root",
        real_data / "composite", "--task", "au", "--protocol", "lodo", "--epochs", "1",
        "--device", "cpu", "--threads", "1", "--quiet", "--seeds", "0,1", "--out", copy)
    assert code == 0, err
    after = json.loads((copy / AU_SEEDS_FILE).read_text())
    assert {**after, "created": None} == {**before, "created": None}


def test_validate_accepts_it_and_names_both_seeds(au_seeds: tuple[Path, str], cli: Any) -> None:
    out, _ = au_seeds
    code, printed, err = cli("validate", out)
    assert code == 0, err
    [line] = [line for line in printed.splitlines() if line.startswith(f"ok: {out} ")]
    assert "seeds 0, 1" in line and "every seed run validates" in line
    assert f"ok: {out / 'seed-0'} " in printed and f"ok: {out / 'seed-1'} " in printed


def _forge_a_number(folder: Path) -> None:
    data = json.loads((folder / AU_SEEDS_FILE).read_text())
    data["overall"]["per_seed"]["1"]["mean_f1"] += 0.05
    (folder / AU_SEEDS_FILE).write_text(json.dumps(data))


def _add_a_seed_run(folder: Path) -> None:
    shutil.copytree(folder / "seed-1", folder / "seed-7")


def _link_a_seed_run(folder: Path) -> None:
    moved = folder.parent / "elsewhere"
    shutil.move(folder / "seed-1", moved)
    os.symlink(moved, folder / "seed-1")


@pytest.mark.parametrize(("edit", "said"), [
    (_forge_a_number, "stored numbers do not match its runs: au-seeds.overall.per_seed.1."
                      "mean_f1"),
    (_add_a_seed_run, "seed-7 holds seed 1, a copy of seed-1: move seed-7 out of"),
    (_link_a_seed_run, "seed 1: seed-1 is a symbolic link"),
], ids=["forged-number", "unlisted-seed-run", "linked-seed-run"])
def test_validate_rejects_in_one_line(au_seeds: tuple[Path, str], tmp_path: Path, cli: Any,
                                      edit: Any, said: str) -> None:
    copy = _copy(au_seeds, tmp_path)
    edit(copy)
    code, _, err = cli("validate", copy / AU_SEEDS_FILE)
    assert code == 2
    [line] = [line for line in err.splitlines() if line.startswith("merbench: rejected:")]
    assert said in line, err


def test_audit_audits_each_seed_run(au_seeds: tuple[Path, str], real_data: Path,
                                    tmp_path: Path, cli: Any) -> None:
    copy = _copy(au_seeds, tmp_path)
    code, printed, err = cli("audit", copy, "--folds", "1", "--data-root",
                             real_data / "composite")
    assert code == 0, err
    assert "seed 0: audit passed" in printed and "seed 1: audit passed" in printed
    assert "each of the 2 seed runs matches" in printed
    assert (copy / "seed-0" / "audit.json").is_file() and (copy / "seed-1" / "audit.json").is_file()
    assert not (copy / "audit.json").exists()


def test_status_shows_each_seed_run(au_seeds: tuple[Path, str], cli: Any) -> None:
    out, _ = au_seeds
    code, printed, err = cli("status", out)
    assert code == 0, err
    assert printed.count("complete, 2/2 folds (au-results.json)") == 2


def test_the_build_shows_one_row_of_two_seeds(au_seeds: tuple[Path, str], tmp_path: Path,
                                              read_tables: Any) -> None:
    results = tmp_path / "results"
    shutil.copytree(au_seeds[0], results / "ststnet-au")
    report = build_site([results], tmp_path / "site")
    assert report.rejected == []
    assert report.others["AU run"] == 2
    page = (tmp_path / "site" / "au-composite-lodo.html").read_text()
    tables = read_tables(page)  # one epoch of the recipe's 800: a reduced row, shown apart
    assert not tables.get("au-table-au-composite-lodo-1")
    [row] = tables["au-reduced-au-composite-lodo-1"]
    assert row["seeds"] == "2"
    summary = read_au_seeds(au_seeds[0] / AU_SEEDS_FILE)
    mean = summary.overall.mean.mean_f1
    assert mean is not None and row["mean-f1"].startswith(f"{mean:.4f}")


def test_the_build_lists_a_forged_summary_and_still_shows_its_runs(
        au_seeds: tuple[Path, str], tmp_path: Path) -> None:
    results = tmp_path / "results"
    copy = Path(shutil.copytree(au_seeds[0], results / "ststnet-au"))
    _forge_a_number(copy)
    report = build_site([results], tmp_path / "site")
    assert [r.path for r in report.rejected] == [copy / AU_SEEDS_FILE]
    assert report.others["AU run"] == 2


def test_compare_reads_the_summary_folder(au_seeds: tuple[Path, str], cli: Any,
                                          tmp_path: Path, real_data: Path) -> None:
    out, _ = au_seeds
    other = tmp_path / "another-run"  # another seed: a copy of seed 0's is not independent
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "composite", "--data-root",
                       real_data / "composite", "--task", "au", "--protocol", "lodo",
                       "--epochs", "1", "--device", "cpu", "--threads", "1", "--quiet",
                       "--seed", "2", "--out", other)
    assert code == 0, err
    code, printed, err = cli("compare", out, other)
    assert code == 0, err
    assert "seeds 0, 1" in printed and "run 2 - run 1: mean F1" in printed
    code, _, err = cli("compare", out, out / "seed-0")  # one of the seeds it averages
    assert code == 2 and "a seed run its summary averages" in err, err


def test_a_sweep_still_refuses_au_runs(tmp_path: Path, cli: Any) -> None:
    """A sweep's summaries are emotion runs' (seeds.json): an AU entry is refused before
    any folder is taken, pointing at --seeds."""
    plan = tmp_path / "plan.toml"
    plan.write_text(f'out = "{tmp_path / "sweep"}"\n\n[[runs]]\nmodel = "ststnet"\n'
                    'dataset = "synthetic"\ntask = "au"\nseeds = [0, 1]\n')
    code, _, err = cli("sweep", plan)
    assert code != 0 and "--task au --seeds" in err, err
    assert not (tmp_path / "sweep").exists()


def test_the_printed_summary_says_a_reduced_setting(au_seeds: tuple[Path, str]) -> None:
    """One epoch where the recipe trains more: the seeds' summary says REDUCED, as a single
    AU run's results do (it printed no mark, the user guide saying it would)."""
    _, printed = au_seeds
    assert "training: 1 epoch," in printed and "a REDUCED setting" in printed, printed
