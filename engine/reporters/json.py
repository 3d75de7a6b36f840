"""`--format json`: one document, stable field names (version 1)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from handrail.engine.lines import LineIndex
from handrail.engine.model import FileError, Finding
from handrail.engine.runner import ScanResult

VERSION = 1


def finding_dict(finding: Finding, lines: LineIndex) -> dict[str, Any]:
    line, column = lines.position(finding.start)
    end_line, end_column = lines.position(finding.end)
    fix: dict[str, Any] | None = None
    if finding.fix is not None:
        edits = []
        for edit in finding.fix.edits:
            e_line, e_col = lines.position(edit.start)
            e_end_line, e_end_col = lines.position(edit.end)
            edits.append(
                {
                    "line": e_line,
                    "column": e_col,
                    "end_line": e_end_line,
                    "end_column": e_end_col,
                    "replacement": edit.replacement,
                }
            )
        fix = {
            "applicability": finding.fix.applicability.label,
            "description": finding.fix.description,
            "edits": edits,
        }
    return {
        "rule": finding.rule,
        "path": finding.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "message": finding.message,
        "severity": finding.severity.value,
        "fix": fix,
    }


def summary(scan: ScanResult) -> dict[str, Any]:
    by_applicability = Counter(f.fix.applicability.label for f in scan.findings if f.fix is not None)
    return {
        "findings": len(scan.findings),
        "files_with_findings": len({f.path for f in scan.findings}),
        "files_checked": scan.files_checked,
        "fixable": by_applicability["safe"] + by_applicability["unsafe"],
        "safe_fixes": by_applicability["safe"],
        "unsafe_fixes": by_applicability["unsafe"],
        "suggestions": by_applicability["suggestion"],
        "errors": len(scan.errors) + len(scan.internal_errors),
        "by_rule": dict(sorted(Counter(f.rule for f in scan.findings).items())),
    }


def render(scan: ScanResult, text_of: Callable[[str], str]) -> str:
    indexes: dict[str, LineIndex] = {}
    findings = []
    for finding in scan.findings:
        if finding.path not in indexes:
            indexes[finding.path] = LineIndex(text_of(finding.path))
        findings.append(finding_dict(finding, indexes[finding.path]))
    document = {
        "version": VERSION,
        "findings": findings,
        "errors": [_error(e) for e in [*scan.errors, *scan.internal_errors]],
        "summary": summary(scan),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _error(error: FileError) -> dict[str, str]:
    return {"path": error.path, "message": error.message}
