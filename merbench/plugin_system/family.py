"""An open set of registered entries named ``<name>-<member>`` (every timm architecture).

A :class:`Family` is registered once and makes an :class:`~merbench.plugin_system.entry.Entry`
for a member when it is first asked for by name (:mod:`merbench.plugin_system.registry`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from merbench.meta import Meta
from merbench.plugin_system.entry import Origin

M = TypeVar("M", bound=Meta)

#: What a family's ``member`` function returns for one member name.
Member = tuple[M, Callable[..., Any], Callable[[dict[str, Any]], dict[str, str]] | None]


@dataclass(frozen=True)
class Family(Generic[M]):
    """Entries called ``<name>-<member>`` for an open set of members, made when first asked
    for: every timm architecture is a model ``timm-<arch>``. Listing every member up front is
    neither possible without importing the library that knows them (``merbench list`` must
    stay light) nor useful (timm has over a thousand). The member is part of the name, not an
    option, because it is what the model *is*: results, leaderboards and run folders show it,
    and an option would mark every run as a departure from the model as declared.

    ``meta`` is what ``merbench list`` shows, its name the family's prefix; ``member`` (a
    callable, or ``"module:function"`` imported on first use) takes a member name and returns
    the member's metadata (named ``<name>-<member>``), factory and ``built_from``, or raises a
    MerbenchError naming the closest members when there is no such member.
    """

    meta: M
    member: Callable[[str], Member[M]]
    origin: Origin
    placeholder: str = "member"

    @property
    def pattern(self) -> str:
        """How the family's names look: ``timm-<arch>``."""
        return f"{self.meta.name}-<{self.placeholder}>"
