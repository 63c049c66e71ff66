"""``merbench predict``: spot and recognise expressions in one video
(:mod:`merbench.runner.predict`); a table on the terminal, ``predictions.json`` in ``--out``."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

from merbench.atomic import atomic_write_json
from merbench.cli.literal import say
from merbench.cli.parser import EXIT_INTERRUPTED, EXIT_USAGE
from merbench.errors import MerbenchError
from merbench.plugins import Plugins
from merbench.results.codec import to_json
from merbench.results.prediction_file import PREDICTIONS_FILE, Predictions
from merbench.results.run_files import ResultRejected
from merbench.runner.predict import PredictSpec, predict
from merbench.verification.validate import validate_run

MAX_FPS = 10_000


def _spec(args: argparse.Namespace) -> PredictSpec | str:
    """The spec the command line asks for, or the one-line reason it is wrong."""
    options = dict(args.dataset_options or [])
    if args.path is None and args.dataset is None:
        return ("give a video: PATH (a file or a folder of frames), or --dataset NAME with "
                "--video KEY" if args.video is not None else
                "give a video (PATH: a file or a folder of frames) or --dataset NAME")
    if args.path is not None and args.dataset is not None:
        return "give a video (PATH: a file or a folder of frames) or --dataset NAME, not both"
    if args.fps is not None and not (math.isfinite(args.fps) and 0 < args.fps <= MAX_FPS):
        # the fastest micro-expression cameras record 200 fps; a typo of 1e9 would make
        # every expression a fraction of a frame
        return (f"--fps {args.fps:g} is no frame rate a face video has; give frames per "
                f"second above 0 and at most {MAX_FPS:,}")
    if args.path is not None:
        if args.video is not None:
            return "--video picks one of --dataset's videos; with PATH leave it out"
        options["path"] = str(args.path)
        if args.fps is not None:
            options["fps"] = args.fps
        if args.no_face_crop:
            options["face_crop"] = False
        return PredictSpec(options, args.spotter, dict(args.spotter_opt), run=args.from_run,
                           data_root=args.data_root, device=args.device)
    if args.fps is not None or args.no_face_crop:
        return "--fps and --no-face-crop are for PATH; give a dataset's options as --dataset-opt"
    return PredictSpec(options, args.spotter, dict(args.spotter_opt), dataset=args.dataset,
                       video=args.video, run=args.from_run, data_root=args.data_root,
                       device=args.device)


def table(found: Predictions) -> list[str]:
    """The intervals, one line each, then where the recogniser came from."""
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
    if found.recogniser is not None:
        r = found.recogniser
        lines.append(f"recognised by {r.model} trained on all {r.n_subjects} subjects "
                     f"({r.n_train} samples, {r.epochs} epochs) with the recipe of {r.run}, "
                     f"reading {r.feature} of each interval's first and middle frames")
    return lines


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    spec = _spec(args)
    if isinstance(spec, str):
        say(f"merbench: error: {spec}", file=sys.stderr)
        return EXIT_USAGE

    def progress(stage: str, done: int, total: int) -> None:
        if not args.quiet:
            what = "epochs of the recogniser" if stage == "training" else "frames read"
            say(f"{what}: {done}/{total}", file=sys.stderr, flush=True)

    try:
        if spec.run is not None:
            validate_run(spec.run)  # a rejected run is not worth training from
        found = predict(spec, load(args), args.out, progress)
        path = args.out / PREDICTIONS_FILE
        args.out.mkdir(parents=True, exist_ok=True)
        atomic_write_json(path, to_json(found))
    except KeyboardInterrupt:
        say("merbench: interrupted — nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ResultRejected as exc:
        say(f"merbench: error: --from-run {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MerbenchError as exc:
        say(f"merbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for line in table(found):
        say(line)
    say(f"predictions: {path}")
    return 0
