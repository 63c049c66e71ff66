"""An export into an ``--out`` that holds an export of another layout, dataset or features:
it is another product (a run may train from it), replaced only with ``--force``, where a
repeat export of the same one writes its folder again unasked. Said before the data is
read, so no database is needed here."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import one_line

from merbench.export import folder
from merbench.results.command_files import ExportReport

COMPOSITE = ExportReport(layout="composite", dataset="casme2",
                         features=["tvl1-uvos", "onset-apex-224"], classes={"0": "negative"},
                         samples=["casme2/sub01/EP02_01f"], skipped=[], feature_reports={},
                         complete=False, written=[])
NO_DATA = "casme2: no CASME II frame tree"  # what comes next, once --out is taken


@pytest.fixture
def exported(tmp_path: Path) -> Path:
    out = tmp_path / "ex"
    folder.write(out, {"combined_3_class2_for_optical_flow.csv": b"x"}, [], COMPOSITE)
    (tmp_path / "raw").mkdir()
    return out


def _export(cli, out: Path, *args: str) -> tuple[int, str, str]:
    return cli("export", "-d", "casme2", "--data-root", out.parent / "raw", "--out", out,
               "--quiet", *args)


def test_another_layout_is_refused_without_force(cli, exported: Path) -> None:
    code, out, err = _export(cli, exported, "--layout", "htnet")
    assert code == 2 and not out
    assert one_line(err) == (f"merbench: error: --out {exported} holds the composite layout "
                             "of casme2, another export than the htnet layout of casme2; "
                             "give another --out, or --force to replace it")
    assert sorted(p.name for p in exported.iterdir()) == [
        "combined_3_class2_for_optical_flow.csv", folder.REPORT]
    code, _, err = _export(cli, exported, "--layout", "htnet", "--force")
    assert code == 2 and NO_DATA in err  # past the claim: --force replaces it


def test_other_features_of_the_same_layout_are_named(cli, exported: Path) -> None:
    code, _, err = _export(cli, exported, "--layout", "composite", "--feature", "flow-uvos")
    assert code == 2
    assert one_line(err).startswith(
        f"merbench: error: --out {exported} holds the composite layout of casme2 (from "
        "tvl1-uvos, onset-apex-224), another export than the composite layout of casme2 "
        "(from flow-uvos, onset-apex-224); give another --out"), err


def test_the_same_export_again_needs_no_force(cli, exported: Path) -> None:
    code, _, err = _export(cli, exported, "--layout", "composite")
    assert code == 2 and NO_DATA in err, err
