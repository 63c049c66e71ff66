"""The built site in a real browser: served over HTTP on 127.0.0.1, opened in headless
Chromium (Debian's ``chromium``; .ci/run installs it). Checks the numbers the browser shows,
that the page script runs and sorts, that nothing is logged to the console (script errors,
CSP refusals), that hostile text stays inert, and saves screenshots (to
``$MERBENCH_SCREENSHOTS`` when set, else the test's temporary folder)."""

from __future__ import annotations

import contextlib
import functools
import html
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import row_result_files

ROOT = Path(__file__).resolve().parents[1]
COMPOSITE = ROOT / "leaderboards" / "results" / "ststnet-composite-loso"
SERVER_LIMIT_S = 180  # the server stops itself after this, whatever happens to the test
BROWSER_LIMIT_S = 90


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    problem = "no chromium on PATH (apt-get install chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(f"the browser test is required in CI: {problem}")
    pytest.skip(problem)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, hostile_run: Path) -> Iterator[str]:
    """The site built from the real results plus the hostile run, on a local port."""
    from merbench.cli import main

    base = tmp_path_factory.mktemp("browser")
    results = base / "results"
    shutil.copytree(COMPOSITE, results / "ststnet-composite-loso")
    shutil.copytree(hostile_run, results / "hostile")
    site = base / "site"
    assert main(["leaderboard", "build", "--results", str(results), "--out", str(site)]) == 0
    with _serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def served_results(committed_site: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The site of every committed result (leaderboards/results), on a local port: a copy
    of the suite's build, since a test here adds its measuring pages beside the site's."""
    site = tmp_path_factory.mktemp("browser-all") / "site"
    shutil.copytree(committed_site, site)
    with _serve(site) as url:
        yield site, url


@contextlib.contextmanager
def _serve(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stopper = threading.Timer(SERVER_LIMIT_S, server.shutdown)
    stopper.daemon = True
    stopper.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stopper.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _browse(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
               "--disable-background-networking", "--disable-sync", "--mute-audio",
               "--disable-quic", "--disable-component-update",
               f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=3000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_LIMIT_S,
                          check=False)


def _console(stderr: str) -> list[str]:
    """What the page wrote to the console: errors, CSP refusals, anything at all."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def _dom(chromium: str, profile: Path, url: str) -> str:
    done = _browse(chromium, profile, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _console(done.stderr) == [], _console(done.stderr)
    html_tag = re.search(r"<html[^>]*>", done.stdout)
    assert html_tag, done.stdout[:500]
    assert 'data-scripts="ready"' in html_tag.group(0)  # the page script ran to its end
    assert "data-js-errors" not in html_tag.group(0)
    assert "data-pwned" not in html_tag.group(0)  # no payload ran (they all set it)
    return done.stdout


def _screenshots() -> Path | None:
    folder = os.environ.get("MERBENCH_SCREENSHOTS")
    return Path(folder) if folder else None


def test_benchmark_page_in_chromium(chromium: str, served: str, tmp_path: Path,
                                    read_tables) -> None:
    summary = json.loads((COMPOSITE / "seeds.json").read_text())
    page = f"{served}/benchmarks/composite-3class-loso.html"
    tables = read_tables(_dom(chromium, tmp_path / "profile", page))
    (ranked,) = tables["ranked-table"]
    mean, std = summary["policies"]["fixed"]["mean"], summary["policies"]["fixed"]["std"]
    assert ranked["overall-uf1"].startswith(f"{mean['overall']['uf1']:.4f} ± "
                                            f"{std['overall']['uf1']:.4f} [")
    assert ranked["samm-uar"].startswith(f"{mean['per_database']['samm']['uar']:.4f} ± "
                                         f"{std['per_database']['samm']['uar']:.4f} [")
    (oracle,) = tables["test-set-table"]
    assert oracle["selection"].startswith("oracle")
    oracle_mean = summary["policies"]["oracle"]["mean"]["overall"]["uf1"]
    assert oracle["overall-uf1"].startswith(f"{oracle_mean:.4f} ± ")
    assert [r["model"] for r in tables["reported-table"]][:2] == ["LBP-TOP", "Bi-WOOF"]
    # the page script sorts: a linked sort puts the best SAMM UF1 first
    sorted_tables = read_tables(_dom(chromium, tmp_path / "profile",
                                     page + "#sort=reported-table:samm-uf1:desc"))
    order = [r["model"] for r in sorted_tables["reported-table"]]
    assert order[:3] == ["CausalNet", "HTNet", "EMR"] and order[-1] == "STSTNet (PyTorch re-run)"

    shot = (_screenshots() or tmp_path) / "composite-3class-loso.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    done = _browse(chromium, tmp_path / "profile", "--hide-scrollbars",
                   "--window-size=1400,1600", f"--screenshot={shot}", page)
    assert done.returncode == 0 and _console(done.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_run_pages_and_index_in_chromium(chromium: str, served: str, tmp_path: Path,
                                         read_tables) -> None:
    index = _dom(chromium, tmp_path / "profile", f"{served}/index.html")
    runs = read_tables(index)["runs-table"]
    assert len(runs) == 4 and sum(r["benchmarks"] == "composite-3class-loso" for r in runs) == 3
    run = _dom(chromium, tmp_path / "profile",
               f"{served}/runs/ststnet-composite-loso-seed-2/index.html")
    results = json.loads((COMPOSITE / "seed-2" / "results.json").read_text())
    scores = {r["scope"]: r for r in read_tables(run)["scores-fixed"]}
    assert scores["casme2"]["uar"].split()[0] == \
        f"{results['metrics']['per_database']['casme2']['uar']:.4f}"
    assert "[" in scores["casme2"]["uar"]  # with its interval over subjects
    assert run.count("<svg") == 11  # 8 confusion matrices, 2 learning curves, 1 strip plot
    hostile = _dom(chromium, tmp_path / "profile", f"{served}/runs/hostile/index.html")
    assert "&lt;script&gt;document.documentElement" in hostile  # shown, not run
    shot = (_screenshots() or tmp_path) / "run-seed-2.png"
    done = _browse(chromium, tmp_path / "profile", "--hide-scrollbars",
                   "--window-size=1400,1600", f"--screenshot={shot}",
                   f"{served}/runs/ststnet-composite-loso-seed-2/index.html")
    assert done.returncode == 0 and shot.stat().st_size > 50_000


WIDTHS = (1366, 1920)  # a common laptop screen and a full-HD one
_MEASURE = """
window.addEventListener("load", function () {
  var found = {};
  document.querySelectorAll("iframe").forEach(function (frame) {
    var page = frame.contentDocument, root = page.documentElement, wide = [];
    if (root.scrollWidth > root.clientWidth) {
      wide.push("page " + root.scrollWidth + " > " + root.clientWidth);
    }
    page.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth) {
        var table = wrap.querySelector("table");
        wide.push((table && table.id) + " " + wrap.scrollWidth + " > " + wrap.clientWidth);
      }
    });
    found[frame.getAttribute("data-page") + " at " + frame.width] = wide;
  });
  document.body.setAttribute("data-overflow", JSON.stringify(found));
});
"""


def test_no_page_scrolls_sideways_at_1366_or_1920(chromium: str, served_results, tmp_path: Path
                                                  ) -> None:
    """Every page of the committed results' site fits 1366 and 1920 px windows: neither the
    page nor any of its tables scrolls sideways (tables did, even at 1920). Each page is
    measured in a same-origin iframe of that width, scrollbar included, by a harness page
    next to the site; a control page wider than any window proves the measure sees it."""
    site, url = served_results
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))
    runs = len(row_result_files(COMPOSITE.parent))  # a page each, but a tuning's trials
    au_pages = 1 if any(COMPOSITE.parent.glob("**/au-results.json")) else 0  # the composite's
    # index, spotting, tuning, 11 benchmarks, their comparisons, the AU page
    assert len(pages) == 3 + 11 + 11 + runs + au_pages
    (site / "control-wide.html").write_text(
        '<!DOCTYPE html><div class="table-wrap" style="overflow-x:auto">'
        '<table id="wide"><tr><td style="min-width:2500px">x</td></tr></table></div>')
    frames = "".join(f'<iframe data-page="{page}" width="{width}" height="900" src="{page}">'
                     "</iframe>" for page in [*pages, "control-wide.html"] for width in WIDTHS)
    (site / "measure-overflow.html").write_text(
        f"<!DOCTYPE html><html><body>{frames}<script>{_MEASURE}</script></body></html>")
    done = _browse(chromium, tmp_path / "profile", "--window-size=2000,1000", "--dump-dom",
                   f"{url}/measure-overflow.html")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-overflow="([^"]*)"', done.stdout)
    assert found, done.stdout[-2000:]
    wide = json.loads(html.unescape(found.group(1)))
    assert len(wide) == 2 * (len(pages) + 1)
    for width in WIDTHS:
        assert wide.pop(f"control-wide.html at {width}")  # the measure does see overflow
    assert {where: what for where, what in wide.items() if what} == {}
