"""The class-grading fork server's imports (trustkit/grading/_preload.py)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_preload_skips_the_slow_optional_iri_checker_and_notebooks_still_validate() -> None:
    code = (
        "import sys, trustkit.grading._preload, nbformat\n"
        "assert sys.modules.get('rfc3987_syntax') is None, 'rfc3987_syntax was imported'\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])\n"
        "nbformat.validate(nb)\n"
        "bad = nbformat.v4.new_notebook(); bad.cells = [{'cell_type': 'nonsense'}]\n"
        "try:\n"
        "    nbformat.validate(bad)\n"
        "except nbformat.ValidationError:\n"
        "    print('invalid refused')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "invalid refused" in res.stdout
