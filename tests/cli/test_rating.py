"""`trustkit instruments | score | calibrate` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trustkit.cli import main

from ..conftest import SF, SF_PUBLISHED  # noqa: E402


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return str(p)


def sf_csv(tmp_path: Path) -> str:
    lines = ["item,rater,score"]
    for i, row in enumerate(SF, start=1):
        lines += [f"target-{i},judge-{j},{v}" for j, v in enumerate(row, start=1)]
    return write(tmp_path, "sf.csv", "\n".join(lines) + "\n")


def test_help_texts(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("instruments", "score", "calibrate"):
        with pytest.raises(SystemExit) as info:
            main([cmd, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "--json" in out


def test_instruments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments")
    assert code == 0 and "care" in out and "option5" in out
    code, out, _ = run(capsys, "instruments", "--json")
    ids = [r["id"] for r in json.loads(out)]
    assert {"care", "option5", "collaborate", "trust", "calgary", "empathy_level"} <= set(ids)


def test_calibrate_reproduces_shrout_fleiss(capsys, tmp_path) -> None:
    path = sf_csv(tmp_path)
    code, out, err = run(capsys, "calibrate", "--ratings", path, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["n_items"] == 6 and data["n_raters"] == 4
    assert set(data["icc"]) == set(SF_PUBLISHED)
    for form, value in SF_PUBLISHED.items():
        assert round(data["icc"][form]["value"], 2) == value, form
        lo, hi = data["icc"][form]["ci95"]
        assert lo < data["icc"][form]["value"] < hi
    assert data["kappa"] is None  # four raters
    assert isinstance(data["krippendorff_alpha_ordinal"], float)
    code, out, _ = run(capsys, "calibrate", "--ratings", path)
    assert code == 0
    assert "0.29" in out and "0.91" in out and "excellent" in out and "poor" in out


def test_calibrate_two_raters_gives_kappa(capsys, tmp_path) -> None:
    rows = ["item,rater,score"]
    pairs = [(1, 1), (2, 2), (3, 2), (4, 4), (5, 4), (3, 3), (2, 1)]
    for i, (a, b) in enumerate(pairs):
        rows += [f"i{i},a,{a}", f"i{i},b,{b}"]
    path = write(tmp_path, "two.csv", "\n".join(rows))
    code, out, _ = run(capsys, "calibrate", "--ratings", path, "--json")
    data = json.loads(out)
    assert code == 0 and set(data["kappa"]) == {"linear", "quadratic"}
    assert data["kappa"]["linear"] < data["kappa"]["quadratic"] < 1
    code, out, _ = run(capsys, "calibrate", "--ratings", path)
    assert "quadratic" in out


def test_score_json_and_table(capsys, tmp_path) -> None:
    rows = ["respondent,item,value"]
    rows += [f"alice,{i},4" for i in range(1, 11)]
    rows += [f"bob,{i},5" for i in range(1, 9)] + ["bob,9,NA"]  # item 10 absent: 2 missing
    rows += [f"carol,{i},3" for i in range(1, 8)]  # 3 missing
    path = write(tmp_path, "care.csv", "\n".join(rows))
    code, out, _ = run(capsys, "score", "care", "--responses", path, "--json")
    data = json.loads(out)
    assert code == 0 and data["instrument"] == "care"
    assert data["scores"]["alice"] == {"score": 40.0, "reason": None}
    assert data["scores"]["bob"]["score"] == 50.0
    assert (
        data["scores"]["carol"]["score"] is None
        and "not scored" in data["scores"]["carol"]["reason"]
    )
    assert "top_score_share" not in data
    code, out, _ = run(capsys, "score", "care", "--responses", path)
    assert code == 0 and "alice" in out and "40.0" in out and "not scored" in out


def test_score_collaborate_top_score_share(capsys, tmp_path) -> None:
    rows = ["item,value,respondent"]  # column order does not matter
    rows += [f"{i},9,v1" for i in (1, 2, 3)] + [f"{i},{8 + (i == 1)},v2" for i in (1, 2, 3)]
    rows += [f"{i},9,v3" for i in (1, 2, 3)]
    path = write(tmp_path, "c.csv", "\n".join(rows))
    code, out, _ = run(capsys, "score", "collaborate", "--responses", path, "--json")
    data = json.loads(out)
    assert data["top_score_share"] == pytest.approx(2 / 3)
    assert [data["scores"][k]["score"] for k in ("v1", "v2", "v3")] == [1.0, 0.0, 1.0]
    code, out, _ = run(capsys, "score", "collaborate", "--responses", path)
    assert "67%" in out


SCORE_HEADER = "respondent,item,value\n"


@pytest.mark.parametrize(
    "args,content,expect",
    [
        (["score", "nosuch"], SCORE_HEADER + "a,1,3\n", "no instrument 'nosuch'"),
        (["score", "care"], SCORE_HEADER + "a,1,3\na,12,3\n", ":3: care has no item '12'"),
        (["score", "care"], SCORE_HEADER + "a,1,7\n", ":2: care item 1: 7 is outside the scale"),
        (["score", "care"], SCORE_HEADER + "a,1,2.5\n", ":2: care item 1: 2.5 is not a whole"),
        (
            ["score", "care"],
            SCORE_HEADER + "a,1,3\nb,1,3\na,1,4\n",
            ":4: respondent 'a' answers item 1 twice",
        ),
        (["score", "care"], SCORE_HEADER + "a,1,four\n", ":2: the value 'four' is not a number"),
        (["score", "care"], SCORE_HEADER + "a,1,inf\n", ":2: the value 'inf' is not a finite"),
        (["score", "care"], "", ":1: the file is empty"),
        (["score", "care"], SCORE_HEADER, ":2: the file has a header but no data rows"),
        (
            ["score", "care"],
            "who,item,value\na,1,3\n",
            ":1: the header lacks the column(s) respondent",
        ),
        (["score", "care"], SCORE_HEADER + "a,1\n", ":2: this row has 2 cell(s)"),
        (
            ["score", "care"],
            SCORE_HEADER.encode() + b"a,1,\xff\n",
            ":2: the file is not valid UTF-8",
        ),
        (["score", "care"], SCORE_HEADER + ",1,3\n", ":2: the respondent is empty"),
        (["calibrate"], "item,rater,score\ni,a,2\ni,b,x\n", ":3: the score 'x' is not a number"),
        (["calibrate"], "item,rater,score\ni,a,2\ni,a,3\n", ":3: rater 'a' rates item 'i' twice"),
        (["calibrate"], "item,score\ni,2\n", ":1: the header lacks the column(s) rater"),
        (["calibrate"], "item,rater,score\ni,a,2\nj,a,3\n", "at least two raters"),
        (["calibrate"], "item,rater,score\ni,a,2\ni,b,3\n", "at least 2 items"),
        (["calibrate"], b"item,rater,score\n\xc3\x28,a,1\n", ":2: the file is not valid UTF-8"),
        (["calibrate"], "", ":1: the file is empty"),
    ],
)
def test_bad_input_is_one_line_exit_1(capsys, tmp_path, args, content, expect) -> None:
    path = write(tmp_path, "in.csv", content)
    flag = "--responses" if args[0] == "score" else "--ratings"
    code, out, err = run(capsys, *args, flag, path)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("trustkit: ")
    assert "Traceback" not in err
    assert expect in err, err
    if expect.startswith(":"):  # FILE:LINE: sentence
        assert f"trustkit: {path}{expect}" in err, err


@pytest.mark.parametrize(
    "cmd,flag", [(["score", "care"], "--responses"), (["calibrate"], "--ratings")]
)
def test_missing_path_and_folder(capsys, tmp_path, cmd, flag) -> None:
    code, _, err = run(capsys, *cmd, flag, str(tmp_path / "nope.csv"))
    assert code == 1 and "no such file" in err and err.count("\n") == 1
    code, _, err = run(capsys, *cmd, flag, str(tmp_path))
    assert code == 1 and "folder" in err and "Traceback" not in err


def test_add_parsers_contract() -> None:
    import argparse

    from trustkit.cli.rating import add_parsers

    p = argparse.ArgumentParser()
    add_parsers(p.add_subparsers())
    args = p.parse_args(["instruments", "--json"])
    assert callable(args.func) and args.json is True


def test_bank_reports_the_panels_own_agreement(capsys: pytest.CaptureFixture[str]) -> None:
    from trustkit.bank import load_bank
    from trustkit.calibration import icc

    assert main(["bank", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    items = load_bank()
    assert out["n_replies"] == len(items) >= 120
    matrix = [[float(v) for v in i.values("quality")] for i in items]
    assert out["panel"]["quality"]["icc21"]["value"] == pytest.approx(icc(matrix)["ICC(2,1)"].value)
    spread = [i.id for i in items if max(i.values("quality")) - min(i.values("quality")) >= 2]
    assert out["panel"]["quality"]["discussion_items"] == spread and spread
    assert main(["bank"]) == 0
    text = capsys.readouterr().out
    assert "ICC(2,1)" in text and all(f"discuss {i}" in text for i in spread)


def test_graded_and_lesson_replies_are_not_discussion_items() -> None:
    """Grading a learner against a reply the panel itself disputes would be unfair."""
    import re

    from trustkit.bank import get_item, rating_sets

    root = Path(__file__).resolve().parent.parent.parent
    graded = set()
    for nb in (root / "solutions").glob("*/*.ipynb"):
        graded |= set(re.findall(r'\\"(b\d{3})\\"', nb.read_text(encoding="utf-8")))
    assert len(graded) >= 10
    used = graded | {i for ids in rating_sets().values() for i in ids}
    disputed = sorted(i for i in used if get_item(i).discussion_item)
    assert disputed == [], disputed
