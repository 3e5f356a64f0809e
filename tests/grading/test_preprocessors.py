"""Unit tests of trustkit.grading.preprocessors that need no autograde run."""

from __future__ import annotations

import pytest


def test_released_source_drops_the_hidden_tests() -> None:
    pytest.importorskip("nbgrader")
    from trustkit.grading.preprocessors import released_source

    source = "a()\n### BEGIN HIDDEN TESTS\nkey(1)\n### END HIDDEN TESTS\nb()"
    assert released_source(source) == "a()\nb()"
    assert released_source("a()") == "a()"
