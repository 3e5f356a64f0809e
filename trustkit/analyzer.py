"""Free-text analysis of one clinician utterance: rule-based, explainable, offline.

``analyze(text)`` labels an utterance with codes from a fixed set and, for every code, the exact
words that triggered it (``evidence``, a substring of the input). The rules are phrase patterns
grouped by code below; there is no model and nothing is downloaded. Long input is analysed up to
:data:`MAX_CHARS` characters.

The engine uses :func:`match_score` to map a typed reply to the closest authored option at a
node, by comparing the reply's codes with the option's skill codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

CODES: tuple[str, ...] = (
    "open_question",
    "closed_question",
    "reflection",
    "empathy",
    "agenda",
    "ask_permission",
    "teach_back",
    "offer_choice",
    "elicit_preferences",
    "jargon",
    "premature_reassurance",
    "judgmental",
)
NURSE_SUBTYPES: tuple[str, ...] = (
    "naming",
    "understanding",
    "respecting",
    "supporting",
    "exploring",
)
EXTRA_CODES: tuple[str, ...] = (
    "summary",
    "transparency",
    "apology",
    "safety_netting",
    "sdm_team_talk",
    "confidentiality",
    "dismissive",
    "greeting",
    "closing",
    "explain",
)
NEGATIVE: frozenset[str] = frozenset(
    {"jargon", "premature_reassurance", "judgmental", "dismissive"}
)
MAX_CHARS = 2000


@dataclass(frozen=True)
class Code:
    code: str
    subtype: str | None
    evidence: str


@dataclass(frozen=True)
class Analysis:
    text: str
    codes: tuple[Code, ...]

    def has(self, code: str) -> bool:
        return any(c.code == code for c in self.codes)

    def code_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "codes": [
                {"code": c.code, "subtype": c.subtype, "evidence": c.evidence} for c in self.codes
            ],
        }


# ---------------------------------------------------------------------------------------------
# The rules. Each is (code, subtype, pattern). Patterns are matched case-insensitively against a
# normalised copy of the text (curly quotes straightened, British/American spellings unified by
# patterns like "reali[sz]e"), and evidence is cut from the original at the same span.
# ---------------------------------------------------------------------------------------------
EMOTION = (
    r"(?:worr(?:ied|ying|y)|scar(?:ed|y)|frighten(?:ed|ing)|afraid|anxious|nervous|upset|"
    r"frustrat(?:ed|ing)|angry|cross|sad|down|low|overwhelm(?:ed|ing)|exhaust(?:ed|ing)|"
    r"tired|stress(?:ed|ful)|hard|difficult|tough|awful|lonely|alone|confus(?:ed|ing)|"
    r"embarrass(?:ed|ing)|distress(?:ed|ing)|devastat(?:ed|ing)|heartbroken|grie(?:f|ving)|"
    r"shock(?:ed|ing)|fed up|worn out|drained|helpless|hopeless|terrified|concerned|unsettl(?:ed|ing)|painful)"
)
_RULES_SRC: list[tuple[str, str | None, str]] = [
    # --- empathy (NURSE) ----------------------------------------------------------------
    (
        "empathy",
        "naming",
        rf"\b(?:(?:it )?(?:sounds|seems|looks) (?:like|as if|as though)?[^.?!]{{0,40}}?\b{EMOTION}\b|"
        rf"(?:i can|i) (?:see|hear|tell|sense) (?:that |how )?[^.?!]{{0,40}}?\b{EMOTION}\b|"
        rf"you (?:seem|sound|look|must (?:be|feel)|(?:'re|are) (?:really |very |feeling )?){EMOTION}\b|"
        rf"(?:that|this|it) must (?:be|feel|have been) (?:so |really |very )?{EMOTION}\b|"
        rf"(?:that|this) (?:is|'s) (?:a lot|so much) to (?:take in|deal with|cope with))",
    ),
    (
        "empathy",
        "understanding",
        r"\b(?:i (?:can |completely |totally |really )?understand(?: why| how| that)?|"
        r"anyone (?:would|in your (?:position|shoes|situation) would)|"
        r"(?:it|that) makes (?:complete |total |perfect )?sense|(?:that's|that is|it's|it is) "
        r"(?:completely |totally |very )?(?:understandable|natural|normal) to|no wonder|"
        r"(?:that's|that is) (?:completely |totally )?understandable|"
        r"lots of people (?:feel|would feel|in your))",
    ),
    (
        "empathy",
        "respecting",
        r"\b(?:you(?:'ve| have) (?:coped|done|managed|been through) (?:with )?(?:so |really )?(?:well|a lot|so much|"
        r"brilliantly|a great deal|amazingly)|i (?:really )?(?:admire|respect)|(?:that|it) (?:takes|took) "
        r"(?:real )?courage|thank you for (?:telling|sharing|being (?:so )?(?:honest|open))|"
        r"you(?:'ve| have) been (?:very |so |really )?(?:brave|strong))",
    ),
    (
        "empathy",
        "supporting",
        r"\b(?:we(?:'ll| will| can) (?:work|get|go|face|deal with|sort) (?:through )?(?:this|it|that)"
        r"(?: out)? together|(?:i'm|i am|i'll be|i will be) (?:here|with you|alongside you)|"
        r"you(?:'re| are) not (?:on your own|alone)|we(?:'ll| will) support you|"
        r"i(?:'ll| will) (?:help|support) you|we(?:'re| are) in this together)",
    ),
    (
        "empathy",
        "exploring",
        r"\b(?:tell me (?:more )?about (?:how you(?:'re| are)? ?feel|the (?:worry|fear|feeling)|your "
        r"(?:worr|fear|feeling|concern))|what (?:worries|frightens|scares|concerns|upsets) you(?: most)?|"
        r"how (?:are|do|have) you (?:been )?feel(?:ing)? (?:about|since)|what(?:'s| is) (?:worrying|"
        r"bothering|troubling|upsetting) you|what(?:'s| is) on your mind|how (?:has|is) (?:this|that|it) "
        r"(?:been )?(?:affecting|for) you|what (?:goes|went) through your mind)",
    ),
    # --- reflection ---------------------------------------------------------------------
    (
        "reflection",
        None,
        r"(?:^|[.!?]\s+|,\s*)(?:so,? (?:you|your|it'?s|the|what)|you(?:'re| are) saying|what i(?:'m| am) "
        r"hearing|if i(?:'ve| have)? (?:got|understand) (?:this|that|you) right|it sounds like you|"
        r"sounds like you|in other words,? you|you(?:'ve| have) (?:noticed|found|been)|"
        r"you feel (?:that|like))",
    ),
    # --- agenda -------------------------------------------------------------------------
    (
        "agenda",
        None,
        r"\b(?:(?:is there |was there |anything |something )?(?:anything|something) else(?: you| that|"
        r" on your| we| to| i)?|what else|any other (?:concerns|worries|things|issues|questions)|"
        r"other (?:things|concerns|worries) (?:you|on your)|(?:all|everything) (?:you(?:'d| would) like|"
        r"you want(?:ed)?) to (?:talk|cover|discuss|get)|what (?:would|did) you (?:like|want) to "
        r"(?:talk about|cover|discuss|get out of) (?:today|this)|what brings you in)",
    ),
    # --- ask permission -----------------------------------------------------------------
    (
        "ask_permission",
        None,
        r"\b(?:(?:is it|would it be|will it be) (?:ok|okay|alright|all right|fine) (?:if|to|with you)|"
        r"may i|(?:can|could) i (?:ask|explain|tell|share|talk|examine|check|suggest|go through|have a)|"
        r"would you like me to|would it help (?:if|to)|do you mind (?:if|me)|would you mind (?:if|me)|"
        r"shall i (?:explain|go through|tell|talk)|is now a good time|are you happy for me to|"
        r"how much (?:would you like|do you want) to know)",
    ),
    # --- teach-back ---------------------------------------------------------------------
    (
        "teach_back",
        None,
        r"\b(?:in your own words|(?:back to me)|(?:can|could|would) you (?:tell|show|explain) me how "
        r"you(?:'ll| will| are going to|'re going to)|just to (?:make sure|check|be sure) (?:that )?i(?:'ve| have)? "
        r"(?:explained|been clear)|to (?:make sure|check) i explained|what will you (?:tell|say to) "
        r"(?:your|the)|how are you going to (?:take|use)|tell me what you(?:'ll| will) do)",
    ),
    # --- offer choice -------------------------------------------------------------------
    (
        "offer_choice",
        None,
        r"\b(?:(?:there are|we have|you have) (?:a (?:few|couple of)|several|some|two|three|four|"
        r"different) (?:options|choices|ways|paths|approaches|possibilities)|(?:one|another|the other|"
        r"a second|a third) option (?:is|would be)|you could (?:either|choose)|we could either|"
        r"(?:the )?choice is yours|options include|or we could|or you could|we could (?:try|start)[^.?!]{0,60}\bor\b)",
    ),
    # --- elicit preferences --------------------------------------------------------------
    (
        "elicit_preferences",
        None,
        r"\b(?:what matters (?:most )?to you|what(?:'s| is) (?:most )?important to you|what would you "
        r"prefer|which (?:option|one|of these) (?:feels|sounds|seems|suits|would you)|how do you feel "
        r"about (?:these|the|those) options|what are your thoughts (?:on|about)|what would you like to "
        r"do|do you have a preference|what would suit you|what do you think (?:about|would|is)|"
        r"which would you (?:prefer|choose|like))",
    ),
    # --- premature reassurance ------------------------------------------------------------
    (
        "premature_reassurance",
        None,
        r"\b(?:(?:don't|dont|do not) (?:you )?worry(?!,? about (?:the|that|this) (?:form|forms|paperwork|"
        r"bill|cost|parking|time|appointment|letter))|(?:i'm|i am) sure (?:it's|it is|it'll|it will "
        r"be|you'll|you will be) (?:nothing|fine|ok|okay|alright)|nothing to worry about|(?:it's|it is) "
        r"(?:probably|almost certainly|surely) nothing|(?:everything|it) will be (?:fine|ok|okay|alright)|"
        r"you(?:'ll| will) be (?:fine|ok|okay|alright)|no need to worry|(?:it's|it is) (?:just|only) "
        r"(?:stress|anxiety|nerves|a virus|indigestion|your age|wear and tear)|nothing serious)",
    ),
    # --- judgmental ---------------------------------------------------------------------
    (
        "judgmental",
        None,
        r"\b(?:you should have (?:known|come|done|stopped|listened|thought)|(?:that's|that is|it's|"
        r"it is|you're|you are|you were being) (?:just |very |so |a bit )?(?:lazy|stupid|silly|"
        r"irresponsible|ridiculous|careless|foolish|selfish|non-?compliant|difficult)|people like you|"
        r"you people|your own fault|what did you expect|(?:you )?(?:only )?have (?:only )?yourself to "
        r"blame|ought to be ashamed|you(?:'re| are) (?:just )?(?:overreacting|exaggerating|making it up)|"
        r"(?:you|all) [a-z]+s? all (?:drink|smoke|eat)|all drink too much|you(?:'re| are) not (?:even )?"
        r"trying|(?:why|how) (?:on earth )?(?:didn't|did|would|could) you (?:not )?(?:let|let this|leave|"
        r"ignore|wait))",
    ),
    # --- extra codes (used for matching, not in the benchmark) -----------------------------
    (
        "summary",
        None,
        r"\b(?:(?:let me|can i|to) (?:just )?(?:sum(?:marise|marize| up)|recap)|so,? to (?:sum up|recap)|"
        r"let me check i(?:'ve| have) got)",
    ),
    (
        "transparency",
        None,
        r"\b(?:i (?:don't|do not) know (?:yet|for sure)|we (?:don't|do not) know (?:yet|for sure)|"
        r"i(?:'m| am) not (?:yet )?(?:sure|certain)|to be (?:honest|open|straight) with you|"
        r"(?:we|i) (?:made|have made) (?:a|an) (?:mistake|error)|(?:we|i) got (?:this|it) wrong|"
        r"there (?:was|has been) (?:a|an) (?:delay|mistake|error))",
    ),
    ("apology", None, r"\b(?:i(?:'m| am) (?:so |very |really )?sorry|i apologi[sz]e|my apologies)"),
    (
        "safety_netting",
        None,
        r"\b(?:if (?:it|things|this|the pain|anything) (?:gets?|becomes?) worse|come back (?:if|straight)|"
        r"call 999|go (?:straight )?to a ?(?:&|and) ?e|(?:seek|get) (?:urgent )?help (?:straight away|"
        r"urgently)|if you notice)",
    ),
    (
        "sdm_team_talk",
        None,
        r"\b(?:(?:decide|work (?:it|this) out|make (?:this|the|a) decision|choose) together|"
        r"(?:a|this is a) (?:decision|choice) (?:to make|we can make))",
    ),
    (
        "confidentiality",
        None,
        r"\b(?:confidential|stays? between (?:us|you and me)|(?:won't|will not) (?:tell|share with) your)",
    ),
    (
        "dismissive",
        None,
        r"\b(?:let's (?:just )?move on|(?:that's|that is) not (?:important|relevant)|never mind (?:that|"
        r"about)|we (?:don't|do not) have time for)",
    ),
    (
        "greeting",
        None,
        r"\b(?:hello|hi|good (?:morning|afternoon|evening)|my name is|nice to meet)\b",
    ),
    ("closing", None, r"\b(?:see you (?:soon|then|in)|take care|goodbye|bye)\b"),
]

# Questions: open if they invite an account, closed if they ask for a fact or a yes/no.
_OPEN_START = re.compile(
    r"^(?:and |so |okay,? |ok,? |right,? |well,? )?(?:(?:can|could|would) you (?:please )?"
    r"(?:tell|describe|talk|walk|say|explain) (?:me |us )?(?:a (?:bit|little) )?(?:more )?|"
    r"tell me|describe|talk me through|walk me through|help me understand|"
    r"what(?!(?: time| day| dose| colou?r|'s your (?:name|date))\b)|how(?! (?:many|much|long|often|old|far)\b)|"
    r"why|in what way|which (?:parts?|things))",
    re.IGNORECASE,
)
_CLOSED_START = re.compile(
    r"^(?:and |so |okay,? |ok,? |right,? )?(?:do|does|did|is|are|was|were|have|has|had|can|could|"
    r"will|would|should|shall|any|how (?:many|much|long|often|old|far)|what (?:time|day|dose)|"
    r"when|where|who|you(?:'re| are) not)\b",
    re.IGNORECASE,
)
_TAG = re.compile(
    r",\s*(?:are|do|did|is|have|has|was|were|can|will|would|isn't|aren't|don't|"
    r"didn't|haven't|won't|right|yeah|ok)\s*(?:you|it|they|he|she|we)?\s*\?\s*$",
    re.I,
)
_SENTENCE = re.compile(r"[^.?!]+(?:[.?!]+|$)")
_NEGATED = re.compile(
    r"\b(?:not|never|won't|will not|wouldn't|isn't|i'm not|am not)\b[^.?!]{0,25}$", re.I
)


@cache
def _rules() -> list[tuple[str, str | None, re.Pattern[str]]]:
    return [(c, s, re.compile(p, re.IGNORECASE)) for c, s, p in _RULES_SRC]


@cache
def jargon_lexicon() -> dict[str, str]:
    """Term (lower case, spelling variants included) -> plain-language gloss."""
    import yaml

    from trustkit._resources import data_path

    items = yaml.safe_load(data_path("jargon.yaml").read_text(encoding="utf-8")) or []
    out: dict[str, str] = {}
    for item in items:
        for term in [item["term"], *item.get("variants", [])]:
            out[term.lower()] = item["plain"]
    return out


@cache
def _jargon_re() -> re.Pattern[str]:
    terms = sorted(jargon_lexicon(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\b", re.IGNORECASE)


_EXPLAINED_AFTER = re.compile(
    r"^[^.?!]{0,12}?(?:,|-|–|\(|:)?\s*(?:which|that|this) (?:means|is|just means)|"
    r"^\s*(?:,|-|–|\(|:)?\s*(?:i\.e\.|meaning|in other words|or in plain|that's|that is|"
    r"which is|also called|also known as|a word for|the medical word for)|^\s*\(",
    re.IGNORECASE,
)
_EXPLAINED_BEFORE = re.compile(
    r"(?:called|known as|the (?:medical |proper )?(?:word|name|term) "
    r"(?:for (?:this|that|it) )?is)\s*['\"]?$",
    re.IGNORECASE,
)


def _normalise(text: str) -> str:
    return (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
        .replace("\u2013", "-")
        .replace("\u2014", "-")
    )


def analyze(text: str) -> Analysis:
    """Label one clinician utterance with communication codes, each with its evidence."""
    if not isinstance(text, str):
        text = str(text)
    original = text[:MAX_CHARS]
    norm = _normalise(original)  # same length: one character replaced by one character
    found: list[tuple[int, Code]] = []
    if not norm.strip():
        return Analysis(text, ())

    def add(code: str, subtype: str | None, start: int, end: int) -> None:
        found.append((start, Code(code, subtype, original[start:end].strip())))

    for code, subtype, rx in _rules():
        for m in rx.finditer(norm):
            start, end = m.span()
            if code in ("premature_reassurance", "judgmental") and _NEGATED.search(norm[:start]):
                continue  # "I won't tell you not to worry", "I'm not saying you're lazy"
            # skip leading punctuation captured by anchors
            while start < end and norm[start] in " ,.!?":
                start += 1
            add(code, subtype, start, end)
            break  # one piece of evidence per rule is enough
    # questions, sentence by sentence
    for m in _SENTENCE.finditer(norm):
        sentence = m.group(0)
        stripped = sentence.strip()
        if not stripped:
            continue
        offset = m.start() + (len(sentence) - len(sentence.lstrip()))
        is_question = stripped.endswith("?")
        if _TAG.search(stripped):
            add("closed_question", None, offset, offset + len(stripped))
            continue
        lead = re.sub(r"^[\"']", "", stripped)
        if _OPEN_START.match(lead) and (
            is_question
            or re.match(
                r"^(?:and |so )?(?:tell me|describe|talk me through|walk me through|help me understand)",
                lead,
                re.I,
            )
        ):
            add("open_question", None, offset, offset + min(len(stripped), 60))
        elif is_question and (_CLOSED_START.match(lead) or not _OPEN_START.match(lead)):
            add("closed_question", None, offset, offset + min(len(stripped), 60))
    # jargon: a listed term, unless explained right before or after
    for m in _jargon_re().finditer(norm):
        after = norm[m.end() : m.end() + 80]
        before = norm[max(0, m.start() - 40) : m.start()]
        if _EXPLAINED_AFTER.search(after) or _EXPLAINED_BEFORE.search(before):
            continue
        add("jargon", None, m.start(), m.end())
    # an agenda question is not also a closed question about a fact
    codes = {c.code for _, c in found}
    if "agenda" in codes or "ask_permission" in codes or "teach_back" in codes:
        found = [(p, c) for p, c in found if c.code != "closed_question"]
    if "teach_back" in codes or "elicit_preferences" in codes:
        found = [
            (p, c)
            for p, c in found
            if c.code != "open_question" or "exploring" in {x.subtype for _, x in found}
        ]
    seen: set[tuple[str, str | None]] = set()
    out: list[Code] = []
    for _, c in sorted(found, key=lambda pc: pc[0]):
        if (c.code, c.subtype) in seen or not c.evidence:
            continue
        seen.add((c.code, c.subtype))
        out.append(c)
    return Analysis(text, tuple(out))


# ---------------------------------------------------------------------------------------------
# Matching a typed reply to authored options
# ---------------------------------------------------------------------------------------------
_LABEL = {c: c.replace("_", " ") for c in (*CODES, *EXTRA_CODES)}
_KNOWN = frozenset(CODES) | frozenset(EXTRA_CODES)
_SAME = {"sdm_option_talk": "offer_choice", "sdm_decision_talk": "elicit_preferences"}


def match_score(analysis: Analysis, option_skills: Iterable[str]) -> tuple[float, list[str]]:
    """Similarity (0-1) between a reply's codes and an option's skills, with reasons.

    Weighted Jaccard over the codes the analyzer knows: harmful codes weigh double, so a
    judgmental reply is matched to the judgmental option. Skills the analyzer cannot detect
    (e.g. ``let_finish``) are ignored.
    """
    reply = set(analysis.code_set())
    skills = {_SAME.get(s, s) for s in option_skills} & _KNOWN
    # reflections and NURSE responses are kin: either answers an option built on the other
    if "empathy" in reply and "reflection" in skills and "empathy" not in skills:
        reply.add("reflection")
    if "reflection" in reply and "empathy" in skills and "reflection" not in skills:
        reply.add("empathy")
    if not reply and not skills:
        return 0.0, []

    def weight(code: str) -> float:
        return 2.0 if code in NEGATIVE else 1.0

    both = reply & skills
    union = reply | skills
    score = sum(weight(c) for c in both) / sum(weight(c) for c in union) if union else 0.0
    reasons = [f"both: {_LABEL[c]}" for c in sorted(both)]
    evidence = {c.code: c.evidence for c in analysis.codes}
    reasons += [
        f"your reply sounds {_LABEL[c]} ('{evidence[c]}')"
        for c in sorted(reply - skills)
        if c in NEGATIVE and c in evidence
    ]
    return round(score, 4), reasons


def format_analysis(analysis: Analysis) -> str:
    """Human-readable output for ``trustkit analyze``."""
    if not analysis.codes:
        return "No communication codes found."
    lines = []
    for c in analysis.codes:
        name = c.code + (f" ({c.subtype})" if c.subtype else "")
        lines.append(f'{name:<32} "{c.evidence}"')
    return "\n".join(lines)


def evaluate(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Per-code precision, recall, F1 and support, and macro F1 over :data:`CODES`.

    Each item: ``{"text": ..., "codes": ["open_question", "empathy:naming", ...]}``.
    Empathy is scored at code level; subtype accuracy is reported on true-positive empathy.
    """
    tp = dict.fromkeys(CODES, 0)
    fp = dict.fromkeys(CODES, 0)
    fn = dict.fromkeys(CODES, 0)
    sub_right = sub_total = 0
    for item in items:
        gold_raw = list(item.get("codes") or [])
        gold = {g.split(":")[0] for g in gold_raw}
        gold_sub = {g.split(":")[1] for g in gold_raw if g.startswith("empathy:")}
        result = analyze(item["text"])
        pred = {c.code for c in result.codes if c.code in CODES}
        for code in CODES:
            if code in pred and code in gold:
                tp[code] += 1
            elif code in pred:
                fp[code] += 1
            elif code in gold:
                fn[code] += 1
        if "empathy" in pred and "empathy" in gold and gold_sub:
            sub_total += 1
            sub_right += bool(gold_sub & {c.subtype for c in result.codes if c.code == "empathy"})
    per: dict[str, dict[str, float]] = {}
    for code in CODES:
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 0.0
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[code] = {"precision": p, "recall": r, "f1": f, "support": tp[code] + fn[code]}
    scored = [c for c in CODES if per[c]["support"] > 0]
    macro = sum(per[c]["f1"] for c in scored) / len(scored) if scored else 0.0
    return {
        "per_code": per,
        "macro_f1": macro,
        "subtype_accuracy": sub_right / sub_total if sub_total else None,
    }
