"""Pass 84w, W24: a result file of another command than ``run`` that holds ``{}`` (or a
layout's fields of another type) was said with Python's words: ``(schema_version None)``,
``(kind 'x')``. Its fields are said as the file writes them, or as missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.results.schema import read_kind


@pytest.mark.parametrize(("content", "kind", "said", "unsaid"), [
    ({}, None, "(no schema_version)", "None"),
    ({"schema_version": "1"}, None, '(schema_version "1")', "'1'"),
    ({}, "tune", "(no kind, no schema_version); is it a merbench result?", "None"),
    ({"kind": "spot", "schema_version": 9}, "tune", '(kind "spot", schema_version 9)',
     "'spot'"),
    ({"kind": "x" * 100, "schema_version": None}, "tune", "schema_version null", "None"),
])
def test_a_files_layout_fields_are_said_as_written(tmp_path: Path, content: dict[str, object],
                                                   kind: str | None, said: str,
                                                   unsaid: str) -> None:
    path = tmp_path / "str.json"
    path.write_text(json.dumps(content))
    with pytest.raises(MerbenchError) as refused:
        read_kind(path, "spot-then-recognise file", kind, 1, dict)
    assert said in str(refused.value) and unsaid not in str(refused.value)
    assert "x" * 31 not in str(refused.value)  # a long value is shortened
