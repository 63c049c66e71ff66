"""Registry[M]: the named things plugins add, with "did you mean" for unknown names.

A registry remembers which plugin (and which installed package) added each name, so that
`merbench list` can show it and results can record who provided what they used. A name
claimed twice is never an error that stops every command (that would let any installed
package switch merbench off): merbench's own registration keeps the name, or the first one
for two third parties, and the other is skipped with one warning line naming both packages.

What an entry's factory takes (its options and their defaults) is metadata too:
:meth:`merbench.plugin_system.entry.Entry.factory_options`, which the option checks,
``without_defaults`` and the leaderboard's defaults read, knows it for a factory named
``"module:function"`` without importing that module here
(:mod:`merbench.plugin_system.lazy_factory`, :mod:`merbench.plugin_system.options_cache`), so
planning a run or labelling a leaderboard row loads no model library.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from merbench.base.errors import MerbenchError, PluginError
from merbench.meta import DatasetMeta, FeatureMeta, Meta, ModelMeta, ProtocolMeta
from merbench.meta.long_video import LongVideoMeta
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system.entry import UNKNOWN_ORIGIN, Entry, Origin, is_first_party
from merbench.plugin_system.lazy_factory import LazyFactory
from merbench.plugin_system.plugin_import import describe

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


def closest(name: str, names: list[str]) -> str | None:
    """The registered name ``name`` most likely meant: the same name in other letter case
    (``STSTNet``), else the closest spelling."""
    same = [known for known in names if known.lower() == name.lower()]
    if same:
        return same[0]
    lowered = {known.lower(): known for known in names}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    return lowered[close[0]] if close else None


class Registry(Generic[M]):
    """Named entries of one kind (datasets, features, models or protocols)."""

    def __init__(self, kind: str, meta_type: type[M]) -> None:
        self.kind = kind
        self.meta_type = meta_type
        self._entries: dict[str, Entry[M]] = {}
        self._families: dict[str, Family[M]] = {}
        self._members: dict[str, Entry[M]] = {}  # family members made so far
        self._origin = UNKNOWN_ORIGIN
        self.conflicts: list[str] = []  # one warning line per name claimed twice
        #: the plugin left out (``--no-plugin``) that registers a name, asked only when a
        #: name is not found here (see :func:`merbench.plugin_system.manager.load_plugins`)
        self.left_out: Callable[[str], str | None] | None = None
        #: why installed plugins may be missing, said with an unknown name: autoloading is
        #: off (``MERBENCH_DISABLE_PLUGIN_AUTOLOAD``), or the usual question
        self.not_loaded = "are the plugins installed?"
        #: the plugins that failed to load, with why, and the names of this kind they had
        #: registered before failing: a name asked for that none loaded is said with them
        #: (it was "unknown model 'b-ok' (did you mean 'p-ok'?)", its plugin's failure only
        #: a warning above it); set by :func:`merbench.plugin_system.manager.load_plugins`
        self.broken: list[tuple[Origin, str]] = []
        self._lost: dict[str, Origin] = {}

    @contextmanager
    def registering_for(self, origin: Origin) -> Iterator[None]:
        """Attribute everything added inside the block to ``origin``."""
        previous, self._origin = self._origin, origin
        try:
            yield
        finally:
            self._origin = previous

    def add(self, meta: M, factory: Callable[..., Any] | str, *,
            built_from: Callable[[dict[str, Any]], dict[str, str]] | str | None = None,
            recorded_spelling: Callable[..., dict[str, Any]] | str | None = None,
            option_check: Callable[..., str | None] | str | None = None) -> None:
        """Register ``factory`` under ``meta.name``; a name may be claimed only once.

        ``factory`` (and ``built_from``, a dataset's ``recorded_spelling`` and
        ``option_check``, see :class:`Entry`) may be a callable or a ``"module:function"``
        string imported on first use.
        """
        factory = self._callable(meta, factory, "factory")
        if built_from is not None:
            built_from = self._callable(meta, built_from, "built_from")
        if recorded_spelling is not None:
            recorded_spelling = self._callable(meta, recorded_spelling, "recorded_spelling")
        if option_check is not None:
            option_check = self._callable(meta, option_check, "option_check")
        if meta.name in self._entries and not self._takes_over(meta.name,
                                                               self._entries[meta.name].origin):
            return
        family = self._family_of(meta.name)  # a name one of another package's families makes
        if family is not None and family.origin.package != self._origin.package and \
                not self._takes_over(meta.name, family.origin):
            return
        self._entries[meta.name] = Entry(meta=meta, factory=factory, origin=self._origin,
                                         built_from=built_from,
                                         recorded_spelling=recorded_spelling,
                                         option_check=option_check)

    def add_family(self, meta: M, member: Callable[[str], Member[M]] | str, *,
                   placeholder: str = "member") -> None:
        """Register the family of entries ``<meta.name>-<member>`` (see :class:`Family`)."""
        member = self._callable(meta, member, "member function")
        # another package's family whose names overlap these (the same prefix, or one that
        # extends the other's: "timm-face" would take names of "timm")
        for prefix, other in list(self._families.items()):
            overlap = prefix == meta.name or prefix.startswith(meta.name + "-") or \
                meta.name.startswith(prefix + "-")
            if overlap and (prefix == meta.name or other.origin.package != self._origin.package):
                if not self._takes_over(meta.name, other.origin):
                    return
                del self._families[prefix]
        self._families[meta.name] = Family(meta, member, self._origin, placeholder)

    def _callable(self, meta: M, function: Callable[..., Any] | str, what: str
                  ) -> Callable[..., Any]:
        """``function`` (a ``"module:function"`` string made lazy), checked with ``meta``.
        Its refusals leave the plugin unnamed: the plugin-failure warning names it before
        them, and said both ways it read "plugin 'p' (package q 1.0) failed to load: error
        while registering models: plugin 'p' (package q 1.0) registered ..." (issue 84); a
        family's member names its family's plugin itself (:meth:`_member`)."""
        if isinstance(function, str):  # named in its refusal: the option_check of dataset 'x'
            owner = "" if what == "factory" else f"{self.kind} '{meta.name}'"
            function = LazyFactory(function, what, owner)
        if not isinstance(meta, self.meta_type):
            raise PluginError(f"it registered a {self.kind} with {type(meta).__name__}; use "
                              f"{self.meta_type.__name__}")
        if not callable(function):
            raise PluginError(f"the {what} it gives for {self.kind} '{meta.name}' is not "
                              "callable")
        return function

    def _takes_over(self, name: str, first: Origin) -> bool:
        """A second claim on ``name``: whether it replaces the first (only merbench's own
        registration replaces a third party's); either way one warning line names both."""
        second = self._origin
        if second == first:  # "evilplug keeps the name, evilplug's model is skipped"
            self.conflicts.append(f"{second} registers {self.kind} '{name}' twice; the first "
                                  f"is kept (remove the second registration to silence this)")
            return False
        replace = is_first_party(second) and not is_first_party(first)
        kept, skipped = (second, first) if replace else (first, second)
        if kept.package == skipped.package:  # two entry points: "evil2 keeps ... evil2's"
            self.conflicts.append(
                f"{self.kind} '{name}' is registered by plugin '{kept.plugin}' and by plugin "
                f"'{skipped.plugin}', both of package {kept.package} {kept.package_version}; "
                f"plugin '{kept.plugin}' keeps the name, and the {self.kind} of plugin "
                f"'{skipped.plugin}' is skipped (rename one of them, or leave plugin "
                f"'{skipped.plugin}' out with --no-plugin {skipped.plugin}, to silence this)")
            return False
        self.conflicts.append(
            f"{self.kind} '{name}' is registered by {kept} and by {skipped}; "
            f"{kept.package} keeps the name, {skipped.package}'s {self.kind} is skipped "
            f"(uninstall {skipped.package}, or rename its {self.kind}, to silence this)")
        return replace

    def discard(self, origin: Origin) -> None:
        """Forget everything ``origin`` added (a plugin that failed half-way through), keeping
        the names it had added to say why they are missing (:attr:`broken`)."""
        for name in [n for n, e in self._entries.items() if e.origin == origin]:
            self._lost[name] = origin
            del self._entries[name]
        for name in [n for n, f in self._families.items() if f.origin == origin]:
            del self._families[name]
        for name in [n for n, e in self._members.items() if e.origin == origin]:
            del self._members[name]

    def get(self, name: str) -> Entry[M]:
        """The entry called ``name``, or a MerbenchError that suggests the closest names."""
        try:
            return self._entries[name]
        except KeyError:
            pass
        family = self._family_of(name)
        if family is not None:
            return self._member(family, name)
        if name in self._families:
            raise MerbenchError(f"{self.kind} '{name}' is a family: name one of its members, "
                                f"{self._families[name].pattern}")
        plugin = self.left_out(name) if self.left_out is not None else None
        if plugin is not None:  # not "unknown": the user left its plugin out
            raise MerbenchError(f"{self.kind} '{name}' is provided by plugin '{plugin}', which "
                                f"--no-plugin {plugin} leaves out; give the command without "
                                f"--no-plugin {plugin} to use it")
        if self.broken:  # not "unknown" where a plugin that may register it failed to load
            raise MerbenchError(self._broken_line(name))
        names = self.names()
        hint = f" (did you mean '{close}'?)" if (close := closest(name, names)) else ""
        names += [family.pattern for family in self.families()]
        raise MerbenchError(
            f"unknown {self.kind} '{name}'{hint}; available: {self.available(names)}"
        ) from None

    def _broken_line(self, name: str) -> str:
        """Why ``name`` is not here: the plugin that registered it failed to load (and why),
        or, where no loaded plugin has it, the plugins that failed, one of which may be its.
        Without a list of names; a closest loaded name only where no failed plugin had
        registered it (a typo's hint is kept however many unrelated plugins failed). Each
        fix said once: a package's several failed plugins are one reinstall."""
        fix = ", ".join(dict.fromkeys(f"fix plugin '{o.plugin}'" if o.package.startswith("<")
                                      else f"fix or reinstall {o.package}"
                                      for o, _ in self.broken))
        lost = self._lost.get(name)
        why = {origin: error for origin, error in self.broken}
        if lost is not None and lost in why:
            return (f"{self.kind} '{name}' is registered by {lost}, which failed to load: "
                    f"{why[lost]}; {fix.split(', ')[0] if len(why) == 1 else fix}, then run "
                    "the command again")
        failed = "; ".join(f"{origin}, which failed to load ({error})"
                           for origin, error in why.items())
        close = closest(name, self.names())  # a loaded name it may be a misspelling of
        hint = f" (did you mean '{close}'?)" if close else ""
        return (f"no plugin that loaded registers {self.kind} '{name}'{hint}; {failed}, may be "
                f"the one that registers it: {fix}, then run the command again")

    def available(self, names: list[str]) -> str:
        """``names`` for a message about a name not found, with why installed plugins may
        be missing: none at all, or any, where autoloading is off (the variable that turns
        it off was never named, so ``=off`` read as "none (are the plugins installed?)")."""
        if not names:
            return f"none ({self.not_loaded})"
        why = "" if self.not_loaded.startswith("are ") else f"; {self.not_loaded}"
        return ", ".join(names) + why

    def _family_of(self, name: str) -> Family[M] | None:
        """The family whose names ``name`` has (the longest prefix), or None."""
        prefixes = [p for p in self._families
                    if name.startswith(p + "-") and len(name) > len(p) + 1]
        return self._families[max(prefixes, key=len)] if prefixes else None

    def _member(self, family: Family[M], name: str) -> Entry[M]:
        """The entry of family member ``name``, made once."""
        if name not in self._members:
            member = name[len(family.meta.name) + 1:]
            try:
                meta, factory, built_from = family.member(member)
            except MerbenchError:
                raise
            except Exception as exc:
                raise PluginError(f"{family.origin}: its {self.kind} family "
                                  f"'{family.pattern}' failed on '{member}': "
                                  f"{describe(exc)}") from None
            try:
                factory = self._callable(meta, factory, "factory")
            except PluginError as exc:  # said without the plugin: this is no registration
                raise PluginError(f"{family.origin}: its {self.kind} family "
                                  f"'{family.pattern}' failed on '{member}': {exc}") from None
            if not isinstance(meta, self.meta_type) or meta.name != name:
                raise PluginError(f"{family.origin}: its {self.kind} family "
                                  f"'{family.pattern}' gave metadata named "
                                  f"{getattr(meta, 'name', meta)!r} for '{name}'")
            self._members[name] = Entry(meta, factory, family.origin, built_from)
        return self._members[name]

    def families(self) -> list[Family[M]]:
        return [self._families[name] for name in sorted(self._families)]

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        """Whether :meth:`get` finds ``name``: an entry, or a member its family makes."""
        if name in self._entries or name in self._members:
            return True
        family = self._family_of(name) if isinstance(name, str) else None
        if family is None:
            return False
        try:
            self._member(family, str(name))
        except PluginError:
            raise  # the family itself is broken: say so, not "not registered"
        except MerbenchError:
            return False
        return True

    def __iter__(self) -> Iterator[Entry[M]]:
        return iter(self._entries[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._entries)


DatasetRegistry = Registry[DatasetMeta]
FeatureRegistry = Registry[FeatureMeta]
ModelRegistry = Registry[ModelMeta]
ProtocolRegistry = Registry[ProtocolMeta]
LongVideoRegistry = Registry[LongVideoMeta]
SpotterRegistry = Registry[SpotterMeta]


def _long_video_registry() -> LongVideoRegistry:
    return Registry("long-video dataset", LongVideoMeta)


def _spotter_registry() -> SpotterRegistry:
    return Registry("spotter", SpotterMeta)


@dataclass
class Registries:
    """The registries a plugin manager fills: the four of recognition, and the two of
    spotting, long-video datasets (a kind apart: whole videos with intervals, not labelled
    clips) and spotters."""

    datasets: DatasetRegistry
    features: FeatureRegistry
    models: ModelRegistry
    protocols: ProtocolRegistry
    long_videos: LongVideoRegistry = field(default_factory=_long_video_registry)
    spotters: SpotterRegistry = field(default_factory=_spotter_registry)

    def all(self) -> tuple[Registry[Any], ...]:
        """Every registry, in the order plugins fill them."""
        return (self.datasets, self.features, self.models, self.protocols, self.long_videos,
                self.spotters)

    @property
    def conflicts(self) -> list[str]:
        """Every name claimed twice, one warning line each."""
        return [line for registry in self.all() for line in registry.conflicts]

    @classmethod
    def empty(cls) -> Registries:
        return cls(
            datasets=Registry("dataset", DatasetMeta),
            features=Registry("feature", FeatureMeta),
            models=Registry("model", ModelMeta),
            protocols=Registry("protocol", ProtocolMeta),
            long_videos=_long_video_registry(),
            spotters=_spotter_registry(),
        )
