"""``merbench export``: the authors' layouts written from raw fixture databases, read back by
the ``composite`` dataset unchanged, and compared against a release (the real one too)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_datasets import casme2, samm, smic
from merbench_datasets.composite import make_composite
from merbench_datasets.megc2019 import make_megc2019
from merbench_features.tvl1_uvos import build_tvl1_uvos
from rawtrees import SHEETS, write_clips

from merbench.export.layouts import release_names
from merbench.features.extraction import extract_samples
from merbench.plugin_system.manager import default_plugins
from merbench.results.codec import from_json
from merbench.results.command_files import ExportReport, ReleaseFidelity

SUBJECTS = ("casme2/sub01", "samm/006", "smic/s01")


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def _module_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export-cache")


@pytest.fixture
def warm_cache(_module_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One feature cache for the tests of what a layout holds (after the autouse one, so it
    wins): the fixture's flows are computed by the first of them and read by the others,
    which check files and names, not extraction (the tests of extraction -- workers,
    resuming, what is refused before computing -- keep a cache of their own)."""
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(_module_cache))


@pytest.fixture(scope="module")
def raw_root(real_data: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, dict[str, object]]:
    """Fixture frame trees of one subject per database, for the real coding sheets; the
    megc2019 options that point at them. Made once for the module (a second each): every
    test reads them, none writes into them (exports go to each test's own folder)."""
    root = tmp_path_factory.mktemp("raw-trees") / "raw"
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
    workers = [] if "--workers" in args else ["--workers", "1"]  # given once: a test's own
    return cli("export", "--dataset", "megc2019", "--data-root", root, *given,
               *workers, "--quiet", *args)


def _only(raw: tuple[Path, dict[str, object]],
          subjects: list[str]) -> tuple[Path, dict[str, object]]:
    """The fixture's options narrowed to some of its subjects (a quicker export)."""
    return raw[0], {**raw[1], "subjects": subjects}


def test_the_composite_layout_reads_back_unchanged(raw_root, tmp_path: Path, cli,
                                                   warm_cache) -> None:
    out = tmp_path / "export"
    code, said, err = _export(cli, raw_root, "--layout", "composite", "--out", out)
    assert code == 0, err
    assert "wrote the composite layout of" in said
    report = json.loads((out / "export-report.json").read_text())
    assert from_json(ExportReport, report).features == ["tvl1-uvos", "onset-apex-224"]
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


def test_the_htnet_layout(raw_root, tmp_path: Path, cli, warm_cache) -> None:
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


def _as_main_train_reads(work: Path) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """What CausalNet's main_train.py takes from its working folder, read as it reads it
    (pandas' default types; os.listdir; the flow images keyed by the CSV's names): per
    subject, the train and test (stem, label) pairs. A name it cannot look up fails here
    as its KeyError would."""
    import cv2

    table = pd.read_csv(work / "combined_3_class2_for_optical_flow.csv")
    keyed = {f"{sub}_{clip}{suffix} .png" for sub, clip in zip(table["sub"],
                                                                table["filename_o"],
                                                                strict=True)
             for suffix in ("", "_1", "_2", "_3")}
    flows = work / "datasets" / "STSNet_whole_norm_u_v_os"
    listed = os.listdir(flows)
    assert set(listed) <= keyed  # their crop_optical_flow_block looks every file up
    for name in listed:
        image = cv2.imread(str(flows / name))
        assert image is not None and image.shape == (28, 28, 3)
    tree = work / "datasets" / "three_norm_u_v_os"
    folds: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for subject in os.listdir(tree):
        folds[subject] = {}
        for part in ("u_train", "u_test"):
            pairs = folds[subject].setdefault(part, [])
            for label in os.listdir(tree / subject / part):
                for name in os.listdir(tree / subject / part / label):
                    stem = name.split(" ")[0]
                    assert {f"{stem}{s} .png" for s in ("", "_1", "_2", "_3")} <= set(listed)
                    pairs.append((stem, int(label)))
    return folds


def test_the_causalnet_layout_is_the_folder_main_train_runs_in(raw_root, tmp_path: Path,
                                                                cli, warm_cache) -> None:
    """main_train.py reads the label CSV, datasets/STSNet_whole_norm_u_v_os and the split
    and labels from datasets/three_norm_u_v_os/{sub}/u_train|u_test/{label}/; one export
    holds all three, each subject's fold testing exactly its own samples."""
    work = tmp_path / "cn"
    code, _, err = _export(cli, _only(raw_root, ["casme2/sub01", "smic/s01"]), "--layout",
                           "causalnet", "--out", work)
    assert code == 0, err
    table = pd.read_csv(work / "combined_3_class2_for_optical_flow.csv", dtype=str)
    truth = {f"{sub}_{clip}": int(label) for sub, clip, label in zip(
        table["sub"], table["filename_o"], table["label"], strict=True)}
    folds = _as_main_train_reads(work)
    assert sorted(folds) == ["s01", "sub01"]
    for subject, parts in folds.items():
        assert sorted(parts["u_test"]) == sorted(
            (stem, label) for stem, label in truth.items() if stem.startswith(subject + "_"))
        assert sorted(parts["u_train"] + parts["u_test"]) == sorted(truth.items())
    assert len(os.listdir(work / "datasets" / "STSNet_whole_norm_u_v_os")) == 4 * len(truth)


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
    (tmp_path / "a-file").write_text("mine")
    code, _, err = _export(cli, raw_root, "--layout", "htnet", "--out", tmp_path / "a-file")
    assert code == 2 and err.count("\n") == 1 and "is a file; give a folder" in err
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    code, _, err = _export(cli, raw_root, "--layout", "htnet", "--out", tmp_path / "theirs")
    assert code == 2 and err.count("\n") == 1 and "merbench export did not write" in err
    assert not (tmp_path / "cache").exists()  # each refused before any feature was computed
    assert (tmp_path / "theirs" / "notes.txt").read_text() == "mine"


def test_compare_scores_an_export_against_itself_and_a_changed_copy(raw_root, tmp_path: Path,
                                                                      cli, warm_cache) -> None:
    out = tmp_path / "export"
    assert _export(cli, raw_root, "--layout", "composite", "--out", out)[0] == 0
    code, _, err = _export(cli, raw_root, "--compare", out, "--out", tmp_path / "same.json")
    assert code == 0, err
    same = json.loads((tmp_path / "same.json").read_text())
    assert from_json(ReleaseFidelity, same).compared == len(same["samples"]) > 0
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


def test_merbench_against_the_real_release(real_data: Path, tmp_path: Path, cli) -> None:
    """docs/raw-databases.md states these figures and the command that gives them: the real
    onset / apex pairs of MERBENCH_TEST_DATA (figure-rendered GIFs), two of which the
    composite release holds (SAMM 006_1_2, SMIC s03_po_11)."""
    code, said, err = cli("export", "-d", "frame-pairs", "--data-root",
                          real_data / "samples" / "onset_apex_pairs", "--compare",
                          real_data / "composite", "--out", tmp_path / "fidelity.json",
                          "--workers", "1", "--quiet")
    assert code == 0, err
    assert "2 sample(s) in both (1 only in merbench's, 440 only in the release's)" in said
    summary = json.loads((tmp_path / "fidelity.json").read_text())
    assert from_json(ReleaseFidelity, summary).not_in_release == ["casme2/sub11/EP15_04f"]
    assert [s["sample_id"] for s in summary["samples"]] == ["samm/006/006_1_2",
                                                            "smic/s03/s03_po_11"]
    channels = summary["channels"]
    assert channels["u"]["correlation"] == pytest.approx(0.665, abs=0.01)
    assert channels["v"]["correlation"] == pytest.approx(0.488, abs=0.01)
    assert channels["strain"]["correlation"] == pytest.approx(0.202, abs=0.01)
    assert channels["u"]["mean_abs_diff"] == pytest.approx(27.9, abs=0.5)
    assert channels["v"]["mean_abs_diff"] == pytest.approx(60.4, abs=0.5)
    assert channels["strain"]["mean_abs_diff"] == pytest.approx(19.4, abs=0.5)
    assert "u: correlation 0.665" in said  # as the docs print it


def test_frame_pairs_name_their_bad_file(tmp_path: Path, cli) -> None:
    (tmp_path / "pairs").mkdir()
    code, _, err = cli("export", "-d", "frame-pairs", "--data-root", tmp_path / "pairs",
                       "--layout", "htnet", "--out", tmp_path / "out", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "holds no .gif" in err
    (tmp_path / "pairs" / "face.gif").write_bytes(b"GIF89a")
    code, _, err = cli("export", "-d", "frame-pairs", "--data-root", tmp_path / "pairs",
                       "--layout", "htnet", "--out", tmp_path / "out", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "face.gif' is not named {sub}_{clip}" in err
    (tmp_path / "pairs" / "face.gif").rename(tmp_path / "pairs" / "006_006_1_2.gif")
    code, _, err = cli("export", "-d", "frame-pairs", "--data-root", tmp_path / "pairs",
                       "--layout", "htnet", "--out", tmp_path / "out", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "holds 0 frame(s)" in err


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_repeat_export_leaves_only_its_own_files(raw_root, tmp_path: Path, cli,
                                                   warm_cache) -> None:
    """Nine samples, then six into the same --out: the authors' scripts list the flow folder
    and look each name up in the CSV, so the three left over would crash them."""
    out = tmp_path / "export"
    code, _, err = _export(cli, _only(raw_root, ["casme2/sub01", "smic/s01"]), "--layout",
                           "composite", "--out", out)
    assert code == 0, err
    (out / "my-notes.txt").write_text("kept")  # no report names it: never removed
    code, said, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "composite",
                              "--out", out)
    assert code == 0, err
    assert "6 file(s) of the earlier export removed" in said  # 3 flows, 3 apex faces
    table = pd.read_csv(out / "combined_3_class2_for_optical_flow.csv", dtype=str)
    assert len(table) == 6 and set(table["dataset"]) == {"smic"}
    assert sorted(os.listdir(out / "STSNet_whole_norm_u_v_os")) == sorted(
        f"{s}_{c} .png" for s, c in zip(table["sub"], table["filename_o"], strict=True))
    assert sorted(os.listdir(out / "combined_datasets_whole")) == sorted(table["imagename"])
    report = json.loads((out / "export-report.json").read_text())
    assert report["complete"] and report["written"] == [
        f for f in _files(out) if f not in ("export-report.json", "my-notes.txt")]
    assert (out / "my-notes.txt").read_text() == "kept"
    assert report["classes"] == {"0": "negative", "1": "positive", "2": "surprise"}


def test_a_skipped_sample_is_in_the_report_with_why(raw_root, tmp_path: Path, cli) -> None:
    root = Path(shutil.copytree(raw_root[0], tmp_path / "raw"))  # the module's stays whole
    raw_root = (root, raw_root[1])
    clip = sorted((root / "smic" / "HS" / "s1" / "micro").glob("*/*"))[0]
    for frame in clip.iterdir():
        frame.unlink()
    gone = f"smic/s01/{clip.name.replace('s1_', 's01_', 1)}"
    code, _, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                           "--out", tmp_path / "refused")
    assert code == 2 and err.count("\n") == 1 and gone in err and "--skip-missing" in err
    code, said, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                              "--out", tmp_path / "out", "--skip-missing")
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "export-report.json").read_text())
    (skipped,) = from_json(ExportReport, report).skipped
    assert skipped.sample_id == gone and skipped.reason
    assert gone not in report["samples"] and len(report["samples"]) == 5
    assert "1 sample(s) left out" in said


def test_two_workers_write_what_one_writes(raw_root, tmp_path: Path, cli,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                           "--out", tmp_path / "two", "--workers", "2")
    assert code == 0, err
    report = json.loads((tmp_path / "two" / "export-report.json").read_text())
    assert report["feature_reports"]["tvl1-uvos"]["extraction"]["workers"] == 2
    monkeypatch.setenv("MERBENCH_CACHE_DIR", str(tmp_path / "another-cache"))
    code, _, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                           "--out", tmp_path / "one")
    assert code == 0, err
    one = json.loads((tmp_path / "one" / "export-report.json").read_text())
    assert one["feature_reports"]["tvl1-uvos"]["extraction"]["n_computed"] == 6
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    for name in report["written"]:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_an_interrupted_export_resumes_from_the_finished_samples(
        raw_root, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from merbench.cli import export_command

    def stop_after_three(reporter: object, label: str, done: int, total: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    out = tmp_path / "out"
    with monkeypatch.context() as patch:
        patch.setattr(export_command, "_progress", stop_after_three)
        code, _, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                               "--out", out)
    assert code == 130 and "interrupted" in err.lower()
    assert not (out / "export-report.json").exists()
    code, _, err = _export(cli, _only(raw_root, ["smic/s01"]), "--layout", "htnet",
                           "--out", out)
    assert code == 0, err
    extraction = json.loads((out / "export-report.json").read_text())[
        "feature_reports"]["tvl1-uvos"]["extraction"]
    assert (extraction["n_from_cache"], extraction["n_computed"]) == (3, 3)


def test_the_composite_layout_takes_only_its_three_classes(raw_root, real_data: Path,
                                                           tmp_path: Path, cli) -> None:
    root, _ = raw_root
    casme2_args = ("export", "--dataset", "casme2", "--data-root", root / "casme2",
                   "--dataset-opt", f"sheet={real_data / SHEETS['casme2']}",
                   "--dataset-opt", 'subjects="sub01"', "--quiet", "--workers", "1")
    code, _, err = cli(*casme2_args, "--layout", "composite", "--out", tmp_path / "five")
    assert code == 2 and err.count("\n") == 1
    assert "labels 0 negative, 1 positive, 2 surprise, but casme2 has the classes " \
           "happiness, disgust, repression, surprise, others" in err
    assert not (tmp_path / "cache").exists() and not (tmp_path / "five").exists()
    code, _, err = cli(*casme2_args, "--feature-opt", "face=frame", "--layout", "htnet",
                       "--out", tmp_path / "htnet")
    assert code == 0, err
    report = json.loads((tmp_path / "htnet" / "export-report.json").read_text())
    assert report["classes"] == {"0": "happiness", "1": "disgust", "2": "repression",
                                 "3": "surprise", "4": "others"}


def test_release_names_are_the_real_releases_file_names(real_data: Path,
                                                        tmp_path: Path) -> None:
    """The 442 samples as the raw datasets name them (from the real coding sheets; no
    frames), through release_names, give exactly the flow and apex file names of the real
    release and its CSV's sub, filename_o and imagename, row by row."""
    from merbench_datasets.megc2019_official import load_ground_truth

    for folder in ("casme2/Cropped", "SAMM/006", "smic/HS"):
        (tmp_path / folder).mkdir(parents=True)
    tables = [module.annotation_table(str(tmp_path), str(real_data / SHEETS[name]))[0]
              for module, name in ((casme2, "casme2"), (samm, "samm"), (smic, "smic"))]
    annotated = pd.concat(tables).drop_duplicates("sample_id").set_index("sample_id")
    release = real_data / "composite"
    csv = pd.read_csv(release / "combined_3_class2_for_optical_flow.csv", dtype=str,
                      keep_default_na=False)
    ids = (csv["dataset"] + "/" + csv["sub"] + "/" + csv["filename_o"]).tolist()
    assert sorted(ids) == sorted(load_ground_truth()["sample_id"])
    names = release_names(annotated.loc[ids].reset_index())
    assert sorted(f"{stem} .png" for stem in names["stem"]) == sorted(
        os.listdir(release / "STSNet_whole_norm_u_v_os"))
    assert sorted(names["imagename"]) == sorted(os.listdir(release / "combined_datasets_whole"))
    assert names[["sub", "filename_o", "imagename"]].values.tolist() == \
        csv[["sub", "filename_o", "imagename"]].values.tolist()
    assert len(names) == 442


def test_a_folder_named_with_a_newline_is_said_on_one_line(raw_root, tmp_path: Path, cli,
                                                            warm_cache) -> None:
    """``--out $'ex\\nnl'`` split 'wrote the htnet layout ...' in three lines, while run,
    show, status and validate write ``ex\\nnl`` (pass 84m, M9)."""
    out = tmp_path / "ex\nnl"
    out.mkdir()  # by hand: merbench makes no such name (pass 84ab, AB9)
    code, said, err = _export(cli, raw_root, "--layout", "htnet", "--out", out)
    assert code == 0, err
    shown = str(out).replace("\n", "\\n")
    first = said.splitlines()[0]  # a note on faces may follow
    assert first.startswith("wrote the htnet layout") and first.endswith("report.json)"), said
    assert f"to {shown} (" in said and f"{shown}/export-report.json" in said, said
