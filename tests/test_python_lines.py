"""Positions read from Python's own parsers (CPython's `ast`, libcst) count lines as Python
does, where a lone carriage return ends a line too: a finding and its fix must still land on
the code they are about."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from handrail.codemods import catalog
from handrail.engine.config import Config
from handrail.engine.lines import PythonLineIndex
from handrail.engine.runner import Settings, scan

CASE = Path(__file__).parent / "cases/django/n-plus-one/per-row-query/before"


def test_a_lone_carriage_return_ends_a_python_line() -> None:
    lines = PythonLineIndex("a = 1\rb = 2\r\nc = 3\n")
    assert [lines.line_text(n) for n in (1, 2, 3)] == ["a = 1", "b = 2", "c = 3"]
    assert lines.offset(2, 1) == 6 and lines.offset(3, 1) == 13


@pytest.mark.parametrize("rule_id", ["django/n-plus-one", "errors/except-print"])
def test_findings_after_a_lone_carriage_return_land_on_their_code(tmp_path: Path, rule_id: str) -> None:
    handler = "\n\ndef safe():\n    try:\n        work()\n    except OSError as e:\n        print(e)\n"
    spans = {}
    for first_line in ("RETRIES = 3\n", "RETRIES = 3\r"):  # the same code, after another line break
        project = tmp_path / repr(first_line)
        shutil.copytree(CASE, project)
        services = project / "shop/services.py"
        text = first_line + services.read_text() + handler
        services.write_bytes(text.encode())
        rules = [rule for rule in catalog() if rule.id == rule_id]
        settings = Settings(paths=[project], cwd=project, config=Config(base=project), rules=rules, jobs=1)
        found = [f for f in scan(settings).findings if f.path == "shop/services.py"]
        spans[first_line] = sorted(text[f.start : f.end] for f in found)
    assert spans["RETRIES = 3\n"] and spans["RETRIES = 3\r"] == spans["RETRIES = 3\n"]
