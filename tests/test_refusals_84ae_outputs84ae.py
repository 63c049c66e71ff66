"""Pass 84ae, AE4, AE6 and AE7: what a plugin's model or spotter gives that is no answer, and
an out-of-memory line, said in merbench's words.

AE6: a spotter's interval outside the video was said as "the spotter returned [310, 340] for
video ..., which has 300 frames", naming neither the spotter nor its plugin nor a fix; one
ending before its onset was said as the spotter having "refused video ...: an interval ends
at or after its onset", the rule stated as the fault and the video blamed. Both now blame
the plugin as a float onset already did.

AE4: a torch model whose logits are NaN or infinite in eval mode only had them argmax'ed to
the first class, scored as a "collapsed" run, and validated; the fold is now refused naming
the model's plugin, how many test samples and which fold, and the folds before it are kept.

AE7: a fold that ran out of memory was said with torch's own text ("[enforce fail at
alloc_cpu.cpp:127] ... DefaultCPUAllocator ..."), its model options last; the line now says
how much was asked for in merbench's words, and leads with the options where given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from merbench.plugin_system.manager import default_plugins

PLUGIN = """
    import torch
    from torch import nn
    from merbench.api import (FrameInterval, ModelMeta, SpotterMeta, Spotted, TrainRecipe,
                              hookimpl)

    BUILT = [0]

    class EvalNaN(nn.Module):  # NaN logits in eval mode, from the second fold built
        def __init__(self, num_classes=3):
            super().__init__()
            self.lin = nn.Linear(3 * 28 * 28, num_classes)
            BUILT[0] += 1
            self.bad = BUILT[0] >= 2
        def forward(self, x):
            y = self.lin(x.reshape(len(x), -1).float() / 255.0)
            return y * float("nan") if self.bad and not self.training else y

    @hookimpl
    def merbench_register_models(registry):
        registry.add(ModelMeta(name="ae-evalnan", version=1, description="bad", citation="none",
                               feature="flow-uvos", kind="torch",
                               recipe=TrainRecipe(epochs=1, batch_size=8, lr=1e-3)), EvalNaN)

    class Spot:
        mode = ""
        @property
        def params(self):
            return {}
        def spot(self, frames, fps):
            n = sum(1 for _ in frames)
            onset, offset = {"outside": (n + 10, n + 40), "negative": (-30, 5),
                             "straddle": (n - 5, n + 50), "reversed": (40, 10)}[self.mode]
            return (Spotted(FrameInterval(onset, offset), "micro"),)

    @hookimpl
    def merbench_register_spotters(registry):
        for m in ("outside", "negative", "straddle", "reversed"):
            registry.add(SpotterMeta(name="ae-" + m, version=1, description="bad",
                                     citation="none"), type("S" + m, (Spot,), {"mode": m}))
"""

BLAME = "of plugin 'ae' (package aeplug 1.0)"
ADVICE = "; report it to the authors of aeplug, or skip the plugin with --no-plugin ae"
VIDEO = "synthetic-long/sub01/v1"


@pytest.fixture
def plugin(make_dist: Callable[..., None], tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    make_dist("aeplug", "ae", "mb_outputs84ae", PLUGIN)
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


def _refused(cli: Callable[..., tuple[int, str, str]], *args: object) -> str:
    """The one line a refused command says, with status 2 and no traceback."""
    code, _, err = cli(*args)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    return lines[0].removeprefix("merbench: error: ")


@pytest.mark.parametrize(("mode", "said"), [
    ("outside", "returned [310, 340] for video {v}, which has frames 0..299"),
    ("negative", "returned [-30, 5] for video {v}, which has frames 0..299"),
    ("straddle", "returned [295, 350] for video {v}, which has frames 0..299"),
    ("reversed", "returned [40, 10] for video {v}, an interval that ends before its onset; "
                 "the videos before it are kept"),
])
def test_a_spotters_interval_out_of_its_video_blames_the_plugin(plugin, cli, tmp_path: Path,
                                                                mode: str, said: str) -> None:
    out = tmp_path / mode
    line = _refused(cli, "spot", "--quiet", "--spotter", f"ae-{mode}", "--dataset",
                    "synthetic-long", "--out", out)
    assert line == f"spotter 'ae-{mode}' {BLAME} {said.format(v=VIDEO)}{ADVICE}"
    assert not out.exists()


@pytest.mark.parametrize(("text", "said"), [
    ("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
     "memory: you tried to allocate 6000000000000 bytes. Error code 12", " (it asked for 6.0 TB "
     "at once)"),
    ("CUDA out of memory. Tried to allocate 20.00 GiB (GPU 0; ...)", " (it asked for 20.00 GiB "
     "at once)"),
    ("out of memory", ""),
])
def test_out_of_memory_says_what_was_asked_for_not_the_librarys_text(text: str,
                                                                      said: str) -> None:
    from merbench.runner.out_of_memory import asked_for
    assert asked_for(RuntimeError(text)) == said


def test_out_of_memory_with_model_options_leads_with_them(tmp_path: Path, cli, monkeypatch
                                                          ) -> None:
    import merbench.training.torch_trainer as trainer

    def too_large(*args: object, **options: object) -> None:
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: "
                           "can't allocate memory: you tried to allocate 6000000000000 bytes.")

    monkeypatch.setattr(trainer, "train_fold", too_large)
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("run", "--model", "ststnet", "--dataset", "synthetic", "--epochs", "1",
                       "--device", "cpu", "--model-opt", "dropout=0.25", "--quiet",
                       "--out", "r")
    assert code == 2 and "alloc_cpu" not in err and "Allocator" not in err, err
    assert err.strip() == (
        "merbench: error: model 'ststnet' with dropout=0.25 ran out of cpu memory training "
        "fold syn1/s01 (it asked for 6.0 TB at once): the options may make the network too "
        "large; check them against 'merbench list models', or free the device or use a "
        "smaller --batch-size; no fold had finished, so nothing was kept")


def test_nan_logits_at_evaluation_refuse_the_fold_and_keep_those_before(plugin, cli,
                                                                       tmp_path: Path,
                                                                       monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    line = _refused(cli, "run", "--model", "ae-evalnan", "--dataset", "synthetic", "--epochs",
                    "1", "--threads", "1", "--dataset-opt", "subjects=3", "--quiet", "--out",
                    "r")
    assert line == ("model 'ae-evalnan' " + BLAME + " gave NaN logits for 10 test samples "
                    "of fold 1 (syn2/s01) in eval mode, so none of them is scored" + ADVICE +
                    ". The folds it finished before are kept, and no results file is written")
    assert [p.name for p in (tmp_path / "r" / "folds").iterdir()] == ["fold-000.npz"]


def test_non_finite_logits_of_folds_trained_together_name_the_fold() -> None:
    import torch

    from merbench.training.model_output import NotFiniteAtTest, finite_at_test
    logits = torch.zeros(3, 5, 2)
    logits[2, 1, 0] = logits[2, 4, 1] = float("inf")
    with pytest.raises(NotFiniteAtTest) as raised:
        finite_at_test(logits)
    assert (raised.value.what, raised.value.count, raised.value.fold) == ("infinite", 2, 2)
    assert str(raised.value) == "its forward gave infinite logits for 2 test samples of fold 2"
