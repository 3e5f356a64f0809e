"""``trustkit lint``: schema and graph checks for scenario files, each as ``FILE:LINE: message``.

Graph checks (all linear in the size of the scenario):

- references to nodes, endings, facts, opportunities and decisions that do not exist;
- skill codes outside the vocabulary (:data:`trustkit.scenario.SKILLS`);
- nodes no path from ``start`` reaches, and endings no path reaches;
- dead ends (nodes from which no ending can be reached) and cycles with no exit;
- trust thresholds (facts, branches) that no path can reach: an optimistic bound of each trust
  dimension on arrival at each node is propagated through the graph (strongly connected
  components first, so cycles with gains count as reaching the ceiling);
- readability: the mean Flesch-Kincaid grade of the patient's lines, a warning above 8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from trustkit.errors import TrustkitError
from trustkit.scenario import (
    DIMENSIONS,
    SKILLS,
    Located,
    Scenario,
    load_packaged,
    packaged_ids,
)

FK_GRADE_LIMIT = 8.0


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    severity: Literal["error", "warning"]
    message: str
    source: str = field(compare=False)

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.source}:{self.line}: {prefix}{self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.source,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class Report:
    source: str
    scenario_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, float | int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.source,
            "scenario": self.scenario_id,
            "ok": not self.errors,
            "problems": [p.to_dict() for p in sorted(self.problems)],
            "stats": self.stats,
        }


# ---------------------------------------------------------------------------------------------
# Readability
# ---------------------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """A standard heuristic syllable count (vowel groups, silent final e), at least 1."""
    w = word.lower().replace("'", "")
    if len(w) <= 3:
        return 1
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")):
        w = w[:-1]
    if w.endswith(("es", "ed")) and not w.endswith(("ted", "ded", "ses", "zes", "ces", "ges")):
        w = w[:-2]
    return max(1, len(_VOWELS.findall(w)))


def fk_grade(texts: Iterable[str]) -> float | None:
    """Flesch-Kincaid grade level of a body of text (Kincaid et al. 1975)."""
    words = sentences = sylls = 0
    for text in texts:
        found = _WORD.findall(text)
        if not found:
            continue
        words += len(found)
        sentences += max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
        sylls += sum(syllables(w) for w in found)
    if words == 0:
        return None
    return 0.39 * words / sentences + 11.8 * sylls / words - 15.59


# ---------------------------------------------------------------------------------------------
# Graph
# ---------------------------------------------------------------------------------------------
def _tarjan(nodes: list[str], succ: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components, iteratively, in reverse topological order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(succ[w])))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(comp)
    return comps


def _clip(value: float) -> float:
    return min(100.0, max(0.0, value))


def check_graph(located: Located) -> list[Problem]:
    """All cross-reference and graph problems of a schema-valid scenario."""
    sc: Scenario = located.scenario
    src = located.source
    out: list[Problem] = []

    def err(path: tuple, message: str, severity: Literal["error", "warning"] = "error") -> None:
        out.append(Problem(located.line_of(*path), severity, message, src))

    node_ids = {n.id for n in sc.nodes}
    ending_ids = {e.id for e in sc.endings}
    fact_ids = {f.id for f in sc.facts}
    opp_ids = {o.id for o in sc.opportunities}
    decisions = {d.id: d for d in sc.decisions}
    targets = node_ids | ending_ids

    if sc.start not in node_ids:
        err(("start",), f"the start node '{sc.start}' does not exist.")
    for i, lo in enumerate(sc.learning_objectives):
        for skill in lo.skills:
            if skill not in SKILLS:
                err(("learning_objectives", i, "skills"), f"unknown skill code '{skill}'.")

    fallback = {
        item.id: item.otherwise for item in [*sc.nodes, *sc.endings] if item.otherwise is not None
    }

    def outs(o) -> list[str]:
        """Where an option can lead: next, branches, and the `otherwise` chain of each."""
        found: list[str] = []
        for t in [o.next, *(b.next for b in o.branches)]:
            while t is not None and t not in found:
                found.append(t)
                t = fallback.get(t)
        return found

    succ: dict[str, list[str]] = {n.id: [] for n in sc.nodes}
    opened: set[str] = set()
    raised: set[str] = set()
    met_explicit: set[str] = set()
    settled: set[str] = set()
    for ni, node in enumerate(sc.nodes):
        for opp in node.raises:
            raised.add(opp)
            if opp not in opp_ids:
                err(
                    ("nodes", ni, "raises"), f"node '{node.id}' raises unknown opportunity '{opp}'."
                )
        if node.decision is not None and node.decision not in decisions:
            err(("nodes", ni, "decision"), f"node '{node.id}' names unknown decision.")
        for oi, opt in enumerate(node.options):
            where = ("nodes", ni, "options", oi)
            for skill in opt.skills:
                if skill not in SKILLS:
                    err((*where, "skills"), f"option '{opt.id}': unknown skill code '{skill}'.")
            for j, tgt in enumerate([opt.next, *(b.next for b in opt.branches)]):
                path = (*where, "next") if j == 0 else (*where, "branches", j - 1, "next")
                if tgt not in targets:
                    err(path, f"option '{opt.id}' leads to '{tgt}', which does not exist.")
            for tgt in outs(opt):
                if tgt in node_ids and tgt not in succ[node.id]:
                    succ[node.id].append(tgt)
            for fid in opt.opens:
                opened.add(fid)
                if fid not in fact_ids:
                    err((*where, "opens"), f"option '{opt.id}' opens unknown fact '{fid}'.")
            for oid in opt.meets:
                met_explicit.add(oid)
                if oid not in opp_ids:
                    err((*where, "meets"), f"option '{opt.id}' meets unknown opportunity '{oid}'.")
            if opt.choice is not None:
                dec = decisions.get(node.decision) if node.decision else None
                if dec is None:
                    err(
                        (*where, "choice"),
                        f"option '{opt.id}' makes a choice but node '{node.id}' has no decision.",
                    )
                elif opt.choice not in {o.id for o in dec.options}:
                    err(
                        (*where, "choice"),
                        f"option '{opt.id}' chooses '{opt.choice}', not an option of "
                        f"decision '{dec.id}'.",
                    )
                else:
                    settled.add(dec.id)
    for fi, fact in enumerate(sc.facts):
        if fact.id not in opened:
            err(("facts", fi), f"no option opens the way to fact '{fact.id}'.")
    for oi, opp in enumerate(sc.opportunities):
        if opp.id not in raised:
            err(("opportunities", oi), f"no node raises opportunity '{opp.id}'.")
    for di, dec in enumerate(sc.decisions):
        if dec.id not in settled:
            err(("decisions", di), f"no option settles decision '{dec.id}'.", "warning")

    if sc.start not in node_ids:
        return out

    # reachability from start
    reached = {sc.start}
    todo = [sc.start]
    while todo:
        for w in succ[todo.pop()]:
            if w not in reached:
                reached.add(w)
                todo.append(w)
    index_of = {n.id: i for i, n in enumerate(sc.nodes)}
    for n in sc.nodes:
        if n.id not in reached:
            err(("nodes", index_of[n.id]), f"node '{n.id}' cannot be reached from the start.")
    reached_endings = {
        t
        for n in sc.nodes
        if n.id in reached
        for o in n.options
        for t in outs(o)
        if t in ending_ids
    }
    for ei, ending in enumerate(sc.endings):
        if ending.id not in reached_endings:
            err(("endings", ei), f"no path reaches ending '{ending.id}'.")

    # which nodes can still reach an ending
    pred: dict[str, list[str]] = {n: [] for n in node_ids}
    for v, ws in succ.items():
        for w in ws:
            pred[w].append(v)
    exits = [n.id for n in sc.nodes if any(t in ending_ids for o in n.options for t in outs(o))]
    can_end = set(exits)
    todo = list(exits)
    while todo:
        for v in pred[todo.pop()]:
            if v not in can_end:
                can_end.add(v)
                todo.append(v)

    order = [n.id for n in sc.nodes]
    comps = _tarjan(order, succ)
    comp_of = {v: ci for ci, comp in enumerate(comps) for v in comp}
    for comp in comps:
        if any(v in can_end for v in comp):
            continue
        # report only the bottom of a problem: components with no way out to any other node
        leaves = [w for v in comp for w in succ[v] if comp_of[w] != comp_of[v]]
        if leaves:
            continue
        first = min(comp, key=index_of.__getitem__)
        if len(comp) > 1 or first in succ[first]:
            names = ", ".join(f"'{v}'" for v in sorted(comp, key=index_of.__getitem__)[:5])
            err(("nodes", index_of[first]), f"cycle with no exit: {names} never reach an ending.")
        else:
            err(("nodes", index_of[first]), f"dead end: node '{first}' never leads to an ending.")

    # optimistic trust bound on arrival, per dimension, components in topological order
    bound: dict[str, dict[str, float]] = {}
    start_trust = sc.initial_trust.as_dict()
    entry: dict[str, dict[str, float]] = {sc.start: dict(start_trust)}
    for comp in reversed(comps):
        members = set(comp)
        if not any(v in entry for v in comp):
            continue  # unreachable
        cyclic = len(comp) > 1 or comp[0] in succ[comp[0]]
        best = {d: max(entry[v][d] for v in comp if v in entry) for d in DIMENSIONS}
        if cyclic:
            for d in DIMENSIONS:
                gains = any(
                    getattr(o.effects, d) > 0
                    for v in comp
                    for o in sc.node(v).options
                    if any(t in members for t in outs(o))
                )
                if gains:
                    best[d] = 100.0
            for v in comp:
                bound[v] = best
        else:
            bound[comp[0]] = entry[comp[0]]
        for v in comp:
            for o in sc.node(v).options:
                eff = o.effects.as_dict()
                arrive = {d: _clip(bound[v][d] + eff[d]) for d in DIMENSIONS}
                for t in outs(o):
                    if t in members or t not in node_ids:
                        continue
                    cur = entry.setdefault(t, dict(arrive))
                    for d in DIMENSIONS:
                        cur[d] = max(cur[d], arrive[d])

    fact_best: dict[str, float] = {}
    for ni, node in enumerate(sc.nodes):
        if node.id not in bound:
            continue
        for oi, opt in enumerate(node.options):
            eff = opt.effects.as_dict()
            after = sum(_clip(bound[node.id][d] + eff[d]) for d in DIMENSIONS) / len(DIMENSIONS)
            for fid in opt.opens:
                fact_best[fid] = max(fact_best.get(fid, 0.0), after)
            for bi, br in enumerate(opt.branches):
                if after + 1e-9 < br.min_trust:
                    err(
                        ("nodes", ni, "options", oi, "branches", bi, "min_trust"),
                        f"option '{opt.id}': no path reaches trust {br.min_trust:g} for this "
                        f"branch (at most {after:.1f}).",
                    )
    for fi, fact in enumerate(sc.facts):
        if fact.id in fact_best and fact_best[fact.id] + 1e-9 < fact.threshold:
            err(
                ("facts", fi, "threshold"),
                f"fact '{fact.id}' needs trust {fact.threshold:g}, but no path reaches more "
                f"than {fact_best[fact.id]:.1f} where it can be asked about.",
            )
    return out


LENGTH_RATIO_LIMIT = 1.6
"""The best option may be at most this many times the mean length of the others."""


def _cond_refs(cond, sc: Scenario, node_ids: set[str], option_ids: dict[str, set[str]]):
    """Problems with the ids a condition names (as messages)."""
    if cond is None:
        return
    facts = {f.id for f in sc.facts}
    opps = {o.id for o in sc.opportunities}
    for f in [*cond.facts, *cond.not_facts]:
        if f not in facts:
            yield f"requires unknown fact '{f}'."
    for o in cond.met:
        if o not in opps:
            yield f"requires unknown opportunity '{o}'."
    everywhere = {o for ids in option_ids.values() for o in ids}
    for ref in [*cond.options, *cond.not_options]:
        if "/" in ref:
            n, o = ref.split("/", 1)
            if n not in node_ids or o not in option_ids.get(n, set()):
                yield f"requires option '{ref}', which does not exist."
        elif ref not in everywhere:
            yield f"requires option '{ref}', which no node offers."


def check_validity(located: Located) -> list[Problem]:
    """Rules that keep a score honest (issue: role-play validity).

    - text that presumes a fact (``mentions``) is reachable only when the fact was disclosed:
      the node, ending or option must itself ``require`` it;
    - a node or ending with ``requires`` names an ``otherwise`` to go to instead;
    - every node offers at least one option with no ``requires`` (the learner is never stuck);
    - every opportunity has an option authored to meet it;
    - length carries no information: the best option (by its effects) may not be the longest
      at more than half of the decision points, nor more than 1.6x the others' mean length;
    - loops whose second pass could still raise trust (two or more gaining replies at a node
      of a cycle) are reported; repetition itself never pays (the engine counts a gain once).
    """
    sc = located.scenario
    src = located.source
    out: list[Problem] = []

    def err(path: tuple, message: str, severity: Literal["error", "warning"] = "error") -> None:
        out.append(Problem(located.line_of(*path), severity, message, src))

    node_ids = {n.id for n in sc.nodes}
    targets = node_ids | {e.id for e in sc.endings}
    option_ids = {n.id: {o.id for o in n.options} for n in sc.nodes}
    met_somewhere = {m for n in sc.nodes for o in n.options for m in o.meets}

    def guarded(kind: str, item, path: tuple) -> None:
        need = set(item.requires.facts) if item.requires else set()
        for fid in item.mentions:
            if fid not in {f.id for f in sc.facts}:
                err((*path, "mentions"), f"{kind} '{item.id}' mentions unknown fact '{fid}'.")
            elif fid not in need:
                err(
                    (*path, "mentions"),
                    f"{kind} '{item.id}' presumes fact '{fid}' was told but is reachable "
                    f"without it: add `requires: {{facts: [{fid}]}}`.",
                )
        for message in _cond_refs(item.requires, sc, node_ids, option_ids):
            err((*path, "requires"), f"{kind} '{item.id}' {message}")

    for ni, node in enumerate(sc.nodes):
        where = ("nodes", ni)
        guarded("node", node, where)
        if node.requires is not None and node.otherwise is None:
            err((*where, "requires"), f"node '{node.id}' has `requires` but no `otherwise`.")
        if node.otherwise is not None and node.otherwise not in targets:
            err(
                (*where, "otherwise"),
                f"node '{node.id}': otherwise '{node.otherwise}' does not exist.",
            )
        if all(o.requires is not None for o in node.options):
            err(
                where,
                f"node '{node.id}' offers no option without `requires`; a learner could be stuck.",
            )
        for oi, opt in enumerate(node.options):
            guarded("option", opt, (*where, "options", oi))
            for bi, br in enumerate(opt.branches):
                for message in _cond_refs(br.requires, sc, node_ids, option_ids):
                    err(
                        (*where, "options", oi, "branches", bi),
                        f"option '{opt.id}' branch {message}",
                    )
    for ei, ending in enumerate(sc.endings):
        where = ("endings", ei)
        guarded("ending", ending, where)
        if ending.requires is not None and ending.otherwise is None:
            err((*where, "requires"), f"ending '{ending.id}' has `requires` but no `otherwise`.")
        if ending.otherwise is not None and ending.otherwise not in targets:
            err(
                (*where, "otherwise"),
                f"ending '{ending.id}': otherwise '{ending.otherwise}' does not exist.",
            )
    for oi, opp in enumerate(sc.opportunities):
        if opp.id not in met_somewhere:
            err(
                ("opportunities", oi),
                f"no option is authored to meet opportunity '{opp.id}' (`meets`).",
            )

    # length carries no information
    points = longest_best = 0
    for ni, node in enumerate(sc.nodes):
        if len(node.options) < 2:
            continue
        points += 1
        best = max(node.options, key=lambda o: o.effects.overall)
        others = [o for o in node.options if o is not best]
        if best.effects.overall <= max(o.effects.overall for o in others):
            continue  # no single best reply here
        if len(best.text) > max(len(o.text) for o in others):
            longest_best += 1
        mean_other = sum(len(o.text) for o in others) / len(others)
        if len(best.text) > LENGTH_RATIO_LIMIT * mean_other:
            err(
                ("nodes", ni, "options", node.options.index(best), "text"),
                f"node '{node.id}': the best option '{best.id}' is {len(best.text) / mean_other:.1f}x "
                f"the others' mean length; length gives it away (limit {LENGTH_RATIO_LIMIT:g}x).",
                "warning",
            )
    if points and longest_best > points / 2:
        err(
            ("nodes",),
            f"the best option is the longest at {longest_best} of {points} decision points; "
            "length gives it away (at most half).",
            "warning",
        )

    # loops whose second pass could still gain
    succ = {
        n.id: sorted(
            {t for o in n.options for t in [o.next, *(b.next for b in o.branches)] if t in node_ids}
        )
        for n in sc.nodes
    }
    for comp in _tarjan([n.id for n in sc.nodes], succ):
        members = set(comp)
        if len(comp) == 1 and comp[0] not in succ[comp[0]]:
            continue
        for v in comp:
            gaining = [
                o
                for o in sc.node(v).options
                if o.effects.overall > 0
                and any(t in members for t in [o.next, *(b.next for b in o.branches)])
            ]
            if len(gaining) > 1:
                names = ", ".join(sorted(comp)[:5])
                err(
                    ("nodes", [n.id for n in sc.nodes].index(v)),
                    f"the loop through {names} can be walked again with another gaining reply at "
                    f"'{v}' ({', '.join(o.id for o in gaining)}): repeating it raises trust.",
                    "warning",
                )
                break
    return out


def patient_lines(sc: Scenario) -> list[str]:
    lines = [v for n in sc.nodes for v in n.variants()]
    lines += [e.patient for e in sc.endings]
    lines += [f.disclosure for f in sc.facts]
    return lines


def lint_located(located: Located) -> Report:
    sc = located.scenario
    report = Report(located.source, sc.id)
    report.problems.extend(check_graph(located))
    report.problems.extend(check_validity(located))
    grade = fk_grade(patient_lines(sc))
    report.stats = {
        "nodes": len(sc.nodes),
        "endings": len(sc.endings),
        "options": sum(len(n.options) for n in sc.nodes),
        "facts": len(sc.facts),
        "opportunities": len(sc.opportunities),
        "decisions": len(sc.decisions),
        "fk_grade": round(grade, 1) if grade is not None else None,
    }
    if grade is not None and grade > FK_GRADE_LIMIT:
        report.problems.append(
            Problem(
                1,
                "warning",
                f"the patient's lines read at Flesch-Kincaid grade {grade:.1f}; aim for "
                f"{FK_GRADE_LIMIT:g} or below (plain language).",
                located.source,
            )
        )
    report.problems.sort()
    return report


def _lint_path(path: str | Path) -> tuple[Report, Located | None]:
    """Lint one scenario file: the report, and the scenario when its schema is valid."""
    from trustkit import loading
    from trustkit.scenario import MAX_FILE_BYTES

    source = str(path)
    report = Report(source)
    try:
        kind, text = loading.scenario_ref(path)
        if kind == "id":  # a packaged scenario, named as `play` names it
            located = load_packaged(text)
            return lint_located(located), located
        data, lines = loading.read_yaml_file(text, MAX_FILE_BYTES, "scenario file")
    except TrustkitError as exc:
        report.problems.append(problem_from_error(exc, source))
        return report, None
    schema = loading.problems(Scenario, data, source, lines, "scenario")
    if schema:
        report.problems.extend(problem_from_error(e, source) for e in schema)
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            report.scenario_id = data["id"]
        return report, None
    located = Located(Scenario.model_validate(data), source, lines)
    return lint_located(located), located


def lint_file(path: str | Path) -> Report:
    """Lint one scenario file (or packaged id); problems in the input are reported, never raised."""
    return _lint_path(path)[0]


def checked(ref: str | Path | Scenario) -> Scenario:
    """A scenario that passes ``trustkit lint``: what ``play``, ``graph`` and ``replay
    --scenario`` run.

    A packaged id is loaded as it is (the packaged scenarios are linted before release); a file
    gets every lint check, and its first error (in file order) is raised as a
    :class:`TrustkitError` at its ``FILE:LINE``, saying how many more there are. Warnings do
    not block.
    """
    from trustkit import loading
    from trustkit.scenario import load

    if isinstance(ref, Scenario):
        return ref
    kind, text = loading.scenario_ref(ref)
    if kind == "id":
        return load(text)
    report, located = _lint_path(text)
    errors = sorted(report.errors)
    if errors:
        first = errors[0]
        message = first.message
        if len(errors) > 1:
            message = (
                f"{message.rstrip('.')} (and {len(errors) - 1} more error(s): run "
                f"`trustkit lint {text}`)."
            )
        raise TrustkitError(message, source=first.source, line=first.line)
    assert located is not None  # no errors: the schema was valid
    return located.scenario


def problem_from_error(exc: TrustkitError, source: str) -> Problem:
    """A lint problem from a structured error (its line, or 1 when it has none)."""
    return Problem(exc.line or 1, "error", exc.message, exc.source or source)


def lint_packaged() -> list[Report]:
    reports = []
    for sid in packaged_ids():
        try:
            located = load_packaged(sid)
        except TrustkitError as exc:
            src = f"trustkit/data/scenarios/{sid}.yaml"
            reports.append(Report(src, sid, [problem_from_error(exc, src)]))
            continue
        reports.append(lint_located(located))
    return reports
