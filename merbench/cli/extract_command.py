"""``merbench extract``: a feature computed for every sample of a dataset into the cache,
and with ``--save FILE`` into a file that ``merbench run --features FILE`` trains on (a file
already there only with ``--force``, as for every file merbench writes where the user says).

The options are ``merbench run``'s own, planned by the run's planning
(:func:`~merbench.runner.plan.plan_extraction`), so the two commands accept the same options,
say the same things about them, and a saved file serves the run as it is.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace

from merbench.base.errors import MerbenchError
from merbench.base.literal import pasted_command
from merbench.base.terminal import say
from merbench.cli.out_places import (
    file_to_write,
    refuse_idle_force,
    refuse_replacing,
    refuse_result_place,
)
from merbench.cli.parser import EXIT_INTERRUPTED
from merbench.cli.progress import ProgressReporter
from merbench.cli.render import print_extraction
from merbench.cli.run_options import given_options
from merbench.features import SampleExtractor
from merbench.features.extraction import extract_feature
from merbench.features.saved_file import check_target, save_features
from merbench.kinds.emotion_text import skipped_note
from merbench.plugin_system.manager import Plugins, plugin_versions
from merbench.results.model import SkippedSample
from merbench.results.out_folders import read_places, refuse_read_place
from merbench.runner.checks import check_values
from merbench.runner.data import canonical_options, open_dataset
from merbench.runner.identity import dataset_identity, feature_identity
from merbench.runner.plan import plan_extraction
from merbench.runner.spec import flag, from_options


def main(args: argparse.Namespace, load: Callable[..., Plugins]) -> int:
    refuse_idle_force(args.force, "--save", args.save is not None)
    given = given_options(args)
    missing = [flag(k) for k in ("dataset", "feature") if k not in given]
    if missing:
        raise MerbenchError(f"merbench extract needs {' and '.join(missing)} "
                            "(see 'merbench list')")
    # a run's spec with no model: its inputs alone; impossible values are refused before
    # any file is looked at, as 'merbench run' refuses them
    spec, settings = from_options({"model": "", **given})
    check_values(spec, settings)
    if args.save is not None:  # before anything is computed, as export checks its --out
        args.save = file_to_write(args.save, "--save", "features.npz")
        # a result's folder first: "is a directory; name a file such as r/features.npz"
        # sent the user into it, and a file written there makes the result rejected
        refuse_result_place(args.save, "--save", what="file", link_ok=True,
                            example="features.npz")
        # the coding sheet it reads (pass 84o, O2: export --compare wrote over it), named as
        # what it is before the name a features file needs
        refuse_read_place(args.save, "--save", read_places(given).items())
        check_target(args.save)
        refuse_replacing(args.save, "--save", args.force)
    plugins = load(args)
    inputs = plan_extraction(spec, settings, plugins)
    dataset_entry, feature_entry = inputs.dataset, inputs.feature
    feature_options = inputs.feature_options
    extractor = feature_entry.create("feature", **feature_options)
    if not isinstance(extractor, SampleExtractor) and args.save is None:
        # no "(it reads what the dataset already gives)": the landmarks feature on the
        # composite has dlib detect every crop's points, which the dataset caches
        raise MerbenchError(f"feature '{args.feature}' is computed for a whole dataset at once "
                            "and has no cache entries of its own for 'merbench extract' to "
                            "fill; add --save FILE to keep its values for 'merbench run "
                            "--features FILE', or let 'merbench run' compute it")
    dataset = open_dataset(inputs)
    # the saved file's dataset options as the run it feeds records them
    inputs = replace(inputs, dataset_options=canonical_options(
        dataset_entry, inputs.dataset_options, dataset))
    reporter = ProgressReporter(enabled=not args.quiet)
    label = f"{args.feature} on {args.dataset}"
    try:
        values, extra = extract_feature(
            feature_entry, extractor, dataset, dataset_name=args.dataset,
            workers=settings.workers, dataset_entry=dataset_entry,
            on_progress=lambda done, total: reporter.extraction_progress(label, done, total))
    except KeyboardInterrupt:
        reporter.extraction_interrupted()
        return EXIT_INTERRUPTED
    finally:
        reporter.stop()
    print_extraction(args.feature, args.dataset, extra.get("report", {}),
                     extra.get("summary", ""))
    skipped = [SkippedSample(**entry) for entry in dataset.skipped_samples()]
    if skipped:
        say(skipped_note(args.dataset, skipped,
                           f"the feature covers the remaining {len(dataset.samples)}"))
    if args.save is not None:
        saved = save_features(
            args.save, values, dataset.samples["sample_id"].astype(str).tolist(),
            feature=feature_identity(feature_entry.meta, feature_options).to_dict(),
            dataset=dataset_identity(dataset_entry.meta, inputs.dataset_options,
                                     dataset).to_dict(),
            report=extra.get("report"), summary=extra.get("summary", ""),
            plugin_versions=plugin_versions(plugins))
        # one line, as every command's stdout names a path: a newline in the name split it
        say(f"saved {len(values)} x {'x'.join(map(str, values.shape[1:]))} {values.dtype} "
            f"to {saved}; train on it with "
            f"{pasted_command('merbench run ... --features {}', saved)}",
            one_line=True)
    return 0
