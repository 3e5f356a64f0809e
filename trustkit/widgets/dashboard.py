"""ProgressDashboard: the learner's history at a glance (a view over trustkit.progress)."""

from __future__ import annotations

import html

import ipywidgets as w

from trustkit import plots
from trustkit.widgets._figure import figure_image


def _image(fig) -> w.Image:
    return figure_image(fig, "tk-dashboard-figure", max_width="520px", dpi=85)


class ProgressDashboard(w.VBox):
    """Attempts per scenario, skills first vs latest, trust over attempts, rating agreement."""

    def __init__(self) -> None:
        self.refresh_button = w.Button(
            description="Refresh", icon="refresh", tooltip="Read your progress history again"
        )
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.summary_html = w.HTML()
        self.summary_html.add_class("tk-dashboard-summary")
        self.figures = w.GridBox(layout=w.Layout(grid_template_columns="repeat(2, 1fr)"))
        super().__init__([self.refresh_button, self.summary_html, self.figures])
        self.add_class("tk-dashboard")
        self.refresh()

    def refresh(self) -> None:
        from trustkit.progress import History

        history = History()
        summary = history.summary()
        note = (
            f"<p><small>{html.escape(history.last_error)}</small></p>" if history.last_error else ""
        )
        if not summary.get("attempts") and not summary.get("ratings"):
            self.summary_html.value = (
                note + "<p>No history yet: finish a role-play or rate some replies, then press "
                "Refresh.</p>"
            )
            self.figures.children = []
            return
        rows = "".join(
            f"<tr><td>{html.escape(s['title'] or s['scenario_id'])}</td><td>{s['attempts']}</td>"
            f"<td>{s['first_trust']:.0f}</td><td>{s['latest_trust']:.0f}</td>"
            f"<td>{s['best_trust']:.0f}</td></tr>"
            for s in summary["scenarios"]
        )
        skills = summary.get("skills", {})
        improving = ", ".join(skills.get("improving", [])) or "none yet"
        declining = ", ".join(skills.get("declining", [])) or "none"
        self.summary_html.value = (
            note
            + f"<p>{summary['attempts']} finished attempt(s), {summary['ratings']} rating(s).</p>"
            "<table><tr><th>scenario</th><th>attempts</th><th>first trust</th>"
            f"<th>latest trust</th><th>best trust</th></tr>{rows}</table>"
            f"<p>Improving: {html.escape(improving)}. Declining: {html.escape(declining)}.</p>"
        )
        attempts = history.attempts(transcripts=False)
        self.figures.children = [
            _image(plots.attempts_per_scenario(summary)),
            _image(plots.skills_radar(skills.get("first", {}), skills.get("latest", {}))),
            _image(plots.trust_over_attempts(attempts)),
            _image(plots.agreement_over_time(history.ratings())),
        ]
