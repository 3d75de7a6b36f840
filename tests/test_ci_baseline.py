"""`--baseline FILE`: record today's findings, then report (and fix) only new ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_handrail
from tests.test_cli import ROUTE

NEW_FIELD = "  offset: z.number().optional(),\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "users.ts").write_text(ROUTE)
    return tmp_path


def _add_field_and_move_everything(route: Path) -> str:
    text = "// moved by a new header\n\n" + ROUTE.replace("  limit:", NEW_FIELD + "  limit:")
    route.write_text(text)
    return text


def test_record_then_report_only_new_findings(project: Path) -> None:
    recorded = run_handrail(["scan", "--write-baseline", "baseline.json"], project)
    assert recorded.exit_code == 0, recorded.stderr
    assert recorded.stdout == "" and "Recorded 2 findings in baseline.json." in recorded.stderr
    document = json.loads((project / "baseline.json").read_text())
    assert document["tool"] == "handrail" and document["version"] == 1
    assert [(e["path"], e["rule"]) for e in document["findings"]] == [
        ("src/users.ts", "zod/coerce-number")
    ] * 2
    assert all("line" not in e for e in document["findings"])  # moving code does not churn the file

    clean = run_handrail(["scan", "--baseline", "baseline.json"], project)
    assert clean.exit_code == 0
    assert "2 more findings not reported: 2 recorded in baseline.json." in clean.stdout

    _add_field_and_move_everything(project / "src" / "users.ts")
    result = run_handrail(["scan", "--format", "json", "--baseline", "baseline.json"], project)
    assert result.exit_code == 1
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["line"], finding["rule"]) == (8, "zod/coerce-number")


def test_fix_with_a_baseline_fixes_only_new_findings(project: Path) -> None:
    assert run_handrail(["scan", "--write-baseline", "baseline.json"], project).exit_code == 0
    route = project / "src" / "users.ts"
    text = _add_field_and_move_everything(route)
    result = run_handrail(["fix", "--baseline", "baseline.json"], project)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert route.read_text() == text.replace("offset: z.number()", "offset: z.coerce.number()")


def test_baseline_mistakes_are_usage_errors(project: Path) -> None:
    missing = run_handrail(["scan", "--baseline", "nope.json"], project)
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert "nope.json: no such file" in missing.stderr and "--write-baseline" in missing.stderr
    (project / "bad.json").write_text('{"findings": []}')
    bad = run_handrail(["scan", "--baseline", "bad.json"], project)
    assert bad.exit_code == 2 and "not a handrail baseline" in bad.stderr
    (project / "broken.json").write_text("{")
    assert "not JSON" in run_handrail(["scan", "--baseline", "broken.json"], project).stderr
    both = run_handrail(["scan", "--baseline", "bad.json", "--write-baseline", "bad.json"], project)
    assert both.exit_code == 2 and "--write-baseline records every finding" in both.stderr
    assert (project / "bad.json").read_text() == '{"findings": []}'
