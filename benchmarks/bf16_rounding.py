"""Did the CPU really compute in bf16? One training step in fp32 and in merbench's bf16.

The precision study (issue 81, ``benchmarks/README.md``: *Which precision the GPU jobs train
in*) compares three seeds of RCN-A trained on the CPU in fp32 with three in
``--precision bf16``. A "no difference" is evidence only if the bf16 runs computed in bf16:
an autocast that did nothing (a CPU or a layer it does not cover) would give fp32's numbers
and prove nothing. This takes one step of a model at its recipe's batch, from the same
weights and inputs, through merbench's own ``autocast`` (``torch_trainer.autocast``: the
forward pass and the loss in bfloat16, weights, gradients and Adam's or SGD's state in
fp32), and reports how far the bf16 step's logits, loss and weight update are from fp32's
(the norm of the difference over fp32's): not 0 (bf16 computed), and of the order of bf16's
rounding (its unit roundoff is 2^-9, about 0.002: the fp32 logits rounded once to bf16 differ
by about that; after a network's layers a few times it), not more.

    python benchmarks/bf16_rounding.py [--model rcn] [--seed 0]

It prints a table and a JSON line, and exits 1 if the bf16 step equals the fp32 one bit for
bit or strays beyond :data:`WITHIN` of it.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from typing import Any

import torch

import merbench
from merbench.plugin_system.manager import load_plugins
from merbench.training.torch_trainer import autocast, build_optimizer, model_param_groups

UNIT_ROUNDOFF = 2.0 ** -9  # bfloat16: 8 significant bits
WITHIN = 0.1  # a relative difference beyond this is no rounding: something else changed


def relative(a: torch.Tensor, b: torch.Tensor) -> float:
    """The norm of ``a - b`` over ``b``'s (a difference of single small elements, which
    rounding makes large relative to themselves, does not dominate it)."""
    scale = b.detach().float().norm().item() or 1.0
    return (a.detach().float() - b.detach().float()).norm().item() / scale


def step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, precision: str,
         recipe: Any, seed: int) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """One training step of ``model`` (a copy is stepped) in ``precision``, its dropout
    drawn from ``seed`` (the same masks in both precisions): its logits, its loss and its
    weights after the optimiser's step."""
    model = copy.deepcopy(model)
    torch.manual_seed(seed)
    optimizer = build_optimizer(model_param_groups(model, recipe), recipe, "cpu")
    model.train()
    with autocast("cpu", precision):
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return logits.float(), loss.float(), [p.detach().clone() for p in model.parameters()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rcn", help="a registered torch model (rcn)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    registries = load_plugins().registries
    meta = registries.models.get(args.model).meta
    if meta.recipe is None:
        parser.error(f"{args.model} declares no training recipe; give a torch model (rcn)")
    from step_timing import stored_inputs  # beside this file: the feature's stored shape

    generator = torch.Generator().manual_seed(args.seed)
    torch.manual_seed(args.seed)
    model = merbench.create_model(args.model, num_classes=3)
    feature = registries.features.get(meta.feature).meta
    x = stored_inputs(feature, meta.recipe.batch_size, generator).float()
    y = torch.randint(0, 3, (meta.recipe.batch_size,), generator=generator)
    fp32 = step(model, x, y, "fp32", meta.recipe, args.seed)
    bf16 = step(model, x, y, "bf16", meta.recipe, args.seed)
    rows = {"logits": relative(bf16[0], fp32[0]), "loss": relative(bf16[1], fp32[1]),
            # the step each precision took: all the weights' updates as one vector
            "update of the weights": relative(
                torch.cat([(b - w.detach()).flatten() for b, w in
                           zip(bf16[2], model.parameters(), strict=True)]),
                torch.cat([(f - w.detach()).flatten() for f, w in
                           zip(fp32[2], model.parameters(), strict=True)]))}
    rounded = relative(fp32[0].to(torch.bfloat16), fp32[0])  # the logits rounded once
    print(f"{args.model}, one step at batch {meta.recipe.batch_size}, bf16 autocast against "
          f"fp32 (relative difference in norm; bf16's unit roundoff {UNIT_ROUNDOFF:.5f}; the "
          f"fp32 logits rounded to bf16 once: {rounded:.5f})")
    for name, value in rows.items():
        print(f"  {name:24s} {value:.5f}")
    print(json.dumps({"model": args.model, "torch": torch.__version__,
                      "unit_roundoff": UNIT_ROUNDOFF, "logits_rounded_once": rounded,
                      **{k.replace(" ", "_"): v for k, v in rows.items()}}))
    if rows["logits"] == 0.0 or rows["update of the weights"] == 0.0:
        print("the bf16 step equals the fp32 one: the CPU did not compute in bf16",
              file=sys.stderr)
        return 1
    if max(rows.values()) > WITHIN:
        print(f"the bf16 step strays beyond {WITHIN} of fp32's: more than rounding",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
