"""The MMNet authors' state dict in merbench's names (``merbench convert-weights``).

Their ``MMNet`` (``muse1998/MMNet``, ``CASME2_5.py`` with ``CA_block.py`` and
``PC_module.py``) and merbench's compute the same logits under other names:

- ``conv_act.0`` / ``.1`` (the first convolution and its BatchNorm) are merbench's
  ``main_branch.stem.0.0`` / ``.0.1``; ``main_branch.conv1`` / ``bn1`` its
  ``main_branch.stem.2.0`` / ``.2.1``;
- ``main_branch.layer{1-4}.0`` are ``main_branch.blocks.{0-3}``: ``conv1`` / ``bn1`` ->
  ``body.0.0`` / ``body.0.1``, ``conv2`` / ``bn2`` -> ``body.2.0`` / ``body.2.1``,
  ``downsample.0`` / ``.1`` -> ``shortcut.0`` / ``.1``, ``attn.0`` / ``.1`` -> ``attention.0``
  / ``.1``;
- ``main_branch.fc`` (their classifier, applied after adding the position map) is
  ``head``;
- ``vit_pos.patch_embed.proj`` is ``position.patch_embed``, ``vit_pos.pos_embed`` /
  ``blocks`` / ``norm`` are ``position.pos_embed`` / ``blocks`` / ``norm`` (timm's block
  names, which theirs are);
- what their forward never reads is left out: ``pos`` (a convolution and BatchNorm),
  ``vit_pos.cls_token``, ``vit_pos.head``, ``vit_pos.to_Mask``, ``head`` / ``head1`` (a
  38-way AU head) and ``timeembed``.
"""

from __future__ import annotations

from typing import Any

from merbench.api import renamed

UNUSED = ("pos", "vit_pos.cls_token", "vit_pos.head", "vit_pos.to_Mask", "head", "head1",
          "timeembed")


def mmnet_from_authors(state: dict[str, Any]) -> dict[str, Any]:
    prefixes = {"conv_act.0.": "main_branch.stem.0.0.", "conv_act.1.": "main_branch.stem.0.1.",
                "main_branch.conv1.": "main_branch.stem.2.0.",
                "main_branch.bn1.": "main_branch.stem.2.1.",
                "main_branch.fc.": "head.",
                "vit_pos.patch_embed.proj.": "position.patch_embed.",
                "vit_pos.pos_embed": "position.pos_embed",
                "vit_pos.blocks.": "position.blocks.", "vit_pos.norm.": "position.norm."}
    for layer in range(4):
        ours = f"main_branch.blocks.{layer}."
        theirs = f"main_branch.layer{layer + 1}.0."
        prefixes.update({f"{theirs}conv1.": f"{ours}body.0.0.", f"{theirs}bn1.": f"{ours}body.0.1.",
                         f"{theirs}conv2.": f"{ours}body.2.0.", f"{theirs}bn2.": f"{ours}body.2.1.",
                         f"{theirs}downsample.": f"{ours}shortcut.",
                         f"{theirs}attn.": f"{ours}attention."})
    return renamed(state, prefixes, dropped=UNUSED, model="MMNet")
