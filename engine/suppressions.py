"""Inline suppressions: `// handrail-ignore: rule-id` (or `#` in Python).

- On a line with code, the comment covers findings that start on that line; a comment alone
  on its line covers the next line.
- `handrail-ignore-file: rule-id` in a comment before the first statement covers the file.
- Several selectors may be listed, comma-separated; a selector is a rule id, a family prefix
  (`zod/`) or `all`.

Suppressions are read from comment nodes of the file's ast-grep tree (never from strings),
only when the text mentions the directive at all, and applied after project-wide
resolution, so a suppression is "unused" only when no finding of the final result needs it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ast_grep_py import SgNode

from handrail.engine.languages import Language
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, Edit, Finding, Fix, Severity
from handrail.engine.rule import Example, Rule

if TYPE_CHECKING:
    from handrail.engine.context import FileContext

MARKER = "handrail-ignore"
UNUSED_RULE = "handrail/unused-suppression"
_DIRECTIVE = re.compile(r"handrail-ignore(?P<file>-file)?[ \t]*:[ \t]*(?P<list>[A-Za-z0-9_./\- \t,]*)")
_SELECTOR = re.compile(r"[A-Za-z0-9_./\-]+")
_FILE_PREAMBLE = {"comment", "hash_bang_line"}
# A line holding nothing but a line-level directive, e.g. `  // handrail-ignore: zod/x, errors/`.
_ID = r"[A-Za-z0-9_./\-]+"
_STANDALONE = re.compile(
    rf"^[ \t]*(?P<prefix>//|#)[ \t]*handrail-ignore[ \t]*:[ \t]*(?P<list>{_ID}(?:[ \t]*,[ \t]*{_ID})*)[ \t]*$"
)


@dataclass(frozen=True)
class Selector:
    text: str
    # Removing just this selector from the comment (", zod/x" or "zod/x, "), or the whole
    # directive when it is the only one.
    removal: Edit

    def matches(self, rule_id: str) -> bool:
        wanted = self.text.lower()
        if wanted == "all":
            return True
        if wanted.endswith("/"):
            return rule_id.startswith(wanted)
        return rule_id == wanted or rule_id.startswith(wanted + "/")


@dataclass(frozen=True)
class Suppression:
    start: int  # the directive's span in the text, for reporting it
    end: int
    lines: tuple[int, ...]  # 1-based lines it covers (empty for file-level)
    file_level: bool
    selectors: tuple[Selector, ...]

    def covers(self, finding: Finding, lines: LineIndex) -> Selector | None:
        if not self.file_level and lines.position(finding.start)[0] not in self.lines:
            return None
        return next((s for s in self.selectors if s.matches(finding.rule)), None)


def find_suppressions(root: SgNode, text: str, language: Language, lines: LineIndex) -> list[Suppression]:
    if MARKER not in text:
        return []
    found: list[Suppression] = []
    for comment in root.find_all(kind="comment"):
        body = comment.text()
        match = _DIRECTIVE.search(body)
        if match is None:
            continue
        start, end = comment.range().start.index, comment.range().end.index
        line = lines.position(start)[0]
        file_level = bool(match.group("file"))
        if file_level and not _at_top(comment, language):
            continue
        alone = not lines.line_text(line)[: lines.position(start)[1] - 1].strip()
        covered = () if file_level else ((line, line + 1) if alone else (line,))
        selectors = _selectors(match, start, end, body, text, lines, alone)
        if selectors:
            found.append(Suppression(start, end, covered, file_level, selectors))
    return found


def _at_top(comment: SgNode, language: Language) -> bool:
    parent = comment.parent()
    if parent is None or parent.kind() not in ("program", "module"):
        return False
    for before in comment.prev_all():
        if before.kind() in _FILE_PREAMBLE:
            continue
        # A module docstring may come first in Python.
        if (
            language is Language.PYTHON
            and before.kind() == "expression_statement"
            and before.text()[:1] in "\"'"
        ):
            continue
        return False
    return True


def _selectors(
    match: re.Match[str], start: int, end: int, body: str, text: str, lines: LineIndex, alone: bool
) -> tuple[Selector, ...]:
    items = [
        (m.group(), start + match.start("list") + m.start()) for m in _SELECTOR.finditer(match.group("list"))
    ]
    whole = _whole_removal(start, end, body, match, text, lines, alone)
    if len(items) == 1:
        return (Selector(items[0][0], whole),)
    selectors = []
    for index, (name, offset) in enumerate(items):
        if index + 1 < len(items):
            removal = Edit(offset, items[index + 1][1], "")  # "a, " before the next one
        else:
            previous_end = items[index - 1][1] + len(items[index - 1][0])
            removal = Edit(previous_end, offset + len(name), "")  # ", z" after the previous one
        selectors.append(Selector(name, removal))
    return tuple(selectors)


def _whole_removal(
    start: int, end: int, body: str, match: re.Match[str], text: str, lines: LineIndex, alone: bool
) -> Edit:
    """Delete the directive: the whole line when the comment is alone on it, else the comment
    and the spaces before it. A comment holding more than the directive keeps the rest."""
    rest = (body[: match.start()] + body[match.end() :]).strip(" \t/#*")
    if rest:
        return Edit(start + match.start(), start + match.end(), "")
    if alone:
        line = lines.position(start)[0]
        line_start = lines.offset(line, 1)
        line_end = lines.starts[line] if line < lines.line_count else len(text)
        return Edit(line_start, line_end, "")
    cut = start
    while cut > 0 and text[cut - 1] in " \t":
        cut -= 1
    return Edit(cut, end, "")


def apply_suppressions(
    findings: Sequence[Finding],
    suppressions: Sequence[Suppression],
    text: str,
    path: str,
    selected: Iterable[str],
    known: Iterable[str],
) -> list[Finding]:
    """Drop suppressed findings; report selectors that suppressed nothing (when the rules they
    name were checked in this run) or that name no rule at all."""
    if not suppressions:
        return list(findings)
    lines = LineIndex(text)
    used: set[tuple[int, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        hit = None
        for suppression in suppressions:
            selector = suppression.covers(finding, lines)
            if selector is not None:
                hit = (suppression.start, selector.text)
                break
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
    selected_ids = set(selected)
    if UNUSED_RULE not in selected_ids:
        return kept
    known_ids = set(known)
    for suppression in suppressions:
        for selector in suppression.selectors:
            if (suppression.start, selector.text) in used:
                continue
            named = {rule for rule in known_ids if selector.matches(rule)}
            if not named:
                message = f"`{MARKER}` names `{selector.text}`, which is no rule or prefix of one"
            elif named <= selected_ids:
                message = f"unused suppression: no `{selector.text}` finding here any more"
            else:
                continue  # some of the rules it names were not run: cannot tell
            fix = Fix(Applicability.SAFE, (selector.removal,), "Remove the suppression")
            kept.append(
                Finding(UNUSED_RULE, path, suppression.start, suppression.end, message, Severity.INFO, fix)
            )
    kept.sort(key=lambda f: (f.start, f.end, f.rule))
    return kept


def suppression_comment(text: str, language: Language, finding: Finding) -> Edit:
    """An edit that suppresses `finding`: the rule joins a `handrail-ignore` comment that stands
    alone on the line above, or a new such comment goes there with the line's indentation.

    Adding a second comment line would break the first one: a standalone comment covers only
    the line right below it."""
    lines = LineIndex(text)
    line = lines.position(finding.start)[0]
    prefix = "#" if language is Language.PYTHON else "//"
    if line > 1:
        above = lines.line_text(line - 1)
        match = _STANDALONE.match(above)
        if match and match.group("prefix") == prefix:
            end = lines.offset(line - 1, 1) + match.end("list")
            return Edit(end, end, f", {finding.rule}")
    current = lines.line_text(line)
    indent = current[: len(current) - len(current.lstrip())]
    # "\n" becomes the file's own line ending when the edit is applied.
    return Edit(lines.offset(line, 1), lines.offset(line, 1), f"{indent}{prefix} {MARKER}: {finding.rule}\n")


class UnusedSuppression(Rule):
    """Reported by the engine itself once every other rule has run and been resolved: only then
    is it known whether a suppression still hides anything."""

    id = UNUSED_RULE
    languages = frozenset(Language)
    summary = "A handrail-ignore comment that no longer suppresses any finding"
    why = """
    Suppressions outlive the code they were written for. Once the finding is fixed or the code
    moves, a stale `handrail-ignore` comment silently hides the next real finding of that rule on
    its line, and readers take it as a statement that something there is wrong. A suppression that
    names no rule at all (a typo) hides nothing and gives false comfort.
    """
    fix_safety = Applicability.SAFE
    fix_safety_notes = """
    Safe: the fix removes only the unused selector from the comment, or the whole comment (and its
    line, when it stands alone) when nothing else is left. Suppressions that name rules which were
    not selected in this run are never reported, since handrail cannot tell whether they are used.
    """
    severity = Severity.INFO
    example = Example(
        before=(
            'import { z } from "zod";\n\n'
            "// handrail-ignore: zod/coerce-number\n"
            "export const Name = z.string();\n"
        ),
        after='import { z } from "zod";\n\nexport const Name = z.string();\n',
        path="src/schemas.ts",
        also_select=("zod/coerce-number",),
    )
    notes = """
    Write `// handrail-ignore: rule-id` (`#` in Python) at the end of the line, or alone on the line
    above; several ids or prefixes may be listed with commas (`zod/`, `all`). A comment
    `handrail-ignore-file: rule-id` before the first statement covers the whole file.
    """

    requires = (MARKER,)  # found by the engine among the suppressions; nothing to parse for

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        return ()
