"""What a reader sees as bold, measured in headless Chromium (the mechanism of
``test_leaderboard_browser.py``): the AU page set 0.0000 in bold as the best of AU6 and
AU14, where every committed run scores 0 (issue 85). The page's cells are measured by their
computed font weight, as the browser renders them with the site's stylesheet."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from test_leaderboard_browser import _browse, _serve, chromium  # noqa: F401 (a fixture)

from merbench.au.record import AU_RESULTS_FILE, read_au_results
from merbench.au_kind.view import AURun, render_au_pages
from merbench.leaderboard.page_environment import page_environment

COMMITTED = Path(__file__).resolve().parents[1] / "leaderboards" / "results"
_MEASURE = """
window.addEventListener("load", function () {
  var page = document.querySelector("iframe").contentDocument, found = {};
  page.querySelectorAll("#au-table-au-composite-loso-1 tbody td").forEach(function (cell) {
    var weight = 0;
    [cell].concat(Array.from(cell.querySelectorAll("*"))).forEach(function (part) {
      if (part.textContent.trim()) {
        weight = Math.max(weight, parseInt(getComputedStyle(part).fontWeight, 10));
      }
    });
    var column = cell.getAttribute("data-col");
    (found[column] = found[column] || []).push(weight);
  });
  document.body.setAttribute("data-weights", JSON.stringify(found));
});
"""


def test_no_au_column_where_every_row_scores_0_is_shown_bold(chromium: str,  # noqa: F811
                                                             tmp_path: Path) -> None:
    runs = [AURun(seed, read_au_results(seed / AU_RESULTS_FILE))
            for name in ("rcn-composite-loso-au", "ststnet-composite-loso-au",
                         "timm-resnet18-composite-loso-au")
            for seed in sorted((COMMITTED / name).glob("seed-*"))]
    site = tmp_path / "site"
    site.mkdir()
    render_au_pages(page_environment(), runs, site)
    (site / "measure.html").write_text(
        '<!DOCTYPE html><html><body><iframe width="1600" height="900" '
        f'src="au-composite-loso.html"></iframe><script>{_MEASURE}</script></body></html>')
    with _serve(site) as url:
        done = _browse(chromium, tmp_path / "profile", "--window-size=1700,1000",
                       "--dump-dom", f"{url}/measure.html")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-weights="([^"]*)"', done.stdout)
    assert found, done.stdout[-2000:]
    weights = json.loads(html.unescape(found.group(1)))
    assert len(weights["au6"]) == 3 and len(weights["au14"]) == 3
    assert max(weights["au6"]) < 600 and max(weights["au14"]) < 600, weights
    assert sorted(weights["au4"])[-1] >= 700  # the best above 0 is still bold
