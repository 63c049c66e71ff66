"""How alike two trainings' predictions must be when the same arithmetic runs through other
CPU kernels.

Folds trained together (stacked weights) and alone do the same arithmetic, and on the H100
(tests/test_gpu.py) and a 2-core AMD EPYC with AVX-512 they gave the same bits. On a 2-core
AMD EPYC with AVX2 only, the stacked kernels round some sums otherwise: the predictions agree
for the first epochs and then a few of them drift apart (a sample near a decision boundary
flips). So on a CPU the check is the audit's tolerance (merbench.audit): the first epoch
identical and at least 90% of all per-epoch predictions alike; the GPU test keeps bit
identity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MIN_AGREEMENT = 0.9


def assert_same_training(found: np.ndarray, expected: np.ndarray) -> None:
    """``found`` and ``expected``: epochs x samples predictions of one fold."""
    assert found.shape == expected.shape
    np.testing.assert_array_equal(found[0], expected[0], err_msg="first epoch")
    agreement = float((found == expected).mean())
    assert agreement >= MIN_AGREEMENT, f"{agreement:.1%} of the predictions alike"


def native_bf16() -> bool:
    """The CPU computes bfloat16 products in hardware (AVX512-BF16 or AMX); without it torch
    emulates them and rounds otherwise."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags
