"""The commands that work on files merbench wrote, without plugins: what each takes, in the
table of :mod:`merbench.cli.parser`.

These read, show, check, rewrite or publish result files and keys (validate, compare,
status, show, migrate, keygen, leaderboard) or manage the feature cache (cache). What two of
them share (``--results``, ``--benchmarks``) comes from :mod:`merbench.cli.shared_options`;
only what is a command's own is declared here, by hand.
"""

from __future__ import annotations

from merbench.cli.command_line import CommandLine, Commands
from merbench.cli.shared_options import (
    benchmarks_option,
    file_path_text,
    force_option,
    given_path,
    given_path_text,
    results_option,
    revalidate_option,
)
from merbench.cli.strict_parser import StrictParser
from merbench.results.folder_walk import RESULTS_BELOW


def _clear(parser: StrictParser) -> None:
    parser.add_argument("--feature", "-f", default=None, metavar="NAME",
                        help="delete only this feature's entries (a name 'cache info' shows)")


def _validate(parser: StrictParser) -> None:
    parser.add_argument("files", nargs="+", type=given_path, metavar="PATH",
                        help="a result of any kind (a run, --seeds, spotting, action-unit or "
                             "tuning folder, or its results file), or a folder of results "
                             f"(every result up to {RESULTS_BELOW} levels below is checked)")


def _compare(parser: StrictParser) -> None:
    parser.add_argument("runs", nargs="+", type=given_path, metavar="RUN",
                        help="the reference first, then the runs to compare with it")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _keygen(parser: StrictParser) -> None:
    parser.add_argument("--out", type=file_path_text, required=True, metavar="KEY",
                        help="where to write the private key (KEY.pub beside it)")
    parser.add_argument("--name", default=None, metavar="NAME",
                        help="whose key it is, written in KEY.pub and shown with what it signs "
                             "(e.g. the maintainer's e-mail address)")


def _migrate(parser: StrictParser) -> None:
    parser.add_argument("paths", nargs="+", type=given_path, metavar="PATH",
                        help="a run directory, a folder of runs, or one file")


def _status(parser: StrictParser) -> None:
    parser.add_argument("dirs", nargs="*", type=given_path, metavar="DIR",
                        help="a run directory (--out of 'merbench run'), or a folder of runs, "
                             f"up to {RESULTS_BELOW} levels below it (default: runs/, where "
                             "runs go without --out)")


def _show(parser: StrictParser) -> None:
    parser.add_argument("path", type=given_path, metavar="PATH",
                        help="a finished result of any kind (a run, --seeds, spotting, "
                             "action-unit or tuning folder, or its results file)")


def _board_list(parser: StrictParser) -> None:
    results_option(parser)
    benchmarks_option(parser)
    revalidate_option(parser)


def _board_build(parser: StrictParser) -> None:
    results_option(parser)
    parser.add_argument("--out", type=given_path, required=True, metavar="SITE",
                        help="where to write the site (replaced if merbench built it before and "
                             "it holds nothing else: a file put there since is refused)")
    benchmarks_option(parser, "a folder of benchmark definitions (*.json) to use instead of "
                              "the ones shipped with merbench")
    parser.add_argument("--strict", action="store_true",
                        help="for publishing: every result recomputed from its files (no "
                             "validation record is used, as with --revalidate), and exit "
                             "with status 2, writing nothing, if any result file was rejected")
    revalidate_option(parser)
    parser.add_argument("--trust", action="append", type=given_path, default=[], metavar="KEYS",
                        help="a file of public keys (lines as in KEY.pub; a KEY.pub itself) "
                             "whose signed audits count as audited (repeatable); without it "
                             "no audit is verified, and audits show as claimed")
    parser.add_argument("--require-audit", action="store_true",
                        help="publish only results whose audit a --trust key signed (and "
                             "which passed bit for bit); the others are left out, not shown "
                             "as the runs' own claims")


def _board_export(parser: StrictParser) -> None:
    parser.add_argument("benchmark", metavar="BENCHMARK",
                        help="a benchmark id (e.g. composite-3class-loso)")
    results_option(parser)
    parser.add_argument("--format", choices=("csv", "latex", "markdown"), default="csv")
    benchmarks_option(parser)
    parser.add_argument("--out", type=file_path_text, default=None, metavar="FILE",
                        help="write here instead of to standard output; a file that exists "
                             "is refused unless --force is given")
    force_option(parser, "--out FILE")
    revalidate_option(parser)


def _board_diff(parser: StrictParser) -> None:
    parser.add_argument("old", metavar="OLD", type=given_path_text,
                        help="the results before: a folder, or REV:PATH, a git revision's "
                             "folder (origin/main:leaderboards/results)")
    parser.add_argument("new", metavar="NEW", type=given_path_text,
                        help="the results after, given as OLD is")
    benchmarks_option(parser)
    revalidate_option(parser)


CACHE = CommandLine(
    "cache", "show or clear the feature cache",
    description="The feature cache is in $MERBENCH_CACHE_DIR, else ~/.cache/merbench.",
    commands=Commands("action", "ACTION", (
        CommandLine("info", "entries and size per feature"),
        CommandLine("clear", "delete the stores merbench wrote; refuse a folder holding "
                             "anything else", _clear),
    )))

VALIDATE = CommandLine(
    "validate", "check result files: schema, coverage, recomputed metrics", _validate,
    description="Check result files before publishing them: the schema (older versions are "
                "migrated), that the predictions cover the protocol's samples and folds, that "
                "every claimed selection policy is supported by the stored predictions, that "
                "every stored metric equals the one recomputed from them, and that run.json, "
                "the fold files, the official sample list and the timing confirm what "
                "results.json says it is.")

COMPARE = CommandLine(
    "compare", "intervals of runs and paired tests against the first", _compare,
    description="Read validated runs (run directories or --seeds folders) of one dataset and "
                "protocol and print each one's UF1 and UAR with a 95% interval over subjects, "
                "then every other run's difference from the first with its interval and a "
                "paired permutation p-value (Holm-corrected over the runs). Runs on other "
                "samples or folds are refused.")

KEYGEN = CommandLine(
    "keygen", "make a key to sign audits with", _keygen,
    description="Write a new Ed25519 private key to KEY (PEM, mode 0600, never overwritten) "
                "and its public key to KEY.pub (one line: ed25519, the key in base64, the "
                "name), and print its fingerprint. 'merbench audit --sign KEY' signs with it; "
                "'merbench leaderboard build --trust KEY.pub' counts what it signed.")

MIGRATE = CommandLine(
    "migrate", "rewrite older result files in the current layout", _migrate,
    description="Rewrite every results.json, seeds.json, run.json and fold file under the "
                "given folders that has an older schema_version, in the current layout "
                "(docs/results.md). Numbers are carried over unchanged; files already current "
                "are left alone. Every file is checked before any is rewritten, and a run's "
                "results.json records the new files' digests; audits in its audit.json, of "
                "the files as they were, count no longer (audit it again). Reading needs no "
                "migration: merbench reads older files as they are; this is for files you "
                "keep or publish.")

STATUS = CommandLine(
    "status", "how far runs have got: folds done, time per fold, time to go", _status,
    description="Read run directories (or every run under a folder, such as a --seeds folder "
                "or runs/) and say, for each run, how many folds are finished, whether a "
                "merbench process is running in it now, the median training time of a fold "
                "and the time left at that pace. Nothing is changed but the temporary files "
                "of killed merbench processes, which are removed.")

SHOW = CommandLine(
    "show", "print a finished result's text, as the command that made it printed it", _show,
    description="Print what the command that made a finished result printed as it finished: "
                "its scores and where its files are, read from its files, for a result of "
                "any kind (the folder or result file of 'merbench run', 'run --seeds', "
                "'spot', 'spot --recognise --seeds', 'tune' or 'tune --seeds'). A spotting "
                "run's folder shows its recognition too; its spotting.json or str.json, that "
                "part alone. Nothing is recomputed: 'merbench validate' checks a result. A "
                "path that holds no finished result is one line, exit status 2.")

LEADERBOARD = CommandLine(
    "leaderboard", "list the benchmarks, build their site, export a table",
    description="The benchmarks' leaderboard: 'list' them (their ids, and each one's "
                "validated runs), 'build' the static site of their pages, 'export' one "
                "benchmark's table for a paper.",
    commands=Commands("leaderboard_command", "COMMAND", (
        CommandLine(
            "list", "the benchmarks: id, title, dataset / protocol, runs", _board_list,
            description="List the benchmarks a site has a page for, most important first: "
                        "each one's id (for 'leaderboard export'), title, dataset and "
                        "protocol, and how many validated runs under the --results folders "
                        "belong to it."),
        CommandLine(
            "build", "render validated result files into a static HTML site", _board_build,
            description="Validate every results.json and seeds.json under the --results "
                        "folders and render an index, one page per benchmark and one page per "
                        "run into --out. Rejected files are listed with the reason instead of "
                        "shown. The site has no network assets: open SITE/index.html or copy "
                        "SITE to any static host. A result whose files are unchanged since an "
                        "accepted check is read back from its validation record in the cache, "
                        "not recomputed; --revalidate and --strict recompute every one, and "
                        "the index and the last line say which was done."),
        CommandLine(
            "export", "write a benchmark's table as CSV, LaTeX or Markdown", _board_export,
            description="Validate the result files under the --results folders as 'build' "
                        "does and write one benchmark's table, ranked rows then "
                        "test-set-selection rows, each score with its std over seeds and 95% "
                        "interval over subjects, to paste into a paper."),
        CommandLine(
            "diff", "the published rows two results folders differ in", _board_diff,
            description="Validate both folders as 'build' does and list every row the "
                        "site publishes that NEW adds, removes or moves against OLD, of every "
                        "kind (emotion benchmarks, AU pages, tuning searches, spotting and "
                        "spot-then-recognise runs), each with why (new runs, runs removed). "
                        "Exit status 1 when a score moved with the same runs "
                        "(run identities): a published score changes only with a new run. "
                        "For CI: merbench leaderboard diff origin/main:leaderboards/results "
                        "leaderboards/results"),
    )))
