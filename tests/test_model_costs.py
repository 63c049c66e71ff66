"""``benchmarks/model_costs.py``: the figures behind "CPU work" and "GPU work" come from
counted FLOPs and timed steps, a measured GPU figure wins over a FLOPs prediction, and the
document has the keys the leaderboard (``merbench/leaderboard/costs.py``) and the GPU plan
read. Only the quick path (FLOPs, no timing) on two small models: no test asserts a time."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
HTNET_FLOPS = 1.2848e9  # HTNet's training FLOPs a sample (counted once; the rate's input)
FIGURES = {"jobs": {"htnet-reference": {"seconds_per_fold": 24.0, "device": "H100",
                                        "measured": "2026-11-22", "engine": "eager"},
                    "htnet-reference-tf32": {"seconds_per_fold": 1.0},
                    "mmnet-release": {"seconds_per_fold": 50.0}}}
MODEL_KEYS = {"feature", "parameters", "epochs", "batch_size", "flops_per_sample",
              "cpu_s_per_fold_epoch", "cpu_steps_timed", "cpu_h_per_seed", "gpu_s_per_fold",
              "gpu_source", "verdict"}


@pytest.fixture(scope="module")
def costs() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:  # as when the scripts run: their own folder first
        sys.path.insert(0, str(BENCHMARKS))
    import model_costs

    return model_costs


@pytest.fixture(scope="module")
def timing(costs: ModuleType) -> ModuleType:
    import step_timing

    return step_timing


@pytest.fixture(scope="module")
def registries() -> Any:
    from merbench.plugin_system.manager import default_plugins

    return default_plugins().registries


@pytest.fixture(scope="module")
def quick_doc(costs: ModuleType, registries: Any) -> dict[str, Any]:
    torch.set_num_threads(1)
    chosen = {"ststnet": "flow-uvos", "rcn": "flow-uvos"}
    return costs.measure(registries, chosen, ["lbp-apex-svm"], quick=True, budget_s=1.0,
                         figures=FIGURES, load_before=0.0, htnet_flops=HTNET_FLOPS,
                         progress=lambda line: None)


def test_flops_are_counted_and_scale_with_the_batch(timing: ModuleType, registries: Any) -> None:
    import merbench

    torch.manual_seed(0)
    model = merbench.create_model("ststnet", num_classes=3)
    feature = registries.features.get("flow-uvos").meta
    generator = torch.Generator().manual_seed(0)
    two = timing.training_flops(model, timing.stored_inputs(feature, 2, generator),
                               torch.tensor([0, 1]))
    four = timing.training_flops(model, timing.stored_inputs(feature, 4, generator),
                                torch.tensor([0, 1, 2, 0]))
    assert two > 0
    assert four == pytest.approx(2 * two)


def test_whole_frame_features_get_their_stored_structure(timing: ModuleType,
                                                          registries: Any) -> None:
    pair = timing.stored_inputs(registries.features.get("flow-and-apex").meta, 3,
                               torch.Generator().manual_seed(0))
    assert pair.shape == (3, 2, 3, 224, 224) and pair.dtype == torch.uint8
    causal = timing.stored_inputs(registries.features.get("causalnet-release").meta, 1,
                                 torch.Generator().manual_seed(0))
    assert causal.shape == (1, 4, 3, 28, 28) and causal.dtype == torch.float32


def test_the_composite_models_and_the_sklearn_ones(costs: ModuleType, registries: Any) -> None:
    chosen, sklearn = costs.composite_models(registries, ("flow_uvos", "apex_face"))
    assert chosen["causalnet"] == "causalnet-release"
    assert chosen["hsta-release"] == chosen["mmnet-release"] == "flow-and-apex"
    assert {"htnet", "ststnet", "rcn", "timm-resnet18", "alexnet-flow"} <= set(chosen)
    assert "mmnet" not in chosen  # raw onset frames: not in the composite release
    assert "lbp-apex-svm" in sklearn and "lbp-apex-svm" not in chosen


def test_an_epoch_is_extrapolated_from_timed_steps(timing: ModuleType) -> None:
    step = timing.StepTime
    assert timing.epoch_batches(436, 256, False) == [256, 180]
    assert timing.epoch_batches(129, 32, True) == [32, 32, 32, 33]  # no lone BatchNorm sample
    timed = [step(256, 2.56, 0.1), step(180, 1.9, 0.1)]
    assert timing.extrapolate_epoch(timed, [256, 180]) == pytest.approx(2.56 + 1.9 + 0.2)
    micro = [step(8, 0.8, 0.5), step(8, 0.8, 0.5)]  # 0.1 s a sample, 0.5 s a step
    assert timing.extrapolate_epoch(micro, [436]) == pytest.approx(43.6 + 0.5)


def test_big_batches_are_timed_on_a_micro_batch(timing: ModuleType) -> None:
    from merbench.meta import TrainRecipe

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 28 * 28, 3))
    recipe = TrainRecipe(epochs=1, batch_size=256, lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.rand(436, 3, 28, 28) * 255, torch.randint(0, 3, (436,))
    whole = timing.time_cpu(model, recipe, x, y, 10.0, generator)  # a step: ~1 ms
    assert whole["cpu_micro_batch"] is None and whole["cpu_steps_timed"] >= 4
    assert whole["cpu_s_per_fold_epoch"] > whole["cpu_test_s"] > 0
    tiny_budget = timing.time_cpu(model, recipe, x, y, 1e-6, generator)
    assert tiny_budget["cpu_micro_batch"] == 2 and tiny_budget["cpu_steps_timed"] >= 1


def test_the_verdict_threshold(costs: ModuleType) -> None:
    assert costs.cpu_hours_per_seed(1.0, 100) == pytest.approx(100 * 68 / 3600)
    assert costs.verdict(2.0) == "CPU work"
    assert costs.verdict(2.01) == "GPU work"
    assert costs.verdict(None) is None


def test_a_measured_figure_wins_over_the_flops_prediction(costs: ModuleType) -> None:
    rate = costs.gpu_rate(HTNET_FLOPS, 24.0, 800)
    assert HTNET_FLOPS * 436 * 800 / rate == pytest.approx(24.0)
    names = ["htnet", "mmnet", "mmnet-release", "ststnet"]
    htnet = {"flops_per_sample": HTNET_FLOPS, "epochs": 800, "steps_per_epoch": 2}
    measured = costs.add_gpu("htnet", htnet, rate, FIGURES, names)
    assert measured["gpu_s_per_fold"] == 24.0  # htnet-reference; never the tf32 job's
    assert measured["gpu_source"].startswith("measured (htnet-reference")
    assert measured["gpu_s_predicted_from_flops"] == pytest.approx(24.0 + 2 * 800e-3)
    tiny = {"flops_per_sample": HTNET_FLOPS / 10, "epochs": 80, "steps_per_epoch": 7}
    predicted = costs.add_gpu("mmnet", tiny, rate, FIGURES, names)  # not mmnet-release's
    assert predicted["gpu_source"].startswith("predicted from FLOPs")
    assert predicted["gpu_s_per_fold"] == pytest.approx(24.0 / 100 + 7 * 80 * 1e-3)
    assert costs.add_gpu("mmnet", tiny, None, FIGURES, names)["gpu_s_per_fold"] is None


def test_the_quick_document_has_the_documented_keys(quick_doc: dict[str, Any]) -> None:
    doc = json.loads(json.dumps(quick_doc))  # what --json writes
    assert doc["schema_version"] == 1
    assert {"about", "machine", "measured", "merbench", "dataset", "folds",
            "train_samples_per_fold", "gpu_rate", "models"} <= set(doc)
    assert {"cpu", "cores", "torch", "threads", "load_before"} <= set(doc["machine"])
    assert (doc["dataset"], doc["folds"], doc["train_samples_per_fold"]) == ("composite", 68,
                                                                              436)
    assert doc["gpu_rate"]["calibrated_on"] == "htnet-reference"
    assert doc["not_measured"] == {"lbp-apex-svm": "sklearn: no epochs"}
    for name in ("ststnet", "rcn"):
        entry = doc["models"][name]
        assert set(entry) >= MODEL_KEYS
        assert entry["parameters"] > 0 and entry["flops_per_sample"] > 0
        assert entry["cpu_s_per_fold_epoch"] is None and entry["verdict"] is None  # quick
        assert entry["gpu_source"].startswith("predicted from FLOPs")
    assert doc["models"]["rcn"]["flops_per_sample"] > doc["models"]["ststnet"]["flops_per_sample"]


def test_the_leaderboard_reads_the_document(quick_doc: dict[str, Any]) -> None:
    reader = pytest.importorskip("merbench.leaderboard.costs")
    table = reader.parse_costs(json.loads(json.dumps(quick_doc)))
    cost = table.cost("ststnet", "composite", "loso")
    assert cost is not None and not cost.gpu_measured
    assert cost.gpu_minutes_per_seed == pytest.approx(
        quick_doc["models"]["ststnet"]["gpu_s_per_fold"] * 68 / 60)


def test_flops_match_resnet18s_published_count(timing: ModuleType) -> None:
    """The FLOP counter the plan's rates and floors stand on, against a network with a
    published count: ResNet-18 at 224 x 224 is 1.8 GFLOPs forward (He et al., 2016, table 1,
    counting multiply-adds: 1.82e9), so 3.64e9 FLOPs; a training step (forward, backward for
    weights and inputs) is about three forwards, less the first convolution's input gradient,
    which nothing asks for."""
    import timm
    from torch.utils.flop_counter import FlopCounterMode

    model = timm.create_model("resnet18", num_classes=1000)
    x = torch.rand(2, 3, 224, 224)
    labels = torch.zeros(2, dtype=torch.long)
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    forward = counter.get_total_flops() / 2
    assert forward == pytest.approx(2 * 1.82e9, rel=0.01)
    train = timing.training_flops(model, x, labels) / 2
    first_conv_input_grad = 2 * 118e6  # 7x7x3x64 at 112x112: its multiply-adds, doubled
    assert train == pytest.approx(3 * forward - first_conv_input_grad, rel=0.01)
