"""The ``merbench`` command line: every command and its options.

``merbench run``'s options (and those ``extract`` shares with it) are generated from the
run spec by :mod:`merbench.cli.run_options`; the other commands' options are their own.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from merbench import __version__
from merbench.cli.confirm import RUNS_WITHOUT_ASKING
from merbench.cli.examples import EXAMPLES, HelpFormatter, epilog
from merbench.cli.run_options import add_run_options, key_value
from merbench.cli.strict_parser import EXIT_USAGE as EXIT_USAGE  # the commands' exit status
from merbench.cli.strict_parser import StrictParser, link_commands
from merbench.runner.given_values import seed_option
from merbench.runner.spec import extract_options, sweep_command_options, sweep_plan_options

DESCRIPTION = ("The merbench command: run, sweep, extract, list, cache, status, validate, audit, "
               "keygen, compare, migrate, export, convert-weights and leaderboard.")
EXIT_INTERRUPTED = 130
LIST_KINDS = ("datasets", "features", "models", "protocols", "plugins")


# merbench export shares extract's options, but writes files and records no run
EXPORT_GROUPS = {
    True: ("what is exported", "the samples and how their images are computed; "
                               "export-report.json records them"),
    False: ("where and how fast", "never the images"),
}
EXPORT_HELP = {
    "dataset": "the raw dataset to export (see 'merbench list datasets'), e.g. megc2019; "
               "required",
    "feature": "write this flow feature's images in place of the layout's own (tvl1-uvos; "
               "causalnet-flows for --layout causalnet), of the same per-sample shape",
    "skip_missing": "leave out samples whose frames or annotations are unusable; "
                    "export-report.json lists them with why",
    "feature_options": "an option of the layout's flow feature (repeatable), e.g. face=frame "
                       "for frames that are already faces (default: none)",
}


def _plugin_options() -> StrictParser:
    common = StrictParser(add_help=False)
    group = common.add_argument_group("plugins")
    group.add_argument("--no-plugin", action="append", default=[], metavar="NAME",
                       help="do not load the plugin NAME (repeatable)")
    group.add_argument("-p", "--plugin", action="append", default=[], metavar="NAME",
                       help="load the plugin NAME even when MERBENCH_DISABLE_PLUGIN_AUTOLOAD=1")
    return common


def _teach(parser: argparse.ArgumentParser, command: str) -> None:
    """Examples at the end of ``command``'s help (merbench.cli.examples)."""
    parser.formatter_class = HelpFormatter
    if command in EXAMPLES:
        parser.epilog = epilog(command)


def _plan_keys(run: StrictParser, sweep: StrictParser) -> dict[str, str]:
    """``merbench run``'s options that a sweep takes from its plan, by their key there:
    ``merbench sweep plan.toml --epochs 3`` is told to write ``epochs = 3`` in the plan."""
    keys = {*sweep_plan_options(), "model", "dataset", "protocol"}
    found = {option: action.dest for option, action in run._option_string_actions.items()
             if option.startswith("--") and action.dest in keys
             and option not in sweep._option_string_actions}
    found.update({"--seed": "seeds", "--seeds": "seeds"})
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = StrictParser(prog="merbench", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"merbench {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     parser_class=StrictParser)
    commands.required = True
    common = _plugin_options()

    run = commands.add_parser(
        "run", parents=[common], help="train and evaluate a model with a protocol",
        description="Train and evaluate a model on a dataset with a protocol. Running the same "
                    "command again resumes an interrupted run without retraining finished folds.",
    )
    add_run_options(run)  # every RunSpec field, kept only when given (see --resume)
    output = run.add_argument_group("output")
    output.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    output.add_argument("--yes", "-y", action="store_true",
                        help=f"start more than {RUNS_WITHOUT_ASKING} --seeds without asking")

    sweep = commands.add_parser(
        "sweep", parents=[common], help="run a plan of models x datasets x protocols x seeds",
        description="Run every run of a TOML plan, each its own resumable run directory "
                    "under the plan's out folder (the plan's layout: "
                    "docs/user-guide.md#sweeps-many-runs-from-one-plan); runs that "
                    "finished before are skipped. Locally the runs go one after another; "
                    "with --executor ray all their folds are Ray tasks at once. Every name "
                    "and option of the plan is checked before anything trains.",
    )
    sweep.add_argument("plan", type=Path, metavar="PLAN.toml", help="the sweep plan")
    add_run_options(sweep, only=sweep_command_options())
    sweep.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sweep.add_argument("--yes", "-y", action="store_true",
                       help=f"start a plan of more than {RUNS_WITHOUT_ASKING} runs without "
                            "asking (needed where no terminal can ask)")
    sweep.in_plan = _plan_keys(run, sweep)

    extract = commands.add_parser(
        "extract", parents=[common], help="compute a feature for a dataset into the cache",
        description="Compute a per-sample feature (e.g. tvl1-uvos) for every sample of a "
                    "dataset, in parallel, into the feature cache ($MERBENCH_CACHE_DIR, else "
                    "~/.cache/merbench). Samples already cached are read, not recomputed; an "
                    "interrupted extraction keeps every finished sample.",
    )
    # the run's own options for what extract shares with it
    add_run_options(extract, only=extract_options())
    extract.add_argument("--save", type=Path, default=None, metavar="FILE",
                         help="also write the values, with the feature's and dataset's "
                              "identity, to FILE (.npz) for 'merbench run --features FILE' "
                              "on another machine (any feature, per-sample or not)")
    extract.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    cache = commands.add_parser("cache", help="show or clear the feature cache",
                                description="The feature cache is in $MERBENCH_CACHE_DIR, "
                                            "else ~/.cache/merbench.")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", parser_class=StrictParser)
    actions.required = True
    actions.add_parser("info", help="entries and size per feature")
    clear = actions.add_parser(
        "clear", help="delete the stores merbench wrote; refuse a folder holding anything else")
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
                    "predictions, that every stored metric equals the one recomputed "
                    "from them, and that run.json, the fold files, the official sample list "
                    "and the timing confirm what results.json says it is.",
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE",
                          help="a run directory or its results.json, or a seeds.json")

    compare = commands.add_parser(
        "compare", help="intervals of runs and paired tests against the first",
        description="Read validated runs (run directories or --seeds folders) of one dataset "
                    "and protocol and print each one's UF1 and UAR with a 95% interval over "
                    "subjects, then every other run's difference from the first with its "
                    "interval and a paired permutation p-value (Holm-corrected over the "
                    "runs). Runs on other samples or folds are refused.",
    )
    compare.add_argument("runs", nargs="+", type=Path, metavar="RUN",
                         help="the reference first, then the runs to compare with it")
    compare.add_argument("--json", action="store_true", help="print JSON instead of a table")

    audit = commands.add_parser(
        "audit", parents=[common], help="train some of a run's folds again and compare",
        description="Validate RUN, then train folds drawn at random from a printed seed "
                    "again, from the run's recorded identity on your copy of the data, and "
                    "compare every epoch's test predictions with the stored ones: "
                    "bit-identical where merbench, device, versions and precision are the "
                    "run's (CPU fp32); otherwise the first epoch's alike and at least 90% "
                    "of all. The outcome is "
                    "appended to RUN/audit.json; exit status 1 when a fold differs.",
    )
    audit.add_argument("run", type=Path, metavar="RUN", help="a finished run directory")
    audit.add_argument("--folds", default="3", metavar="K",
                       help="how many folds to train again, or 'all' (default: 3)")
    audit.add_argument("--seed", type=seed_option("--seed"), default=None, metavar="N",
                       help="the seed that draws the folds (default: a fresh one, printed)")
    audit.add_argument("--data-root", default=None, metavar="PATH",
                       help="where your copy of the dataset is (default: the run's own "
                            "--data-root, then $MERBENCH_DATA_DIR)")
    audit.add_argument("--device", default="cpu",
                       help="where to train: cpu (default), cuda, cuda:N or mps")
    audit.add_argument("--workers", type=int, default=None, metavar="N",
                       help="processes that extract a per-sample feature")
    audit.add_argument("--sign", type=Path, default=None, metavar="KEY",
                       help="sign the record with this private key ('merbench keygen'), "
                            "over the digests of every file of the run, so a leaderboard "
                            "built with --trust KEY.pub counts it")

    export = commands.add_parser(
        "export", parents=[common],
        help="write a dataset's preprocessed images in the layout the authors' code reads",
        description="Compute a raw dataset's flow images (and apex faces, direction maps) as "
                    "the features do, through the cache and --workers, and write them as the "
                    "authors' releases lay them out (--layout composite: the MEGC2019 "
                    "composite release; htnet: HTNet's per-subject u_train / u_test folders; "
                    "causalnet: the folder CausalNet's main_train.py runs in), or score them "
                    "against a release's own images (--compare RELEASE_DIR). An interrupted "
                    "export keeps every finished sample. --out must be new, empty or an "
                    "earlier export's: files that export wrote and this one does not are "
                    "removed.")
    add_run_options(export, only=extract_options(), groups=EXPORT_GROUPS, helps=EXPORT_HELP)
    export.add_argument("--layout", choices=("composite", "htnet", "causalnet"), default=None,
                        help="the layout to write into --out")
    export.add_argument("--compare", type=Path, default=None, metavar="RELEASE_DIR",
                        help="a composite release folder to score merbench's flow images "
                             "against (per channel correlation and mean absolute difference)")
    export.add_argument("--out", type=Path, default=None, metavar="PATH",
                        help="the folder a layout is written to; with --compare, a JSON file "
                             "for the sample-by-sample comparison")
    export.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    conversion = commands.add_parser(
        "convert-weights", parents=[common],
        help="the authors' released weights of a model, in merbench's names",
        description="Read the state dict(s) a model's authors released (a file, or a folder "
                    "of <subject>.pth files, converted into the same layout), rename them to "
                    "merbench's layer names by the model's documented mapping, check that "
                    "every key and shape fits the model built with --model-opt, and write "
                    "them to --out, for 'merbench run --weights'.")
    conversion.add_argument("model", metavar="MODEL", help="a registered model (e.g. mmnet)")
    conversion.add_argument("source", type=Path, metavar="SOURCE",
                            help="the authors' checkpoint, or a folder of them")
    conversion.add_argument("--out", type=Path, required=True, metavar="TARGET",
                            help="the converted file, or folder for a folder")
    conversion.add_argument("--model-opt", action="append", type=key_value, default=[],
                            metavar="KEY=VALUE",
                            help="the model's configuration the weights were saved from "
                                 "(repeatable)")

    keygen = commands.add_parser(
        "keygen", help="make a key to sign audits with",
        description="Write a new Ed25519 private key to KEY (PEM, mode 0600, never "
                    "overwritten) and its public key to KEY.pub (one line: ed25519, the key "
                    "in base64, the name), and print its fingerprint. 'merbench audit --sign "
                    "KEY' signs with it; 'merbench leaderboard build --trust KEY.pub' counts "
                    "what it signed.",
    )
    keygen.add_argument("--out", type=Path, required=True, metavar="KEY",
                        help="where to write the private key (KEY.pub beside it)")
    keygen.add_argument("--name", default=None, metavar="NAME",
                        help="whose key it is, written in KEY.pub and shown with what it "
                             "signs (e.g. the maintainer's e-mail address)")

    migrate = commands.add_parser(
        "migrate", help="rewrite older result files in the current layout",
        description="Rewrite every results.json, seeds.json, run.json and fold file under "
                    "the given folders that has an older schema_version, in the current "
                    "layout (docs/results.md). Numbers are carried over unchanged; files "
                    "already current are left alone. Reading needs no migration: merbench "
                    "reads older files as they are; this is for files you keep or publish.",
    )
    migrate.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                         help="a run directory, a folder of runs, or one file")

    status = commands.add_parser(
        "status", help="how far runs have got: folds done, time per fold, time to go",
        description="Read run directories (or every run under a folder, such as a --seeds "
                    "folder or runs/) and say, for each run, how "
                    "many folds are finished, whether a merbench process is running in it "
                    "now, the median training time of a fold and the time left at that "
                    "pace. Nothing is changed.",
    )
    status.add_argument("dirs", nargs="*", type=Path, metavar="DIR",
                        help="a run directory (--out of 'merbench run'), or a folder of runs, "
                             "up to 4 levels below it (default: runs/, where runs go without "
                             "--out)")

    board = commands.add_parser(
        "leaderboard", help="list the benchmarks, build their site, export a table",
        description="The benchmarks' leaderboard: 'list' them (their ids, and each one's "
                    "validated runs), 'build' the static site of their pages, 'export' one "
                    "benchmark's table for a paper.")
    board_commands = board.add_subparsers(dest="leaderboard_command", metavar="COMMAND",
                                          parser_class=StrictParser)
    board_commands.required = True
    listing = board_commands.add_parser(
        "list", help="the benchmarks: id, title, dataset / protocol, runs",
        description="List the benchmarks a site has a page for, most important first: each "
                    "one's id (for 'leaderboard export'), title, dataset and protocol, and "
                    "how many validated runs under the --results folders belong to it.")
    _results_option(listing)
    listing.add_argument("--benchmarks", type=Path, default=None, metavar="DIR",
                         help="a folder of benchmark definitions instead of merbench's")
    build = board_commands.add_parser(
        "build", help="render validated result files into a static HTML site",
        description="Validate every results.json and seeds.json under the --results folders "
                    "and render an index, one page per benchmark and one page per run into "
                    "--out. Rejected files are listed with the reason instead of shown. The "
                    "site has no network assets: open SITE/index.html or copy SITE to any "
                    "static host.",
    )
    _results_option(build)
    build.add_argument("--out", type=Path, required=True, metavar="SITE",
                       help="where to write the site (replaced if merbench built it before)")
    build.add_argument("--benchmarks", type=Path, default=None, metavar="DIR",
                       help="a folder of benchmark definitions (*.json) to use instead of "
                            "the ones shipped with merbench")
    build.add_argument("--strict", action="store_true",
                       help="exit with status 2 if any result file was rejected")
    build.add_argument("--trust", action="append", type=Path, default=[], metavar="KEYS",
                       help="a file of public keys (lines as in KEY.pub; a KEY.pub itself) "
                            "whose signed audits count as audited (repeatable); without it "
                            "no audit is verified, and audits show as claimed")
    export = board_commands.add_parser(
        "export", help="write a benchmark's table as CSV, LaTeX or Markdown",
        description="Validate the result files under the --results folders as 'build' does "
                    "and write one benchmark's table, ranked rows then test-set-selection "
                    "rows, each score with its std over seeds and 95% interval over "
                    "subjects, to paste into a paper.")
    export.add_argument("benchmark", metavar="BENCHMARK",
                        help="a benchmark id (e.g. composite-3class-loso)")
    _results_option(export)
    export.add_argument("--format", choices=("csv", "latex", "markdown"), default="csv")
    export.add_argument("--benchmarks", type=Path, default=None, metavar="DIR",
                        help="a folder of benchmark definitions instead of merbench's")
    export.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="write here instead of to standard output; a file that exists "
                             "is refused unless --force is given")
    export.add_argument("--force", action="store_true",
                        help="replace --out FILE if it exists (the table cannot be told "
                             "from a file of yours, so it is never replaced unasked)")
    for name, sub in commands.choices.items():
        _teach(sub, name)
    for name, sub in board_commands.choices.items():
        _teach(sub, f"leaderboard {name}")
    link_commands(parser)
    return parser


def _results_option(parser: argparse.ArgumentParser) -> None:
    """``--results``, which a reader in a checkout of merbench (or of a project laid out
    like it) need not type: the command reads ``leaderboards/results`` when it is there."""
    parser.add_argument("--results", nargs="+", type=Path, default=None, metavar="DIR",
                        help="folders holding run directories, searched recursively "
                             "(default: leaderboards/results, where the current folder "
                             "has one)")
