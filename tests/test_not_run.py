"""The models a benchmark page lists as not run in the full setting yet, and their costs."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from merbench.cli import build_parser
from merbench.leaderboard.benchmarks import load_benchmark
from merbench.leaderboard.collect import Cell, Group, Row, Tables
from merbench.leaderboard.costs import COSTS_FILE, load_costs, parse_costs
from merbench.leaderboard.not_run import applicable_feature, not_run_models
from merbench.meta import FeatureMeta
from merbench.plugin_system.manager import default_plugins

DEFINITIONS = Path(__file__).resolve().parents[1] / "merbench" / "leaderboard" / "definitions"
COMPOSITE = load_benchmark(DEFINITIONS / "composite-3class-loso.json")
LODO = load_benchmark(DEFINITIONS / "composite-3class-lodo.json")


def _feature(name: str, needs: tuple[str, ...], shape: tuple[int, ...]) -> FeatureMeta:
    return FeatureMeta(name=name, version=1, description="x", citation="x", needs=needs,
                       shape=shape)


def test_a_model_applies_on_its_own_feature_or_one_undeclared_substitute() -> None:
    features = {"frames": _feature("frames", ("onset_frame",), (4, 2)),
                "release": _feature("release", ("flow_uvos",), (4, 2)),
                "shapeless": _feature("shapeless", ("onset_frame",), ()),
                "flow": _feature("flow", ("flow_uvos",), (3,))}
    provides = ("flow_uvos",)
    assert applicable_feature("flow", provides, features, {"flow"}) == (True, None)
    # CausalNet's case: no model declares the release feature, so it stands in
    assert applicable_feature("frames", provides, features, {"frames"}) == (True, "release")
    # biwoof-svm's case: another model declares it; that model is the variant
    assert applicable_feature("frames", provides, features, {"frames", "release"}) == \
        (False, None)
    assert applicable_feature("shapeless", provides, features, set()) == (False, None)
    assert applicable_feature("unknown", provides, features, set()) == (False, None)


def _row(model: str, uf1: float | None = None) -> Row:
    results = SimpleNamespace(model=SimpleNamespace(name=model))
    run = SimpleNamespace(results=results)
    return Row(group=Group(key=model, runs=[run]), policy="fixed",  # type: ignore[list-item]
               test_set_selection=False, cells=[Cell(uf1, None, 1), Cell(0.5, None, 1)] * 4)


def test_the_composite_lists_every_model_without_a_ranked_row() -> None:
    registries = default_plugins().registries
    ranked = [_row(name) for name in ("ststnet", "offapexnet", "biwoof-release-svm",
                                        "lbp-apex-svm")]  # as the committed runs rank
    tables = Tables(ranked=ranked, test_set=[],
                    saved_weights=[_row("htnet", 0.62)], reduced=[_row("htnet")])
    listed = {item.model: item for item in not_run_models(COMPOSITE, tables, registries,
                                                          load_costs())}
    assert {"htnet", "mmnet-release", "hsta-release", "causalnet", "alexnet-flow", "rcn",
            "dual-inception"} <= set(listed)
    # ranked models, models the composite cannot feed, and the variant's twins are not listed
    assert not {"ststnet", "offapexnet", "mmnet", "hsta", "biwoof-svm", "lbptop-svm",
                "mdmo-svm"} & set(listed)
    htnet = listed["htnet"]
    assert htnet.reduced_runs and htnet.weights_scores == (0.62, 0.5)
    (paper,) = htnet.published
    assert (paper.uf1, paper.uar, paper.test_set_selection) == (0.8603, 0.8475, True)
    assert listed["causalnet"].feature == "causalnet-release"
    assert "--feature causalnet-release" in listed["causalnet"].command
    parser = build_parser()
    for item in listed.values():  # each command is one the real parser takes
        args = parser.parse_args(item.command.split()[1:])
        assert args.model == item.model and args.dataset == "composite"
        assert item.cost is not None, item.model  # measured for every model of this board
    # published numbers first, best first: CausalNet's, then HTNet's
    assert [item.model for item in listed.values()][:2] == ["causalnet", "htnet"]
    # costs are measured on the composite's LOSO folds only: another protocol shows none
    lodo = not_run_models(LODO, tables, registries, load_costs())
    assert lodo and all(item.cost is None for item in lodo)


def test_the_shipped_costs_say_which_runs_are_cpu_work() -> None:
    data = json.loads(COSTS_FILE.read_text())
    assert data["schema_version"] == 1 and data["dataset"] == "composite"
    assert data["machine"]["cpu"] and data["machine"]["threads"] == 1
    table = load_costs()
    assert table is not None
    for small in ("rcn", "dual-inception", "ststnet"):
        assert table.models[small].cpu_work, small
    for large in ("htnet", "causalnet", "alexnet-flow"):
        assert not table.models[large].cpu_work, large
    htnet = table.models["htnet"]
    assert htnet.gpu_measured and "measured" in htnet.text()
    assert "predicted from FLOPs" in table.models["mmnet-release"].text()


@pytest.mark.parametrize(("hours", "minutes", "measured", "text"), [
    (0.75, 2.0, False, "CPU: 45 min a seed on one core (CPU work); GPU: about 2.0 min a seed "
                       "(predicted from FLOPs)"),
    (40.0, 27.2, True, "CPU: 40.0 h a seed on one core (GPU work); GPU: about 27 min a seed "
                       "(measured)"),
])
def test_a_cost_reads_as_a_line(hours: float, minutes: float, measured: bool,
                                text: str) -> None:
    seconds = minutes * 60 / 68
    table = parse_costs({"schema_version": 1, "dataset": "composite", "protocol": "loso",
                         "folds": 68, "machine": {"cpu": "a CPU", "torch": "2"},
                         "models": {"m": {"cpu_h_per_seed": hours, "gpu_s_per_fold": seconds,
                                          "gpu_source": "measured" if measured
                                          else "predicted from FLOPs"}}})
    assert table.models["m"].text() == text
    assert table.cost("m", "composite", "loso") is not None
    assert table.cost("m", "casme2", "loso") is None


def test_an_unreadable_cost_file_gives_no_costs(tmp_path: Path) -> None:
    broken = tmp_path / "costs.json"
    broken.write_text("[" * 100_000)
    assert load_costs(broken) is None
    broken.write_text(json.dumps({"schema_version": 2}))
    assert load_costs(broken) is None
    assert load_costs(tmp_path / "absent.json") is None
