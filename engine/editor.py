"""Editing a proposed change in $EDITOR, like the `e` of `git add -p`.

The editor gets the change as a patch: its `@@` sections with context, and a comment header
saying what may be changed. What comes back must still describe a change of the same lines:
the kept (' ') and removed ('-') lines of each section must be the file's lines, unchanged and
in order; '+' lines are free. The result must also parse. A bad edit raises `BadEdit` with the
reason, so the caller can ask whether to edit again; deleting every line aborts the edit.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from handrail.engine.edits import apply_edits
from handrail.engine.languages import Language
from handrail.engine.lines import LineIndex
from handrail.engine.model import Edit
from handrail.engine.syntax import first_problem

_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_NO_NEWLINE = "\\"
_NEWLINE = re.compile(r"\r\n|\n")

INSTRUCTIONS = """\
# Lines starting with '-' will be removed, lines starting with '+' added,
# lines starting with ' ' are kept. To keep a line that would be removed,
# turn its '-' into ' '. To leave out an added line, delete it. Change the
# '+' lines as you like; keep the ' ' and '-' lines and the '@@' lines as they are.
# Lines starting with '#' are ignored.
# To abort the edit (the change stays undecided), delete every line.
"""


class BadEdit(Exception):
    """The edited patch cannot be applied; str(exc) says why."""


class EditorFailed(Exception):
    """The editor could not be started or exited with an error."""


@dataclass(frozen=True)
class Section:
    old_start: int  # 1-based number of the section's first old line
    old: tuple[str, ...]  # its kept and removed lines, without line breaks


def sections_of(diff_body: str) -> list[Section]:
    """The `@@` sections of a diff as `hunks.hunk_diff` writes it."""
    starts: list[int] = []
    olds: list[list[str]] = []
    for line in diff_body.split("\n"):
        header = _HEADER.match(line)
        if header:
            # An empty old side ("-4,0") names the line before the insertion.
            empty = header.group(2) == "0"
            starts.append(int(header.group(1)) + (1 if empty else 0))
            olds.append([])
        elif olds and line[:1] in (" ", "-"):
            olds[-1].append(line[1:].rstrip("\r"))
    return [Section(start, tuple(old)) for start, old in zip(starts, olds, strict=True)]


def patch_text(title: str, diff_body: str) -> str:
    return f"# {title}\n#\n{INSTRUCTIONS}{diff_body}"


def edits_from(text: str, sections: Sequence[Section], edited: str) -> list[Edit] | None:
    """The edits an edited patch describes, or None when the user deleted everything."""
    lines = [line.rstrip("\r") for line in edited.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    # Numbered as the editor shows them, comments included.
    numbered = [(number, line) for number, line in enumerate(lines, 1) if not line.startswith("#")]
    if not any(line.strip() for _, line in numbered):
        return None
    bodies: list[list[tuple[int, str]]] = []
    for number, line in numbered:
        if line.startswith("@@"):
            bodies.append([])
        elif not bodies:
            if line.strip():
                raise BadEdit(f"line {number} comes before the first '@@' line: keep the '@@' lines")
        else:
            bodies[-1].append((number, line))
    if len(bodies) != len(sections):
        raise BadEdit(
            f"the change has {len(sections)} '@@' section(s) and the edit has {len(bodies)}: "
            "keep the '@@' lines as they are"
        )
    index = LineIndex(text)
    edits: list[Edit] = []
    for section, body in zip(sections, bodies, strict=True):
        edits.extend(_section_edits(text, index, section, body))
    return edits


def _section_edits(text: str, index: LineIndex, section: Section, body: list[tuple[int, str]]) -> list[Edit]:
    ops: list[tuple[str, str, bool]] = []  # (kind, content, ends with a line break)
    for number, line in body:
        kind, content = (line[:1], line[1:]) if line else (" ", "")
        if kind == _NO_NEWLINE:
            if not ops:
                raise BadEdit(f"line {number}: '\\ No newline' must follow a line")
            ops[-1] = (ops[-1][0], ops[-1][1], False)
        elif kind in (" ", "-", "+"):
            ops.append((kind, content, True))
        else:
            raise BadEdit(f"line {number} starts with {kind!r}: every line must start with ' ', '-' or '+'")
    while ops[-1:] == [(" ", "", True)] and sum(kind != "+" for kind, _, _ in ops) > len(section.old):
        ops.pop()  # blank lines an editor added at the end
    old = [content for kind, content, _ in ops if kind != "+"]
    if old != list(section.old):
        raise BadEdit(_mismatch(section, old))
    last = section.old_start + len(section.old) - 1
    if last > index.line_count or any(
        index.line_text(section.old_start + i) != line for i, line in enumerate(section.old)
    ):
        # difflib also splits lines at form feeds and Unicode separators; LineIndex does not.
        raise BadEdit("this change cannot be edited: the file has unusual line separators")

    def offset(old_index: int) -> int:
        line = section.old_start + old_index
        return index.starts[line - 1] if line <= len(index.starts) else len(text)

    edits: list[Edit] = []
    position = 0  # index into section.old
    block_start: int | None = None
    added: list[str] = []

    def flush() -> None:
        nonlocal block_start, added
        if block_start is not None:
            start, end = offset(block_start), offset(position)
            if start == end == len(text) and text and not text.endswith("\n"):
                raise BadEdit("lines cannot be added after the last line, which has no line break")
            edits.append(Edit(start, end, "".join(added)))
        block_start, added = None, []

    for kind, content, newline in ops:
        if kind == " ":
            flush()
            position += 1
            continue
        if block_start is None:
            block_start = position
        if kind == "-":
            position += 1
        else:
            added.append(content + ("\n" if newline else ""))
    flush()
    return [edit for edit in edits if _NEWLINE.sub("\n", text[edit.start : edit.end]) != edit.replacement]


def _mismatch(section: Section, old: list[str]) -> str:
    want = list(section.old)
    i = next((i for i, (a, b) in enumerate(zip(want, old, strict=False)) if a != b), min(len(want), len(old)))
    line = section.old_start + i
    if len(old) < len(want) and old[i:] == want[i + 1 :]:
        return (
            f"line {line} of the file ({want[i]!r}) is missing from the edit; to keep a line "
            "that would be removed, turn its '-' into ' ' instead of deleting it"
        )
    if i < len(want) and i < len(old):
        return (
            f"line {line} of the file was changed: it reads {want[i]!r}, the edit has {old[i]!r}; "
            "only '+' lines may change (turn '-' into ' ' to keep a line)"
        )
    return f"the kept and removed lines do not match the file from line {line} on; start added lines with '+'"


def editor_command() -> list[str]:
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def run_editor(path: Path) -> None:
    command = editor_command()
    try:
        status = subprocess.run([*command, str(path)], check=False).returncode
    except OSError as exc:
        raise EditorFailed(f"cannot start the editor `{shlex.join(command)}`: {exc.strerror}") from None
    if status != 0:
        raise EditorFailed(f"the editor `{shlex.join(command)}` exited with status {status}")


def edit_change(
    text: str,
    diff_body: str,
    title: str,
    language: Language,
    newline: str,
    again: Callable[[str], bool],
) -> list[Edit] | None:
    """Let the user edit a change; returns its edits, or None when the edit was aborted or a bad
    edit was not retried. `again(reason)` asks whether to edit again after a bad edit."""
    sections = sections_of(diff_body)
    content = patch_text(title, diff_body)
    with tempfile.TemporaryDirectory(prefix="handrail-") as folder:
        path = Path(folder) / "change.diff"
        while True:
            path.write_bytes(content.encode("utf-8"))
            run_editor(path)
            content = path.read_bytes().decode("utf-8", "replace")
            try:
                return validate(text, sections, content, language, newline)
            except BadEdit as exc:
                if not again(str(exc)):
                    return None


def validate(
    text: str, sections: Sequence[Section], edited: str, language: Language, newline: str
) -> list[Edit] | None:
    edits = edits_from(text, sections, edited)
    if edits is None:
        return None
    new_text = apply_edits(text, edits, newline)
    if new_text == text:
        raise BadEdit("the edited change changes nothing (answer n to skip it)")
    problem = first_problem(new_text, language)
    if problem is not None:
        raise BadEdit(f"with this edit the file would have a {problem}")
    return edits
