"""``merbench status`` is ``validate``'s cheap half: whatever it calls finished, ``validate``
accepts as to its structure (issue 84). It called "complete" a spotting run whose
``spotting.json`` was deeply nested, a ``str.json`` in Latin-1, a spotting folder with a
broken videos file and a tuning whose ``tune.json`` was nested, all of which ``validate``
rejects.

Over a corpus of broken results of every kind that ``status`` follows (an emotion run, an
action-unit run, a spotting run, a spot-then-recognise run, a tuning), each of their files
broken each way (nested, the wrong type, the wrong encoding, truncated, a piece missing),
the two commands never disagree: where ``validate`` refuses, ``status`` says no "complete"
or "finished"; and neither prints a traceback.

Values out of range (a ``wall_time_s`` of 1e999, a negative ``n_samples``, an
``iou_threshold`` of -5) are refused by both through the same checks
(:mod:`merbench.results.recorded_values`). What only a recomputation from the predictions can
catch (a UF1 of 0.99 where they give 0.72, a prediction changed) is ``validate``'s alone:
``status`` recomputes nothing, so it is not held here. A tuning's files that disagree in
shape with its ``tune.json`` (a ``predictions.csv`` cut short, a ``runs.tar.xz`` without the
runs it names, a ``tuning.json`` of another search) are ``status``'s to see: it counts them
without recomputing anything.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

#: (kind in the examples fixture, the folder under it, the files of it broken)
CORPUS = [
    ("emotion run", "", ["results.json"]),
    ("action-unit run", "", ["au-results.json"]),
    ("spotting run", "", ["spotting.json", "spot-run.json", "videos/0000.json"]),
    ("spot-then-recognise summary over seeds", "seed-0", ["str.json"]),
    ("tuning", "", ["tune.json", "tuning.json"]),
]


def _nested(data: bytes) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


def _a_list(data: bytes) -> bytes:
    return b"[]"


def _null(data: bytes) -> bytes:
    return b"null"


def _first_field(data: bytes, change: Callable[[dict, str], None]) -> bytes:  # type: ignore[type-arg]
    value = json.loads(data)
    key = next(k for k in value if k not in ("kind", "schema_version"))
    change(value, key)
    return json.dumps(value).encode()


def _wrong_type(data: bytes) -> bytes:
    return _first_field(data, lambda value, key: value.__setitem__(key, [1, "two"]))


def _missing(data: bytes) -> bytes:
    return _first_field(data, lambda value, key: value.__delitem__(key))


def _latin1(data: bytes) -> bytes:
    """The same JSON with one string holding an accented letter saved in Latin-1."""
    text = data.decode("utf-8")
    at = text.index('"', text.index(":")) + 1  # inside the first string value
    return (text[:at] + "\u00e9" + text[at:]).encode("latin-1")


def _truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


def _huge_integer(data: bytes) -> bytes:
    """The first field given a number of 5,000 digits (past Python's conversion limit)."""
    value = json.loads(data)
    key = next(k for k in value if k not in ("kind",))
    value[key] = "@huge@"
    return json.dumps(value).encode().replace(b'"@huge@"', b"9" * 5000)


BREAKS: dict[str, Callable[[bytes], bytes]] = {
    "nested": _nested, "a list": _a_list, "null": _null, "wrong type": _wrong_type,
    "missing piece": _missing, "latin-1": _latin1, "truncated": _truncated,
    "huge integer": _huge_integer}

CASES = [(kind, below, name, how) for kind, below, names in CORPUS for name in names
         for how in BREAKS]


@pytest.mark.parametrize(("kind", "below", "name", "how"), CASES,
                         ids=[f"{k}:{n}:{h}" for k, _, n, h in CASES])
def test_status_never_calls_finished_what_validate_refuses(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, below: str, name: str,
        how: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    folder = folder / below if below else folder
    path = folder / name
    path.write_bytes(BREAKS[how](path.read_bytes()))
    v_code, v_out, v_err = cli("validate", folder)
    _, s_out, s_err = cli("status", folder)
    for said in (v_out + v_err, s_out + s_err):
        assert "Traceback" not in said and "RecursionError" not in said, said
    assert v_code != 0, f"validate accepted {name} broken ({how}): {v_out}"
    finished = [line for line in s_out.splitlines()
                if ": complete" in line or "finished: tune.json written" in line]
    assert not finished, f"status calls finished what validate refuses ({v_err.strip()}):" \
                         f"\n{s_out}"
    # what status says instead is one line a user can act on, never Python's own words
    assert "indices must be" not in s_out + s_err and "object has no" not in s_out + s_err


def _nan(data: bytes) -> bytes:
    """The same JSON with its first number that is not an integer written as NaN."""
    value = json.loads(data)
    stack = [value]
    while stack:
        item = stack.pop(0)
        children = item.items() if isinstance(item, dict) else \
            enumerate(item) if isinstance(item, list) else ()
        for key, child in children:
            if isinstance(child, float):
                item[key] = float("nan")
                return json.dumps(value).encode()
            stack.append(child)
    raise AssertionError("no number to write as NaN")


def _infinity(data: bytes) -> bytes:
    return _nan(data).replace(b"NaN", b"-Infinity", 1)


TOKENS = [("emotion run", "results.json"), ("action-unit run", "au-results.json"),
          ("spotting run", "spotting.json"), ("tuning", "tune.json")]


def _agree(cli, folder: Path, what: str) -> None:
    v_code, v_out, v_err = cli("validate", folder)
    _, s_out, s_err = cli("status", folder)
    for said in (v_out + v_err, s_out + s_err):
        assert "Traceback" not in said and "RecursionError" not in said, said
    assert v_code != 0, f"validate accepted {what}: {v_out}"
    finished = [line for line in s_out.splitlines()
                if ": complete" in line or "finished: tune.json written" in line]
    assert not finished, f"status calls finished {what}, which validate refuses " \
                         f"({v_err.strip()}):\n{s_out}"


@pytest.mark.parametrize(("kind", "name"), TOKENS)
@pytest.mark.parametrize("how", [_nan, _infinity])
def test_a_nan_or_infinity_token_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str,
        how: Callable[[bytes], bytes]) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = folder / name
    path.write_bytes(how(path.read_bytes()))
    _agree(cli, folder, f"{name} holding {how.__name__[1:]}")


@pytest.mark.parametrize("kind", ["emotion run", "action-unit run", "spotting run", "tuning"])
@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000, b"[]", b"null",
                                     b"\x00\xff\xfe binary", b'{"schema_version": 1, "x":'],
                         ids=["nested", "a list", "null", "binary", "truncated"])
def test_a_broken_audit_record_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, content: bytes) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    (folder / "audit.json").write_bytes(content)
    _agree(cli, folder, "a broken audit.json")


def test_a_fold_file_beyond_the_runs_folds_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "result",
                                  symlinks=False))
    shutil.copy(folder / "folds" / "fold-000.npz", folder / "folds" / "fold-099.npz")
    _agree(cli, folder, "an extra folds/fold-099.npz")
    _, out, _ = cli("status", folder)
    assert "folds/fold-099.npz is beyond its 2 folds" in out, out


def test_a_results_file_with_a_utf8_byte_order_mark_is_complete_to_both(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "result",
                                  symlinks=False))
    path = folder / "results.json"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    v_code, _, v_err = cli("validate", folder)
    assert v_code == 0, v_err
    code, out, err = cli("status", folder)
    assert code == 0 and ": complete, 2/2 folds (results.json)" in out, out + err


SUMMARIES = [("summary over seeds", "seeds.json"),
             ("action-unit summary over seeds", "au-seeds.json"),
             ("tuning summary over seeds", "tune-seeds.json"),
             ("spot-then-recognise summary over seeds", "str-seeds.json")]


def _created_a_number(data: bytes) -> bytes:
    value = json.loads(data)
    value["created"] = 5
    return json.dumps(value).encode()


@pytest.mark.parametrize(("kind", "name"), SUMMARIES)
@pytest.mark.parametrize("how", ["nested", "wrong type", "created: 5", "extra seed-7"])
def test_status_says_what_validate_refuses_in_a_summary_over_seeds(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str,
        how: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = folder / name
    if how == "extra seed-7":
        shutil.copytree(folder / "seed-1", folder / "seed-7")
    else:
        change = _created_a_number if how == "created: 5" else BREAKS[how]
        path.write_bytes(change(path.read_bytes()))
    v_code, v_out, _ = cli("validate", folder)
    assert v_code != 0, f"validate accepted {name} ({how}): {v_out}"
    _, s_out, s_err = cli("status", folder)
    assert "Traceback" not in s_out + s_err, s_err
    said = [line for line in s_out.splitlines() if line.startswith(f"{folder}: ")]
    assert said and ("'merbench validate' refuses it" in said[0]
                     or "'merbench validate' says" in said[0]), s_out
    assert (name in said[0] or "seed-7" in said[0]), said[0]


@pytest.mark.parametrize("change", ["missing", "extra"])
def test_a_spotting_folder_missing_or_adding_a_video_file_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, change: str) -> None:
    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "result",
                                  symlinks=False))
    videos = folder / "videos"
    last = sorted(videos.glob("*.json"))[-1]
    if change == "missing":
        last.unlink()
    else:
        shutil.copy(last, videos / "0099.json")
    _agree(cli, folder, f"a spotting folder with a video file {change}")
    _, out, _ = cli("status", folder)
    said = f"{last.name} is missing; the run's files were" if change == "missing" else \
        "0099.json is no video of the run's"
    assert said in out, out


#: the JSON files merbench writes into a result, beside its results file: an editor that
#: saves one again with a UTF-8 byte-order mark leaves the same JSON, which both read
BOM_FILES = [("spotting run", "spot-run.json"), ("spotting run", "videos/0000.json"),
             ("spotting run", "spotting.json"), ("action-unit run", "au-results.json"),
             ("summary over seeds", "seeds.json"),
             ("spot-then-recognise summary over seeds", "str-seeds.json"),
             ("spot-then-recognise summary over seeds", "seed-0/str.json"),
             ("tuning", "tune.json"), ("tuning", "tuning.json")]


@pytest.mark.parametrize(("kind", "name"), BOM_FILES)
def test_a_file_with_a_utf8_byte_order_mark_is_read_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = folder / name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    v_code, v_out, v_err = cli("validate", folder)
    assert v_code == 0, v_out + v_err
    code, out, err = cli("status", folder)
    assert code == 0 and "validate" not in out and "cannot be read" not in out, out + err
    assert ": complete" in out or "finished: tune.json written" in out, out


@pytest.mark.parametrize("kind", ["tuning summary over seeds",
                                  "spot-then-recognise summary over seeds"])
def test_a_fifo_as_any_summary_over_seeds_is_said_by_status(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str) -> None:
    """status checked only seeds.json and au-seeds.json for a fifo: one named
    tune-seeds.json or str-seeds.json was passed over, and its seed runs called complete."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    name = "tune-seeds.json" if kind.startswith("tuning") else "str-seeds.json"
    (folder / name).unlink()
    os.mkfifo(folder / name)
    assert cli("validate", folder)[0] != 0
    _, out, _ = cli("status", folder)
    writer = "tune" if kind.startswith("tuning") else "spot"
    assert f"{folder}: {name} is a fifo, which merbench never reads (remove it: the same " \
           f"merbench {writer} --seeds command writes it again)" in out, out


@pytest.mark.parametrize("name", ["a\nb", "c\td", "e\x1b[2Jf"])
def test_a_folder_named_with_a_control_character_is_one_line_to_both(
        examples: dict[str, Path], tmp_path: Path, cli, name: str) -> None:
    """validate and status printed a newline in a folder's name raw: one result's line
    came out as two, the second starting with the rest of the name."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / name, symlinks=False))
    escaped = name.encode("unicode_escape").decode("ascii")
    shown = str(folder).replace(name, escaped)
    code, out, err = cli("validate", folder)
    assert code == 0 and out.splitlines() == [out.splitlines()[0]], out + err
    assert out.startswith(f"ok: {shown} ("), out
    code, out, err = cli("status", folder)
    assert code == 0 and out == f"{shown}: ststnet on synthetic/loso, seed 0: complete, 2/2 " \
                                "folds (results.json)\n", out + err
    (folder / "results.json").write_text("[]")  # a refusal names it in one line too
    code, out, err = cli("validate", folder)
    assert code != 0 and f"merbench: rejected: {shown}" in err, err
    assert all(line.startswith("merbench: ") for line in err.splitlines()), err


@pytest.mark.parametrize(("kind", "name", "what"), [
    ("spotting run", "spotting.json", "spotting results file"),
    ("spot-then-recognise summary over seeds", "seed-0/str.json", "spot-then-recognise file")])
def test_a_layout_this_merbench_does_not_read_is_said_by_status(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str,
        what: str) -> None:
    """status reads spotting.json and str.json through the typed reader every kind's file
    goes through (schema.read_kind, with no kind to check), in its words."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = folder / name
    value = json.loads(path.read_bytes())
    value["schema_version"] = 99
    path.write_text(json.dumps(value))
    assert cli("validate", path.parent)[0] != 0
    _, out, _ = cli("status", path.parent)
    assert f"written, but {path.name} is no {what} of layout 1 (schema_version 99) " \
           "('merbench validate' says more)" in out, out


#: (kind, file, dotted field, the value written there as JSON text): each a range a result's
#: file cannot be out of, which validate refused and status called complete
OUT_OF_RANGE = [
    ("emotion run", "results.json", "wall_time_s", "1e999"),
    ("emotion run", "results.json", "wall_time_s", "-5"),
    ("emotion run", "results.json", "wall_time_s", "1e308"),
    ("emotion run", "results.json", "dataset.n_samples", "-5"),
    ("spotting run", "spotting.json", "iou_threshold", "1e999"),
    ("spotting run", "spotting.json", "iou_threshold", "-5"),
    ("spot-then-recognise summary over seeds", "seed-0/str.json", "scores.micro.strs",
     "1e999"),
    ("spot-then-recognise summary over seeds", "seed-0/str.json", "recogniser.epochs", "-5"),
    ("action-unit run", "au-results.json", "dataset.n_samples", "-5"),
    ("tuning", "tune.json", "wall_time_s", "1e999"),
    # the second adversarial pass: counts and rates status called complete
    ("emotion run", "results.json", "protocol.n_folds", "-3"),
    ("emotion run", "results.json", "seed", "-3"),
    ("emotion run", "results.json", "folds.0.n_test", "-3"),
    ("emotion run", "results.json", "metrics_by_policy.fixed.metrics.overall.n", "-3"),
    ("spotting run", "spotting.json", "videos.0.fps", "1e999"),
    ("spotting run", "spotting.json", "videos.0.fps", "-3"),
    ("spotting run", "spotting.json", "videos.0.truth.0.onset", "-3"),
    ("spotting run", "spotting.json", "dataset.n_subjects", "-3"),
    ("action-unit run", "au-results.json", "protocol.n_folds", "-3"),
]


@pytest.mark.parametrize(("kind", "name", "field", "text"), OUT_OF_RANGE,
                         ids=[f"{n}:{f}={v}" for _, n, f, v in OUT_OF_RANGE])
def test_a_value_out_of_range_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str, field: str,
        text: str) -> None:
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = folder / name
    value = json.loads(path.read_bytes())
    *parents, last = field.split(".")
    inner = value
    for key in parents:  # a number is a list's index
        inner = inner[int(key)] if isinstance(inner, list) else inner[key]
    inner[last] = "@value@"
    path.write_bytes(json.dumps(value).encode().replace(b'"@value@"', text.encode()))
    _agree(cli, path.parent, f"{name} with {field} {text}")
    _, out, _ = cli("status", path.parent)
    assert f"{last} is " in out and "'merbench validate'" in out, out


@pytest.mark.parametrize("kind", ["emotion run", "spotting run", "tuning"])
@pytest.mark.parametrize("entry", ["fifo", "folder", "symlink"])
def test_an_audit_record_that_is_no_file_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, entry: str) -> None:
    """validate refuses a run whose audit.json is a fifo, a folder or a link; status called
    it complete ("audit.json is a fifo, which merbench never reads")."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    audit = folder / "audit.json"
    audit.unlink(missing_ok=True)
    {"fifo": lambda: os.mkfifo(audit), "folder": audit.mkdir,
     "symlink": lambda: audit.symlink_to(folder / name_of_results(kind))}[entry]()
    _agree(cli, folder, f"an audit.json that is a {entry}")
    _, out, _ = cli("status", folder)
    assert "audit.json is a" in out and "'merbench audit' writes it" in out, out
    assert "run --resume" not in out, out


def name_of_results(kind: str) -> str:
    return {"emotion run": "results.json", "spotting run": "spotting.json",
            "tuning": "tune.json"}[kind]


def _cut_short(folder: Path) -> str:
    path = folder / "predictions.csv"
    path.write_bytes(path.read_bytes()[:100])
    return "rows where tune.json reports"


def _last_field_cut(folder: Path) -> str:
    path = folder / "predictions.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-2] + b"\n")
    return "(after the header) has no y_pred"


def _huge_label(folder: Path) -> str:
    path = folder / "predictions.csv"
    header, first, *rest = path.read_text().split("\n")
    path.write_text("\n".join([header, first.rsplit(",", 1)[0] + "," + "9" * 30, *rest]))
    return "row 1 (after the header) has a y_pred that is not a class index"


def _no_runs_archived(folder: Path) -> str:
    tarfile.open(folder / "runs.tar.xz", "w:xz").close()
    return "which is not a folder inside the tuning's runs.tar.xz"


def _negative_trials(folder: Path) -> str:
    path = folder / "tuning.json"
    record = json.loads(path.read_text())
    record["spec"]["trials"] = -2
    path.write_text(json.dumps(record))
    return "tuning.json is not the record of a search (trials is -2; a search has 1 or more " \
           "trials)"


#: a tuning's file that disagrees in shape with its tune.json (the third adversarial pass):
#: status said "finished: tune.json written" of each, "2 of -2 runs finished" of the last
SHAPES: dict[str, Callable[[Path], str]] = {
    "predictions cut short": _cut_short, "predictions' last field cut": _last_field_cut,
    "a label of 30 digits": _huge_label,
    "an empty runs.tar.xz": _no_runs_archived, "trials -2 in tuning.json": _negative_trials}


@pytest.mark.parametrize(("kind", "below"), [("tuning", ""),
                                             ("tuning summary over seeds", "seed-0")])
@pytest.mark.parametrize("how", SHAPES)
def test_status_never_calls_finished_a_tuning_of_another_shape_than_its_record(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, below: str,
        how: str) -> None:
    top = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    folder = top / below if below else top
    said = SHAPES[how](folder)
    v_code, v_out, _ = cli("validate", top)
    assert v_code != 0, f"validate accepted {how}: {v_out}"
    _, s_out, s_err = cli("status", top)
    assert "Traceback" not in s_out + s_err, s_err
    line = [line for line in (s_out + s_err).splitlines() if f"{folder}:" in line or
            f"{folder}/" in line]
    assert len(line) == 1, s_out + s_err
    assert "finished: tune.json written" not in line[0] and said in line[0], line[0]
    assert "-2 " not in line[0].replace("trials is -2", ""), line[0]  # no count below 0


def _cell(column: int, text: str) -> Callable[[Path], None]:
    """predictions.csv with one cell of its first row set to ``text``: the same shape."""
    def change(path: Path) -> None:
        header, first, *rest = path.read_text().split("\n")
        cells = first.split(",")
        cells[column] = text
        path.write_text("\n".join([header, ",".join(cells), *rest]))
    return change


def _nul_mid(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2] + b"\x00" + data[len(data) // 2:])


def _json_field(field: str, text: str | None) -> Callable[[Path], None]:
    """The JSON file with ``field`` (dotted; a number is a list's index) set to the JSON
    ``text``, or removed (None)."""
    def change(path: Path) -> None:
        value = json.loads(path.read_bytes())
        *parents, last = field.split("/")
        inner = value
        for key in parents:
            inner = inner[int(key)] if isinstance(inner, list) else inner[key]
        if text is None:
            del inner[last]
        else:
            inner[int(last) if isinstance(inner, list) else last] = "@value@"
        path.write_bytes(json.dumps(value).encode().replace(b'"@value@"', (text or "").encode()))
    return change


def _chosen(path: Path) -> None:
    """spotting.json with the oracle's choice for its first subject set to setting -7."""
    record = json.loads(path.read_bytes())
    chosen = record["policies"]["oracle"]["chosen"]
    chosen[next(iter(chosen))] = -7
    path.write_text(json.dumps(record))


def _key_of_fold_0(path: Path) -> None:
    """results.json with fold 1 recorded under fold 0's key."""
    record = json.loads(path.read_bytes())
    record["folds"][1]["key"] = record["folds"][0]["key"]
    path.write_text(json.dumps(record))


def _fold_record_dropped(path: Path) -> None:
    """results.json (or au-results.json) without its last fold's record."""
    record = json.loads(path.read_bytes())
    record["folds"] = record["folds"][:-1]
    path.write_text(json.dumps(record))


#: (kind, file, how it is edited): files that keep their shape but disagree with the others
#: of their result (the fourth adversarial pass, N2, and its fuzz cases t_0198, t_0200,
#: ts_0161, ts_0178, ts_0227, s_0189, srs_0266, srs_0114, s_0248), each "complete" or
#: "finished" to status and refused by validate
DISAGREEING = [
    ("tuning", "predictions.csv", "sample id -1", _cell(0, "-1")),
    ("tuning", "predictions.csv", "database 1e309", _cell(1, "1e309")),
    ("tuning", "predictions.csv", "subject -1", _cell(2, "-1")),
    ("tuning", "predictions.csv", "a NUL in mid-file", _nul_mid),
    ("tuning summary over seeds", "seed-1/predictions.csv", "sample id -1", _cell(0, "-1")),
    ("tuning summary over seeds", "seed-1/predictions.csv", "subject 1e309",
     _cell(2, "1e309")),
    ("spotting run", "spot-run.json", "spotter.version removed",
     _json_field("spotter/version", None)),
    ("spotting run", "spot-run.json", "a setting's p Infinity",
     _json_field("variants/2/p", "Infinity")),
    ("spotting run", "spot-run.json", "a NUL in the dataset's name",
     _json_field("dataset/name", '"a\\u0000b"')),
    ("spot-then-recognise summary over seeds", "seed-0/spot-run.json",
     "spotter.version removed", _json_field("spotter/version", None)),
    ("spotting run", "spotting.json", "a chosen setting -7",
     _chosen),
    ("action-unit run", "au-results.json", "model.version -7",
     _json_field("model/version", "-7")),
    ("emotion run", "results.json", "model.version -7", _json_field("model/version", "-7")),
    # pass 84i, P7: a fold's record that its fold file contradicts (validate compares them
    # without recomputing anything)
    ("emotion run", "results.json", "fold 1 under fold 0's key", _key_of_fold_0),
    ("emotion run", "results.json", "folds.0.n_train 999", _json_field("folds/0/n_train", "999")),
    ("emotion run", "results.json", "folds.1.n_test 999", _json_field("folds/1/n_test", "999")),
    ("emotion run", "results.json", "folds.0.index 1", _json_field("folds/0/index", "1")),
    ("emotion run", "results.json", "folds.0.device", _json_field("folds/0/device", '"cuda:7"')),
    ("action-unit run", "au-results.json", "folds.0.n_train 999",
     _json_field("folds/0/n_train", "999")),
    # pass 84j, Q3: a fold's record missing (status compared the records there were)
    ("emotion run", "results.json", "the last fold's record dropped", _fold_record_dropped),
    ("action-unit run", "au-results.json", "the last fold's record dropped",
     _fold_record_dropped),
]


@pytest.mark.parametrize(("kind", "name", "how", "change"), DISAGREEING,
                         ids=[f"{k}:{n}:{h}" for k, n, h, _ in DISAGREEING])
def test_status_never_calls_finished_files_that_disagree_with_one_another(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str, how: str,
        change: Callable[[Path], None]) -> None:
    top = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    path = top / name
    change(path)
    v_code, v_out, v_err = cli("validate", top)
    assert v_code != 0, f"validate accepted {name} with {how}: {v_out}"
    _, out, err = cli("status", top)
    assert "Traceback" not in out + err, err
    # the edited result's own line (a summary over seeds has one for each seed)
    line = [line for line in out.splitlines() if line.startswith(f"{path.parent}: ")]
    assert len(line) == 1, out + err
    assert ": complete" not in line[0] and "finished: tune.json written" not in line[0] \
        and "'merbench validate'" in line[0], f"{line[0]}\nvalidate: {v_err}"


def test_validate_says_why_a_spotting_runs_record_cannot_be_read(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Pass 84c: a spot-run.json cut in half was "cannot be read" to validate, with no
    reason (status gave one)."""
    folder = Path(shutil.copytree(examples["spotting run"], tmp_path / "result",
                                  symlinks=False))
    path = folder / "spot-run.json"
    path.write_bytes(_truncated(path.read_bytes()))
    code, _, err = cli("validate", folder)
    assert code == 2 and "spot-run.json cannot be read (not JSON at line " in err, err
    assert "publish the folder as merbench spot wrote it" in err, err


def test_a_fold_recorded_under_another_key_is_said_the_same_way_by_both(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Pass 84i, P7: validate quoted the results file's key as a Python list (``['syn1',
    's01']``) beside the fold file's ``syn2/s01``, and status called the run complete."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "result",
                                  symlinks=False))
    keys = [fold["key"] for fold in json.loads((folder / "results.json").read_bytes())["folds"]]
    _key_of_fold_0(folder / "results.json")
    said = f"fold 1 is {'/'.join(keys[1])} in its fold file but {'/'.join(keys[0])} in " \
           "results.json"
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err and "['" not in err, err
    code, out, _ = cli("status", folder)
    assert code == 0 and f"written, but {said} ('merbench validate' refuses it)" in out, out


def test_a_results_file_missing_a_fold_record_is_said_the_same_way_by_both(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """Pass 84j, Q3: validate refused a results.json that lost a fold's record, and status
    called the run "complete, 3/3 folds"."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "result",
                                  symlinks=False))
    n_folds = len(json.loads((folder / "results.json").read_bytes())["folds"])
    _fold_record_dropped(folder / "results.json")
    said = f"lists {n_folds - 1} folds but the protocol has {n_folds} (protocol.n_folds)"
    code, _, err = cli("validate", folder)
    assert code == 2 and said in err, err
    code, out, _ = cli("status", folder)
    assert code == 0 and f"written, but results.json {said} ('merbench validate' refuses " \
        "it)" in out, out


def _merbench_version(results: dict) -> None:  # type: ignore[type-arg]
    results["environment"]["merbench"] = "9.9.9"


def _class_renamed(results: dict) -> None:  # type: ignore[type-arg]
    results["dataset"]["classes"][0] = "n\u00e9gative"


@pytest.mark.parametrize(("edit", "said"), [
    (_merbench_version, "model.provider says merbench "),
    (_class_renamed, "the samples, subjects and labels the folds tested give the sample-list "
                     "fingerprint ")], ids=["environment.merbench", "class renamed"])
def test_fields_that_contradict_each_other_are_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli, edit: Callable[[dict], None],  # type: ignore[type-arg]
        said: str) -> None:
    """Pass 84l, N11: status called complete a results.json whose environment.merbench was
    edited (a first-party plugin's version is merbench's) or whose class was renamed (the
    sample-list fingerprint is of the classes too), both of which validate refuses without
    recomputing a score. Both now make those checks through one function."""
    folder = Path(shutil.copytree(examples["emotion run"], tmp_path / "result",
                                  symlinks=False))
    path = folder / "results.json"
    value = json.loads(path.read_text())
    edit(value)
    path.write_text(json.dumps(value))
    _agree(cli, folder, f"results.json edited ({edit.__name__[1:]})")
    code, out, err = cli("status", folder)
    assert code == 0 and out.count("\n") == 1, out + err
    assert f"written, but {said}" in out and out.endswith(
        "('merbench validate' refuses it)\n"), out
    assert str(folder) not in out.split(": ", 1)[1], out  # the folder named once


def test_an_au_run_whose_environment_contradicts_its_providers_is_refused_by_both(
        examples: dict[str, Path], tmp_path: Path, cli) -> None:
    """The AU run's status made its own part of validate's checks too: an edited
    environment.merbench was "complete" to status. Its kind's checks that recompute no score
    are now one function for both."""
    folder = Path(shutil.copytree(examples["action-unit run"], tmp_path / "result",
                                  symlinks=False))
    path = folder / "au-results.json"
    value = json.loads(path.read_text())
    _merbench_version(value)
    path.write_text(json.dumps(value))
    _agree(cli, folder, "au-results.json with environment.merbench edited")
    _, out, _ = cli("status", folder)
    assert "written, but au-results.json: model.provider says merbench " in out, out


def _popped(*keys: str | int) -> Callable[[dict], None]:  # type: ignore[type-arg]
    """An edit dropping the first element of the list at ``keys``."""
    def change(value: dict) -> None:  # type: ignore[type-arg]
        for key in keys:
            value = value[key]
        value.pop(0)  # type: ignore[attr-defined]
    return change


def _set(*keys: str | int, to: object) -> Callable[[dict], None]:  # type: ignore[type-arg]
    """An edit setting the value at ``keys`` to ``to``."""
    def change(value: dict) -> None:  # type: ignore[type-arg]
        *parents, last = keys
        for key in parents:
            value = value[key]
        value[last] = to  # type: ignore[index]
    return change


#: (kind, the folder under it, its file, the edit, what all three commands say of it)
SHOWN = [
    # pass 84o, O1: a score list one element short was a traceback to show
    ("emotion run", "", "results.json", _popped("intervals", "overall", "uf1"),
     "results.json: intervals.overall.uf1 holds 1 number; an interval is a pair [low, high]"),
    ("action-unit run", "", "au-results.json", _popped("overall", "f1"),
     "au-results.json: overall.f1 holds 11 entries, not one for each of the 12 AUs of au_set"),
    ("action-unit run", "", "au-results.json", _popped("overall", "positives"),
     "au-results.json: overall.positives holds 11 entries, not one for each of the 12 AUs"),
    ("action-unit run", "", "au-results.json", _popped("intervals", "overall", "mean_f1"),
     "au-results.json: intervals.overall.mean_f1 holds 1 number; an interval is a pair"),
    # pass 84o, O3: str.json flagged by status, or damaged in its layout, printed by show
    ("spot-then-recognise summary over seeds", "seed-0", "str.json",
     _set("scores", "micro", "strs", to=-1), "str.json: scores.micro.strs is -1; a score is "),
    ("spot-then-recognise summary over seeds", "seed-0", "str.json", _popped("videos"),
     "str.json: holds "),
    ("spot-then-recognise summary over seeds", "seed-0", "str.json",
     _set("videos", 0, "intervals", 0, "emotion", to=None), " has emotion null, not a class "),
    ("spot-then-recognise summary over seeds", "seed-0", "str.json",
     _set("videos", 0, "intervals", 0, "emotion", to=-1), " has emotion -1, not a class "),
]


@pytest.mark.parametrize(("kind", "below", "name", "change", "said"), SHOWN,
                         ids=[f"{n}:{c.__qualname__.split('.')[0]}:{s[:30]}"
                              for _, _, n, c, s in SHOWN])
def test_status_show_and_validate_refuse_a_layout_alike(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, below: str, name: str,
        change: Callable[[dict], None], said: str) -> None:  # type: ignore[type-arg]
    """Pass 84o, O1 and O3: show printed a traceback for a result whose score list was one
    element short (status called it complete), and printed a str.json that status flagged,
    or that lacked a video or gave an interval no emotion (validate refused them, saying
    Python's ``None`` for JSON's null). The layout checks that recompute no score are one
    for the three commands: each refuses in one line, saying the same."""
    top = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    folder = top / below if below else top
    value = json.loads((folder / name).read_text())
    change(value)
    (folder / name).write_text(json.dumps(value))
    _agree(cli, folder, f"{name} edited")
    code, out, err = cli("validate", folder)
    assert code == 2 and said in err and "None" not in err, err
    _, out, err = cli("status", folder)
    assert said in out and "Traceback" not in out + err, out + err
    for shown in (folder, top):  # the run, and the summary over seeds holding it
        code, out, err = cli("show", shown)
        assert code == 2 and "Traceback" not in out + err, out + err
        assert err.count("\n") == 1 and said in err and err.endswith(
            "('merbench validate' refuses it too; show prints only a result whose files "
            "agree)\n"), err
        assert str(folder / name) not in err, err  # the file named once, in its folder


SUMMARIES_SHOWN = [
    ("summary over seeds", "seeds.json", _popped("intervals", "overall", "uf1"),
     "seeds.json: intervals.overall.uf1 holds 1 number; an interval is a pair [low, high]"),
    ("action-unit summary over seeds", "au-seeds.json", _popped("overall", "mean", "f1"),
     "au-seeds.json: overall.mean.f1 holds "),
    ("action-unit summary over seeds", "au-seeds.json", _popped("interval", "mean_f1"),
     "au-seeds.json: interval.mean_f1 holds 1 number; an interval is a pair [low, high]"),
]


@pytest.mark.parametrize(("kind", "name", "change", "said"), SUMMARIES_SHOWN,
                         ids=[s[:40] for _, _, _, s in SUMMARIES_SHOWN])
def test_a_summary_with_a_short_score_list_is_refused_alike(
        examples: dict[str, Path], tmp_path: Path, cli, kind: str, name: str,
        change: Callable[[dict], None], said: str) -> None:  # type: ignore[type-arg]
    """Pass 84o, O1, in a summary over seeds: show printed a traceback for an interval cut
    to one number or a per-AU list one short. The summary's reader, which status, show and
    validate share, refuses it."""
    folder = Path(shutil.copytree(examples[kind], tmp_path / "result", symlinks=False))
    value = json.loads((folder / name).read_text())
    change(value)
    (folder / name).write_text(json.dumps(value))
    code, _, err = cli("validate", folder)
    assert code == 2 and f"merbench: rejected: {folder}: {said}" in err, err
    _, out, err = cli("status", folder)
    assert f"{folder}: {said}" in out and "Traceback" not in out + err, out + err
    code, out, err = cli("show", folder)
    assert code == 2 and err.count("\n") == 1 and f"{folder}: {said}" in err, out + err
