"""Text from plugins, result files, folder names and key files reaches the terminal as text:
escape sequences, bidirectional and invisible characters shown as escapes, Rich markup shown
as written, in every command's output."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from forgery import rewrite_run
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

import merbench
from merbench.base.literal import literal
from merbench.base.terminal import literal as cli_literal
from merbench.kinds.emotion_text import print_results
from merbench.results.model import SkippedSample
from merbench.verification.validate import validate_run

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
                                      skipped=[SkippedSample(HOSTILE, HOSTILE)]))
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


def test_bidi_invisible_and_control_characters_become_escapes() -> None:
    """Every character that reorders, hides or commands is written as its escape, by the one
    function pages and terminals share; text that only looks unusual is left as it is."""
    assert cli_literal is literal
    hidden = ("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
              "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad"
              "\u2028\u2029\U000e0041\u3164\x00\x1b\x7f\x85\x9b\ud800")
    for char in hidden:
        assert literal(f"a{char}b") == f"a{char.encode('unicode_escape').decode()}b", repr(char)
    assert literal(f"name{HIDDEN} after") == f"name{SHOWN} after"
    for plain in ("ok\nnext\tcolumn", "café 中文 مرحبا ≈ — ±", "C:\\runs\\u202e", "\u00a0"):
        assert literal(plain) == plain


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    return hidden_results(tmp_path_factory.mktemp("hidden"))


def test_hidden_characters_show_as_escapes_in_every_command(
        hidden: tuple[Path, Path, str], tmp_path: Path, cli, capsys, monkeypatch) -> None:
    """A model name, a run folder's name and a signing key's name that carry a right-to-left
    override, a zero-width space, an isolate and an ANSI sequence: ``audit``, ``validate``,
    ``leaderboard build`` and the results table show each as its escapes, and merbench's own
    words after them read as written."""
    results, public, audited = hidden
    run, renamed = results / FOLDER, results / "renamed"
    assert not raw_hidden(audited)
    assert f"auditing {shown(str(run))}: folds " in audited
    assert f"({shown(KEY_NAME)}), over the digests of the" in audited

    code, out, err = cli("validate", run, renamed)
    assert code == 0, err
    assert not raw_hidden(out + err)
    assert f"ok: {shown(str(run))} (ststnet v1 on synthetic/loso, 4 folds" in out
    assert f"({shown(KEY_NAME)}))\n" in out
    assert f"ok: {renamed} ({shown(MODEL)} v1 on synthetic/loso, 4 folds, 24 samples" in out

    code, out, err = cli("leaderboard", "build", "--results", results, "--out",
                         tmp_path / "site", "--benchmarks", benchmark(tmp_path / "benchmarks"),
                         "--trust", public)
    assert code == 0, err
    assert not raw_hidden(out + err)
    assert "audits count when signed by: ed25519:" in out
    assert f"({shown(KEY_NAME)})\n" in out

    monkeypatch.setenv("COLUMNS", "200")  # no line of Rich's cut inside a name
    print_results(validate_run(renamed).results, run)
    out = capsys.readouterr().out
    assert not raw_hidden(out)
    assert f"{shown(MODEL)} v1 on synthetic — loso, 4 folds," in out  # the table's title
    assert f"predictions: {shown(str(run))}/predictions.csv\n" in out
