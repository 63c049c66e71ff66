"""The records of the files merbench's other commands write (merbench.results.command_files)
go to JSON and back unchanged, and what their writers produce parses into them."""

from __future__ import annotations

import json

import pytest

from merbench.export.release_compare import ReleaseComparison, SampleComparison
from merbench.results.codec import LayoutError, from_json, to_json
from merbench.results.command_files import (
    ChannelFidelity,
    ExportReport,
    FeaturesHeader,
    ReleaseFidelity,
    SampleFidelity,
)
from merbench.results.model import SkippedSample
from merbench.results.schema import environment

EXPORT = ExportReport(
    layout="composite", dataset="megc2019", features=["tvl1-uvos", "onset-apex-224"],
    classes={"0": "negative", "1": "positive", "2": "surprise"},
    samples=["casme2/sub01/EP02_01f", "smic/s01/s01_po_01"],
    skipped=[SkippedSample(sample_id="smic/s01/s01_ne_01", reason="holds no frame images")],
    feature_reports={"tvl1-uvos": {"n_face_fallback": 0, "extraction": {"workers": 1}},
                     "onset-apex-224": {}},
    complete=True, written=["STSNet_whole_norm_u_v_os/sub01_EP02_01f .png"])

FIDELITY = ReleaseFidelity(
    release="/data/composite", compared=1, not_in_release=["casme2/sub11/EP15_04f"],
    channels={"strain": ChannelFidelity(None, 0, 12.5),
              "v": ChannelFidelity(0.5, 1, 3.0), "u": ChannelFidelity(-0.25, 1, 0.0)},
    samples=[SampleFidelity("samm/006/006_1_2", {"strain": None, "v": 0.5, "u": -0.25},
                            {"strain": 12.5, "v": 3.0, "u": 0.0})])

HEADER = FeaturesHeader(
    format="merbench-features", format_version=1,
    feature={"name": "htnet-regions", "version": 1, "options": {"crop": "corrected"}},
    dataset={"name": "synthetic", "version": 1, "options": {"subjects": 3},
             "fingerprint": "26526934269f3bca"},
    report={"n_samples": 12}, summary="12 samples", environment=environment("cpu", {}),
    created="2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("record", [EXPORT, FIDELITY, HEADER],
                         ids=["export-report", "release-fidelity", "features-header"])
def test_a_record_goes_to_json_and_back_unchanged(record: object) -> None:
    text = json.dumps(to_json(record), indent=2)
    assert from_json(type(record), json.loads(text)) == record


@pytest.mark.parametrize(("record", "field", "value", "named"), [
    (EXPORT, "classes", ["negative"], "field 'classes' is a list, expected an object"),
    (FIDELITY, "compared", "1", "field 'compared' is text, expected an integer"),
    (HEADER, "format", "numpy", "field 'format' is 'numpy', expected one of "
                                "'merbench-features'"),
])
def test_a_field_of_the_wrong_type_is_named(record: object, field: str, value: object,
                                            named: str) -> None:
    data = {**to_json(record), field: value}
    with pytest.raises(LayoutError) as caught:
        from_json(type(record), data)
    assert str(caught.value) == named


def test_a_wrong_type_inside_a_nested_record_is_named_by_its_path() -> None:
    data = to_json(FIDELITY)
    data["samples"][0]["mean_abs_diff"]["v"] = None
    with pytest.raises(LayoutError, match=r"field 'samples\[0\]\.mean_abs_diff\.v' is null"):
        from_json(ReleaseFidelity, data)


def test_the_comparison_summary_is_the_record_written() -> None:
    """What export --compare writes (its summary, as JSON) parses into ReleaseFidelity, in
    this layout and key order."""
    comparison = ReleaseComparison(
        release="/data/composite", not_in_release=["casme2/sub11/EP15_04f"],
        samples=[SampleComparison("samm/006/006_1_2", (None, 0.5, -0.25), (12.5, 3.0, 0.0)),
                 SampleComparison("smic/s03/s03_po_11", (None, 0.7, 0.25), (2.5, 1.0, 4.0))])
    summary = comparison.summary()
    text = json.dumps(to_json(summary), indent=2)
    assert from_json(ReleaseFidelity, json.loads(text)) == summary
    data = json.loads(text)
    assert list(data) == ["release", "compared", "not_in_release", "channels", "samples"]
    assert list(data["channels"]["v"]) == ["correlation", "correlated_samples",
                                           "mean_abs_diff"]
    assert list(data["samples"][0]) == ["sample_id", "correlation", "mean_abs_diff"]
    assert summary.channels["strain"] == ChannelFidelity(None, 0, 7.5)
    assert summary.channels["v"] == ChannelFidelity(pytest.approx(0.6), 2, 2.0)
    assert list(summary.channels) == ["strain", "v", "u"]
    empty = ReleaseComparison(release="/r", not_in_release=["a"]).summary()
    assert empty.channels["u"] == ChannelFidelity(None, 0, None) and empty.compared == 0
