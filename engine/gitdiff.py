"""Which lines changed since the merge-base with a git revision (`--diff-base REF`).

The diff is `git diff <merge-base>`: the working tree against the commit where the branch
left REF, which is what a pull request shows. Uncommitted changes to tracked files count;
untracked files do not (as in `git diff`; `git add -N` makes a new file count).

Two views of each file come out of one `git diff -U3`: the lines added or changed (what
`--diff-base` narrows findings to) and the hunks with their three lines of context (where
GitHub accepts review comments).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT = 3  # GitHub's pull request diffs show three lines around each change
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class GitError(Exception):
    """git could not answer; the message is one line for the user."""


@dataclass(frozen=True)
class FileDiff:
    changed: frozenset[int] = frozenset()  # 1-based lines added or changed
    hunks: tuple[tuple[int, int], ...] = ()  # (first, last) lines of each hunk, context included


@dataclass(frozen=True)
class DiffBase:
    ref: str
    merge_base: str  # commit id
    head: str  # commit id of HEAD
    root: Path  # the repository's top folder (resolved)
    files: Mapping[Path, FileDiff] = field(default_factory=dict)  # resolved absolute path -> diff

    def of(self, path: Path) -> FileDiff:
        return self.files.get(path.resolve(), FileDiff())

    def touches(self, path: Path, first: int, last: int) -> bool:
        """Whether lines first..last include one added or changed since the merge-base."""
        changed = self.of(path).changed
        return any(line in changed for line in range(first, last + 1))


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
        )
    except FileNotFoundError:
        raise GitError("--diff-base needs git, and it is not installed") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise GitError(f"git {args[0]} failed: {last}")
    return done.stdout


def diff_base(ref: str, cwd: Path) -> DiffBase:
    try:
        root = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip()).resolve()
    except GitError as exc:
        if "not a git repository" in str(exc):
            raise GitError(f"--diff-base needs a git repository, and {cwd} is not in one") from None
        raise
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], root)
    except GitError:
        raise GitError(
            f"--diff-base: unknown git revision '{ref}' (in a shallow clone, fetch it first)"
        ) from None
    head = _git(["rev-parse", "--verify", "HEAD"], root).strip()
    try:
        base = _git(["merge-base", commit.strip(), head], root).strip()
    except GitError:
        raise GitError(
            f"--diff-base: '{ref}' and HEAD have no common ancestor "
            "(a shallow clone? fetch the whole history, e.g. actions/checkout with fetch-depth: 0)"
        ) from None
    patch = _git(
        [
            # Pinned so that user settings (external diff tools, prefixes, colors, diff.relative)
            # cannot change what is parsed.
            "-c",
            "core.quotePath=false",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-relative",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--find-renames",
            f"--unified={CONTEXT}",
            base,
            "--",
        ],
        root,
    )
    return DiffBase(ref, base, head, root, {root / path: diff for path, diff in parse_patch(patch).items()})


def parse_patch(patch: str) -> dict[str, FileDiff]:
    """Per new path (relative, POSIX): the changed lines and hunk ranges of a unified diff."""
    files: dict[str, FileDiff] = {}
    path: str | None = None
    changed: set[int] = set()
    hunks: list[tuple[int, int]] = []
    line = 0

    def flush() -> None:
        if path is not None:
            files[path] = FileDiff(frozenset(changed), tuple(hunks))

    in_hunk = False
    for row in patch.splitlines():
        if row.startswith("diff --git "):
            flush()
            path, changed, hunks, in_hunk = None, set(), [], False
        elif not in_hunk and row.startswith("+++ "):
            name = row[4:].removesuffix("\t")  # git ends names holding a space with a tab
            path = None if name == "/dev/null" else _unquote(name).removeprefix("b/")
        elif match := _HUNK.match(row):
            line = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            if count:
                hunks.append((line, line + count - 1))
            in_hunk = True
        elif in_hunk and row.startswith("+"):
            changed.add(line)
            line += 1
        elif in_hunk and row.startswith(" "):
            line += 1
    flush()
    return files


def _unquote(name: str) -> str:
    """git's C-style quoting of unusual paths ("b/caf\\303\\251.ts") undone."""
    if not (name.startswith('"') and name.endswith('"')):
        return name
    out = bytearray()
    body = name[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1 : i + 4].isdigit() and len(body[i + 1 : i + 4]) == 3:
            out.append(int(body[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(_ESCAPES.get(body[i + 1 : i + 2], ord(body[i + 1 : i + 2] or "\\")))
            i += 2
    return out.decode("utf-8", "surrogateescape")
