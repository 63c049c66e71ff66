"""The checks of ``synthetic``'s options, apart from the generator that makes its samples.

They are the dataset's ``option_check`` as well as its factory's first lines: planning asks
the registry's check, so a sweep plan's later entry with ``subjects = -3`` is refused with
the plan's other mistakes, before its first entry trains, where the factory alone said so
only when that entry's run opened the dataset (pass 84ad, AD2). This module imports no
numpy or pandas, as planning (and ``leaderboard list``, reading a definition) must not.
"""

from __future__ import annotations

from typing import Any

#: the most samples the generator makes (each is two 64 x 64 images and its flow: 10,000
#: are some hundreds of megabytes; the composite has 442)
MAX_SAMPLES = 10_000
#: the generator's defaults, which a run leaves out of the options it records
DEFAULTS = {"subjects": 6, "samples_per_subject": 10, "databases": 3, "seed": 0}


def synthetic_fault(subjects: int, samples_per_subject: int, databases: int,
                    seed: int) -> str | None:
    """Why these arguments make no dataset, in the words the dataset's name goes before,
    or None."""
    if subjects < 2:
        return "subjects must be at least 2 (LOSO needs two)"
    if samples_per_subject < 1:
        return "samples_per_subject must be at least 1"
    if not 1 <= databases <= subjects:
        return f"databases must be between 1 and subjects ({subjects})"
    if seed < 0:
        return "seed must be non-negative"
    if subjects * samples_per_subject > MAX_SAMPLES:
        # refused before any sample is made: a billion subjects grew memory for minutes
        # with no word, never a test of a model
        return (f"subjects x samples_per_subject = {subjects * samples_per_subject:,} "
                f"samples, more than {MAX_SAMPLES:,}; give fewer subjects or "
                "samples_per_subject")
    return None


def check_synthetic(name: str, options: dict[str, Any]) -> str | None:
    """The registry's ``option_check``: :func:`synthetic_fault` of ``options`` over the
    defaults. A value that is no whole number is the registry's kinds check's to say (it
    runs first); one left here is the factory's, as before."""
    given = {**DEFAULTS, **{k: v for k, v in options.items() if k in DEFAULTS}}
    if not all(type(value) is int for value in given.values()):
        return None
    return synthetic_fault(**given)
