"""One registered thing: its metadata, its factory and where it came from.

An :class:`Entry` is what a plugin registers under a name (a model, a dataset, a feature, a
protocol, a spotter, a long-video set), with the plugin and installed package that added it
(:class:`Origin`), so results can record who provided what they used; what its factory takes
(its options and their defaults) is known without importing a factory named
``"module:function"`` (:mod:`merbench.plugin_system.lazy_factory`), and options given to it
are checked against those, each refusal one line. The registry that holds them, and the
open sets of entries named ``<name>-<member>`` (its ``Family``), is
:mod:`merbench.plugin_system.registry`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from merbench.base.errors import MerbenchError, TooLargeToBuild, message_of, plugin_words
from merbench.base.literal import options_written
from merbench.base.memory import weights_counted
from merbench.meta import Meta
from merbench.plugin_system import plugin_fault
from merbench.plugin_system.factory_options import FactoryOptions, canonical_json
from merbench.plugin_system.fixed_options import fixed_options as fixed_options
from merbench.plugin_system.lazy_factory import LazyFactory
from merbench.plugin_system.option_check import option_check_says
from merbench.plugin_system.option_values import (
    OptionRefused,
    OptionValueError,
    check_value_kinds,
    declares_fraction,
    whole_only,
    whole_spelled,
)
from merbench.plugin_system.plugin_import import PluginExit, plugin_code

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
    #: a dataset's: ``(name, given, recorded)`` -> the options ``given`` (a benchmark
    #: definition's) spelt as the run whose options are ``recorded`` spelt them, where they
    #: select what it selected; else ``given`` as it is. A raw database records its
    #: ``subjects`` by the sheet's names in the sheet's order, which only its data says
    #: (:meth:`merbench.data.dataset.Dataset.canonical_options`): a definition's ``1,2,3``
    #: matched no run recording ``sub01,sub02,sub03`` (pass 84l, N7)
    recorded_spelling: Callable[[str, dict[str, Any], dict[str, Any]], dict[str, Any]] | None \
        = None
    #: ``(name, options) -> fault or None``: what the plugin's own check of its options'
    #: values says of a choice none of its kinds of value rules out (a class set:
    #: ``classes=true``), without the owner; checked with the others, so a benchmark
    #: definition is refused as a run is, not loaded as one no run could match (pass 84p, P4)
    option_check: Callable[[str, dict[str, Any]], str | None] | None = None

    def __post_init__(self) -> None:
        # a factory (or check) that cannot be imported names the plugin to skip, as every
        # plugin fault: an option_check's said --no-plugin with no name (pass 84q, Q12)
        for lazy in (self.factory, self.built_from, self.recorded_spelling, self.option_check):
            if isinstance(lazy, LazyFactory) and self.origin != UNKNOWN_ORIGIN:
                lazy.plugin, lazy.origin = self.origin.plugin, self.origin

    def built_from_for(self, options: dict[str, Any]) -> dict[str, str]:
        """``built_from`` for ``options`` ({} when the entry declares none)."""
        return {} if self.built_from is None else dict(self.built_from(options))

    def spelt_as_recorded(self, given: dict[str, Any], recorded: dict[str, Any]
                          ) -> dict[str, Any]:
        """``given`` (a benchmark definition's options) as the run that recorded ``recorded``
        spelt them, where the plugin's ``recorded_spelling`` says they select what it
        selected, those at their defaults left out as a run leaves them; ``given`` otherwise.
        A hook that fails, or returns what no definition could hold (a numpy array, an object
        JSON cannot write: tracebacks in pass 84m, M8), leaves ``given``: the page then says
        the run's options are not the benchmark's. One that tries to end merbench (sys.exit,
        a KeyboardInterrupt no Ctrl-C raised) is its plugin's fault, said in one line."""
        if self.recorded_spelling is None:
            return given
        try:
            with plugin_code():
                spelt = self.recorded_spelling(self.meta.name, dict(given), dict(recorded))
        except PluginExit as exc:
            raise self.fault("dataset", "its recorded_spelling hook "
                             + str(exc).removeprefix("it ")) from None
        except Exception:  # a plugin's code failing: the options stay as written
            return given
        if not isinstance(spelt, dict) or not all(isinstance(k, str) for k in spelt) \
                or canonical_json(spelt) is None:
            return given
        return self.without_defaults(spelt)

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

    def sized(self, options: Mapping[str, Any], classes: int) -> dict[str, Any]:
        """``options`` plus ``num_classes=classes`` where the factory names that parameter, as
        documented: a ``**kwargs`` factory passing them on to an estimator that has no
        ``num_classes`` was handed one and blamed for it (pass 84q, Q11)."""
        named = "num_classes" in self.options()
        return {**options, "num_classes": classes} if named else dict(options)

    def defaults(self) -> dict[str, Any]:
        """What the factory takes for each option left out, as JSON values (options whose
        default JSON cannot write are left out: no recorded value equals them)."""
        return self.factory_options().defaults()

    def takes_whole(self, option: str) -> bool | None:
        """Whether ``option`` takes whole numbers (its default an int, not declared a float),
        real numbers (its default a float, or declared one), or None where no number default
        says (text, a list, no default): a search decides from it whether a range spelt
        ``1.0..3.0`` is searched as the whole numbers 1 to 3, as a run option's is. Imports a
        factory named ``"module:function"``, which building it does anyway."""
        default = self.defaults().get(option)
        if isinstance(default, bool) or not isinstance(default, int | float):
            return None
        if isinstance(self.factory, LazyFactory):
            self.factory.resolve()
        return isinstance(default, int) and not self._takes_real(option)

    def check_options(self, kind: str, options: dict[str, Any]) -> None:
        """Reject keyword options the factory does not take, naming the ones it does, and
        values of a kind its defaults rule out: planning checks them so, before a sweep says
        what it runs (a sweep plan's ``subjects = {a = 1}`` was refused by the first run,
        after the sweep's opening line)."""
        self.check_known(kind, options)
        self._check_kinds_of_values(kind, options)
        fault = None
        if self.option_check is not None:  # the options as a run gives them: 04 is class set 4
            fault = option_check_says(self.option_check, self.meta.name,
                                      self._as_whole(options), lambda what: self.fault(kind, what))
        if fault:
            raise OptionRefused(self.meta.name, fault, kind=kind)

    def check_known(self, kind: str, options: dict[str, Any]) -> None:
        """Reject an option the factory does not take, naming those it does: by name alone,
        so a file that names an option before its value is known (a tuning file's
        ``[space]``) is refused with the file's own words before anything runs."""
        declared = self.factory_options()
        unknown = declared.unknown(options)
        if unknown:
            settable = [k for k in declared.names() if k != "num_classes"]
            owner = f"{kind} '{self.meta.name}'"
            if not settable:  # "its options are: (none)" said it as a list (pass 84s, S14)
                raise OptionRefused(owner, f"names '{unknown[0]}', but {owner} takes no "
                                    "options", f"{owner} takes no options (given "
                                    f"'{unknown[0]}')", kind=kind)
            listed = f"its options are: {', '.join(settable)}"
            raise OptionRefused(owner, f"names '{unknown[0]}', which {owner} does not take; "
                                f"{listed}", f"{owner} has no option '{unknown[0]}'; {listed}",
                                kind=kind)

    def check_required(self, kind: str, options: dict[str, Any]) -> None:
        """Refuse options that leave out one the factory cannot do without: Python said it as
        "make_user_video() missing 1 required positional argument: 'path'", the factory's
        signature in its own terms, which the user never wrote. Checked on building, once the
        factory is imported."""
        try:  # the live signature: a record cannot tell "no default" from "none JSON writes"
            parameters = inspect.signature(self.factory).parameters.values()
        except (TypeError, ValueError):  # a callable Python cannot read a signature of
            return
        missing = [p.name for p in parameters if p.default is p.empty
                   and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                   and p.name not in options]
        if missing:
            raise MerbenchError(f"{kind} '{self.meta.name}' needs the option '{missing[0]}', "
                                f"which was not given; give {missing[0]}=VALUE")

    def without_defaults(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` less those set to the factory's own default. Setting an option to its
        default is the same setting as leaving it out, so the two must not make different
        run identities, leaderboard rows or "reduced setting" marks. Values are compared as
        JSON: a list equals a tuple default, while 1, 1.0 and true stay three values (a
        factory may treat them differently), but where the default is an int, 1.0 is taken
        as the 1 the factory is given (:meth:`_as_whole`). Unknown options are kept, for
        the check that names them."""
        return self.factory_options().without_defaults(self._as_whole(options))

    def _check_kinds_of_values(self, kind: str, options: dict[str, Any]) -> None:
        """:func:`~merbench.plugin_system.option_values.check_value_kinds` of ``options``."""
        declared = self.factory_options()
        check_value_kinds(kind, self.meta.name, declared.defaults(), options, self._takes_real,
                          declared.nullable())

    def _as_whole(self, options: dict[str, Any]) -> dict[str, Any]:
        """``options`` with a whole number in any spelling (3.0, '03', '+3': the one rule of
        :mod:`merbench.base.whole_numbers`) as the int it is, where the default is an int (an
        option taking whole numbers): ``subjects=3.0`` met Python's "'float' object cannot
        be interpreted as an integer", ``subjects=03`` was refused as text, and
        ``image_size=28.0`` was recorded as a departure from its default 28; a spotter's
        tuned values, floats by declaration, reach whole-number options as 0.0 and 3.0 by
        design. Where the default is text naming a number (a raw database's ``classes="5"``),
        every spelling of a number (``5``, ``05``, ``+5``, ``5.0``, ``"5"``) is recorded as the
        default's kind, the text ``"5"``: recorded as the int, ``classes=5`` was another run
        than the default it names, and was left off its own benchmark's page. Known from the
        defaults alone, so planning (recording) and building agree without importing the
        factory. A float an estimator declares a fraction (Q1: min_samples_split=1.0) stays."""
        defaults = self.factory_options().defaults()
        fractions = {k: v for k, v in whole_only(defaults, options).items()
                     if declares_fraction(self._resolved(), k)}
        return {**whole_spelled(defaults, options), **fractions}

    def _resolved(self) -> Any:
        """The factory itself, imported where it was registered by name."""
        return self.factory.resolve() if isinstance(self.factory, LazyFactory) else self.factory

    def _takes_real(self, name: str) -> bool:
        """Whether the factory's signature (or a scikit-learn estimator's constraints)
        declares ``name`` a float although its default is written whole (``threshold:
        float = 1``): such an option takes 0.5. A factory not
        imported yet is given the benefit of the doubt: building imports it and checks again."""
        if isinstance(self.factory, LazyFactory) and not self.factory.imported:
            return True
        factory = self._resolved()
        if declares_fraction(factory, name):  # a scikit-learn estimator's own constraints
            return True
        try:
            parameter = inspect.signature(factory).parameters.get(name)
        except (TypeError, ValueError):  # no signature to read: the default decides
            return False
        return parameter is not None and "float" in str(parameter.annotation)

    def _too_large(self, kind: str, kwargs: dict[str, Any]) -> str:
        return plugin_fault.too_large(kind, self.meta.name, self.origin, kwargs)

    def create(self, kind: str, **kwargs: Any) -> Any:
        """Call the factory; unknown options, or values it rejects, become one clear line.
        A factory named ``"module:function"`` is imported first: building needs it anyway,
        and its options are then checked against its real signature. A model is checked to
        be one here, where every model is built, so a factory returning None is refused in
        one line before any training (it was a raw AttributeError, run.json left behind)."""
        if isinstance(self.factory, LazyFactory):
            self.factory.resolve()
        self.check_options(kind, kwargs)
        self.check_required(kind, kwargs)
        built = self._call(kind, kwargs)
        model_kind = getattr(self.meta, "kind", None)
        if kind == "model" and isinstance(model_kind, str):
            wrong = plugin_fault.not_a_model(model_kind, built)
            if wrong is not None:
                raise self.fault(kind, f"its factory {plugin_fault.factory_name(self.factory)} "
                                       f"{wrong}")
        return built

    def raised_here(self, exc: BaseException) -> str | None:
        """What ``exc`` says, where this entry's plugin raised it in its own code (a torch
        model's forward, an estimator's ``fit``, or a model of a library's parts alone, in its
        own call: :func:`~merbench.plugin_system.plugin_fault.model_code`); None for merbench's
        own entries, and where neither holds (the failure is merbench's or the file system's,
        said as such)."""
        if is_first_party(self.origin):
            return None
        package = plugin_fault.code_package(self.factory)
        if not plugin_fault.raised_in_model(exc) and (
                package is None or not plugin_fault.raised_by_plugin(exc, package)):
            return None
        return plugin_fault.in_plugin_words(exc)

    def fault(self, kind: str, what: str, sep: str = ": ") -> MerbenchError:
        """The one line that blames this entry's plugin for ``what`` its code did (a factory
        returning no model or no dataset, a feature failing or giving no numbers), naming the
        plugin and its package and what the user can do: tell its authors or leave it out.
        Every such fault is worded here, so a dataset's or a feature's reads as a model's.
        ``sep`` joins the origin and ``what``: ``": its factory ..."``, ``" failed: ..."``."""
        return MerbenchError(f"{kind} '{self.meta.name}' of {self.origin}{sep}{what}; "
                             f"{plugin_fault.advice(self.origin)}")

    def data_fault(self, what: str, fix: str) -> MerbenchError:
        """:meth:`fault` for ``what`` a dataset holds that no run can take (a subject named
        with a control character, NaN in an array it gives), blamed on its plugin; merbench's
        own datasets hold what the user's files do, so ``fix`` (what to change there) is
        said for them instead of a report to merbench's authors."""
        if is_first_party(self.origin):
            return MerbenchError(f"dataset '{self.meta.name}': {what}; {fix}")
        return self.fault("dataset", what)

    def returned_no(self, kind: str, built: Any, wanted: str) -> MerbenchError:
        """:meth:`fault` for a factory that returned ``built``, which is not ``wanted`` (a
        kind the caller checked, in words: "a merbench Dataset")."""
        return self.fault(kind, f"its factory {plugin_fault.factory_name(self.factory)} "
                                f"returned {plugin_fault.described(built)}, not {wanted}")

    def build(self, kind: str, wanted: str, fits: Callable[[Any], bool], **options: Any) -> Any:
        """:meth:`create` for what a plugin's factory must return one kind of (a dataset, a
        long-video set): what it returned that ``fits`` refuses is :meth:`returned_no`
        ``wanted``, and what it raised that :meth:`create` does not word (a RuntimeError, a
        KeyError: the plugin's own code failing) is :meth:`fault`; both were tracebacks."""
        try:
            built = self.create(kind, **options)
            fitting = fits(built)  # it may read a property: the plugin's code too
        except (MerbenchError, MemoryError, OSError):
            raise  # said in one line already, or the file system's (the command says it)
        except Exception as exc:
            raise self.fault(kind, f"its factory {plugin_fault.factory_name(self.factory)} "
                                   f"failed: {plugin_words(exc)}") from exc
        if not fitting:
            raise self.returned_no(kind, built, wanted)
        return built

    def _call(self, kind: str, kwargs: dict[str, Any]) -> Any:
        """The factory called with ``kwargs``; what it raises, in one line that blames the
        options only where options were given (with none, the plugin's code is at fault)."""
        shown = {k: v for k, v in kwargs.items() if k != "num_classes"}
        given = options_written(shown) or "no options"
        try:
            with plugin_code(), weights_counted():  # a bare BaseException worded (84p, N5),
                return self.factory(**self._as_whole(kwargs))  # too many weights too (84ad)
        except MerbenchError as exc:  # said in one line already; a value refused, after its owner
            if isinstance(exc, OptionValueError):
                raise OptionRefused(f"{kind} '{self.meta.name}'", str(exc),
                                    kind=kind) from None
            raise
        except PluginExit as exc:  # sys.exit ended merbench with its status and no word
            plugin_fault.exited(kind, self.meta.name, self.origin, shown, exc)
        except OverflowError as exc:  # a size beyond any number of elements
            raise MerbenchError(self._too_large(kind, kwargs)) from exc
        except (MemoryError, RuntimeError) as exc:
            if isinstance(exc, RuntimeError) and "Storage size calculation overflowed" in \
                    message_of(exc):  # torch's words for a size beyond any number of elements,
                # where convert-weights builds on the meta device; no fewer folds help (84ac AC9)
                raise MerbenchError(self._too_large(kind, kwargs)) from exc
            if isinstance(exc, RuntimeError) and "allocate memory" not in message_of(exc):
                plugin_fault.factory_failed(kind, self.meta.name, self.origin, shown, exc)
            # still an allocation failure (a run's folds say so, keeping what finished), in
            # words, not torch's allocator's "DefaultCPUAllocator: can't allocate ..."
            if kind != "model":  # only a model's folds are built again as fewer (AB3)
                raise MerbenchError(self._too_large(kind, kwargs)) from None
            raise TooLargeToBuild(self._too_large(kind, kwargs)) from None
        except (TypeError, ValueError) as exc:
            if isinstance(exc, TypeError) and "Overflow when unpacking" in message_of(exc):
                # torch's words for a size beyond any number of elements
                raise MerbenchError(self._too_large(kind, kwargs)) from exc
            if isinstance(exc, TypeError) and plugin_fault.CALL_FAULT.search(message_of(exc)):
                # a call inside the factory that does not fit a signature: the plugin's
                # fault, said without the Python signature no user wrote
                raise MerbenchError(
                    f"{kind} '{self.meta.name}' cannot be built with {given}: its factory "
                    f"calls a function with arguments it does not take, a fault of "
                    f"{self.origin}; report it to the plugin's authors") from exc
            # the factory's own sentence, without Python's name for its kind of error
            reason = (message_of(exc).splitlines() or ["it gave no reason"])[0]
            if not shown:  # no option to change: "change the option" blamed the user
                raise MerbenchError(plugin_fault.not_built(
                    kind, self.meta.name, self.origin, reason)) from exc
            raise MerbenchError(
                f"{kind} '{self.meta.name}' cannot be built with {given}: {reason}; change "
                "the option"
            ) from exc
        except Exception as exc:  # any other class, the plugin's own among them
            plugin_fault.factory_failed(kind, self.meta.name, self.origin, shown, exc)


def read_options(entries: Iterable[Entry[Any]]) -> None:
    """Know the options of every entry's factory, those read apart in one child process:
    a plan names its model, dataset, feature and protocol together, so that a first run
    (or the first after an edit) starts one child, not four."""
    LazyFactory.read_all([e.factory for e in entries if isinstance(e.factory, LazyFactory)])
