"""trustkit: a course package that teaches medical students to build trust with patients.

Importing this package is cheap: it pulls in neither matplotlib nor ipywidgets. Submodules are
loaded on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
