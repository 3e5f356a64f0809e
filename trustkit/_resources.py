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

    Every problem is a :class:`~trustkit.errors.TrustkitError` naming the file (and the item).
    """
    import yaml

    from trustkit.errors import TrustkitError

    source = f"trustkit/data/{folder}/{name}.yaml"
    resource = data_path(folder, f"{name}.yaml")
    if not resource.is_file():
        raise TrustkitError(f"{source}: no such file of {what}s.")
    try:
        items = yaml.safe_load(resource.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TrustkitError(f"{source}: not valid YAML ({exc}).") from None
    if not isinstance(items, list):
        raise TrustkitError(f"{source}: expected a list of {what}s.")
    out: dict[str, dict] = {}
    for i, item in enumerate(items, start=1):
        missing = required - set(item or {})
        if missing:
            raise TrustkitError(f"{source}: {what} {i} lacks {', '.join(sorted(missing))}.")
        out[item["id"]] = item
    return out
