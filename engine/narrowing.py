"""Narrowing findings to new code (`--diff-base REF`, `--baseline FILE`), and fixing what
is left without touching the rest.

Narrowing decides on the findings as first scanned. Fixing then re-analyses each file after
every pass (see planner.py); a finding found again on a line that held a left-out finding of
the same rule at the same column stays left out, so `fix --diff-base` never touches old code.
Findings that only appear after a fix (a follow-up of an applied fix) are kept: the fix that
caused them was wanted.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from handrail.engine.analyze import FileResult
from handrail.engine.fingerprint import finding_lines, fingerprints
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, Finding
from handrail.engine.reporters import count
from handrail.engine.runner import FixResult, Refine, ScanResult, fix

if TYPE_CHECKING:
    from handrail.engine.baseline import Baseline
    from handrail.engine.gitdiff import DiffBase


@dataclass(frozen=True)
class Narrowing:
    diff: DiffBase | None = None
    baseline: Baseline | None = None


@dataclass
class Narrowed:
    scan: ScanResult  # the findings kept, in both `findings` and each file's analysis
    narrowing: Narrowing
    left_out: dict[str, list[Finding]] = field(default_factory=dict)  # display path -> findings
    outside_diff: int = 0
    in_baseline: int = 0

    def text_of(self, display: str) -> str:
        source = self.scan.source(display)
        return source.text if source else ""


def narrow(scan: ScanResult, narrowing: Narrowing, cwd: Path) -> Narrowed:
    if narrowing.diff is None and narrowing.baseline is None:
        return Narrowed(scan, narrowing)
    narrowed = Narrowed(scan, narrowing)
    text_of = narrowed.text_of
    prints: dict[int, str] = {}
    if narrowing.baseline is not None:
        prints = dict(zip(map(id, scan.findings), fingerprints(scan.findings, text_of), strict=True))
    index_of = cache(lambda path: LineIndex(text_of(path)))

    def keeps(finding: Finding) -> bool:
        if narrowing.diff is not None:
            lines = finding_lines(finding, index_of(finding.path))
            if not narrowing.diff.touches(cwd / finding.path, *lines):
                narrowed.outside_diff += 1
                return False
        if narrowing.baseline is not None and prints[id(finding)] in narrowing.baseline.fingerprints:
            narrowed.in_baseline += 1
            return False
        return True

    verdict = {id(f): keeps(f) for f in scan.findings}
    results = []
    for result in scan.results:
        findings = result.analysis.findings
        kept = [f for f in findings if verdict.get(id(f), True)]
        if len(kept) != len(findings):
            narrowed.left_out[result.job.display] = [f for f in findings if not verdict.get(id(f), True)]
            result = replace(result, analysis=replace(result.analysis, findings=kept))
        results.append(result)
    narrowed.scan = replace(
        scan, results=results, findings=[f for f in scan.findings if verdict[id(f)]], _by_display=None
    )
    return narrowed


class _KeptOut:
    """Recognises left-out findings again in a file's text after some fixes were applied."""

    def __init__(self, original: str, left_out: Sequence[Finding]) -> None:
        self.original = original.splitlines(keepends=True)
        lines = LineIndex(original)
        self.positions = {(f.rule, *lines.position(f.start)) for f in left_out}

    def filter(self, text: str, findings: list[Finding]) -> list[Finding]:
        # Lines a fix did not touch are identical, so a finding on one of them has the same
        # column as before; lines a fix rewrote map to nothing, and their findings are new.
        current = text.splitlines(keepends=True)
        old_line: dict[int, int] = {}
        matcher = difflib.SequenceMatcher(None, self.original, current, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for offset in range(size):
                old_line[b + offset + 1] = a + offset + 1
        lines = LineIndex(text)
        kept = []
        for finding in findings:
            line, column = lines.position(finding.start)
            if (finding.rule, old_line.get(line, 0), column) not in self.positions:
                kept.append(finding)
        return kept


def fix_narrowed(narrowed: Narrowed, minimum: Applicability, write: bool) -> FixResult:
    """`runner.fix`, keeping left-out findings out of every pass (not only the first)."""
    if not narrowed.left_out:
        return fix(narrowed.scan, minimum, write)

    def refine_for(result: FileResult) -> Refine | None:
        left_out = narrowed.left_out.get(result.job.display, ())
        if not left_out or result.source is None:
            return None
        return _KeptOut(result.source.text, left_out).filter

    return fix(narrowed.scan, minimum, write, refine_for)


def left_out_note(narrowed: Narrowed, verb: str = "not reported") -> str | None:
    """One sentence on what narrowing left out, or None when it left nothing out."""
    parts = []
    diff, baseline = narrowed.narrowing.diff, narrowed.narrowing.baseline
    if diff is not None and narrowed.outside_diff:
        parts.append(f"{narrowed.outside_diff} on lines unchanged since {diff.ref}")
    if baseline is not None and narrowed.in_baseline:
        parts.append(f"{narrowed.in_baseline} recorded in {baseline.path}")
    if not parts:
        return None
    total = narrowed.outside_diff + narrowed.in_baseline
    return f"{count(total, 'more finding')} {verb}: {' and '.join(parts)}."
