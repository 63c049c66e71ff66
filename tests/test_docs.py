"""The docs hold together: every relative link in README.md and docs/ reaches a file (and a
heading, for an anchor), every docs/ page a docstring cites exists with its heading, and
docs/models.md lists every registered model and feature."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from merbench.plugin_system.manager import default_plugins

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CITED = re.compile(r"docs/([\w-]+\.md)(#[\w-]+)?")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def _check(source: Path, target: str) -> str | None:
    path, _, anchor = target.partition("#")
    page = (source.parent / path).resolve() if path else source
    if not page.exists():
        return f"{source.name}: link to {target} reaches no file"
    if anchor and page.suffix == ".md" and anchor not in _anchors(page):
        return f"{source.name}: link to {target} reaches no heading of {page.name}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    targets = [t for t in LINK.findall(page.read_text())
               if not re.match(r"[a-z]+:", t)]
    problems = [p for t in targets if (p := _check(page, t))]
    assert not problems, problems


def test_code_cites_only_docs_that_exist() -> None:
    problems = []
    for path in [*ROOT.glob("merbench/**/*.py"), *ROOT.glob("plugins/**/*.py")]:
        for name, anchor in CITED.findall(path.read_text()):
            problem = _check(ROOT / "docs" / "index.md", f"{name}{anchor}")
            if problem:
                problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert not problems, problems


def test_models_page_lists_every_model_and_feature() -> None:
    text = (ROOT / "docs" / "models.md").read_text()
    registries = default_plugins().registries
    missing = [e.meta.name for r in (registries.models, registries.features) for e in r
               if f"| `{e.meta.name}` |" not in text]
    missing += [f.pattern for f in registries.models.families() if f"| `{f.pattern}` |" not in text]
    assert not missing, f"docs/models.md lacks {missing}"


def test_the_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "a.md"
    page.write_text("# Title\n")
    assert _check(page, "b.md") and _check(page, "#nope") and not _check(page, "#title")


def test_models_page_states_each_models_authors_selection() -> None:
    """The "authors' selection" column is what each model declares (``authors_selection``):
    the docs' claim about how a paper's numbers were chosen is the code's."""
    text = (ROOT / "docs" / "models.md").read_text()
    for entry in default_plugins().registries.models:
        meta = entry.meta
        row = next(line for line in text.splitlines() if line.startswith(f"| `{meta.name}` |"))
        stated = row.split(" | ")[6]
        expected = ("n/a (fitted once)" if meta.kind == "sklearn" else
                    f"`{meta.authors_selection}`" if meta.authors_selection else "unknown")
        assert stated == expected, f"docs/models.md says {meta.name}'s authors' selection " \
                                   f"is {stated}, the plugin {expected}"


def test_each_databases_command_lands_on_the_page_it_names() -> None:
    """docs/raw-databases.md's per-database blocks: every command parses, and one marked
    ``# page: ID`` asks for that benchmark's dataset, options and protocol (what the page
    accepts), while ``# page: none`` matches no benchmark, as the text claims."""
    import shlex

    from merbench.cli import build_parser
    from merbench.leaderboard.benchmarks import load_benchmarks, option_text

    text = (ROOT / "docs" / "raw-databases.md").read_text()
    section = text.split("### Per database", 1)[1].split("\n## ", 1)[0]
    lines = [line for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S)
             for line in block.splitlines()]
    benchmarks = {b.id: b for b in load_benchmarks()}
    checked = set()
    for mark, command in zip(lines[::2], lines[1::2], strict=True):
        page = mark.removeprefix("# page: ").split(" ")[0]
        args = build_parser().parse_args(shlex.split(command)[1:])
        options = dict(getattr(args, "dataset_options", []))
        options = {k: v for k, v in options.items() if not k.endswith("sheet")}
        if getattr(args, "skip_missing", False):
            options["skip_missing"] = True
        asked = (args.dataset, option_text(options), args.protocol)
        pinned = {b.id: (b.dataset, option_text(b.dataset_options or {}), b.protocol)
                  for b in benchmarks.values()}
        if page == "none":
            assert asked not in pinned.values(), command
        else:
            assert pinned[page] == asked, command
            checked.add(page)
        checked.add(args.dataset)
    assert {"casme2", "samm", "smic", "casme3", "megc2019", "casme", "4dme", "mmew",
            "casme3c", "loso-casme2-5class", "loso-samm-5class", "loso-casme3-7class",
            "loso-casme3-4class", "loso-casme3-3class", "loso-casme3-objective"} <= checked
