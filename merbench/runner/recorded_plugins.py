"""A finished run whose model, feature, dataset or protocol came from a plugin not installed
here, refused by the package its record names.

The commands that build a run's model again from its folder (``audit``, ``run --resume``,
``predict --from-run``) ask the registries for the names the run recorded. Where the plugin
that gave one is not installed, the registry's answer was "unknown model 'x'; available:
...", a choice the command cannot make (the run chose its model), while the run's record
names the plugin and package that provided it (``provider``): that package is the fix. A
plugin installed but failed to load, left out with ``--no-plugin`` or not loaded with
autoloading off is left to the registry, whose line says so. A run that has not finished
has only its ``run.json``, which records each name and version but not the package that
provided it: going on with it where that plugin is gone was "unknown model 'x'; available:
...", as if the user had misspelt a name the run chose (:func:`check_started_plugins`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from merbench.base.errors import MerbenchError
from merbench.plugin_system.autoload import autoload_disabled
from merbench.plugin_system.entry import FIRST_PARTY
from merbench.plugin_system.manager import Plugins, installed_plugin_names, load_plugins
from merbench.plugin_system.registry import Registry
from merbench.results.model import ProviderRecord
from merbench.results.run_record import RunRecord
from merbench.results.rundir import RunDirectory
from merbench.runner.spec import RunSpec
from merbench.runner.status_line import StatusLine
from merbench.runner.task_run import task_run


def finished_record(run_dir: Path, spec: RunSpec) -> RunRecord | None:
    """The run's record, or None where it has none yet or one that does not read (the
    command's own checks say what is wrong with it)."""
    record = task_run(spec.parsed_task()).record
    path = Path(run_dir) / record.result_file
    if not path.is_file():
        return None
    try:
        return record.read(path)
    except MerbenchError:
        return None


def check_recorded_plugins(run_dir: Path, record: RunRecord | None, plugins: Plugins,
                           purpose: str) -> None:
    """Refuse ``run_dir`` where a plugin its ``record`` names as a provider is not installed
    here, or is installed in a version that does not register the name: one line naming the
    run, the component, the plugin, its package and version, and the package to install to
    ``purpose`` it ("audit", "resume")."""
    if record is None:
        return
    registries = plugins.registries
    for registry, name, provider in (
            (registries.models, record.model.name, record.model.provider),
            (registries.features, record.feature.name, record.feature.provider),
            (registries.datasets, record.dataset.name, record.dataset.provider),
            (registries.protocols, record.protocol.name, record.protocol.provider)):
        line = _missing(registry, name, provider, plugins)
        if line is not None:
            raise MerbenchError(f"{run_dir} was run with {line} to {purpose} it")


def _missing(registry: Registry[Any], name: str, provider: ProviderRecord | None,
             plugins: Plugins) -> str | None:
    """What is missing of the run's ``name`` and the package to install (the refusal less
    the run and the purpose), or None where the registry has it or says best why not."""
    if provider is None or provider.plugin is None or provider.package == FIRST_PARTY or \
            provider.package.startswith("<"):  # merbench's own, or a plugin given in-process
        return None
    if _registry_answers(registry, name):
        return None
    recorded = f"{provider.package} {provider.version or ''}".strip()
    what = f"{registry.kind} '{name}' of plugin '{provider.plugin}' (package {recorded})"
    loaded = {r.origin.plugin: r for r in plugins.records}
    here = loaded.get(provider.plugin)
    if here is None:
        if provider.plugin in installed_plugin_names():
            return None  # installed, not loaded (autoloading off): the registry says why
        return f"{what}, which is not installed here; install {recorded}"
    if not here.loaded:
        return None  # it failed to load: the registry says why
    installed = f"{here.origin.package} {here.origin.package_version}".strip()
    return (f"{what}, which plugin '{provider.plugin}' installed here ({installed}) does "
            f"not register; install {recorded}")


def _registry_answers(registry: Registry[Any], name: str) -> bool:
    """Whether ``registry`` has ``name``, or itself says best why not: a family of it that
    fails, or a plugin ``--no-plugin`` left out. Neither refusal here words those."""
    if registry.left_out is not None and registry.left_out(name) is not None:
        return True
    try:
        return name in registry
    except MerbenchError:
        return True


def check_started_plugins(run_dir: Path, plugins: Plugins, purpose: str,
                          asked: dict[str, str]) -> None:
    """Refuse ``run_dir``, a run with no finished record, where a name its ``run.json``
    records (model, feature, dataset, protocol) is one no installed plugin provides now:
    one line naming the run, the name and version it records, and the fix (the plugin that
    provides it; ``merbench list`` shows what is installed), to ``purpose`` it ("resume").
    A folder with no readable ``run.json`` is left to the run's own checks; a name left
    out, or of a plugin that failed to load or was not autoloaded, to the registry's; a
    run of another name than the command ``asked`` for (part -> name), to the refusal of
    another run in its folder."""
    missing = _started_missing(run_dir, plugins, purpose, asked)
    if missing is not None:
        raise MerbenchError(f"{run_dir} {missing}")


def _started_missing(run_dir: Path, plugins: Plugins, purpose: str,
                     asked: dict[str, str]) -> str | None:
    """Why :func:`check_started_plugins` refuses ``run_dir``, after the run's name ("was
    started with model 'x', ..."), or None."""
    try:
        identity = RunDirectory(run_dir).read_run_file().identity
    except MerbenchError:
        return None
    if autoload_disabled():
        return None
    registries = plugins.registries
    for part, registry in (("model", registries.models), ("feature", registries.features),
                           ("dataset", registries.datasets),
                           ("protocol", registries.protocols)):
        recorded = identity.get(part)
        if not isinstance(recorded, dict):
            continue
        name = recorded.get("name")
        if part in asked and asked[part] != name:
            return None
        if not isinstance(name, str) or registry.broken or _registry_answers(registry, name):
            continue
        version = recorded.get("version")
        made = f"{part} '{name}'" + (f" version {version}" if version is not None else "")
        return (f"was started with {made}, which no installed plugin provides now (its "
                "run.json records the name and version, not the package that provided it); "
                f"install the plugin that provides {part} '{name}' (merbench list {part}s "
                f"shows what is installed) to {purpose} it")
    return None


def go_on_said(run_dir: Path, said: StatusLine) -> str:
    """The status line of the run in ``run_dir``, its advice to go on (the same command)
    replaced, where the run was started with a plugin installed here no more, by what going
    on would say: that advice led to the refusal of :func:`check_started_plugins` (pass
    84ab, leftover). The line says whether it ends with the advice (issue 84: this tested
    how its text ended)."""
    if not said.goes_on:
        return said.text
    # loaded anew: a plugin removed since is what this is about
    missing = _started_missing(run_dir, load_plugins(), "go on with", {})
    if missing is None:
        return said.text
    return "; ".join([*said.said, f"it {missing}"])
