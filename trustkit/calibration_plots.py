"""Kept so that ``trustkit.calibration_plots`` goes on working: the calibration figures now live
in :mod:`trustkit.figures.calibration`; this module only re-exports them."""

from __future__ import annotations

from trustkit.figures.calibration import MIN_FOR_ICC as MIN_FOR_ICC
from trustkit.figures.calibration import MIN_FOR_LIMITS as MIN_FOR_LIMITS
from trustkit.figures.calibration import bland_altman as bland_altman
from trustkit.figures.calibration import icc_shown as icc_shown
from trustkit.figures.calibration import number as number
from trustkit.figures.calibration import scatter_vs_reference as scatter_vs_reference
