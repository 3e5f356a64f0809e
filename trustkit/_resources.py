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


def items_by_id(folder: str, name: str, required: set[str], what: str) -> dict[str, dict]:
    """A packaged YAML list ``trustkit/data/<folder>/<name>.yaml`` of items, keyed by ``id``.

    Kept for callers of the older API; the content kinds have models in
    :mod:`trustkit.content` (use those). Every problem is a
    :class:`~trustkit.errors.TrustkitError` naming the file and the item's line.
    """
    from trustkit import loading
    from trustkit.errors import TrustkitError

    data, lines, source = loading.read_packaged_yaml(folder, f"{name}.yaml")
    if not isinstance(data, list):
        raise TrustkitError(f"expected a list of {what}s.", source=source, line=1)
    out: dict[str, dict] = {}
    for i, item in enumerate(data):
        at = loading.line_for(lines, (i,))
        if not isinstance(item, dict):
            raise TrustkitError(f"{what} {i + 1} is not a mapping.", source=source, line=at)
        missing = required - set(item)
        if missing:
            raise TrustkitError(
                f"{what} {i + 1} lacks {', '.join(sorted(missing))}.", source=source, line=at
            )
        if item.get("id") in out:
            raise TrustkitError(
                f"the {what} id '{item['id']}' is used twice.",
                source=source,
                line=loading.line_for(lines, (i, "id")),
            )
        out[item["id"]] = item
    return out
