"""One file under interactive review: its state, and the decisions that change it.

A `FileState` is immutable: the file's text with the changes accepted so far, the findings of
that text, and what was decided. Applying a change analyses the file again, so a change that
depends on it (a second logger call once the first one added the import) is offered with its
updated fix. Findings decided without being fixed (skipped, refused, or left alone by the user's
edit of their hunk) are remembered by (rule, start, end), moved along with every later edit, so
they stay decided while the text around them changes. Each transition returns a
new state, or the reason it was refused; undo is keeping the old state.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from handrail.engine.analyze import FileResult
from handrail.engine.edits import apply_edits
from handrail.engine.hunks import Hunk, as_applied, changes_of, compatible, group, moved, shift
from handrail.engine.lines import LineIndex
from handrail.engine.model import Edit, Finding
from handrail.engine.suppressions import suppression_comment
from handrail.engine.syntax import first_problem

Key = tuple[str, int, int]  # a finding's (rule, start, end) in the current text
Cursor = tuple[int, int]  # the hunk in view: (anchor, rank among hunks with that anchor)
Reanalyze = Callable[[str], list[Finding]]


class Action(enum.Enum):
    APPLIED = "applied"
    EDITED = "applied (edited)"
    SKIPPED = "skipped"
    SUPPRESSED = "suppressed"
    REFUSED = "refused"


@dataclass(frozen=True)
class Decision:
    rule: str
    action: Action


@dataclass(frozen=True)
class FileState:
    text: str
    findings: tuple[Finding, ...]
    decided: frozenset[Key] = frozenset()  # findings not to offer again
    apart: frozenset[Key] = frozenset()  # findings the user split off into hunks of their own
    # Where the user's own edits went, per rule: that rule's findings there are the user's call.
    edited: frozenset[Key] = frozenset()
    cursor: Cursor = (0, 0)
    decisions: tuple[Decision, ...] = ()


def key_of(finding: Finding) -> Key:
    return finding.rule, finding.start, finding.end


class FileReview:
    def __init__(self, result: FileResult, reanalyze: Reanalyze, left_out: Iterable[Finding] = ()) -> None:
        """`left_out`: findings never to offer (narrowed away by --baseline or --diff-base); they
        are followed through every edit like skipped ones, since re-analysis finds them again."""
        assert result.source is not None
        self.job, self.source, self.reanalyze = result.job, result.source, reanalyze
        self.state = FileState(
            result.source.text, tuple(result.analysis.findings), decided=frozenset(map(key_of, left_out))
        )

    @property
    def display(self) -> str:
        return self.job.display

    @property
    def changed(self) -> bool:
        return self.state.text != self.source.text

    def line_of(self, finding: Finding) -> int:
        return _lines(self.state.text).position(finding.start)[0]

    def pending(self) -> list[Finding]:
        """Findings with a fix that nothing was decided about yet."""
        state = self.state
        return [
            f
            for f in state.findings
            if f.fix is not None
            and key_of(f) not in state.decided
            and not any(r == f.rule and a <= f.start <= b for r, a, b in state.edited)
        ]

    def hunks(self) -> list[Hunk]:
        """What to ask about now. Changes that overlap an earlier one wait until it is decided."""
        offered, _waiting = compatible(changes_of(self.pending()))
        apart = self.state.apart
        return group(offered, self.state.text, lambda c: any(key_of(f) in apart for f in c.findings))

    def position(self, hunks: Sequence[Hunk], wrap: bool = True) -> int | None:
        """The hunk at or after the cursor; past the last one, back to the first (like git)."""
        for position, cursor in enumerate(_cursors(hunks)):
            if cursor >= self.state.cursor:
                return position
        return 0 if wrap and hunks else None

    def look_at(self, hunks: Sequence[Hunk], position: int) -> FileState:
        return replace(self.state, cursor=_cursors(hunks)[position])

    def skip(self, findings: Sequence[Finding], action: Action = Action.SKIPPED) -> FileState:
        state = replace(self.state, decided=self.state.decided | {key_of(f) for f in findings})
        return _record(state, findings, action)

    def split(self, hunk: Hunk) -> FileState:
        return replace(self.state, apart=self.state.apart | {key_of(f) for f in hunk.findings})

    def apply(self, hunk: Hunk, edits: Sequence[Edit] | None = None) -> FileState | str:
        """Apply a hunk, or the user's edit of it, and analyse the file again."""
        if edits is None:
            new = self._change(hunk.edits)
            return new if isinstance(new, str) else _record(new, hunk.findings, Action.APPLIED)
        new = self._change(edits, decided=hunk.findings)
        if isinstance(new, str):
            return new
        # Where the user's edit went, that rule's findings are the user's call from now on.
        spans = _new_spans(as_applied(edits, self.source.newline))
        new = replace(new, edited=new.edited | {(f.rule, a, b) for f in hunk.findings for a, b in spans})
        # A finding the edit left in place was skipped, not fixed.
        left = set(self._surviving(hunk.findings, edits, new))
        new = _record(new, [f for f in hunk.findings if f not in left], Action.EDITED)
        return _record(new, [f for f in hunk.findings if f in left], Action.SKIPPED)

    def suppress(self, hunk: Hunk) -> FileState | str:
        """Add a `handrail-ignore` comment above each finding of the hunk."""
        by_line: dict[int, list[tuple[Edit, str]]] = {}
        for finding in hunk.findings:
            edit = suppression_comment(self.state.text, self.job.language, finding)
            by_line.setdefault(edit.start, []).append((edit, finding.rule))
        edits = [_merge_comments(comments) for comments in by_line.values()]
        new = self._change(edits)
        if isinstance(new, str):
            return new
        for finding in self._surviving(hunk.findings, edits, new):
            return (
                f"a comment above line {self.line_of(finding)} would not hide it "
                "(is the line inside a string or JSX text?)"
            )
        return _record(new, hunk.findings, Action.SUPPRESSED)

    def _change(self, edits: Sequence[Edit], decided: Sequence[Finding] = ()) -> FileState | str:
        """The state once `edits` are applied (and `decided` findings are not offered again)."""
        state, newline = self.state, self.source.newline
        applied = as_applied(edits, newline)
        text = apply_edits(state.text, applied, newline)
        if text == state.text:
            return "it changes nothing"
        problem = first_problem(text, self.job.language)
        if problem is not None:
            return f"the file would have a {problem}"

        def carry(keys: Iterable[Key]) -> frozenset[Key]:
            kept = set()
            for rule, start, end in keys:
                new_start, new_end = shift(start, applied), shift(end, applied)
                if new_start is not None and new_end is not None:
                    kept.add((rule, new_start, new_end))
            return frozenset(kept)

        anchor, rank = state.cursor
        return replace(
            state,
            text=text,
            findings=tuple(self.reanalyze(text)),
            decided=carry([*state.decided, *map(key_of, decided)]),
            apart=carry(state.apart),
            edited=carry(state.edited),
            cursor=(moved(anchor, applied), rank),
        )

    def _surviving(self, findings: Sequence[Finding], edits: Sequence[Edit], new: FileState) -> list[Finding]:
        """Those of `findings` that the new state still reports at the same place."""
        applied = as_applied(edits, self.source.newline)
        still = {key_of(f) for f in new.findings}
        return [f for f in findings if (f.rule, shift(f.start, applied), shift(f.end, applied)) in still]


@lru_cache(maxsize=8)
def _lines(text: str) -> LineIndex:
    return LineIndex(text)


def _record(state: FileState, findings: Sequence[Finding], action: Action) -> FileState:
    return replace(state, decisions=state.decisions + tuple(Decision(f.rule, action) for f in findings))


def _cursors(hunks: Sequence[Hunk]) -> list[Cursor]:
    seen: Counter[int] = Counter()
    cursors = []
    for hunk in hunks:
        cursors.append((hunk.anchor, seen[hunk.anchor]))
        seen[hunk.anchor] += 1
    return cursors


def _new_spans(edits: Sequence[Edit]) -> list[tuple[int, int]]:
    """Where each edit's replacement lies in the new text (edits as_applied)."""
    spans, delta = [], 0
    for edit in edits:
        start = edit.start + delta
        spans.append((start, start + len(edit.replacement)))
        delta += len(edit.replacement) - (edit.end - edit.start)
    return spans


def _merge_comments(comments: list[tuple[Edit, str]]) -> Edit:
    """One `handrail-ignore` comment naming every rule suppressed on a line: two comment lines
    would each cover only the line below them, the second comment and not the code."""
    first, rules = comments[0][0], list(dict.fromkeys(rule for _, rule in comments))
    if len(rules) == 1:
        return first
    head = first.replacement[: first.replacement.rindex(":")]
    return Edit(first.start, first.end, f"{head}: {', '.join(rules)}\n")
