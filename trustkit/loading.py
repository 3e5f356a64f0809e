"""Reading files: the one home for every file trustkit reads, packaged or the user's.

Every reader here turns bad input into a :class:`~trustkit.errors.TrustkitError` with the
file as ``source`` and, where there is one, the ``line``: one sentence, never a traceback.

- :func:`read_bytes`: not found, a folder, not a regular file (a pipe or a device is never
  opened for reading in a way that could hang or run without end), too big (checked before and
  while reading), unreadable. :func:`read_text` adds not UTF-8 (with the line) and empty.
- :func:`read_yaml`: YAML with the line of every mapping value and list item, no anchors,
  aliases, merge keys or duplicate keys. :func:`read_json`, :func:`read_csv_rows` (the line a
  row starts on; an unclosed quote at the line where it opens).
- :func:`validate` / :func:`validate_items` / :func:`problems`: pydantic validation with ONE
  describer of its errors, each at the line of the offending node. A model's own checks raise
  :class:`FieldError` to name the field they are about (a duplicate id is reported at the
  duplicate, not at the top of the file).
- :func:`scenario_id` validates a scenario id taken from a learner's file before anything uses
  it; :func:`scenario_ref` is the one rule of what names a scenario file (``lint``, ``play``,
  ``graph`` and ``replay --scenario`` share it).

Importing this module is cheap: yaml and pydantic are imported only when a file is read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from trustkit.errors import TrustkitError

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)
else:
    M = TypeVar("M")

Lines = dict[tuple[Any, ...], int]
"""Key path (``("nodes", 0, "options", 1, "next")``) -> line number (from 1) in the file."""

MiB = 1024 * 1024
MAX_YAML_BYTES = 4 * MiB
"""Largest YAML file accepted (a 10,000-node generated scenario fits well inside)."""
MAX_JSON_BYTES = 8 * MiB
"""Largest JSON file accepted (a transcript of a long encounter is far smaller)."""

SCENARIO_SUFFIXES: tuple[str, ...] = (".yaml", ".yml", ".json")
"""What a scenario file's name ends in, in any case (JSON is read as the YAML it also is)."""

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\Z")
"""A scenario id: lower-case letters, digits and hyphens, at most 80 characters."""


class FieldError(ValueError):
    """Raised by a model's own check to say which field (under the model) is wrong.

    ``FieldError("duplicate id 'x'", "nodes", 3, "id")``: :func:`validate` reports it at the
    line of ``nodes[3].id``. Outside trustkit's loaders it is an ordinary ``ValueError``.
    """

    def __init__(self, message: str, *path: str | int) -> None:
        super().__init__(message)
        self.path = tuple(path)


# =============================================================================================
# Bytes and text
# =============================================================================================
def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"


def _too_big(source: str, size: int | None, max_bytes: int, what: str) -> TrustkitError:
    said = f"is {size / MiB:.1f} MiB" if size is not None else f"is larger than {_size(max_bytes)}"
    return TrustkitError(
        f"the file {said}; {what}s may be at most {_size(max_bytes)}.", source=source, line=1
    )


def read_bytes(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; every problem one sentence.

    ``what`` names the kind of file in the messages ("scenario file", "transcript"). A FIFO,
    a device (``/dev/zero``) or a socket is refused without being read: opening is
    non-blocking and the type is checked on the open file, so a path swapped in between
    cannot slip through either.
    """
    source = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise TrustkitError("no such file.", source=source) from None
    except IsADirectoryError:
        raise TrustkitError(f"this is a folder, not a {what}.", source=source) from None
    except PermissionError:
        raise TrustkitError("permission denied when reading the file.", source=source) from None
    except OSError as exc:
        raise TrustkitError(
            f"cannot read the file ({exc.strerror or exc}).", source=source
        ) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise TrustkitError(f"this is a folder, not a {what}.", source=source)
        if not stat.S_ISREG(st.st_mode):
            raise TrustkitError(
                f"this is not a regular file (a pipe, a device or a socket); give a {what}.",
                source=source,
            )
        if st.st_size > max_bytes:
            raise _too_big(source, st.st_size, max_bytes, what)
        chunks: list[bytes] = []
        total = 0
        while total <= max_bytes:  # the file may grow while it is read
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > max_bytes:
            raise _too_big(source, None, max_bytes, what)
        return b"".join(chunks)
    except OSError as exc:
        raise TrustkitError(
            f"cannot read the file ({exc.strerror or exc}).", source=source
        ) from None
    finally:
        os.close(fd)


def decode(raw: bytes, source: str, *, empty_ok: bool = False) -> str:
    """UTF-8 text of ``raw`` (a byte-order mark dropped); not UTF-8 names the line; empty is
    an error unless ``empty_ok``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TrustkitError(
            f"the file is not valid UTF-8 text (byte {exc.start}); save it as UTF-8.",
            source=source,
            line=line,
        ) from None
    text = text.removeprefix("\ufeff")
    if not empty_ok and not text.strip():
        raise TrustkitError("the file is empty.", source=source, line=1)
    return text


def read_text(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> str:
    """:func:`read_bytes` then :func:`decode`."""
    return decode(read_bytes(path, max_bytes, what), str(path))


def packaged_source(*parts: str) -> str:
    """How messages name a packaged file: ``trustkit/data/<parts>``."""
    return "/".join(("trustkit", "data", *parts))


def read_packaged(*parts: str, max_bytes: int = MAX_YAML_BYTES) -> bytes:
    """The bytes of ``trustkit/data/<parts...>`` (from a checkout, a wheel or a zip)."""
    from trustkit._resources import data_path

    return read_resource(data_path(*parts), packaged_source(*parts), max_bytes)


def read_resource(resource: Traversable, source: str, max_bytes: int = MAX_YAML_BYTES) -> bytes:
    """The bytes of a packaged resource (an ``importlib.resources`` Traversable)."""
    if not resource.is_file():
        raise TrustkitError("this file is missing from the trustkit installation.", source=source)
    try:
        raw = resource.read_bytes()
    except OSError as exc:
        raise TrustkitError(
            f"cannot read the file ({exc.strerror or exc}).", source=source
        ) from None
    if len(raw) > max_bytes:
        raise _too_big(source, len(raw), max_bytes, "packaged file")
    return raw


# =============================================================================================
# YAML with line numbers
# =============================================================================================
def line_for(lines: Lines, path: Sequence[Any]) -> int:
    """The line of key path ``path`` (or of its nearest parent that has one) in a file."""
    path = tuple(path)
    for cut in range(len(path), -1, -1):
        line = lines.get(path[:cut])
        if line is not None:
            return line
    return 1


def _walk(node: Any, lines: Lines, source: str) -> None:
    """Record the line of every path; refuse aliases (a node met twice) and duplicate keys."""
    import yaml

    seen: set[int] = set()
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(node, (), 1)]
    while stack:
        current, where, used_at = stack.pop()
        if id(current) in seen:
            raise TrustkitError(
                "YAML anchors and aliases are not allowed in trustkit files; write the "
                "content out in full.",
                source=source,
                line=used_at,
            )
        seen.add(id(current))
        lines[where] = current.start_mark.line + 1
        children: list[tuple[Any, tuple[Any, ...], int]] = []
        if isinstance(current, yaml.MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                at = key_node.start_mark.line + 1
                if key == "<<":
                    raise TrustkitError(
                        "YAML merge keys ('<<') are not allowed in trustkit files.",
                        source=source,
                        line=at,
                    )
                if key in keys:
                    raise TrustkitError(
                        f"the key '{key}' appears twice in the same mapping.",
                        source=source,
                        line=at,
                    )
                keys.add(key)
                children.append((value_node, (*where, key), at))
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                # an alias is written after its anchor: the later line is where it is used
                used = max(item.start_mark.line, current.start_mark.line) + 1
                children.append((item, (*where, i), used))
        stack.extend(reversed(children))  # pop in document order


def read_yaml(raw: bytes | str, source: str, max_bytes: int = MAX_YAML_BYTES) -> tuple[Any, Lines]:
    """Parse YAML safely; return the data and the line of every key path.

    Raises :class:`TrustkitError` (``source``, ``line``) for every kind of bad input.
    """
    import yaml

    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise _too_big(source, len(raw), max_bytes, "file")
        text = decode(raw, source)
    else:
        text = raw.removeprefix("\ufeff")
        if not text.strip():
            raise TrustkitError("the file is empty.", source=source, line=1)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise TrustkitError("the file holds no YAML document.", source=source, line=1)
        lines: Lines = {}
        _walk(root, lines, source)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise TrustkitError(
            f"this is not valid YAML ({problem}).", source=source, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise TrustkitError(f"this is not valid YAML ({exc}).", source=source, line=1) from None
    except RecursionError:
        raise TrustkitError("the YAML is nested too deeply.", source=source, line=1) from None
    finally:
        loader.dispose()
    return data, lines


def read_yaml_file(
    path: str | os.PathLike[str], max_bytes: int = MAX_YAML_BYTES, what: str = "YAML file"
) -> tuple[Any, Lines]:
    """:func:`read_bytes` then :func:`read_yaml`."""
    return read_yaml(read_bytes(path, max_bytes, what), str(path), max_bytes)


def read_packaged_yaml(*parts: str) -> tuple[Any, Lines, str]:
    """A packaged YAML file: ``(data, lines, source)``."""
    return (*read_yaml(read_packaged(*parts), packaged_source(*parts)), packaged_source(*parts))


# =============================================================================================
# JSON
# =============================================================================================
def parse_json(text: str, source: str) -> Any:
    """JSON text to data; a syntax error names its line."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrustkitError(
            f"this is not valid JSON ({exc.msg}).", source=source, line=exc.lineno
        ) from None
    except RecursionError:
        raise TrustkitError("the JSON is nested too deeply.", source=source, line=1) from None


def read_json(
    path: str | os.PathLike[str], max_bytes: int = MAX_JSON_BYTES, what: str = "JSON file"
) -> Any:
    """Read and parse a JSON file; every problem one sentence naming the file (and line)."""
    return parse_json(read_text(path, max_bytes, what), str(path))


# =============================================================================================
# CSV
# =============================================================================================
def _csv_lines(text: str) -> list[str]:
    """Physical lines as the csv module counts them (``\n``, ``\r``, ``\r\n`` only)."""
    import io

    return io.StringIO(text, newline="").readlines()


def _quote_opened_at(text: str, start: int) -> int:
    """The line (from 1) of the quote that is never closed, reading a CSV record from line
    ``start`` (standard quoting: a quote opens a field only at its start; ``""`` escapes)."""
    lines = _csv_lines(text)
    at_field_start, quoted, opened = True, False, start
    for number in range(start, len(lines) + 1):
        row = lines[number - 1]
        i = 0
        while i < len(row):
            ch = row[i]
            if quoted:
                if ch == '"':
                    if row[i + 1 : i + 2] == '"':
                        i += 1
                    else:
                        quoted = False
            elif ch == '"' and at_field_start:
                quoted, opened = True, number
            at_field_start = not quoted and ch in ",\r\n"
            i += 1
        if not quoted:
            at_field_start = True
    return opened


def read_csv_rows(
    path: str | os.PathLike[str], columns: Sequence[str], max_bytes: int, what: str = "CSV file"
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as ``(line the row starts on, {column: text})``.

    The header (case and spaces ignored) must name every one of ``columns``; blank rows are
    skipped; a row with fewer cells than the header, an unclosed quote (at the line where it
    opens) or a file of only a header is one sentence naming the file and line.
    """
    import csv

    source = str(path)
    text = read_text(path, max_bytes, what)
    reader = csv.reader(iter(_csv_lines(text)), strict=True)

    def bad(exc: csv.Error, start: int) -> TrustkitError:
        if "unexpected end of data" in str(exc):
            line = _quote_opened_at(text, start)
            return TrustkitError(
                "this quote is never closed; close it or remove it.", source=source, line=line
            )
        return TrustkitError(f"this is not valid CSV ({exc}).", source=source, line=start)

    try:
        header = next(reader)
    except csv.Error as exc:
        raise bad(exc, 1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in columns if c not in names]
    if missing:
        raise TrustkitError(
            f"the header lacks the column(s) {', '.join(missing)}; it needs {','.join(columns)}.",
            source=source,
            line=1,
        )
    where = {c: names.index(c) for c in columns}
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise bad(exc, start) from None
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) < len(names):
            raise TrustkitError(
                f"this row has {len(record)} cell(s); the header has {len(names)}.",
                source=source,
                line=start,
            )
        rows.append((start, {c: record[i].strip() for c, i in where.items()}))
    if not rows:
        raise TrustkitError("the file has a header but no data rows.", source=source, line=2)
    return rows


# =============================================================================================
# Models
# =============================================================================================
def _describe(
    err: dict[str, Any], what: str, prefix: tuple[Any, ...] = ()
) -> tuple[tuple[Any, ...], str]:
    """The one describer of a pydantic error: (key path in the file, sentence)."""
    loc = (*prefix, *err["loc"])
    found = (err.get("ctx") or {}).get("error")
    if isinstance(found, FieldError):
        loc = (*loc, *found.path)
        text = str(found)
    else:
        text = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    where = ".".join(str(p) for p in loc) or "the document"
    if err["type"] == "missing":
        return loc, f"'{where}' is required but missing."
    if err["type"] == "extra_forbidden":
        if what == "file":
            return loc, f"'{where}' is not a known field (check the spelling)."
        return loc, f"'{where}' is not a field of the {what} format (check the spelling)."
    if not loc:
        return loc, f"{text[:1].upper()}{text[1:]}."
    return loc, f"'{where}': {text[:1].lower()}{text[1:]}."


def problems(
    model: type[BaseModel],
    data: Any,
    source: str,
    lines: Lines,
    what: str = "file",
    prefix: tuple[Any, ...] = (),
) -> list[TrustkitError]:
    """Every schema error of ``data`` as ``model``, in file order (an empty list: valid)."""
    from pydantic import ValidationError

    if not isinstance(data, dict):
        line = line_for(lines, prefix)
        article = "an" if what[:1] in "aeiou" else "a"
        head = f"{article} {what} file" if not prefix else f"{what} {prefix[-1] + 1}"
        if what == "file" and not prefix:
            head = "the file"
        return [
            TrustkitError(
                f"{head} must be a YAML mapping (key: value pairs).", source=source, line=line
            )
        ]
    try:
        model.model_validate(data)
    except ValidationError as exc:
        found = []
        for err in exc.errors(include_url=False):
            loc, text = _describe(err, what, prefix)
            found.append(TrustkitError(text, source=source, line=line_for(lines, loc)))
        return sorted(found, key=lambda e: e.line or 0)
    return []


def validate(model: type[M], data: Any, source: str, lines: Lines, what: str = "file") -> M:
    """``data`` validated as ``model``; the first problem (in file order) is raised."""
    found = problems(model, data, source, lines, what)  # type: ignore[arg-type]
    if found:
        raise found[0]
    return model.model_validate(data)  # type: ignore[attr-defined]


def validate_items(
    model: type[M], data: Any, source: str, lines: Lines, what: str = "item"
) -> list[M]:
    """A YAML list of ``model`` items, each validated; the first problem is raised."""
    if not isinstance(data, list):
        raise TrustkitError(f"expected a list of {what}s.", source=source, line=1)
    out = []
    for i, item in enumerate(data):
        found = problems(model, item, source, lines, what, prefix=(i,))  # type: ignore[arg-type]
        if found:
            raise found[0]
        out.append(model.model_validate(item))  # type: ignore[attr-defined]
    return out


def unique_ids(items: Sequence[Any], field: str, what: str, source: str, lines: Lines) -> None:
    """Raise at the line of the first item whose ``id`` an earlier item already has."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, "id", None)
        if value in seen:
            raise TrustkitError(
                f"the {what} id '{value}' is used twice.",
                source=source,
                line=line_for(lines, (*((field,) if field else ()), i, "id")),
            )
        seen.add(value)


# =============================================================================================
# Scenario ids and scenario files
# =============================================================================================
def scenario_id(value: object, where: str = "the transcript") -> str:
    """``value`` if it is a scenario id (:data:`SLUG`), else one sentence saying why not.

    Every id read from a learner's file (a transcript, saved work) goes through this before it
    is used: an id is looked up among the packaged scenarios, never opened as a path.
    """
    if not isinstance(value, str) or not value:
        raise TrustkitError(f"{where} does not name its scenario (no scenario id).")
    if not SLUG.match(value):
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise TrustkitError(
            f"{where} names the scenario {shown!r}, which is not a scenario id (lower-case "
            "letters, digits and hyphens, at most 80 characters)."
        )
    return value


def scenario_ref(ref: str | os.PathLike[str]) -> tuple[Literal["id", "file"], str]:
    """The one rule for what names a scenario: ``("id", id)`` or ``("file", path)``.

    A path object, or text with a path separator or a dot, is a file; other text is a packaged
    scenario id. A file must end in ``.yaml``, ``.yml`` or ``.json`` (any case); another name
    is refused before it is read, so ``lint`` and ``play`` accept exactly the same paths.
    """
    if isinstance(ref, os.PathLike):
        text, is_file = os.fspath(ref), True
    else:
        text = str(ref)
        seps = {"/", os.sep, os.altsep or "/"}
        is_file = any(s in text for s in seps) or "." in text  # an id has neither
    if not is_file:
        return "id", text
    if not text.lower().endswith(SCENARIO_SUFFIXES):
        raise TrustkitError(
            "this is not a scenario file: a scenario file's name ends in .yaml, .yml or .json.",
            source=text,
        )
    return "file", text


__all__ = [
    "MAX_JSON_BYTES",
    "MAX_YAML_BYTES",
    "SCENARIO_SUFFIXES",
    "SLUG",
    "FieldError",
    "Lines",
    "decode",
    "line_for",
    "packaged_source",
    "parse_json",
    "problems",
    "read_bytes",
    "read_csv_rows",
    "read_json",
    "read_packaged",
    "read_packaged_yaml",
    "read_text",
    "read_yaml",
    "read_yaml_file",
    "scenario_id",
    "scenario_ref",
    "unique_ids",
    "validate",
    "validate_items",
]
