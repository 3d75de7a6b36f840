"""Turning a file's proposed fixes into the hunks an interactive review asks about.

A *change* is one fix: the edits of one finding (or of several findings that propose exactly
the same edits, which apply once). A change is never cut into parts, because its edits only
work together (an import at the top and the call below that needs it); its diff may therefore
show several `@@` sections.

A *hunk* is what the review asks about at once: changes whose edits come within a few lines of
each other, the way `git diff` merges nearby changes into one `@@` section. `split` cuts a hunk
back into its changes, the smallest units that can be applied alone.

Edits that several changes share word for word (the same import) neither tie those changes into
one hunk nor make them conflict: `apply_edits` applies an identical edit once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from handrail.engine.diff import unified_diff
from handrail.engine.edits import apply_edits
from handrail.engine.lines import LineIndex
from handrail.engine.model import Edit, Finding

CONTEXT = 3  # lines of context around a change, as in git

_NEWLINE = re.compile(r"\r\n|\n")


@dataclass(frozen=True)
class Change:
    findings: tuple[Finding, ...]
    edits: tuple[Edit, ...]

    @property
    def anchor(self) -> int:
        """Where the change is reported (not where its edits start: an import is not the point)."""
        return min(f.start for f in self.findings)


@dataclass(frozen=True)
class Hunk:
    changes: tuple[Change, ...]

    @cached_property
    def edits(self) -> tuple[Edit, ...]:
        return tuple(sorted({edit for change in self.changes for edit in change.edits}))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for change in self.changes for f in change.findings)

    @property
    def anchor(self) -> int:
        return min(change.anchor for change in self.changes)


def changes_of(findings: Iterable[Finding]) -> list[Change]:
    """One change per distinct fix, in the order of the findings' positions."""
    by_fix: dict[tuple[Edit, ...], list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_fix.setdefault(finding.fix.edits, []).append(finding)
    changes = [Change(tuple(group), edits) for edits, group in by_fix.items()]
    return sorted(changes, key=lambda c: (c.anchor, c.edits))


def conflicts(a: Change, b: Change) -> bool:
    return any(e != f and e.overlaps(f) for e in a.edits for f in b.edits)


def compatible(changes: Sequence[Change]) -> tuple[list[Change], list[Change]]:
    """Split changes into (offered, deferred): no two offered changes overlap.

    Earlier changes win, as in `select_compatible`; a deferred one comes back once the change
    it overlaps is decided (skipped, or applied and the file analysed again).
    """
    offered: list[Change] = []
    deferred: list[Change] = []
    for change in sorted(changes, key=lambda c: (c.edits[0].start, c.anchor)):
        if any(conflicts(change, other) for other in offered):
            deferred.append(change)
        else:
            offered.append(change)
    return sorted(offered, key=lambda c: (c.anchor, c.edits)), deferred


def group(
    changes: Sequence[Change],
    text: str,
    keep_apart: Callable[[Change], bool] = lambda change: False,
    context: int = CONTEXT,
) -> list[Hunk]:
    """Merge changes whose edits are at most 2 * context lines apart (their diffs would touch)
    into hunks; `keep_apart` changes (already split by the user) stay alone."""
    index = LineIndex(text)
    spans = [[_line_span(edit, index) for edit in change.edits] for change in changes]
    parent = list(range(len(changes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(changes):
        for j in range(i + 1, len(changes)):
            b = changes[j]
            if keep_apart(a) or keep_apart(b):
                continue
            own_a = [s for e, s in zip(a.edits, spans[i], strict=True) if e not in b.edits]
            own_b = [s for e, s in zip(b.edits, spans[j], strict=True) if e not in a.edits]
            if any(_near(x, y, context) for x in own_a for y in own_b):
                parent[root(j)] = root(i)
    groups: dict[int, list[Change]] = {}
    for i, change in enumerate(changes):
        groups.setdefault(root(i), []).append(change)
    hunks = [Hunk(tuple(members)) for members in groups.values()]
    return sorted(hunks, key=lambda h: (h.anchor, h.edits))


def split(hunk: Hunk) -> list[Hunk]:
    return [Hunk((change,)) for change in hunk.changes]


def hunk_diff(text: str, edits: Sequence[Edit], newline: str, context: int = CONTEXT) -> str:
    """The `@@` sections (no file header) of applying `edits` to `text`."""
    diff = unified_diff(text, apply_edits(text, edits, newline), "file", context)
    return "".join(diff.splitlines(keepends=True)[3:])


def as_applied(edits: Iterable[Edit], newline: str) -> tuple[Edit, ...]:
    """The edits with the line breaks `apply_edits` will write, deduplicated and sorted, so that
    their lengths are the ones the new text has."""
    if newline == "\n":
        return tuple(sorted(set(edits)))
    return tuple(sorted({Edit(e.start, e.end, _NEWLINE.sub(newline, e.replacement)) for e in edits}))


def shift(position: int, edits: Sequence[Edit]) -> int | None:
    """Where `position` lands once `edits` (as_applied) are applied; None when it lies strictly
    inside a replaced range. Text inserted exactly at `position` goes before it."""
    delta = 0
    for edit in edits:
        if edit.end <= position:
            delta += len(edit.replacement) - (edit.end - edit.start)
        elif edit.start < position:
            return None
        else:
            break
    return position + delta


def moved(position: int, edits: Sequence[Edit]) -> int:
    """Like `shift`, but a position inside a replaced range goes to the end of the replacement."""
    delta = 0
    for edit in edits:
        if edit.end <= position:
            delta += len(edit.replacement) - (edit.end - edit.start)
        elif edit.start < position:
            return edit.start + delta + len(edit.replacement)
        else:
            break
    return position + delta


def _line_span(edit: Edit, index: LineIndex) -> tuple[int, int]:
    """The old lines an edit touches, (first, last) 1-based; last = first - 1 for an insertion
    between two lines."""
    first, column = index.position(edit.start)
    if edit.end == edit.start:
        return (first, first - 1) if column == 1 else (first, first)
    last, end_column = index.position(edit.end)
    return first, last - 1 if end_column == 1 else last


def _near(a: tuple[int, int], b: tuple[int, int], context: int) -> bool:
    # difflib keeps two changes in one group when at most 2 * context equal lines separate them.
    if a > b:
        a, b = b, a
    return b[0] - a[1] - 1 <= 2 * context
