"""Every CUDA path of merbench on small shapes, for the first minutes of a GPU session.

Marked ``gpu``: ``python -m pytest -m gpu`` runs only these (``benchmarks/gpu_session.py`` does,
first). Without a CUDA device they are skipped, also in CI, unless ``MERBENCH_REQUIRE_GPU=1``
makes a missing GPU a failure (a GPU job that silently skipped would prove nothing). Together
they train a few hundred fold-epochs of small models and take about a minute on a data-centre
GPU.

Paths and their tests:
- fold-parallel training on the device, same predictions as one fold at a time in fp32 with
  TF32 off: ``test_fold_parallel_equals_one_fold_at_a_time_in_fp32``;
- bf16 and TF32, within a stated agreement with fp32: ``test_bf16_and_tf32_stay_close_to_fp32``;
- the fused Adam step (always on CUDA): ``test_cuda_takes_the_fused_step``;
- K from free memory: ``test_k_comes_from_free_memory``;
- halving K on out of memory, forced with ``set_per_process_memory_fraction``:
  ``test_out_of_memory_lowers_k_and_keeps_the_numbers``;
- a saved fold state: continued on CUDA, refused on the CPU with the way to go on
  (docs/user-guide.md, Resuming): ``test_a_saved_state_continues_on_cuda_not_on_the_cpu``;
- the device in the results: ``test_results_record_the_gpu``;
- folds trained together replay their epochs as a captured CUDA graph (the default on
  CUDA), bit for bit the eager engine's predictions in fp32, K = 2 and 3:
  ``test_captured_epochs_equal_eager_ones``; a diverged loss named with its epoch although
  the host does not wait for it: ``test_a_captured_run_that_diverges_names_the_epoch``; a
  state the eager engine saved, continued captured and vice versa:
  ``test_saved_states_continue_across_eager_and_captured``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from interrupt import ctrl_c

from merbench.results.codec import to_json

pytestmark = pytest.mark.gpu

TINY_HTNET = {"dim": 12, "heads": 3, "block_repeats": [1, 1, 1]}
SMALL = {"subjects": 6, "samples_per_subject": 6}
AGREEMENT = 0.8  # bf16/TF32 predictions that match fp32's, per sample and epoch, at least


@pytest.fixture(autouse=True)
def cuda() -> Iterator[None]:
    if not torch.cuda.is_available():
        if os.environ.get("MERBENCH_REQUIRE_GPU") == "1":
            pytest.fail("MERBENCH_REQUIRE_GPU=1, and torch sees no CUDA device")
        pytest.skip("no CUDA device (set MERBENCH_REQUIRE_GPU=1 to make this a failure)")
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
    torch.cuda.set_per_process_memory_fraction(1.0)
    torch.cuda.empty_cache()


def _run(out: Path, **options):  # type: ignore[no-untyped-def]
    import merbench

    options.setdefault("model_options", TINY_HTNET)
    options.setdefault("epochs", 6)
    return merbench.run(model=options.pop("model", "htnet"), dataset="synthetic",
                        dataset_options=SMALL, device="cuda", out=out, **options)


def _epoch_predictions(run_dir: Path) -> np.ndarray:
    return np.concatenate([np.load(p)["epoch_predictions"]
                           for p in sorted((run_dir / "folds").glob("fold-*.npz"))], axis=1)


def test_fold_parallel_equals_one_fold_at_a_time_in_fp32(tmp_path: Path) -> None:
    together = _run(tmp_path / "together", parallel_folds=3)
    alone = _run(tmp_path / "alone", parallel_folds=1)
    engine = to_json(together.results.engine)
    assert engine["mode"] == "fold-parallel" and engine["folds_at_once"] == 3
    assert engine["same_numbers_as_sequential"] is True
    assert np.array_equal(_epoch_predictions(tmp_path / "together"),
                          _epoch_predictions(tmp_path / "alone"))
    assert together.metrics == alone.metrics


@pytest.mark.parametrize("precision", ["bf16", "tf32"])
def test_bf16_and_tf32_stay_close_to_fp32(tmp_path: Path, precision: str) -> None:
    exact = _run(tmp_path / "fp32", parallel_folds=3)
    rounded = _run(tmp_path / precision, parallel_folds=3, precision=precision)
    assert rounded.results.precision == precision
    agree = float(np.mean(_epoch_predictions(tmp_path / "fp32")
                          == _epoch_predictions(tmp_path / precision)))
    assert agree >= AGREEMENT, f"{precision}: {agree:.3f} of predictions agree with fp32"
    assert exact.results.engine.same_numbers_as_sequential is True


def test_cuda_takes_the_fused_step(tmp_path: Path) -> None:
    result = _run(tmp_path / "r", parallel_folds=2)
    assert result.results.hyperparameters.fused_optimizer is True
    assert result.results.engine.fused_optimizer is True
    single = _run(tmp_path / "one", parallel_folds=1)
    assert single.results.engine.fused_optimizer is True


def test_k_comes_from_free_memory(tmp_path: Path) -> None:
    import merbench
    from merbench.training.fold_parallel import folds_that_fit

    model = merbench.create_model("htnet", num_classes=3, **TINY_HTNET)
    k = folds_that_fit(model, "cuda")
    assert k >= 2  # a tiny model: many folds fit a data-centre GPU
    result = _run(tmp_path / "r")  # no --parallel-folds: chosen from memory
    engine = to_json(result.results.engine)
    assert engine["cause"] == "memory"
    assert engine["folds_at_once"] == min(k, SMALL["subjects"])


def test_out_of_memory_lowers_k_and_keeps_the_numbers(tmp_path: Path) -> None:
    big = {"dim": 96, "heads": 3, "block_repeats": [1, 1, 1]}
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    alone = _run(tmp_path / "alone", parallel_folds=1, model_options=big, epochs=2)
    one_fold = torch.cuda.max_memory_allocated()
    total = torch.cuda.get_device_properties(0).total_memory
    # room for about two folds at once: six do not fit, so the engine halves K
    torch.cuda.set_per_process_memory_fraction(
        min(1.0, (torch.cuda.memory_allocated() + 2.5 * one_fold) / total))
    with pytest.warns(RuntimeWarning, match="ran out of memory training 6 folds at once"):
        lowered = _run(tmp_path / "lowered", parallel_folds=6, model_options=big, epochs=2)
    engine = to_json(lowered.results.engine)
    assert engine["lowered_after_out_of_memory_from"] == 6
    assert 1 <= engine["folds_at_once"] < 6
    assert np.array_equal(_epoch_predictions(tmp_path / "alone"),
                          _epoch_predictions(tmp_path / "lowered"))
    assert alone.metrics == lowered.metrics


def test_a_saved_state_continues_on_cuda_not_on_the_cpu(tmp_path: Path) -> None:
    import merbench
    from merbench.base.errors import MerbenchError
    from merbench.plugin_system.manager import load_plugins

    class StopAtEpoch:
        @merbench.hookimpl
        def merbench_epoch_finished(self, run, fold_index, epoch) -> None:  # type: ignore
            if (fold_index, epoch) == (0, 4):
                ctrl_c()

    whole = _run(tmp_path / "whole", parallel_folds=1, epochs=8)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "r", parallel_folds=1, epochs=8, checkpoint_every=1e-6,
             plugins=load_plugins(extra=[("stop", StopAtEpoch())]))
    assert (tmp_path / "r" / "partial" / "fold-000.pt").is_file()
    with pytest.raises(MerbenchError, match=r"saved on cuda.*--device cuda"):
        merbench.run(model="htnet", dataset="synthetic", dataset_options=SMALL,
                     model_options=TINY_HTNET, epochs=8, device="cpu", parallel_folds=1,
                     fused_optimizer=True,  # CUDA's step, so only the device differs
                     out=tmp_path / "r")
    continued = _run(tmp_path / "r", parallel_folds=1, epochs=8)
    assert continued.results.protocol.n_folds == whole.results.protocol.n_folds
    agree = float(np.mean(_epoch_predictions(tmp_path / "r")
                          == _epoch_predictions(tmp_path / "whole")))
    assert agree >= AGREEMENT  # CUDA kernels are not made deterministic


def test_results_record_the_gpu(tmp_path: Path) -> None:
    result = _run(tmp_path / "r", parallel_folds=2, epochs=2)
    name = torch.cuda.get_device_name(0)
    assert name in result.results.environment.device
    assert all(name in fold.device for fold in result.results.folds)
    assert "threads" in to_json(result.results.engine)
    saved = json.loads((tmp_path / "r" / "results.json").read_text())
    assert saved["environment"]["device"] == result.results.environment.device
    assert isinstance(pd.read_csv(tmp_path / "r" / "predictions.csv"), pd.DataFrame)


@pytest.mark.parametrize("k", [2, 3])
def test_captured_epochs_equal_eager_ones(tmp_path: Path, k: int) -> None:
    captured = _run(tmp_path / "captured", parallel_folds=k)
    eager = _run(tmp_path / "eager", parallel_folds=k, eager=True)
    assert captured.results.engine.captured is True
    assert eager.results.engine.captured is False
    assert np.array_equal(_epoch_predictions(tmp_path / "captured"),
                          _epoch_predictions(tmp_path / "eager"))
    assert captured.metrics == eager.metrics


def test_a_captured_run_that_diverges_names_the_epoch(tmp_path: Path) -> None:
    from merbench.base.errors import MerbenchError

    with pytest.raises(MerbenchError, match=r"training diverged at epoch \d+"):
        _run(tmp_path / "r", parallel_folds=3, lr=1e38, epochs=12)


@pytest.mark.parametrize("first_eager", [True, False])
def test_saved_states_continue_across_eager_and_captured(tmp_path: Path,
                                                         first_eager: bool) -> None:
    import warnings

    import merbench
    from merbench.plugin_system.manager import load_plugins

    class StopAtEpoch:
        @merbench.hookimpl
        def merbench_epoch_finished(self, run, fold_index, epoch) -> None:  # type: ignore
            if (fold_index, epoch) == (0, 4):
                ctrl_c()

    whole = _run(tmp_path / "whole", parallel_folds=2, epochs=8)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "r", parallel_folds=2, epochs=8, checkpoint_every=1e-6,
             eager=first_eager, plugins=load_plugins(extra=[("stop", StopAtEpoch())]))
    assert list((tmp_path / "r" / "partial").glob("*.pt"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a state set aside would warn
        continued = _run(tmp_path / "r", parallel_folds=2, epochs=8, eager=not first_eager)
    assert continued.results.engine.captured is first_eager
    agree = float(np.mean(_epoch_predictions(tmp_path / "r")
                          == _epoch_predictions(tmp_path / "whole")))
    assert agree >= AGREEMENT and whole.results.engine.captured is True
