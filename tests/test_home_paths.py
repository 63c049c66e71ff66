"""A leading ``~`` in a path a user gave is expanded, and an unknown user's refused, by one
function (:func:`merbench.base.home_paths.home_expanded_at`) that every file, keyword and
plugin option taking a path calls: each refusal is its own name for where the path was
given, then the same words."""

from __future__ import annotations

from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError

UNKNOWN = "~nosuchuser84af"
#: what follows the name of where the path was given, for ``{UNKNOWN}/x``
WHY = (f"{UNKNOWN}/x begins with '{UNKNOWN}', the home folder of a user this system does not "
       f"know; give the folder's own path ('./{UNKNOWN}/x' for a name that begins with '~')")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_a_home_is_expanded_and_other_text_kept(home: Path) -> None:
    from merbench.base.home_paths import home_expanded_at

    assert home_expanded_at("~/runs", "plan.toml: out: ") == str(home / "runs")
    assert home_expanded_at("runs/~x", "plan.toml: out: ") == "runs/~x"


def test_an_unknown_home_is_refused_after_where_it_was_given(home: Path) -> None:
    from merbench.base.home_paths import home_expanded_at

    with pytest.raises(MerbenchError) as caught:
        home_expanded_at(f"{UNKNOWN}/x", "plan.toml: out: ")
    assert str(caught.value) == f"plan.toml: out: {WHY}"


def test_each_reader_of_a_path_words_an_unknown_home_alike(home: Path) -> None:
    """The Python API's keyword, a file's path value and a plugin option's path: each names
    where the path was given in its own way, then says why as the others do."""
    from merbench.base.option_paths import option_path
    from merbench.runner.api_values import api_value
    from merbench.runner.given_values import check_file_value

    with pytest.raises(MerbenchError) as caught:
        api_value("merbench.run", "out", f"{UNKNOWN}/x")
    assert str(caught.value) == f"merbench.run: out={WHY}"
    with pytest.raises(MerbenchError) as caught:
        check_file_value("space.toml: [run]", "data_root", f"{UNKNOWN}/x", is_path=True)
    assert str(caught.value) == f"space.toml: [run]: 'data_root' = {WHY}"
    with pytest.raises(MerbenchError) as caught:
        option_path(f"{UNKNOWN}/x", "protocol 'kfold'", "--protocol-opt folds",
                    "the folds' file")
    assert str(caught.value) == f"protocol 'kfold': --protocol-opt folds={WHY}"


def test_an_unknown_home_in_the_cache_variable_is_said_as_every_path_is(
        cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", "~nosuchuserx/c")
    code, _, err = cli("cache", "info")
    assert code == 2 and err == (
        "merbench: error: MERBENCH_CACHE_DIR=~nosuchuserx/c begins with '~nosuchuserx', the "
        "home folder of a user this system does not know; give the folder's own path "
        "('./~nosuchuserx/c' for a name that begins with '~')\n"), err
