"""An option annotated to take None (``macro_k_seconds: float | None = 1.3``) takes ``null``
from the command line and from files, whatever its default is; one that is not annotated so
still refuses it. The one check of option values serves every kind (spotter, model, dataset,
feature), and judged a value by its default's kind alone: docs/spotting.md's documented
``--spotter-opt macro_k_seconds=null`` (one pass) was refused as "no number"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Union

import pytest

from merbench.meta import DatasetMeta
from merbench.plugin_system.entry import Entry, Origin
from merbench.plugin_system.factory_options import FactoryOptions, takes_none
from merbench.plugin_system.manager import load_plugins
from merbench.plugin_system.option_values import OptionRefused


@pytest.mark.parametrize(("annotation", "takes"), [
    (float | None, True), (Optional[float], True),  # noqa: UP045
    (Union[int, None], True),  # noqa: UP007
    (None, True), (float, False), (int, False), (list[float | None], False),
    ("float | None", True), ("None | int", True), ("Optional[float]", True),
    ("typing.Optional[float]", True), ("Union[float, None]", True), ("float|None", True),
    ("float", False), ("Union[int, float]", False), ("list[float | None]", False),
    ("dict[str, None]", False), ("NoneSuch", False),
])
def test_an_annotation_takes_none_only_where_none_is_one_of_its_kinds(annotation: Any,
                                                                      takes: bool) -> None:
    assert takes_none(annotation) is takes


def _make(*, rate: float | None = 1.5, size: int = 3, crop: bool = True) -> None:
    return None


def _entry() -> Entry[DatasetMeta]:
    meta = DatasetMeta(name="mine", version=1, description="d", citation="c",
                       provides=("flow_uvos",))
    return Entry(meta, _make, Origin("mine", "mine-package", "1.0"))


@pytest.mark.parametrize("kind", ["dataset", "model", "feature"])
def test_a_factorys_optional_number_takes_null_and_its_others_refuse_it(kind: str) -> None:
    entry = _entry()
    entry.check_options(kind, {"rate": None})  # no refusal
    with pytest.raises(OptionRefused) as refused:
        entry.check_options(kind, {"size": None})
    assert str(refused.value) == (f"{kind} 'mine': size=null is no number; size takes a "
                                  "whole number (default 3)")
    with pytest.raises(OptionRefused, match="crop=null is not true or false"):
        entry.check_options(kind, {"crop": None})


def test_what_takes_none_survives_being_read_in_another_process() -> None:
    """Planning reads a lazily named factory's options apart (a child, then the cache):
    what takes None is kept with them, so planning refuses and takes as building does."""
    options = FactoryOptions.of(_make)
    assert options.nullable() == frozenset({"rate"})
    assert FactoryOptions.from_json(json.loads(json.dumps(options.to_json()))) == options


def test_flow_peaks_macro_pass_is_left_out_with_null_and_its_micro_pass_is_not() -> None:
    spotter = load_plugins().registries.spotters.get("flow-peak")
    spotter.check_options("spotter", {"macro_k_seconds": None})  # no refusal
    with pytest.raises(OptionRefused, match=r"^spotter 'flow-peak': micro_k_seconds=null is "
                                            r"no number; micro_k_seconds takes a number"):
        spotter.check_options("spotter", {"micro_k_seconds": None})


def test_spot_runs_one_pass_with_macro_k_seconds_null(tmp_path: Path, cli: Any) -> None:
    code, _, err = cli("spot", "--spotter", "flow-peak", "--dataset", "synthetic-long",
                       "--dataset-opt", "subjects=2", "--dataset-opt", "videos_per_subject=1",
                       "--spotter-opt", "macro_k_seconds=null", "--quiet",
                       "--out", tmp_path / "s")
    assert code == 0, err
    recorded = json.loads((tmp_path / "s" / "spotting.json").read_text())
    assert recorded["spotter"]["options"] == {"macro_k_seconds": None}
