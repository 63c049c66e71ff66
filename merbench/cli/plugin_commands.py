"""The commands that load plugins: what each takes, in the table of
:mod:`merbench.cli.parser`.

These are the commands that plan work on a model, dataset or feature (run, sweep, extract,
export, audit, convert-weights) or show what plugins provide (list). Most of their options
are a run's, generated from :mod:`merbench.runner.spec` by :mod:`merbench.cli.run_options`
(``add_run_options`` for a set of them, ``add_run_option`` for one with the command's own
default); the rest they share come from :mod:`merbench.cli.shared_options`. Only what is a
command's own is declared here, by hand.
"""

from __future__ import annotations

import argparse
import math
import re

from merbench.base.whole_numbers import number_value, whole_value
from merbench.cli.command_line import CommandLine
from merbench.cli.confirm import RUNS_WITHOUT_ASKING
from merbench.cli.given_once import reads_as
from merbench.cli.option_groups import (
    EXPORT_GROUPS,
    EXPORT_HELP,
    EXTRACT_GROUPS,
    EXTRACT_HELP,
    PLANNED_GROUPS,
)
from merbench.cli.run_options import add_run_option, add_run_options, key_value, run_option_flags
from merbench.cli.shared_options import (
    EachKeyOnce,
    EachTunedOnce,
    file_path_text,
    force_option,
    given_path,
    number_within,
    quiet_option,
    seeds_option,
    spotter_options,
    yes_option,
)
from merbench.cli.strict_parser import StrictParser
from merbench.runner.given_values import seed_option
from merbench.runner.spec import extract_options, sweep_command_options, sweep_plan_options

LIST_KINDS = ("datasets", "features", "models", "protocols", "long-videos", "spotters",
              "plugins")

def _run(parser: StrictParser) -> None:
    add_run_options(parser)  # every RunSpec field, kept only when given (see --resume)
    output = parser.add_argument_group("output")
    quiet_option(output)
    yes_option(output, f"start more than {RUNS_WITHOUT_ASKING} --seeds without asking")


def plan_keys(sweep: StrictParser) -> dict[str, str]:
    """``merbench run``'s options that a sweep takes from its plan, by their key there:
    ``merbench sweep plan.toml --epochs 3`` is told to write ``epochs = 3`` in the plan."""
    keys = {*sweep_plan_options(), "model", "dataset", "protocol"}
    found = {spelling: name for spelling, name in run_option_flags().items()
             if spelling.startswith("--") and name in keys
             and spelling not in sweep._option_string_actions}
    found.update({"--seed": "seeds", "--seeds": "seeds"})
    return found


def _sweep(parser: StrictParser) -> None:
    parser.add_argument("plan", type=given_path, metavar="PLAN.toml", help="the sweep plan")
    add_run_options(parser, only=sweep_command_options(), groups=PLANNED_GROUPS)
    quiet_option(parser)
    yes_option(parser, f"start a plan of more than {RUNS_WITHOUT_ASKING} runs without asking "
                       "(needed where no terminal can ask)")
    parser.in_plan = plan_keys(parser)


def _tune(parser: StrictParser) -> None:
    parser.add_argument("space", type=given_path, metavar="SPACE.toml",
                        help="the tuning file: model, dataset, outer protocol, [options], "
                             "[search] and [space] (docs/user-guide.md"
                             "#tuning-hyper-parameters-merbench-tune)")
    parser.add_argument("--out", "-o", type=given_path, required=True, metavar="DIR",
                        help="the tuning's folder: every trial is a run folder under it; the "
                             "same command again goes on where a killed one stopped")
    parser.add_argument("--score", choices=("nested", "test"), default="nested",
                        help="nested (default): each outer fold's trials scored on inner "
                             "folds of its training subjects, the best retrained and scored "
                             "once on the test subject; test: trials are whole runs scored on "
                             "the test subjects, as the field's released grids are (TEST-SET "
                             "SELECTION, only to measure what it is worth)")
    parser.add_argument("--timeout-s", type=number_within("--timeout-s", _time_problem),
                        default=None, metavar="S",
                        help="start no new round of trials after S seconds; what ran is "
                             "chosen from (default: run every trial)")
    seeds_option(parser, "tune the same search once per seed (the file's seed replaced; the "
                         "sampler keeps its own) into DIR/seed-N, and summarise them in "
                         "DIR/tune-seeds.json: mean ± std over seeds and the interval over "
                         "subjects of their mean")
    add_run_options(parser, only=sweep_command_options(), groups=PLANNED_GROUPS)
    quiet_option(parser)


def _extract(parser: StrictParser) -> None:
    # the run's own options for what extract shares with it, said as extract's
    add_run_options(parser, only=extract_options(), groups=EXTRACT_GROUPS, helps=EXTRACT_HELP)
    parser.add_argument("--save", type=file_path_text, default=None, metavar="FILE",
                        help="also write the values, with the feature's and dataset's "
                             "identity, to FILE (its name ending .npz) for 'merbench run "
                             "--features FILE' on another machine (any feature, per-sample "
                             "or not); a file that exists is refused unless --force is given")
    force_option(parser, "--save FILE")
    quiet_option(parser)


#: a whole number as a tuned value writes one, in ASCII digits as every number option reads
_DIGITS = re.compile(r"[+-]?[0-9]+")


def tuned_values(text: str) -> tuple[str, list[float]]:  # ints are floats to mypy
    """``NAME=V1,V2,...``: the values a spotting run tries for one tuned option."""
    name, sep, values = text.partition("=")
    items = values.split(",") if sep else []
    if sep and not values.strip():
        raise argparse.ArgumentTypeError("it gives no value; give NAME=V1,V2,...")
    if any(not item.strip() for item in items):  # "0.1,,0.2" meant a value, or a typo
        raise argparse.ArgumentTypeError("it has an empty value between commas; give "
                                         "NAME=V1,V2,... with one number between each")
    try:  # whole numbers stay whole: an option such as a grid size takes an int
        parsed = [int(v) if _DIGITS.fullmatch(v.strip()) else number_value(v) for v in items]
    except ValueError:
        parsed = []
    if not name.strip() or not parsed or not all(math.isfinite(v) for v in parsed):
        raise argparse.ArgumentTypeError("give NAME=V1,V2,... with finite numbers")
    twice = sorted({v for v in parsed if parsed.count(v) > 1})
    if twice:  # the same setting tried twice: a tie between a value and itself
        raise argparse.ArgumentTypeError(f"it lists {twice[0]:g} twice; give each value once")
    return name.strip().replace("-", "_"), parsed


def _spot(parser: StrictParser) -> None:
    what = parser.add_argument_group("what runs", "recorded in spot-run.json and spotting.json")
    spotter_options(what, key_value, default=None,
                    opt_help="an option of the spotter, the same for every setting tried "
                             "(repeatable)")
    what.add_argument("--dataset", "-d", required=True, metavar="NAME",
                      help="the long-video dataset (see 'merbench list long-videos'), e.g. "
                           "synthetic-long, samm-long")
    add_run_option(what, "dataset_options", default=None, default_text="none")
    what.add_argument("--tune", action=EachTunedOnce, type=tuned_values, default=[],
                      metavar="NAME=V1,V2,...",
                      help="the values tried for an option chosen on training subjects, in "
                           "tie-break order (repeatable; default: the spotter's own, "
                           "'merbench list spotters')")
    recognise = parser.add_argument_group(
        "spot-then-recognise", "with --recognise, str.json: the chosen intervals given emotions "
        "by a model trained on the other subjects' expressions")
    recognise.add_argument("--recognise", default=None, metavar="MODEL",
                           help="recognise the spotted intervals with this model (see "
                                "'merbench list models'), e.g. ststnet")
    recognise.add_argument("--recognise-feature", default=None, metavar="NAME",
                           help="the feature it reads from an interval's onset and apex frames "
                                "(default: the model's own, else one computing it from two "
                                "frames, e.g. tvl1-uvos)")
    add_run_option(recognise, "model_options", default=[], default_text="none")
    add_run_option(recognise, "epochs", default=None)
    add_run_option(recognise, "seed", default=None, default_text="0")
    seeds_option(recognise, "recognise the spotted intervals once per seed (e.g. 0,1,2) and "
                            "report each scope's STRS mean ± std with an interval over "
                            "subjects; the videos are spotted once, a folder seed-N per seed "
                            "under --out")
    add_run_option(recognise, "device", default="cpu",
                   default_text="cpu, not auto: the recogniser's numbers are then the same on "
                                "every machine")
    where = parser.add_argument_group("where")
    add_run_option(where, "data_root", default=None)
    where.add_argument("--out", "-o", type=given_path, required=True, metavar="DIR",
                       help="the spotting run's folder (an interrupted run goes on from it)")
    quiet_option(where)


def _time_problem(seconds: float) -> str | None:
    """What is wrong with ``--timeout-s SECONDS`` (None: nothing)."""
    fits = math.isfinite(seconds) and seconds > 0
    return None if fits else "is no time; give a number of seconds above 0"


def _frame_rate_problem(fps: float) -> str | None:
    """What is wrong with ``--fps FPS`` (None: nothing): the fastest micro-expression
    cameras record 200 fps; a typo of 1e9 would make every expression a fraction of a frame,
    one of 1e-300 each a whole video."""
    # deferred: numpy, through the frame sources, which building the parser never needs
    from merbench.spotting.frame_sources import MAX_FPS, MIN_FPS

    if MIN_FPS <= fps <= MAX_FPS:  # NaN fails it
        return None
    return (f"is no frame rate a face video has; give frames per second from {MIN_FPS} to "
            f"{MAX_FPS:,}")


def _predict(parser: StrictParser) -> None:
    what = parser.add_argument_group("the video", "a file or a folder of frames, or --dataset "
                                                  "with --video")
    what.add_argument("path", nargs="?", type=given_path, default=None, metavar="PATH",
                      help="a video file OpenCV decodes, or a folder of one image per frame")
    what.add_argument("--fps", type=number_within("--fps", _frame_rate_problem), default=None,
                      help="frames per second: needed for a folder of frames; a file gives "
                           "its own, which --fps replaces (said on stderr)")
    what.add_argument("--no-face-crop", action="store_true",
                      help="read whole frames instead of the aligned face of the first frame")
    what.add_argument("--dataset", "-d", default=None, metavar="NAME",
                      help="a long-video dataset instead of PATH (e.g. synthetic-long), "
                           "with --video")
    what.add_argument("--video", default=None, metavar="DATABASE/SUBJECT/NAME",
                      help="which of --dataset's videos")
    add_run_option(what, "dataset_options", default=None, default_text="none")
    how = parser.add_argument_group("spotting and recognition")
    spotter_options(how, key_value, default="flow-peak",
                    opt_help="an option of the spotter (repeatable)")
    how.add_argument("--from-run", type=given_path, default=None, metavar="RUN",
                     help="recognise with this finished run's recipe trained on every "
                          "subject of its dataset (without it: intervals only)")
    add_run_option(how, "data_root", default=None,
                   default_text="the run's own --data-root, then $MERBENCH_DATA_DIR")
    add_run_option(how, "device", default="cpu",
                   default_text="cpu, not auto: the recogniser's numbers are then the same on "
                                "every machine")
    out = parser.add_argument_group("output")
    out.add_argument("--out", "-o", type=given_path, required=True, metavar="DIR",
                     help="where predictions.json and the trained recogniser go (a later "
                          "predict from the same run reuses it)")
    quiet_option(out)


def _list(parser: StrictParser) -> None:
    parser.add_argument("kind", nargs="?", choices=LIST_KINDS, metavar="KIND",
                        help=f"one of {', '.join(LIST_KINDS)} (default: all)")


def _folds_read(text: str) -> int | str:
    """``--folds`` as audit reads it (:func:`merbench.cli.audit_command._count`): ``all`` in
    any case, a count in any spelling of a whole number (``1.0`` is 1), else the text as
    typed; so ``--folds 1 --folds 1.0`` is one value given twice, not two."""
    if text.strip().lower() == "all":
        return "all"
    count = whole_value(text)
    return text if count is None else count


def _audit(parser: StrictParser) -> None:
    parser.add_argument("run", type=given_path, metavar="RUN",
                        help="a finished run directory (emotions or action units), a --seeds "
                             "folder (each seed run audited), a spotting run's folder or a "
                             "tuning's")
    reads_as(parser.add_argument(
        "--folds", default=None, metavar="K",  # None: DEFAULT_FOLDS
        help="how many folds to train again, or 'all' (default: 3); of a spotting run, how "
             "many subjects to spot again; of a nested tuning, how many outer folds' chosen "
             "runs to train again"), _folds_read)
    parser.add_argument("--seed", type=seed_option("--seed"), default=None, metavar="N",
                        help="the seed that draws the folds (default: a fresh one, printed)")
    # the run's own settings; on CPU by default, where a run's numbers are bit-identical
    add_run_option(parser, "data_root", default=None,
                   default_text="the run's own --data-root, then $MERBENCH_DATA_DIR")
    add_run_option(parser, "device", default="cpu")
    add_run_option(parser, "workers", default=None)
    parser.add_argument("--sign", type=given_path, default=None, metavar="KEY",
                        help="sign the record with this private key ('merbench keygen'), "
                             "over the digests of every file of the run, so a leaderboard "
                             "built with --trust KEY.pub counts it")


def _export(parser: StrictParser) -> None:
    add_run_options(parser, only=extract_options(), groups=EXPORT_GROUPS, helps=EXPORT_HELP)
    parser.add_argument("--layout", choices=("composite", "htnet", "causalnet"), default=None,
                        help="the layout to write into --out")
    parser.add_argument("--compare", type=given_path, default=None, metavar="RELEASE_DIR",
                        help="a composite release folder to score merbench's flow images "
                             "against (per channel correlation and mean absolute difference)")
    parser.add_argument("--out", type=file_path_text, default=None, metavar="PATH",
                        help="the folder a layout is written to; with --compare, a JSON file "
                             "for the sample-by-sample comparison")
    force_option(parser, "an export of another layout, dataset or features in --out "
                         "(--layout), or a file at --out other than an earlier comparison "
                         "(--compare)")
    quiet_option(parser)


def _convert_weights(parser: StrictParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a registered model (e.g. mmnet)")
    parser.add_argument("source", type=given_path, metavar="SOURCE",
                        help="the authors' checkpoint, or a folder of them")
    parser.add_argument("--out", type=file_path_text, required=True, metavar="TARGET",
                        help="the converted file (not a folder) for a file, a folder for a "
                             "folder; a file that exists is refused unless --force is given")
    force_option(parser, "a converted file")
    # spelt as run's --model-opt, read by the conversion under its own name (model_opt)
    parser.add_argument("--model-opt", action=EachKeyOnce, type=key_value, default=[],
                        metavar="KEY=VALUE",
                        help="the model's configuration the weights were saved from "
                             "(repeatable)")


RUN = CommandLine(
    "run", "train and evaluate a model with a protocol", _run, plugins=True,
    description="Train and evaluate a model on a dataset with a protocol. Running the same "
                "command again resumes an interrupted run without retraining finished folds.")

SWEEP = CommandLine(
    "sweep", "run a plan of models x datasets x protocols x seeds", _sweep, plugins=True,
    description="Run every run of a TOML plan, each its own resumable run directory under the "
                "plan's out folder (the plan's layout: "
                "docs/user-guide.md#sweeps-many-runs-from-one-plan); runs that finished "
                "before are skipped. Locally the runs go one after another; with --executor "
                "ray all their folds are Ray tasks at once. Every name and option of the plan "
                "is checked before anything trains.")

TUNE = CommandLine(
    "tune", "search hyper-parameters without looking at the test subject", _tune,
    plugins=True,
    description="Search the options a tuning file names (Optuna's TPE, grid or random "
                "sampler, with pruning) and score the search honestly: for each outer fold, "
                "trials are scored on inner folds of its training subjects only, and the "
                "best configuration is retrained on all of them and scored once on the test "
                "subject. Writes tune.json (which 'merbench validate' recomputes) and every "
                "trial's run folder into --out; --executor ray runs each step's runs as Ray "
                "tasks, with the same result.")

EXTRACT = CommandLine(
    "extract", "compute a feature for a dataset into the cache", _extract, plugins=True,
    description="Compute a per-sample feature (e.g. tvl1-uvos) for every sample of a dataset, "
                "in parallel, into the feature cache ($MERBENCH_CACHE_DIR, else "
                "~/.cache/merbench). Samples already cached are read, not recomputed; an "
                "interrupted extraction keeps every finished sample.")

LIST = CommandLine("list", "show what plugins provide", _list, plugins=True)

SPOT = CommandLine(
    "spot", "find expressions in long videos and score them as MEGC does", _spot, plugins=True,
    description="Spot micro- and macro-expression intervals in every long video of a dataset "
                "with a spotter, once for each setting of the options it tunes; choose each "
                "left-out subject's setting on the other subjects' videos; score micro, macro "
                "and all as MEGC does (IoU >= 0.5, pooled), with subject-bootstrap intervals. "
                "Writes spotting.json (which 'merbench validate' recomputes) into --out; an "
                "interrupted run keeps every finished video.")

PREDICT = CommandLine(
    "predict", "spot and recognise expressions in a video of your own", _predict,
    plugins=True,
    description="Find micro- and macro-expression intervals in one video (a file, a folder "
                "of frames, or a long-video dataset's video) with a spotter, and, with "
                "--from-run, give each an emotion and its confidence from the run's recipe "
                "trained on every subject its protocol used (its scores estimate how that "
                "model does on a new person; a leakage control or a run of saved weights is "
                "refused). Prints a table and writes predictions.json into --out.")

AUDIT = CommandLine(
    "audit", "train some of a run's folds again and compare", _audit, plugins=True,
    description="Validate RUN, then train folds drawn at random from a printed seed again, "
                "from the run's recorded identity on your copy of the data, and compare every "
                "epoch's test predictions with the stored ones: bit-identical where merbench, "
                "device, versions and precision are the run's (CPU fp32); otherwise the first "
                "epoch's alike and at least 90% of all. The outcome is appended to "
                "RUN/audit.json; exit status 1 when a fold differs. A spotting run is spotted "
                "again subject by subject, a tuning's test-scored runs trained again (both "
                "printed, not recorded).")

EXPORT = CommandLine(
    "export", "write a dataset's preprocessed images in the layout the authors' code reads",
    _export, plugins=True,
    description="Compute a raw dataset's flow images (and apex faces, direction maps) as the "
                "features do, through the cache and --workers, and write them as the authors' "
                "releases lay them out (--layout composite: the MEGC2019 composite release; "
                "htnet: HTNet's per-subject u_train / u_test folders; causalnet: the folder "
                "CausalNet's main_train.py runs in), or score them against a release's own "
                "images (--compare RELEASE_DIR). An interrupted export keeps every finished "
                "sample. --out must be new, empty or an earlier export's: files that export "
                "wrote and this one does not are removed; an export of another layout, "
                "dataset or features is replaced only with --force.")

CONVERT_WEIGHTS = CommandLine(
    "convert-weights", "the authors' released weights of a model, in merbench's names",
    _convert_weights, plugins=True,
    description="Read the state dict(s) a model's authors released (a file, or a folder of "
                "<subject>.pth files, converted into the same layout), rename them to "
                "merbench's layer names by the model's documented mapping, check that every "
                "key and shape fits the model built with --model-opt, and write them to --out, "
                "for 'merbench run --weights'.")
