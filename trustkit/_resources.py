"""Access to packaged data through importlib.resources (works from a wheel or a zip)."""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable


def data_path(*parts: str) -> Traversable:
    """Return a Traversable for ``trustkit/data/<parts...>``."""
    node = resources.files("trustkit").joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node


def data_files(folder: str, suffix: str) -> list[Traversable]:
    """All packaged files in ``trustkit/data/<folder>`` ending with ``suffix``, sorted by name."""
    base = data_path(folder)
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if p.name.endswith(suffix)), key=lambda p: p.name)
