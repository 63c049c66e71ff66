"""The ``merbench`` command: run, sweep, extract, list, cache, validate and leaderboard.

``run`` a protocol, ``sweep`` a plan of runs, ``extract`` a feature into the cache, ``list``
what plugins provide, show or clear the feature ``cache``, ``validate`` result files and
build the ``leaderboard`` site from them.

Every mistake a user can make ends in one line on stderr that says what is wrong and how to
fix it, and exit status 2; an interrupted run says where its finished folds are.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from merbench.cli.literal import say
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE, build_parser
from merbench.errors import MerbenchError

__all__ = ["build_parser", "main"]


def _load(args: argparse.Namespace, extra: Sequence[tuple[str, object]] = ()) -> Any:
    from merbench.cli.render import print_plugin_failures
    from merbench.plugins import load_plugins

    plugins = load_plugins(block=args.no_plugin, enable=args.plugin, extra=extra)
    print_plugin_failures(plugins)
    return plugins


def _command_run(args: argparse.Namespace) -> int:
    from merbench.cli.progress import ProgressReporter
    from merbench.cli.render import print_results, print_seeds
    from merbench.cli.run_options import spec_from_args
    from merbench.run.execute import run
    from merbench.run.seeds import parse_seeds, run_seeds

    seeds = parse_seeds(args.seeds) if hasattr(args, "seeds") else None
    if seeds is not None and hasattr(args, "seed"):
        raise MerbenchError("give either --seed or --seeds, not both")
    if seeds is not None and hasattr(args, "resume"):
        raise MerbenchError("--resume continues one seed's run directory; to continue a "
                            "--seeds run, repeat the same command")
    spec = spec_from_args(args)
    reporter = ProgressReporter(enabled=not args.quiet)
    reporter.preparing(f"{spec.model} on {spec.dataset}: reading the data, the features and "
                       "any finished folds")
    plugins = _load(args, extra=[("merbench.cli.progress", reporter)])
    try:
        if seeds is not None:
            many = run_seeds(spec, seeds, plugins=plugins)
            reporter.stop()
            print_seeds(many.summary, many.out)
            return 0
        result = run(spec, plugins=plugins)
    except KeyboardInterrupt:
        reporter.stop()
        kept = _what_is_kept(reporter.run_dir or spec.out)
        say(f"merbench: interrupted — {kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    if result.reported:
        say(f"merbench: {result.run_dir} finished before (results written "
              f"{result.results.created}); reporting them as they are, nothing trained "
              "or rewritten", file=sys.stderr)
    print_results(result.results, result.run_dir)
    return 0


def _what_is_kept(run_dir: Path | None) -> str:
    """What an interrupted run leaves to go on from, as it is on disk: finished folds, the
    saved state of a fold in progress, or nothing."""
    from merbench.results.status import run_status

    if run_dir is None or not (run_dir / "run.json").is_file():
        return "it stopped before training began; nothing was trained, so nothing is kept"
    try:
        status = run_status(run_dir)
    except MerbenchError:
        return f"see {run_dir}"
    total = f" of {status.n_folds}" if status.n_folds is not None else ""
    folds = (f"{status.finished}{total} folds are finished and kept in {run_dir}"
             if status.finished else f"no fold had finished yet in {run_dir}")
    saved = "; the fold in progress is kept as of its last saved state" if status.saved else ""
    if not status.finished and not saved:
        return f"{folds}, and no fold had saved its state; a new run starts from the beginning"
    return f"{folds}{saved}; run the same command again to resume"


def _command_extract(args: argparse.Namespace) -> int:
    from merbench.cli.progress import ProgressReporter
    from merbench.cli.render import print_extraction
    from merbench.cli.run_options import given_options
    from merbench.extraction import extract_feature
    from merbench.features import SampleExtractor
    from merbench.run.plan import plan_inputs
    from merbench.run.spec import RunSpec, check_values, flag

    given = given_options(args)
    missing = [flag(k) for k in ("dataset", "feature") if k not in given]
    if missing:
        raise MerbenchError(f"merbench extract needs {' and '.join(missing)} "
                            "(see 'merbench list')")
    # the run's spec and plan of its inputs, so the options are checked as 'merbench run'
    # checks them and a saved file serves the run as it is
    spec = RunSpec(model="", **given)
    check_values(spec)
    if args.save is not None:
        from merbench.features_file import check_target

        check_target(args.save)
    plugins = _load(args)
    inputs = plan_inputs(plugins.registries, dataset=spec.dataset, feature=str(spec.feature),
                         dataset_options=spec.dataset_options,
                         feature_options=spec.feature_options,
                         skip_missing=spec.skip_missing, data_root=spec.data_root)
    dataset_entry, feature_entry = inputs.dataset, inputs.feature
    dataset_entry.check_options("dataset", inputs.dataset_options)
    feature_entry.check_options("feature", inputs.feature_options)
    feature_options = inputs.feature_options
    extractor = feature_entry.create("feature", **feature_options)
    if not isinstance(extractor, SampleExtractor) and args.save is None:
        raise MerbenchError(f"feature '{args.feature}' is computed for a whole dataset at once "
                            "and has nothing to cache (it reads what the dataset already "
                            "gives); add --save FILE to keep its values for 'merbench run "
                            "--features FILE', or let 'merbench run' compute it")
    dataset = inputs.open_dataset()
    reporter = ProgressReporter(enabled=not args.quiet)
    label = f"{args.feature} on {args.dataset}"
    try:
        values, extra = extract_feature(
            feature_entry.meta, extractor, dataset, dataset_name=args.dataset,
            workers=spec.workers,
            on_progress=lambda done, total: reporter.extraction_progress(label, done, total))
    except KeyboardInterrupt:
        reporter.stop()
        say("merbench: interrupted — every sample finished so far is in the cache; run the "
              "same command again to compute only the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    print_extraction(args.feature, args.dataset, extra.get("report", {}),
                     extra.get("summary", ""))
    skipped = dataset.skipped_samples()
    if skipped:
        from merbench.cli.render import skipped_note

        say(skipped_note(args.dataset, skipped,
                           f"the feature covers the remaining {len(dataset.samples)}"))
    if args.save is not None:
        from merbench.features_file import save_features
        from merbench.plugins import plugin_versions
        from merbench.run.identity import dataset_identity, feature_identity

        saved = save_features(
            args.save, values, dataset.samples["sample_id"].astype(str).tolist(),
            feature=feature_identity(feature_entry.meta, feature_options).to_dict(),
            dataset=dataset_identity(dataset_entry.meta, inputs.dataset_options,
                                     dataset).to_dict(),
            report=extra.get("report"), summary=extra.get("summary", ""),
            plugin_versions=plugin_versions(plugins))
        say(f"saved {len(values)} x {'x'.join(map(str, values.shape[1:]))} {values.dtype} "
              f"to {saved}; train on it with 'merbench run ... --features {saved}'")
    return 0


def _command_cache(args: argparse.Namespace) -> int:
    from merbench.cache import cache_info, clear_cache, default_cache_dir
    from merbench.cli.render import print_cache_info

    if args.action == "info":
        print_cache_info(default_cache_dir(), cache_info())
        return 0
    removed = clear_cache(args.feature)
    entries = sum(info.entries for info in removed)
    size = sum(info.bytes for info in removed)
    names = ", ".join(info.name for info in removed) or "nothing"
    say(f"cleared {entries} entries ({size / 1e6:.1f} MB) from {default_cache_dir()}: {names}")
    return 0


def _command_list(args: argparse.Namespace) -> int:
    from merbench.cli.render import print_listing

    print_listing(_load(args), args.kind)
    return 0


def _command_validate(args: argparse.Namespace) -> int:
    from merbench.results.validate import ResultRejected, ValidatedRun, validate_path

    rejected = 0
    for path in args.files:
        try:
            checked = validate_path(path)
        except ResultRejected as exc:
            rejected += 1
            say(f"merbench: rejected: {exc}", file=sys.stderr)
            continue
        if not isinstance(checked, ValidatedRun):  # a seeds summary
            say(f"ok: {path} (seeds {', '.join(map(str, checked.seeds))}: every seed run "
                  "validates and the summary matches them)")
            continue
        r = checked.results
        say(f"ok: {path} ({r.model.name} v{r.model.version} on "
              f"{r.dataset.name}/{r.protocol.name}, {r.protocol.n_folds} "
              f"folds, {r.protocol.n_samples} samples; recomputed "
              f"{', '.join(checked.policies)})")
    if rejected:
        say(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _command_migrate(args: argparse.Namespace) -> int:
    from merbench.results.upgrade import upgrade

    changed = upgrade(list(args.paths))
    for path in changed:
        say(f"migrated: {path}")
    say(f"{len(changed)} file(s) rewritten in the current layout")
    return 0


def _command_status(args: argparse.Namespace) -> int:
    from merbench.results.status import describe, run_dirs, run_status

    unreadable = 0
    for path in args.dirs:
        for run_dir in run_dirs(path):
            try:
                say(describe(run_status(run_dir)))
            except MerbenchError as exc:  # one bad directory hides none of the others
                unreadable += 1
                say(f"merbench: error: {exc}", file=sys.stderr)
    return EXIT_USAGE if unreadable else 0


def _command_leaderboard(args: argparse.Namespace) -> int:
    from merbench.leaderboard.site import build_site

    report = build_site(list(args.results), args.out, args.benchmarks)
    for item in report.rejected:
        say(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    say(f"site: {report.out / 'index.html'} ({report.benchmarks} benchmarks, {report.runs} "
          f"runs, {len(report.rejected)} rejected file(s))")
    if report.rejected and args.strict:
        say(f"merbench: error: {len(report.rejected)} result file(s) rejected (--strict)",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _one_line_warning(message: Warning | str, category: type[Warning], *args: Any,
                      **kwargs: Any) -> None:
    say(f"merbench: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``merbench`` console script; returns the exit status."""
    warnings.showwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _command_run(args)
        if args.command == "sweep":
            from merbench.cli.sweep import command_sweep

            return command_sweep(args, _load)
        if args.command == "validate":
            return _command_validate(args)
        if args.command == "compare":
            from merbench.cli.compare import command_compare

            return command_compare(args)
        if args.command == "audit":
            from merbench.cli.audit import command_audit

            return command_audit(args, _load(args))
        if args.command == "leaderboard":
            return _command_leaderboard(args)
        if args.command == "status":
            return _command_status(args)
        if args.command == "migrate":
            return _command_migrate(args)
        if args.command == "extract":
            return _command_extract(args)
        if args.command == "cache":
            return _command_cache(args)
        return _command_list(args)
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the file system said no (full disk, permissions) mid-command
        say(f"merbench: error: {_os_error(exc, args.command)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # run and extract say more; the other commands change nothing
        say(f"merbench: interrupted — 'merbench {args.command}' did not finish; run it "
              "again", file=sys.stderr)
        return EXIT_INTERRUPTED


def _os_error(exc: OSError, command: str) -> str:
    """One line for a file-system failure that no check caught, with what to do about it."""
    import errno

    fix = {errno.ENOSPC: "free some disk space", errno.EDQUOT: "free some disk space",
           errno.EACCES: "fix the permissions", errno.EPERM: "fix the permissions",
           errno.EROFS: "use a writable location",
           errno.ENOENT: "check that the path exists"}.get(exc.errno or 0, "fix the cause")
    where = f" ({exc.filename})" if exc.filename else ""
    kept = ": work already finished is kept" if command in ("run", "extract") else ""
    return (f"'merbench {command}' failed on a file: {exc.strerror or exc}{where} "
            f"[{type(exc).__name__}]; {fix}, then run the same command again{kept}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
