"""The CNN authors' state dicts in merbench's names (``merbench convert-weights``).

- RCN-A (``xiazhaoqiang/ParameterFreeRCNs-MicroExpressionRec``, ``MeNets.RCN_A`` with one
  recurrent layer): ``conv1`` is merbench's ``stem``, ``rcls.0.ffconv`` its
  ``recurrent.feedforward``, ``rcls.0.rrconv`` its ``recurrent.recurrent``; ``classifier``
  keeps its name.
- STSTNet (the authors' PyTorch class, as in ``christy1206/STSTNet`` and HTNet's script):
  three convolutions ``conv1`` / ``conv2`` / ``conv3`` (3, 5 and 8 filters) and BatchNorms
  ``bn1`` / ``bn2`` / ``bn3`` are merbench's one ``conv`` and one ``bn`` of 16 channels,
  stacked in that order (filters 0-2, 3-7, 8-15); ``fc`` keeps its name (it reads the
  streams' maps in the same order).
- OFF-ApexNet, from the PyTorch port in Off-TANet's code
  (``ECNU-Cross-Innovation-Lab/PRICAI2021-Off-TANet``, ``models/off_apexnet.py``, which feeds
  u then v): ``cnn1`` is merbench's ``u_stream``, ``cnn2`` its ``v_stream`` (their
  ``conv1`` / ``conv2`` at indices 0 / 3), ``dense`` its ``classifier``. The port has no
  activation on its convolutions: build the model with ``conv_activation=none`` for its
  weights (``--model-opt conv_activation=none``).
"""

from __future__ import annotations

from typing import Any

from merbench.api import MerbenchError, check_layout, joined, renamed, whole_count

STSTNET_STREAMS = ("1", "2", "3")
STSTNET_FILTERS = (3, 5, 8)  # the streams' filters, in that order


def rcn_from_authors(state: dict[str, Any]) -> dict[str, Any]:
    return renamed(state, {"conv1.": "stem.", "rcls.0.ffconv.": "recurrent.feedforward.",
                           "rcls.0.rrconv.": "recurrent.recurrent.",
                           "classifier.": "classifier."}, model="RCN-A")


def offapexnet_from_authors(state: dict[str, Any]) -> dict[str, Any]:
    prefixes = {f"{cnn}.{conv}.": f"{stream}.{index}."
                for cnn, stream in (("cnn1", "u_stream"), ("cnn2", "v_stream"))
                for conv, index in (("conv1", 0), ("conv2", 3))}
    return renamed(state, {**prefixes, "dense.": "classifier."}, model="OFF-ApexNet")


def ststnet_from_authors(state: dict[str, Any]) -> dict[str, Any]:
    layers = {"conv": ("weight", "bias"),
              "bn": ("weight", "bias", "running_mean", "running_var")}
    expected = {f"{layer}{s}.{p}" for layer, params in layers.items() for p in params
                for s in STSTNET_STREAMS}
    expected |= {f"bn{s}.num_batches_tracked" for s in STSTNET_STREAMS}
    expected |= {"fc.weight", "fc.bias"}
    check_layout(state, expected, "STSTNet", "conv1-3, bn1-3, fc")
    out: dict[str, Any] = {}
    for layer, params in layers.items():
        for param in params:
            names = [f"{layer}{s}.{param}" for s in STSTNET_STREAMS]
            out[f"{layer}.{param}"] = joined(state, names, "STSTNet", STSTNET_FILTERS)
    counts = {whole_count(state, f"bn{s}.num_batches_tracked", "STSTNet")
              for s in STSTNET_STREAMS}
    if len(counts) > 1:
        raise MerbenchError(f"the three BatchNorms count different training steps "
                            f"({sorted(counts)}): not one STSTNet trained as a whole")
    out["bn.num_batches_tracked"] = state["bn1.num_batches_tracked"]
    for param in ("weight", "bias"):
        out[f"fc.{param}"] = state[f"fc.{param}"]
    return out
