"""`ci --patch FILE`: every planned fix as one patch that `git apply` takes.

Each file's section opens with a comment line naming the rules whose fixes it holds; git
apply (like patch) skips text between sections, so the comments cost nothing to apply.
"""

from __future__ import annotations

from collections import Counter

from handrail.engine.diff import unified_diff
from handrail.engine.runner import FixResult


def render(outcome: FixResult) -> str:
    parts: list[str] = []
    for file_fix in sorted(outcome.changed, key=lambda f: f.result.job.display):
        source, plan, path = file_fix.result.source, file_fix.plan, file_fix.result.job.display
        assert source is not None  # a planned file kept its text
        by_rule = Counter(finding.rule for finding in plan.applied)
        rules = ", ".join(f"{rule} ({count})" for rule, count in sorted(by_rule.items()))
        parts.append(f"# handrail: {path}: {rules}\n")
        parts.append(unified_diff(source.on_disk(plan.original), source.on_disk(plan.text), path))
    return "".join(parts)
