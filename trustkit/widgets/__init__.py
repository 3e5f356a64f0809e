"""ipywidgets views for the course. Imported lazily: ``import trustkit`` stays light.

``from trustkit.widgets import RolePlay`` loads only the module that defines it.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "RolePlay": "roleplay",
    "RatingPanel": "rating",
    "ProgressDashboard": "dashboard",
    "KnowledgeCheck": "quiz",
    "TrustModelExplorer": "explorer",
    "ReplyCoach": "coach",
    "Answer": "answer",
    "CalibrationView": "assess",
    "EncounterRating": "assess",
    "SelfRating": "assess",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'trustkit.widgets' has no attribute {name!r}")
    module = importlib.import_module(f"trustkit.widgets.{_WHERE[name]}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
