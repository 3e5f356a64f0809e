"""Kept so that ``from trustkit import plots`` goes on working: every figure now lives in
:mod:`trustkit.figures` (one package, one ``finish()``); this module only re-exports it."""

from __future__ import annotations

from trustkit.figures import *  # noqa: F403
from trustkit.figures import __all__ as __all__
