"""docs/cli.md is generated from --help: it must match the command as it is now."""

from __future__ import annotations

import importlib.util

from ..conftest import ROOT


def test_cli_docs_are_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location("cli_docs", ROOT / "scripts" / "cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/cli.md is out of date: run python scripts/cli_docs.py"
