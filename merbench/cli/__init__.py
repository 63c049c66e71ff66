"""The ``merbench`` command: run, extract, list, cache, validate and leaderboard.

``run`` a protocol, ``extract`` a feature into the cache, ``list`` what plugins provide, show
or clear the feature ``cache``, ``validate`` result files and build the ``leaderboard`` site
from them.

Every mistake a user can make ends in one line on stderr that says what is wrong and how to
fix it, and exit status 2; an interrupted run says where its finished folds are.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from merbench.errors import MerbenchError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
LIST_KINDS = ("datasets", "features", "models", "protocols", "plugins")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"merbench: error: {message} (see '{self.prog} --help')\n")


def _key_value(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as JSON when it is JSON (numbers, true, lists), else text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got '{text}'")
    try:
        parsed: Any = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    return key.strip().replace("-", "_"), parsed


def _plugin_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("plugins")
    group.add_argument("--no-plugin", action="append", default=[], metavar="NAME",
                       help="do not load the plugin NAME (repeatable)")
    group.add_argument("-p", "--plugin", action="append", default=[], metavar="NAME",
                       help="load the plugin NAME even when MERBENCH_DISABLE_PLUGIN_AUTOLOAD=1")
    return common


def build_parser() -> argparse.ArgumentParser:
    from merbench import __version__

    parser = _Parser(prog="merbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"merbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    common = _plugin_options()

    run = commands.add_parser(
        "run", parents=[common], help="train and evaluate a model with a protocol",
        description="Train and evaluate a model on a dataset with a protocol. Running the same "
                    "command again resumes an interrupted run without retraining finished folds.",
    )
    sup = argparse.SUPPRESS  # only options the user gave are kept (see --resume)
    run.add_argument("--model", "-m", default=sup, help="model name (see 'merbench list models')")
    run.add_argument("--dataset", "-d", default=sup, help="dataset name")
    run.add_argument("--feature", "-f", default=sup,
                     help="feed the model this feature instead of the one it declares (same "
                          "per-sample shape), e.g. tvl1-uvos for a model trained on flow-uvos")
    run.add_argument("--protocol", default=sup, help="protocol name (default: loso)")
    run.add_argument("--out", "-o", type=Path, default=sup,
                     help="run directory (default: runs/MODEL-DATASET-PROTOCOL-seedN-HASH)")
    run.add_argument("--resume", type=Path, default=sup, metavar="DIR",
                     help="continue the run in DIR with the options it was started with "
                          "(only --device, --parallel-folds, --fused-optimizer, --workers, "
                          "--features and --checkpoint-every may be given with it)")
    run.add_argument("--seed", type=int, default=sup, help="random seed (default: 0)")
    run.add_argument("--epochs", type=int, default=sup, help="override the model's epochs")
    run.add_argument("--batch-size", type=int, default=sup, help="override the batch size")
    run.add_argument("--lr", type=float, default=sup, help="override the learning rate")
    run.add_argument("--device", default=sup,
                     help="auto (CUDA when present, else CPU), cpu, cuda, cuda:N or mps")
    run.add_argument("--seeds", default=sup, metavar="N,N,...",
                     help="run every seed (e.g. 0,1,2) and report mean ± std; one run "
                          "directory per seed under --out")
    run.add_argument("--data-root", default=sup, metavar="PATH",
                     help="where a dataset's files are (default: $MERBENCH_DATA_DIR)")
    run.add_argument("--parallel-folds", type=int, default=sup, metavar="K",
                     help="train K folds at once in one process (default on CUDA: as many "
                          "as fit in free memory; on CPU: 1, one fold at a time)")
    run.add_argument("--precision", default=sup, choices=("fp32", "bf16", "tf32"),
                     help="fp32 (default), bf16 (torch.autocast in bfloat16 for the forward "
                          "pass and the loss; CPU and CUDA) or tf32 (TensorFloat-32 CUDA "
                          "matrix products); part of the run's identity")
    run.add_argument("--fused-optimizer", action="store_true", default=sup,
                     help="on a CPU, take Adam's and AdamW's fused step (1.25x to 1.43x faster "
                          "training for OFF-ApexNet); it rounds differently from the default "
                          "step, so it is part of the run's identity. CUDA runs always take it")
    run.add_argument("--checkpoint-every", type=float, default=sup, metavar="MINUTES",
                     help="save an unfinished fold's training state every MINUTES (default: "
                          "5; 0: never), so an interrupted run goes on from there instead of "
                          "from the fold's first epoch (allowed with --resume)")
    run.add_argument("--skip-missing", action="store_true", default=sup,
                     help="leave out samples whose frames or annotations are unusable (datasets "
                          "that read raw files); results.json lists them under dataset.skipped")
    run.add_argument("--weights", default=sup, metavar="DIR",
                     help="evaluate saved weights instead of training: DIR holds one "
                          "<subject>.pth state dict per LOSO test subject")
    run.add_argument("--selection", default=sup,
                     help="which epoch each fold reports: fixed (last epoch, the default), "
                          "inner-val (best on held-out training subjects) or oracle (best "
                          "on the test subject: TEST-SET SELECTION, only to compare with "
                          "published numbers)")
    run.add_argument("--inner-val-subjects", type=int, default=sup, metavar="N",
                     help="training subjects held out per fold for inner-val (default: 3)")
    run.add_argument("--shuffle-train-labels", action="store_true", default=sup,
                     help="leakage control: shuffle each fold's training labels (expect chance)")
    for kind in ("model", "dataset", "feature", "protocol"):
        run.add_argument(f"--{kind}-opt", dest=f"{kind}_options", action="append",
                         type=_key_value, default=sup, metavar="KEY=VALUE",
                         help=f"an option of the {kind} (repeatable)")
    run.add_argument("--workers", type=int, default=sup, metavar="N",
                     help="processes that extract a per-sample feature (default: one per core)")
    run.add_argument("--features", default=sup, metavar="FILE",
                     help="read the feature from FILE ('merbench extract --save') instead of "
                          "extracting it; it must hold this run's feature, options and "
                          "samples (allowed with --resume)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    extract = commands.add_parser(
        "extract", parents=[common], help="compute a feature for a dataset into the cache",
        description="Compute a per-sample feature (e.g. tvl1-uvos) for every sample of a "
                    "dataset, in parallel, into the feature cache ($MERBENCH_CACHE_DIR, else "
                    "~/.cache/merbench). Samples already cached are read, not recomputed; an "
                    "interrupted extraction keeps every finished sample.",
    )
    extract.add_argument("--dataset", "-d", required=True, help="dataset name")
    extract.add_argument("--feature", "-f", required=True, help="feature name")
    extract.add_argument("--workers", type=int, default=None, metavar="N",
                         help="worker processes (default: one per core)")
    extract.add_argument("--data-root", default=None, metavar="PATH",
                         help="where the dataset's files are (default: $MERBENCH_DATA_DIR)")
    for kind in ("dataset", "feature"):
        extract.add_argument(f"--{kind}-opt", dest=f"{kind}_options", action="append",
                             type=_key_value, default=[], metavar="KEY=VALUE",
                             help=f"an option of the {kind} (repeatable)")
    extract.add_argument("--skip-missing", action="store_true",
                         help="leave out samples whose frames or annotations are unusable, "
                              "as 'merbench run --skip-missing' does")
    extract.add_argument("--save", type=Path, default=None, metavar="FILE",
                         help="also write the values, with the feature's and dataset's "
                              "identity, to FILE (.npz) for 'merbench run --features FILE' "
                              "on another machine (any feature, per-sample or not)")
    extract.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    cache = commands.add_parser("cache", help="show or clear the feature cache",
                                description="The feature cache is in $MERBENCH_CACHE_DIR, "
                                            "else ~/.cache/merbench.")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    actions.add_parser("info", help="entries and size per feature")
    clear = actions.add_parser("clear", help="delete cached entries")
    clear.add_argument("--feature", "-f", default=None, metavar="NAME",
                       help="delete only this feature's entries (a name 'cache info' shows)")

    listing = commands.add_parser("list", parents=[common], help="show what plugins provide")
    listing.add_argument("kind", nargs="?", choices=LIST_KINDS, metavar="KIND",
                         help=f"one of {', '.join(LIST_KINDS)} (default: all)")

    validate = commands.add_parser(
        "validate", help="check result files: schema, coverage, recomputed metrics",
        description="Check result files before publishing them: the schema (older versions "
                    "are migrated), that the predictions cover the protocol's samples and "
                    "folds, that every claimed selection policy is supported by the stored "
                    "predictions, and that every stored metric equals the one recomputed "
                    "from them.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE",
                          help="a run directory or its results.json, or a seeds.json")

    status = commands.add_parser(
        "status", help="how far runs have got: folds done, time per fold, time to go",
        description="Read run directories (or every run under a folder, such as a --seeds "
                    "folder or runs/) and say, for each run, how "
                    "many folds are finished, whether a merbench process is running in it "
                    "now, the median training time of a fold and the time left at that "
                    "pace. Nothing is changed.",
    )
    status.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                        help="a run directory (--out of 'merbench run'), or a folder of runs")

    board = commands.add_parser("leaderboard", help="build the static leaderboard site")
    board_commands = board.add_subparsers(dest="leaderboard_command", metavar="COMMAND",
                                          parser_class=_Parser)
    board_commands.required = True
    build = board_commands.add_parser(
        "build", help="render validated result files into a static HTML site",
        description="Validate every results.json and seeds.json under the --results folders "
                    "and render an index, one page per benchmark and one page per run into "
                    "--out. Rejected files are listed with the reason instead of shown. The "
                    "site has no network assets: open SITE/index.html or copy SITE to any "
                    "static host.",
    )
    build.add_argument("--results", nargs="+", type=Path, required=True, metavar="DIR",
                       help="folders holding run directories (searched recursively)")
    build.add_argument("--out", type=Path, required=True, metavar="SITE",
                       help="where to write the site (replaced if merbench built it before)")
    build.add_argument("--benchmarks", type=Path, default=Path("leaderboards/benchmarks"),
                       metavar="DIR", help="benchmark definitions (default: "
                                           "leaderboards/benchmarks)")
    build.add_argument("--strict", action="store_true",
                       help="exit with status 2 if any result file was rejected")
    return parser


_RUN_FIELDS = ("model", "dataset", "feature", "protocol", "out", "seed", "epochs", "batch_size",
               "lr", "device", "selection", "inner_val_subjects", "shuffle_train_labels",
               "data_root", "skip_missing", "weights", "parallel_folds", "workers", "precision",
               "fused_optimizer", "checkpoint_every",
               "features", "model_options",
               "dataset_options", "feature_options", "protocol_options")


def _run_config(args: argparse.Namespace) -> Any:
    from merbench.results.rundir import RunDirectory
    from merbench.runner import RunConfig

    given = {k: getattr(args, k) for k in _RUN_FIELDS if hasattr(args, k)}
    for key in ("model_options", "dataset_options", "feature_options", "protocol_options"):
        if key in given:
            given[key] = dict(given[key])
    resume = getattr(args, "resume", None)
    if resume is not None:
        # how fast and from where, not what: allowed with --resume (a device or step whose
        # training differs, e.g. CUDA's fused optimiser step, is refused by the identity)
        where = {k: given.pop(k) for k in ("workers", "features", "device", "parallel_folds",
                                            "fused_optimizer", "checkpoint_every")
                 if k in given}
        if given:
            names = ", ".join("--" + k.replace("_", "-").replace("-options", "-opt") for k in given)
            raise MerbenchError(f"--resume takes every option from {resume}/run.json; "
                                f"leave out {names}")
        stored = RunDirectory(resume).read_run_file().get("config", {})
        config = RunConfig.from_dict(stored)
        config.out = resume
        config.workers = where.pop("workers", None)
        for key, value in where.items():
            setattr(config, key, value)
        return config
    missing = [f"--{k}" for k in ("model", "dataset") if k not in given]
    if missing:
        raise MerbenchError(f"merbench run needs {' and '.join(missing)} "
                            "(see 'merbench list'), or --resume DIR")
    return RunConfig(**given)


def _load(args: argparse.Namespace, extra: Sequence[tuple[str, object]] = ()) -> Any:
    from merbench.cli.render import print_plugin_failures
    from merbench.plugins import load_plugins

    plugins = load_plugins(block=args.no_plugin, enable=args.plugin, extra=extra)
    print_plugin_failures(plugins)
    return plugins


def _command_run(args: argparse.Namespace) -> int:
    from merbench.cli.progress import ProgressReporter
    from merbench.cli.render import print_results, print_seeds
    from merbench.runner import parse_seeds, run, run_seeds

    seeds = parse_seeds(args.seeds) if hasattr(args, "seeds") else None
    if seeds is not None and hasattr(args, "seed"):
        raise MerbenchError("give either --seed or --seeds, not both")
    if seeds is not None and hasattr(args, "resume"):
        raise MerbenchError("--resume continues one seed's run directory; to continue a "
                            "--seeds run, repeat the same command")
    config = _run_config(args)
    reporter = ProgressReporter(enabled=not args.quiet)
    plugins = _load(args, extra=[("merbench.cli.progress", reporter)])
    try:
        if seeds is not None:
            many = run_seeds(config, seeds, plugins=plugins)
            reporter.stop()
            print_seeds(many.summary, many.out)
            return 0
        result = run(config, plugins=plugins)
    except KeyboardInterrupt:
        reporter.stop()
        where = reporter.run_dir or "the run directory"
        saved = ", with the fold in progress as of its last saved state" \
            if _has_saved_state(reporter.run_dir) else ""
        print(f"merbench: interrupted — finished folds are saved in {where}{saved}; run the "
              "same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    print_results(result.results, result.run_dir)
    return 0


def _has_saved_state(run_dir: Path | None) -> bool:
    """Whether an unfinished fold of the run in ``run_dir`` has a saved state to go on from
    (not one left from folds that have since finished or been grouped otherwise)."""
    from merbench.results.status import run_status

    if run_dir is None:
        return False
    try:
        return bool(run_status(Path(run_dir)).saved)
    except (MerbenchError, OSError):  # stopped before its run.json was written, say
        return False


def _command_extract(args: argparse.Namespace) -> int:
    from merbench.cli.progress import ProgressReporter
    from merbench.cli.render import print_extraction
    from merbench.extraction import extract_feature
    from merbench.features import SampleExtractor
    from merbench.runner import (
        dataset_identity,
        feature_identity,
        open_dataset,
        with_skip_missing,
    )

    if args.workers is not None and args.workers < 1:
        raise MerbenchError(f"--workers must be at least 1 (got {args.workers})")
    if args.save is not None:
        from merbench.features_file import check_target

        check_target(args.save)
    plugins = _load(args)
    registries = plugins.registries
    dataset_entry = registries.datasets.get(args.dataset)
    feature_entry = registries.features.get(args.feature)
    lacking = feature_entry.meta.unmet_needs(dataset_entry.meta.provides)
    if lacking:
        raise MerbenchError(f"feature '{args.feature}' needs {', '.join(lacking)} from the "
                            f"dataset, and dataset '{args.dataset}' provides only "
                            f"{', '.join(dataset_entry.meta.provides) or 'nothing'}")
    dataset_options, feature_options = dict(args.dataset_options), dict(args.feature_options)
    dataset_entry.check_options("dataset", dataset_options)
    feature_entry.check_options("feature", feature_options)
    dataset_options = with_skip_missing(dataset_entry, dataset_options, args.skip_missing)
    # as 'merbench run' does, so a saved file serves the run whether or not it names defaults
    dataset_options = dataset_entry.without_defaults(dataset_options)
    feature_options = feature_entry.without_defaults(feature_options)
    extractor = feature_entry.create("feature", **feature_options)
    if not isinstance(extractor, SampleExtractor) and args.save is None:
        raise MerbenchError(f"feature '{args.feature}' is computed for a whole dataset at once "
                            "and has nothing to cache (it reads what the dataset already "
                            "gives); add --save FILE to keep its values for 'merbench run "
                            "--features FILE', or let 'merbench run' compute it")
    dataset = open_dataset(dataset_entry, dataset_options, args.data_root)
    reporter = ProgressReporter(enabled=not args.quiet)
    label = f"{args.feature} on {args.dataset}"
    try:
        values, extra = extract_feature(
            feature_entry.meta, extractor, dataset, dataset_name=args.dataset,
            workers=args.workers,
            on_progress=lambda done, total: reporter.extraction_progress(label, done, total))
    except KeyboardInterrupt:
        reporter.stop()
        print("merbench: interrupted — every sample finished so far is in the cache; run the "
              "same command again to compute only the rest", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    print_extraction(args.feature, args.dataset, extra.get("report", {}),
                     extra.get("summary", ""))
    skipped = dataset.skipped_samples()
    if skipped:
        from merbench.cli.render import skipped_note

        print(skipped_note(args.dataset, skipped,
                           f"the feature covers the remaining {len(dataset.samples)}"))
    if args.save is not None:
        from merbench.features_file import save_features
        from merbench.runner import plugin_versions

        saved = save_features(
            args.save, values, dataset.samples["sample_id"].astype(str).tolist(),
            feature=feature_identity(feature_entry.meta, feature_options),
            dataset=dataset_identity(dataset_entry.meta, dataset_options, dataset),
            report=extra.get("report"), summary=extra.get("summary", ""),
            plugin_versions=plugin_versions(plugins))
        print(f"saved {len(values)} x {'x'.join(map(str, values.shape[1:]))} {values.dtype} "
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
    print(f"cleared {entries} entries ({size / 1e6:.1f} MB) from {default_cache_dir()}: {names}")
    return 0


def _command_list(args: argparse.Namespace) -> int:
    from merbench.cli.render import print_listing

    print_listing(_load(args), args.kind)
    return 0


def _command_validate(args: argparse.Namespace) -> int:
    from merbench.results.validate import ResultRejected, validate_path

    rejected = 0
    for path in args.files:
        try:
            checked = validate_path(path)
        except ResultRejected as exc:
            rejected += 1
            print(f"merbench: rejected: {exc}", file=sys.stderr)
            continue
        if isinstance(checked, dict):
            print(f"ok: {path} (seeds {', '.join(map(str, checked['seeds']))}: every seed run "
                  "validates and the summary matches them)")
            continue
        r = checked.results
        print(f"ok: {path} ({r['model']['name']} v{r['model']['version']} on "
              f"{r['dataset']['name']}/{r['protocol']['name']}, {r['protocol']['n_folds']} "
              f"folds, {r['protocol']['n_samples']} samples; recomputed "
              f"{', '.join(checked.policies)})")
    if rejected:
        print(f"merbench: error: {rejected} of {len(args.files)} result file(s) rejected",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _command_status(args: argparse.Namespace) -> int:
    from merbench.results.status import describe, run_dirs, run_status

    unreadable = 0
    for path in args.dirs:
        for run_dir in run_dirs(path):
            try:
                print(describe(run_status(run_dir)))
            except MerbenchError as exc:  # one bad directory hides none of the others
                unreadable += 1
                print(f"merbench: error: {exc}", file=sys.stderr)
    return EXIT_USAGE if unreadable else 0


def _command_leaderboard(args: argparse.Namespace) -> int:
    from merbench.leaderboard.site import build_site

    report = build_site(list(args.results), args.out, args.benchmarks)
    for item in report.rejected:
        print(f"merbench: rejected: {item.path}: {item.reason}", file=sys.stderr)
    print(f"site: {report.out / 'index.html'} ({report.benchmarks} benchmarks, {report.runs} "
          f"runs, {len(report.rejected)} rejected file(s))")
    if report.rejected and args.strict:
        print(f"merbench: error: {len(report.rejected)} result file(s) rejected (--strict)",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def _one_line_warning(message: Warning | str, category: type[Warning], *args: Any,
                      **kwargs: Any) -> None:
    print(f"merbench: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``merbench`` console script; returns the exit status."""
    warnings.showwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return _command_run(args)
        if args.command == "validate":
            return _command_validate(args)
        if args.command == "leaderboard":
            return _command_leaderboard(args)
        if args.command == "status":
            return _command_status(args)
        if args.command == "extract":
            return _command_extract(args)
        if args.command == "cache":
            return _command_cache(args)
        return _command_list(args)
    except MerbenchError as exc:
        print(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the file system said no (full disk, permissions) mid-command
        print(f"merbench: error: {_os_error(exc, args.command)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # run and extract say more; the other commands change nothing
        print(f"merbench: interrupted — 'merbench {args.command}' did not finish; run it "
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
