"""A benchmark definition's frame tree (``frames``; MEGC2019's ``casme2_frames``) that names
none of the database's trees, and the run's refusal of one (pass 84q, Q6).

P4's check covered ``classes`` only: ``"frames": "bogus"`` loaded as a benchmark no run could
be of (0 runs), whose page printed a command ``merbench run`` refuses; MEGC2019's run refusal
named ``frames``, which the user had not written, and quoted the value as Python does."""

from __future__ import annotations

from pathlib import Path

import pytest
from definition_listing import listed_definition
from refusal_line import refusal_line


@pytest.mark.parametrize(("dataset", "option", "fault"), [
    ("casme2", "frames", 'frames "bogus" is none of its frame trees; choose --dataset-opt '
                         "frames=cropped or frames=raw"),
    ("casme", "frames", 'frames "bogus" is none of its frame trees; choose --dataset-opt '
                        "frames=cropped or frames=raw"),
    ("megc2019", "casme2_frames", 'casme2_frames "bogus" is none of casme2\'s frame trees; '
                                  "choose --dataset-opt casme2_frames=cropped or "
                                  "casme2_frames=raw"),
])
def test_a_frame_tree_the_database_lacks_is_refused_in_a_definition(
        cli, tmp_path: Path, dataset: str, option: str, fault: str) -> None:
    code, out, err, path = listed_definition(cli, tmp_path, "fake-frames", dataset,
                                             {option: "bogus"})
    line = refusal_line(code, out, err)
    assert code == 2, out + err
    assert line == f"merbench: error: benchmark {path}: 'dataset_options' {fault}", line
    assert line.count(str(path)) == 1


@pytest.mark.parametrize(("dataset", "option"), [("casme2", "frames"),
                                                 ("megc2019", "casme2_frames")])
def test_a_tree_the_database_has_is_still_taken(cli, tmp_path: Path, dataset: str,
                                                option: str) -> None:
    code, out, err, _ = listed_definition(cli, tmp_path, "fake-frames", dataset, {option: "raw"})
    assert code == 0 and "fake-frames " in out, out + err


def test_megc2019_run_names_the_option_given(cli, tmp_path: Path) -> None:
    """Refused before any file is read, naming casme2_frames, the value as JSON writes it."""
    line = refusal_line(*cli("extract", "-d", "megc2019", "--data-root", tmp_path / "none",
                             "-f", "tvl1-uvos", "--dataset-opt", "casme2_frames=bogus", "-q"))
    assert line == ('merbench: error: megc2019: casme2_frames "bogus" is none of casme2\'s '
                    "frame trees; choose --dataset-opt casme2_frames=cropped or "
                    "casme2_frames=raw"), line
