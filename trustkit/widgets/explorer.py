"""Sliders over the course's outcome models: trust -> disclosure, trust -> adherence."""

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


class TrustModelExplorer(w.VBox):
    """Move the trust slider and see disclosure and adherence respond (an educational model)."""

    def __init__(self, trust: int = 50, fits_values: bool = False, n_sensitive: int = 3) -> None:
        self.n_sensitive = n_sensitive
        self.trust = w.IntSlider(
            value=trust,
            min=0,
            max=100,
            step=5,
            description="Trust",
            continuous_update=False,
            tooltip="The patient's trust in you, 0 (none) to 100 (complete)",
            style={"description_width": "initial"},
        )
        self.fits = w.Checkbox(
            value=fits_values,
            description="The plan was decided together and fits what matters to the patient",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.summary = w.HTML()
        self.summary.add_class("tk-model-summary")
        self.figure = w.Image(format="png", layout=w.Layout(max_width="640px"))
        self.figure.add_class("tk-model-figure")
        self.caption = w.HTML(
            f"<small>{DISCLOSURE_LABEL}<br>{ADHERENCE_LABEL}</small>",
        )
        self.trust.observe(lambda _c: self.update(), names="value")
        self.fits.observe(lambda _c: self.update(), names="value")
        super().__init__([self.trust, self.fits, self.summary, self.figure, self.caption])
        self.add_class("tk-model-explorer")
        self.update()

    def set(self, trust: int, fits_values: bool | None = None) -> None:
        """Set the sliders from code (tests, or a lesson's worked example)."""
        if fits_values is not None:
            self.fits.value = fits_values
        self.trust.value = trust

    def update(self) -> None:
        t = self.trust.value
        fits = self.fits.value
        d = estimate_disclosure(t)
        a = estimate_adherence(t, fits)
        known = facts_known(t, self.n_sensitive)
        self.summary.value = (
            f"<p>At trust <b>{t}</b>: the patient shares a sensitive fact when asked about "
            f"<b>{100 * d:.0f}%</b> of the time, so of {self.n_sensitive} such facts you would "
            f"expect to learn about <b>{known:.1f}</b>. Estimated chance of following the plan: "
            f"<b>{100 * a:.0f}%</b>.</p>"
        )
        fig = plots.outcome_curves(t, fits)
        self.figure.value = plots.to_png(fig, dpi=90)
        self.figure.alt_text = plots.alt_text(fig)
        self.caption.value = (
            f"<small>{plots.alt_text(fig)}<br>{DISCLOSURE_LABEL}<br>{ADHERENCE_LABEL}</small>"
        )
        plots.close(fig)
