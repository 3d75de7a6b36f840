"""`--format gitlab`: a GitLab Code Quality report (the Code Climate issue subset GitLab reads).

Fingerprints are the stable ones of fingerprint.py, so GitLab's merge request widget tells
new issues from ones that only moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache

from handrail.engine.fingerprint import finding_lines, fingerprints
from handrail.engine.lines import LineIndex
from handrail.engine.model import Severity
from handrail.engine.runner import ScanResult

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def render(scan: ScanResult, text_of: Callable[[str], str]) -> str:
    index_of = cache(lambda path: LineIndex(text_of(path)))
    issues = []
    for finding, fingerprint in zip(scan.findings, fingerprints(scan.findings, text_of), strict=True):
        lines = index_of(finding.path)
        begin, end = finding_lines(finding, lines)
        issues.append(
            {
                "type": "issue",
                "check_name": finding.rule,
                "description": f"{finding.rule}: {finding.message}",
                "categories": ["Bug Risk"],
                "severity": SEVERITY[finding.severity],
                "fingerprint": fingerprint,
                "location": {"path": finding.path, "lines": {"begin": begin, "end": end}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
