"""The ``composite`` dataset: the MEGC2019 3-class composite read from its preprocessed release.

Bad input is tested on a fake release built in tmp_path from the shipped official list (tiny
generated images, no faces), so those tests run without the real data; the tests marked
``realdata`` read the real release under MERBENCH_TEST_DATA (and copy it only into tmp_path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from merbench_datasets.composite import (
    APEX_DIR,
    CLASSES,
    DATA_ENV,
    FLOW_DIR,
    LABEL_CSV,
    make_composite,
)
from merbench_datasets.composite_csv import RELEASE_COLUMNS
from merbench_datasets.megc2019_official import check_counts, load_ground_truth

from merbench.base.errors import MerbenchError
from merbench.protocols.loso import LeaveOneSubjectOut

# The sample list of the real release: changes only when the samples, their fold keys or
# labels change (which would make old results incomparable).
REAL_FINGERPRINT = "10942fea054ada2b"
LICENCE_PAGES = ("http://casme.psych.ac.cn/casme/e2",
                 "https://helward.mmu.ac.uk/STAFF/M.Yap/dataset.php",
                 "https://www.oulu.fi/en/university/faculties-and-units/")


def error_of(call: Callable[[], object]) -> str:
    """The one-line message of the MerbenchError that ``call`` raises."""
    with pytest.raises(MerbenchError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and message.startswith("composite: ")
    return message


# ---------------------------------------------------------------- a fake release in tmp_path


def _fake_release(folder: Path) -> None:
    """The release's layout and CSV for the official 442 samples, with generated images."""
    import cv2

    truth = load_ground_truth()
    rng = np.random.default_rng(0)
    (folder / FLOW_DIR).mkdir(parents=True)
    (folder / APEX_DIR).mkdir()
    rows = []
    for sample in truth.itertuples():
        # SMIC apex names differ from the flow names in the release (the clip's subject
        # unpadded: s01_s1_ne_01.jpg for s01_s01_ne_01 .png); mimic that here
        subject, clip = sample.subject, sample.clip
        apex = (f"{subject}_s{int(subject[1:])}{clip[len(subject):]}.jpg"
                if sample.database == "smic" else f"{subject}_{clip}.jpg")
        rows.append({"dataset": sample.database, "sub": sample.subject,
                     "filename_o": sample.clip, "label": sample.label, "apex": "",
                     "imagename": apex, "sub_filename": ""})
        flow = rng.integers(0, 256, size=(28, 28, 3), dtype=np.uint8)
        flow[0, 0], flow[0, 1] = 0, 255
        cv2.imwrite(str(folder / FLOW_DIR / f"{sample.subject}_{sample.clip} .png"), flow)
        cv2.imwrite(str(folder / APEX_DIR / apex), np.full((16, 16, 3), 128, np.uint8))
    pd.DataFrame(rows, columns=list(RELEASE_COLUMNS)).to_csv(folder / LABEL_CSV, index=False)


@pytest.fixture(scope="module")
def fake_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake") / "composite"
    _fake_release(folder)
    return folder


@pytest.fixture
def fake(fake_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the fake release that a test may break: tmp_path/data/composite."""
    folder = tmp_path / "data" / "composite"
    shutil.copytree(fake_template, folder)
    return folder


def edit_csv(folder: Path, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    path = folder / LABEL_CSV
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    changed = change(table)
    (table if changed is None else changed).to_csv(path, index=False)


def flow_file(folder: Path, subject: str, clip: str) -> Path:
    return folder / FLOW_DIR / f"{subject}_{clip} .png"


# ------------------------------------------------------------------------ without real data


def test_shipped_ground_truth_has_the_protocol_counts() -> None:
    truth = load_ground_truth()
    assert len(truth) == 442 and truth["sample_id"].is_unique
    assert truth.groupby(["database", "subject"]).ngroups == 68
    check_counts(truth)  # 250/109/83, per database and subjects per database
    # the official list writes SAMM subjects as 6, 7, ...; mapped to the release's 006
    samm = truth[truth["database"] == "samm"]["subject"]
    assert samm.str.fullmatch(r"\d{3}").all() and "006" in set(samm)


def test_the_fake_release_loads(fake: Path) -> None:
    data = make_composite(str(fake))
    assert len(data.samples) == 442 and data.n_subjects == 68 and data.classes == CLASSES
    assert list(data.samples.columns[:4]) == ["sample_id", "database", "subject", "clip"]
    assert Path(data.samples["flow_path"][0]).is_absolute()
    flows = data.read_all("flow_uvos")
    assert flows.shape == (442, 28, 28, 3) and flows.dtype == np.uint8
    np.testing.assert_array_equal(data.read("flow_uvos", 7), flows[7])
    assert data.read("apex_face", 0).shape == (16, 16, 3)
    with pytest.raises(MerbenchError, match="cannot give 'landmarks68'"):
        data.read_all("landmarks68")


def test_found_from_the_folder_its_parent_and_the_environment(
        fake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct = make_composite(str(fake))
    parent = make_composite(str(fake.parent))
    monkeypatch.setenv(DATA_ENV, str(fake.parent))
    from_env = make_composite()
    assert direct.fingerprint() == parent.fingerprint() == from_env.fingerprint()
    assert list(from_env.samples["flow_path"]) == list(direct.samples["flow_path"])


def test_no_location_says_how_to_get_and_pass_the_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_ENV, raising=False)
    message = error_of(make_composite)
    assert DATA_ENV in message and "--data-root" in message
    for page in LICENCE_PAGES:
        assert page in message
    assert "STSTNet/HTNet" in message


def test_an_empty_folder_names_every_place_looked(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_of(lambda: make_composite(str(tmp_path)))
    assert f"'{tmp_path}'" in message and f"'{tmp_path / 'composite'}'" in message
    assert "data_root" in message and LICENCE_PAGES[1] in message
    missing = tmp_path / "nowhere"
    assert f"'{missing}' (from --data-root) does not exist" in \
        error_of(lambda: make_composite(str(missing)))
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not data")
    assert f"'{a_file}' (from --data-root) is a file, not a folder" in \
        error_of(lambda: make_composite(str(a_file)))
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    message = error_of(make_composite)
    assert f"'{tmp_path / 'composite'}'" in message and DATA_ENV in message


def test_missing_csv(fake: Path) -> None:
    (fake / LABEL_CSV).unlink()
    message = error_of(lambda: make_composite(str(fake)))
    assert f"'{fake / LABEL_CSV}' is missing" in message and "restore" in message


def test_renamed_column(fake: Path) -> None:
    edit_csv(fake, lambda t: t.rename(columns={"label": "emotion"}))
    message = error_of(lambda: make_composite(str(fake)))
    assert f"'{fake / LABEL_CSV}' has no column 'label'" in message
    assert ",".join(RELEASE_COLUMNS) in message and "found dataset,sub,filename_o,emotion" \
        in message


def test_label_outside_the_classes(fake: Path) -> None:
    def change(table: pd.DataFrame) -> None:
        table.loc[4, "label"] = "3"
        table.loc[9, "label"] = "-1"

    edit_csv(fake, change)
    message = error_of(lambda: make_composite(str(fake)))
    assert "line 6: label '3' is not 0 (negative), 1 (positive) or 2 (surprise)" in message
    assert "(and 1 more such row(s))" in message


def test_blank_lines_are_skipped_and_lines_still_counted(fake: Path) -> None:
    path = fake / LABEL_CSV
    lines = path.read_text().splitlines()
    lines.insert(3, "")  # a blank line 4 (and a row of empty fields below)
    lines.insert(5, ",,,,,,")
    path.write_text("\n".join(lines) + "\n")
    assert len(make_composite(str(fake)).samples) == 442
    lines[7] = lines[7].replace(",0,,", ",7,,", 1)
    path.write_text("\n".join(lines) + "\n")
    assert "line 8: label '7'" in error_of(lambda: make_composite(str(fake)))


def test_row_without_a_subject(fake: Path) -> None:
    edit_csv(fake, lambda t: t.__setitem__("sub", t["sub"].where(t.index != 10, "  ")))
    message = error_of(lambda: make_composite(str(fake)))
    assert "line 12: empty 'sub'" in message and "fill it in" in message


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("dataset", "CASME2", "line 3: dataset 'CASME2' is not one of casme2, samm, smic"),
    ("imagename", "", "line 3: empty 'imagename'"),
    ("label", "1.0", "line 3: label '1.0' is not 0"),
])
def test_bad_values(fake: Path, column: str, value: str, expected: str) -> None:
    edit_csv(fake, lambda t: t.__setitem__(column, t[column].where(t.index != 1, value)))
    assert expected in error_of(lambda: make_composite(str(fake)))


def test_repeated_row(fake: Path) -> None:
    edit_csv(fake, lambda t: pd.concat([t, t.iloc[[2]]], ignore_index=True))
    message = error_of(lambda: make_composite(str(fake)))
    assert "line 444: sample casme2/sub01/EP19_06f appears again (first at line 4)" in message


def test_against_the_official_list_missing_and_relabelled(fake: Path) -> None:
    def change(table: pd.DataFrame) -> pd.DataFrame:
        table.loc[0, "label"] = "0"  # casme2/sub01/EP02_01f is officially positive
        return table.drop(index=[4, 5])

    edit_csv(fake, change)
    message = error_of(lambda: make_composite(str(fake)))
    assert "does not match the official MEGC2019 3-class list (442 samples" in message
    assert "2 missing (casme2/sub02/EP02_04f, casme2/sub02/EP03_02f)" in message
    assert ("1 relabelled (casme2/sub01/EP02_01f at line 2: 0 (negative) vs official "
            "1 (positive))") in message
    assert "extra" not in message and "restore the CSV" in message
    assert "subset=true" not in message  # relabelled: not a part of the list


def test_part_of_the_list_names_the_subset_option(fake: Path) -> None:
    """A folder holding only some official samples (an export of some subjects) is told how
    to read it as such; a relabelled one is not (it is wrong, not partial)."""
    edit_csv(fake, lambda t: t.drop(index=[4, 5]))
    message = error_of(lambda: make_composite(str(fake)))
    assert "2 missing" in message and "read it with --dataset-opt subset=true" in message
    assert len(make_composite(str(fake), subset=True).samples) == 440


def test_against_the_official_list_extra_sample(fake: Path) -> None:
    edit_csv(fake, lambda t: pd.concat([t, pd.DataFrame([{
        "dataset": "samm", "sub": "006", "filename_o": "006_9_9", "label": "1",
        "apex": "", "imagename": "006_006_9_9.jpg", "sub_filename": ""}])], ignore_index=True))
    shutil.copy(flow_file(fake, "006", "006_1_2"), flow_file(fake, "006", "006_9_9"))
    message = error_of(lambda: make_composite(str(fake)))
    assert "1 extra (samm/006/006_9_9 at line 444)" in message and "missing" not in message


def test_subject_written_differently_leaves_an_official_subject_empty(fake: Path) -> None:
    # SAMM subject 006 written without its zeros: its samples become unknown ones
    edit_csv(fake, lambda t: t.__setitem__("sub", t["sub"].where(t["sub"] != "006", "6")))
    message = error_of(lambda: make_composite(str(fake)))
    assert "missing (samm/006/006_1_2" in message and "extra (samm/6/006_1_2 at line" in message
    assert "1 official subject(s) with no samples (samm/006)" in message


def test_missing_flow_image(fake: Path) -> None:
    flow_file(fake, "s03", "s03_po_11").unlink()
    message = error_of(lambda: make_composite(str(fake)))
    assert f"the flow image '{flow_file(fake, 's03', 's03_po_11')}'" in message
    assert "s03_s03_po_11 .png" in message and "of sample smic/s03/s03_po_11" in message
    assert "is missing; restore it" in message


def test_a_folder_in_place_of_a_flow_image_is_called_a_folder(fake: Path) -> None:
    path = flow_file(fake, "s03", "s03_po_11")
    path.unlink()
    path.mkdir()
    message = error_of(lambda: make_composite(str(fake)))
    assert f"the flow image '{path}'" in message
    assert "is a folder, not an image file; restore it" in message


def test_missing_apex_image_and_folder(fake: Path) -> None:
    (fake / APEX_DIR / "s03_s3_po_11.jpg").unlink()
    message = error_of(lambda: make_composite(str(fake)))
    assert "apex image" in message and "s03_s3_po_11.jpg" in message
    shutil.rmtree(fake / FLOW_DIR)
    message = error_of(lambda: make_composite(str(fake)))
    assert f"the folder '{fake / FLOW_DIR}' is missing" in message


@pytest.mark.parametrize(("damage", "expected"), [
    (lambda data: data[: len(data) // 2], "is truncated (no PNG end chunk"),
    (lambda data: data[:-1], "is truncated (no PNG end chunk"),
    (lambda data: b"hello, not an image", "is not a PNG image"),
    (lambda data: data[:40] + bytes(b ^ 0x5A for b in data[40:-30]) + data[-30:],
     "cannot be decoded as an image (damaged, too large or not an image)"),
])
def test_damaged_flow_image_is_named_when_read(fake: Path, damage: Callable[[bytes], bytes],
                                               expected: str) -> None:
    path = flow_file(fake, "006", "006_1_4")
    path.write_bytes(damage(path.read_bytes()))
    data = make_composite(str(fake))  # file existence only; the pixels are read below
    message = error_of(lambda: data.read_all("flow_uvos"))
    assert expected in message and f"'{path}' of sample samm/006/006_1_4" in message
    assert "replace it with the release's file" in message


def test_flow_image_of_another_size(fake: Path) -> None:
    import cv2

    path = flow_file(fake, "sub01", "EP02_01f")
    cv2.imwrite(str(path), np.zeros((32, 32), np.uint8))
    message = error_of(lambda: make_composite(str(fake)).read_all("flow_uvos"))
    assert f"'{path}' of sample casme2/sub01/EP02_01f is 32x32 uint8" in message
    assert "28x28x3 uint8" in message


def test_truncated_apex_image(fake: Path) -> None:
    path = fake / APEX_DIR / "sub01_EP02_01f.jpg"
    path.write_bytes(path.read_bytes()[:-40])
    data = make_composite(str(fake))
    message = error_of(lambda: data.read_all("apex_face"))
    assert f"'{path}' of sample casme2/sub01/EP02_01f is truncated (no JPEG end" in message


def test_opencv_is_imported_only_to_read_images() -> None:
    code = ("import sys, merbench_datasets.plugin, merbench_datasets.composite; "
            "sys.exit('cv2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ), timeout=120)
    assert done.returncode == 0


@pytest.mark.parametrize("breakage", ["truncated flow", "no csv"])
def test_cli_broken_release_exits_2_with_one_line(cli: Callable[..., tuple[int, str, str]],
                                                   fake: Path, tmp_path: Path,
                                                   breakage: str) -> None:
    if breakage == "truncated flow":
        path = flow_file(fake, "006", "006_1_2")
        path.write_bytes(path.read_bytes()[:100])
        expected = "006_006_1_2 .png' of sample samm/006/006_1_2 is truncated"
    else:
        (fake / LABEL_CSV).unlink()
        expected = f"{LABEL_CSV}' is missing"
    code, _out, err = cli("run", "--model", "ststnet", "--dataset", "composite",
                          "--dataset-opt", f"data_root={fake.parent}", "--epochs", "1",
                          "--out", tmp_path / "run", "--quiet")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("merbench: error: composite: ")
    assert expected in lines[0]


# ----------------------------------------------------------------------------- real release


@pytest.fixture(scope="module")
def composite(real_data: Path):
    return make_composite(str(real_data / "composite"))


@pytest.mark.realdata
def test_real_counts(composite) -> None:
    samples = composite.samples
    assert len(samples) == 442 and composite.n_subjects == 68
    assert samples["label"].value_counts().sort_index().tolist() == [250, 109, 83]
    per_database = {db: part["label"].value_counts().sort_index().tolist()
                    for db, part in samples.groupby("database")}
    assert per_database == {"smic": [70, 51, 43], "casme2": [88, 32, 25],
                            "samm": [92, 26, 15]}
    assert samples.groupby("database")["subject"].nunique().to_dict() == \
        {"smic": 16, "casme2": 24, "samm": 28}
    # the release lists exactly the official samples, in the official order
    assert samples["sample_id"].tolist() == load_ground_truth()["sample_id"].tolist()


@pytest.mark.realdata
def test_real_loso_folds(composite) -> None:
    samples = composite.samples
    folds = LeaveOneSubjectOut().folds(samples)
    assert len(folds) == 68
    keys = [fold.key for fold in folds]
    assert len(set(keys)) == 68
    assert set(keys) == set(zip(samples["database"], samples["subject"], strict=True))
    subject = samples["database"] + "/" + samples["subject"]
    for fold in folds:
        assert set(subject[fold.test]) == {"/".join(fold.key)}
        assert "/".join(fold.key) not in set(subject[fold.train])
        assert len(fold.train) + len(fold.test) == 442


@pytest.mark.realdata
def test_real_quirks(composite) -> None:
    samples = composite.samples.set_index("sample_id")
    names = samples["flow_path"].map(lambda p: Path(p).name)
    assert names.str.endswith(" .png").all()
    assert (names == samples["subject"] + "_" + samples["clip"] + " .png").all()
    smic = samples.loc["smic/s01/s01_ne_01"]
    assert Path(smic["flow_path"]).name == "s01_s01_ne_01 .png"
    assert Path(smic["apex_path"]).name == "s01_s1_ne_01.jpg"
    # SAMM keeps its zero-padded subject ids; CASME II clip names repeat across subjects
    assert samples.loc["samm/006/006_1_2", "subject"] == "006"
    assert {"casme2/sub06/EP01_01", "casme2/sub07/EP01_01"} <= set(samples.index)


@pytest.mark.realdata
def test_real_flow_images(composite) -> None:
    import cv2

    flows = composite.read_all("flow_uvos")
    assert flows.shape == (442, 28, 28, 3) and flows.dtype == np.uint8
    flat = flows.reshape(442, -1, 3)
    # every channel of every image min-max scaled to exactly 0..255
    assert (flat.min(axis=1) == 0).all() and (flat.max(axis=1) == 255).all()
    # B, G, R = strain, v, u: the strain (channel 0) sits far below the signed flows
    means = flat.mean(axis=(0, 1))
    assert means[0] < means[1] - 30 and means[0] < means[2] - 30
    for index in (0, 200, 441):
        path = composite.samples["flow_path"][index]
        np.testing.assert_array_equal(flows[index], cv2.imread(path))
    face = composite.read("apex_face", 300)
    assert face.shape == (224, 224, 3) and face.dtype == np.uint8


@pytest.mark.realdata
def test_real_fingerprint_is_stable(composite, real_data: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert composite.fingerprint() == REAL_FINGERPRINT
    (tmp_path / "composite").symlink_to(real_data / "composite", target_is_directory=True)
    elsewhere = make_composite(str(tmp_path))
    assert str(tmp_path) in elsewhere.samples["flow_path"][0]
    monkeypatch.setenv(DATA_ENV, str(real_data))
    assert elsewhere.fingerprint() == make_composite().fingerprint() == REAL_FINGERPRINT


@pytest.mark.realdata
def test_real_release_copy_with_a_deleted_and_a_truncated_flow(real_data: Path,
                                                               tmp_path: Path) -> None:
    copy = tmp_path / "composite"
    shutil.copytree(real_data / "composite", copy)
    truncated = flow_file(copy, "sub11", "EP13_02f")
    truncated.write_bytes(truncated.read_bytes()[:700])
    data = make_composite(str(copy))
    message = error_of(lambda: data.read_all("flow_uvos"))
    assert f"'{truncated}' of sample casme2/sub11/EP13_02f is truncated" in message
    flow_file(copy, "s03", "s03_po_11").unlink()
    message = error_of(lambda: make_composite(str(copy)))
    assert "s03_s03_po_11 .png' of sample smic/s03/s03_po_11 (CSV line" in message
