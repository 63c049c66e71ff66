"""merbench's contract checks on this plugin's entries (docs/testing-plugins.md).

Every model, feature, dataset and protocol the installed package `merbench-tinymlp`
registers: its metadata is complete, and tiny-mlp builds and trains one step on its
feature's input. Run with `pytest tests` after `pip install -e .`.
"""

import pytest

from merbench.testing import contract_cases


@pytest.mark.parametrize("case", contract_cases(package="merbench-tinymlp"), ids=str)
def test_contract(case):
    case.check()
