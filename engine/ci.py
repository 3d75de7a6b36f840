"""What CI runs on top of a scan: narrowing findings to new code, planning fixes that respect
the narrowing, and writing the `ci` command's files (patch, SARIF, review).

Narrowing (`--diff-base REF`, `--baseline FILE`) decides on the findings as first scanned.
Fixing then re-analyses each file after every pass (see planner.py); a finding found again on
a line that held a left-out finding of the same rule at the same column stays left out, so
`fix --diff-base` never touches old code. Findings that only appear after a fix (a follow-up
of an applied fix) are kept: the fix that caused them was wanted.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from handrail.codemods import catalog
from handrail.engine import github_api
from handrail.engine.analyze import FileResult
from handrail.engine.baseline import Baseline
from handrail.engine.fingerprint import finding_lines, fingerprints
from handrail.engine.gitdiff import DiffBase
from handrail.engine.github_api import PullRequest
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, FileError, Finding
from handrail.engine.reporters import github, patch, sarif
from handrail.engine.reporters.text import count
from handrail.engine.rule import Rule
from handrail.engine.runner import FixResult, Refine, ScanResult, fix


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


@dataclass(frozen=True)
class Outputs:
    patch: Path | None = None
    sarif: Path | None = None
    review: Path | None = None
    pull_request: PullRequest | None = None  # post the review to it


@dataclass
class Produced:
    """What `ci` made, for its closing lines and exit status."""

    messages: list[str] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)  # fixes refused while planning the patch
    internal_errors: list[FileError] = field(default_factory=list)


def produce(
    narrowed: Narrowed,
    outputs: Outputs,
    rules: Sequence[type[Rule]],
    minimum: Applicability,
    cwd: Path,
    commit: str | None,
) -> Produced:
    """Write the requested files and post the review; OSError and PostError propagate."""
    produced = Produced()
    if outputs.patch is not None:
        outcome = fix_narrowed(narrowed, minimum, write=False)
        produced.errors += outcome.errors
        produced.internal_errors += outcome.internal_errors
        _write(outputs.patch, patch.render(outcome))
        produced.messages.append(f"wrote {outputs.patch}: fixes for {count(len(outcome.changed), 'file')}")
    if outputs.sarif is not None:
        _write(outputs.sarif, sarif.render(narrowed.scan, narrowed.text_of, rules, cwd))
        produced.messages.append(f"wrote {outputs.sarif}: {count(len(narrowed.scan.findings), 'result')}")
    if outputs.review is None and outputs.pull_request is None:
        return produced
    # A review offers every fix, suggestions included: a person decides on each one.
    outcome = fix_narrowed(narrowed, Applicability.SUGGESTION, write=False)
    by_id = {rule.id: rule for rule in catalog()}
    document = github.review(
        narrowed.scan, outcome, by_id, narrowed.narrowing.diff, cwd, left_out_note(narrowed), commit
    )
    if outputs.review is not None:
        _write(outputs.review, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        produced.messages.append(f"wrote {outputs.review}: {count(len(document['comments']), 'comment')}")
    if outputs.pull_request is not None:
        pr = outputs.pull_request
        fresh = github_api.unposted(document, github_api.posted_markers(pr))
        if not fresh["comments"]:
            produced.messages.append(f"nothing new to post on pull request #{pr.number}")
        else:
            url = github_api.post_review(pr, fresh)
            posted = count(len(fresh["comments"]), "comment")
            produced.messages.append(f"posted a review with {posted}: {url}")
    return produced


def _write(path: Path, text: str) -> None:
    # newline="" keeps CRLFs of patched files exactly as they are: git apply compares bytes.
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
