"""Reading files (trustkit.loading): one clear FILE:LINE sentence for every kind of bad input,
and identifiers from learner files checked before anything is opened (issue 17, items 1 and 4).

Every test here failed before the fix it guards: a duplicate id reported at line 2, an unclosed
CSV quote (or a multi-line cell) at the wrong line, a pipe that hangs ``replay``/``lint``/
grading, a scenario ``lint`` rejects crashing ``play`` with an internal error, and ``lint`` and
``play`` disagreeing on which paths are scenario files.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trustkit.cli import main
from trustkit.errors import TrustkitError

from .conftest import MINI, MINI_GOOD, ROOT

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_py(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter of this tree; a hang fails the test, not the run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def limit_memory() -> None:  # reading /dev/zero must fail fast, not fill the machine
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            preexec_fn=limit_memory if sys.platform != "win32" else None,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung for {timeout:g} s (a pipe was read?)")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The line (from 1) of the ``occurrence``-th line containing ``needle``."""
    hits = [i for i, t in enumerate(text.splitlines(), 1) if needle in t]
    return hits[occurrence - 1]


# ---------------------------------------------------------------------------------------------
# TrustkitError(message, source=, line=)
# ---------------------------------------------------------------------------------------------
def test_error_is_structured_and_prints_as_before() -> None:
    err = TrustkitError("the file is empty.", source="s.yaml", line=1)
    assert str(err) == "s.yaml:1: the file is empty."
    assert (err.message, err.source, err.line) == ("the file is empty.", "s.yaml", 1)
    assert str(TrustkitError("no such file.", source="s.yaml")) == "s.yaml: no such file."
    old = TrustkitError("s.yaml:3: an old-style message")
    assert str(old) == "s.yaml:3: an old-style message" and old.source is None
    back = pickle.loads(pickle.dumps(err))  # class grading sends errors between processes
    assert (type(back), str(back), back.source, back.line) == (TrustkitError, str(err), "s.yaml", 1)


# ---------------------------------------------------------------------------------------------
# duplicate ids: at the line of the duplicate
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "needle", "occurrence", "message"),
    [
        ("  - id: guarded", "  - id: story", "  - id: story", 2, "duplicate id 'story'"),
        ("      - id: closed", "      - id: open", "      - id: open", 2, "duplicate option id"),
        ("  - id: walkout", "  - id: mixed-end", "  - id: mixed-end", 2, "duplicate id"),
        ("  - id: tired", "  - id: worry-fuss", "  - id: worry-fuss", 2, "duplicate opportunity"),
    ],
)
def test_duplicate_id_is_reported_at_the_duplicate(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    old: str,
    new: str,
    needle: str,
    occurrence: int,
    message: str,
) -> None:
    from trustkit.lint import lint_file
    from trustkit.scenario import load_file

    text = MINI.read_text(encoding="utf-8").replace(old, new, 1)
    path = tmp_path / "dupes.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, needle, occurrence)
    assert line > 20  # far from the top of the file, where the error used to point
    with pytest.raises(TrustkitError) as info:
        load_file(path)
    assert info.value.line == line and message in info.value.message, str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")
    (problem,) = lint_file(path).errors
    assert problem.line == line and message in problem.message


# ---------------------------------------------------------------------------------------------
# CSV: the line a row starts on; an unclosed quote where it opens
# ---------------------------------------------------------------------------------------------
def test_unclosed_csv_quote_is_reported_where_it_opens(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text('item,rater,score\ni,a,2\n"i,b,3\nj,a,1\nj,b,2\nk,a,4\n', encoding="utf-8")
    code, out, err = run(capsys, "calibrate", "--ratings", str(path))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"trustkit: {path}:3: ") and "never closed" in err, err


def test_csv_row_line_is_where_the_row_starts(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ratings.csv"
    # a quoted cell over two lines, then too few cells: the row starts on line 3
    path.write_text('item,rater,score\ni,a,2\n"j\nstill j",a\nk,b,1\n', encoding="utf-8")
    code, _, err = run(capsys, "calibrate", "--ratings", str(path))
    assert code == 1
    assert err.startswith(f"trustkit: {path}:3: this row has 2 cell(s)"), err


# ---------------------------------------------------------------------------------------------
# pipes and devices are never read
# ---------------------------------------------------------------------------------------------
def test_device_is_refused_without_reading() -> None:
    from trustkit import loading

    with pytest.raises(TrustkitError, match="not a regular file") as info:
        loading.read_bytes("/dev/zero", 1024, "transcript")
    assert info.value.source == "/dev/zero"
    with pytest.raises(TrustkitError, match="not a regular file"):
        loading.read_json("/dev/zero")


@needs_fifo
@pytest.mark.parametrize("command", ["replay", "lint"])
def test_a_pipe_given_as_the_file_does_not_hang(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / ("t.json" if command == "replay" else "s.yaml")
    os.mkfifo(fifo)
    proc = run_py(
        f"""
        import sys
        from trustkit.cli import main
        sys.exit(main([{command!r}, {str(fifo)!r}]))
        """,
        timeout=20,
    )
    text = proc.stdout + proc.stderr
    assert proc.returncode == 1, text
    assert str(fifo) in text and "this is not a regular file" in text
    assert "Traceback" not in text


@needs_fifo
def test_a_pipe_in_saved_work_is_refused_by_the_grader(tmp_path: Path) -> None:
    folder = tmp_path / "trustkit-work"
    folder.mkdir()
    os.mkfifo(folder / "roleplay-mini.json")
    (folder / "answers-ps.json").symlink_to("/dev/zero")
    proc = run_py(
        f"""
        from trustkit import work
        a = work.peek("roleplay-mini", "roleplay", {str(tmp_path)!r})
        b = work.peek("answers-ps", "answers", {str(tmp_path)!r})
        print(a.data, "|", a.message)
        print(b.data, "|", b.message)
        """,
        timeout=20,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first.startswith("None |") and "not a regular file" in first
    assert second.startswith("None |") and "not a regular file" in second
    assert (folder / "roleplay-mini.json").exists()  # a submission is never altered


# ---------------------------------------------------------------------------------------------
# scenario ids from learner files
# ---------------------------------------------------------------------------------------------
def _transcript(capsys: pytest.CaptureFixture[str]) -> dict:
    code, out, _ = run(capsys, "play", str(MINI), "--choices", ",".join(MINI_GOOD), "--json")
    assert code == 0
    return json.loads(out)["transcript"]


@pytest.mark.parametrize(
    "forged", ["../../etc/passwd", "/dev/zero", "FIFO", "Mini-Cough", "a" * 81, 7, ""]
)
def test_a_transcripts_scenario_id_is_never_opened(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    forged: object,
) -> None:
    import builtins
    import pathlib

    from trustkit.engine import ReplayError, replay

    if forged == "FIFO":
        if not hasattr(os, "mkfifo"):
            pytest.skip("needs named pipes")
        forged = str(tmp_path / "pipe.yaml")
        os.mkfifo(forged)
    data = _transcript(capsys)
    data["scenario"]["id"] = forged
    opened: list[str] = []

    def spy(real):  # record every file opened while replaying, then open it as asked
        def wrapper(target, *args, **kwargs):
            opened.append(os.fspath(target) if isinstance(target, str | os.PathLike) else "?")
            return real(target, *args, **kwargs)

        return wrapper

    def spy_read_bytes(self: pathlib.Path) -> bytes:
        opened.append(str(self))
        return real_read_bytes(self)

    real_read_bytes = pathlib.Path.read_bytes
    monkeypatch.setattr(builtins, "open", spy(builtins.open))
    monkeypatch.setattr(os, "open", spy(os.open))
    monkeypatch.setattr(pathlib.Path, "read_bytes", spy_read_bytes)
    with pytest.raises(ReplayError) as info:
        replay(data)
    monkeypatch.undo()
    assert "scenario" in str(info.value) and "\n" not in str(info.value)
    if isinstance(forged, str) and forged:
        assert not [p for p in opened if forged in p or p.endswith(("passwd", "zero"))], opened
    # through the command: one line, exit 1, whatever the id
    saved = tmp_path / "t.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run(capsys, "replay", str(saved))
    assert code == 1 and out == "" and err.count("\n") == 1, err
    assert err.startswith(f"trustkit: {saved}: not reproducible: ") and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# play and graph run lint's checks; lint and play accept the same paths
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("start: opening", "start: nowhere", "the start node 'nowhere' does not exist"),
        ("        next: walkout", "        next: nowhere", "leads to 'nowhere'"),
    ],
)
@pytest.mark.parametrize("command", ["play", "graph"])
def test_play_and_graph_block_on_lint_errors(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    old: str,
    new: str,
    expect: str,
    command: str,
) -> None:
    text = MINI.read_text(encoding="utf-8").replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    line = line_of(text, new.strip())
    args = ["--choices", "smoker,push-on"] if command == "play" else ["-o", str(tmp_path / "g.png")]
    code, out, err = run(capsys, command, str(path), *args)
    assert code == 1 and err.count("\n") == 1 and "internal error" not in err, err
    assert err.startswith(f"trustkit: {path}:{line}: ") and expect in err, err
    assert not (tmp_path / "g.png").exists()
    code, lint_out, _ = run(capsys, "lint", str(path))
    assert code == 1 and f"{path}:{line}: " in lint_out and expect in lint_out


@pytest.mark.parametrize("name", ["S.YAML", "s.yml", "s.Yaml", "s.json"])
def test_lint_and_play_accept_the_same_paths(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    import yaml

    monkeypatch.chdir(tmp_path)
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    text = json.dumps(data, indent=1) if name.endswith(".json") else MINI.read_text("utf-8")
    Path(name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "lint", name)
    assert code == 0, out + err
    code, out, err = run(capsys, "play", name, "--choices", ",".join(MINI_GOOD))
    assert code == 0 and "Debrief" in out, err


@pytest.mark.parametrize("name", ["s.txt", "scenario"])
def test_lint_and_play_refuse_the_same_paths(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(MINI.read_text("utf-8"), encoding="utf-8")
    code, lint_out, _ = run(capsys, "lint", name)
    assert code == 1
    code, _, play_err = run(capsys, "play", name, "--choices", "1")
    assert code == 1 and play_err.count("\n") == 1
    if name == "s.txt":  # a file name: not a scenario file, in the same words
        said = "not a scenario file"
        assert said in lint_out and said in play_err
    else:  # no suffix, no folder: a packaged id, for both
        assert "no packaged scenario 'scenario'" in lint_out
        assert "no packaged scenario 'scenario'" in play_err


# ---------------------------------------------------------------------------------------------
# every content kind through a model
# ---------------------------------------------------------------------------------------------
def _packaged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rel: str, text: str) -> None:
    """Make ``trustkit/data/<rel>`` read ``text`` (other packaged files unchanged)."""
    import trustkit._resources as res

    real = res.data_path
    target = tmp_path / "data" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")

    def patched(*parts: str):
        if "/".join(parts) == rel:
            return target
        return real(*parts)

    for name, module in list(sys.modules.items()):  # every module that bound the name too
        if name.startswith("trustkit") and getattr(module, "data_path", None) is real:
            monkeypatch.setattr(module, "data_path", patched)


def test_a_knowledge_check_with_an_impossible_answer_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from trustkit.widgets import quiz

    text = textwrap.dedent(
        """\
        # a lesson's checks
        - id: first
          question: Which one?
          options: [this, that]
          answer: 1
          explanation: Because.
        - id: second
          question: And now?
          options: [this, that, the other]
          answer: 3
          explanation: Because.
        """
    )
    _packaged(monkeypatch, tmp_path, "checks/zz-test.yaml", text)
    caches = [quiz.lesson_checks]
    try:
        from trustkit import content

        caches.append(content.lesson_checks)
    except ImportError:  # before trustkit.content existed
        pass
    for cached in caches:
        cached.cache_clear()
    try:
        with pytest.raises(TrustkitError) as info:
            quiz.lesson_checks("zz-test")
    finally:
        for cached in caches:
            cached.cache_clear()
    assert info.value.source == "trustkit/data/checks/zz-test.yaml"
    assert info.value.line == line_of(text, "answer: 3")
    assert "answer 3 is not an option index" in info.value.message


def _clear(*names: str) -> list:
    """The caches of the named loaders (``module.function``), cleared; those that exist."""
    import importlib

    found = []
    for name in names:
        module, _, attr = name.rpartition(".")
        try:
            fn = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):  # before the loader existed
            continue
        fn.cache_clear()
        found.append(fn)
    return found


def test_a_jargon_entry_without_its_gloss_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from trustkit import analyzer

    text = "- {term: dyspnoea, plain: breathlessness}\n- {term: pyrexia}\n"
    _packaged(monkeypatch, tmp_path, "jargon.yaml", text)
    caches = _clear("trustkit.analyzer.jargon_lexicon", "trustkit.content.jargon_terms")
    try:
        with pytest.raises(TrustkitError) as info:
            analyzer.jargon_lexicon()
    finally:
        for fn in caches:
            fn.cache_clear()
    assert str(info.value).startswith("trustkit/data/jargon.yaml:2: ")
    assert "'1.plain' is required but missing" in info.value.message


def test_a_rating_set_naming_an_unknown_reply_names_its_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from trustkit import bank

    text = "# sets\nlesson03:\n  - b020\n  - no-such-reply\n"
    _packaged(monkeypatch, tmp_path, "rating_sets.yaml", text)
    caches = _clear("trustkit.bank.rating_sets")
    try:
        with pytest.raises(TrustkitError) as info:
            bank.rating_sets()
    finally:
        for fn in caches:
            fn.cache_clear()
    assert info.value.source == "trustkit/data/rating_sets.yaml"
    assert info.value.line == 4 and "no-such-reply" in info.value.message


def test_a_duplicate_reply_in_the_bank_is_reported_at_the_duplicate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from trustkit import bank

    item = textwrap.dedent(
        """\
          - id: b001
            skills: [empathy]
            context: A follow-up visit.
            patient: "I'm scared."
            reply: "That sounds frightening."
            quality: [4, 5]
            note: Names the feeling.
        """
    )
    text = "# a bank\nraters: [r1, r2]\nitems:\n" + item + item
    _packaged(monkeypatch, tmp_path, "response_bank.yaml", text)
    caches = _clear("trustkit.bank._load")
    try:
        with pytest.raises(TrustkitError) as info:
            bank.load_bank()
    finally:
        for fn in caches:
            fn.cache_clear()
    assert info.value.source == "trustkit/data/response_bank.yaml"
    assert info.value.line == line_of(text, "- id: b001", 2)
    assert "used twice" in info.value.message
