"""Choosing fixes that can apply together, and applying them to a text."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from handrail.engine.model import Edit, Finding, Fix

_NEWLINE = re.compile(r"\r\n|\n")


def select_compatible(findings: Sequence[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split fixable findings into (accepted, conflicting) with no two accepted fixes overlapping.

    Earlier fixes in the text win, which keeps the outcome independent of rule order.
    """
    accepted: list[Finding] = []
    conflicting: list[Finding] = []
    taken: list[Fix] = []
    for finding in sorted(findings, key=lambda f: (_fix(f).span, f.rule)):
        fix = _fix(finding)
        if any(fix == other for other in taken):
            # Two findings proposing the identical change (e.g. one chain matched twice): apply once.
            accepted.append(finding)
        elif any(fix.overlaps(other) for other in taken):
            conflicting.append(finding)
        else:
            accepted.append(finding)
            taken.append(fix)
    return accepted, conflicting


def apply_edits(text: str, edits: Sequence[Edit], newline: str = "\n") -> str:
    """Apply non-overlapping edits; inserted line breaks follow the file's own style."""
    unique = sorted(set(edits))
    for a, b in itertools.pairwise(unique):
        if a.overlaps(b):
            raise ValueError(f"overlapping edits at {a.start} and {b.start}")
    parts: list[str] = []
    cursor = 0
    for edit in unique:
        parts.append(text[cursor : edit.start])
        parts.append(_NEWLINE.sub(newline, edit.replacement) if newline != "\n" else edit.replacement)
        cursor = edit.end
    parts.append(text[cursor:])
    return "".join(parts)


def _fix(finding: Finding) -> Fix:
    assert finding.fix is not None
    return finding.fix
