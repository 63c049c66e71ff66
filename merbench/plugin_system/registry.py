"""Registry[M]: the named things plugins add, with "did you mean" for unknown names.

A registry remembers which plugin (and which installed package) added each name, so that
`merbench list` can show it and results can record who provided what they used. A name
claimed twice is never an error that stops every command (that would let any installed
package switch merbench off): merbench's own registration keeps the name, or the first one
for two third parties, and the other is skipped with one warning line naming both packages.

What an entry's factory takes (its options and their defaults) is metadata too:
:meth:`Entry.factory_options`, which the option checks, ``without_defaults`` and the
leaderboard's defaults read, knows it for a factory named ``"module:function"`` without
importing that module here (:mod:`merbench.plugin_system.lazy_factory`,
:mod:`merbench.plugin_system.options_cache`), so planning a run or labelling a leaderboard row
loads no model library.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from merbench.base.errors import MerbenchError, PluginError
from merbench.meta import DatasetMeta, FeatureMeta, Meta, ModelMeta, ProtocolMeta
from merbench.meta.long_video import LongVideoMeta
from merbench.meta.spotter import SpotterMeta
from merbench.plugin_system.factory_options import FactoryOptions
from merbench.plugin_system.lazy_factory import LazyFactory

M = TypeVar("M", bound=Meta)


@dataclass(frozen=True)
class Origin:
    """Where a registered object comes from: the plugin and the package that ships it."""

    plugin: str
    package: str
    package_version: str

    def __str__(self) -> str:
        return f"plugin '{self.plugin}' (package {self.package} {self.package_version})"


UNKNOWN_ORIGIN = Origin(plugin="<direct>", package="<unknown>", package_version="")
FIRST_PARTY = "merbench"  # the distribution whose names no other package can take


def is_first_party(origin: Origin) -> bool:
    """Whether merbench itself (its builtin or bundled plugins) registered it."""
    return origin.package == FIRST_PARTY


def fixed_options(factory: Callable[..., Any], /, **fixed: Any) -> Callable[..., Any]:
    """``factory`` with some keyword options fixed, for registering variants of one class
    under several names (e.g. a model and its variant for another input). The fixed
    options are left out of its signature, so ``--model-opt`` cannot change them and the
    core's option checks list only the others."""
    signature = inspect.signature(factory)
    unknown = sorted(set(fixed) - set(signature.parameters))
    if unknown:
        raise TypeError(f"{getattr(factory, '__name__', factory)} has no option(s) "
                        f"{', '.join(unknown)}")

    def build(**options: Any) -> Any:
        return factory(**fixed, **options)

    build.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for p in signature.parameters.values() if p.name not in fixed])
    return build


@dataclass(frozen=True)
class Entry(Generic[M]):
    """One registered object: its metadata, the factory that builds it, and its origin."""

    meta: M
    factory: Callable[..., Any]
    origin: Origin
    #: what decides the built object's numbers beyond its name, version and options, for
    #: given options (a library's version, a digest of a file an option names); recorded in
    #: a run's identity as ``built_from``
    built_from: Callable[[dict[str, Any]], dict[str, str]] | None = None

    def built_from_for(self, options: dict[str, Any]) -> dict[str, str]:
        """``built_from`` for ``options`` ({} when the entry declares none)."""
        return {} if self.built_from is None else dict(self.built_from(options))

    def factory_options(self) -> FactoryOptions:
        """The factory's options and their defaults, as data: for a factory named
        ``"module:function"``, known without importing the module in this process."""
        if isinstance(self.factory, LazyFactory):
            return self.factory.options()
        return FactoryOptions.of(self.factory)

    def options(self) -> list[str]:
        """The keyword options the factory accepts."""
        return self.factory_options().names()

    def accepts(self, option: str) -> bool:
        """Whether the factory takes the keyword ``option`` (or any keyword)."""
        return self.factory_options().accepts(option)

    def defaults(self) -> dict[str, Any]:
        """What the factory takes for each option left out, as JSON values (options whose
        default JSON cannot write are left out: no recorded value equals them)."""
        return self.factory_options().defaults()

    def check_options(self, kind: str, options: dict[str, Any]) -> None:
        """Reject keyword options the factory does not take, naming the ones it does."""
        declared = self.factory_options()
        unknown = declared.unknown(options)
        if unknown:
            settable = [k for k in declared.names() if k != "num_classes"]
            raise MerbenchError(
                f"{kind} '{self.meta.name}' has no option '{unknown[0]}'; "
                f"its options are: {', '.join(settable) or '(none)'}"
            )

    def without_defaults(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` less those set to the factory's own default. Setting an option to its
        default is the same setting as leaving it out, so the two must not make different
        run identities, leaderboard rows or "reduced setting" marks. Values are compared as
        JSON: a list equals a tuple default, while 1, 1.0 and true stay three values (a
        factory may treat them differently). Unknown options are kept, for the check that
        names them."""
        return self.factory_options().without_defaults(options)

    def _check_kinds_of_values(self, kind: str, options: dict[str, Any]) -> None:
        """Refuse text where the factory's default is a number: the factory compared it with
        one and said only Python's "'<' not supported between 'str' and 'int'"."""
        defaults = self.factory_options().defaults()
        for name, value in options.items():
            default = defaults.get(name)
            if not isinstance(default, int | float) or isinstance(default, bool):
                continue
            wanted = "a whole number" if isinstance(default, int) else "a number"
            found = _not_a_number(value)
            if found is not None:  # text, a list: the factory compared it with a number
                raise MerbenchError(f"{kind} '{self.meta.name}': {name}={value!r} is {found}; "
                                    f"{name} takes {wanted} (default {default})")
            if "dropout" in name and not 0 <= value < 1:  # torch's own sentence otherwise
                raise MerbenchError(f"{kind} '{self.meta.name}': {name}={value!r} is no "
                                    f"dropout probability; give a number from 0 to below 1 "
                                    f"(default {default})")

    def _too_large(self, kind: str, kwargs: dict[str, Any]) -> str:
        shown = {k: v for k, v in kwargs.items() if k != "num_classes"}
        given = ", ".join(f"{k}={v!r}" for k, v in shown.items()) or "no options"
        return (f"{kind} '{self.meta.name}' cannot be built with {given}: it would need more "
                "memory than this machine has; give smaller sizes")

    def create(self, kind: str, **kwargs: Any) -> Any:
        """Call the factory; unknown options, or values it rejects, become one clear line.
        A factory named ``"module:function"`` is imported first: building needs it anyway,
        and its options are then checked against its real signature."""
        if isinstance(self.factory, LazyFactory):
            self.factory.resolve()
        self.check_options(kind, kwargs)
        self._check_kinds_of_values(kind, kwargs)
        try:
            return self.factory(**kwargs)
        except OverflowError as exc:  # a size beyond any number of elements
            raise MerbenchError(self._too_large(kind, kwargs)) from exc
        except (MemoryError, RuntimeError) as exc:
            if isinstance(exc, RuntimeError) and "allocate memory" not in str(exc):
                raise
            # still an allocation failure (a run's folds say so, keeping what finished), in
            # words instead of torch's allocator's "DefaultCPUAllocator: can't allocate ..."
            raise MemoryError(self._too_large(kind, kwargs)) from None
        except (TypeError, ValueError) as exc:
            shown = {k: v for k, v in kwargs.items() if k != "num_classes"}
            given = ", ".join(f"{k}={v!r}" for k, v in shown.items()) or "no options"
            # the factory's own sentence, without Python's name for its kind of error
            raise MerbenchError(
                f"{kind} '{self.meta.name}' cannot be built with {given}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; change "
                "the option"
            ) from exc


def _not_a_number(value: Any) -> str | None:
    """What ``value`` is when it is no finite number ("text", "a list"), or None."""
    if isinstance(value, bool):
        return None  # true for a number: some factories take it, as before
    if isinstance(value, int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "not a finite number"
    kinds: dict[type, str] = {str: "text", list: "a list", tuple: "a list", dict: "an object"}
    return kinds.get(type(value), "no number")


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


def read_options(entries: Iterable[Entry[Any]]) -> None:
    """Know the options of every entry's factory, those read apart in one child process:
    a plan names its model, dataset, feature and protocol together, so that a first run
    (or the first after an edit) starts one child, not four."""
    LazyFactory.read_all([e.factory for e in entries if isinstance(e.factory, LazyFactory)])


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

    @contextmanager
    def registering_for(self, origin: Origin) -> Iterator[None]:
        """Attribute everything added inside the block to ``origin``."""
        previous, self._origin = self._origin, origin
        try:
            yield
        finally:
            self._origin = previous

    def add(self, meta: M, factory: Callable[..., Any] | str, *,
            built_from: Callable[[dict[str, Any]], dict[str, str]] | str | None = None
            ) -> None:
        """Register ``factory`` under ``meta.name``; a name may be claimed only once.

        ``factory`` (and ``built_from``, see :class:`Entry`) may be a callable or a
        ``"module:function"`` string imported on first use.
        """
        factory = self._callable(meta, factory, "factory")
        if built_from is not None:
            built_from = self._callable(meta, built_from, "built_from")
        if meta.name in self._entries and not self._takes_over(meta.name,
                                                               self._entries[meta.name].origin):
            return
        family = self._family_of(meta.name)  # a name one of another package's families makes
        if family is not None and family.origin.package != self._origin.package and \
                not self._takes_over(meta.name, family.origin):
            return
        self._entries[meta.name] = Entry(meta=meta, factory=factory, origin=self._origin,
                                         built_from=built_from)

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
        """``function`` (a ``"module:function"`` string made lazy), checked with ``meta``."""
        if isinstance(function, str):
            function = LazyFactory(function)
        if not isinstance(meta, self.meta_type):
            raise PluginError(
                f"{self._origin} registered a {self.kind} with {type(meta).__name__}; "
                f"use {self.meta_type.__name__}"
            )
        if not callable(function):
            raise PluginError(f"{self._origin}: the {what} for {self.kind} '{meta.name}' "
                              "is not callable")
        return function

    def _takes_over(self, name: str, first: Origin) -> bool:
        """A second claim on ``name``: whether it replaces the first (only merbench's own
        registration replaces a third party's); either way one warning line names both."""
        second = self._origin
        replace = is_first_party(second) and not is_first_party(first)
        kept, skipped = (second, first) if replace else (first, second)
        self.conflicts.append(
            f"{self.kind} '{name}' is registered by {kept} and by {skipped}; "
            f"{kept.package} keeps the name, {skipped.package}'s {self.kind} is skipped "
            f"(uninstall {skipped.package}, or rename its {self.kind}, to silence this)")
        return replace

    def discard(self, origin: Origin) -> None:
        """Forget everything ``origin`` added (a plugin that failed half-way through)."""
        for name in [n for n, e in self._entries.items() if e.origin == origin]:
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
        names = self.names()
        hint = f" (did you mean '{close}'?)" if (close := closest(name, names)) else ""
        names += [family.pattern for family in self.families()]
        available = ", ".join(names) if names else "none (are the plugins installed?)"
        raise MerbenchError(
            f"unknown {self.kind} '{name}'{hint}; available: {available}"
        ) from None

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
                factory = self._callable(meta, factory, "factory")
            except MerbenchError:
                raise
            except Exception as exc:
                raise PluginError(f"{family.origin}: its {self.kind} family "
                                  f"'{family.pattern}' failed on '{member}': "
                                  f"{type(exc).__name__}: {exc}") from None
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
