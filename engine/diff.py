"""Unified diffs that `git apply` accepts, byte for byte (CRLF lines and missing final newlines)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """A git-style diff of one file; `path` is POSIX and relative to where `git apply` runs."""
    if old == new:
        return ""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    out = [f"diff --git a/{path} b/{path}\n", f"--- a/{path}\n", f"+++ b/{path}\n"]
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        out.append(_hunk_header(group))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(_lines(" ", a[i1:i2]))
                continue
            if tag in ("replace", "delete"):
                out.extend(_lines("-", a[i1:i2]))
            if tag in ("replace", "insert"):
                out.extend(_lines("+", b[j1:j2]))
    return "".join(out)


def _lines(prefix: str, lines: list[str]) -> Iterator[str]:
    for line in lines:
        if line.endswith("\n"):
            yield prefix + line
        else:
            yield prefix + line + "\n" + NO_NEWLINE


def _hunk_header(group: list[tuple[str, int, int, int, int]]) -> str:
    first, last = group[0], group[-1]
    old_start, old_len = first[1], last[2] - first[1]
    new_start, new_len = first[3], last[4] - first[3]
    return f"@@ -{_range(old_start, old_len)} +{_range(new_start, new_len)} @@\n"


def _range(start: int, length: int) -> str:
    # Unified diff counts lines from 1; an empty range names the line before it.
    if length == 0:
        return f"{start},0"
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1},{length}"
