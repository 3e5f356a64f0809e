"""What every ``trustkit`` command shares: one JSON printer, one way to read and write files.

Every problem becomes a :class:`~trustkit.errors.TrustkitError` naming the file (and the line
where there is one); :func:`trustkit.cli.main` prints it as one line and exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path

from trustkit.errors import TrustkitError

MAX_TRANSCRIPT_BYTES = 8 * 1024 * 1024


def print_json(data: object) -> None:
    """The one ``--json`` printer: indented, UTF-8 kept as it is."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def write_json(path: str, data: object) -> None:
    """Write JSON atomically; a failure is one sentence naming the file."""
    from trustkit.work import atomic_write_text

    try:
        atomic_write_text(Path(path), json.dumps(data, indent=2, ensure_ascii=False))
    except OSError as exc:
        raise TrustkitError(f"{path}: cannot write the file ({exc.strerror}).") from None


def read_json_file(path: str, max_bytes: int = MAX_TRANSCRIPT_BYTES) -> object:
    """Read a JSON file; every problem becomes one TrustkitError line naming the file."""
    p = Path(path)
    try:
        if p.is_dir():
            raise TrustkitError(f"{path}: this is a folder, not a file.")
        if p.stat().st_size > max_bytes:
            raise TrustkitError(f"{path}: the file is larger than {max_bytes // 1048576} MiB.")
        raw = p.read_bytes()
    except FileNotFoundError:
        raise TrustkitError(f"{path}: no such file.") from None
    except OSError as exc:
        raise TrustkitError(f"{path}: cannot read the file ({exc.strerror}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TrustkitError(f"{path}:{line}: the file is not valid UTF-8 text.") from None
    if not text.strip():
        raise TrustkitError(f"{path}:1: the file is empty.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrustkitError(f"{path}:{exc.lineno}: this is not valid JSON ({exc.msg}).") from None
    except RecursionError:
        raise TrustkitError(f"{path}:1: the JSON is nested too deeply.") from None
