"""The codec's two field kinds for layouts older than their record class: a field written only
when set (OMITTED_WHEN_NONE) and a record written as its fields in the enclosing object
(FLATTENED). A run's hyperparameters use both, and run identities hash that object, so the
record must write exactly what the dictionaries before it wrote."""

from __future__ import annotations

import json

import pytest

from merbench.meta import TrainRecipe
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.model import Hyperparameters

RECIPE = TrainRecipe(epochs=3, batch_size=8, lr=0.001)


def test_hyperparameters_are_written_as_the_flat_object_identities_hash() -> None:
    assert to_json(Hyperparameters()) == {}
    assert to_json(Hyperparameters(precision="bf16")) == {"precision": "bf16"}
    written = to_json(Hyperparameters(recipe=RECIPE, precision="bf16", fused_optimizer=True))
    assert written == {**RECIPE.to_dict(), "precision": "bf16", "fused_optimizer": True}
    assert list(written)[:3] == ["epochs", "batch_size", "lr"]  # the order files have
    assert written["decay_epochs"] is None  # a recipe's null is written, not left out


@pytest.mark.parametrize("record", [
    Hyperparameters(), Hyperparameters(precision="tf32"),
    Hyperparameters(recipe=RECIPE), Hyperparameters(recipe=RECIPE, fused_optimizer=True),
    Hyperparameters(recipe=RECIPE, precision="fp32", fused_optimizer=False),
])
def test_hyperparameters_read_back_as_written(record: Hyperparameters) -> None:
    assert from_json(Hyperparameters, json.loads(json.dumps(to_json(record)))) == record


def test_a_part_of_a_recipe_is_refused_by_the_field_it_lacks() -> None:
    with pytest.raises(LayoutError, match=r"'hyperparameters\.batch_size' is missing"):
        from_json(Hyperparameters, {"epochs": 3, "lr": 0.1}, "hyperparameters")


def test_a_key_of_neither_record_is_refused_by_name() -> None:
    with pytest.raises(LayoutError, match=r"'hyperparameters\.momentum' is not part"):
        from_json(Hyperparameters, {**RECIPE.to_dict(), "momentum": 0.9}, "hyperparameters")


def test_a_recipe_that_breaks_its_own_rule_is_a_layout_error_not_a_traceback() -> None:
    with pytest.raises(LayoutError, match=r"hyperparameters.*epochs to be a whole number >= 1"):
        from_json(Hyperparameters, {**RECIPE.to_dict(), "epochs": 0}, "hyperparameters")


def test_a_recipe_recorded_before_a_field_existed_reads_with_its_default() -> None:
    older = {k: v for k, v in RECIPE.to_dict().items() if k != "data_order"}
    assert from_json(Hyperparameters, older).recipe == RECIPE
