"""The help's groups and texts for commands that share ``merbench run``'s options but mean
something else by them: ``extract`` and ``export`` record no run (no run.json, no
``--resume``), and a sweep or a tuning goes on by the same command again. Each said run's
words ("recorded in run.json ... never changed by --resume") where none applied (pass 84r,
R1); ``run``'s own groups are :data:`merbench.cli.run_options.GROUPS`.
"""

from __future__ import annotations

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


# merbench extract shares the run's options for what it computes, but records no run
EXTRACT_GROUPS = {
    True: ("what is extracted", "the samples and the feature computed from them; recorded "
                                "with the values in the cache (and in --save FILE)"),
    False: ("where and how fast", "never the values"),
}
EXTRACT_HELP = {
    "feature": "the feature to compute for every sample (see 'merbench list features'), "
               "e.g. tvl1-uvos; required",
    "skip_missing": "leave out samples whose frames or annotations are unusable (datasets "
                    "that read raw files); extract names them as it ends",
}
# a sweep or a tuning goes on by the same command again: no --resume to mark options for
PLANNED_GROUPS = {
    True: ("what runs", "every run's identity: recorded in its run.json"),
    False: ("where and how fast", "never the numbers; the same for every run"),
}
