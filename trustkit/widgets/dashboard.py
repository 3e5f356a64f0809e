"""ProgressDashboard: the learner's history at a glance (a view over trustkit.progress).

Attempts per scenario, skills in the first vs the latest attempt *at the same scenario*
(radar), trust at the end of each attempt over time, and rating agreement with the reference
panel over time, plus a small table. The figures come from :mod:`trustkit.plots`; if the
history (or a figure) is not available, the dashboard says so in one friendly sentence instead
of failing.

A skill is called improving or declining only between two attempts at the *same* scenario:
scenarios differ in what they ask of a skill, so a lower empathy score in a harder scenario
says nothing about the learner. The same holds for the radar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from trustkit.widgets._common import (
    CourseWidget,
    button,
    esc,
    figure_html,
    history,
    message_widget,
    note,
)

CHANGE_THRESHOLD = 5.0
"""A skill score must move by more than this many points (0-100) to count as a change."""


def _image(fig: Any) -> Any:
    return figure_html(fig, "tk-dashboard-figure", max_width="100%", dpi=85)


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}"


@dataclass(frozen=True)
class SkillChange:
    skill: str
    scenario: str  # the scenario's title
    first: float
    latest: float

    @property
    def change(self) -> float:
        return self.latest - self.first

    def words(self) -> str:
        return (
            f"{self.skill.replace('_', ' ')} (in “{self.scenario}”: {self.first:.0f} → "
            f"{self.latest:.0f})"
        )


def skill_changes(attempts: list[Any]) -> tuple[list[SkillChange], Any]:
    """Each skill's change from the first to the latest attempt *at the same scenario*, for
    every scenario played at least twice; and the scenario compared on the radar (the one
    played most often, the most recent on a tie), or None."""
    by_scenario: dict[str, list[Any]] = {}
    for a in sorted(attempts, key=lambda a: (a.finished_at, a.id)):
        by_scenario.setdefault(a.scenario_id, []).append(a)
    changes: list[SkillChange] = []
    repeated = {sid: rows for sid, rows in by_scenario.items() if len(rows) >= 2}
    for rows in repeated.values():
        first, latest = rows[0], rows[-1]
        for skill in sorted(set(first.skills) & set(latest.skills)):
            a, b = first.skills.get(skill), latest.skills.get(skill)
            if isinstance(a, int | float) and isinstance(b, int | float):
                changes.append(SkillChange(skill, latest.title or latest.scenario_id, a, b))
    radar = None
    if repeated:
        sid = max(repeated, key=lambda s: (len(repeated[s]), repeated[s][-1].finished_at))
        radar = (repeated[sid][0], repeated[sid][-1])
    return changes, radar


class ProgressDashboard(CourseWidget):
    """Attempts per scenario, skills first vs latest, trust over attempts, rating agreement."""

    def __init__(self) -> None:
        self.refresh_button = button(
            "Refresh",
            "Read your progress history again",
            css="tk-dashboard-refresh",
            icon="refresh",
            on_click=self.refresh,
            layout=w.Layout(width="auto", align_self="flex-start"),
        )
        self.message = message_widget()
        self.summary_html = w.HTML()
        self.summary_html.add_class("tk-dashboard-summary")
        # as many columns as fit (one on a narrow screen): never wider than the notebook
        self.figures = w.GridBox(
            layout=w.Layout(
                grid_template_columns="repeat(auto-fit, minmax(min(100%, 340px), 1fr))",
                grid_gap="8px",
                width="100%",
            )
        )
        self.figures.add_class("tk-dashboard-figures")
        self.captions = w.HTML()
        self.captions.add_class("tk-figure-caption")
        self._alts: list[str] = []
        super().__init__(
            [self.refresh_button, self.message, self.summary_html, self.figures, self.captions]
        )
        self.add_class("tk-dashboard")
        self.refresh()

    def _empty(self, text: str) -> None:
        self.summary_html.value = f"<p>{esc(text)}</p>"
        self.figures.children = []
        self.captions.value = ""
        self._alts = []
        self.refresh_snapshot()

    def refresh(self) -> None:
        """Read the history again and redraw (never raises)."""
        self.message.value = ""
        h, why = history()
        if h is None:
            self._empty(f"No history yet: {why}")
            return
        summary = h.summary()
        said = [m for m in (getattr(h, "last_error", None), getattr(h, "notice", None)) if m]
        if said:  # a history kept read-only, attempts waiting for a lock to clear, ...
            self.message.value = "".join(note(m) for m in dict.fromkeys(said))
        if not summary.get("attempts") and not summary.get("ratings"):
            self._empty(
                "No history yet: finish a role-play or rate some replies, then press Refresh."
            )
            return
        attempts = h.attempts(transcripts=False)
        changes, radar = skill_changes(attempts)
        rows = "".join(
            f"<tr><td>{esc(s.get('title') or s.get('scenario_id'))}</td><td>{s['attempts']}</td>"
            f"<td>{_fmt(s.get('first_trust'))}</td><td>{_fmt(s.get('latest_trust'))}</td>"
            f"<td>{_fmt(s.get('best_trust'))}</td></tr>"
            for s in summary.get("scenarios", [])
        )
        self.summary_html.value = (
            f"<p>{summary['attempts']} finished attempt(s), {summary['ratings']} rating(s).</p>"
            "<table class='tk-dashboard-table'><caption>Trust at the end of your attempts "
            "(0-100)</caption><tr><th scope='col'>scenario</th><th scope='col'>attempts</th>"
            "<th scope='col'>first</th><th scope='col'>latest</th><th scope='col'>best</th></tr>"
            f"{rows}</table>" + self._changes_html(changes)
        )
        try:
            from trustkit import plots

            if radar is None:
                radar_fig = plots.skills_radar({}, {})
            else:
                first, latest = radar
                radar_fig = plots.skills_radar(
                    first.skills, latest.skills, scenario=latest.title or latest.scenario_id
                )
            images = [
                _image(plots.attempts_per_scenario(summary)),
                _image(radar_fig),
                _image(plots.trust_over_attempts(attempts)),
                _image(plots.agreement_over_time(h.ratings())),
            ]
        except Exception as exc:  # figures are a bonus; the table above stays
            self.figures.children = []
            self.captions.value = ""
            self._alts = []
            self.message.value += note(f"The figures could not be drawn here ({exc}).")
            self.refresh_snapshot()
            return
        self.figures.children = images
        self._alts = [img.alt_text for img in images]
        self.captions.value = (
            "<ol aria-hidden='true'>"
            + "".join(f"<li><small>{esc(img.alt_text)}</small></li>" for img in images)
            + "</ol>"
        )
        self.refresh_snapshot()

    @staticmethod
    def _changes_html(changes: list[SkillChange]) -> str:
        if not changes:
            return (
                "<p>Skills: play a scenario a second time to see which skills grow. A change is "
                "shown only between two attempts at the same scenario, since scenarios differ "
                "in what they ask.</p>"
            )
        up = [c for c in changes if c.change > CHANGE_THRESHOLD]
        down = [c for c in changes if c.change < -CHANGE_THRESHOLD]
        improving = "; ".join(c.words() for c in up) or "none yet"
        declining = "; ".join(c.words() for c in down) or "none"
        return (
            f"<p>▲ <b>Improving</b> (first to latest attempt at the same scenario, by more than "
            f"{CHANGE_THRESHOLD:.0f} points out of 100): {esc(improving)}.</p>"
            f"<p>▼ <b>Declining</b>: {esc(declining)}.</p>"
        )

    def snapshot_html(self) -> str:
        alts = "".join(f"<li><small>{esc(a)}</small></li>" for a in self._alts)
        return self.summary_html.value + (f"<p>Figures:</p><ol>{alts}</ol>" if alts else "")
