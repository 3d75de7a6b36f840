"""Stable fingerprints: the same finding gets the same string after unrelated lines move.

A fingerprint hashes what identifies a finding to a person: the rule, the file, the matched
text and the whole lines it sits on (`z.number()` on `age:` is not the one on `limit:`), with
whitespace normalised (re-indenting is not a change) and never a line number. Neighbouring
lines are left out on purpose: in a schema every field is a neighbour, and editing one must
not make the others look new to a baseline. Identical findings in one file (a pasted block)
are told apart by their order among themselves.

Used by SARIF (`partialFingerprints`), GitLab Code Quality, review comments and baselines.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from handrail.engine.lines import LineIndex
from handrail.engine.model import Finding

VERSION = "v1"  # part of every hash: changing the recipe must change every fingerprint


def _normal(text: str) -> str:
    return " ".join(text.split())


def finding_lines(finding: Finding, lines: LineIndex) -> tuple[int, int]:
    """First and last line a finding covers (a match ending with a line break stops before it)."""
    first, _ = lines.position(finding.start)
    last, column = lines.position(finding.end)
    if column == 1 and last > first:
        last -= 1
    return first, last


def _recipe(finding: Finding, lines: LineIndex) -> str:
    first, last = finding_lines(finding, lines)
    return "\0".join(
        (
            VERSION,
            finding.rule,
            finding.path,
            _normal(lines.text[finding.start : finding.end]),
            _normal("\n".join(lines.line_text(n) for n in range(first, last + 1))),
        )
    )


def fingerprints(findings: Sequence[Finding], text_of: Callable[[str], str]) -> list[str]:
    """One fingerprint per finding, in the order given; `text_of(path)` is the file's text."""
    by_path: dict[str, list[int]] = defaultdict(list)
    for index, finding in enumerate(findings):
        by_path[finding.path].append(index)
    result = [""] * len(findings)
    for path, indexes in by_path.items():
        lines = LineIndex(text_of(path))
        seen: Counter[str] = Counter()
        # Occurrences are numbered in text order, whatever order the caller passed.
        for index in sorted(indexes, key=lambda i: (findings[i].start, findings[i].end, findings[i].rule)):
            recipe = _recipe(findings[index], lines)
            seen[recipe] += 1
            digest = hashlib.sha256(f"{recipe}\0{seen[recipe]}".encode()).hexdigest()
            result[index] = digest[:32]
    return result
