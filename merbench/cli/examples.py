"""Examples at the end of each command's ``--help``: how the command is used, not only what
its options are. ``tests/test_cli_help.py`` parses every example with the real parser, so an
example that names a removed option fails the suite instead of misleading a user."""

from __future__ import annotations

import argparse
import shutil

from merbench.base.terminal import usable_columns

EXAMPLES: dict[str, tuple[str, ...]] = {
    "run": (
        "merbench run --model ststnet --dataset synthetic",
        "merbench run -m htnet -d composite --data-root DATA --seeds 0,1,2 -o htnet",
        "merbench run --resume htnet/seed-1 --device cuda",
    ),
    "spot": (
        "merbench spot --spotter flow-peak --dataset synthetic-long --out spots",
        "merbench spot --spotter flow-peak -d samm-long --data-root DATA \\\n"
        "      --tune p=0.1,0.2 --out samm-spots",
    ),
    "predict": (
        "merbench predict face.mp4 --from-run htnet/seed-0 --out face-predictions",
        "merbench predict frames/ --fps 200 --out frames-predictions",
        "merbench predict -d synthetic-long --video synthetic-long/sub01/v1 --out p",
    ),
    "sweep": (
        "merbench sweep plan.toml",
        "merbench sweep plan.toml --executor ray --device cuda --yes",
    ),
    "tune": (
        "merbench tune examples/tune-synthetic.toml --out tuned",
        "merbench tune ststnet.toml --data-root DATA --score test --out ststnet-test",
        "merbench tune ststnet.toml --data-root DATA --executor ray --out nested",
        "merbench tune examples/tune-synthetic.toml --seeds 0,1,2 --out tuned-seeds",
    ),
    "extract": (
        "merbench extract -d composite -f tvl1-uvos --data-root DATA --workers 2",
        "merbench extract -d composite -f htnet-regions --feature-opt crop=corrected \\\n"
        "      --data-root DATA --save regions-corrected.npz",
    ),
    "list": ("merbench list", "merbench list models"),
    "cache": ("merbench cache info", "merbench cache clear --feature tvl1-uvos"),
    "validate": ("merbench validate htnet/seed-0/results.json",
                 "merbench validate htnet/seeds.json",
                 "merbench validate leaderboards/results"),
    "compare": ("merbench compare runs/htnet-composite-loso \\\n"
                "      runs/ststnet-composite-loso-seed0-1a2b3c4d",
                "merbench compare runs/htnet-composite-loso runs/other-htnet --json"),
    "audit": ("merbench audit runs/ststnet-composite-loso-seed0-1a2b3c4d",
              "merbench audit htnet/seed-0 --folds all --device cuda --sign my.key"),
    "keygen": ("merbench keygen --out my.key --name 'Jane Doe, Example Lab'",),
    "export": ("merbench export -d megc2019 --skip-missing --data-root RAW \\\n"
               "      --layout composite --out DIR",
               "merbench export -d megc2019 --skip-missing --data-root RAW \\\n"
               "      --compare composite/"),
    "convert-weights": ("merbench convert-weights mmnet MMNet_CASME2.pth --out mmnet.pth",
                        "merbench convert-weights ststnet STSTNet_Weights/ --out ststnet-weights/"),
    "migrate": ("merbench migrate runs/",),
    "show": ("merbench show runs/htnet-composite-loso-seed0-1a2b3c4d",
             "merbench show leaderboards/results/rcn-composite-loso",
             "merbench show tunings/NAME/tune.json"),
    "status": ("merbench status", "merbench status runs/htnet-composite-loso-seed0-1a2b3c4d",
               "merbench status tunings/NAME"),
    "leaderboard export": (
        "merbench leaderboard export composite-3class-loso --results runs/",
        "merbench leaderboard export composite-3class-loso --results runs/ \\\n"
        "      --format latex --out table.tex",
    ),
    "leaderboard list": ("merbench leaderboard list",
                         "merbench leaderboard list --results runs/"),
    "leaderboard build": (
        "merbench leaderboard build --results leaderboards/results --out site",
        "merbench leaderboard build --results leaderboards/results --out site \\\n"
        "      --strict --trust keys.pub",
    ),
    "leaderboard diff": (
        "merbench leaderboard diff old-results/ leaderboards/results",
        "merbench leaderboard diff origin/main:leaderboards/results \\\n"
        "      leaderboards/results",
    ),
}


def epilog(command: str) -> str:
    """The ``examples:`` block of ``command``'s help."""
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES[command])


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, with an ``examples:`` block kept line for line (the
    description is still wrapped to the terminal's width), and a width too narrow to read
    (``COLUMNS=1`` wrapped the help one word a line) taken as the default, as every
    table's is (:func:`merbench.base.terminal.usable_columns`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:  # argparse's own rule, less the two columns it leaves free
            width = usable_columns(shutil.get_terminal_size().columns) - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:\n"):
            return "".join(indent + line + "\n" for line in text.splitlines())
        return super()._fill_text(text, width, indent)
