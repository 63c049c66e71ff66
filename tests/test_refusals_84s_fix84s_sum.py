"""Pass 84s, S7, S8, S16 and S18: what ``status``, ``validate`` and ``show`` say of a summary
over seeds cut to fewer seeds than its scores (S7), of a results folder holding a link (S8),
of a summary linked to a device (S16) and of a damaged ``seeds.json`` beside a single run
(S18): each fault one line, the same in all three.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_refusals_84v_seeds import EVERY_SUMMARY, RUN_OR_SWEEP

#: each kind of summary over seeds: its file and where it keeps its per-seed scores
SUMMARIES = {
    "summary over seeds": ("seeds.json", "policies.fixed.per_seed"),
    "action-unit summary over seeds": ("au-seeds.json", "overall.per_seed"),
    "spot-then-recognise summary over seeds": ("str-seeds.json", "scores.micro.per_seed"),
    "tuning summary over seeds": ("tune-seeds.json", "scores.per_seed"),
}
#: the command that writes each kind again, as its refusals name it
WRITTEN_BY = dict(EVERY_SUMMARY)


def _all_three_refuse(cli, folder: Path, said: str) -> None:
    """validate and show refuse ``folder`` with ``said``, and status says it of the summary."""
    code, out, err = cli("validate", folder)
    assert code == 2 and f"rejected: {folder}: {said}" in err, (out, err)
    code, out, err = cli("show", folder)
    assert code != 0 and f"{folder}: {said}" in err, (out, err)
    code, out, err = cli("status", folder)
    assert f"{folder}: {said} ('merbench validate' refuses it)" in out, (out, err)


def _cut_to_seed_0(folder: Path, summary_file: str, keep_runs: bool) -> None:
    """The summary's ``seeds`` cut to seed 0 (and, unless ``keep_runs``, its ``runs`` entry
    and folder of seed 1 removed), every number left as the two seeds gave it."""
    data = json.loads((folder / summary_file).read_text())
    data["seeds"] = [0]
    if not keep_runs:
        del data["runs"]["1"]
        shutil.rmtree(folder / "seed-1")
    (folder / summary_file).write_text(json.dumps(data, indent=1))


@pytest.mark.parametrize("kind", SUMMARIES)
def test_a_summary_cut_to_one_seed_is_named_by_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """S7: a summary whose seeds and runs drop seed 1 while its scores keep it was printed
    "over 1 seed" with the two seeds' mean, passed over by status and refused by validate
    on a number: all three now say which seeds its scores are of."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "s"))
    summary_file, scored = SUMMARIES[kind]
    _cut_to_seed_0(folder, summary_file, keep_runs=False)
    _all_three_refuse(cli, folder, f"{summary_file} lists seeds 0, but its scores are of "
                                   f"seeds 0, 1 ({scored}, which its mean and std are over); "
                                   f"run the same {WRITTEN_BY[kind]} again to write it anew")
    assert "over 1 seed" not in cli("show", folder)[1]


@pytest.mark.parametrize("kind", SUMMARIES)
def test_a_summary_whose_runs_keep_a_seed_it_no_longer_lists(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """S7: ``seeds`` cut, ``runs`` and seed-1 left: the runs are said first (emotion and AU
    summaries were refused only by validate, after every seed run was validated)."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "s"))
    summary_file = SUMMARIES[kind][0]
    _cut_to_seed_0(folder, summary_file, keep_runs=True)
    _all_three_refuse(cli, folder, f"{summary_file} lists seeds 0, but its runs are of seeds "
                                   f"0, 1; run the same {WRITTEN_BY[kind]} again to write it "
                                   "anew")


def _linked_line(link: Path) -> str:
    """How every command names the link ``link`` met in a folder of results."""
    if link.exists():
        return (f"{link}: is a symbolic link (to {link.resolve()}); no result is read through "
                "a link: copy the folder itself into the results folder")
    return (f"{link}: is a symbolic link (to nothing: {link.resolve()}); no result is read "
            "through a link: remove it, or copy the folder it named into the results folder")


def test_links_in_a_folder_of_results_are_named_by_all_three(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S8: a results folder holding only links (to a run, to nothing) was "no merbench run"
    to status and "no merbench result" to show, while validate named each link "(to a folder,
    or to nothing)": all three now name each as validate does, with where it leads."""
    results = tmp_path / "lq"
    (results / "a").mkdir(parents=True)
    linked, dangling = results / "a" / "linked", results / "a" / "dangling"
    linked.symlink_to(examples["emotion run"])
    dangling.symlink_to(tmp_path / "moved-away")
    code, out, err = cli("validate", results)
    assert code == 2 and all(f"rejected: {_linked_line(link)}" in err
                             for link in (linked, dangling)), (out, err)
    code, out, err = cli("status", results)
    assert code == 2 and all(f"merbench: error: {_linked_line(link)}" in err
                             for link in (linked, dangling)), (out, err)
    assert "holds no merbench run" not in err
    code, out, err = cli("show", results)
    said = _linked_line(dangling).removeprefix(f"{dangling}: ")
    assert code == 2 and f"{results} holds no merbench result but {dangling} (and 1 more " \
                         f"link), which {said}" in err, (out, err)


def test_a_link_beside_a_real_run_fails_status_as_it_fails_validate(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S8: with a real run beside a link (here to the folder above), status showed the run
    and exited 0 while validate rejected the link with exit status 2."""
    results = tmp_path / "lp"
    shutil.copytree(examples["emotion run"], results / "a" / "r")
    (results / "a" / "up").symlink_to("..")
    code, out, err = cli("validate", results)
    assert code == 2 and f"rejected: {_linked_line(results / 'a' / 'up')}" in err, (out, err)
    code, out, err = cli("status", results)
    assert code == 2 and f"{results / 'a' / 'r'}: " in out, (out, err)
    assert f"merbench: error: {_linked_line(results / 'a' / 'up')}" in err, (out, err)


def test_a_summary_linked_to_nothing_is_said_once_as_the_file(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S8's walk: a ``seeds.json`` linked to nothing is the summary's check's to name (as a
    file); the walk of its folder took it for a moved run folder too, naming it twice."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "s"))
    (folder / "seeds.json").unlink()
    (folder / "seeds.json").symlink_to(tmp_path / "nowhere")
    for command in ("validate", "status"):
        _, out, err = cli(command, folder)
        lines = [line for line in (out + err).splitlines() if "symbolic link" in line]
        assert len(lines) == 1 and f"{folder}: seeds.json is a symbolic link" in lines[0], \
            (command, out, err)


@pytest.mark.parametrize("target", ["/dev/zero", "a folder", "nothing"])
def test_a_summary_linked_to_no_file_has_one_fix_in_all_three(
        examples: dict[str, Path], tmp_path: Path, cli, target: str) -> None:
    """S16: a ``seeds.json`` linked to /dev/zero was "remove it" to status and "publish the
    file itself, inside the run folder" to validate and show: a device (a folder, nothing)
    has no file to publish; all three now say remove it, as of a fifo in its place."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "s"))
    (folder / "seeds.json").unlink()
    to = {"/dev/zero": Path("/dev/zero"), "a folder": tmp_path, "nothing": tmp_path / "gone"}
    (folder / "seeds.json").symlink_to(to[target])
    said = f"seeds.json is a symbolic link (to {to[target]})"
    for command in ("validate", "show"):
        code, out, err = cli(command, folder)
        assert code == 2 and f"{folder}: {said}; remove it: the same command writes what it " \
                             "should hold again" in err, (command, out, err)
        assert "file itself" not in err
    code, out, err = cli("status", folder)
    assert f"{folder}: {said}, which merbench never reads (remove it: the same " \
           f"{RUN_OR_SWEEP} writes it again)" in out, (out, err)


def test_a_summary_linked_to_a_file_is_still_published_as_the_file(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S16's other side: a link to a regular file has a file to publish in its place."""
    folder = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "s"))
    (folder / "seeds.json").rename(tmp_path / "seeds.json")
    (folder / "seeds.json").symlink_to(tmp_path / "seeds.json")
    code, out, err = cli("validate", folder)
    assert code == 2 and "seeds.json is a symbolic link (to " in err and "put a copy of the " \
        "file itself in its place" in err, (out, err)


def test_a_damaged_seeds_json_in_a_run_folder_is_no_summary_to_any_of_the_three(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """S18: a damaged ``seeds.json`` beside a run's ``results.json`` was flagged by status
    ("'merbench validate' says more") while validate said ``ok`` and nothing of it. No
    command writes a summary into a run's folder, and validate and show read that folder as
    the run alone: status now does too (a --seeds folder's damaged summary is still said)."""
    run = Path(shutil.copytree(examples["emotion run"], tmp_path / "r"))
    (run / "seeds.json").write_text("{")
    code, out, err = cli("status", run)
    assert code == 0 and "seeds.json" not in out + err and f"{run}: " in out, (out, err)
    code, out, err = cli("validate", run)
    assert code == 0 and f"ok: {run}" in out and "seeds.json" not in out + err, (out, err)
    assert cli("show", run)[0] == 0
    seeds = Path(shutil.copytree(examples["summary over seeds"], tmp_path / "s"))
    (seeds / "seeds.json").write_text("{")
    code, out, err = cli("status", seeds)
    assert f"{seeds}: its seeds.json cannot be read" in out, (out, err)
