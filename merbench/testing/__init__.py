"""Contract checks for registered plugins, for merbench's own tests and a plugin's.

merbench checks every entry of its registries the way timm tests its model registry: every
model builds with its defaults and trains one step on its declared input, every feature's
needs are met by some registered dataset, every protocol tests each sample once, every piece
of metadata is complete. A third-party plugin gets the same checks from one line in its own
tests (docs/testing-plugins.md)::

    import pytest
    from merbench.testing import contract_cases

    @pytest.mark.parametrize("case", contract_cases(package="merbench-mymodel"), ids=str)
    def test_contract(case):
        case.check()

Each check raises ``AssertionError`` naming the entry, the plugin and package that registered
it, and what is wrong. The checks run the core's own pieces (the optimiser a recipe names,
the model's parameter groups, the estimator fit a run does), so passing them means a run can
build and train the entry; they say nothing about its scores. Importing this module is cheap:
torch is imported only by a torch model's check.
"""

from merbench.testing.cases import ContractCase, contract_cases
from merbench.testing.model_checks import check_model
from merbench.testing.protocol_checks import check_protocol
from merbench.testing.registered import check_feature, check_metadata
from merbench.testing.spotter_checks import check_spotter

__all__ = ["ContractCase", "check_feature", "check_metadata", "check_model", "check_protocol",
           "check_spotter", "contract_cases"]
