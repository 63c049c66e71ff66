"""Text from result files and plugins is shown as text: no markup, no script, no javascript:,
no character that reorders or hides the words after it; and no page names where the results
lie on the machine that built it."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from conftest import HOSTILE
from hidden_text import (
    FOLDER,
    HIDDEN,
    KEY_NAME,
    MODEL,
    SHOWN,
    benchmark,
    hidden_results,
    raw_hidden,
    shown,
)
from markupsafe import Markup

from merbench.leaderboard.curves import curve_svg
from merbench.leaderboard.forest import Entry, forest_svg
from merbench.leaderboard.page_environment import page_environment, page_script, safe_url
from merbench.leaderboard.page_views import PagePaths
from merbench.leaderboard.subjects import SubjectScore, strip_svg
from merbench.leaderboard.svg import confusion_svg


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
    _hostile_spotting_run(results / "spotting")
    # a second copy that is rejected, with a payload in the reason the index prints
    shutil.copytree(hostile_run, results / "rejected")
    path = results / "rejected" / "results.json"
    edited = json.loads(path.read_text())
    edited["folds"][0]["key"] = [HOSTILE["name"], "s01"]
    path.write_text(json.dumps(edited))

    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", _benchmark(tmp_path / "benchmarks"))
    assert code == 0 and "1 run, 1 rejected" in out, err
    pages = {p.relative_to(tmp_path / "site").as_posix(): p.read_text()
             for p in (tmp_path / "site").rglob("*.html")}
    assert set(pages) == {"index.html", "benchmarks/synthetic.html", "spotting.html",
                          "tuning.html", "compare/synthetic.html", "runs/hostile/index.html"}
    (copied,) = (tmp_path / "site" / "spotting").glob("*/spotting.json")  # inside the site
    assert copied.parent.name.startswith("script-document-documentelement")
    script, script_hash = page_script()
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
    spotting = pages["spotting.html"]
    assert "&lt;script&gt;document" in spotting and "&lt;img src=x" in spotting


def _hostile_spotting_run(out: Path) -> None:
    """A spotting run whose dataset, spotter and option names carry the payloads (and a
    dataset name that is a path out of the site's folder); no number changes, so it
    validates and is rendered."""
    from test_spot_command import SMALL_OPTIONS, EchoPlugin

    from merbench.plugin_system.manager import load_plugins
    from merbench.runner.spot import SpotSpec, SpottingRun

    plugins = load_plugins(extra=[("echo-spotter", EchoPlugin())])
    SpottingRun(SpotSpec("synthetic-long", "echo", dataset_options=SMALL_OPTIONS), plugins,
                out).execute()
    file = out / "spotting.json"
    data = json.loads(file.read_text())
    data["dataset"]["name"] = HOSTILE["name"] + "/../../../escaped"
    data["spotter"]["name"] = HOSTILE["description"]
    data["spotter"]["options"] = {HOSTILE["class"]: HOSTILE["citation"]}
    file.write_text(json.dumps(data))
    # the run's record and its video files say the same run, as a forger would make them
    for record in [out / "spot-run.json", *sorted((out / "videos").glob("*.json"))]:
        found = json.loads(record.read_text())
        identity = found.get("identity", found)
        identity["dataset"]["name"] = data["dataset"]["name"]
        identity["spotter"]["name"] = data["spotter"]["name"]
        identity["spotter"]["options"] = data["spotter"]["options"]
        record.write_text(json.dumps(found))


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return hidden_results(tmp_path_factory.mktemp("hidden"))


def _text(html: str) -> str:
    """A page's visible text (title included), its white space collapsed."""
    page = _Page()
    page.feed(html)
    return " ".join("".join(page.text).split())


def test_hidden_characters_show_as_escapes_and_pages_name_no_local_folder(
        hidden: tuple[Path, Path, str], tmp_path: Path, cli) -> None:
    """A model name, a run folder's name and a signing key's name that carry a right-to-left
    override, a zero-width space, an isolate and an ANSI sequence show them as escapes on
    every page, in text, titles, tooltips, sort values and the SVG alike, and merbench's own
    words after them read as written; no page names where the results lie on this machine."""
    made, public, _ = hidden
    results = Path(shutil.copytree(made, tmp_path / "results"))
    rejected = Path(shutil.copytree(results / "renamed", results / f"rejected{HIDDEN}copy"))
    path = rejected / "results.json"
    path.write_text(path.read_text().replace('"n_folds": 4', '"n_folds": 5'))
    site = tmp_path / "site"
    code, out, err = cli("leaderboard", "build", "--results", results, "--out", site,
                         "--benchmarks", benchmark(tmp_path / "benchmarks"), "--trust", public)
    assert code == 0 and "2 runs, 1 rejected" in out, err
    assert str(results / f"rejected{SHOWN}copy") in err  # the terminal says where it is
    pages = {p.relative_to(site).as_posix(): p.read_text() for p in site.rglob("*.html")}
    folder_page = next(name for name in pages if name.startswith("runs/")
                       and name != "runs/renamed/index.html")
    for name, html in pages.items():
        assert not raw_hidden(html), (name, raw_hidden(html)[:3])
        for local in (tmp_path, tmp_path.resolve()):
            assert str(local) not in html, (name, "names the folder it was built from")
    text = {name: _text(html) for name, html in pages.items()}
    model = shown(MODEL)
    renamed = text["runs/renamed/index.html"]
    assert f"{model} v1 · synthetic/loso · seed 0 · merbench leaderboard" in renamed  # title
    assert f"{model} v1 on synthetic / loso, seed 0" in renamed
    assert "Copied from results/renamed: everything on this page" in renamed
    folder = text[folder_page]
    assert f"Copied from results/{shown(FOLDER)}: everything on this page can be" in folder
    assert f"({shown(KEY_NAME)}), a trusted key" in folder
    assert f">{model}</a> <span class=\"mono\">v1</span>" in pages["index.html"]
    assert f"results/rejected{SHOWN}copy: " in text["index.html"]  # the rejected list
    board = pages["benchmarks/synthetic-loso.html"]
    assert f'data-value="{model}"' in board and f'<span class="model">{model}</span>' in board
    compare = pages["compare/synthetic-loso.html"]
    assert f'title="{model} v1, fixed">1. {model} v1, fixed</td>' in compare  # tooltip, cell
    assert f'class="fp-label">1. {model} v1, fixed<title>1. {model} v1, fixed</title>' \
        in compare  # the forest plot's SVG


def test_every_template_value_passes_the_same_rule(tmp_path: Path) -> None:
    """The environment's finalize hook, not each template: a value in text or an attribute,
    JSON from ``tojson``, markup from ``|safe`` and SVG drawn in Python show hidden
    characters as escapes, the SVG is not escaped twice, and the results folder's absolute
    path becomes its name (but not a longer name that begins like it)."""
    results = tmp_path / "results"
    env = page_environment(PagePaths([results]))
    page = env.from_string(
        '<p title="{{ value }}">{{ value }} then merbench</p><code>{{ options|tojson }}</code>'
        "{{ value|safe }}{{ svg }}<i>{{ path }}</i><b>{{ other }}</b>").render(
        value=f"a<b>{HIDDEN}", options={"note": HIDDEN, "weights": str(results / "w")},
        svg=Markup(confusion_svg([[1, 0], [0, 1]], [f"x{HIDDEN}<", "y"], "all")),
        path=results / FOLDER / "results.json",
        other=f"{results}2/run {tmp_path.name}{results}")
    assert not raw_hidden(page), raw_hidden(page)
    assert f'<p title="a&lt;b&gt;{SHOWN}">a&lt;b&gt;{SHOWN} then merbench</p>' in page
    assert '{"note": "\\u202e\\u200b\\u2066\\u001b[31m", "weights": "results/w"}' in page
    assert f"a<b>{SHOWN}" in page  # |safe: markup kept, hidden characters shown
    assert f'class="cm-label">x{SHOWN}&lt;</text>' in page and "&amp;lt;" not in page
    assert f"<i>results/{shown(FOLDER)}/results.json</i>" in page
    assert f"<b>{results}2/run {tmp_path.name}{results}</b>" in page  # other folders
    assert safe_url(f"https://example.org/{HIDDEN}") is None
    assert safe_url("https://example.org/paper") == "https://example.org/paper"


def test_the_svg_drawn_in_python_shows_hidden_characters_as_escapes() -> None:
    """The confusion matrices, forest plots, learning curves and subject strips are markup
    made in Python, which a page then prints as it is: each writes its labels through the
    same rule, escaped once."""
    label = f"x{HIDDEN}<y"
    drawn = {
        "confusion": confusion_svg([[1, 0], [0, 1]], [label, "b"], label, label),
        "forest": forest_svg([Entry(label, 0.5, 0.4, 0.6), Entry(label, None, None, None,
                                                                 label)], 0.5, label, label),
        "curve": curve_svg(label, [(label, np.array([0.2, 0.4]), False)]),
        "strip": strip_svg([SubjectScore(label, label, 3, 0.5, 0.4)], label),
    }
    for name, svg in drawn.items():
        assert not raw_hidden(svg), (name, raw_hidden(svg)[:3])
        assert f"x{SHOWN}&lt;y" in svg and "&amp;" not in svg, name


def test_exports_show_hidden_characters_as_escapes(hidden: tuple[Path, Path, str],
                                                   tmp_path: Path, cli) -> None:
    """A table exported in any format is text someone pastes into a paper or a terminal:
    the model name's hidden characters are escapes there too."""
    results, _, _ = hidden
    for fmt in ("csv", "latex", "markdown"):
        code, out, err = cli("leaderboard", "export", "synthetic-loso", "--results", results,
                             "--benchmarks", benchmark(tmp_path / fmt), "--format", fmt)
        assert code == 0, err
        escapes = SHOWN.replace("\\", r"\textbackslash{}") if fmt == "latex" else SHOWN
        assert not raw_hidden(out) and escapes in out, fmt


def test_export_cells_are_inert_in_latex_markdown_and_spreadsheets() -> None:
    from merbench.leaderboard.export import _csv_text, _latex, _markdown

    assert _latex(r"a\b{c}~^&%$#_") == (r"a\textbackslash{}b\{c\}\textasciitilde{}"
                                        r"\textasciicircum{}\&\%\$\#\_")
    assert _markdown("a|b<script>&") == "a\\|b&lt;script&gt;&amp;"
    assert _csv_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [_csv_text(t) for t in ("+1", "-1", "@a", "ststnet")] == ["'+1", "'-1", "'@a",
                                                                     "ststnet"]
