"""`ci --sarif FILE`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Every selected rule is described in `tool.driver.rules` (results point at them by index);
results carry stable `partialFingerprints` (see fingerprint.py) so that code scanning
follows an alert across commits, and `fixes` holding the rule's edits. Columns count
Unicode code points, as handrail's do, and say so (`columnKind`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from handrail.codemods import catalog
from handrail.engine import __version__
from handrail.engine.fingerprint import fingerprints
from handrail.engine.lines import LineIndex
from handrail.engine.model import Edit, Finding, Severity
from handrail.engine.rule import Rule
from handrail.engine.runner import ScanResult

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "handrail/v1"
SRCROOT = "SRCROOT"
_NEWLINE = re.compile(r"\r\n|\n")
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def information_uri() -> str:
    """The project's home page from the package metadata, else its package index page."""
    try:
        urls = metadata.metadata("handrail").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "repository", "source"} and url.strip():
            return url.strip()
    return "https://pypi.org/project/handrail/"


def render(scan: ScanResult, text_of: Callable[[str], str], rules: Sequence[type[Rule]], cwd: Path) -> str:
    described = _described(rules, {f.rule for f in scan.findings})
    index = {rule.id: i for i, rule in enumerate(described)}
    index_of = cache(lambda path: LineIndex(text_of(path)))
    results = []
    for finding, fingerprint in zip(scan.findings, fingerprints(scan.findings, text_of), strict=True):
        lines = index_of(finding.path)
        source = scan.source(finding.path)
        results.append(_result(finding, fingerprint, lines, index, source.newline if source else "\n"))
    errors = [*scan.errors, *scan.internal_errors]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "handrail",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": information_uri(),
                "rules": [_descriptor(rule) for rule in described],
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {
                "uri": cwd.as_uri().rstrip("/") + "/",
                "description": {"text": "The folder handrail ran in; result paths are relative to it."},
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not scan.internal_errors,
                "toolExecutionNotifications": [
                    {
                        "level": "error",
                        "message": {"text": error.message},
                        "locations": [{"physicalLocation": {"artifactLocation": _artifact(error.path)}}],
                    }
                    for error in errors
                ],
            }
        ],
        "results": results,
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _described(rules: Sequence[type[Rule]], reported: set[str]) -> list[type[Rule]]:
    """The selected rules, plus any rule a finding came from without being selected (the
    engine's own `handrail/unused-suppression`, say), so that every ruleIndex resolves."""
    chosen = {rule.id for rule in rules}
    extra = [rule for rule in catalog() if rule.id in reported and rule.id not in chosen]
    return [*rules, *extra]


def _artifact(path: str) -> dict[str, str]:
    posix = PurePosixPath(path)
    if posix.is_absolute():
        return {"uri": posix.as_uri()}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def _region(lines: LineIndex, start: int, end: int) -> dict[str, int]:
    line, column = lines.position(start)
    end_line, end_column = lines.position(end)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _result(
    finding: Finding, fingerprint: str, lines: LineIndex, index: dict[str, int], newline: str
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path),
                    "region": _region(lines, finding.start, finding.end),
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.fix is not None:
        description = finding.fix.description or f"Fix {finding.rule}"
        result["fixes"] = [
            {
                "description": {"text": f"{description} ({finding.fix.applicability.label} fix)"},
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(finding.path),
                        "replacements": [_replacement(edit, lines, newline) for edit in finding.fix.edits],
                    }
                ],
            }
        ]
    return result


def with_newlines(replacement: str, newline: str) -> str:
    """A replacement with the file's own line breaks, as the engine writes it."""
    return _NEWLINE.sub(newline, replacement) if newline != "\n" else replacement


def _replacement(edit: Edit, lines: LineIndex, newline: str) -> dict[str, Any]:
    text = with_newlines(edit.replacement, newline)
    return {"deletedRegion": _region(lines, edit.start, edit.end), "insertedContent": {"text": text}}


def _descriptor(rule: type[Rule]) -> dict[str, Any]:
    family = rule.id.split("/", 1)[0]
    return {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(rule.why.split())},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": sorted({"handrail", family, *(lang.value for lang in rule.languages)}),
            "fix_safety": rule.fix_safety.label,
        },
    }


def _paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n"))


def help_text(rule: type[Rule]) -> str:
    safety = f"Fix safety: {rule.fix_safety.label}. {_paragraphs(rule.fix_safety_notes)}"
    return "\n\n".join((rule.summary, _paragraphs(rule.why), safety))


def help_markdown(rule: type[Rule]) -> str:
    example = rule.example
    fence = "```"
    lang = "python" if example.path.endswith(".py") else "ts"
    parts = [
        f"**{rule.summary}**",
        _paragraphs(rule.why),
        f"Before (`{example.path}`):\n\n{fence}{lang}\n{example.before.rstrip()}\n{fence}",
        f"After:\n\n{fence}{lang}\n{example.after.rstrip()}\n{fence}",
        f"**Fix safety: {rule.fix_safety.label}.** {_paragraphs(rule.fix_safety_notes)}",
    ]
    if rule.notes:
        parts.append(_paragraphs(rule.notes))
    parts.append(f"`handrail explain {rule.id}` shows this page in a terminal.")
    return "\n\n".join(parts)
