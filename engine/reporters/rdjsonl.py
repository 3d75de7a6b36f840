"""`--format rdjsonl`: reviewdog's Diagnostic Format, one JSON object per line.

reviewdog counts columns in UTF-8 bytes (handrail counts characters), and ranges end
exclusively. Each edit of a finding's fix becomes one of its `suggestions`, which reviewdog
turns into suggested changes on a pull request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from handrail.engine.lines import LineIndex
from handrail.engine.model import Severity
from handrail.engine.reporters.sarif import information_uri, with_newlines
from handrail.engine.runner import ScanResult

SEVERITY = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def _position(lines: LineIndex, offset: int) -> dict[str, int]:
    line, _ = lines.position(offset)
    start = lines.starts[line - 1]
    return {"line": line, "column": len(lines.text[start:offset].encode("utf-8")) + 1}


def _range(lines: LineIndex, start: int, end: int) -> dict[str, Any]:
    return {"start": _position(lines, start), "end": _position(lines, end)}


def render(scan: ScanResult, text_of: Callable[[str], str]) -> str:
    index_of = cache(lambda path: LineIndex(text_of(path)))
    source_info = {"name": "handrail", "url": information_uri()}
    out = []
    for finding in scan.findings:
        lines = index_of(finding.path)
        diagnostic: dict[str, Any] = {
            "message": finding.message,
            "location": {"path": finding.path, "range": _range(lines, finding.start, finding.end)},
            "severity": SEVERITY[finding.severity],
            "source": source_info,
            "code": {"value": finding.rule},
        }
        if finding.fix is not None:
            source = scan.source(finding.path)
            newline = source.newline if source else "\n"
            diagnostic["suggestions"] = [
                {
                    "range": _range(lines, edit.start, edit.end),
                    "text": with_newlines(edit.replacement, newline),
                }
                for edit in finding.fix.edits
            ]
        out.append(json.dumps(diagnostic, ensure_ascii=False) + "\n")
    return "".join(out)
