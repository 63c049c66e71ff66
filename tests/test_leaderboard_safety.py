"""Text from result files and plugins is shown as text: no markup, no script, no javascript:."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

from conftest import HOSTILE

from merbench.leaderboard.site import _script


class _Page(HTMLParser):
    """Every tag with its attributes, every script body, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.in_script = tag == "script"
        if self.in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def _benchmark(folder: Path) -> Path:
    folder.mkdir()
    (folder / "synthetic.json").write_text(json.dumps({
        "id": "synthetic", "title": "Synthetic", "dataset": "synthetic", "protocol": "loso",
        "classes": [HOSTILE["class"], "positive", "surprise"],
        "dataset_options": {"subjects": 4, "samples_per_subject": 6},
        "rank": ["fixed"], "test_set_selection": ["oracle"], "metrics": ["uf1", "uar"],
        "columns": [{"scope": "overall", "label": "All"}],
        "reported": {"source": HOSTILE["name"], "url": HOSTILE["citation"], "rows": [
            {"method": HOSTILE["description"], "values": {"overall": [0.5, 0.5]}}]},
    }))
    return folder


def test_payloads_are_inert(hostile_run: Path, tmp_path: Path, cli) -> None:
    results = tmp_path / "results"
    shutil.copytree(hostile_run, results / "hostile")
    # a second copy that is rejected, with a payload in the reason the index prints
    shutil.copytree(hostile_run, results / "rejected")
    path = results / "rejected" / "results.json"
    edited = json.loads(path.read_text())
    edited["folds"][0]["key"] = [HOSTILE["name"], "s01"]
    path.write_text(json.dumps(edited))

    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", _benchmark(tmp_path / "benchmarks"))
    assert code == 0 and "1 runs, 1 rejected" in out, err
    pages = {p.relative_to(tmp_path / "site").as_posix(): p.read_text()
             for p in (tmp_path / "site").rglob("*.html")}
    assert set(pages) == {"index.html", "benchmarks/synthetic.html",
                          "compare/synthetic.html", "runs/hostile/index.html"}
    script, script_hash = _script()
    shown = {name: 0 for name in HOSTILE}
    for name, html in pages.items():
        page = _Page()
        page.feed(html)
        assert page.scripts == [script], name  # the page's own script and nothing else
        assert f"script-src '{script_hash}'" in html
        for tag, attrs in page.tags:
            assert tag not in ("img", "iframe", "object", "embed"), (name, tag)
            for key, value in attrs.items():
                assert not key.startswith("on"), (name, tag, key)
                assert "javascript:" not in (value or "").lower(), (name, tag, key)
                if key == "href":
                    assert value and (value.startswith(("https://", "http://"))
                                      or not (":" in value.split("/")[0]
                                              or value.startswith("//"))), (name, value)
        text = "".join(page.text)
        for key, payload in HOSTILE.items():
            shown[key] += payload in text  # shown, as text
    # every payload reached some page as visible text: escaped, not dropped
    assert all(shown.values()), shown
    run_page = pages["runs/hostile/index.html"]
    assert "&lt;script&gt;document.documentElement.setAttribute" in run_page
    assert "Citation: javascript:alert(document.domain)" in " ".join(run_page.split())  # not a link
    assert "&lt;svg onload=" in run_page  # the class name inside the confusion matrices
    index = pages["index.html"]
    assert "&lt;script&gt;" in index and "is rejected" not in index
