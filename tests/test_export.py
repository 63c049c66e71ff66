"""``merbench export``: the authors' layouts written from raw fixture databases, read back by
the ``composite`` dataset unchanged, and compared against a release (the real one too)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flow_frames import frames_dataset, read_gif_pair
from merbench_datasets import casme2, samm, smic
from merbench_datasets.composite import make_composite
from merbench_datasets.megc2019 import make_megc2019
from merbench_features.tvl1_uvos import build_tvl1_uvos
from rawtrees import SHEETS, write_clips

from merbench.export.layouts import release_names
from merbench.export.release_compare import compare_with_release
from merbench.features.extraction import extract_samples
from merbench.plugins import default_plugins

SUBJECTS = ("casme2/sub01", "samm/006", "smic/s01")


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def raw_root(real_data: Path, tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """Fixture frame trees of one subject per database, for the real coding sheets; the
    megc2019 options that point at them."""
    root = tmp_path / "raw"
    (root / "casme2" / "Cropped").mkdir(parents=True)
    (root / "SAMM" / "006").mkdir(parents=True)
    (root / "smic" / "HS").mkdir(parents=True)
    sheets = {db: str(real_data / path) for db, path in SHEETS.items()}
    for module, database, subject in ((casme2, "casme2", "sub01"), (samm, "samm", "006"),
                                      (smic, "smic", "s01")):
        options = (sheets[database],) if database != "smic" else (sheets["smic"],)
        table = module.annotation_table(str(root), *options)[0]
        write_clips(database, table[table["subject"] == subject])
    _texture(root)
    return root, {"casme2_sheet": sheets["casme2"], "samm_sheet": sheets["samm"],
                  "smic_apex_sheet": sheets["smic"], "subjects": list(SUBJECTS)}


def _texture(root: Path) -> None:
    """Every fixture frame made a 40x48 texture of its own (seeded by its path), big enough
    for the flow and different from frame to frame: no faces."""
    import zlib

    import cv2

    for path in sorted(root.rglob("*")):
        if path.suffix in (".jpg", ".bmp"):
            generator = np.random.default_rng(zlib.crc32(str(path.relative_to(root)).encode()))
            image = cv2.GaussianBlur(generator.integers(0, 256, (40, 48), dtype=np.uint8),
                                     (5, 5), 0)
            grey = path.suffix == ".bmp"
            assert cv2.imwrite(str(path), image if grey else cv2.merge([image] * 3))


def _export(cli, raw: tuple[Path, dict[str, object]], *args: object) -> tuple[int, str, str]:
    root, options = raw
    given = [arg for key, value in options.items() for arg in (
        "--dataset-opt", f"{key}={json.dumps(value) if isinstance(value, list) else value}")]
    return cli("export", "--dataset", "megc2019", "--data-root", root, *given,
               "--workers", "1", "--quiet", *args)


def test_the_composite_layout_reads_back_unchanged(raw_root, tmp_path: Path, cli) -> None:
    out = tmp_path / "export"
    code, said, err = _export(cli, raw_root, "--layout", "composite", "--out", out)
    assert code == 0, err
    assert "wrote the composite layout of" in said
    report = json.loads((out / "export-report.json").read_text())
    table = pd.read_csv(out / "combined_3_class2_for_optical_flow.csv", dtype=str,
                        keep_default_na=False)
    assert list(table.columns) == ["dataset", "sub", "filename_o", "label", "apex",
                                   "imagename", "sub_filename"]
    smic_rows = table[table["dataset"] == "smic"]
    assert all(name.startswith("s01_s1_") for name in smic_rows["imagename"])  # the quirk
    assert (out / "STSNet_whole_norm_u_v_os" / f"{table['sub'][0]}_{table['filename_o'][0]} .png"
            ).is_file()
    back = make_composite(str(out), subset=True)
    assert back.samples["sample_id"].tolist() == report["samples"]
    assert len(report["samples"]) == len(table) > 3
    root, options = raw_root
    data = make_megc2019(str(root), **options)  # type: ignore[arg-type]
    meta = default_plugins().registries.features.get("tvl1-uvos").meta
    computed = extract_samples(meta, build_tvl1_uvos(), data, workers=1).values
    assert data.samples["sample_id"].tolist() == report["samples"]
    assert np.array_equal(back.read_all("flow_uvos").transpose(0, 3, 1, 2), computed)
    assert back.read_all("apex_face").shape[1:] == (224, 224, 3)
    # again: the cache serves every sample and no file changes
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*.png")}
    code, _, err = _export(cli, raw_root, "--layout", "composite", "--out", out)
    assert code == 0, err
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.png")} == stamps
    again = json.loads((out / "export-report.json").read_text())
    extraction = again["feature_reports"]["tvl1-uvos"]["extraction"]
    assert extraction["n_from_cache"] == len(table)


def test_htnet_and_causalnet_layouts(raw_root, tmp_path: Path, cli) -> None:
    code, _, err = _export(cli, raw_root, "--layout", "htnet", "--out", tmp_path / "htnet")
    assert code == 0, err
    report = json.loads((tmp_path / "htnet" / "export-report.json").read_text())
    samples = pd.DataFrame({"sample_id": report["samples"]})
    samples[["database", "subject"]] = samples["sample_id"].str.split("/", expand=True)[[0, 1]]
    names = release_names(samples)
    for subject in ("sub01", "006", "s01"):
        test = sorted(p.name for p in (tmp_path / "htnet" / subject / "u_test").rglob("*.png"))
        train = sorted(p.name for p in (tmp_path / "htnet" / subject / "u_train").rglob("*.png"))
        own = sorted(f"{s} .png" for s, sub in zip(names["stem"], names["sub"], strict=True)
                     if sub == subject)
        assert test == own and len(train) == len(samples) - len(own)
        assert not set(test) & set(train)
        for label_folder in (tmp_path / "htnet" / subject / "u_train").iterdir():
            assert label_folder.name in {"0", "1", "2"}
    code, _, err = _export(cli, raw_root, "--layout", "causalnet", "--out", tmp_path / "cn")
    assert code == 0, err
    flows = sorted(p.name for p in (tmp_path / "cn" / "STSNet_whole_norm_u_v_os").iterdir())
    assert len(flows) == 4 * len(samples)
    assert f"{names['stem'][0]}_3 .png" in flows
    assert (tmp_path / "cn" / "combined_3_class2_for_optical_flow.csv").is_file()


def test_bad_requests_are_one_line(raw_root, tmp_path: Path, cli) -> None:
    code, _, err = _export(cli, raw_root)
    assert code == 2 and "needs --layout NAME (with --out DIR) or --compare" in err
    code, _, err = _export(cli, raw_root, "--layout", "htnet")
    assert code == 2 and "--layout htnet needs --out DIR" in err
    code, _, err = _export(cli, raw_root, "--layout", "causalnet", "--out", tmp_path / "c",
                           "--feature", "tvl1-uvos")
    assert code == 2 and "but this layout writes causalnet-flows's" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _export(cli, raw_root, "--compare", tmp_path / "empty")
    assert code == 2 and err.count("\n") == 1 and "is not a composite release folder" in err


def test_compare_scores_an_export_against_itself_and_a_changed_copy(raw_root, tmp_path: Path,
                                                                      cli) -> None:
    out = tmp_path / "export"
    assert _export(cli, raw_root, "--layout", "composite", "--out", out)[0] == 0
    code, _, err = _export(cli, raw_root, "--compare", out, "--out", tmp_path / "same.json")
    assert code == 0, err
    same = json.loads((tmp_path / "same.json").read_text())
    assert same["compared"] == len(same["samples"]) > 0
    assert all(c["mean_abs_diff"] == 0 for c in same["channels"].values())
    assert all(c["correlation"] in (None, pytest.approx(1.0)) for c in same["channels"].values())
    import cv2

    for path in (out / "STSNet_whole_norm_u_v_os").iterdir():  # a release made otherwise
        image = cv2.imread(str(path))
        cv2.imwrite(str(path), 255 - image)
    code, _, err = _export(cli, raw_root, "--compare", out, "--out", tmp_path / "other.json")
    assert code == 0, err
    other = json.loads((tmp_path / "other.json").read_text())
    assert all(c["mean_abs_diff"] > 0 for c in other["channels"].values())


def test_merbench_against_the_real_release(real_data: Path) -> None:
    """docs/raw-databases.md states these figures: the two real onset / apex pairs the
    composite release holds (SAMM 006_1_2, SMIC s03_po_11), from figure-rendered GIF frames."""
    pairs = [read_gif_pair(real_data / "samples" / "onset_apex_pairs" / f"{p}.gif")
             for p in ("006_006_1_2", "s03_s03_po_11", "sub11_EP15_04f")]
    dataset = frames_dataset([a for a, _ in pairs], [b for _, b in pairs])
    meta = default_plugins().registries.features.get("tvl1-uvos").meta
    values = extract_samples(meta, build_tvl1_uvos(), dataset, workers=1).values
    ids = ["samm/006/006_1_2", "smic/s03/s03_po_11", "casme2/sub11/EP15_04f"]
    summary = compare_with_release(real_data / "composite", ids, values).summary()
    assert summary["compared"] == 2 and summary["not_in_release"] == ["casme2/sub11/EP15_04f"]
    channels = summary["channels"]
    assert channels["u"]["correlation"] == pytest.approx(0.665, abs=0.01)
    assert channels["v"]["correlation"] == pytest.approx(0.488, abs=0.01)
    assert channels["strain"]["correlation"] == pytest.approx(0.202, abs=0.01)
    assert channels["u"]["mean_abs_diff"] == pytest.approx(27.9, abs=0.5)
    assert channels["v"]["mean_abs_diff"] == pytest.approx(60.4, abs=0.5)
    assert channels["strain"]["mean_abs_diff"] == pytest.approx(19.4, abs=0.5)
    assert os.fspath(real_data)  # read through MERBENCH_TEST_DATA, never a default
