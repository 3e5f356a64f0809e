"""The free-text analyzer: every code both ways, evidence, negations, spelling, matching, quality."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from trustkit.analyzer import (
    CODES,
    EXTRA_CODES,
    NURSE_SUBTYPES,
    Analysis,
    Code,
    analyze,
    evaluate,
    format_analysis,
    jargon_lexicon,
    match_score,
)
from trustkit.engine import Encounter

from .conftest import DATA, MINI, ROOT

# Each code, present: several phrasings, including disguised questions and missing punctuation.
PRESENT: dict[str, list[str]] = {
    "open_question": [
        "Tell me about the headaches.",
        "Can you tell me more about that?",
        "How has the pain been since last week?",
        "Walk me through a typical day",
        "describe the pain for me",
        "Could you talk me through what happened at the weekend?",
        "what's been happening since the operation",
        "Thanks for coming in, what can I do for you today?",
    ],
    "closed_question": [
        "Is the pain worse at night?",
        "You're not drinking, are you?",
        "How many tablets do you take?",
        "Do you smoke?",
        "Can you tell me whether you've had a temperature?",
        "And you're sleeping okay?",
        "have you been sick at all",
        "When did the bleeding start?",
    ],
    "reflection": [
        "So the evenings are the hardest.",
        "You're saying the pain started after the fall.",
        "If I've got this right, it started in March.",
        "It sounds like the new shifts have thrown your routine.",
        "Let me make sure I've understood: the cough is worse after exercise.",
    ],
    "agenda": [
        "Is there anything else you'd like to talk about today?",
        "What else?",
        "Before we start, are there any other concerns?",
        "Anything else on your mind?",
        "What would you like to cover today?",
    ],
    "ask_permission": [
        "Would it be OK if I explained what I think is going on?",
        "May I examine your knee?",
        "Would you like me to go through the results?",
        "Do you mind if I ask about your periods?",
        "Are you okay for me to have a look at the wound?",
    ],
    "teach_back": [
        "Just to make sure I explained it well, can you tell me in your own words how you'll take it?",
        "Could you tell me how you're going to use the inhaler?",
        "So I know I've been clear, what will you do if the pain comes back?",
        "Can you explain the plan back to me?",
    ],
    "offer_choice": [
        "There are a few options: physio, an injection, or seeing a surgeon.",
        "One option is to wait; another option is a tablet.",
        "It's completely up to you.",
        "We could either repeat the test in a month or refer you now.",
    ],
    "elicit_preferences": [
        "What matters most to you?",
        "Which option feels right for you?",
        "How do you feel about having the operation?",
        "What's important to you when it comes to treatment?",
        "Do you have any preference?",
    ],
    "jargon": [
        "You have hypertension.",
        "The biopsy showed a benign lesion.",
        "Your oedema is better.",
        "There is no sign of metastatic disease.",
        "The findings are idiopathic.",
    ],
    "premature_reassurance": [
        "Don't worry, I'm sure it's nothing.",
        "It's just stress.",
        "I'm sure it will all be fine.",
        "There's nothing to worry about.",
        "Try not to worry, you'll be fine.",
    ],
    "judgmental": [
        "You should have come sooner. That's just irresponsible.",
        "People like you never take their tablets.",
        "Well, what did you expect?",
        "It's your own fault, frankly.",
        "You're just being dramatic.",
    ],
}

# Each code, absent: negations, look-alikes and disguises.
ABSENT: dict[str, list[str]] = {
    "open_question": [
        "Is the pain worse at night?",
        "How many do you take?",
        "What we'll do is...",
    ],
    "closed_question": [
        "Tell me about the pain.",
        "Can you tell me more about that?",
        "Can you lie back on the couch for me?",
        "Why don't we try a lower dose?",
        "Should you get a rash, stop the cream.",
        "Your blood pressure is high, which is a worry.",
    ],
    "reflection": [
        "Do you smoke?",
        "It sounds like a migraine.",
        "So I'll refer you to the clinic.",
        "So, let's have a look.",
    ],
    "agenda": [
        "What brings the pain on?",
        "Are you taking anything else, like vitamins?",
        "What else have you tried for it?",
    ],
    "ask_permission": [
        "I'll explain now.",
        "Can you describe the pain?",
        "Can I get you a tissue?",
    ],
    "teach_back": ["Do you understand?", "Any questions?", "Does that make sense?"],
    "offer_choice": [
        "You need a statin.",
        "There's only one option really.",
        "Is the pain sharp or dull?",
    ],
    "elicit_preferences": [
        "Take one tablet a day.",
        "What do you think is causing it?",
        "What I'm hearing is you'd rather not have surgery.",
    ],
    "jargon": [
        "You have hypertension, which means high blood pressure.",
        "Your blood pressure is high - the medical word for that is hypertension.",
        "Your blood pressure is a bit high.",
        "The lump is benign, meaning it isn't cancer.",
    ],
    "premature_reassurance": [
        "I won't tell you not to worry.",
        "Don't worry about the form, I'll fill it in.",
        "I don't know yet what it is.",
        "I can't promise it's nothing, but we'll find out.",
        "The scan was normal, so there's nothing to worry about.",
        "Don't worry if you forget a dose.",
    ],
    "judgmental": [
        "I'm not judging you.",
        "It's not your fault.",
        "Nobody thinks you're lazy.",
        "You should have a letter from the hospital soon.",
        "You should take it with food.",
    ],
}

SUBTYPES = [
    ("naming", "It sounds like you've been really worried."),
    ("naming", "You seem upset."),
    ("understanding", "Anyone in your position would feel the same."),
    ("understanding", "That must be so hard."),
    ("respecting", "You've coped with so much this year."),
    ("respecting", "Thank you for telling me that."),
    ("supporting", "We'll work through this together."),
    ("supporting", "I'm here for you, whatever happens."),
    ("exploring", "What worries you most about it?"),
    ("exploring", "Tell me more about what's frightening you."),
]


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in PRESENT.items() for t in ts])
def test_code_present(code: str, text: str) -> None:
    result = analyze(text)
    assert result.has(code), result.to_dict()
    for c in result.codes:
        assert c.evidence and c.evidence in text


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, ts in ABSENT.items() for t in ts])
def test_code_absent(code: str, text: str) -> None:
    assert not analyze(text).has(code), analyze(text).to_dict()


@pytest.mark.parametrize(("subtype", "text"), SUBTYPES)
def test_nurse_subtypes(subtype: str, text: str) -> None:
    found = {c.subtype for c in analyze(text).codes if c.code == "empathy"}
    assert subtype in found, analyze(text).to_dict()
    assert found <= set(NURSE_SUBTYPES)


def test_every_code_and_subtype_is_covered_both_ways() -> None:
    assert set(PRESENT) | {"empathy"} == set(CODES)
    assert set(ABSENT) | {"empathy"} == set(CODES)
    assert {s for s, _ in SUBTYPES} == set(NURSE_SUBTYPES)
    for text in ["Please take a seat.", "I'm going to listen to your chest now."]:
        assert not analyze(text).has("empathy")


def test_fixed_code_sets() -> None:
    assert CODES[0] == "open_question" and CODES[-1] == "judgmental" and len(set(CODES)) == 12
    assert NURSE_SUBTYPES == ("naming", "understanding", "respecting", "supporting", "exploring")
    assert not set(CODES) & set(EXTRA_CODES)


def test_evidence_is_exact_and_codes_are_ordered_and_unique() -> None:
    text = "I can see you’re worried. Don’t worry, it’s nothing! Anything else? Do you smoke? Any pets?"
    result = analyze(text)
    assert [c.code for c in result.codes][:3] == ["empathy", "premature_reassurance", "agenda"]
    positions = [text.index(c.evidence) for c in result.codes]
    assert positions == sorted(positions)
    keys = [(c.code, c.subtype) for c in result.codes]
    assert len(keys) == len(set(keys))  # two closed questions, one code
    assert all(c.evidence in text for c in result.codes)
    assert "’" in result.codes[0].evidence  # cut from the original, curly apostrophe kept


def test_function_codes_replace_question_form() -> None:
    assert analyze("Is it okay if I examine you?").code_set() == {"ask_permission"}
    assert analyze("Anything else?").code_set() == {"agenda"}
    assert analyze("What matters most to you?").code_set() == {"elicit_preferences"}
    both = analyze("It sounds like work is busy. Is there anything else? Do you smoke?")
    assert both.code_set() == {"reflection", "agenda", "closed_question"}


def test_multiple_sentences_give_codes_from_each() -> None:
    text = (
        "good morning. you seem worried. the ecg shows ischaemia. "
        "there are two options, tablets or a stent. which would you prefer"
    )
    assert analyze(text).code_set() >= {"empathy", "jargon", "offer_choice", "elicit_preferences"}


def test_case_and_missing_punctuation() -> None:
    assert analyze("DO YOU SMOKE").has("closed_question")
    assert analyze("dont worry its nothing").has("premature_reassurance")
    assert analyze("tell me about your family").has("open_question")
    assert analyze("YOU SHOULD HAVE KNOWN BETTER").has("judgmental")


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("I realise this is hard.", "I realize this is hard."),
        ("Your anaemia is mild.", "Your anemia is mild."),
        ("You've got oedema.", "You've got edema."),
        ("Your haemoglobin is low.", "Your hemoglobin is low."),
        ("Is the dyspnoea worse?", "Is the dyspnea worse?"),
        ("Has her behaviour changed?", "Has her behavior changed?"),
        ("What colour is it?", "What color is it?"),
        ("The paediatric nurse will call.", "The pediatric nurse will call."),
        ("It has metastasised.", "It has metastasized."),
    ],
)
def test_british_and_american_spelling_agree(british: str, american: str) -> None:
    assert analyze(british).code_set() == analyze(american).code_set()


def test_curly_and_straight_apostrophes_agree() -> None:
    for curly in [
        "Don’t worry, it’s nothing.",
        "You’re not drinking, are you?",
        "You’ve done really well.",
        "It’s your own fault.",
    ]:
        straight = curly.replace("’", "'")
        assert analyze(curly).code_set() == analyze(straight).code_set() != frozenset()
    assert analyze("I’m not judging you.").code_set() == frozenset()


def test_shape_empty_and_huge_input() -> None:
    assert analyze("").codes == ()
    assert analyze("   \n\t").to_dict() == {"text": "   \n\t", "codes": []}
    d = analyze("What matters most to you?").to_dict()
    assert d == {
        "text": "What matters most to you?",
        "codes": [
            {"code": "elicit_preferences", "subtype": None, "evidence": "What matters most to you"}
        ],
    }
    big = "Tell me more. " * 80_000  # about 1 MB
    result = analyze(big)
    assert result.has("open_question") and result.text is big
    assert isinstance(Analysis("x", (Code("jargon", None, "x"),)).code_set(), frozenset)


def test_adversarial_long_input_completes() -> None:
    for chunk in ["a" * 1_000_000, "you " * 250_000, ", , so " * 150_000, "?" * 1_000_000]:
        analyze(chunk)


def test_format_analysis() -> None:
    assert "No communication codes" in format_analysis(analyze("Hmm"))
    out = format_analysis(analyze("You seem worried. What else?"))
    lines = out.splitlines()
    assert lines[0].startswith("empathy (naming)") and '"You seem worried"' in lines[0]
    assert lines[1].startswith("agenda") and '"What else"' in lines[1]


def test_jargon_lexicon_is_data() -> None:
    lex = jargon_lexicon()
    terms = yaml.safe_load((ROOT / "trustkit" / "data" / "jargon.yaml").read_text("utf-8"))
    assert len(terms) >= 80
    assert all(t["plain"] and t["term"] for t in terms)
    for term in ["hypertension", "oedema", "edema", "hba1c", "nsaid", "statin", "prognosis"]:
        assert term in lex


def test_jargon_explained_before_or_after() -> None:
    assert not analyze("High blood pressure, what we call hypertension.").has("jargon")
    assert not analyze("You need a colonoscopy. That's a camera test of the bowel.").has("jargon")
    assert analyze("You need a colonoscopy. See you next week.").has("jargon")


def test_import_is_cheap() -> None:
    code = "import sys, trustkit.analyzer; print('yaml' in sys.modules, 're' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"  # the lexicon (and yaml) load on first analysis


def test_match_score_ranks_the_right_option() -> None:
    reply = analyze("Tell me more about the cough.")
    good, reasons = match_score(reply, ["open_question"])
    bad, _ = match_score(reply, ["judgmental"])
    assert good > bad and "both ask an open question" in reasons
    mean = analyze("Well, if you smoke, what do you expect? People like you never listen.")
    score, reasons = match_score(mean, ["judgmental"])
    assert score > match_score(mean, ["open_question", "empathy"])[0]
    assert any("judgmental" in r and "evidence" in r for r in reasons)
    kind = analyze("It sounds like you're exhausted. What worries you most?")
    assert match_score(kind, ["empathy"])[0] > match_score(kind, ["closed_question"])[0]
    # unknown skills are neutral; aliases count
    assert match_score(reply, ["open_question", "let_finish"])[0] == good
    choice = analyze("We could wait or operate. What matters most to you?")
    assert match_score(choice, ["sdm_option_talk", "elicit_preferences"])[0] == 1.0
    assert match_score(analyze("Hmm"), ["interrupt"])[0] == 0.0


def test_typed_replies_play_a_scenario_to_an_ending() -> None:
    enc = Encounter(str(MINI))
    for text in [
        "Tell me more about the cough and how it has been for you.",
        "It sounds like you're worn out, and you're not bothering me at all.",
    ]:
        enc.say(text)
    assert [t.option for t in enc.turns] == ["open", "empathise"]
    assert all(t.typed for t in enc.turns)
    for option in ["ask-smoke", "reflect-job", "share"]:
        enc.step(option)
    assert enc.ending_id == "good-end"


def _load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


def test_labelled_sets_are_well_formed() -> None:
    main, heldout = _load("analyzer_utterances.yaml"), _load("analyzer_heldout.yaml")
    assert len(main) + len(heldout) >= 300
    assert 0.2 <= len(heldout) / (len(main) + len(heldout)) <= 0.3
    valid = set(CODES) | {f"empathy:{s}" for s in NURSE_SUBTYPES}
    texts = [item["text"] for item in main + heldout]
    assert len(texts) == len(set(texts))
    for item in main + heldout:
        assert set(item["codes"]) <= valid, item
    assert sum(1 for item in main if not item["codes"]) >= 20
    assert sum(1 for item in main if len(item["codes"]) > 1) >= 20


def test_macro_f1_on_the_main_set() -> None:
    result = evaluate(_load("analyzer_utterances.yaml"))
    assert result["macro_f1"] >= 0.85, result["errors"]
    assert result["subtype_accuracy"] >= 0.85


def test_benchmark_script_runs() -> None:
    script = Path(ROOT) / "benchmarks" / "analyzer.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert out.returncode == 0 and "macro F1" in out.stdout and "held-out" in out.stdout
    assert "independent-unseen" in out.stdout and "labels as given" in out.stdout
    fail = subprocess.run([sys.executable, str(script), "--min-f1", "1.01"], capture_output=True)
    assert fail.returncode == 1


# Paraphrases written after the data sets, to probe how the rules generalise (expected code sets,
# extra codes ignored). Several of these first failed and led to more general rules.
PARAPHRASES: list[tuple[str, set[str]]] = [
    ("What's worrying you the most about the baby?", ["empathy"]),
    ("How are you feeling about the results?", ["open_question"]),
    ("Have you got any other questions for me before we finish?", ["agenda"]),
    ("I'd like to examine your abdomen, is that okay?", ["ask_permission"]),
    ("Is that alright with you?", ["ask_permission"]),
    ("Could you repeat back to me how often you'll use the cream?", ["teach_back"]),
    ("Let's go over it once more: when would you take the extra puff?", ["closed_question"]),
    ("We have a few different routes we could take here.", ["offer_choice"]),
    ("Some people choose surgery, others prefer to wait and watch.", ["offer_choice"]),
    ("What would be most important for you in making this decision?", ["elicit_preferences"]),
    ("Your LFTs are deranged.", []),
    ("The tumour is benign, so it won't spread.", ["jargon"]),
    ("You'll be absolutely fine, it's nothing.", ["premature_reassurance"]),
    ("Honestly, you brought this on yourself.", ["judgmental"]),
    ("You've let yourself go a bit, haven't you?", ["closed_question"]),
    ("That sounds incredibly frightening.", ["empathy"]),
    ("I can tell this has been weighing on you.", ["empathy"]),
    ("You've shown real courage through all of this.", ["empathy"]),
    ("We'll sort this out together.", ["empathy"]),
    ("So your main worry is that it might be cancer.", ["reflection"]),
    ("In other words, the pain stops you from sleeping.", ["reflection"]),
    ("Sounds like you've had a rough few weeks.", ["reflection"]),
    ("Okay, and how long has that been going on?", ["closed_question"]),
    ("And what did you do then?", ["open_question"]),
    ("Is there anything else that's been bothering you?", ["agenda"]),
    ("Can I ask you a few questions about your mood?", ["ask_permission"]),
    ("You didn't think to mention this before?", ["closed_question"]),
    ("What do you already know about diabetes?", ["open_question"]),
    ("I know this isn't what you wanted to hear.", ["empathy"]),
    ("Please sit down.", []),
    ("This is a lot of information, so I'll write it down for you.", []),
    ("You're doing great with the breastfeeding.", ["empathy"]),
    ("I'm worried about your breathing, so I'd like to admit you.", []),
    ("Do you want me to call someone for you?", ["ask_permission"]),
    ("You must be exhausted.", ["empathy"]),
    ("It's normal to have questions.", ["empathy"]),
    ("Why do you think that is?", ["open_question"]),
    ("I'm sure the test will come back clear.", ["premature_reassurance"]),
    ("There's nothing to worry about, the X-ray was completely normal.", []),
    ("Stop worrying, you're fine.", ["premature_reassurance"]),
    ("How long does the stiffness last in the mornings?", ["closed_question"]),
    ("What makes it better?", ["open_question"]),
    ("Any chest pain or palpitations?", ["closed_question"]),
    ("Right, and the tablets, are they helping?", ["closed_question"]),
    ("Is it a burning kind of pain?", ["closed_question"]),
    ("Can you show me where it hurts?", []),
    ("Go on, I'm listening.", []),
    ("What was that like for you?", ["open_question"]),
    ("Could you say a bit more about the nightmares?", ["open_question"]),
    ("I was wondering how things are going with your partner.", ["open_question"]),
    ("How come you stopped the inhaler?", ["open_question"]),
    ("So you've been feeling dizzy when you stand up.", ["reflection"]),
    ("You're finding it hard to fit the exercises in around work.", ["reflection"]),
    ("It seems the mornings are the worst time for you.", ["reflection"]),
    ("You feel like nobody is listening to you.", ["empathy"]),
    ("It sounds like you're really fed up with the itching.", ["empathy"]),
    ("Losing your dad must have been devastating.", ["empathy"]),
    ("I'd have been scared too.", ["empathy"]),
    ("You've really stuck with it, and it shows.", ["empathy"]),
    ("We're in this together.", ["empathy"]),
    ("What's frightening you most?", ["empathy"]),
    ("Is there anything else we need to talk about?", ["agenda"]),
    ("What other things are going on for you?", ["agenda"]),
    ("Would you mind if I had a look in your ears?", ["ask_permission"]),
    ("Okay if I take your pulse?", ["ask_permission"]),
    (
        "Before you go, tell me how you'll take the new tablets, just so I know I was clear.",
        ["teach_back"],
    ),
    ("What will you do if you get a hypo at work?", ["jargon", "teach_back"]),
    ("You could carry on as you are, or we could add a second medicine.", ["offer_choice"]),
    ("Option A is an operation; option B is physiotherapy.", ["offer_choice"]),
    ("What would you like to do?", ["elicit_preferences"]),
    ("What are you hoping to get from treatment?", ["elicit_preferences"]),
    ("Your troponin was raised, which suggests some damage to the heart muscle.", []),
    ("You have COPD.", ["jargon"]),
    ("It's a chronic, progressive condition.", ["jargon"]),
    ("I'm confident it's nothing sinister.", ["premature_reassurance"]),
    (
        "These things are almost always benign, so don't lose any sleep over it.",
        ["jargon", "premature_reassurance"],
    ),
    ("If you had taken the tablets, this wouldn't have happened.", ["judgmental"]),
    ("You're your own worst enemy.", ["judgmental"]),
    ("You people never listen.", ["judgmental"]),
    ("I'm not saying you did anything wrong.", []),
    ("I'm going to press on your tummy; tell me if it hurts.", []),
    ("You'll need to fast from midnight before the operation.", []),
    ("You're having the operation on Tuesday.", []),
    ("You've got a chest infection, so I'll give you antibiotics.", []),
    ("Some people get a dry cough with this tablet.", []),
    ("The nurse will take your blood pressure first.", []),
    ("You should feel better in a couple of days.", []),
    ("It's nothing to do with your diet.", []),
    ("If you're worried at any point, call us.", []),
    ("You'll be fine to drive after 24 hours.", []),
    ("I wonder if we could get the physio involved.", []),
    ("We could be looking at a trapped nerve.", []),
    ("You could have caught it from the kids.", []),
    ("The results will take about a week.", []),
    ("Let's book you in for a review in three months.", []),
    ("I'll ask the pharmacist to go through the inhalers with you.", []),
    ("It sounds like asthma to me.", []),
    ("So, I think the best thing is a short course of steroids.", []),
    ("So we'll start with the cream and see how you go.", []),
    ("These tablets can make you feel a bit sick at first.", []),
    ("There's a small risk of bleeding with any operation.", []),
    ("Your sugar was a bit low this morning, so we'll reduce the insulin.", []),
    ("The doctor will be with you shortly.", []),
    ("I'm sorry, I didn't catch that.", []),
    ("You need to keep the dressing dry.", []),
    ("Everything looks normal on the scan, so you can go home.", []),
    ("Hi, I'm Tom, one of the medical students.", []),
    ("I'll let you get dressed.", []),
]


@pytest.mark.parametrize(("text", "expected"), PARAPHRASES)
def test_paraphrases(text: str, expected: list[str]) -> None:
    got = analyze(text).code_set() - set(EXTRA_CODES)
    assert got == set(expected), analyze(text).to_dict()


def test_independent_author_set_scores_by_the_documented_convention() -> None:
    """The second author's set (never seen by the rules' author): a regression floor."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_analyzer", Path(ROOT) / "benchmarks" / "analyzer.py"
    )
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    items = _load("utterances_main.yaml")
    assert len(items) + len(_load("utterances_heldout.yaml")) >= 390
    converted = bench.to_convention(items)
    changed = sum(a["codes"] != b["codes"] for a, b in zip(items, converted, strict=True))
    assert 0 < changed < len(items) // 4  # the one convention rule, not a relabelling
    assert evaluate(converted)["macro_f1"] >= 0.90
