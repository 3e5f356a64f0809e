"""ProgressDashboard: the learner's history at a glance (a view over trustkit.progress).

Attempts per scenario, skills in the first vs the latest attempt (radar), trust at the end of
each attempt over time, and rating agreement with the reference panel over time, plus a small
table. The figures come from :mod:`trustkit.plots`; if the history (or a figure) is not
available, the dashboard says so in one friendly sentence instead of failing.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from trustkit.widgets._common import button, esc, figure_image, history, message_widget, note


def _image(fig: Any) -> w.Image:
    return figure_image(fig, "tk-dashboard-figure", max_width="520px", dpi=85)


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}"


class ProgressDashboard(w.VBox):
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
        self.figures = w.GridBox(layout=w.Layout(grid_template_columns="repeat(2, 1fr)"))
        self.captions = w.HTML()
        self.captions.add_class("tk-figure-caption")
        super().__init__(
            [self.refresh_button, self.message, self.summary_html, self.figures, self.captions]
        )
        self.add_class("tk-dashboard")
        self.refresh()

    def _empty(self, text: str) -> None:
        self.summary_html.value = f"<p>{esc(text)}</p>"
        self.figures.children = []
        self.captions.value = ""

    def refresh(self) -> None:
        """Read the history again and redraw (never raises)."""
        self.message.value = ""
        h, why = history()
        if h is None:
            self._empty(f"No history yet: {why}")
            return
        summary = h.summary()
        if getattr(h, "last_error", None):
            self.message.value = note(h.last_error)
        if not summary.get("attempts") and not summary.get("ratings"):
            self._empty(
                "No history yet: finish a role-play or rate some replies, then press Refresh."
            )
            return
        rows = "".join(
            f"<tr><td>{esc(s.get('title') or s.get('scenario_id'))}</td><td>{s['attempts']}</td>"
            f"<td>{_fmt(s.get('first_trust'))}</td><td>{_fmt(s.get('latest_trust'))}</td>"
            f"<td>{_fmt(s.get('best_trust'))}</td></tr>"
            for s in summary.get("scenarios", [])
        )
        skills = summary.get("skills", {})
        improving = ", ".join(skills.get("improving", [])) or "none yet"
        declining = ", ".join(skills.get("declining", [])) or "none"
        self.summary_html.value = (
            f"<p>{summary['attempts']} finished attempt(s), {summary['ratings']} rating(s).</p>"
            "<table class='tk-dashboard-table'><tr><th>scenario</th><th>attempts</th>"
            "<th>first trust</th><th>latest trust</th><th>best trust</th></tr>"
            f"{rows}</table>"
            f"<p>▲ Improving: {esc(improving)}. ▼ Declining: {esc(declining)}.</p>"
        )
        try:
            from trustkit import plots

            attempts = h.attempts(transcripts=False)
            images = [
                _image(plots.attempts_per_scenario(summary)),
                _image(plots.skills_radar(skills.get("first", {}), skills.get("latest", {}))),
                _image(plots.trust_over_attempts(attempts)),
                _image(plots.agreement_over_time(h.ratings())),
            ]
        except Exception as exc:  # figures are a bonus; the table above stays
            self.figures.children = []
            self.captions.value = ""
            self.message.value += note(f"The figures could not be drawn here ({exc}).")
            return
        self.figures.children = images
        self.captions.value = (
            "<ol>"
            + "".join(f"<li><small>{esc(img.alt_text)}</small></li>" for img in images)
            + "</ol>"
        )
