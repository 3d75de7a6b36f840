"""GitHub: workflow-command annotations (`--format github`) and the body of a pull request
review with one-click suggestions (`ci --github-review FILE`, `ci --post`).

How a review is cut into comments
    A suggestion replaces whole lines, so each file's fixes are taken as the change from its
    text to its planned text (every pass of the planner, so fixes that only settle after
    another one are included) and cut into changed line ranges. Ranges that belong together
    are merged into one suggestion: those touched by one edit, those inside findings whose
    line ranges overlap, and ranges that overlap after an insertion is anchored to a line.
    Each remaining range is one comment whose ```suggestion block is the new text of exactly
    those lines.

    A fix that spans several ranges (a `logger` import at the top and the call it serves) is
    offered only if GitHub can take every one of them: with `--diff-base`, each range must
    lie inside one hunk of the pull request's diff. Otherwise its findings get a comment
    holding the change as a ```diff, which applying by hand or `handrail fix` completes.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from handrail.engine.fingerprint import finding_lines, fingerprints
from handrail.engine.gitdiff import DiffBase, FileDiff
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, Finding, Fix, Severity
from handrail.engine.rule import Rule
from handrail.engine.runner import FixResult, ScanResult

# -- annotations -----------------------------------------------------------------------------

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_FIX_HINT = {
    Applicability.SAFE: "safe fix: handrail fix",
    Applicability.UNSAFE: "unsafe fix: handrail fix --unsafe-fixes",
    Applicability.SUGGESTION: "suggested fix: review it before applying",
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, properties: Mapping[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}\n"


def render_annotations(scan: ScanResult, text_of: Callable[[str], str]) -> str:
    out = []
    index_of = cache(lambda path: LineIndex(text_of(path)))
    for finding in scan.findings:
        lines = index_of(finding.path)
        first, last = finding_lines(finding, lines)
        properties: dict[str, object] = {"file": finding.path, "line": first, "endLine": last}
        if first == last:  # GitHub reads columns only on single-line annotations
            properties["col"] = lines.position(finding.start)[1]
            properties["endColumn"] = lines.position(finding.end)[1]
        properties["title"] = finding.rule
        message = finding.message
        if finding.fix is not None:
            message += f" ({_FIX_HINT[finding.fix.applicability]})"
        out.append(_command(_COMMAND[finding.severity], properties, message))
    for error in [*scan.errors, *scan.internal_errors]:
        out.append(_command("error", {"file": error.path, "title": "handrail"}, error.message))
    return "".join(out)


# -- review ------------------------------------------------------------------------------------

_LABEL = {
    Applicability.SAFE: "safe fix",
    Applicability.UNSAFE: "unsafe fix",
    Applicability.SUGGESTION: "suggestion",
}


@dataclass(frozen=True)
class _Unit:
    """One changed range: old lines [old[0], old[1]) become new lines [new[0], new[1]) (0-based)."""

    old: tuple[int, int]
    new: tuple[int, int]
    touch: frozenset[int]  # 1-based old lines it touches (both sides of an insertion point)


@dataclass
class _Cluster:
    units: list[_Unit]
    here: list[Finding] = field(default_factory=list)  # findings located on these lines
    serves: list[Finding] = field(default_factory=list)  # findings elsewhere whose fix edits here

    @property
    def first(self) -> int:
        return min(unit.old[0] for unit in self.units) + 1

    @property
    def last(self) -> int:
        return max(unit.old[1] for unit in self.units)

    @property
    def touch(self) -> frozenset[int]:
        return frozenset().union(*(unit.touch for unit in self.units))

    @property
    def new(self) -> tuple[int, int]:
        """The new lines these old lines become, [start, stop) and 0-based."""
        return min(unit.new[0] for unit in self.units), max(unit.new[1] for unit in self.units)

    def new_lines(self, new: Sequence[str]) -> list[str]:
        start, stop = self.new
        return [line.rstrip("\r\n") for line in new[start:stop]]


class _Groups:
    """Union-find over indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, members: Iterable[int]) -> None:
        roots = [self.find(i) for i in members]
        for root in roots[1:]:
            self.parent[root] = roots[0]

    def groups(self) -> list[list[int]]:
        by_root: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            by_root.setdefault(self.find(i), []).append(i)
        return list(by_root.values())


def _units(old: Sequence[str], new: Sequence[str]) -> list[_Unit]:
    units: list[_Unit] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            # Line-for-line rewrites stay separate, so neighbouring fixes can be taken one by one.
            units.extend(
                _Unit((i1 + k, i1 + k + 1), (j1 + k, j1 + k + 1), frozenset({i1 + k + 1}))
                for k in range(i2 - i1)
            )
        elif i1 == i2:
            # A suggestion replaces existing lines: an insertion carries the line before it along
            # (or, at the top of the file, the line after it).
            if i1 > 0:
                units.append(_Unit((i1 - 1, i1), (j1 - 1, j2), frozenset({i1, i1 + 1})))
            else:
                units.append(_Unit((0, 1), (j1, j2 + 1), frozenset({1})))
        else:
            units.append(_Unit((i1, i2), (j1, j2), frozenset(range(i1 + 1, i2 + 1))))
    return units


def _edit_lines(fix: Fix, lines: LineIndex) -> list[frozenset[int]]:
    """The old lines each edit of a fix touches, in the same terms as `_Unit.touch`."""
    spans = []
    for edit in fix.edits:
        first, column = lines.position(edit.start)
        if edit.start == edit.end:
            spans.append(frozenset({first - 1, first} if column == 1 else {first}))
            continue
        last, end_column = lines.position(edit.end)
        if end_column == 1 and last > first:
            last -= 1
        spans.append(frozenset(range(first, last + 1)))
    return spans


def _clusters(
    findings: Sequence[Finding], lines: LineIndex, old: Sequence[str], new: Sequence[str]
) -> list[_Cluster]:
    units = _units(old, new)
    groups = _Groups(len(units))
    spans = [finding_lines(f, lines) for f in findings]
    together: list[frozenset[int]] = [s for f in findings if f.fix for s in _edit_lines(f.fix, lines)]
    together += [frozenset(range(first, last + 1)) for first, last in _blocks(spans)]
    for lines_set in together:
        groups.join(i for i, unit in enumerate(units) if unit.touch & lines_set)
    for (i, a), (j, b) in itertools.combinations(enumerate(units), 2):
        if a.old[0] < b.old[1] and b.old[0] < a.old[1]:
            groups.join((i, j))
    clusters = [_Cluster(sorted((units[i] for i in group), key=lambda u: u.old)) for group in groups.groups()]
    clusters.sort(key=lambda c: c.first)
    for cluster in clusters:
        touch = cluster.touch
        for finding, (first, last) in zip(findings, spans, strict=True):
            if first <= cluster.last and cluster.first <= last:
                cluster.here.append(finding)
            elif finding.fix and any(touch & s for s in _edit_lines(finding.fix, lines)):
                cluster.serves.append(finding)
    return clusters


def _blocks(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping line ranges merged."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _fence(lines: Sequence[str], info: str) -> str:
    """A fenced block longer than any run of backticks inside it."""
    ticks = max([3, *(len(run) + 1 for line in lines for run in re.findall(r"`+", line))])
    body = "".join(line + "\n" for line in lines)
    return f"{'`' * ticks}{info}\n{body}{'`' * ticks}"


def _paragraphs(text: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in text.strip().split("\n\n"))


class _Writer:
    """Comment bodies for one review."""

    def __init__(self, rules: Mapping[str, type[Rule]], prints: Mapping[int, str]) -> None:
        self.rules = rules
        self.prints = prints

    def section(self, finding: Finding) -> str:
        label = _LABEL[finding.fix.applicability] if finding.fix else "no automatic fix"
        text = f"**{finding.rule}** ({label}): {finding.message}"
        rule = self.rules.get(finding.rule)
        if rule is not None:
            text += (
                f"\n\n<details><summary>Why this matters</summary>\n\n{_paragraphs(rule.why)}\n\n"
                f"`handrail explain {rule.id}` has an example.\n\n</details>"
            )
        return text

    def markers(self, findings: Iterable[Finding]) -> str:
        # Invisible on GitHub; lets a later run recognise comments it already made.
        return "\n".join(f"<!-- handrail:{self.prints[id(f)]} -->" for f in findings)

    @staticmethod
    def caution(findings: Iterable[Finding]) -> str:
        kinds = {f.fix.applicability for f in findings if f.fix}
        if Applicability.UNSAFE in kinds:
            return "An unsafe fix: it can change behaviour. Check it before committing."
        if Applicability.SUGGESTION in kinds:
            return "A suggestion, not a sure fix: check it before committing."
        return ""


@dataclass(frozen=True)
class _Placement:
    """Where GitHub takes comments on one file: anywhere without a diff, else inside its hunks."""

    diff: FileDiff | None

    def fits(self, first: int, last: int) -> bool:
        """Whether a suggestion on lines first..last lies inside one hunk."""
        return self.diff is None or any(a <= first and last <= b for a, b in self.diff.hunks)

    def clamp(self, first: int, last: int) -> tuple[int, int] | None:
        """The part of lines first..last inside a hunk, where it holds a changed line."""
        if self.diff is None:
            return first, last
        for a, b in self.diff.hunks:
            lo, hi = max(first, a), min(last, b)
            if lo <= hi and any(line in self.diff.changed for line in range(lo, hi + 1)):
                return lo, hi
        return None


@dataclass
class _Tally:
    findings: int = 0
    suggestions: int = 0
    as_diff: int = 0  # findings whose fix reaches outside the diff
    unplaced: int = 0  # findings no comment could be placed for


def review(
    scan: ScanResult,
    outcome: FixResult,
    rules: Mapping[str, type[Rule]],
    diff: DiffBase | None,
    cwd: Path,
    note: str | None = None,
    commit: str | None = None,
) -> dict[str, Any]:
    """The JSON body for POST /repos/{owner}/{repo}/pulls/{number}/reviews."""
    planned = {f.result.job.display: f.plan.text for f in outcome.files if f.plan.changed and f.error is None}
    prints = fingerprints(scan.findings, _texts(scan))
    writer = _Writer(rules, dict(zip(map(id, scan.findings), prints, strict=True)))
    tally = _Tally(findings=len(scan.findings))
    comments: list[dict[str, Any]] = []
    by_path: dict[str, list[Finding]] = {}
    for finding in scan.findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, findings in by_path.items():
        source = scan.source(path)
        text = source.text if source else ""
        place = _Placement(diff.of(cwd / path) if diff is not None else None)
        comments += _file_comments(path, findings, text, planned.get(path), writer, place, tally)
    comments.sort(key=lambda c: (c["path"], c["line"]))
    document: dict[str, Any] = {}
    if commit:
        document["commit_id"] = commit
    document["event"] = "COMMENT"
    document["body"] = _summary(scan, tally, len(comments), diff, note)
    document["comments"] = comments
    return document


def _texts(scan: ScanResult) -> Callable[[str], str]:
    def text_of(path: str) -> str:
        source = scan.source(path)
        return source.text if source else ""

    return text_of


def _file_comments(
    path: str,
    findings: list[Finding],
    text: str,
    planned: str | None,
    writer: _Writer,
    place: _Placement,
    tally: _Tally,
) -> list[dict[str, Any]]:
    lines = LineIndex(text)
    old = text.splitlines(keepends=True)
    new = planned.splitlines(keepends=True) if planned is not None else old
    clusters = _clusters(findings, lines, old, new) if planned is not None else []

    # Clusters sharing a finding stand or fall together: half a fix is worse than none.
    groups = _Groups(len(clusters))
    owners: dict[int, list[int]] = {}
    for i, cluster in enumerate(clusters):
        for finding in (*cluster.here, *cluster.serves):
            owners.setdefault(id(finding), []).append(i)
    for members in owners.values():
        groups.join(members)
    offered: set[int] = set()  # ids of findings whose comment is a suggestion's
    fixed_at: dict[int, list[int]] = {}  # finding id -> lines of suggestions holding its fix
    as_diff: dict[int, str] = {}  # finding id -> its fix as a diff, when it cannot be suggested
    comments: list[dict[str, Any]] = []
    for members in groups.groups():
        part = [clusters[i] for i in sorted(members)]
        if all(place.fits(c.first, c.last) for c in part):
            for cluster in part:
                comments.append(_suggestion(path, cluster, new, writer))
                offered.update(id(f) for f in cluster.here)
                for finding in (*cluster.here, *cluster.serves):
                    fixed_at.setdefault(id(finding), []).append(cluster.first)
            tally.suggestions += len(part)
        else:
            shown = _fence([line for c in part for line in _hunk(c, old, new)], "diff")
            for cluster in part:
                for finding in (*cluster.here, *cluster.serves):
                    if finding.fix is not None:
                        as_diff[id(finding)] = shown

    spans = {id(f): finding_lines(f, lines) for f in findings}
    rest = [f for f in findings if id(f) not in offered]
    for first, last in _blocks(spans[id(f)] for f in rest):
        block = [f for f in rest if first <= spans[id(f)][0] and spans[id(f)][1] <= last]
        placed = place.clamp(first, last)
        if placed is None:
            tally.unplaced += len(block)
            continue
        parts = []
        for finding in block:
            parts.append(writer.section(finding))
            if id(finding) in as_diff:
                tally.as_diff += 1
                parts.append(
                    "Its fix also changes lines outside this pull request's diff, so it is not offered "
                    "as a suggestion; `handrail fix` applies it:\n\n" + as_diff[id(finding)]
                )
            elif id(finding) in fixed_at:
                at = sorted(set(fixed_at[id(finding)]))
                where = f"suggestion at line {at[0]}" if len(at) == 1 else f"suggestions at lines {at}"
                parts.append(f"Its fix is in the {where}.")
            elif finding.fix is not None:
                parts.append("Its fix could not be offered as a suggestion here; `handrail fix` applies it.")
        parts.append(writer.markers(block))
        comments.append(_comment(path, *placed, "\n\n".join(parts)))
    return comments


def _suggestion(path: str, cluster: _Cluster, new: Sequence[str], writer: _Writer) -> dict[str, Any]:
    parts = [writer.section(f) for f in cluster.here]
    for finding in cluster.serves:
        parts.append(f"Part of the fix for **{finding.rule}** ({finding.message}).")
    if not cluster.here and not cluster.serves:
        parts.append(
            "Completes the other fixes in this file (`handrail fix` makes this change in a later pass)."
        )
    parts.append(_fence(cluster.new_lines(new), "suggestion"))
    caution = writer.caution((*cluster.here, *cluster.serves))
    if caution:
        parts.append(caution)
    parts.append(writer.markers((*cluster.here, *cluster.serves)))
    return _comment(path, cluster.first, cluster.last, "\n\n".join(p for p in parts if p))


def _hunk(cluster: _Cluster, old: Sequence[str], new: Sequence[str]) -> list[str]:
    """A cluster as the lines of one unified diff hunk."""
    removed = [line.rstrip("\r\n") for line in old[cluster.first - 1 : cluster.last]]
    added = cluster.new_lines(new)
    header = f"@@ -{cluster.first},{len(removed)} +{cluster.new[0] + 1},{len(added)} @@"
    return [header, *("-" + line for line in removed), *("+" + line for line in added)]


def _comment(path: str, first: int, last: int, body: str) -> dict[str, Any]:
    comment: dict[str, Any] = {"path": path}
    if first != last:
        comment.update(start_line=first, start_side="RIGHT")
    comment.update(line=last, side="RIGHT", body=body)
    return comment


def _summary(scan: ScanResult, tally: _Tally, comments: int, diff: DiffBase | None, note: str | None) -> str:
    where = "on the lines this pull request changes" if diff is not None else "in the files checked"
    n = tally.findings
    if n == 0:
        lines = [f"**handrail** found no problems {where}."]
    else:
        lines = [
            f"**handrail** found {n} problem{'' if n == 1 else 's'} {where}: "
            f"{comments} comment{'' if comments == 1 else 's'}, "
            f"{tally.suggestions} with a one-click suggestion."
        ]
        lines.append("")
        for rule, count in sorted(Counter(f.rule for f in scan.findings).items()):
            lines.append(f"- `{rule}`: {count}")
    extra = []
    if tally.as_diff:
        extra.append(
            f"{tally.as_diff} finding{'' if tally.as_diff == 1 else 's'} with a fix that also changes "
            "lines outside the diff: shown as a diff to apply by hand or with `handrail fix`."
        )
    if tally.unplaced:
        extra.append(
            f"{tally.unplaced} finding{'' if tally.unplaced == 1 else 's'} could not be placed on the diff; "
            "`handrail scan` lists them."
        )
    if note:
        extra.append(note)
    errors = [*scan.errors, *scan.internal_errors]
    if errors:
        extra.append(f"{len(errors)} file{'' if len(errors) == 1 else 's'} could not be checked:")
        extra.extend(f"- `{e.path}`: {e.message}" for e in errors)
    if extra:
        lines += ["", *extra]
    return "\n".join(lines)
