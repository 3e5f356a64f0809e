"""Explore the course's outcome models: trust -> disclosure, trust -> adherence.

The trust level is a labelled number box with "less" / "more" buttons rather than a slider:
an ipywidgets slider handle has no accessible name (axe-core, WCAG 4.1.2), while a number box
has a label, takes the arrow keys and can be typed into.
"""

from __future__ import annotations

import ipywidgets as w

from trustkit import plots
from trustkit.outcomes import (
    ADHERENCE_LABEL,
    DISCLOSURE_LABEL,
    estimate_adherence,
    estimate_disclosure,
    facts_known,
)
from trustkit.widgets._common import CourseWidget, button, esc, img_tag, row

STEP = 10


class TrustModelExplorer(CourseWidget):
    """Change the trust level and see disclosure and adherence respond (an educational model)."""

    def __init__(self, trust: int = 50, fits_values: bool = False, n_sensitive: int = 3) -> None:
        self.n_sensitive = n_sensitive
        self.trust = w.BoundedIntText(
            value=max(0, min(100, int(trust))),
            min=0,
            max=100,
            step=5,
            description="Patient's trust (0-100)",
            tooltip="The patient's trust in you, 0 (none) to 100 (complete)",
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.trust.add_class("tk-model-trust")
        self.less = button(
            f"Less trust (-{STEP})",
            f"Lower the patient's trust by {STEP}",
            css="tk-model-less",
            icon="minus",
            on_click=lambda: self.set(self.trust.value - STEP),
        )
        self.more = button(
            f"More trust (+{STEP})",
            f"Raise the patient's trust by {STEP}",
            css="tk-model-more",
            icon="plus",
            on_click=lambda: self.set(self.trust.value + STEP),
        )
        self.fits = w.Checkbox(
            value=fits_values,
            description="The plan was decided together and fits what matters to the patient",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.summary = w.HTML()
        self.summary.add_class("tk-model-summary")
        self.figure = w.HTML()
        self.figure.add_class("tk-figure")
        self.figure.alt_text = ""
        self.caption = w.HTML()
        self.caption.add_class("tk-figure-caption")
        self.trust.observe(lambda _c: self.update(), names="value")
        self.fits.observe(lambda _c: self.update(), names="value")
        super().__init__(
            [
                row([self.trust, self.less, self.more], align_items="center"),
                self.fits,
                self.summary,
                self.figure,
                self.caption,
            ]
        )
        self.add_class("tk-model-explorer")
        self.update()

    def set(self, trust: int, fits_values: bool | None = None) -> None:
        """Set the trust level (0-100) and the shared decision from code or the buttons."""
        if fits_values is not None:
            self.fits.value = fits_values
        self.trust.value = max(0, min(100, int(trust)))

    def update(self) -> None:
        t = self.trust.value
        fits = self.fits.value
        d = estimate_disclosure(t)
        a = estimate_adherence(t, fits)
        known = facts_known(t, self.n_sensitive)
        self.less.disabled = t <= 0
        self.more.disabled = t >= 100
        self.summary.value = (
            f"<p>At trust <b>{t}</b> out of 100: the patient shares a sensitive fact when asked "
            f"about <b>{100 * d:.0f}%</b> of the time, so of {self.n_sensitive} such facts you "
            f"would expect to learn about <b>{known:.1f}</b>. Estimated chance of following the "
            f"plan: <b>{100 * a:.0f}%</b>. <i>An educational approximation, not a "
            "prediction.</i></p>"
        )
        fig = plots.outcome_curves(t, fits)
        alt = plots.alt_text(fig)
        png = plots.to_png(fig, dpi=90)
        plots.close(fig)
        self.figure.value = img_tag(png, alt, "tk-model-figure", max_width="640px")
        self.figure.alt_text = alt
        self.caption.value = (
            f"<small><span aria-hidden='true'><b>Figure:</b> {esc(alt)}</span><br>"
            f"{esc(DISCLOSURE_LABEL)}<br>{esc(ADHERENCE_LABEL)}</small>"
        )
        self.refresh_snapshot()

    def snapshot_html(self) -> str:
        return self.summary.value + f"<p><small>{esc(self.figure.alt_text)}</small></p>"
