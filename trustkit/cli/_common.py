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
    from trustkit import loading

    return loading.read_json(path, max_bytes, "JSON file")
