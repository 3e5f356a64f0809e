"""One skill vocabulary (trustkit/data/skills.yaml), read by every module; hints as an engine rule."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from trustkit import skills as vocabulary
from trustkit.engine import HINT_ALL_RISKY, Encounter, hint_text, replay
from trustkit.errors import TrustkitError
from trustkit.scenario import load, packaged_ids

from .conftest import MINI, ROOT

PACKAGE = ROOT / "trustkit"


# ---------------------------------------------------------------------------------------------
# nothing but skills.yaml defines a skill
# ---------------------------------------------------------------------------------------------
def _strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def skill_tables(package: Path, codes: set[str], texts: set[str]) -> list[str]:
    """Places in ``package``'s Python source that keep a skill table of their own: a dict, set,
    list or tuple literal holding three or more skill codes (as keys or elements), or a string
    that is one of the vocabulary's own texts (a description, hint, phrase or label)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        rel = path.relative_to(package.parent)
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                members = _strings(node.keys)
            elif isinstance(node, ast.Set | ast.List | ast.Tuple):
                members = _strings(node.elts)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.strip() in texts:
                    found.append(f"{rel}:{node.lineno}: {node.value!r}")
                continue
            else:
                continue
            in_vocabulary = sorted({m for m in members if m in codes})
            if len(in_vocabulary) >= 3:
                found.append(f"{rel}:{node.lineno}: {', '.join(in_vocabulary)}")
    return found


def _vocabulary_texts() -> set[str]:
    texts = set()
    for s in vocabulary.skills():
        texts |= {s.description, s.hint or "", s.phrase or ""}
        if " " in s.label:  # one-word labels ("empathy") are ordinary words
            texts.add(s.label)
    return {t for t in texts if len(t) >= 10}


def test_no_module_defines_skills_of_its_own() -> None:
    found = skill_tables(PACKAGE, set(vocabulary.codes()), _vocabulary_texts())
    assert found == [], "skill tables outside trustkit/data/skills.yaml:\n" + "\n".join(found)


def test_the_scan_finds_a_table(tmp_path: Path) -> None:
    """The check above can fail: a module with a table of its own is found, line and all."""
    pkg = tmp_path / "trustkit"
    pkg.mkdir()
    (pkg / "rogue.py").write_text(
        "NUDGE = {'empathy': 'x', 'agenda': 'y', 'summary': 'z'}\n"
        f"HINT = {vocabulary.hint('agenda')!r}\n"
        "OK = ('empathy', 'reflection')\n",
        encoding="utf-8",
    )
    found = skill_tables(pkg, set(vocabulary.codes()), _vocabulary_texts())
    assert found == [
        "trustkit/rogue.py:1: agenda, empathy, summary",
        f"trustkit/rogue.py:2: {vocabulary.hint('agenda')!r}",
    ]


# ---------------------------------------------------------------------------------------------
# every skill anything uses is in the vocabulary
# ---------------------------------------------------------------------------------------------
def test_the_vocabulary_is_complete_and_consistent() -> None:
    skills = vocabulary.skills()
    assert len({s.code for s in skills}) == len(skills) >= 25
    for s in skills:
        assert s.effect in vocabulary.EFFECTS
        assert (s.hint is None) == s.harmful, s.code  # every skill a hint can point to has one
        assert bool(s.phrase) == bool(s.analyzer), s.code
    assert vocabulary.label("agenda") == "agenda setting"
    assert vocabulary.is_harmful("judgmental") and not vocabulary.is_harmful("empathy")
    assert vocabulary.is_empathic("empathy:naming") and vocabulary.is_neutral("closed_question")
    assert vocabulary.label("no_such_skill") == "no such skill" and not vocabulary.known("x")


def test_every_code_the_analyzer_can_emit_is_in_the_vocabulary() -> None:
    from trustkit import analyzer

    # phrase rules, plus question form, the jargon lexicon and disrespect (handled in code)
    emitted = {r.code for r in analyzer._RULES} | {
        "open_question",
        "closed_question",
        "jargon",
        "disrespect",
    }
    assert emitted == set(vocabulary.analyzer_codes())
    assert set(analyzer.CODES) == set(vocabulary.analyzer_codes("benchmarked"))
    assert analyzer.NEGATIVE == {c for c in emitted if vocabulary.is_harmful(c)}
    # every code it emits can be explained in a match
    for code in emitted:
        _score, reasons = analyzer.match_score(analyzer.analyze(""), [code])
        assert all("None" not in r for r in reasons), code


def test_every_skill_in_the_course_data_is_in_the_vocabulary() -> None:
    import yaml

    from trustkit.bank import graded_replies, load_bank

    used: dict[str, set[str]] = {}
    for sid in packaged_ids():
        sc = load(sid)
        for objective in sc.learning_objectives:
            used.setdefault(f"scenario {sid}", set()).update(objective.skills)
        for node in sc.nodes:
            for opt in node.options:
                used.setdefault(f"scenario {sid}", set()).update(opt.skills)
    for item in [*load_bank(), *graded_replies()]:
        used.setdefault("response bank", set()).update(item.skills)
    for path in sorted((PACKAGE / "data" / "practice").glob("*.yaml")):
        for prompt in yaml.safe_load(path.read_text(encoding="utf-8")):
            used.setdefault(path.name, set()).update(
                [*prompt.get("aim", []), *prompt.get("avoid", [])]
            )
    unknown = {
        where: sorted(c for c in codes if not vocabulary.known(c))
        for where, codes in used.items()
        if any(not vocabulary.known(c) for c in codes)
    }
    assert unknown == {}
    assert len(used) > 5


def test_every_hint_the_engine_gives_is_in_the_vocabulary() -> None:
    hints = {s.hint for s in vocabulary.skills() if s.hint} | {HINT_ALL_RISKY}
    given = set()
    for sid in packaged_ids():
        for node in load(sid).nodes:
            if node.options:
                given.add(hint_text(node.options))
    assert given <= hints and len(given) > 5


@pytest.mark.parametrize(
    ("doc", "expect"),
    [
        ("[]", "expected a mapping with a list of 'skills'"),
        ("skills: [{code: a}]", "skill 1 (a): 'effect' must be a non-empty text"),
        (
            "skills: [{code: a, label: A, description: D, effect: good}]",
            "skill 1 (a): effect must be one of helpful, harmful, neutral",
        ),
        (
            "skills: [{code: a, label: A, description: D, effect: helpful}]",
            "skill 1 (a): a helpful skill needs a 'hint'",
        ),
        (
            "skills: [{code: a, label: A, description: D, effect: harmful, nudge: x}]",
            "skill 1 (a): unknown field(s) nudge",
        ),
        (
            "skills: [{code: a, label: A, description: D, effect: harmful, analyzer: extra}]",
            "skill 1 (a): an analyzer code needs a 'phrase'",
        ),
    ],
)
def test_a_broken_vocabulary_is_one_sentence_naming_the_skill(doc: str, expect: str) -> None:
    import yaml

    with pytest.raises(TrustkitError) as err:
        vocabulary._parse(yaml.safe_load(doc))
    assert str(err.value) == f"trustkit/data/skills.yaml: {expect}."


def test_import_is_cheap() -> None:
    code = "import sys, trustkit.skills; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]


# ---------------------------------------------------------------------------------------------
# hints are an engine rule
# ---------------------------------------------------------------------------------------------
def test_the_engine_gives_hints_and_records_them_with_the_next_reply() -> None:
    enc = Encounter(str(MINI), seed=0)
    text = enc.hint()
    assert text == vocabulary.hint("open_question")
    assert all(o.text not in text for o in enc.options)
    enc.step("open")
    enc.step("empathise")
    first, second = enc.transcript()["turns"]
    assert first["hint_used"] is True and second["hint_used"] is False
    # the record survives a replay, and a typed reply after a hint is recorded too
    assert [t["hint_used"] for t in replay(enc.transcript(), str(MINI)).transcript()["turns"]] == [
        True,
        False,
    ]
    enc.hint()
    enc.say("Have you noticed any change in your weight at all?")
    assert enc.transcript()["turns"][-1]["hint_used"] is True


def test_no_hints_in_an_assessment_or_after_the_end() -> None:
    with pytest.raises(TrustkitError, match="no hints in an assessment"):
        Encounter(str(MINI), mode="assessment").hint()
    enc = Encounter(str(MINI))
    for opt in ["open", "empathise", "ask-smoke", "reflect-job", "share"]:
        enc.step(opt)
    assert enc.finished and enc.hint() is None and not enc.hint_pending


def _play(script: str, *extra: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustkit.cli", "play", str(MINI), "-o", str(out), *extra],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trustkit_play_offers_hints_in_practice(tmp_path: Path) -> None:
    proc = _play("h\nopen\nq\n", out=tmp_path / "t.json")
    assert proc.returncode == 0, proc.stderr
    assert "'h' gives a hint" in proc.stdout
    assert f"Hint: {vocabulary.hint('open_question')}" in proc.stdout
    turns = json.loads((tmp_path / "t.json").read_text())["turns"]
    assert [t["hint_used"] for t in turns] == [True]


def test_trustkit_play_gives_no_hints_in_an_assessment(tmp_path: Path) -> None:
    proc = _play("?\n1\nq\n", "--mode", "assessment", out=tmp_path / "t.json")
    assert proc.returncode == 0, proc.stderr
    assert "no hints" in proc.stdout and "There are no hints in an assessment." in proc.stdout
    assert "Hint:" not in proc.stdout
    turns = json.loads((tmp_path / "t.json").read_text())["turns"]
    assert [t["hint_used"] for t in turns] == [False]
