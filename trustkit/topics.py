"""What a typed reply is *about*: content words, light stemming and a few synonym families.

The encounter engine matches a typed reply to an authored option only when the reply touches
that option's topic (see :meth:`trustkit.engine.Encounter.interpret`). Topic words are the
content words of a text: lower-cased, function words and the small talk of listening ("tell",
"more", "sounds", "feel") removed, suffixes trimmed, and words of one family ("exhausted",
"tiring", "knackered") mapped to one stem. Rule-based and explainable, like the analyzer: the
reasons a learner is shown name the shared words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from trustkit import skills as vocabulary

_WORD = re.compile(r"[a-z][a-z'-]*")

# Function words, and words that carry the *form* of a listening reply but no topic.
_STOP = frozenset(
    """
    a about above after again against all almost also am an and any anything are aren't around
    as at back be because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't done down during each either else enough
    even ever every everything few for from further get gets getting give go goes going gone got
    had hadn't has hasn't have haven't having he he'd he'll he's her here hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself
    just let let's lot lots me might mine more most much must mustn't my myself need needs no nor
    not now of off often oh ok okay on once one only or other others our ours ourselves out over
    own perhaps quite rather really right same say saying said see seem seems shall she she'd
    she'll she's should shouldn't since so some something sometimes still such sure than that
    that's the their theirs them themselves then there there's these they they'd they'll they're
    they've thing things think this those though through to too under until up upon us very was
    wasn't way we we'd we'll we're we've well were weren't what what's whatever when where
    where's whether which while who who's whom whose why will with won't would wouldn't yes yet
    you you'd you'll you're you've your yours yourself yourselves
    tell telling told hear heard sound sounds sounding like feel feels feeling feelings felt
    understand understood know knew mean means meant happen happened happening maybe bit kind
    sort now moment time times take taking make making want wanted wonder wondering
    imagine guess hmm mm um uh ah right yeah yep thanks thank please sorry go on carry keep
    start beginning share sharing talk talking speak speaking ask asking question questions
    doctor doc anyway actually honestly little great good fine lovely hello hi morning afternoon
    nod nods nodding pause pauses silence silent quiet
    """.split()
)

_FAMILIES: dict[str, tuple[str, ...]] = {
    "tired": (
        "tired tiring tire exhausted exhausting exhaustion knackered shattered drained worn "
        "weary fatigue fatigued run-down"
    ).split(),
    "worry": (
        "worry worried worrying worries anxious anxiety scared scary afraid frightened "
        "frightening fear fears nervous panic panicky terrified concern concerned dread"
    ).split(),
    "sad": "sad sadness down low upset tearful crying cry cried grief grieving lonely".split(),
    "angry": (
        "angry anger annoyed annoying frustrated frustrating frustration furious cross "
        "irritated fed-up"
    ).split(),
    "pain": "pain painful hurt hurts hurting ache aches aching sore burning burn burns".split(),
    "drink": (
        "drink drinks drinking drank alcohol pint pints beer beers wine booze units spirits "
        "vodka whisky lager"
    ).split(),
    "medicine": (
        "medicine medicines medication medications tablet tablets pill pills drug drugs "
        "painkiller painkillers prescription prescriptions dose doses"
    ).split(),
    "family": (
        "family wife husband partner kids children child son daughter mum mother dad father "
        "parents sister brother"
    ).split(),
    "sleep": "sleep sleeping slept night nights insomnia awake waking wake".split(),
    "job": "work working job jobs shift shifts career employer boss".split(),
}
_CANON = {w: fam for fam, words in _FAMILIES.items() for w in words}


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    if word in _CANON:
        return _CANON[word]
    w = word.removesuffix("'s").removesuffix("'")
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    else:
        for suffix in ("ingly", "edly", "ing", "ed", "es", "ly", "s"):
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                w = w[: -len(suffix)]
                break
    if w.endswith("i"):
        w = w[:-1] + "y"
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return _CANON.get(w, w)


def content_words(text: str) -> frozenset[str]:
    """The stems of the content words of ``text`` (no function or listening words)."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    return frozenset(
        _stem(w.strip("'-")) for w in words if w.strip("'-") not in _STOP and len(w) > 1
    )


def topic_words(text: str) -> frozenset[str]:
    """Alias of :func:`content_words` for the text an option or a patient line is about."""
    return content_words(text)


def listening_skill(skills: Iterable[str]) -> bool:
    """Whether an option's skills make it a listening reply: a skill marked ``listening`` in the
    vocabulary (``trustkit/data/skills.yaml``) answers what the patient just said, so a reply
    made of the patient's own words (or of no content words at all: "Go on...") is on their
    topic."""
    return any(vocabulary.is_listening(s) for s in skills)


def scenario_words(scenario) -> frozenset[str]:  # scenario: trustkit.scenario.Scenario
    """Every topic word of a scenario: the vocabulary of the conversation it can have."""
    parts: list[str] = [
        scenario.title,
        scenario.summary,
        scenario.patient.reason_for_visit,
        scenario.patient.background or "",
        *scenario.patient.what_matters,
    ]
    for node in scenario.nodes:
        parts.extend(node.variants())
        parts.append(node.thought or "")
        for opt in node.options:
            parts.append(opt.text)
            parts.extend(opt.keywords)
    for fact in scenario.facts:
        parts.extend([fact.text, fact.disclosure, fact.example_question])
    for opp in scenario.opportunities:
        parts.extend([opp.cue, opp.example_response])
    for dec in scenario.decisions:
        parts.append(dec.question)
        parts.extend(o.label for o in dec.options)
    return content_words(" ".join(parts))
