"""Text from plugins and result files reaches the terminal as text: escape sequences shown
as escapes, Rich markup shown as written, in every command's output."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from forgery import rewrite_run

import merbench
from merbench.cli.literal import literal
from merbench.cli.render import print_results

ESCAPES = "\x1b[2J\x1b]8;;http://evil\x07link\x1b]8;;\x07\x9b31m\u202e"
MARKUP = "[bold red]loud[/bold red] [link=http://evil]x[/link]"
HOSTILE = f"{ESCAPES} {MARKUP}"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def _inert(text: str) -> None:
    assert not any(c in text for c in RAW), repr(text)


def test_control_characters_become_escapes_and_lines_stay() -> None:
    assert literal("a\x1b[2Jb\x07\x9b\u202ec\nd\te") == "a\\x1b[2Jb\\x07\\x9b\\u202ec\nd\te"
    assert literal(MARKUP) == MARKUP


PLUGIN = '''
    import merbench
    from merbench.meta import ModelMeta, TrainRecipe

    @merbench.hookimpl
    def merbench_register_models(registry):
        registry.add(ModelMeta(name="loud-model", version=1, description={text!r},
                               citation={text!r}, feature="flow-uvos",
                               recipe=TrainRecipe(epochs=1, batch_size=8, lr=0.1)),
                     lambda num_classes=3: None)
'''


@pytest.mark.parametrize("width", ["200", "60"])
def test_listings_show_plugin_metadata_literally(make_dist, cli, monkeypatch,
                                                 width: str) -> None:
    monkeypatch.setenv("COLUMNS", width)
    make_dist("merbench-loud", "loud", "mb_loud_plugin", PLUGIN.format(text=HOSTILE))
    make_dist("merbench-crash", "crash", "mb_crash_plugin",
              f"raise RuntimeError({HOSTILE!r})\n")
    for kind in ("models", "plugins"):
        code, out, err = cli("list", kind)
        assert code == 0
        _inert(out + err)
    code, out, err = cli("list", "models")
    flat = "".join(out.split())
    assert "[bold" in flat and "[link=http://evil]" in flat and "\\x1b[2J" in flat
    assert "\\x1b[2J" in err and "[bold red]loud" in err  # the crash's one line


def test_results_are_printed_literally(tmp_path: Path, capsys) -> None:
    run = merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                       dataset_options={"subjects": 3, "samples_per_subject": 4},
                       out=tmp_path / "r")
    stored = run.results
    results = replace(stored, feature=replace(stored.feature, summary=HOSTILE),
                      environment=replace(stored.environment, device=HOSTILE),
                      dataset=replace(stored.dataset,
                                      skipped=[{"sample_id": HOSTILE, "reason": HOSTILE}]))
    print_results(results, tmp_path / HOSTILE)
    out = capsys.readouterr().out
    _inert(out)
    assert "[bold red]loud[/bold red]" in "".join(out.split("\n"))


def test_validate_prints_what_files_say_literally(tmp_path: Path, cli) -> None:
    run = merbench.run(model="ststnet", dataset="synthetic", epochs=1, device="cpu",
                       dataset_options={"subjects": 3, "samples_per_subject": 4},
                       out=tmp_path / "r").run_dir
    named = Path(shutil.copytree(run, tmp_path / "named"))
    rewrite_run(named, lambda r: r["model"].update(name=HOSTILE))  # accepted: ok line
    code, out, err = cli("validate", named)
    assert code == 0 and "\\x1b[2J" in out
    _inert(out + err)
    edited = Path(shutil.copytree(run, tmp_path / "edited"))
    path = edited / "results.json"
    path.write_text(path.read_text().replace('"name": "ststnet"',
                                             f'"name": {json.dumps(HOSTILE)}'))
    code, out, err = cli("validate", edited)  # rejected: the reason quotes the name
    assert code == 2 and "[bold red]loud" in err
    _inert(out + err)
