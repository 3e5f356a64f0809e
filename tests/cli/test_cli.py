"""The `trustkit` command through its runner: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from trustkit.cli import build_parser, main
from trustkit.scenario import MAX_FILE_BYTES

from ..conftest import MINI


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return sorted(action.choices)


def test_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ["", *_subcommands()]:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"] if name else ["--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "usage: trustkit" in out


def test_no_command_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    with pytest.raises(SystemExit) as info:
        main(["play"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["fly"])
    assert info.value.code == 2


def test_play_json_then_replay_gives_same_debrief(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys,
        "play",
        str(MINI),
        "--choices",
        "open,empathise,ask-smoke,reflect-job,share",
        "--json",
    )
    assert code == 0
    played = json.loads(out)
    assert set(played) == {"transcript", "debrief"}
    assert played["debrief"]["ending"]["id"] == "good-end"
    saved = tmp_path / "t.json"
    saved.write_text(json.dumps(played["transcript"]), encoding="utf-8")
    code, out, _ = run(capsys, "replay", str(saved), "--scenario", str(MINI), "--json")
    assert code == 0
    assert json.loads(out)["debrief"] == played["debrief"]
    # the whole `play --json` output is accepted too
    saved.write_text(json.dumps(played), encoding="utf-8")
    code, out, _ = run(capsys, "replay", str(saved), "--scenario", str(MINI))
    assert code == 0 and "Debrief:" in out


def test_play_option_ids_and_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, "play", str(MINI), "--choices", "smoker,push-on", "-o", str(target))
    assert code == 0 and "He leaves" in out
    assert json.loads(target.read_text())["ending"] == "walkout"


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ("1,9", "choice 2: option 9 does not exist here"),
        ("0", "numbered from 1"),
        ("1,,2", "an empty choice"),
        ("smoker,push-on,open", "choice 3 comes after the encounter ended"),
    ],
)
def test_play_bad_choices(capsys: pytest.CaptureFixture[str], choices: str, message: str) -> None:
    code, out, err = run(capsys, "play", str(MINI), "--choices", choices, "--json")
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_replay_tampered_transcript(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, _ = run(
        capsys,
        "play",
        str(MINI),
        "--choices",
        "open,empathise,ask-smoke,reflect-job,share",
        "--json",
    )
    data = json.loads(out)["transcript"]
    data["turns"][1]["trust_after"] = 99
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, err = run(capsys, "replay", str(bad), "--scenario", str(MINI))
    assert code == 1 and out == ""
    assert err.startswith(f"trustkit: {bad}: not reproducible: turn 2 records trust 99")


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files: dict[str, tuple[Path, str]] = {}

    def put(name: str, content: bytes, expect: str) -> None:
        p = tmp_path / name
        p.write_bytes(content)
        files[name] = (p, expect)

    put("empty.yaml", b"", ":1: the file is empty.")
    put("latin1.yaml", b"id: x\ntitle: \xe9t\xe9\n", ":2: the file is not valid UTF-8")
    put("broken.yaml", b"id: x\nnodes: [\n  - a\n", "this is not valid YAML")
    text = MINI.read_text(encoding="utf-8")
    put("types.yaml", text.replace("age: 58", "age: old").encode(), "'patient.age'")
    dup = text.replace("  - id: guarded", "  - id: story")
    put("dupes.yaml", dup.encode(), "duplicate")
    bomb = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    put("bomb.yaml", bomb.encode(), ":2: YAML anchors and aliases are not allowed")
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.write(b"# padding\n" * (MAX_FILE_BYTES // 10 + 10))
    files["big.yaml"] = (big, ":1: the file is 4.0 MiB")
    files["missing.yaml"] = (tmp_path / "missing.yaml", ": no such file.")
    return files


@pytest.mark.parametrize(
    "name",
    [
        "empty.yaml",
        "latin1.yaml",
        "broken.yaml",
        "types.yaml",
        "dupes.yaml",
        "bomb.yaml",
        "big.yaml",
        "missing.yaml",
    ],
)
@pytest.mark.parametrize("command", ["lint", "play"])
def test_bad_scenario_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, command: str
) -> None:
    path, expect = _bad_files(tmp_path)[name]
    args = [command, str(path)] + (["--choices", "1"] if command == "play" else [])
    code, out, err = run(capsys, *args)
    assert code == 1
    text = out if command == "lint" else err
    first = text.strip().splitlines()[0]
    assert first.startswith(("trustkit: " if command == "play" else "") + str(path))
    assert expect in first
    assert "Traceback" not in out + err
    if command == "play":
        assert err.count("\n") == 1


def test_lint_json_and_clean_exit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "lint", str(MINI), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["ok"] is True and data["files"][0]["scenario"] == "mini-cough"
    assert data["files"][0]["stats"]["nodes"] == 6
    broken = tmp_path / "x.yaml"
    broken.write_text(MINI.read_text().replace("next: story", "next: nowhere", 1))
    code, out, _ = run(capsys, "lint", str(broken), "--json")
    assert code == 1
    problem = json.loads(out)["files"][0]["problems"][0]
    assert problem["severity"] == "error" and "nowhere" in problem["message"]
    assert isinstance(problem["line"], int) and problem["line"] > 1


def test_lint_packaged_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "lint")
    assert code == 0, err
    assert "0 error(s)" in err


def test_graph_png_and_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "g.png"
    code, _, _ = run(capsys, "graph", str(MINI), "-o", str(png))
    assert code == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = tmp_path / "g.svg"
    code, _, _ = run(capsys, "graph", str(MINI), "-o", str(svg))
    assert code == 0 and "<svg" in svg.read_text()
    code, _, err = run(capsys, "graph", str(MINI), "-o", str(tmp_path / "g.gif"))
    assert code == 1 and "must end in .png or .svg" in err
    code, _, err = run(capsys, "graph", str(MINI), "-o", str(tmp_path / "no" / "dir" / "g.png"))
    assert code == 1 and "cannot write" in err and "Traceback" not in err


def test_schema_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["title"] == "trustkit scenario" and "nodes" in schema["properties"]


def test_scenarios_listing(capsys: pytest.CaptureFixture[str]) -> None:
    from trustkit.scenario import packaged_ids

    code, out, _ = run(capsys, "scenarios", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows] == packaged_ids()
    for r in rows:
        assert r["title"] and r["skills"]


def test_replay_bad_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cases = {
        "missing.json": (None, "no such file"),
        "empty.json": (b"", "the file is empty"),
        "bad.json": (b"{not json", "not valid JSON"),
        "latin.json": (b'{"a": "\xe9"}', "not valid UTF-8"),
        "list.json": (b"[1, 2]", "not a JSON object"),
        "deep.json": (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    }
    for name, (content, expect) in cases.items():
        p = tmp_path / name
        if content is not None:
            p.write_bytes(content)
        code, out, err = run(capsys, "replay", str(p))
        assert code == 1, name
        assert expect in err, (name, err)
        assert err.count("\n") == 1 and "Traceback" not in err


def test_interactive_play_through_stdin(tmp_path: Path) -> None:
    script = "open\nu\nopen\nempathise\nask-smoke\nreflect-job\nshare\n"
    proc = subprocess.run(
        [sys.executable, "-m", "trustkit.cli", "play", str(MINI), "-o", str(tmp_path / "t.json")],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "A shared plan" in proc.stdout
    assert json.loads((tmp_path / "t.json").read_text())["ending"] == "good-end"
    quit_early = subprocess.run(
        [sys.executable, "-m", "trustkit.cli", "play", str(MINI)],
        input="q\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert quit_early.returncode == 0 and "stopped before an ending" in quit_early.stdout


def test_lab_command_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess as sp

    seen = {}
    monkeypatch.setattr(sp, "call", lambda cmd: seen.setdefault("cmd", cmd) and 0)
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "00-welcome.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRUSTKIT_COURSE", str(tmp_path / "mine"))  # the learner's own copy
    assert main(["lab", "--port", "9999", "--no-browser"]) == 0
    cmd = seen["cmd"]
    assert cmd[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path / 'mine'}" in cmd
    assert (tmp_path / "mine" / "00-welcome.ipynb").read_text() == "{}"
    assert "--ServerApp.port=9999" in cmd and "--ServerApp.ip=127.0.0.1" in cmd
    assert "--LabApp.default_url=/lab/tree/00-welcome.ipynb" in cmd
