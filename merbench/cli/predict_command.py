"""``merbench predict``: spot and recognise expressions in one video
(:mod:`merbench.runner.predict`); a table on the terminal, ``predictions.json`` in ``--out``."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import shlex
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.base.literal import counted, indefinite, literal
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import refuse_cache_in_out, refuse_result_place
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE
from merbench.cli.predict_out import other_predictions, refuse_other_run
from merbench.cli.progress import PLAIN_EVERY_S
from merbench.kinds import kind_of, started_kind
from merbench.kinds.emotion import EmotionRunKind
from merbench.kinds.emotion_text import lone_scopes
from merbench.kinds.score_cells import with_interval
from merbench.leaderboard.collect import reduced_setting
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import to_json
from merbench.results.command_outputs import command_output_named, command_output_said
from merbench.results.model import Results
from merbench.results.out_folders import own_folder_problem, refuse_read_place
from merbench.results.prediction_file import (
    PREDICTIONS_FILE,
    RECORD_FILE,
    PredictedRecogniser,
    Predictions,
)
from merbench.results.run_files import ResultRejected
from merbench.results.safe_files import entry_kind
from merbench.runner.final_model import WEIGHTS_FILE
from merbench.runner.predict import USER_VIDEO, PredictSpec, predict
from merbench.runner.status import run_status
from merbench.scores.interval_records import no_interval
from merbench.verification.validate import validate_run


def _spec(args: argparse.Namespace) -> PredictSpec | str:
    """The spec the command line asks for, or the one-line reason it is wrong."""
    options = dict(args.dataset_options or [])
    if args.path is None and args.dataset is None:
        return ("give a video: PATH (a file or a folder of frames), or --dataset NAME with "
                "--video KEY" if args.video is not None else
                "give a video (PATH: a file or a folder of frames) or --dataset NAME")
    if args.path is not None and args.dataset is not None:
        return "give a video (PATH: a file or a folder of frames) or --dataset NAME, not both"
    refused = _out_problem(args.out)
    if refused:
        return refused
    read = [("PATH", args.path), ("--data-root", args.data_root)]
    try:  # the user's own video: predict wrote its folder into a folder of frames it read
        refuse_read_place(args.out, "--out", read)
    except MerbenchError as exc:
        return str(exc)
    if args.from_run is None and args.device != "cpu":
        return ("--device is for the recogniser of --from-run RUN, which is not given; add "
                "--from-run RUN or leave --device out")
    if args.path is not None:
        other = _not_a_video(Path(args.path))
        if other:
            return other
        if args.video is not None:
            return "--video picks one of --dataset's videos; with PATH leave it out"
        if args.data_root is not None and args.from_run is None:
            # nothing reads it: PATH is read as it is (pass 84n, N7: even a missing folder
            # was taken without a word, while --from-run and --dataset refuse what they
            # cannot read)
            return ("--data-root locates the files of --dataset NAME or of the run of "
                    "--from-run RUN, and PATH is read as it is; leave --data-root out")
        beside = _options_beside_path(options)
        if beside:
            return beside
        options["path"] = str(args.path)
        if args.fps is not None:
            options["fps"] = args.fps
        if args.no_face_crop:
            options["face_crop"] = False
        return PredictSpec(options, args.spotter, dict(args.spotter_opt), run=args.from_run,
                           data_root=args.data_root, device=args.device)
    if args.fps is not None or args.no_face_crop:
        return "--fps and --no-face-crop are for PATH; give a dataset's options as --dataset-opt"
    if args.dataset == USER_VIDEO and "path" not in options:
        return (f"--dataset {USER_VIDEO} is the dataset predict makes of PATH; give the video "
                "file or the folder of its frames as PATH: merbench predict PATH --out DIR")
    return PredictSpec(options, args.spotter, dict(args.spotter_opt), dataset=args.dataset,
                       video=args.video, run=args.from_run, data_root=args.data_root,
                       device=args.device)


def _not_a_video(path: Path) -> str | None:
    """Why ``path`` is no video where merbench wrote it (None: it is none of merbench's):
    a run's folder, export's or predict's was said to hold "no numbered frame image"
    (pass 84v, V9), where every other command names what it is."""
    named = command_output_named(path)
    kind = kind_of(path) if named is None and path.is_dir() else None
    what = named or (f"the folder of {indefinite(kind.name)}, a merbench result"
                     if kind is not None else None)
    return None if what is None else (f"{path} is {what}, not a video; give a video file or "
                                      "a folder of its frames (img001.jpg, ...)")


#: how PATH is given each option of the dataset predict makes of it
_PATH_FLAGS = {"fps": "give its frame rate as --fps", "face_crop": "read its frames whole with "
               "--no-face-crop"}


def _options_beside_path(options: dict[str, object]) -> str | None:
    """Why ``--dataset-opt`` is given with PATH (None: it is not). PATH has flags of its own
    (--fps, --no-face-crop); a --dataset-opt beside it was taken unsaid, and a refusal of a
    too-small frame named --dataset-opt face_crop=false where --no-face-crop is predict's
    switch (pass 84w, W11); ``path=`` beside PATH was dropped unsaid while PATH was read. The
    option is named by its key: ``key=`` read as an option given with no value (pass 84x,
    X14)."""
    if "path" in options:
        return (f"--dataset-opt path={options['path']} names a video beside PATH, which is the "
                "video; give one of them")
    for key in options:
        fix = _PATH_FLAGS.get(key, "leave it out (PATH's own options are --fps and "
                                   "--no-face-crop)")
        return (f"--dataset-opt {key} is an option of --dataset NAME, which is not given; "
                f"for PATH {fix}")
    return None


PREDICT_ENTRIES = {PREDICTIONS_FILE, WEIGHTS_FILE, RECORD_FILE}
#: each of predict's files, as a refusal of what stands in its place says it
_WRITES = {PREDICTIONS_FILE: "its predictions", WEIGHTS_FILE: "the recogniser's weights",
           RECORD_FILE: "the recogniser's record"}


def _out_problem(out: Path) -> str | None:
    try:
        refuse_cache_in_out(out, "--out", said_as="the output folder of 'merbench predict'",
                            outside=str(out))  # it refuses entries it did not write
        refuse_result_place(out, "--out")
    except MerbenchError as exc:
        return str(exc)
    problem = own_folder_problem(out, PREDICT_ENTRIES, "predict does not write",
                                 "predictions/NAME")
    if problem is None and out.is_dir():
        # said before anything is read or trained: a folder named recogniser.pt was found
        # only when the weights were saved, as predict's own recogniser.pt.partial, after
        # recogniser.json had been deleted (pass 84l, N12)
        for name in sorted(PREDICT_ENTRIES):
            path = out / name
            if os.path.lexists(path) and not stat.S_ISREG(os.lstat(path).st_mode):
                return (f"{path} is {entry_kind(path)}, where predict writes {_WRITES[name]}; "
                        "move it away, or give another --out")
    return problem


def _written_stamp(path: Path) -> tuple[int, int] | None:
    """Which file is at ``path`` and when it was written (None: none is), to tell after a
    stop whether this call wrote it."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns)


def _stopped(out: Path, weights_before: tuple[int, int] | None) -> str:
    """What a stopped predict kept: the recogniser it trained and saved before the stop (it
    said "nothing was written" over them, pass 84l, N12), or nothing."""
    weights = out / WEIGHTS_FILE
    stamp = _written_stamp(weights)
    if stamp is None or stamp == weights_before or not (out / RECORD_FILE).is_file():
        return "nothing was written"
    return (f"no predictions were written, but the recogniser it trained is kept in "
            f"{path_shown(weights)}; run the same command to go on (it loads the recogniser "
            "instead of training it again)")


def _run_folder(given: Path) -> Path:
    """The run folder ``--from-run`` names (its ``results.json`` names it too); an action-unit
    run is refused by what it is, not for the results.json it does not have."""
    folder = given.parent if given.name == "results.json" and given.is_file() else given
    if not os.path.lexists(folder):
        raise MerbenchError(f"--from-run {given}: no such file or folder; give a finished "
                            "emotion run's folder")
    kind, wanted = kind_of(folder), EmotionRunKind.name  # each kind says what it is
    predicted = command_output_said(given) if kind is None else None
    if predicted:  # was a results file "whose version was edited" (pass 84u, U1)
        raise MerbenchError(f"--from-run {given} {predicted}")
    if kind is not None and kind.name != wanted:
        of_runs = kind.over_seeds is not None and kind.over_seeds.runs.name == wanted
        seeds = "one of its seed runs, " if of_runs else ""
        raise MerbenchError(f"--from-run {given} is {indefinite(kind.name)}; predict recognises "
                            f"emotions with a run's recipe: give {seeds}a finished emotion "
                            "run")
    started = started_kind(folder) if kind is None and folder.is_dir() else None
    if started is not None and started.name == wanted:  # "no results.json here" said less
        raise MerbenchError(f"--from-run {given} is {indefinite(wanted)} not finished yet "
                            f"({_progress(folder)}); finish it with 'merbench run --resume "
                            f"{shlex.quote(str(given))}', then predict from it")
    return folder


def _progress(folder: Path) -> str:
    """How far an unfinished run has got: ``2/3 folds``, as ``merbench status`` says it."""
    try:
        status = run_status(folder)
    except MerbenchError:  # its run.json cannot say: the resumed run will say why
        return "no results.json yet"
    if status.n_folds is None:
        return f"{counted(status.finished, 'fold')} finished"
    return f"{status.finished}/{status.n_folds} folds"


def _generated(results: Results, plugins: Plugins) -> bool:
    """Whether the run's dataset is one merbench's plugins generate (not installed here:
    not known, so not said)."""
    datasets = plugins.registries.datasets
    name = results.dataset.name
    return name in datasets and bool(getattr(datasets.get(name).meta, "generated", False))


def trust(results: Results, recogniser: PredictedRecogniser,
          generated: bool = False) -> list[str]:
    """How far to trust the emotions: the run's own estimate (what its help promises), named
    by its protocol (a subject split's or lodo's score is no leave-one-subject-out one),
    whether the run is a reduced setting, and whether this video's input is the one the
    recogniser trained on (a release's flow images against merbench's TV-L1 from the video
    correlated .67 / .49 / .20 per channel where measured: the estimate does not carry)."""
    overall = results.metrics.overall
    spread = results.intervals.overall if results.intervals is not None else None
    # one test subject (a database): the recorded interval is a point, not an interval
    lone = lone_scopes(Path(recogniser.run) / results.predictions_file).get("overall")
    if lone:
        spread = None
    lines = [f"  its estimate ({results.protocol.name} on {results.dataset.name}, "
             f"selection {results.selection.policy}): UF1 "
             f"{with_interval(overall.uf1, spread.uf1 if spread else None)}, UAR "
             f"{with_interval(overall.uar, spread.uar if spread else None)}"
             + (f" ({no_interval(lone)})" if lone else "")]
    if generated:  # first: it outweighs every other line
        lines.insert(0, f"  trained on {results.dataset.name}, which is generated (no recorded "
                        "face in it): a recogniser trained on it checks the pipeline and "
                        "tells nothing about a real face; train the run on a real database "
                        "for that")
    reduced = reduced_setting(results)  # the words and the rule of every page
    if reduced:  # the run's option values are its file's text: a newline in one escaped
        lines.append(f"  a REDUCED setting ({literal(reduced, one_line=True)}): not the "
                     "published model")
    if recogniser.feature != recogniser.trained_feature:
        lines.append(f"  trained on {recogniser.trained_feature} but reads {recogniser.feature}"
                     " computed from this video: the estimate above was measured on "
                     f"{recogniser.trained_feature} and need not hold for these inputs")
    return lines


def _trained_on(recogniser: PredictedRecogniser) -> str:
    """Whose samples trained the recogniser: every subject of the run's dataset, or those
    of them its protocol used (``loso-samm`` on the composite), said so that a reader does
    not take it for the whole dataset."""
    r = recogniser
    if r.n_subjects == r.n_dataset_subjects:
        return f"all {r.n_subjects} subjects"
    return (f"{r.n_subjects} of its dataset's {r.n_dataset_subjects} subjects, those its "
            f"protocol {r.protocol} used")


def table(found: Predictions, results: Results | None = None,
          generated: bool = False) -> list[str]:
    """The intervals, one line each, then where the recogniser came from and, with the
    run's ``results``, how far to trust it (``generated``: the run's dataset is made by
    code, :attr:`merbench.meta.DatasetMeta.generated`)."""
    video = found.video
    lines = [f"{video.name}: frames {video.first_frame}..{video.last_frame} at {video.fps:g} "
             f"fps, {len(found.intervals)} interval(s) found by {found.spotter.name}"]
    if found.intervals:
        lines.append(f"  {'frames':>15}  {'seconds':>17}  {'type':<5}  "
                     f"{'emotion':<10}  confidence")
    for i in found.intervals:
        emotion = i.emotion if i.emotion is not None else "-"
        confidence = f"{i.confidence:.2f}" if i.confidence is not None else "-"
        lines.append(f"  {i.onset:>7}-{i.offset:<7}  {i.onset_s:>8.3f}-{i.offset_s:<8.3f}  "
                     f"{i.kind:<5}  {emotion:<10}  {confidence}")
    if results is not None and not found.intervals:  # said, not "recognised by"
        lines.append("no interval to recognise, so no recogniser was trained")
    if found.recogniser is not None:
        r = found.recogniser
        lines.append(f"recognised by {r.model} trained on {_trained_on(r)} "
                     f"({counted(r.n_train, 'sample')}, {counted(r.epochs, 'epoch')}) with the "
                     f"recipe of {r.run}, "
                     f"reading {r.feature} of each interval's first and middle frames")
        if results is not None:
            lines += trust(results, r, generated)
    return lines


class PlainProgress:
    """Predict's progress as plain lines on stderr, by ``merbench run``'s rule for a log: each
    stage's first and last report always, the others at most one per :data:`PLAIN_EVERY_S`
    (a recogniser of the 800-epoch recipe printed 800 lines, one per epoch)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._said: dict[str, float] = {}  # when each stage's last line was written

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        said = self._said.get(stage)
        if said is not None and done < total and now - said < PLAIN_EVERY_S:
            return
        self._said[stage] = now
        what = "epochs of the recogniser" if stage == "training" else "frames read"
        say(f"{what}: {done}/{total}", file=sys.stderr, flush=True)


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    spec = _spec(args)
    if isinstance(spec, str):
        say(f"merbench: error: {spec}", file=sys.stderr)
        return EXIT_USAGE

    progress = PlainProgress(quiet=args.quiet)
    # loaded once, where first needed: to read earlier predictions' options, or to predict
    plugins_of = functools.cache(lambda: load(args))
    spotter = spec.spotter
    try:
        other = other_predictions(args.out, spec,
                                  lambda: plugins_of().registries.spotters.get(spotter))
    except MerbenchError as exc:
        other = str(exc)
    if other is not None:
        say(f"merbench: error: {other}", file=sys.stderr)
        return EXIT_USAGE
    results = None
    weights_before = _written_stamp(args.out / WEIGHTS_FILE)
    try:
        if spec.run is not None:
            spec = dataclasses.replace(spec, run=_run_folder(spec.run))
            assert spec.run is not None
        refuse_other_run(args.out, spec.run)  # before the run is validated or trained
        if spec.run is not None:
            results = validate_run(spec.run).results  # a rejected run is not worth training
        plugins = plugins_of()
        found = predict(spec, plugins, args.out, progress)
        path = args.out / PREDICTIONS_FILE
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, to_json(found))
    except KeyboardInterrupt:
        say(f"merbench: interrupted — {_stopped(args.out, weights_before)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ResultRejected as exc:
        say(f"merbench: error: --from-run {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in table(found, results, results is not None and _generated(results, plugins)):
        say(line)
    say(f"predictions: {path_shown(path)}")
    return 0
