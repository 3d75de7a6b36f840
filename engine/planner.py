"""Planning a file's fixes: apply what fits together, re-run the rules, repeat to a fixed point."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from handrail.engine.edits import apply_edits, select_compatible
from handrail.engine.model import Applicability, Finding

MAX_PASSES = 10

# Re-analyses a text and returns its (resolved) findings; supplied by the runner.
Reanalyze = Callable[[str], list[Finding]]


@dataclass
class Plan:
    original: str
    text: str
    applied: list[Finding] = field(default_factory=list)
    # Fixes that still wanted to apply when the passes ran out (always conflicts in practice).
    dropped: list[Finding] = field(default_factory=list)
    # Findings left in the final text (not fixable at the chosen applicability).
    remaining: list[Finding] = field(default_factory=list)
    passes: int = 0

    @property
    def changed(self) -> bool:
        return self.text != self.original


def wanted(findings: list[Finding], minimum: Applicability) -> list[Finding]:
    return [f for f in findings if f.fix is not None and f.fix.applicability >= minimum]


def plan_fixes(
    text: str,
    findings: list[Finding],
    minimum: Applicability,
    reanalyze: Reanalyze,
    newline: str = "\n",
) -> Plan:
    plan = Plan(original=text, text=text)
    current = findings
    while True:
        candidates = wanted(current, minimum)
        if not candidates:
            break
        if plan.passes == MAX_PASSES:
            plan.dropped = candidates
            break
        accepted, _conflicting = select_compatible(candidates)
        edits = [edit for f in accepted if f.fix for edit in f.fix.edits]
        new_text = apply_edits(plan.text, edits, newline)
        plan.passes += 1
        if new_text == plan.text:
            # Fixes that change nothing would loop forever; treat them as not applicable.
            plan.dropped = candidates
            break
        plan.applied.extend(accepted)
        plan.text = new_text
        # Re-run on the new text: conflicting fixes get another chance, and fixes that
        # only make sense after an earlier one (a second import, a new logger) appear.
        current = reanalyze(plan.text)
    plan.remaining = [f for f in current if f not in plan.dropped]
    return plan
