"""``merbench export``: a dataset's preprocessed images in the layout the authors' code reads
(``--layout``, :mod:`merbench.export.layouts`), or scored against a release (``--compare``,
:mod:`merbench.export.release_compare`).

The features are computed as ``merbench extract`` computes them: through the feature cache
(an interrupted export keeps every finished sample; the same command computes only the
rest), in ``--workers`` processes, with a progress bar. Files already written with the same
bytes are left alone. ``export-report.json`` in the target folder lists every sample written
and every sample left out, with why, the classes (label -> name) and every file written;
:mod:`merbench.export.folder` claims ``--out`` before anything is computed and removes what
an earlier export into it wrote that this one does not. That report and the JSON of
``--compare --out`` are records of :mod:`merbench.results.command_files`, so their layout is
written down in one place and checked where it is read.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from merbench.base.atomic import atomic_write_json
from merbench.base.errors import MerbenchError
from merbench.base.terminal import path_shown, say
from merbench.cli.out_places import (
    file_to_write,
    refuse_cache_in_out,
    refuse_file_out,
    refuse_idle_force,
    refuse_result_place,
)
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.progress import ProgressReporter
from merbench.cli.run_options import given_options
from merbench.data.dataset import refuse_one_class
from merbench.export import folder
from merbench.export.layouts import LAYOUTS, WRITERS
from merbench.export.release_compare import (
    CHANNELS,
    compare_with_release,
    release_flows,
    table_notes,
)
from merbench.features.extraction import extract_feature
from merbench.kinds.emotion_text import skipped_note
from merbench.plugin_system.manager import Plugins
from merbench.results.codec import from_json, to_json
from merbench.results.command_files import ExportReport, ReleaseFidelity
from merbench.results.model import SkippedSample
from merbench.results.out_folders import read_places, refuse_read_place
from merbench.results.user_files import read_user_json
from merbench.runner.data import open_dataset
from merbench.runner.plan import plan_extraction
from merbench.runner.spec import from_options

if TYPE_CHECKING:
    from merbench.data.dataset import Dataset

#: options the layouts set for a feature they read part of (the apex of the pair)
SET_FOR = {"onset-apex-224": {"jitter": 0}}
FLOW = "tvl1-uvos"


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    if args.layout is not None and args.compare is not None:
        raise MerbenchError("give --layout NAME (writing the layout) or --compare RELEASE_DIR "
                            "(comparing a release with it), not both")
    if args.layout is None and args.compare is None:
        raise MerbenchError("merbench export needs --layout NAME (with --out DIR) or "
                            "--compare RELEASE_DIR")
    if args.layout is not None and args.out is None:
        raise MerbenchError(f"--layout {args.layout} needs --out DIR, the folder to write")
    _out_given(args)
    if args.layout is not None:  # before planning, which writes plugins' options there
        refuse_cache_in_out(args.out, "--out", said_as="the output folder of 'merbench "
                            "export'", outside=str(args.out))  # it refuses what it did not write
    refuse_idle_force(args.force, "--out", args.out is not None)
    given = given_options(args)
    if "dataset" not in given:
        raise MerbenchError("merbench export needs --dataset (a raw database, e.g. megc2019; "
                            "see 'merbench list datasets')")
    flow = given.pop("feature", None)
    names = list(LAYOUTS[args.layout].features) if args.layout else [FLOW]
    if flow is not None:
        names[0] = flow
    plugins = load(args)
    if flow is not None:
        _check_same_shape(plugins, flow, LAYOUTS[args.layout].features[0] if args.layout
                          else FLOW)
    read = [*read_places(given).items(), ("--compare", args.compare)]
    if args.out is not None:
        # what it reads first, by the option naming it: a release is an export's folder,
        # which the place check would name as that alone
        refuse_read_place(Path(args.out), "--out", read)
        refuse_result_place(Path(args.out), "--out", what="folder" if args.layout else "file")
    earlier = folder.claim(args.out, (args.layout, args.dataset, names), args.force) \
        if args.layout else []
    if args.compare is not None:
        release_flows(args.compare)  # a folder that is no release: said before computing
        if args.out is not None and Path(args.out).is_dir():
            raise MerbenchError(f"--out {args.out} is a folder; with --compare, --out names "
                                "the JSON file for the sample-by-sample comparison")
        if args.out is not None:
            refuse_file_out(Path(args.out), "--out", what="the comparison",
                            example="fidelity.json", force=args.force, read=read,
                            earlier=_earlier_comparison)
    reporter = ProgressReporter(enabled=not args.quiet)
    values: dict[str, np.ndarray] = {}
    reports: dict[str, Any] = {}
    dataset = None
    try:
        for position, name in enumerate(names):
            options = dict(given)
            if position:  # the user's --feature-opt are the flow's
                options["feature_options"] = SET_FOR.get(name, {})
            spec, settings = from_options({"model": "", **options, "feature": name})
            inputs = plan_extraction(spec, settings, plugins)
            if dataset is None:
                dataset = open_dataset(inputs)
                if args.layout:
                    _check_classes(args.layout, args.dataset, dataset)
            extractor = inputs.feature.create("feature", **inputs.feature_options)
            got, extra = extract_feature(
                inputs.feature, extractor, dataset, dataset_name=args.dataset,
                workers=settings.workers,
                on_progress=partial(_progress, reporter, f"{name} on {args.dataset}"))
            values[name] = got
            reports[name] = extra.get("report", {})
    except KeyboardInterrupt:
        reporter.extraction_interrupted()
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    assert dataset is not None
    samples = dataset.samples.reset_index(drop=True)
    skipped = [SkippedSample(**entry) for entry in dataset.skipped_samples()]
    if skipped:
        say(skipped_note(args.dataset, skipped, f"the export holds the other {len(samples)}"))
    if args.compare is not None:
        return _compare(args, samples["sample_id"].astype(str).tolist(), values[names[0]])
    layout = LAYOUTS[args.layout]
    if flow is not None:  # the writer knows the flow under the layout's own feature name
        values[layout.features[0]] = values.pop(flow)
    files = WRITERS[layout.name](samples, values)
    report = ExportReport(
        layout=layout.name, dataset=args.dataset, features=names,
        classes={str(label): name for label, name in enumerate(dataset.classes)},
        samples=samples["sample_id"].astype(str).tolist(), skipped=skipped,
        feature_reports=reports, complete=False, written=[])  # the last two: folder.write's
    removed = folder.write(args.out, files, earlier, report)
    gone = f"; {len(removed)} file(s) of the earlier export removed" if removed else ""
    # the folder as one line, as every command names a path (pass 84m, M9: a newline in it
    # split this line in three)
    say(f"wrote the {layout.name} layout of {len(samples)} sample(s) to "
        f"{path_shown(args.out)} ({len(files)} files{gone}; {len(skipped)} sample(s) left "
        f"out, listed in {path_shown(args.out / folder.REPORT)})")
    if samples["subject"].astype(str).str.fullmatch(r"\d+").all():
        say("note: every subject is a number (SAMM's 006): pandas.read_csv, as the authors' "
            "scripts call it, reads the CSV's sub 006 as 6 and they then look for "
            "6_006_1_2 .png; export SAMM with another database, or read sub as text")
    for name, feature_report in reports.items():
        fallback = feature_report.get("n_face_fallback")
        if fallback:
            say(f"note: {name}: no face found in {fallback} sample(s); the whole frame was "
                "used (named in export-report.json)")
    return 0


def _out_given(args: argparse.Namespace) -> None:
    """``--out`` as the path it names: a folder for ``--layout``; with ``--compare``, a file,
    refused where it is written as a folder (``newdir/``)."""
    if args.out is not None:
        args.out = Path(args.out) if args.layout else file_to_write(args.out, "--out",
                                                                    "fidelity.json")


def _earlier_comparison(path: Path) -> bool:
    """Whether ``path`` holds the JSON of an earlier ``export --compare`` (written again
    without --force, as a repeat export writes its folder again); anything else there is
    replaced only with --force."""
    try:
        if not path.is_file():
            return False
        from_json(ReleaseFidelity, read_user_json(path, "the --out comparison"))
    except (OSError, ValueError, TypeError, MerbenchError):
        return False
    return True


def _check_classes(layout: str, dataset_name: str, dataset: Dataset) -> None:
    """A layout is a training set, refused before any computing for a dataset of one class
    (an unlabelled one, whose samples its readers would take as class 0), and, where its
    readers take fixed classes (the composite's 0 negative, 1 positive, 2 surprise), for a
    dataset whose labels mean others."""
    refuse_one_class(dataset, f"a training layout (--layout {layout})",
                     "; to compare its preprocessing with a release, give --compare "
                     "RELEASE_DIR instead of --layout")
    wanted = LAYOUTS[layout].classes
    if wanted is not None and tuple(dataset.classes) != wanted:
        raise MerbenchError(
            f"--layout {layout} labels {', '.join(f'{i} {c}' for i, c in enumerate(wanted))}, "
            f"but {dataset_name} has the classes {', '.join(dataset.classes)}; export its "
            "3-class set (--dataset-opt classes=3, where it has one) or use --layout htnet")


def _check_same_shape(plugins: Plugins, given: str, replaced: str) -> None:
    """``--feature`` stands in for the layout's flow only with the same per-sample shape."""
    features = plugins.registries.features
    ours, theirs = features.get(given).meta.shape, features.get(replaced).meta.shape
    if ours is None or tuple(ours) != tuple(theirs or ()):
        raise MerbenchError(f"--feature {given} gives {ours or 'a shape set by its options'} "
                            f"a sample, but this layout writes {replaced}'s "
                            f"{tuple(theirs or ())}; give a feature of that shape or leave "
                            "out --feature")


def _progress(reporter: ProgressReporter, label: str, done: int, total: int) -> None:
    reporter.extraction_progress(label, done, total)


def _compare(args: argparse.Namespace, sample_ids: list[str], flows: np.ndarray) -> int:
    comparison = compare_with_release(args.compare, sample_ids, flows)
    summary = comparison.summary()
    if not comparison.samples:
        raise MerbenchError(f"none of the {len(sample_ids)} sample(s) is in the release "
                            f"{args.compare}; give the release of the same database(s)")
    for note in table_notes(args.compare):
        say(note)
    say(f"merbench's {FLOW} against {args.compare}: {summary.compared} sample(s) in both"
        f" ({len(summary.not_in_release)} only in merbench's, "
        f"{comparison.only_in_release} only in the release's)")
    for name in CHANNELS:
        channel = summary.channels[name]
        corr = "—" if channel.correlation is None else f"{channel.correlation:.3f}"
        diff = "—" if channel.mean_abs_diff is None else f"{channel.mean_abs_diff:.1f}"
        say(f"  {name}: correlation {corr} (over {channel.correlated_samples} sample(s)), "
            f"mean absolute difference {diff} of 255")
    left_out = comparison.left_out()
    if left_out:
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        say(f"  left out of a correlation, an image constant in that channel: "
            f"{', '.join(left_out[:5])}{more}")
    if args.out is not None:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_json(Path(args.out), to_json(summary))
        say(f"the comparison, sample by sample: {path_shown(args.out)}")
    return 0
