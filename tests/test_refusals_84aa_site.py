"""Pass 84aa, AA10: ``leaderboard build --out SITE`` over a site merbench built deleted what a
user put there since (a notes file, a folder, a whole run); AA5: a folder of more than 5,000
folders was "no merbench result" to ``show``, and ``status`` counted its folders otherwise
than ``validate`` (one walked a folder the other refused)."""

from __future__ import annotations

from pathlib import Path

from merbench.leaderboard.site import build_site
from merbench.results.result_files import SITE_MARKER

# -- AA10: a site rebuilt over files its build did not write ----------------------------


def _site(tmp_path: Path) -> tuple[Path, Path]:
    results = tmp_path / "results"
    results.mkdir()
    out = tmp_path / "site"
    build_site([results], out)
    return results, out


def test_a_site_holding_a_users_files_is_refused_and_they_are_kept(tmp_path: Path,
                                                                   cli) -> None:
    results, out = _site(tmp_path)
    (out / "mynotes.txt").write_text("important")
    (out / "compare" / "mine").mkdir()
    (out / "compare" / "mine" / "a.txt").write_text("x")
    run = out / "myrun"
    run.mkdir()
    for name in ("run.json", "results.json"):
        (run / name).write_text("{}")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--out {out} holds files its earlier build did not write (compare/mine/, " \
           "mynotes.txt, myrun/ (a merbench result)), which this build would delete: move " \
           "them out, or choose a new folder" in err, err
    assert (out / "mynotes.txt").read_text() == "important"
    assert (out / "compare" / "mine" / "a.txt").is_file() and (run / "run.json").is_file()


def test_a_site_of_its_own_files_is_replaced(tmp_path: Path, cli) -> None:
    """What the earlier build wrote is replaced, a page since removed included."""
    results, out = _site(tmp_path)
    page = next((out / "compare").iterdir())
    page.unlink()
    (out / "index.html").write_text("edited")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 0, err
    assert page.is_file() and (out / "index.html").read_text() != "edited"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]


def test_a_site_an_older_merbench_built_is_checked_against_the_new_build(tmp_path: Path,
                                                                         cli) -> None:
    """Its marker lists no files: what this build writes is taken as the site's own."""
    results, out = _site(tmp_path)
    (out / SITE_MARKER).write_text("Built by merbench leaderboard build; the next build "
                                   "replaces this folder.\n")
    (out / "notes").write_text("mine")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and err.count("\n") == 1, err
    assert f"--out {out} holds files this build does not write (notes), which it would " \
           "delete (an older merbench built the site" in err, err
    assert (out / "notes").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "site"]  # no staging
    (out / "notes").unlink()
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 0, err
    assert '"files"' in (out / SITE_MARKER).read_text()  # the list kept from now on


def test_many_foreign_entries_are_counted_past_the_first(tmp_path: Path, cli) -> None:
    results, out = _site(tmp_path)
    for i in range(8):
        (out / f"note-{i}").write_text("x")
    code, _, err = cli("leaderboard", "build", "--results", results, "--out", out)
    assert code == 2 and "(note-0, note-1, note-2, note-3, note-4 and 3 more)" in err, err
    assert len(list(out.glob("note-*"))) == 8
