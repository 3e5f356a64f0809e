"""Free-text analysis of one clinician utterance: rule-based, explainable, offline.

``analyze(text)`` labels an utterance with communication codes from a fixed set (:data:`CODES`)
and gives, for every code, the exact words that triggered it (``evidence``, a substring of the
input). There is no model and nothing is downloaded: the rules are short phrase patterns grouped
by code below, plus a small parser for question form and a jargon lexicon shipped as data
(``trustkit/data/jargon.yaml``).

How the text is read:

- Curly apostrophes and quotes are straightened on a copy of the same length, so a match's span
  in the copy is also its span in the original, and evidence is cut from the original.
- The text is split into sentences (``. ! ? ;`` and line breaks); question form is decided per
  sentence, and a sentence whose question has a more specific job (agenda, asking permission,
  teach-back, offering a choice, eliciting preferences, NURSE exploring) gets that code only.
- Negations and look-alikes are handled by guards next to the rules that need them: "I won't
  tell you not to worry", "don't worry about the form", "nobody thinks you're lazy", and
  reassurance that rests on a result ("the scan was normal, so...").
- Very long input is analysed only up to its first :data:`MAX_CHARS` characters.

The engine uses :func:`match_score` to map a typed reply to the closest authored option, the CLI
prints :func:`format_analysis`, and :func:`evaluate` scores the rules on a labelled set (used by
``benchmarks/analyzer.py`` and the tests).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

NURSE_SUBTYPES: tuple[str, ...] = (
    "naming",
    "understanding",
    "respecting",
    "supporting",
    "exploring",
)
"""Subtypes of ``empathy`` (NURSE: Naming, Understanding, Respecting, Supporting, Exploring)."""

# CODES, EXTRA_CODES and NEGATIVE come from the skill vocabulary (trustkit/data/skills.yaml),
# read on first use so that importing the analyzer stays cheap (see __getattr__ below):
#   CODES        the fixed, benchmarked code set (skills with ``analyzer: benchmarked``);
#   EXTRA_CODES  lightweight extra codes, used for matching authored options, not in the
#                benchmark (``analyzer: extra``);
#   NEGATIVE     codes that harm trust; they weigh more in :func:`match_score`.


@dataclass(frozen=True)
class _Vocabulary:
    codes: tuple[str, ...]
    extra: tuple[str, ...]
    negative: frozenset[str]
    order: dict[str, int]  # every code the analyzer knows -> its place in the vocabulary
    jobs: frozenset[str]  # codes whose question is coded by its job, not by its form
    aliases: dict[str, str]  # authored skill -> the analyzer code it is read as
    phrase: dict[str, str]  # how a match on the code is explained


@cache
def _vocabulary() -> _Vocabulary:
    from trustkit import skills

    analysed = [s for s in skills.skills() if s.analyzer]
    return _Vocabulary(
        codes=skills.analyzer_codes("benchmarked"),
        extra=skills.analyzer_codes("extra"),
        negative=frozenset(s.code for s in analysed if s.harmful),
        order={s.code: i for i, s in enumerate(analysed)},
        jobs=frozenset(s.code for s in analysed if s.question_job),
        aliases={s.code: s.read_as for s in skills.skills() if s.read_as},
        phrase={s.code: s.phrase or s.label for s in analysed},
    )


_PUBLIC = {"CODES": "codes", "EXTRA_CODES": "extra", "NEGATIVE": "negative"}


def __getattr__(name: str) -> object:
    if name in _PUBLIC:
        return getattr(_vocabulary(), _PUBLIC[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


MAX_CHARS = 2000
"""Only the first MAX_CHARS characters are analysed (a 1 MB paste returns at once)."""


@dataclass(frozen=True)
class Code:
    code: str  # one of CODES or EXTRA_CODES
    subtype: str | None  # NURSE subtype for empathy, else None
    evidence: str  # exact substring of the input text that triggered it


@dataclass(frozen=True)
class Analysis:
    text: str
    codes: tuple[Code, ...]

    def has(self, code: str) -> bool:
        return any(c.code == code for c in self.codes)

    def code_set(self) -> frozenset[str]:
        return frozenset(c.code for c in self.codes)

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "codes": [
                {"code": c.code, "subtype": c.subtype, "evidence": c.evidence} for c in self.codes
            ],
        }


# =============================================================================================
# Vocabulary shared by several rules. Patterns are matched case-insensitively on the straightened
# copy of the text; contractions are written to also accept a missing apostrophe ("dont").
# =============================================================================================
YOU_RE = r"you(?:'re|re|\s+are)"
YOU_VE = r"you(?:'ve|ve|\s+have)"
I_M = r"i(?:'m|m|\s+am)"
WE_LL = r"we(?:'ll|\s+will|\s+are\s+going\s+to|'re\s+going\s+to)"
I_LL = r"i(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to)"
IT_S = r"(?:it's|its|it\s+is)"
THAT_S = r"(?:that's|thats|that\s+is)"
# "really", "quite a bit", "so very": up to three softeners or intensifiers.
INTENS = (
    r"(?:(?:quite|really|very|so|a\s+bit|a\s+little|a\s+lot|pretty|rather|clearly|incredibly|"
    r"terribly|awfully|more|much|obviously|absolutely|completely|totally|feeling)\s+){0,3}"
)
# Feelings a clinician may name.
EMOTION = (
    r"(?:worried|worry|worrying|anxious|anxiety|scared|frightened|afraid|terrified|fearful|fear|"
    r"nervous|upset|upsetting|sad|sadness|low|down|depressed|angry|anger|cross|frustrated|"
    r"frustration|annoyed|irritated|overwhelmed|guilty|guilt|ashamed|shame|embarrassed|hopeless|"
    r"helpless|lonely|stressed|distressed|disappointed|confused|shocked|shaken|devastated|"
    r"exhausted|worn\s+out|drained|run\s+down|heartbroken|grieving|hurt|fed\s+up|unsettled|"
    r"uneasy|tearful|panicky|panicked|on\s+edge|relieved|relaxed|tense|concerned|rattled|"
    r"let\s+down|weighing\s+on\s+you|getting\s+to\s+you|taking\s+its\s+toll|running\s+on\s+empty|burnt?\s+out|"
    r"at\s+(?:the\s+end\s+of\s+)?your\s+tether|at\s+your\s+wits'?\s+end|at\s+breaking\s+point|"
    r"(?:a|such\s+a)\s+(?:real\s+|huge\s+|big\s+|terrible\s+|bit\s+of\s+a\s+)?shock|"
    r"in\s+(?:(?:a\s+lot\s+of|so\s+much|such|terrible|real|awful|a\s+great\s+deal\s+of)\s+pain|agony|bits))"
)
# After "low" / "down": an amount, not a mood ("you're down to one tablet", "low on iron").
NOT_AMOUNT = r"(?!\s+(?:to\s+(?:one|two|three|\d|a|the|your|half)\b|on\b|in\b))"
# How a situation can be for the patient ("that must be hard").
HARD = (
    r"(?:hard|difficult|tough|awful|horrible|terrible|frightening|scary|terrifying|exhausting|"
    r"upsetting|overwhelming|stressful|worrying|lonely|painful|devastating|distressing|a\s+shock|"
    r"a\s+lot|hard\s+work|rough|frustrating|confusing|unsettling|heartbreaking|a\s+worry|"
    r"a\s+strain|draining|isolating|not\s+easy|no\s+fun)"
)
# Praise for the patient as a person or carer: "a wonderful carer", "such an observant mum".
PRAISE_ADJ = (
    r"(?:wonderful|amazing|fantastic|great|brilliant|devoted|excellent|observant|fierce|strong|caring|"
    r"loving|dedicated|remarkable|incredible|tremendous|attentive|good|brave|determined)"
)
CARER = (
    r"(?:carer|caregiver|mum|mom|mother|dad|father|parent|wife|husband|partner|daughter|son|advocate|"
    r"friend|grandparent|grandmother|grandfather|nan|role\s+model|support|team)"
)
# Benign explanations offered before anything is known ("it's just stress").
BENIGN = (
    r"(?:stress|anxiety|nerves|a\s+virus|(?:your\s+|old\s+)?age|a\s+cold|hormones|indigestion|"
    r"wear\s+and\s+tear|a\s+bug|in\s+your\s+head|a\s+phase|growing\s+pains|a\s+pulled\s+muscle|"
    r"muscular|teething|colic|trapped\s+wind|wind|your\s+imagination|heartburn|a\s+(?:strain|sprain|twinge|niggle|chill|"
    r"bruise|tummy\s+bug|cyst|skin\s+tag|wart|spot|cold\s+sore|growth\s+spurt|"
    r"(?:harmless|minor|common|normal)\s+\w+|(?:bit|touch)\s+of\s+(?:indigestion|wind|heartburn|stress|(?:a\s+)?(?:virus|bug|strain|sprain|chill)))|tiredness|being\s+run\s+down|nothing\s+much|baby\s+blues|hay\s+fever|"
    r"the\s+(?:weather|heat|change|menopause))"
)
# Minimising words a clinician uses to wave a symptom or procedure away.
MINIMISE = (
    r"(?:a\s+piece\s+of\s+cake|a\s+walk\s+in\s+the\s+park|nothing\s+to\s+it|easy\s+peasy|no\s+big\s+deal|"
    r"a\s+doddle|a\s+breeze|nothing\s+at\s+all|a\s+storm\s+in\s+a\s+teacup)"
)
# Verbs for worrying, for "don't fret", "no need to panic".
FRET = r"(?:worry|fret|panic|stress|fuss|get\s+(?:worked\s+up|in\s+a\s+state))"
# Admin and logistics that "don't worry about" may refer to without being reassurance.
ADMIN = (
    r"(?:form|forms|paperwork|parking|ticket|bill|bills|cost|time|appointment|letter|booking|referral|"
    r"mess|spelling|details|names?|questionnaire|wait|waiting|queue|car|keys|coat|shoes|being\s+late|"
    r"getting|me|us|asking|calling|ringing|phoning|bringing)"
)
# Stems of unambiguous feeling words ("feel" and "concern" also describe symptoms).
EMO_STRONG = (
    r"(?:worr|fear|afraid|scared|frighten|upset|anxi|nervous|sad|angry|anger|guilt|panic)\w*"
)
# Stems of feeling words, for "tell me more about what's worrying you".
EMO_STEM = (
    r"(?:worr|fear|afraid|scar|frighten|concern|upset|feel|anxi|nervous|sad|ang|guilt|panic)\w*"
)


class _Rule:
    """One rule: a code (and NURSE subtype), its alternative patterns and optional guards."""

    __slots__ = ("code", "subtype", "patterns", "guards")

    def __init__(
        self,
        code: str,
        subtype: str | None,
        patterns: tuple[str, ...],
        guards: tuple[str, ...] = (),
    ) -> None:
        self.code = code
        self.subtype = subtype
        self.patterns = patterns  # alternatives, joined with "|"
        self.guards = guards  # names of checks in _passes_guards()


# =============================================================================================
# The phrase rules, grouped by code. Question FORM (open/closed) and jargon are handled by code
# further down, not by these tables.
# =============================================================================================
_RULES: tuple[_Rule, ...] = (
    # ---- empathy: Naming the emotion ----------------------------------------------------
    _Rule(
        "empathy",
        "naming",
        (
            # "you sound worried", "you seem quite anxious", "you look frightened"
            rf"\byou\s+(?:(?:sound|seem|look|appear)s?\s+(?:to\s+be\s+)?|must\s+(?:be|feel)\s+){INTENS}{EMOTION}\b",
            # "it sounds like you've been really worried", "sounds as though you're feeling guilty"
            rf"\b(?:sounds|seems|looks)\s+(?:like|as\s+if|as\s+though)\s+you\S*\s+"
            rf"(?:[\w']+\s+){{0,3}}?{EMOTION}\b",
            # "it looks like this has really shaken you"
            r"\b(?:sounds|seems|looks)\s+(?:like|as\s+if)\s+(?:this|that|it)\s+(?:has|'s)\s+"
            r"(?:really\s+)?(?:shaken|upset|frightened|scared|worried|rattled|thrown)\s+you\b",
            # "I can see you're upset", "I can hear how exhausted you are"
            rf"\bi\s+can\s+(?:see|tell|hear|sense)\s+(?:that\s+)?(?:[\w']+\s+){{0,3}}?{EMOTION}\b",
            # "I can see how much you love her"
            r"\bi\s+can\s+(?:see|tell|hear|sense)\s+how\s+much\s+(?:you|this|that|it|she|he)\s+"
            r"(?:love|care|mean|miss|matter)",
            # "this has made you really angry", "it's left you feeling low"
            rf"\b(?:this|that|it|all\s+this)\s+(?:has|'s|is)\s+(?:really\s+|clearly\s+)?(?:made|making|left|leaving)\s+"
            rf"you\s+(?:feel(?:ing)?\s+)?{INTENS}{EMOTION}\b",
            # "it sounds like things have felt really hopeless"
            rf"\b(?:sounds|seems|looks)\s+(?:like|as\s+if|as\s+though)\s+(?:[\w']+\s+){{1,4}}?"
            rf"(?:has|have|'s|'ve)\s+(?:been\s+)?(?:felt|feeling)\s+{INTENS}(?:{EMOTION}|{HARD}|bleak|pointless)\b",
            # "I'm sensing some worry", "I get the sense you're frustrated", "I notice you seem angry"
            rf"\b{I_M}\s+(?:sensing|picking\s+up(?:\s+on)?)\s+(?:some\s+|a\s+lot\s+of\s+|a\s+bit\s+of\s+)?{EMOTION}\b",
            rf"\bi\s+(?:get|have)\s+the\s+(?:sense|feeling|impression)\s+(?:that\s+)?(?:[\w']+\s+){{0,4}}?{EMOTION}\b",
            rf"\bi\s+notice[d]?\s+(?:that\s+)?you\s+(?:[\w']+\s+){{0,3}}?{EMOTION}\b",
            # "I'm not surprised you're angry", "no surprise you're feeling low"
            rf"\b(?:not|no)\s+(?:at\s+all\s+)?surpris(?:ed|ing|e)\s+(?:that\s+)?(?:{YOU_RE}|{YOU_VE}\s+been|you\s+feel)\s+"
            rf"(?:feeling\s+)?{INTENS}{EMOTION}\b",
            # "I imagine you're feeling nervous", "I know you're scared"
            rf"\bi\s+(?:imagine|guess|suspect|know|wonder\s+(?:if|whether))\s+(?:that\s+)?you(?:'re|\s+are|'ve\s+been|\s+have\s+been|"
            rf"'d\s+be|\s+might\s+be|\s+must\s+be|\s+feel)\s+{INTENS}{EMOTION}\b",
        ),
    ),
    _Rule(
        "empathy",
        "naming",
        # "You're worried about the colour of your urine." A statement that opens the sentence.
        (
            rf"\b(?:{YOU_RE}|{YOU_VE}\s+been)\s+(?:feeling\s+)?{INTENS}{EMOTION}\b{NOT_AMOUNT}",
            # "you feel like nobody is listening"
            r"\byou(?:'re|\s+are)?\s+feel(?:ing)?\s+(?:like|as\s+if|as\s+though|that)\b[^.;!?]{0,80}",
        ),
        guards=("sentence_start", "statement"),
    ),
    _Rule(
        "empathy",
        "naming",
        # "..., and you're worried about going out on your own" (a joined clause, not "if you're...")
        (
            rf"(?:,|\band|\bbut)\s+(?:{YOU_RE}|{YOU_VE}\s+been)\s+(?:feeling\s+)?{INTENS}{EMOTION}\b{NOT_AMOUNT}",
        ),
        guards=("statement",),
    ),
    # ---- empathy: Understanding (legitimising, normalising) --------------------------------
    _Rule(
        "empathy",
        "understanding",
        (
            # "I can understand why...", "I understand how frustrating..."
            r"\bi\s+(?:can\s+|do\s+|completely\s+|totally\s+|fully\s+|really\s+)*understand"
            r"(?:\s+(?:why|how|that|what|your)\b|\s*[.,!;]|\s*$)",
            # "that makes sense", "it makes complete sense that..."
            r"\b(?:that|it|this)\s+makes\s+(?:complete\s+|total\s+|perfect\s+|a\s+lot\s+of\s+)?sense\b",
            # "it's completely understandable", "it's normal to feel like this", "it's okay to cry"
            rf"\b(?:{IT_S}|{THAT_S})\s+{INTENS}understandable\b",
            rf"\b(?:{IT_S}|{THAT_S})\s+{INTENS}(?:normal|natural|ok|okay|alright|all\s+right|common|fine)"
            r"\s+(?:to\s+(?:feel|be|cry|want|worry|get|find|have\s+(?:(?:these|those|some|lots\s+of|so\s+many)\s+)?"
            r"(?:questions|worries|doubts|concerns|mixed\s+feelings|feelings|second\s+thoughts|fears))|that\s+you|"
            r"for\s+(?:you|people|anyone|parents))\b",
            r"\b(?:a\s+)?(?:normal|natural|common|understandable)\s+(?:reaction|response|way\s+to\s+feel)\b",
            # legitimising anger or upset: "you have every right to be angry", "it's fair to be upset"
            rf"\b(?:{YOU_VE}(?:\s+got)?|you\s+have)\s+every\s+right\s+to\s+(?:be|feel)\b",
            rf"\b(?:{IT_S}|{THAT_S})\s+{INTENS}(?:fair|reasonable|only\s+right)\s+(?:to\s+(?:be|feel)|that\s+you)\b",
            # "that must be really hard", "that must have been terrifying", "that sounds tough"
            rf"\bmust(?:'ve|\s+have)?\s+(?:be|been|feel)\s+{INTENS}{HARD}\b",
            rf"\b(?:that|it|this)\s+(?:sounds|would\s+(?:be|have\s+been)|"
            rf"'d\s+be|(?:has|'s)\s+been)\s+{INTENS}{HARD}\b",
            # "that's a lot to deal with", "it's hard to hear this"
            rf"\b(?:{THAT_S}|{IT_S}|this\s+is)\s+(?:such\s+|quite\s+|so\s+)?(?:a\s+lot|so\s+much)\s+to\s+"
            r"(?:take\s+in|deal\s+with|cope\s+with|carry|handle|manage|process)",
            rf"\b(?:{IT_S}|this\s+is|that's)\s+(?:so\s+|really\s+)?(?:hard|difficult|tough)\s+to\s+"
            r"(?:hear|take\s+in|accept|talk\s+about)",
            # normalising: "anyone would be worried", "lots of parents feel the same"
            # ("some people find X helps, some prefer Y" offers options; it is not normalising)
            r"\b(?:anyone|anybody|everyone|everybody|(?:most|many|so\s+many|(?:lots|a\s+lot|plenty|heaps|loads|tons|"
            r"a\s+good\s+few|a\s+great\s+many)\s+of)\s+(?:\w+\s+){0,2}?"
            r"(?:people|parents|patients|dads|mums|mothers|fathers|men|women|carers|families))\s+(?:in\s+(?:your|that|this)\s+\w+\s+)?"
            r"(?:would|do|feel|find|worry|struggle|go\s+through|tell\s+(?:us|me)|say|describe)\b",
            r"\bsome\s+(?:\w+\s+)?people\s+(?:in\s+(?:your|that|this)\s+\w+\s+)?(?:feel|worry|struggle)\b",
            r"\b(?:you're|you\s+are)\s+(?:not|far\s+from)\s+the\s+only\s+(?:one|person|parent|patient|mum|dad)\b",
            r"\b(?:doesn't|does\s+not|won't|will\s+not)\s+make\s+you\s+(?:weak|a\s+bad|a\s+failure|a\s+burden|stupid|silly)",
            # "I don't think you're being silly", "you're not wasting my time"
            r"(?:\bnot|n't|\bnever)\b(?:\s+(?:think|feel|believe|at\s+all))?\s+(?:that\s+)?"
            r"(?:you(?:'re|\s+are|\s+were)?\s+)?(?:being\s+)?(?:silly|daft|stupid|a\s+nuisance|a\s+burden|"
            r"overreacting|making\s+a\s+fuss|wasting\s+(?:my|our|anyone's|anybody's|the\s+\w+'s)\s+time)\b",
            # "it can be really scary when a little one has a fit" (not "the biopsy can be painful")
            rf"\b(?:it|this|that)\s+can\s+be\s+{INTENS}(?:scary|frightening|terrifying|overwhelming|upsetting|stressful|"
            r"worrying|distressing|a\s+shock|hard|tough|difficult|isolating|lonely|frustrating|exhausting|"
            r"heartbreaking)\s+(?:when|for|seeing|watching|living|going|to\s+(?:see|watch|hear|live|cope|go|deal))\b",
            r"\bno\s+wonder\s+(?:you|you're|you've|you\s+feel)\b",
            r"\b(?:you\s+poor\s+(?:thing|love|soul)|poor\s+you|(?:oh,?\s+)?poor\s+thing)\b|"
            r"\bno(?:\s+one|body)\s+should\s+have\s+to\s+(?:go\s+through|deal\s+with|face|put\s+up\s+with|hear)\b",
            rf"\b{YOU_RE}\s+(?:definitely\s+|certainly\s+|really\s+)?(?:not|far\s+from)\s+the\s+first\b",
            # "I'm not surprised you're angry", "it's hardly surprising you feel like that"
            rf"\b(?:(?:{I_M}|i'd\s+be)\s+not\s+surprised|(?:{IT_S}|{THAT_S})\s+(?:not|hardly|no)\s+surpris(?:ing|e))\b",
            # "I would be too", "so would I", "me too, in your shoes"
            r"\bi(?:'d|\s+would)\s+(?:be|feel|have\s+been)\s+(?:\w+\s+)?(?:too|as\s+well)\b|\bso\s+would\s+i\b|"
            r"\bin\s+your\s+(?:shoes|position|place)\b",
            # sympathy as an exclamation: "What a horrible way to find out", "How awful for you"
            r"\bwhat\s+(?:a|an)\s+(?:really\s+|absolutely\s+|truly\s+)?(?:horrible|awful|terrible|rotten|dreadful|"
            r"horrid|cruel|hard|difficult|tough|rough|frightening|scary|upsetting|stressful|exhausting|sad|"
            r"miserable|worrying|nightmare|shock|ordeal|strain|lot\s+to)\b",
            r"\bhow\s+(?:absolutely\s+|really\s+|truly\s+)?(?:awful|horrible|terrible|rotten|dreadful|horrid|"
            r"frightening|scary|upsetting|heartbreaking|sad|cruel|distressing|stressful|hard|tough|exhausting)\b"
            r"(?=\s*(?:[.!,;]|$|for\s+(?:you|him|her|them|the\s+\w+|your\s+\w+)|that\b))",
            # "It's a lot, isn't it", "that's rough", "that's so unfair" (a closing verdict, not
            # "it's a lot better" or "that's hard to say")
            rf"\b(?:{IT_S}|{THAT_S}|this\s+is)\s+(?:such\s+|quite\s+|so\s+|really\s+|just\s+|an\s+awful\s+|"
            r"a\s+horrible\s+|a\s+rotten\s+|very\s+|all\s+)?(?:a\s+lot|so\s+much|too\s+much|hard|tough|rough|awful|horrible|"
            r"terrible|rotten|unfair|not\s+fair|cruel|heartbreaking|grim|brutal|gutting|hard\s+going|a\s+nightmare|"
            r"a\s+(?:horrible|awful|terrible|rotten|hard|tough|rough)\s+"
            r"(?:thing|situation|position|time|way))(?=\s*(?:[.!,;?]|$|isn't|aren't|to\s+(?:carry|deal|cope|take|"
            r"process|handle|manage|go\s+through|face)|on\s+(?:you|top)|for\s+(?:you|anyone|anybody|one\s+person)))",
            r"\b(?:could|can|might)\s+(?:have\s+)?happen(?:ed)?\s+to\s+(?:anyone|anybody|any\s+of\s+us)\b",
            # "I'd feel the same", "I'd be worried too"
            rf"\bi(?:'d|\s+would)\s+(?:have\s+been|have\s+felt|feel|be)\s+(?:just\s+|exactly\s+)?"
            rf"(?:the\s+same|{EMOTION}\s+too)\b",
            r"\bi\s+can\s+(?:only\s+)?imagine\s+(?:how|what|that|it)\b",
            # "I realise this is a lot", "I know that wasn't easy", "I know the waiting is hard"
            r"\bi\s+(?:realise|realize|appreciate)\s+(?:that\s+)?(?:this|that|it|how|you|what)\b",
            rf"\bi\s+know\s+(?:that\s+)?(?:this|that|it|the\s+\w+|how\s+\w+)(?:'s|\s+is|\s+was|\s+has\s+been|"
            rf"\s+can\s+be|\s+isn't|\s+wasn't|\s+must\s+be)\s+(?:not\s+)?{INTENS}(?:{HARD}|easy)\b",
            r"\bi\s+hear\s+you\b(?!\s+say)",
            # "and I get it, four hours is a long time", "I totally get why you're cross"
            r"\bi\s+(?:totally\s+|completely\s+|really\s+|do\s+)?get\s+(?:it|that|why)\b(?=\s*(?:[,.;!-]|$|\s+why|\s+you))",
            r"\b(?:this|that|it)(?:\s+isn't|\s+is\s+not|\s+wasn't|\s+was\s+not|'s\s+not)\s+what\s+you\s+"
            r"(?:wanted|were\s+hoping|hoped|expected)\s+to\s+hear\b",
        ),
    ),
    _Rule(
        "empathy",
        "understanding",
        # "You've had a really tough time of it." ("Sounds like you've had a rough few weeks" is a
        # reflection: the rule only takes the statement when it opens the sentence)
        (
            rf"\b{YOU_VE}\s+(?:had|been\s+having|been\s+through)\s+(?:such\s+)?(?:a\s+)?{INTENS}"
            r"(?:tough|hard|rough|difficult|terrible|awful|horrible|miserable)\s+(?:time|few|week|year|couple|"
            r"month|day|night)",
        ),
        guards=("sentence_start", "statement"),
    ),
    # ---- empathy: Respecting (praise, acknowledging effort and strength) ---------------------
    _Rule(
        "empathy",
        "respecting",
        (
            # "you've done really well", "you've worked so hard", "you've done the right thing"
            rf"\b{YOU_VE}\s+(?:done|coped|managed|handled\s+(?:this|it|things|him|her|them)|worked|been\s+doing|"
            r"looked\s+after\s+(?:him|her|them|yourself|\w+)|cared\s+for\s+(?:him|her|them|\w+)|supported\s+(?:him|her|them)|"
            r"stuck\s+by\s+(?:him|her|them))\s+"
            r"(?:\w+\s+){0,2}?(?:well|brilliantly|amazingly|fantastically|wonderfully|great|"
            r"a\s+(?:great|fantastic|brilliant|good)\s+job|an?\s+(?:amazing|incredible)\s+job|hard|"
            r"the\s+right\s+thing)\b",
            r"\bwell\s+done\b|\b(?:fair\s+play|hats\s+off|credit|good\s+on)\s+(?:to\s+)?you\b",
            rf"\b{YOU_VE}\s+(?:really\s+)?(?:stuck\s+with\s+it|kept\s+going|persevered|not\s+given\s+up)\b",
            rf"\b{I_M}\s+(?:really\s+|so\s+|very\s+)?(?:impressed|amazed|struck|proud)\s+(?:by|with|at|of|how)\b",
            r"\bi\s+(?:really\s+|genuinely\s+|truly\s+)?(?:admire|respect)\b",
            r"\b(?:takes|took|taken|shown|showing|show)\s+(?:a\s+lot\s+of\s+|real\s+|great\s+|so\s+much\s+|such\s+)?"
            r"(?:courage|strength|guts|bravery|determination|resilience)\b",
            rf"\b{YOU_RE}\s+doing\s+(?:so\s+|really\s+|very\s+|incredibly\s+)?(?:well|great|brilliantly|amazingly|"
            r"a\s+(?:great|fantastic|brilliant|good)\s+job)\b",
            # thanking for a disclosure
            r"\bthank(?:s|\s+you)(?:\s+so\s+much|\s+very\s+much)?\s+for\s+(?:telling|sharing|trusting|"
            r"letting\s+me\s+know|being\s+(?:so\s+|this\s+)?(?:honest|open))",
            rf"\b{YOU_RE}\s+(?:clearly\s+|obviously\s+|such\s+)?(?:an?\s+)?(?:very\s+|really\s+|so\s+|incredibly\s+)?"
            r"(?:devoted|dedicated|caring|strong|brave|resilient|determined|committed|loving)\b",
            rf"\b{YOU_VE}\s+(?:coped\s+with|dealt\s+with|been\s+through)\s+(?:so\s+much|a\s+lot|such\s+a\s+lot|an\s+awful\s+lot|a\s+great\s+deal)",
            r"\byou\s+know\s+(?:your|yourself|him|her|them)\s+(?:\w+\s+){0,2}?(?:better|best)\b",
            r"\bwith\s+(?:real\s+|such\s+|great\s+|so\s+much\s+)?(?:grace|dignity|courage)\b",
            rf"\b{IT_S}\s+clear\s+how\s+much\s+(?:thought|effort|care|work)\b",
            rf"\b{YOU_VE}\s+(?:clearly\s+|obviously\s+)?(?:thought\s+(?:so\s+|really\s+)?hard|put\s+(?:so\s+much|a\s+lot))",
            # "you've obviously done a lot of reading about this"
            rf"\b{YOU_VE}\s+(?:clearly\s+|obviously\s+|really\s+)?(?:done|put\s+in)\s+(?:a\s+lot\s+of|so\s+much|loads\s+of|"
            r"a\s+great\s+deal\s+of|your)\s+(?:reading|research|homework|thinking|preparation)\b",
            # "you've clearly been a wonderful carer", "you're such an observant mum"
            rf"\byou(?:(?:'re|\s+are|\s+were)\s+(?:clearly\s+|obviously\s+|really\s+|always\s+)?|"
            rf"(?:'ve|\s+have)\s+(?:clearly\s+|obviously\s+|really\s+|always\s+)?been\s+)(?:such\s+)?an?\s+(?:very\s+|really\s+|so\s+|incredibly\s+|truly\s+)?{PRAISE_ADJ}\s+"
            rf"(?:\w+\s+)?{CARER}\b",
            # "stopping drinking is a real achievement", "that's remarkable"
            r"\b(?:is|was|'s)\s+(?:a\s+|such\s+a\s+)?(?:real|huge|big|great|massive|fantastic|remarkable|amazing|"
            r"impressive|genuine|significant)\s+(?:achievement|accomplishment|step\s+forward)",
            rf"\b{THAT_S}\s+(?:really\s+|truly\s+|so\s+|quite\s+|absolutely\s+)?(?:remarkable|impressive|amazing|"
            r"incredible|inspiring|an\s+achievement)\b(?!\s+(?:news|how|that)\b)",
            rf"\b{I_M}\s+(?:really\s+|so\s+|very\s+|genuinely\s+)?glad\s+(?:that\s+)?you\s+(?:told|came|mentioned|"
            r"shared|said|asked|brought|spoke|rang|called|let\s+me\s+know)",
            r"\byou\s+know\s+(?:far\s+|much\s+|a\s+lot\s+)?more\s+(?:about\s+(?:this|it|that|\w+)\s+)?than\b",
        ),
    ),
    # ---- empathy: Supporting (partnership, not leaving the patient alone) -------------------
    _Rule(
        "empathy",
        "supporting",
        (
            rf"\b(?:{I_LL}|{WE_LL})\s+(?:be\s+)?(?:with\s+you|here\s+for\s+you|by\s+your\s+side|alongside\s+you)\b",
            r"\bevery\s+step\s+of\s+the\s+way\b",
            # "we'll get through this together", "let's figure this out together" (not "decide together")
            # (not "we'll go through the sleep diary together": a task, not the patient's trouble)
            r"\b(?:we|i|let's|let\s+us)\b(?:(?!\b(?:decide|choose|pick|prioriti[sz]e|diary|form|forms|leaflet|paperwork|"
            r"questionnaire|letter|notes|list|chart)\b)[^.;?!]){0,40}?\btogether\b",
            r"\bhere\s+for\s+you\b",
            r"\byou\s+(?:won't|will\s+not|don't|do\s+not)\s+(?:have|need)\s+to\s+(?:face|go\s+through|do|deal\s+with|"
            r"manage|cope\s+with|handle)\s+(?:this|it|that|any\s+of\s+(?:this|it))\s+(?:alone|on\s+your\s+own|by\s+yourself)",
            # "I'll still be your doctor whatever you decide" (not "I'll be your nurse today")
            rf"\b{I_LL}\s+(?:(?:still|always)\s+be\s+your\s+(?:doctor|nurse|gp|midwife|consultant)|"
            r"(?:still\s+|always\s+)?be\s+(?:here|around)\b(?!\s+(?:at|on|until|till|from|tomorrow|next|today|later|in|"
            r"this|tonight)\b))",
            rf"\b(?:{WE_LL}|{I_LL})\b[^.;?!]{{0,50}}?\bwhatever\s+(?:happens|you\s+(?:decide|choose))",
            rf"\b(?:{WE_LL}|{I_LL}|we|i)\s+(?:will\s+)?(?:keep|carry\s+on)\s+(?:looking\s+after|supporting|fighting\s+for|"
            r"caring\s+for|helping)\b",
            rf"\b(?:{WE_LL}|{I_LL})\s+go\s+through\s+(?:it|this|that|everything|them)\s+with\s+you\b",
            r"(?:\bnot|n't)\s+(?:at\s+all\s+)?your\s+fault\b|\bnothing\s+you\s+(?:did|could\s+have\s+done)\b",
            rf"\b(?:{WE_LL}|{I_LL}|we\s+can)\s+(?:find\s+a\s+way|sort\s+(?:it|this|that)\s+out|look\s+after\s+you|"
            r"support\s+you|help\s+you|be\s+there|keep\s+(?:seeing|an\s+eye\s+on)\s+you|get\s+you\s+through|"
            r"be\s+here\s+(?:to\s+support|for)\s+you)",
            rf"\b(?:{I_M}|we(?:'re|\s+are))\s+(?:here\s+(?:to\s+help|for\s+you)|on\s+your\s+side|"
            r"not\s+going\s+anywhere|in\s+this\s+together)",
            r"\byou(?:\s+won't|\s+will\s+not|\s+don't\s+have\s+to|\s+aren't|\s+are\s+not|'re\s+not)\s+(?:be\s+)?"
            r"(?:on\s+your\s+own|alone|face\s+(?:this|it)\s+alone|go\s+through\s+(?:this|it)\s+alone)",
            r"\b(?:the\s+team|we|i)(?:\s+will|'ll|\s+are\s+going\s+to|'re\s+going\s+to)\s+(?:support|look\s+after|help)\s+"
            r"(?:you\b|whichever|whatever|your\s+(?:choice|decision))",
            r"\bi\s+can\s+promise\s+(?:you\s+)?(?:that\s+)?(?:we|i)\b",
            r"\b(?:not|never)\s+(?:going\s+to\s+|gonna\s+)?give\s+up\s+on\s+you\b|\bwon't\s+give\s+up\s+on\s+you\b",
            rf"\b(?:call|ring|phone|contact)\s+(?:me|us|the\s+ward|the\s+team)\s+(?:any\s*time|and\s+(?:{WE_LL}|{I_LL}))",
            # availability for the patient's distress, not a symptom: "ring me if it gets too much",
            # "give me a call whenever you need to talk", "my door's always open"
            r"\b(?:call|ring|phone|text|contact|give\s+(?:me|us)\s+a\s+(?:call|ring|bell))\s*(?:me|us)?\b[^.;?!]{0,40}?"
            r"\b(?:if|when|whenever)\s+(?:it|things|everything|it\s+all)\s+(?:gets?|becomes?|feels?)\s+(?:too\s+much|"
            r"overwhelming|on\s+top\s+of\s+you|a\s+bit\s+much)",
            r"\b(?:call|ring|phone|text|contact)\s+(?:me|us)\b[^.;?!]{0,30}?\b(?:whenever|if|when)\s+you\s+(?:just\s+)?"
            r"(?:need|want)\s+(?:to\s+talk|someone|a\s+chat|to\s+chat|support)\b",
            r"\bmy\s+door(?:'s|\s+is)\s+(?:always\s+)?open\b|\bonly\s+a\s+phone\s+call\s+away\b",
            rf"\b{WE_LL}\s+(?:get\s+through|figure|work)\s+(?:this|it)(?:\s+out)?\b|\b(?:lean|rely)\s+on\s+(?:us|me)\b|"
            rf"\b{I_M}\s+(?:always\s+|still\s+)?here\s+(?:if|whenever|when)\s+you\s+(?:need|want)\s+(?:me|to\s+talk|someone)\b|"
            r"\byou\s+can\s+always\s+(?:talk\s+to|come\s+and\s+talk\s+to|lean\s+on)\s+(?:me|us)\b",
            rf"\bwhatever\s+(?:happens|you\s+(?:decide|choose)|the\s+results?|the\s+\w+\s+(?:shows?|finds?|says?)|"
            rf"they\s+(?:show|find))[^.;?!]{{0,40}}?\b(?:{WE_LL}|{I_LL})\b",
        ),
    ),
    # ---- empathy: Exploring (inviting more about the feeling) --------------------------------
    _Rule(
        "empathy",
        "exploring",
        (
            rf"\bmore\s+about\s+(?:[\w']+\s+){{0,3}}?{EMO_STEM}",
            rf"\bmore\s+about\s+(?:[\w']+\s+){{4,7}}?{EMO_STRONG}",
            # "When you say you're 'not coping', tell me more about what that looks like."
            rf"\bwhen\s+you\s+say\b[^.;?!]{{0,40}}?(?:{EMO_STEM}|cop(?:e|ing)\b|not\s+(?:ok|okay|right|yourself))"
            r"[^.;?!]{0,30}?\btell\s+me\s+more\b",
            r"\bwhat\s+(?:are|were)\s+you\s+(?:most\s+|really\s+)?(?:worried|afraid|scared|frightened|anxious|"
            r"nervous|concerned)\b",
            r"\bwhat\s+(?:worries|scares|frightens|concerns|upsets|bothers|troubles)\s+you\b",
            r"\bwhat(?:'s|s|\s+is|\s+has\s+been|\s+was)?(?:\s+been)?\s+(?:the\s+)?(?:scariest|hardest|worst|"
            r"toughest|most\s+(?:worrying|difficult|frightening|upsetting))\b",
            r"\bwhat(?:'s|\s+is)\s+(?:behind|underneath|under)\s+(?:that|the|your|this)\s+"
            r"(?:worry|fear|feeling|anger|concern)",
            r"\bhow\s+(?:has|is|have)\s+(?:all\s+)?(?:this|that|it|things)\s+(?:been\s+)?(?:affecting|affected|making)\s+you\b",
            r"\bwhat(?:'s|\s+is|\s+has)(?:\s+been)?\s+(?:on|going\s+through)\s+your\s+mind\b",
            r"\bwhat\s+(?:goes|went|is\s+going)\s+through\s+your\s+mind\b",
            r"\bwhat(?:'s|\s+is)\s+(?:upsetting|worrying|bothering|troubling|frightening|scaring)\s+you\b",
            # "How are you feeling about that?" asks for the reaction to what was just said ("How are
            # you feeling about the results?" is an open question about a topic)
            r"\bhow\s+are\s+you\s+feeling\s+about\s+(?:that|this|it|all\s+(?:this|that|of\s+(?:this|that|it)))\s*(?:[?.!]|$)",
        ),
    ),
    # ---- reflection: strong markers (also inside a checking question) ------------------------
    _Rule(
        "reflection",
        None,
        (
            rf"\b(?:so\s+(?:what\s+)?)?{YOU_RE}\s+saying\b",
            rf"\bwhat\s+{I_M}\s+hearing\b",
            rf"\b{YOU_RE}\s+telling\s+me\b",
            rf"\bfrom\s+what\s+(?:{YOU_RE}|{YOU_VE})\s+(?:saying|said|told\s+me)\b",
            rf"\bwhat\s+{YOU_RE}\s+(?:saying|describing)\s+is\b",
            r"\bif\s+i(?:'ve|\s+have)?\s+(?:understood|got\s+(?:this|that|it|you)\s+right|heard\s+(?:you\s+)?(?:right|correctly))",
            r"\b(?:let\s+me|just\s+to|can\s+i|to)\s+(?:just\s+)?(?:check|make\s+sure|see\s+if)\s+(?:that\s+)?"
            r"i(?:'ve|\s+have)?\s+(?:got|understood|heard)\b",
            r"\b(?:to\s+sum\s+up|to\s+summari[sz]e|in\s+summary|let\s+me\s+(?:just\s+)?(?:summari[sz]e|sum\s+up|recap)|"
            r"just\s+to\s+recap|to\s+recap|so\s+far\s+you(?:'ve|\s+have)\s+told\s+me)\b",
            # "it sounds like things have been busy" (not "it sounds like a virus")
            r"\b(?:sounds|seems)\s+(?:like\s+|as\s+(?:if|though)\s+|that\s+)?(?:you|your|things|work|home|life|"
            r"it(?:'s|\s+has)\s+been|the\s+\w+(?:\s+\w+)?\s+(?:is|are|has|have|was|were|keeps?))\b",
        ),
    ),
    # ---- reflection: "So the pain started after...", "You've had this since..." (statements) --
    _Rule(
        "reflection",
        None,
        (
            r"\bso,?\s+(?:(?:basically|essentially|overall|in\s+short|in\s+a\s+nutshell),?\s+)?"
            r"(?:you|your|you've|youve|you're|it's|its|it|the|that's|thats|there's|she|he|they|"
            r"her|his|their|this|\w+ing)\b(?!\s+(?:plan|next|idea|best|treatment|aim|way|options?)\b)"
            r"[^.;!?]{0,80}",
            rf"\b{YOU_VE}\s+(?:been|had|noticed|found|felt|tried|mentioned|said)\b(?!\s+through\b)"
            r"[^.;!?]{0,80}",
            # (not "You mentioned you were worried; what's behind that?": a lead-in to exploring)
            rf"\byou\s+(?:mentioned|said|told\s+me|described)\b(?![^.;!?]{{0,80}}?\b{EMOTION}\b)[^.;!?]{{0,80}}",
            r"\bin\s+other\s+words,?\s+(?:you|your|the|it|things)\b[^.;!?]{0,80}",
            # "So since your partner left, you've been drinking more" (not "So after the op, you'll rest")
            r"\bso,?\s+(?:ever\s+)?(?:since|after)\b[^.;!?,]{1,50},\s*(?:you(?:'ve|\s+have|\s+were|'re|\s+are)|"
            r"you\s+\w+ed|things|it's|it\s+has)\b[^.;!?]{0,80}",
            rf"\b{YOU_RE}\s+(?:finding|struggling|noticing|thinking|not\s+sure|still\s+\w+ing|managing|trying)\b"
            r"[^.;!?]{0,80}",
            r"\byou(?:'d|\s+would)\s+(?:much\s+|really\s+)?(?:rather|prefer)\b[^.;!?]{0,80}",
        ),
        guards=("sentence_start", "statement"),
    ),
    # ---- agenda: asking for ALL the patient's concerns ---------------------------------------
    _Rule(
        "agenda",
        None,
        (
            # "what else?", "anything else you wanted to cover today?", not "anything else, like vitamins"
            r"\b(?:what|anything|something)\s+else\b(?=\s*(?:[?.!;]|$)|\s+(?:you(?:'d|\s+would)|you\s+want|"
            r"(?:that\s+)?you(?:'re|\s+are|\s+were|\s+was)?\s+(?:hoping|wanting|wanted|hoped|planning|keen|needing)|"
            r"(?:were|are|was)\s+you\s+(?:hoping|wanting|planning|keen|needing)|"
            r"did\s+you|do\s+you|(?:(?:that|which)(?:'s|\s+is|\s+has)?\s+)?(?:(?:is|are|has|have)\s+)?(?:been\s+)?"
            r"(?:there|on\s+your\s+mind|bothering|worrying|troubling|concerning)|(?:that\s+)?you(?:'re|\s+are)\s+(?:worried|concerned)|we\s+(?:should|need)|"
            r"i\s+(?:should|need\s+to)|to\s+(?:talk|discuss|cover|mention|add|raise|bring|go|sort)|as\s+well|"
            r"today|for\s+today|besides|you(?:'ve|\s+have)\s+(?:brought|come|got)|going\s+on|"
            r"(?:would|do|did)\s+you\s+(?:like|want|need)|(?:is\s+|was\s+|'s\s+)?on\s+(?:your|the|today's)\s+(?:list|agenda)|"
            r"before\s+we\s+(?:start|begin|get\s+going|go\s+on|move\s+on)))",
            r"\b(?:any|what|are\s+there(?:\s+any)?|were\s+there(?:\s+any)?)\s+other\s+"
            r"(?:concerns|worries|things|issues|problems|questions)\b",
            r"\bwhat\s+(?:would|did|do)\s+you\s+(?:like|want)\s+to\s+(?:talk\s+about|discuss|cover|go\s+through|"
            r"focus\s+on|sort\s+out|get\s+through|look\s+at)\b",
            r"\b(?:make|write|start)\s+a\s+list\b|\ball\s+the\s+things\s+you\b|"
            r"\beverything\s+you(?:'d|\s+would)?\s+(?:like|want)\b",
            # "tell me everything that's on your mind and we'll prioritise", "what's on your list?"
            r"\b(?:everything|all\s+(?:of\s+)?the\s+things|all\s+your\s+(?:concerns|worries|questions))\s+"
            r"(?:that(?:'s|\s+is|\s+are)\s+|you've\s+got\s+|you\s+have\s+)?on\s+your\s+(?:mind|list)\b",
            r"\b(?:what(?:'s|\s+is)|anything|things)\s+(?:else\s+)?(?:is\s+|that's\s+)?on\s+(?:your|today's)\s+(?:list|agenda)\b",
            r"\bprioriti[sz]e\b|\bget\s+out\s+of\s+(?:today|this\s+(?:appointment|visit|consultation|session)|"
            r"today's\s+(?:appointment|visit|consultation|session))\b",
        ),
    ),
    # ---- asking permission ---------------------------------------------------------------
    _Rule(
        "ask_permission",
        None,
        (
            r"\b(?:is|would|will)\s+it\s+(?:be\s+)?(?:ok|okay|alright|all\s+right|fine)\s+(?:with\s+you\s+)?"
            r"(?:if|for\s+me|to)\b",
            r"\b(?:do|would)\s+you\s+mind\s+if\b|(?<!never\s)\bmind\s+if\s+(?:i|we)\b",
            r"\b(?:ok|okay|alright|all\s+right)\s+(?:with\s+you\s+)?(?:if\s+i|for\s+me\s+to)\b",
            r"\bmay\s+i\b",
            r"\b(?:can|could)\s+i\s+(?:just\s+|quickly\s+)?(?:ask|have\s+a\s+(?:look|feel|listen|quick)|examine|"
            r"check(?!\s+(?:that\s+)?i(?:'ve|\s+have)?\s+(?:explained|been\s+clear|got|understood|made))|take|feel|listen|share|tell\s+you|explain|talk|go\s+through|speak|bring|suggest|offer|"
            r"look|pop|show)\b",
            r"\b(?:are|would)\s+you\s+(?:be\s+)?(?:happy|ok|okay|comfortable|alright|all\s+right)\s+"
            r"(?:for\s+me|with\s+me|if\s+i|for\s+(?:us|the))\b",
            r"\b(?:would|do)\s+you\s+(?:like|want)\s+me\s+to\b",
            r"\b(?:is|would|will)\s+that\s+(?:be\s+)?(?:ok|okay|alright|all\s+right|fine)(?:\s+with\s+you)?"
            r"(?:\s*,\s*\w+(?:\s+\w+)?)?\s*\?",
            r"\bwould\s+it\s+help\s+if\s+i\b",
            r"\b(?:is|would)\s+(?:now|this|it\s+be)\s+an?\s+(?:good|ok|okay|convenient|bad|alright|all\s+right|right)\s+"
            r"(?:time|moment)\b",
            r"\bwith\s+your\s+permission\b|\b(?:do|can|may)\s+i\s+have\s+your\s+permission\b",
            rf"\bif\s+(?:{THAT_S}|{IT_S})\s+(?:ok|okay|alright|all\s+right|fine)(?:\s+with\s+you)?\b",
            rf"\bif\s+{YOU_RE}\s+(?:happy|ok|okay|comfortable)\s+(?:for\s+me\s+)?(?:to|with)\b",
            r"\bshall\s+i\s+(?:explain|go\s+through|tell|talk|start|examine|check)\b",
        ),
    ),
    # ---- teach-back: the patient explains the plan back -------------------------------------
    _Rule(
        "teach_back",
        None,
        (
            r"\bin\s+your\s+own\s+words\b",
            r"\b(?:explain|tell|say|repeat|go\s+over|run\s+through|talk)\s+(?:[\w']+\s+){0,3}?back\s+to\s+me\b",
            r"\b(?:explain|tell|say|repeat)\s+(?:it|that|this|them)\s+back\b",
            # "can you tell me back how much you'll give", "read it back to me"
            r"\b(?:explain|tell|say|repeat|read|run)\s+(?:it\s+|that\s+|this\s+|them\s+)?me\s+back\b",
            # "run me through how you'll do the injection", "talk me through what you'll do at home"
            r"\b(?:run|talk|walk|take)\s+me\s+through\s+(?:how|what|when)\s+you(?:'ll|\s+will|'d|\s+would|"
            r"(?:'re|\s+are)\s+going\s+to)\b",
            # "as if I was the one learning", "pretend I'm your husband"
            r"\bas\s+if\s+i\s+(?:was|were|am)\s+(?:the\s+one|your|a\s+(?:new|friend|patient)|the\s+patient)\b|"
            r"\bpretend\s+(?:that\s+)?i(?:'m|\s+am)\s+(?:your|the|a)\b",
            # "just so I know I explained it well", "to make sure I've been clear"
            r"\b(?:make\s+sure|check|know|sure|confirm|see\s+(?:if|whether))\s+(?:that\s+)?i(?:'ve|\s+have)?\s+"
            r"(?:explained|been\s+clear|made\s+(?:it|that|this|things|myself)\s+clear|got\s+(?:it|that|this|things)\s+across|"
            r"(?:haven't|have\s+not|didn't|did\s+not)\s+(?:confused|muddled|lost|left\s+(?:anything|something|it)\s+out|"
            r"missed\s+anything)|did\s+(?:it|that|a\s+good\s+job)|made\s+(?:sense|myself\s+understood)|"
            r"(?:done|did)\s+my\s+job)",
            r"\bwhat\s+(?:will|would|are)\s+you\s+(?:going\s+to\s+)?(?:tell|say\s+to|explain\s+to)\s+"
            r"(?:(?:your|the)\s+\w+|them|him|her)",
            r"\b(?:tell|show)\s+me\s+how\s+you(?:'ll|'d|\s+will|\s+would|\s+are\s+going\s+to|'re\s+going\s+to)\s+"
            r"(?:take|use|do|give|manage|inject|draw|put|check|apply)\b",
            r"\bwhat\s+(?:will|would)\s+you\s+do\s+(?:if|when)\b|"
            r"\b(?:tell|show|explain\s+to)\s+me\s+what\s+you(?:'ll|\s+will|(?:'re|\s+are)\s+going\s+to)\s+do\s+(?:if|when)\b|"
            r"\bwhat\s+(?:are\s+you|you're)\s+going\s+to\s+do\s+(?:if|when)\b",
            r"\bhow\s+(?:will|are)\s+you\s+(?:going\s+to\s+)?(?:take|use)\s+(?:it|them|the|these|this|your)\b",
        ),
    ),
    # ---- offering a choice -------------------------------------------------------------------
    _Rule(
        "offer_choice",
        None,
        (
            # "there are a few options", "there are two main ways to treat this" (not "only one option")
            r"\bthere\s+(?:are|'re|is|'s)\s+(?:a\s+few|a\s+couple\s+of|two|three|several|some|other|different|"
            r"a\s+number\s+of|a\s+range\s+of)\s+(?:\w+\s+)?(?:options|choices|ways|approaches|treatments|"
            r"routes|possibilities|paths)\b",
            r"\b(?:we|you)(?:'ve|\s+have)?\s+(?:got\s+)?(?:two|three|a\s+few|several|some|a\s+couple\s+of|a\s+number\s+of|"
            r"a\s+range\s+of|different)\s+(?:\w+\s+)?(?:options|choices|ways|approaches|routes|possibilities|paths)\b",
            # "the options are a cast or an operation", "your choices are", "the alternative is"
            r"\b(?:the|your|our)\s+(?:main\s+|two\s+|three\s+|other\s+)?(?:options|choices)\s+(?:are|would\s+be|include)\b",
            r"\b(?:the|an|one)\s+alternative\s+(?:is|would\s+be)\b|\balternatively\b|"
            r"\b(?:there's|there\s+is)\s+also\s+(?:the\s+)?(?:option|choice|possibility)\s+(?:of|to)\b",
            r"\bor\s+(?:else\s+)?(?:we|you)\s+could\s+(?!be\b)\w+",
            # "some people choose surgery, others prefer to wait"
            r"\b(?:some|many)\s+(?:\w+\s+)?(?:people|patients|women|men|parents)\s+(?:choose|prefer|opt|decide|go\s+for)\b"
            r"[^.;?!]{0,60}?\bothers\b",
            # "some people choose the coil and some prefer the implant"
            r"\b(?:some|many)\s+(?:\w+\s+)?(?:people|patients|women|men|parents)\s+(?:choose|prefer|opt|go\s+for|find)\b"
            r"[^.;?!]{0,60}?\bsome\s+(?:\w+\s+)?(?:prefer|choose|opt|go\s+for)\b",
            # "we've got the pill, the patch, the injection or the coil"; "they all suit different people"
            r"\b(?:we(?:'ve|\s+have)\s+got|we\s+have|we\s+(?:can|could)\s+offer|you\s+(?:can|could)\s+have|"
            r"the\s+(?:options|choices)\s+are)\s+[^.;?!]{2,60}?,[^.;?!]{2,60}?"
            r"\bor\s+(?:the|a|an)\s+\w+",
            r"\b(?:suit|suits|work\s+for|works\s+for)\s+different\s+people\b",
            r"\b(?:we|you)\s+(?:can|could|might)\s+either\b",
            # "we could wait or operate"; "you could ... or" needs a verb after "or" ("a cold or flu" is not)
            r"\bwe\s+(?:can|could|might)\s+(?!be\b)[^.;?!]{3,80}?\bor\s+(?!not\b)\w+",
            r"\byou\s+(?:can|could|might)\s+[^.;?!]{3,80}?\bor\s+(?:if|we|you|to|go|wait|try|have|add|start|stop|"
            r"keep|carry|see|take|leave|switch|use|book|come|watch|just)\b",
            r"(?<!only\s)\b(?:one|another|the\s+other|a\s+second|a\s+third|the\s+first|the\s+second)\s+"
            r"(?:option|choice|possibility|approach)\b",
            rf"\b(?:{IT_S}|{THAT_S})\s+(?:entirely\s+|completely\s+|totally\s+|really\s+|ultimately\s+)?"
            r"(?:your\s+(?:choice|decision|call)|up\s+to\s+you)",
            r"\b(?:the\s+)?(?:choice|decision)\s+is\s+(?:entirely\s+|completely\s+|ultimately\s+)?(?:yours|up\s+to\s+you)",
            r"(?:^|[-:,;(]\s*)(?:(?:entirely|completely|totally|really)\s+)?(?:up\s+to\s+you|your\s+call|your\s+choice)\s*"
            r"(?:[.!);]|$)",
            r"\bthere(?:'s|\s+is)\s+(?:the|a|an)\s+[^.;?!]{2,60}?,\s*or\s+(?:else\s+)?(?:we|you)\s+(?:just\s+)?"
            r"(?:keep|wait|leave|hold|stick|watch|carry\s+on|try|go\s+(?:for|with|ahead)|let)\b",
            r"\b(?:choose|pick|decide|choice)\s+between\b|\boption\s+(?:a|b|1|2|one|two)\b",
            r"\b(?:no|isn't\s+a|not\s+a)\s+(?:single\s+)?right\s+(?:answer|choice)\b",
            # "would you prefer a morning or an afternoon appointment?"
            r"\b(?:would\s+you\s+(?:prefer|rather|like)|do\s+you\s+prefer|which\s+(?:would|do|one|of))\b"
            r"[^.;?!]{0,60}?\bor\b",
        ),
    ),
    # ---- eliciting preferences, values, goals ------------------------------------------------
    _Rule(
        "elicit_preferences",
        None,
        (
            r"\b(?:what|which)\s+(?:else\s+|(?:one|option)\s+)?matters\s+(?:most\s+|more\s+)?(?:to\s+you|most|more)\b",
            # "what feels more doable for you?", "what would work best for you?", "what sounds right to you?"
            r"\bwhat\s+(?:feels|seems|sounds|would\s+(?:feel|seem|sound|work|suit\s+you))\s+(?:(?:more|most|the\s+most)\s+)?"
            r"(?:doable|manageable|realistic|right|best|better|possible|achievable|comfortable)\b",
            r"\bwhat\s+(?:works|would\s+work|fits|would\s+fit)\s+(?:best\s+|better\s+)?(?:for|with)\s+(?:you|your)\b",
            # "where do you sit?", "what are you leaning towards?", "what's your gut feeling?"
            r"\bwhere\s+(?:do|would|are)\s+you\s+(?:sit|stand|fall|land|lean)\b|\bleaning\s+towards?\b|"
            r"\bwhich\s+way\s+(?:are|would|do)\s+you\s+(?:leaning|lean)\b",
            r"\bwhat(?:'s|\s+is)\s+your\s+(?:gut\s+(?:feeling|instinct|reaction)|instinct|preference|"
            r"(?:main\s+|biggest\s+|top\s+)?priorit(?:y|ies))\b",
            r"\bhow\s+important\s+(?:is|are|would)\b[^.;?!]{0,60}?\b(?:to|for)\s+you\b",
            r"\bwhat\s+do\s+you\s+care\s+(?:most|more)\s+about\b|\b(?:care|cares)\s+(?:most|more)\s+about\b[^.;?!]{0,80}?"
            r"\b(?:others|other\s+people|some)\b",
            # "anything about your work that would make one of these options harder for you?"
            r"\bmake\s+(?:one\s+of\s+|either\s+of\s+|any\s+of\s+)?(?:these|those|the|this|that|either|any|an?)\s+(?:\w+\s+)?"
            r"(?:options?|choices?|treatments?|plans?|approach(?:es)?)\s+(?:\w+\s+)?(?:harder|easier|better|worse|"
            r"(?:more|less)\s+difficult|difficult|tricky|trickier|(?:more|less)\s+\w+)\b",
            r"\bwhat(?:'s|s|\s+is|\s+would\s+be|\s+will\s+be)\s+(?:the\s+)?(?:most\s+|really\s+)?important\s+"
            r"(?:to|for)\s+you\b",
            r"\b(?:do\s+you\s+have|have\s+you\s+got)\s+(?:a\s+|any\s+)?(?:preference|preferences|strong\s+feelings)\b",
            r"\bwhat\s+would\s+you\s+(?:prefer|rather|like\s+to\s+do|most\s+like|want\s+to\s+do|choose)\b",
            # (not "... or would you prefer I didn't?": the opt-out of asking permission)
            r"\b(?:would|do)\s+you\s+(?:prefer|rather)\b(?!\s+(?:that\s+)?(?:i|we)\s+(?:didn't|did\s+not|don't|not|wasn't))",
            r"\bwould\s+you\s+want\b",
            # substituted judgement: "Where would he want to be?", "What would your mum have wanted?"
            r"\b(?:(?:what|where|how|which)\s+(?:\w+\s+)?would\s+(?:he|she|they|your\s+(?:mum|dad|mother|father|wife|"
            r"husband|partner|son|daughter))\s+(?:have\s+)?want(?:ed)?|would\s+(?:he|she|they)\s+have\s+wanted)\b",
            r"\b(?:the\s+)?(?:most|more)\s+important\s+(?:thing\s+)?(?:to|for)\s+(?:you|him|her|them)\b",
            r"\bwhich\s+(?:would|do|will)\s+you\s+(?:prefer|choose|want|like|pick)\b",
            r"\bwhich\s+(?:[\w']+\s+){0,4}?(?:feels|seems|sounds|suits|would\s+suit|fits|works|appeals?)\b",
            r"\bwhich\s+(?:one\s+|option\s+)?(?:do|would)\s+you\s+think\b",
            r"\bhow\s+much\s+(?:information|detail|\w+)?\s*(?:would|do)\s+you\s+(?:like|want)\b",
            r"\bwhat\s+(?:would|will|might)\s+(?:matter|be\s+(?:most\s+)?important)\b",
            r"\bwhat(?<!about\swhat)(?<!on\swhat)(?<!of\swhat)(?<!think\swhat)(?<!know\swhat)(?<!thought\swhat)"
            r"\s+(?:would|might)\s+(?:help|make\s+(?:[\w']+\s+){1,3}?(?:easier|better|more\s+manageable))\b",
            r"\bwhat\s+would\s+(?:a\s+good\s+(?:day|outcome|result|life)|success|a\s+good\s+\w+)\s+look\s+like\b",
            r"\bhow\s+(?:do|would)\s+you\s+feel\s+about\b",
            r"\bwhat\s+are\s+your\s+(?:thoughts|feelings|views)\s+(?:on|about)\b",
            # ("what do you make of the tablets so far?" asks about experience, not a preference)
            r"\bwhat\s+do\s+you\s+(?:think|make)\s+(?:about|of)\b(?![^.;?!]*\b(?:so\s+far|lately|recently)\b)",
            r"\bhow\s+does\s+(?:that|this|the|it)(?:\s+\w+)?\s+(?:sit|sound|feel)\s+(?:with|to|for)\s+you\b",
            r"\bwhat\s+(?:are|were|is)\s+(?:you|your)\s+(?:most\s+|really\s+)?(?:hoping|hopes|goals|priorities|wishes|"
            r"expectations)\b",
            r"\bwhat\s+do\s+you\s+hope\b",
            r"\b(?:would|are)\s+you\s+(?:be\s+)?open\s+to\b",
        ),
    ),
    _Rule(
        "elicit_preferences",
        None,
        # "...what you'd want if your heart stopped?" -- but "you'd rather avoid surgery" is a report
        (r"\byou(?:'d|\s+would)\s+(?:really\s+)?(?:prefer|rather|want)\b",),
        guards=("question",),
    ),
    # ---- premature reassurance -----------------------------------------------------------
    _Rule(
        "premature_reassurance",
        None,
        (
            # "don't worry" -- but not "don't worry if you miss a dose" / "about the form"
            rf"\b(?:don'?t|do\s+not)\s+(?:you\s+)?{FRET}\b(?!\s*,?\s*(?:if|about\s+(?:the\s+|that\s+|this\s+|your\s+|"
            rf"a\s+|any\s+)?{ADMIN}\b))",
            # minimising: "it's a piece of cake", "nothing's going to go wrong", "no need to panic"
            rf"\b{MINIMISE}\b|\bnothing(?:'s|\s+is)?\s+(?:going\s+to|gonna|will|'ll)\s+(?:go\s+wrong|happen\s+to\s+(?:you|him|her))\b",
            r"\byou\s+(?:won't|will\s+not)\s+(?:feel|notice)\s+a\s+thing\b",
            r"\b(?:fit\s+as\s+a\s+fiddle|(?:as\s+)?good\s+as\s+new|fighting\s+fit)\b|"
            r"\b(?:back\s+on\s+your\s+feet|back\s+to\s+normal|sorted|better)\s+in\s+no\s+time\b",
            rf"\bnothing\s+to\s+(?:fret|panic|stress|be\s+(?:scared|afraid|frightened|worried|nervous|anxious|concerned))\s+"
            rf"(?:about|of|over)\b(?!\s+(?:with|about|regarding|re)?\s*(?:the\s+|that\s+|this\s+|your\s+)?{ADMIN}\b)",
            r"\bi(?:'ve|\s+have)\s+seen\s+(?:hundreds|thousands|loads|lots|plenty|heaps|tons|dozens)\s+of\s+"
            r"(?:these|this|them|cases|people\s+like\s+you)\b",
            r"\b(?:it|things|everything)(?:'ll|\s+will|\s+is\s+going\s+to|'s\s+going\s+to)\s+(?:all\s+)?(?:work\s+out|"
            r"sort\s+itself\s+out|blow\s+over|turn\s+out\s+(?:fine|ok|okay|well|alright))\b",
            rf"\bno\s+need\s+(?:to|for\s+you\s+to)\s+(?:{FRET}|be\s+(?:concerned|alarmed|nervous))\b|\bstop\s+(?:fretting|panicking|stressing)\b",
            # "I wouldn't be concerned", "I wouldn't lose any sleep over it"
            r"\bi\s+(?:wouldn't|wouldnt|would\s+not)\s+(?:be\s+(?:at\s+all\s+|too\s+|that\s+|overly\s+)?(?:concerned|worried|bothered|alarmed)|"
            r"fret|panic|stress|lose\s+(?:any\s+)?sleep)\b",
            # "it's probably just hormones", "most likely only a bit of wind"
            rf"\b(?:probably|most\s+likely|almost\s+certainly|bound\s+to\s+be|i\s+bet\s+(?:it's|it\s+is))\s+(?:just|only)\s+{BENIGN}\b",
            r"\btry\s+(?:not\s+to|and\s+not|to\s+not)\s+worry\b",
            rf"\b{I_M}\s+(?:sure|certain|confident)\s+[^.;?!]{{0,30}}?\b(?:nothing|fine|ok|okay|alright|"
            r"all\s+right|harmless|clear|normal|negative|benign|just\s+\w+)\b",
            r"\b(?:there's|theres|there\s+is|you've\s+got|you\s+have)\s+(?:no|nothing)\s+(?:need\s+)?to\s+worry\b",
            rf"\bnothing\s+to\s+worry\s+about\b(?!\s*,?\s*(?:with|about|regarding|re)\s+(?:the\s+|that\s+|this\s+|your\s+)?"
            rf"{ADMIN}\b)",
            r"\bnothing\s+(?:\w+\s+)?wrong\s+with\s+(?:you|it|him|her)\b",
            # "a bit of chest pain at your age is nothing", "it'll just be indigestion"
            r"(?<!there\s)(?<!here\s)\b(?:is|are)\s+(?:probably\s+|almost\s+certainly\s+)?nothing\b"
            r"(?=\s*(?:[,.;!]|$|to\s+worry|serious))",
            rf"\b(?:it|that|this)(?:'ll|\s+will|'s\s+bound\s+to|\s+is\s+bound\s+to|\s+must)\s+(?:just\s+|only\s+)?be\s+"
            rf"(?:just\s+|only\s+)?{BENIGN}\b",
            r"\bno\s+need\s+(?:to|for\s+you\s+to)\s+(?:worry|be\s+(?:worried|scared|anxious|frightened))\b",
            r"\beverything(?:'s|\s+is)?\s+(?:going\s+to|gonna|will|'ll)\s+be\s+(?:absolutely\s+|totally\s+)?"
            r"(?:fine|ok|okay|alright|all\s+right|good)\b",
            r"\b(?:it|you|things|this|he|she|they)(?:'ll|ll|\s+will|\s+are\s+going\s+to|'re\s+going\s+to|'s\s+going\s+to|"
            r"\s+is\s+going\s+to)\s+(?:all\s+)?be\s+(?:absolutely\s+|totally\s+|just\s+|perfectly\s+)?"
            r"(?:fine|ok|okay|alright|all\s+right)\b(?!\s+to\b)",
            r"\bright\s+as\s+rain\b|\bstop\s+worrying\b|\b(?:don't|do\s+not)\s+lose\s+(?:any\s+)?sleep\b",
            rf"\b{YOU_RE}\s+(?:absolutely\s+|perfectly\s+|totally\s+|completely\s+)?fine\b(?!\s+to\b)",
            r"\bi\s+(?:wouldn't|wouldnt|would\s+not)\s+worry\b",
            rf"\b(?:{IT_S}|{THAT_S})\s+(?:probably\s+|likely\s+|most\s+likely\s+|almost\s+certainly\s+)?nothing\b"
            r"(?!\s+to\s+do\s+with)",
            r"\b(?:probably|likely)\s+nothing\b|\bnothing\s+(?:serious|sinister)\b",
            # "it's definitely not cancer", "it won't be anything serious", "I doubt it's anything sinister"
            # ("it's cancer, I'm afraid" is news, not reassurance: after "it's" the "not" is needed)
            rf"\b(?:(?:{IT_S}|{THAT_S})(?=\s+(?:\w+\s+){{0,2}}not\b)|(?:it|this|that)\s+(?:won't|can't|isn't\s+going\s+to)\s+be|"
            r"i\s+doubt\s+(?:it's|it\s+is|"
            r"it'll\s+be|that's))\s+(?:definitely\s+|certainly\s+|absolutely\s+|almost\s+certainly\s+|surely\s+|"
            r"most\s+likely\s+)?(?:not\s+)?(?:cancer|anything\s+(?:serious|sinister|bad|nasty|to\s+worry\s+about)|"
            r"(?:a\s+)?(?:tumou?r|stroke|heart\s+attack)|serious|sinister)\b",
            rf"\b(?:{IT_S}|{THAT_S})\s+(?:probably\s+|likely\s+|almost\s+certainly\s+)?(?:just|only)\s+{BENIGN}\b",
        ),
        guards=("not_negated", "not_evidence_based", "not_checking"),
    ),
    # ---- judgmental: blaming, moralising, labelling --------------------------------------------
    _Rule(
        "judgmental",
        None,
        (
            r"\byou\s+(?:really\s+|honestly\s+)?(?:should|ought\s+to)(?:'ve|\s+have|\s+of)\s+"
            r"(?!been\s+(?:told|given|offered|seen|sent|called|contacted|informed|warned)\b)"
            r"(?:known|done|come|listened|taken|stopped|thought|been|told|asked|gone|seen|realised|realized|"
            r"tried|kept|followed|checked|started|made|cut|lost|quit|booked|called|rung)\b",
            r"\b(?:known|know)\s+better\b",
            # "that's just lazy", "smoking while pregnant is selfish", "a pretty selfish choice"
            rf"\b(?:{THAT_S}|{IT_S}|{YOU_RE}|you\s+were|being|is|are|was|were)\s+(?:being\s+)?(?:just\s+|so\s+|very\s+|"
            r"really\s+|a\s+bit\s+|incredibly\s+|frankly\s+|downright\s+|plain\s+|simply\s+)?(?:an?\s+)?"
            r"(?:(?:pretty|really|very|bit|rather|so)\s+)?(?:lazy|irresponsible|selfish|stupid|ridiculous|silly|"
            r"pathetic|careless|reckless|foolish|disgusting|childish|hysterical|dramatic|non-?compliant|negligent|"
            r"naughty|idiotic|daft|"
            r"in\s+denial|a\s+bad\s+(?:mother|father|parent|patient)|attention-seeking|attention\s+seeking)\b"
            r"(?!\s+of\s+me\b)",
            # "you're just not trying hard enough" (not "the tablets aren't doing enough")
            r"\byou(?:'re|\s+are)?\s+(?:just\s+|simply\s+|still\s+)?(?:not|aren't)\s+(?:even\s+)?(?:trying|working|doing)\s+"
            r"(?:(?:hard|nearly|anywhere\s+near)\s+)?enough\b|"
            r"\byou\s+(?:haven't|have\s+not)\s+been\s+(?:trying|working|doing)\s+(?:hard\s+)?enough\b",
            r"\b(?:a\s+)?wast(?:e|ing)\s+(?:of\s+)?(?:my|our|everyone's|everybody's|the\s+\w+'s|nhs)\s+(?:time|resources|money)\b",
            r"\b(?:do|did)\s+you\s+really\s+(?:let|give|allow|think\s+it's\s+(?:ok|okay|fine))\b",
            # blame, not explanation ("that's what happens when you stand up quickly")
            rf"\b{THAT_S}\s+what\s+happens\s+(?:when|if)\s+you\s+(?:don't|do\s+not|won't|keep|ignore|skip|refuse|"
            r"stop\s+taking|eat|drink|smoke|miss|forget|leave|neglect|never)\b",
            r"\bignor(?:e|ed|es|ing)\s+(?:my|our|the|all\s+the|medical|your\s+doctor's)\s+(?:\w+\s+)?advice\b",
            r"\b(?:like|as)\s+i\s+(?:told|asked|warned|said\s+to)\s+you\b",
            r"\bi\s+(?:don't|do\s+not)\s+know\s+why\s+you\s+(?:even\s+)?bother\b|\bwhy\s+(?:do\s+)?you\s+(?:even\s+)?bother\b",
            r"\b(?:won't|will\s+not|don't|never)\s+do\s+what\s+(?:i|we)\s+(?:say|tell\s+you|ask)\b",
            r"\b(?:people|patients|folks?)\s+like\s+you\b|\byou\s+people\b",
            r"\b(?:(?:only|just)\s+)?(?:have\s+)?yourself\s+to\s+blame\b|\byour\s+own\s+fault\b|"
            r"\bbrought\s+(?:this|it)\s+on\s+yourself\b",
            r"\bwhat\s+(?:did|do)\s+you\s+expect\b|\bwhat\s+were\s+you\s+thinking\b|"
            r"\bwhat\s+did\s+you\s+think\s+would\s+happen\b|\bwho\s+(?:do\s+you\s+think\s+)?(?:you're|you\s+are|are\s+you)\s+kidding\b|"
            r"\bhow\s+many\s+times\s+(?:have|do|must)\s+(?:i|we)\s+(?:told|tell|been\s+over|got\s+to|have\s+to|need\s+to|said)\b|"
            r"\b(?:do|did)\s+you\s+want\s+to\s+end\s+up\b",
            # "and that's down to you", "that's on you" (not "it's down to you to decide")
            rf"\b(?:{THAT_S}|{IT_S}|which\s+is)\s+(?:all\s+|entirely\s+|squarely\s+)?(?:down\s+to|on)\s+you\b"
            r"(?!\s+(?:to|whether|if|how|what|which)\b)",
            # "have you even been checking them?", "did you even try?"
            r"\b(?:have|did|do|are|were|had)\s+you\s+even\b",
            r"\b(?:pull\s+yourself\s+together|get\s+a\s+grip|man\s+up|snap\s+out\s+of\s+it|toughen\s+up|"
            r"(?:making|make)\s+excuses|no\s+excuses?\s+for|did\s+this\s+to\s+yourself|should\s+be\s+ashamed|"
            r"ashamed\s+of\s+yourself)\b",
            r"\bi\s+(?:told|warned)\s+you\s+(?:last\s+time|before|this\s+would|that\s+this\s+would|so|about\s+this)\b",
            r"\b(?:can't|cannot|couldn't|can\s+not)\s+be\s+bothered\b",
            r"\b(?:stop|quit)\s+being\s+(?:so\s+)?\w+",
            rf"\b{YOU_RE}\s+(?:just\s+|being\s+)?(?:overreacting|exaggerating|making\s+(?:it|this)\s+up)\b",
            r"\bnon-?compliant\b|\byour\s+own\s+worst\s+enemy\b",
            r"\btypical\s+(?:smoker|drinker|addict|alcoholic|junkie|teenager|patient|man|woman)\b",
            r"\bwhy\s+on\s+earth\b|\bhow\s+could\s+you\b",
            r"\bwhy\s+(?:didn't|did\s+not|didnt|haven't|wouldn't)\s+you\s+(?:just\s+)?(?:come|tell|take|call|"
            r"listen|do|stop|go|see|book|ring|check|say|mention)\b",
            r"\bwhy\s+did\s+you\s+(?:leave|wait|let|ignore|stop)\b",
            r"\bif\s+you(?:'d|\s+had)\s+(?:just\s+|only\s+|actually\s+|bothered\s+to\s+)?(?:listened|done\s+what|done\s+as|taken|followed|"
            r"come\s+in|stopped|bothered|lost|cut|given\s+up|quit|kept|stuck|looked\s+after|watched|cared|used|"
            r"turned\s+up|shown\s+up|worn|attended)\b",
            # blame by counterfactual: "like you were told", "we wouldn't be here"
            r"\b(?:like|as)\s+you\s+(?:were|'d\s+been|had\s+been|was)\s+(?:told|asked|advised|shown|instructed)\b",
            r"\b(?:we|you)\s+(?:wouldn't|would\s+not)\s+be\s+(?:here|in\s+this\s+(?:mess|state|situation|position)|"
            r"having\s+this\s+conversation)\b",
            # sarcasm: "so Dr Google has made the diagnosis", "read it online, did you?", "let me guess"
            r"\bwhat\s+did\s+you\s+think\s+was\s+going\s+to\s+happen\b|\bwhat\s+do\s+you\s+want\s+me\s+to\s+do\s+about\s+it\b|"
            r"\bnot\s+(?:exactly\s+)?rocket\s+science\b|\byou\s+do\s+realis(?:e|ize)\b",
            r"\byou\s+(?:should|ought\s+to|must|really\s+should)\s+(?:\w+\s+){0,2}?(?:know|understand|have\s+learn(?:ed|t)|"
            r"be\s+used\s+to)\b[^.;?!]{0,30}?\bby\s+now\b",
            r"\b(?:dr\.?|doctor)\s+google\b|\blet\s+me\s+guess\b|"
            r"\b(?:googled|google|the\s+internet|online|facebook|tiktok|youtube)\b[^.;?!]{0,30}?,\s*(?:did|have|do)\s+(?:you|we)\s*\?",
            r"\boh,?\s+so\s+(?:you|you're|you've|you'd|now|we)\b[^.;?!]{0,50}?\b(?:suddenly|the\s+expert|"
            r"an\s+expert|a\s+doctor\s+now|know\s+(?:more|better|best))\b",
            # moralising: "I hope you've learned your lesson", "serves you right"
            r"\bi\s+hope\s+you(?:'ve|\s+have)?\s+learn(?:ed|t)\b|\blearn(?:ed|t)?\s+your\s+lesson\b|"
            r"\bthat(?:'ll|\s+will|\s+should)\s+teach\s+you\b|\bserves\s+you\s+right\b|\bnobody\s+(?:made|forced)\s+you\b",
            # incredulity: "You're not still smoking, surely?", "Surely you knew" (a plain tag question,
            # "You're not still smoking, are you?", is only closed)
            r"\byou\b[^.;?!]{0,60}?,\s*surely\s*[?!.]|\bsurely\s+you(?:'ve|'re|'d|\s+(?:know|knew|realise|realize|"
            r"understand|can\s+see|must|have|are|were|don't|didn't))\b",
            # labelling by age and circumstance: "Sixteen and pregnant."
            r"\b(?:(?:thir|four|fif|six|seven)teen|1[3-7])\s+and\s+(?:pregnant|expecting|a\s+(?:mum|mother|dad|father))\b",
        ),
        guards=("not_negated",),
    ),
    # ---- extra codes (matching only; not benchmarked) ------------------------------------------
    _Rule(
        "summary",
        None,
        (
            r"\b(?:to\s+sum\s+up|to\s+summari[sz]e|in\s+summary|let\s+me\s+(?:just\s+)?(?:summari[sz]e|sum\s+up|recap)|"
            r"to\s+recap|so\s+far\s+you(?:'ve|\s+have)\s+told\s+me)\b",
        ),
    ),
    _Rule(
        "transparency",
        None,
        (
            r"\b(?:i|we)\s+(?:don't|do\s+not)\s+(?:know|have\s+the\s+results)\s+(?:yet|for\s+sure)\b",
            rf"\b{I_M}\s+not\s+(?:yet\s+)?(?:sure|certain)\b",
            r"\b(?:to\s+be|i'll\s+be|i\s+will\s+be|i\s+want\s+to\s+be)\s+(?:honest|open|straight)\b",
            r"\b(?:we|i)\s+(?:made|have\s+made|'ve\s+made)\s+(?:a|an)\s+(?:mistake|error)\b",
            r"\bthere\s+(?:was|has\s+been)\s+(?:a|an)\s+(?:delay|mistake|error)\b",
        ),
    ),
    _Rule(
        "apology", None, (rf"\b{I_M}\s+(?:so\s+|very\s+|really\s+)?sorry\b|\bi\s+apologi[sz]e\b",)
    ),
    _Rule(
        "safety_netting",
        None,
        (
            r"\bif\s+(?:it|things|this|the\s+\w+|anything|you)\s+(?:gets?|becomes?|get\s+any)\s+worse\b",
            r"\bcome\s+back\s+(?:if|straight)\b|\bcall\s+(?:999|911|112)\b|\bif\s+you\s+notice\b",
        ),
    ),
    _Rule(
        "sdm_team_talk",
        None,
        (
            r"\b(?:decide|choose|work\s+(?:it|this)\s+out|make\s+(?:this|the|a)\s+decision)\s+together\b",
        ),
    ),
    _Rule(
        "confidentiality",
        None,
        (r"\bconfidential\b|\bstays?\s+between\s+(?:us|you\s+and\s+me)\b",),
    ),
    _Rule(
        "dismissive",
        None,
        (
            r"\blet's\s+(?:just\s+)?move\s+on\b|\b(?:that's|that\s+is)\s+not\s+(?:important|relevant)\b",
            r"\bnever\s+mind\s+(?:that|about)\b|\bwe\s+(?:don't|do\s+not)\s+have\s+time\s+for\b",
            r"\bit's\s+all\s+in\s+your\s+head\b|\blet's\s+just\s+get\s+you\b|\bwait\s+and\s+see\b",
        ),
    ),
    _Rule(
        "greeting",
        None,
        (
            r"\b(?:hello|hi|good\s+(?:morning|afternoon|evening)|my\s+name(?:'s|\s+is)|nice\s+to\s+meet)\b",
        ),
    ),
    _Rule(
        "closing",
        None,
        (r"\b(?:see\s+you\s+(?:soon|then|in|next)|take\s+care|goodbye|bye)\b",),
    ),
    _Rule(
        "explain",
        None,
        (
            r"\b(?:which|that)\s+means\b|\bin\s+other\s+words\b|\blet\s+me\s+explain\b",
            r"\bthe\s+reason\s+(?:is|for\s+this)\b|\bit\s+works\s+by\b",
        ),
    ),
)


# =============================================================================================
# Question form. A sentence is split into clauses at , ; : and dashes; the LAST clause that opens
# like a question decides ("Thanks for waiting, what brings you in?"). Without a question mark,
# only clauses that clearly open like a question count ("did the paracetamol help").
# =============================================================================================
_LEAD = (
    r"(?:(?:and|so|okay|ok|right|well|now|then|also|just|oh|um|erm|alright|but|sorry|please|of\s+course)"
    r"\b[,\s]*)*"
)
_PRONOUN = r"(?:you|i|we|they|he|she|it|your|my|our)\b"
_Q_SRC = {
    # suggestions and requests in question clothing: not questions
    "suggestion": r"(?:why\s+don't\s+(?:we|you|i)|why\s+not|how\s+about|what\s+about\s+(?:we|trying)|what\s+if\s+we|"
    r"i\s+(?:was\s+)?wonder(?:ing)?\s+if\s+(?:we|i)|i'm\s+wondering\s+if\s+(?:we|i)|"
    # "What if you tried...", "Shall we book you in?", "Maybe we could look at your diet?"
    r"what\s+if\s+you\s+(?:tried|were\s+to|started|gave|cut|switched|took)|shall\s+we|"
    r"(?:(?:maybe|perhaps)\s+)?(?:could|can|might|should)\s+we\s+(?:just\s+|perhaps\s+|maybe\s+)?(?:try|start|look|think|"
    r"book|get|add|switch|change|swap|go|give|put|increase|reduce|lower|arrange|refer|make|plan|aim|leave)|"
    r"(?:maybe|perhaps)\s+(?:we|you)\s+(?:could|can|might|should))\b",
    "request": r"(?:(?:can|could|would|will)\s+you\s+(?:please\s+|just\s+)?(?:lie|sit|stand|pop|take\s+off|roll|"
    r"breathe|squeeze|follow|look|open|stick|bend|push|pull|hop|step|cough|relax|hold|raise|lift|turn|"
    r"show|bring|pass|hand|slip|undo|put|wiggle|touch|keep|point|grip|wait|sign|fill|grab|climb|lean|"
    r"cross|straighten|close|clench|stretch|press|swallow|blow|jump|walk\s+(?:to|over|across|up|down)|"
    r"take\s+(?:a\s+(?:deep\s+|big\s+|few\s+)?breaths?|a\s+seat|some\s+deep|your\s+\w+\s+off)|"
    r"let\s+(?:me|us|the\s+\w+)\s+know|make\s+(?:an\s+appointment|sure))\b|"
    r"would\s+you\s+be\s+able\s+to\s+(?!tell|describe|explain|say|remember|recall)\w+|"
    r"would\s+you\s+mind\s+\w+ing\b|"
    # "Don't you worry, love": an imperative, not a question
    r"don'?t\s+you\s+(?:worry|fret|dare|panic|fuss|mind)\b)",
    # "can you tell me if...", "could you describe..."
    "embedded": r"(?:can|could|would|will)\s+you\s+(?:be\s+able\s+to\s+)?(?:please\s+|just\s+)?(?:tell|explain|describe|"
    r"talk|walk\s+(?:me|us)\s+through|"
    r"say\s+(?:a\s+bit\s+|a\s+little\s+)?more|go\s+over|run\s+through)(?:\s+(?:me|us))?(?:\s+(?:a\s+bit|a\s+little|some(?:thing)?))?(?:\s+more)?\b",
    "ask_embedded": r"(?:can|could|may)\s+i\s+(?:just\s+)?ask(?:\s+you)?\b",
    # "I just need to know roughly how much you drink": a question put as a statement
    "need_know": r"(?:i|we)\s+(?:just\s+|really\s+|also\s+|only\s+)?(?:need|want|have|'d\s+like|would\s+like)\s+to\s+"
    r"(?:know|find\s+out)(?:\s+(?:roughly|exactly|approximately|about|a\s+bit|"
    r"a\s+little|more|a\s+bit\s+more|a\s+little\s+more))*\b",
    "for_me": r"(?:can|could|would|will)\s+you\s+(?:[^?]*\bfor\s+me\s*[?.!]*\s*$|(?:(?!\s(?:tell|explain|describe|say|remember|"
    r"recall)\b)[^?])*?\bso\s+(?:that\s+)?(?:i|we)\s+can\s+(?:see|hear|look|check|have\s+a\s+look|get\s+a\s+look|feel|examine|"
    r"listen)\b)",
    # "I wonder if you could tell me more...": the embedded request inside "wonder if"
    "wonder_could": r"\s*(?:if|whether)\s+you\s+(?:could|can|would|might)\s+",
    "directive": r"(?:tell\s+me\s+(?:about|more|what|how|why|a\s+bit|a\s+little|everything)|describe|"
    r"walk\s+me\s+through|talk\s+me\s+through|take\s+me\s+through|help\s+me\s+understand|"
    r"say\s+(?:a\s+bit\s+|a\s+little\s+)?more|i(?:'d|\s+would)\s+(?:like|love)\s+to\s+hear|"
    rf"{I_M}\s+curious|i\s+wonder|{I_M}\s+wondering|i\s+was\s+wondering)\b",
    "closed_wh": r"(?:when|where|which|who|who's|whose|whom|how\s+(?:long|many|much|often|old|far|bad|big|soon|"
    r"severe|frequently)|what\s+(?:time|dose|day|date|year|colou?r|number|age|size|temperature|weight|"
    r"height|percentage))\b",
    "open_wh": r"(?:what|what's|whats|how|how's|hows|why|in\s+what\s+way)\b",
    "aux": r"(?:do|does|did|is|are|was|were|have|has|had|can|could|will|would|should|shall|may|might|"
    r"must|am|don't|doesn't|didn't|isn't|aren't|wasn't|weren't|haven't|hasn't|won't|wouldn't|can't|"
    r"couldn't|shouldn't)\b",
    "subject": r"\s+(?:you|it|he|she|they|we|i|there|the|your|his|her|their|this|that|these|those|anyone|"
    r"anything|anybody|someone|somebody|everything|everyone|any|a|an|my|our)\b",
    "any": r"(?:any|anything|anyone|anybody)\b",
    "tag": r"(?:(?:is|are|do|does|did|have|has|was|were|can|will|would|isn't|aren't|don't|doesn't|didn't|"
    r"haven't|hasn't|wasn't|weren't|won't|wouldn't|can't)(?:\s+(?:you|it|they|he|she|we|i|there))?|right|"
    r"yeah|yes|no|ok|okay|correct)\s*\?\s*$",
    "any_pronoun": r"(?:anything|anyone|anybody)\b",
    "conditional": r"(?:should|had|were)\s+(?:you|i|we|they|he|she|it)\b",
    "if_whether": r"\s*(?:if|whether)\b",
    "exclamation": r"(?:what\s+(?:a|an)\b|how\s+(?:absolutely\s+|really\s+)?(?:awful|horrible|terrible|rotten|dreadful|"
    r"horrid|frightening|scary|upsetting|heartbreaking|sad|cruel|distressing|stressful|lovely|wonderful|brilliant|"
    r"exciting|strange|odd|annoying|frustrating)\b(?!\s+(?:is|was|are|were|has|does|did|do|would|will)\b))",
}


@cache
def _compiled() -> dict[str, object]:
    """Compile every pattern once, at first use (keeps ``import trustkit.analyzer`` cheap)."""
    flags = re.IGNORECASE
    return {
        # Rule patterns are written in lower case and run on a lower-cased copy of the text, which
        # is much faster than IGNORECASE; _rules_ignorecase() covers text whose length lower() changes.
        "rules": [(r, re.compile(_join(r.patterns))) for r in _RULES],
        "q": {k: re.compile(v, flags) for k, v in _Q_SRC.items()},
        "lead": re.compile(_LEAD, flags),
        "checking": re.compile(
            r"\b(?:make\s+sure|check(?:ing)?|rule\s+out|see\s+(?:if|whether)|whether|confirm|be\s+sure|"
            r"hope|hoping)\b[^.;!?]{0,40}$",
            flags,
        ),
        "say_more": re.compile(
            r"\b(?:tell\s+me|say|talk)\s+(?:a\s+(?:bit|little)\s+)?more(?:\s+about\s+(?:that|this|it)\b|"
            r"\s*[?.!]|\s*$)|\bhow\s+are\s+you\s+(?:coping|managing|feeling)\s+(?:with|about)\s+"
            r"(?:it|that|this|all\s+(?:this|that|of\s+it))\s*[?.!]?\s*$",
            flags,
        ),
        "lead_only": re.compile(rf"\s*[\"'(]?\s*{_LEAD}\s*", flags),
        # a check on a summary just given: "Have I got that right?", "Is that fair?"
        "check_back": re.compile(
            rf"\s*{_LEAD}(?:have\s+i\s+got\s+(?:that|it|this|everything|all\s+that|you)\s+(?:right|correct)|"
            r"did\s+i\s+(?:get|understand|hear)\s+(?:that|it|this|everything|you)\s+(?:right|correctly)|"
            r"(?:is|was)\s+that\s+(?:about\s+)?(?:right|correct|fair|accurate)|am\s+i\s+(?:right|on\s+the\s+right\s+track)|"
            r"does\s+that\s+sound\s+(?:about\s+)?(?:right|fair|accurate)|did\s+i\s+miss\s+anything)\b",
            flags,
        ),
        "pronoun": re.compile(rf"\s*{_PRONOUN}", flags),
        "sentence": re.compile(r"[^.!?;\n]+[.!?;]*|[.!?;]+"),
        "clause": re.compile(r"[^,:\-\u2013\u2014]+"),
        "negated": re.compile(
            r"(?:\bnot|n't|\bnobody|\bno\s+one|\bnever|\bcannot|\buntil)\b[^.;!?]{0,40}$", flags
        ),
        "evidence_based": re.compile(
            r"\b(?:results?|scans?|tests?|bloods?|x-?rays?|ultrasound|biopsy|swab|ecg|mri|ct|smear|"
            r"examination|exam|they)\b[^.;!?]{0,40}?\b(?:was|were|is|are|came\s+back|ha(?:s|ve)\s+come\s+back|showed|"
            r"shows|looked|look|'s|'re)\s+(?:all\s+|completely\s+|entirely\s+|totally\s+|perfectly\s+|"
            r"absolutely\s+)?(?:normal|clear|negative|fine|reassuring|good)\b",
            flags,
        ),
        "explained_after": re.compile(
            r"^\s*(?:just\s+)?means\b|^\s*\(|^[^.;!?]{0,40}?(?:which\s+(?:just\s+)?(?:means|is|are|was)\b|"
            r"that\s+is\b|that's\s+(?:a|an|the|where|when|how|what|just|basically|our\s+word)\b|"
            r"\bi\.e\.|\bmeaning\b|\bin\s+other\s+words\b|\bor\s+in\s+plain|\bbasically\b|"
            r"\b(?:is|are)\s+(?:the|a)\s+(?:medical\s+)?(?:word|name|term)\s+for\b|\bis\s+(?:where|when)\b|"
            r"\b(?:also|sometimes)\s+called\b|\bwhat\s+we\s+call\b|,\s*that\s+means\b)|"
            # an appositive gloss: "HbA1c, a blood test that shows...", "pre-eclampsia, a condition in..."
            r"^\s*,\s*(?:a|an)\s+(?!(?:lot|bit|few|little|couple|number)\b)(?:[\w-]+\s+){1,4}?"
            r"(?:that|which|where|who|in|of|for|caused|when|affecting)\b",
            flags,
        ),
        "asks_meaning_before": re.compile(
            r"\b(?:what|know\s+what|remember\s+what)\s+(?:an?\s+|the\s+|the\s+word\s+|the\s+term\s+)?[\"']?$",
            flags,
        ),
        "asks_meaning_after": re.compile(
            r"^[\"']?(?:\s+[\w']+){0,4}?\s+(?:means|stands\s+for|is)\b", flags
        ),
        "explained_next": re.compile(
            r"^\s*(?:that's|that\s+is|this\s+is|it's|it\s+is)\s+(?:a|an|the|where|when|how)\b|"
            r"^\s*(?:that|this|it)\s+(?:just\s+)?means\b",
            flags,
        ),
        "explained_before": re.compile(
            r"(?:\bcalled|\bknown\s+as|\b(?:what|which)\s+(?:we|doctors|they|you\s+might\s+hear)\s+call(?:ed)?|"
            r"\b(?:word|name|term)\s+for\s+(?:this|that|it)\s+is|[,(]\s*or|\(|\balso\s+called)"
            r"\s*(?:an?\s+|the\s+)?[\"']?$",
            flags,
        ),
    }


@cache
def _rules_ignorecase() -> list[tuple[_Rule, re.Pattern[str]]]:
    """The rules for the rare text whose lower-cased copy has another length ("\u0130")."""
    return [(r, re.compile(_join(r.patterns), re.IGNORECASE)) for r in _RULES]


def _top_level_alternatives(pattern: str) -> list[str]:
    """A pattern split at its top-level ``|`` (not inside groups or character classes)."""
    parts, depth, in_class, start, i = [], 0, False, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _join(patterns: tuple[str, ...]) -> str:
    """One regex for a rule's alternatives, in order. Consecutive alternatives that all start
    at a word boundary share one leading ``\\b``, so positions inside a word are rejected at
    once (same matches, about a third faster on typical text)."""
    groups: list[list[str]] = []
    for p in patterns:
        bounded = all(alt.startswith(r"\b") for alt in _top_level_alternatives(p))
        if bounded and groups and groups[-1][0] == "b":
            groups[-1].append(p)
        else:
            groups.append(["b" if bounded else "", p])
    out = []
    for kind, *ps in groups:
        if kind == "b":
            out.append(r"\b(?:" + "|".join(f"(?:{p})" for p in ps) + ")")
        else:
            out.extend(f"(?:{p})" for p in ps)
    return "|".join(out)


# =============================================================================================
# Jargon lexicon (data, loaded once)
# =============================================================================================
@cache
def jargon_lexicon() -> dict[str, str]:
    """Term (lower case, spelling variants included) -> plain-language gloss."""
    from trustkit.content import jargon_terms

    items = jargon_terms()
    out: dict[str, str] = {}
    for item in items:
        for term in [item["term"], *item.get("variants", [])]:
            out[str(term).lower()] = str(item["plain"])
    return out


@cache
def _jargon_re(ignorecase: bool = True) -> re.Pattern[str]:
    # One generated alternation, longest first, so "carcinoma in situ" wins over "carcinoma".
    # The lexicon keys are lower case: without IGNORECASE it runs on a lower-cased copy.
    terms = sorted(jargon_lexicon(), key=len, reverse=True)
    body = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE if ignorecase else 0)


# Ward shorthand: an abbreviation in capitals ("SOB on exertion", "an LP", "ARDS") that is not in
# the lexicon is jargon too, unless patients know it (below) or the whole text is in capitals.
_ABBREV = re.compile(r"(?<![\w&'-])[A-Z][A-Z0-9&]{1,5}(?:s|'s)?(?![\w&'-])")
_EVERYDAY_CAPS = frozenset(
    # everyday abbreviations and tests (the lexicon's convention: ECG, MRI and X-ray are known;
    # routine blood-test panels are named tests too: "your LFTs are a bit off")
    "FBC U&E U&ES LFT LFTS TFT TFTS CRP ESR CXR ABG VBG BM BMS "
    "ECG EKG MRI CT PET GP GPS NHS AE A&E ER ED ICU ITU HDU ENT OT PT IV BP BMI HIV AIDS COVID DNA "
    "ADHD OCD PTSD IBS IVF IUD HRT UTI STI STD TB MS ME CF CPR OK UK US USA EU TV PC ID PIN SMS "
    "AM PM ASAP FYI AKA DVLA DWP NI NHS111 CBT ABC ABCD DIY RIP VIP "
    # English words written in capitals for emphasis
    "NOT NO NEVER ALWAYS DO DON'T MUST ALL ANY NOW VERY REALLY STOP YES PLEASE ONLY EVERY TODAY "
    "BEFORE AFTER AND OR IF YOU I ME WE IT IS ARE THE A AN TO OF AT IN ON UP".split()
)
_SHOUTED = re.compile(r"\b[A-Z]{2,}\b")
_WORD = re.compile(r"\b[A-Za-z]{2,}\b")


def _abbreviations(norm: str) -> list[re.Match[str]]:
    """Capitalised abbreviations patients are unlikely to know, unless the text is shouted."""
    if len(_SHOUTED.findall(norm)) * 2 > len(_WORD.findall(norm)):
        return []  # "YOU SHOULD HAVE KNOWN BETTER": capitals for emphasis
    out = []
    for m in _ABBREV.finditer(norm):
        word = m.group()
        core = word[:-2] if word.endswith("'s") else word
        if core in _EVERYDAY_CAPS or core.rstrip("s") in _EVERYDAY_CAPS:
            continue
        if sum(ch.isupper() for ch in core) >= 2:
            out.append(m)
    return out


# =============================================================================================
# Analysis
# =============================================================================================
_STRAIGHTEN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u201b": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
    }
)


_OR_NOT = re.compile(r"\bor\s+not\s*[.!]*\s*$", re.IGNORECASE)


class _Sentence:
    """A sentence's span in the text and its straightened text."""

    __slots__ = ("start", "end", "text")

    def __init__(self, start: int, end: int, text: str) -> None:
        self.start, self.end, self.text = start, end, text

    @property
    def is_question(self) -> bool:
        # "so the rash - itchy or not": an either/or question without its question mark
        return self.text.rstrip().endswith("?") or bool(_OR_NOT.search(self.text))


def _sentences(norm: str) -> list[_Sentence]:
    out = []
    for m in _compiled()["sentence"].finditer(norm):
        if m.group().strip(" .!?;\t\"'"):
            out.append(_Sentence(m.start(), m.end(), m.group()))
    return out


def _sentence_at(sentences: list[_Sentence], pos: int) -> int:
    for i, s in enumerate(sentences):
        if s.start <= pos < s.end:
            return i
    return max(0, len(sentences) - 1)


def _passes_guards(rule: _Rule, m: re.Match[str], sentences: list[_Sentence], norm: str) -> bool:
    if not rule.guards:
        return True
    c = _compiled()
    i = _sentence_at(sentences, m.start())
    sent = sentences[i]
    before = norm[sent.start : m.start()]
    for guard in rule.guards:
        if guard == "statement" and sent.is_question:
            # "So that's the cough and the sleep, what else is on your list?": a statement clause
            # before the question clause still counts; a tag ("..., isn't it?") does not.
            form = _question_form(sent)
            if not form or form[1] <= m.start():
                return False
        if guard == "question" and not sent.is_question:
            return False
        if guard == "sentence_start" and not c["lead_only"].fullmatch(before):
            return False
        if guard == "not_negated" and c["negated"].search(before):
            return False  # "I won't tell you not to worry", "nobody thinks you're lazy"
        if guard == "not_checking" and c["checking"].search(before):
            return False  # "we'll do a scan to make sure it's nothing serious"
        if guard == "not_evidence_based":
            context = sent.text + (sentences[i - 1].text if i > 0 else "")
            if c["evidence_based"].search(context):
                return False  # "the scan was normal, so there's nothing to worry about"
    return True


def _classify_clause(clause: str, has_qmark: bool, first: bool) -> str | None:
    """Question form of one clause (straightened, lead-stripped).

    Returns 'open_question', 'closed_question', 'not_question' (a request or suggestion in
    question clothing) or None (this clause does not open like a question). Without a question
    mark only the sentence's first clause may be a wh- or yes/no question, so relative clauses
    ("..., which is high") and conditionals ("Should you have any side effects, ...") are not.
    """
    q = _compiled()["q"]
    if q["suggestion"].match(clause) or q["request"].match(clause):
        return "not_question"
    for key in ("embedded", "ask_embedded"):
        m = q[key].match(clause)
        if m:  # "can you tell me if..." is closed; "...tell me more / how you feel" is open
            rest = clause[m.end() :].lstrip()
            if q["if_whether"].match(rest) or q["closed_wh"].match(rest):
                return "closed_question"
            if key == "ask_embedded" and not q["open_wh"].match(rest):
                return "closed_question"  # "can I ask about your drinking?"
            return "open_question"
    if q["for_me"].match(clause):
        return "not_question"  # "Can you take a deep breath for me?" asks for an action
    m = q["need_know"].match(clause)
    if m:
        rest = clause[m.end() :].lstrip()
        if q["if_whether"].match(rest) or q["closed_wh"].match(rest):
            return "closed_question"
        if q["open_wh"].match(rest) or rest.lower().startswith("about"):
            return "open_question"
    m = q["directive"].match(clause)
    if m:
        rest = clause[m.end() :]
        w = q["wonder_could"].match(rest)
        if w:  # "I wonder if you could tell me a bit more" reads as "could you tell me..."
            inner = _classify_clause("could you " + rest[w.end() :], True, first)
            if inner in ("open_question", "closed_question"):
                return inner
        if q["if_whether"].match(rest):
            return "closed_question"  # "I was wondering if you've had any pain"
        return "open_question"
    if not has_qmark and not first:
        return None
    if not has_qmark and q["exclamation"].match(clause):
        return None  # "What a horrible way to find out." exclaims; it asks nothing
    for key, code in (("closed_wh", "closed_question"), ("open_wh", "open_question")):
        m = q[key].match(clause)
        if m:
            # Without "?", "when you get home, ..." and "what we'll do is..." are not questions.
            if not has_qmark and _compiled()["pronoun"].match(clause[m.end() :]):
                return None
            return code
    m = q["aux"].match(clause)
    if m and has_qmark:
        return "closed_question"
    if m and q["subject"].match(clause[m.end() :]) and not q["conditional"].match(clause):
        return "closed_question"
    if q["any"].match(clause) and (has_qmark or not q["any_pronoun"].match(clause)):
        return "closed_question"  # "any blood in your stool", not "anyone would be worried"
    return None


def _question_form(sent: _Sentence) -> tuple[str, int, int, bool] | None:
    """The question code of a sentence, the span of its question clause, and whether it is only a
    statement with a question mark ("You waited five days?"); None if it asks nothing."""
    c = _compiled()
    has_qmark = sent.is_question
    clauses = [m for m in c["clause"].finditer(sent.text) if m.group().strip()]
    for k in range(len(clauses) - 1, -1, -1):
        m = clauses[k]
        lead = c["lead_only"].match(m.group())
        body = m.group()[lead.end() :] if lead else m.group()
        kind = _classify_clause(body, has_qmark, first=k == 0)
        if kind == "not_question":
            return None
        if kind:
            if k > 0 and c["q"]["tag"].match(body):  # "You're not drinking, are you?"
                m = clauses[0]
            start = sent.start + m.start() + (len(m.group()) - len(m.group().lstrip()))
            return kind, start, sent.start + len(sent.text.rstrip()), False
    if has_qmark and clauses:  # a statement with a question mark: "And the swelling's gone down?"
        first = clauses[0]
        start = sent.start + first.start() + (len(first.group()) - len(first.group().lstrip()))
        return "closed_question", start, sent.start + len(sent.text.rstrip()), True
    return None


def _jargon(
    norm: str, sentences: list[_Sentence], lower: str | None = None
) -> tuple[int, int] | None:
    """Span of the first listed term that is not explained on the spot, or None.

    ``lower`` is ``norm.lower()`` when that has the same length (spans stay valid).
    """
    c = _compiled()
    lexicon = jargon_lexicon()
    matches = list(_jargon_re(False).finditer(lower) if lower else _jargon_re().finditer(norm))
    listed = {m.start() for m in matches}
    matches += [m for m in _abbreviations(norm) if m.start() not in listed]
    for m in sorted(matches, key=lambda m: m.start()):
        i = _sentence_at(sentences, m.start())
        sent = sentences[i]
        after = norm[m.end() : sent.end]
        before = norm[max(sent.start, m.start() - 40) : m.start()]
        gloss = lexicon.get(re.sub(r"\s+", " ", m.group().lower()), "")
        explained = (
            c["explained_after"].search(after)
            or c["explained_before"].search(before)
            # "Could you explain back what nil by mouth means?" asks about the term itself
            or (c["asks_meaning_before"].search(before) and c["asks_meaning_after"].search(after))
            or (gloss and gloss.lower() in sent.text.lower())
            or (i + 1 < len(sentences) and c["explained_next"].search(sentences[i + 1].text))
        )
        if not explained:
            return m.start(), m.end()
    return None


# =============================================================================================
# Disrespect: insults, mockery, contempt and profanity aimed at the patient. Recognised even
# when mixed with kind words ("That sounds exhausting. Stop moaning, you fat drunk.").
# =============================================================================================
_INSULT_NOUN = (
    r"idiot|moron|imbecile|fool|loser|liar|junkie|druggie|drunk|drunkard|alky|alkie|slob|pig|"
    r"cow|whinger|whiner|cry-?baby|wimp|coward|freak|weirdo|retard|bitch|bastard|prick|twat|"
    r"dickhead|arsehole|asshole|hypochondriac|attention[- ]seeker|drama\s+queen|"
    r"time[- ]?waster|waste\s+of\s+(?:space|time|oxygen)|nutter|psycho|lunatic|baby"
)
_INSULT_ADJ = (
    r"stupid|dumb|thick|pathetic|useless|lazy|fat|disgusting|hopeless|worthless|crazy|"
    r"hysterical|mental|spineless|gross|ugly|selfish"
)
_DISRESPECT_RE = re.compile(
    r"\byou(?:'re|re|\s+are)?\s+(?:(?:such|so|a|an|just|being|really|completely|totally|"
    r"utterly|a\s+bit|bloody|fucking|stupid|silly|old|little|big|total|complete|fat|lazy|"
    r"useless|pathetic|dirty)\s+)*(?:" + _INSULT_NOUN + "|" + _INSULT_ADJ + r")\b"
    r"|\b(?:stupid|fat|lazy|pathetic|useless|silly|dirty|bloody|fucking)\s+(?:"
    + _INSULT_NOUN
    + r"|man|woman|girl|boy|cow|old\s+(?:man|woman))\b"
    r"|\bwhat\s+an?\s+(?:" + _INSULT_NOUN + "|" + _INSULT_ADJ + r")\b"
    r"|\b(?:fuck\w*|f\*+k\w*|shit\w*|bullshit|bollocks|wtf|stfu)\b"
    r"|\b(?:piss|sod|bugger|clear)\s+off\b"
    r"|\bshut\s+(?:up|it|your\s+(?:mouth|face))\b"
    r"|\bstop\s+(?:your\s+)?(?:moaning|whining|whingeing|whinging|crying|complaining|"
    r"snivel+ing|bleating|wailing|being\s+(?:such\s+)?(?:a\s+)?(?:baby|drama\s+queen|"
    r"dramatic|pathetic|ridiculous|stupid|silly|hysterical|a\s+wimp))\b"
    r"|\b(?:man|grow|toughen|woman)\s+up\b|\bget\s+over\s+it\b|\bsuck\s+it\s+up\b"
    r"|\bpull\s+yourself\s+together\b|\b(?:nobody|no\s+one|who)\s+cares\b"
    r"|\b(?:i|we)\s+(?:really\s+)?(?:do\s+not|don't|dont)\s+(?:really\s+)?care\b"
    r"(?!\s+(?:which|whether|if\s+you\s+(?:choose|pick|decide)|what\s+you\s+(?:choose|"
    r"pick|decide)))"
    r"|\bnot\s+my\s+problem\b|\bcry\s+me\s+a\s+river\b|\bboo[\s-]?hoo\b"
    r"|\bserves\s+you\s+right\b|\byou\s+deserved?\s+(?:it|this|that)\b"
    r"|\b(?:get\s+out|go\s+away)\s*(?:[.!]|$)|\bjust\s+deal\s+with\s+it\b"
    r"|\bthat'?s\s+(?:pathetic|ridiculous|stupid|rubbish)\b",
    re.IGNORECASE,
)


_PERFECT_BEFORE = re.compile(r"(?:\bhave|\bhas|\bhad|'ve|\bever)\s*$", re.IGNORECASE)


def _disrespect(text: str) -> tuple[int, int] | None:
    for m in _DISRESPECT_RE.finditer(text):
        words = m.group(0).lower().split()
        if words[-1].startswith("drunk") and words[-1] == "drunk" and len(words) == 2:
            if _PERFECT_BEFORE.search(text[: m.start()]):
                continue  # "Have you drunk any alcohol?" asks; it does not insult
        return m.start(), m.end()
    return None


def analyze(text: str) -> Analysis:
    """Label one clinician utterance with communication codes, each with its evidence.

    Only the first :data:`MAX_CHARS` characters are analysed, so a pasted 1 MB text returns at
    once. Codes are unique per (code, subtype) and ordered by where their evidence starts.
    """
    if not isinstance(text, str):
        text = str(text)
    original = text[:MAX_CHARS]
    if not original.strip():
        return Analysis(text, ())
    norm = original.translate(_STRAIGHTEN)  # one character for one: spans stay valid
    sentences = _sentences(norm)
    if not sentences:
        return Analysis(text, ())
    found: list[tuple[int, int, str, str | None]] = []  # (start, end, code, subtype)

    forms = [_question_form(sent) for sent in sentences]
    lower: str | None = norm.lower()
    if len(lower) == len(norm):
        scan, rules = lower, _compiled()["rules"]
    else:
        lower, scan, rules = None, norm, _rules_ignorecase()
    for rule, rx in rules:
        for m in rx.finditer(scan):  # every match counts for the sentence logic below
            if m.end() > m.start() and _passes_guards(rule, m, sentences, norm):
                end = m.end()
                if "statement" in rule.guards:  # evidence stops where a later question starts
                    form = forms[_sentence_at(sentences, m.start())]
                    if form and form[1] > m.start():
                        end = min(end, form[1])
                found.append((m.start(), end, rule.code, rule.subtype))

    # Which sentences carry a job that a question form would only repeat.
    def sentences_with(pred) -> set[int]:
        return {_sentence_at(sentences, s) for s, _, code, sub in found if pred(code, sub)}

    c = _compiled()
    naming = sentences_with(lambda code, sub: sub == "naming")
    # "It sounds like you're scared... Can you tell me more about that?" and "That sounds
    # exhausting. How are you coping with it?" explore the feeling just named or acknowledged.
    empathic = sentences_with(lambda code, sub: sub in ("naming", "understanding"))
    for i in range(1, len(sentences)):
        if i - 1 in empathic:
            m = c["say_more"].search(sentences[i].text)
            if m:
                start = sentences[i].start + m.start()
                found.append((start, sentences[i].start + m.end(), "empathy", "exploring"))

    jobs = _vocabulary().jobs
    functional = sentences_with(lambda code, sub: code in jobs or sub == "exploring")
    # A statement that frames a job ("I want to check I've been clear.", "Let's make a list.")
    # hands that job to the question right after it ("What are the warning signs...?").
    framing = sentences_with(lambda code, sub: code in ("agenda", "teach_back"))
    reflecting = sentences_with(lambda code, sub: code == "reflection")
    judging = sentences_with(lambda code, sub: code == "judgmental")
    for i, sent in enumerate(sentences):
        form = forms[i]
        if not form or i in functional:
            continue
        if i > 0 and i - 1 in framing and not forms[i - 1]:
            continue
        if i > 0 and i - 1 in reflecting and c["check_back"].match(sent.text):
            continue  # "So, to sum up, ... Have I got that right?" checks the summary; it asks nothing
        if form[3] and (i - 1 in judging or i + 1 in judging):
            continue  # "You waited five days with chest pain? That was silly." is rhetorical
        if i in naming and not sent.is_question:
            continue  # "I wonder if you're feeling overwhelmed." names a feeling; it asks nothing
        found.append((form[1], form[2], form[0], None))

    # An emotion named in a reflection is coded as empathy (naming) only; words that trigger an
    # empathy rule ("You've had a really tough time of it") are not also a reflection.
    empathy_starts = {f[0] for f in found if f[2] == "empathy"}
    found = [
        f
        for f in found
        if not (
            f[2] == "reflection"
            and (_sentence_at(sentences, f[0]) in naming or f[0] in empathy_starts)
        )
    ]

    span = _jargon(norm, sentences, lower)
    if span:
        found.append((span[0], span[1], "jargon", None))
    span = _disrespect(norm)
    if span:
        found.append((span[0], span[1], "disrespect", None))

    seen: set[tuple[str, str | None]] = set()
    codes: list[Code] = []
    for start, end, code, subtype in sorted(found, key=lambda f: (f[0], f[1])):
        evidence = original[start:end].strip(" \t\n,;:")
        if (code, subtype) in seen or not evidence:
            continue
        seen.add((code, subtype))
        codes.append(Code(code, subtype, evidence))
    return Analysis(text, tuple(codes))


# =============================================================================================
# Matching a typed reply to authored options
# =============================================================================================
_WEIGHT_NEGATIVE = 3.0
_WEIGHT_POSITIVE = 1.0


def _weight(code: str) -> float:
    return _WEIGHT_NEGATIVE if code in _vocabulary().negative else _WEIGHT_POSITIVE


def match_score(analysis: Analysis, option_skills: Iterable[str]) -> tuple[float, list[str]]:
    """Similarity in [0, 1] between a reply's codes and an authored option's skills, with reasons.

    Weighted Jaccard over the codes the analyzer knows (:data:`CODES` and :data:`EXTRA_CODES`):
    trust-harming codes (:data:`NEGATIVE`) weigh three times as much, so a judgmental reply is
    pulled towards the judgmental option and away from a kind one. Skills the analyzer cannot
    detect (``interrupt``, ``screen_focus``, ...) are neutral: they neither match nor penalise.
    ``empathy:<subtype>`` skills count as ``empathy``. When neither side has a known code the
    score is 0.0 ("nothing to compare").
    """
    v = _vocabulary()
    known, aliases, negative, phrase = v.order, v.aliases, v.negative, v.phrase
    reply = {c.code for c in analysis.codes if c.code in known}
    skills = set()
    for raw in option_skills:
        s = aliases.get(str(raw), str(raw)).split(":")[0]
        if s in known:
            skills.add(s)
    union = reply | skills
    if not union:
        return 0.0, ["no recognisable skills to compare"]
    both = reply & skills
    score = sum(_weight(c) for c in both) / sum(_weight(c) for c in union)
    evidence = {}
    for c in analysis.codes:
        evidence.setdefault(c.code, c.evidence)
    reasons: list[str] = []
    for c in sorted(both, key=_order):
        if c in negative:
            reasons.append(f"both: the reply {phrase[c]} (evidence: '{evidence[c]}')")
        else:
            reasons.append(f"both {phrase[c]}")
    for c in sorted(reply - skills, key=_order):
        if c in negative:
            reasons.append(f"your reply {phrase[c]} (evidence: '{evidence[c]}')")
    for c in sorted(skills - reply, key=_order):
        if c not in negative:
            reasons.append(f"this option would also {phrase[c]}; your reply does not")
    return round(score, 4), reasons


def _order(code: str) -> int:
    order = _vocabulary().order
    return order.get(code, len(order))


def format_analysis(analysis: Analysis) -> str:
    """Human-readable output for ``trustkit analyze``: one code a line, with its evidence."""
    if not analysis.codes:
        return "No communication codes found."
    lines = []
    for c in analysis.codes:
        name = c.code + (f" ({c.subtype})" if c.subtype else "")
        lines.append(f'{name:<32} "{c.evidence}"')
    return "\n".join(lines)


# =============================================================================================
# Evaluation on a labelled set (used by benchmarks/analyzer.py and the tests)
# =============================================================================================
def evaluate(items: Iterable[dict[str, object]]) -> dict[str, object]:
    """Per-code precision, recall, F1 and support, and macro F1 over :data:`CODES`.

    Each item: ``{"text": ..., "codes": ["open_question", "empathy:naming", ...]}``. Empathy is
    scored at code level; ``subtype_accuracy`` is the share of gold NURSE subtypes found among
    utterances where empathy is a true positive. A code with no support and no prediction is left
    out of the macro average; ``errors`` lists every utterance with a wrong code set.
    """
    CODES = _vocabulary().codes  # noqa: N806
    tp = dict.fromkeys(CODES, 0)
    fp = dict.fromkeys(CODES, 0)
    fn = dict.fromkeys(CODES, 0)
    sub_right = sub_total = 0
    errors: list[dict[str, object]] = []
    n = 0
    for item in items:
        n += 1
        gold_raw = [str(g) for g in (item.get("codes") or [])]
        gold = {g.split(":")[0] for g in gold_raw}
        gold_sub = {g.split(":", 1)[1] for g in gold_raw if g.startswith("empathy:")}
        result = analyze(item["text"])
        pred = {c.code for c in result.codes if c.code in CODES}
        pred_sub = {c.subtype for c in result.codes if c.code == "empathy"}
        for code in CODES:
            if code in pred and code in gold:
                tp[code] += 1
            elif code in pred:
                fp[code] += 1
            elif code in gold:
                fn[code] += 1
        if "empathy" in pred and "empathy" in gold:
            sub_total += len(gold_sub)
            sub_right += len(gold_sub & pred_sub)
        if pred != gold or ("empathy" in gold and gold_sub != pred_sub):
            errors.append(
                {
                    "text": item["text"],
                    "missing": sorted(gold - pred),
                    "extra": sorted(pred - gold),
                    "gold_subtypes": sorted(gold_sub),
                    "subtypes": sorted(s for s in pred_sub if s),
                }
            )
    per: dict[str, dict[str, float]] = {}
    for code in CODES:
        p = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 0.0
        r = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[code] = {
            "precision": p,
            "recall": r,
            "f1": f,
            "support": tp[code] + fn[code],
            "predicted": tp[code] + fp[code],
        }
    scored = [c for c in CODES if per[c]["support"] or per[c]["predicted"]]
    macro = sum(per[c]["f1"] for c in scored) / len(scored) if scored else 0.0
    return {
        "n": n,
        "per_code": per,
        "macro_f1": macro,
        "subtype_accuracy": sub_right / sub_total if sub_total else None,
        "subtype_support": sub_total,
        "errors": errors,
    }
