"""CSV cells no spreadsheet will run: the one escaping rule for every CSV trustkit writes.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (OWASP, "CSV Injection"); a student named ``=HYPERLINK(...)`` would run in
the teacher's spreadsheet. :func:`safe_cell` puts an apostrophe in front of such text, so the
spreadsheet shows it as text. The full-width forms (``＝ ＋ － ＠``) are included because some
spreadsheet programs treat them alike.

Numbers stay numbers: an ``int`` or ``float``, and text that is nothing but a plain decimal
number (``-0.50``, ``+3``, ``1e-3``), is written as it is - a negative number is not a formula,
and ``'-0.50`` would no longer sum.

Used by ``trustkit.progress`` (``History.export_csv``), ``trustkit.grading.report``
(``scores.csv``) and ``trustkit.grading.lms`` (Canvas and Moodle exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Text that a spreadsheet reads as a number and nothing else (ASCII digits only).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def safe_cell(value: object) -> str | int | float:
    """A CSV cell that no spreadsheet will run as a formula.

    ``None`` is the empty cell; ``int`` and ``float`` (not ``bool``) are returned unchanged;
    anything else becomes text, with a leading ``'`` when it starts like a formula and is not a
    plain number.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[str | int | float]:
    """:func:`safe_cell` applied to every cell of a row."""
    return [safe_cell(v) for v in values]
