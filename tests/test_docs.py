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


#: an estimate line as the docs quote it (whitespace already collapsed to single spaces)
ESTIMATE = re.compile(r"estimate: about (.+?) for ([\d,]+) folds? x ([\d,]+) epochs? on (\S+) "
                      r"\((\d[^()]*?) per fold-epoch so far\)")
#: a duration as estimate.py writes it, and the seconds its last printed unit stands for
UNITS = {"d": 86400.0, "h": 3600.0, "min": 60.0, "s": 1.0, "ms": 0.001}


def _printed_as(text: str) -> tuple[float, float]:
    """The seconds a duration written by :func:`merbench.cli.estimate.duration` may have
    been: ``8 s`` is 7.5 to 8.5 s, ``25 d 19 h`` is 25 d 19 h to 25 d 20 h (truncated)."""
    parts = text.split()
    value = sum(float(n) * UNITS[u] for n, u in zip(parts[::2], parts[1::2], strict=True))
    unit = UNITS[parts[-1]]
    if len(parts) > 2:  # the larger units truncate
        return value, value + unit
    return value - unit / 2, value + unit / 2


def _could_print(quoted: str) -> bool:
    """Whether estimate.py prints ``quoted`` (the line up to "so far)") for some pace that
    rounds to the quoted one and some start-up of zero or more seconds: the whole run's
    time is at least the pace times the fold-epochs."""
    from merbench.cli.estimate import estimate_line
    from merbench.plugin_system.runinfo import RunInfo

    found = ESTIMATE.fullmatch(quoted)
    assert found, quoted
    total, folds, epochs, device, pace = found.groups()
    run = RunInfo(run_dir=Path("run"), model="m", dataset="d", protocol="loso",
                  n_folds=int(folds.replace(",", "")), folds_to_train=int(folds.replace(",", "")),
                  epochs=int(epochs.replace(",", "")), device=device)
    fold_epochs = run.folds_to_train * run.epochs
    (pace_low, pace_high), (total_low, total_high) = _printed_as(pace), _printed_as(total)
    steps = [i / 20 for i in range(20)]
    for per_fold_epoch in (pace_low + (pace_high - pace_low) * s for s in steps):
        for seconds in (total_low + (total_high - total_low) * s for s in steps):
            start_up = seconds - per_fold_epoch * fold_epochs
            if start_up >= 0 and estimate_line(run, per_fold_epoch, start_up).startswith(quoted):
                return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_quoted_estimate_is_one_the_formula_prints(page: Path) -> None:
    """A run's estimate quoted in the docs is one the product can print: the whole run at the
    quoted pace (start-up + pace x folds x epochs, :mod:`merbench.cli.estimate`). The README
    once quoted "about 7 s for 6 folds x 50 epochs ... (33 ms per fold-epoch)", 300
    fold-epochs of at least 32.5 ms: at least 9.75 s."""
    text = " ".join(page.read_text().split())
    quoted = [m.group(0) for m in ESTIMATE.finditer(text)]
    wrong = [line for line in quoted if not _could_print(line)]
    assert not wrong, f"{page.name} quotes estimates estimate.py cannot print: {wrong}"


def test_the_estimate_check_sees_an_impossible_line() -> None:
    for name in ("README.md", "docs/user-guide.md"):  # the check reads the lines they quote
        assert ESTIMATE.search(" ".join((ROOT / name).read_text().split())), name
    assert not _could_print("estimate: about 7 s for 6 folds x 50 epochs on cpu (33 ms per "
                            "fold-epoch so far)")
    assert _could_print("estimate: about 10 s for 6 folds x 50 epochs on cpu (33 ms per "
                        "fold-epoch so far)")
    assert _could_print("estimate: about 25 d 19 h for 68 folds x 800 epochs on cpu (41 s per "
                        "fold-epoch so far)")
