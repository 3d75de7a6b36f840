"""What the `ci` command writes on top of a narrowed scan (see narrowing.py): the patch of
the fixes, SARIF, and the pull-request review."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from handrail.codemods import catalog
from handrail.engine import github_api
from handrail.engine.github_api import PullRequest
from handrail.engine.model import Applicability, FileError
from handrail.engine.narrowing import Narrowed, fix_narrowed, left_out_note
from handrail.engine.reporters import count, github, patch, sarif
from handrail.engine.rule import Rule


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
