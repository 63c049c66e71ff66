"""Two counts said as they are (pass 84j, walk 85l): convert-weights named 4 of 7 unknown
keys as if they were all, and ``status`` said "0 s per fold" of folds under half a second."""

from __future__ import annotations

from pathlib import Path

import pytest

from merbench.base.errors import MerbenchError
from merbench.runner.status import RunStatus
from merbench.runner.status_line import describe


def test_unknown_checkpoint_keys_beyond_the_four_shown_are_counted() -> None:
    from merbench_cnn.authors_weights import ststnet_from_authors

    state = {f"stray{i}.weight": 0 for i in range(7)}
    with pytest.raises(MerbenchError, match=r"7 key\(s\) .*stray3\.weight and 3 more; is"):
        ststnet_from_authors(state)


@pytest.mark.parametrize(("seconds", "said"), [((0.2, 0.3), "under 1 s per fold"),
                                               ((0.6, 0.7), "1 s per fold"),
                                               ((52.0,), "52 s per fold")])
def test_the_median_fold_time_is_never_zero_seconds(seconds: tuple[float, ...],
                                                    said: str) -> None:
    status = RunStatus(path=Path("r"), model="ststnet", dataset="synthetic", protocol="loso",
                       seed=0, n_folds=3, finished=len(seconds), fold_seconds=seconds,
                       damaged=0, saved=(), epochs=1, complete=False, running=False,
                       unreadable=False, results_name="results.json", not_files=(),
                       refused=None, audited=False, changed=None)
    line = describe(status).text
    assert f"; {said} (median)" in line and "; 0 s per fold" not in line, line
