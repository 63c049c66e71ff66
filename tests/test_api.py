"""merbench.api is the whole plugin-author surface: first-party plugins and the example
plugin import merbench only through it, and importing it loads no model code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import merbench.api

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_CODE = sorted([*(ROOT / "plugins").rglob("*.py"),
                      *(ROOT / "examples" / "merbench-tinymlp" / "merbench_tinymlp").glob("*.py")])


def _merbench_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, m) for m in modules
                  if m == "merbench" or m.startswith("merbench.")]
    return found


@pytest.mark.parametrize("path", PLUGIN_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_plugins_import_merbench_only_through_its_api(path: Path) -> None:
    other = [f"line {line}: {module}" for line, module in _merbench_imports(path)
             if module != "merbench.api"]
    assert not other, f"{path.relative_to(ROOT)} imports merbench internals ({other}); " \
                      "use merbench.api (add what is missing there, documented)"


def test_the_check_sees_an_internal_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from merbench.plugin_system.registry import fixed_options\n"
                   "import merbench.api\n")
    assert _merbench_imports(bad) == [(1, "merbench.plugin_system.registry"),
                                      (2, "merbench.api")]


def test_every_public_name_is_exported_and_the_import_is_light() -> None:
    assert sorted(merbench.api.__all__) == sorted(
        name for name in vars(merbench.api) if not name.startswith("_")
        and name not in ("annotations", "Any", "Iterable", "Sequence", "TYPE_CHECKING",
                         "Protocol", "runtime_checkable", "np"))
    done = subprocess.run([sys.executable, "-c", "import sys, merbench.api; "
                           "print('torch' in sys.modules)"], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_the_protocols_describe_what_the_core_duck_types() -> None:
    from sklearn.svm import LinearSVC

    assert isinstance(LinearSVC(), merbench.api.Estimator)
    assert isinstance(merbench.api.LeaveOneSubjectOut(), merbench.api.EvaluationProtocol)


def test_a_samples_clip_follows_the_sample_table_convention(tmp_path: Path) -> None:
    """Features read a clip's frames through Dataset.clip, never the folder themselves."""
    import pandas as pd

    from merbench.api import InMemoryDataset, MerbenchError

    for name in ("img046.jpg", "img47.jpg", "notes.txt", "img48.png"):
        (tmp_path / name).write_bytes(b"")
    table = {"sample_id": ["a"], "database": ["d"], "subject": ["s"], "label": [0]}
    clips = InMemoryDataset("clips", pd.DataFrame({**table, "folder": [str(tmp_path)],
                                                  "onset": [46], "apex": [47.0],
                                                  "offset": [float("nan")]}), ["x"], {})
    clip = clips.clip(0)
    assert (clip.sample_id, clip.onset, clip.apex, clip.offset) == ("a", 46, 47, None)
    assert sorted(clip.frames) == [46, 47, 48] and clip.frames[46].name == "img046.jpg"
    flat = InMemoryDataset("flat", pd.DataFrame(table), ["x"], {})
    with pytest.raises(MerbenchError, match="dataset 'flat' names no clip of frames"):
        flat.clip(0)


def test_dir_of_merbench_shows_its_public_api() -> None:
    assert dir(merbench) == sorted(merbench.__all__)
    assert "Any" not in dir(merbench) and "TYPE_CHECKING" not in dir(merbench)


def test_api_errors_name_keywords_not_flags(monkeypatch) -> None:
    """merbench.run takes keywords, so its one-line errors name them: data_root=PATH, not
    --data-root PATH (the same message on the command line keeps its flags)."""
    import merbench
    from merbench.base.errors import MerbenchError
    from merbench.runner.keywords import python_spelling

    monkeypatch.delenv("MERBENCH_DATA_DIR", raising=False)
    with pytest.raises(MerbenchError) as missing:
        merbench.run(model="ststnet", dataset="composite")
    message = str(missing.value)
    assert "pass its folder with data_root=PATH (or dataset_options={'data_root': PATH})" \
        in message and "--data-root" not in message
    with pytest.raises(MerbenchError, match=r"has no epochs; leave it out"):
        merbench.run(model="biwoof-release-svm", dataset="synthetic", epochs=3)
    assert python_spelling("--precision tf32 is a CUDA mode; see --resume DIR and --seed") \
        == "precision='tf32' is a CUDA mode; see --resume DIR and seed"
    assert python_spelling("unknown --precision 'half'") == "unknown precision='half'"
