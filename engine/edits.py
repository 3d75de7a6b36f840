"""Choosing fixes that can apply together, and applying them to a text."""

from __future__ import annotations

import difflib
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


def edits_between(old: str, new: str) -> tuple[Edit, ...]:
    """Line-level edits that turn `old` into `new`, for fixers that rewrite a whole module
    (libcst): untouched lines keep their exact text, and overlapping fixes stay detectable."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    # Lines both texts open and close with are left out of the matching: a fixer changes a
    # few places of a module, and SequenceMatcher costs up to quadratic time in the lines it
    # is given (blank lines are everywhere).
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
            # libcst writes new lines with the file's newline; the engine expects "\n".
            edits.append(Edit(starts[i1], starts[i2], "".join(b[j1:j2]).replace("\r\n", "\n")))
    return tuple(edits)
