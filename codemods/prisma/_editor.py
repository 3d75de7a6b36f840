"""Edits to a file's text that keep its formatting: add a property, delete a statement, re-lay out
an object literal that grew past the line length."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ast_grep_py import SgNode, SgRoot

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._syntax import props
from handrail.engine.languages import Language
from handrail.engine.model import Edit

MAX_LINE = 100


@dataclass
class Editor:
    """Edits against one file's text that keep its formatting."""

    text: str
    language: Language
    edits: list[Edit] = field(default_factory=list)

    def indent_at(self, offset: int) -> str:
        line = self.text[self.text.rfind("\n", 0, offset) + 1 :]
        return line[: len(line) - len(line.lstrip(" \t"))]

    @property
    def unit(self) -> str:
        sizes = [len(m.group(1)) for m in re.finditer(r"\n( +)[^\s*]", self.text)]  # not ` * ` doc lines
        if not sizes and "\n\t" in self.text:
            return "\t"
        return " " * (min(sizes) if sizes else 2)

    def line_bounds(self, start: int, end: int) -> tuple[int, int]:
        """Where the line holding `start` begins and the one holding `end` ends (before its newline)."""
        line_end = self.text.find("\n", end)
        return self.text.rfind("\n", 0, start) + 1, len(self.text) if line_end < 0 else line_end

    def replace(self, node: SgNode, text: str) -> None:
        self.edits.append(Edit(*L.span(node), text))

    def add_prop(self, obj: SgNode, entry: str) -> None:
        """Insert `entry` (`key: value`) as the last property of an object literal."""
        start, end = L.span(obj)
        items = props(obj)
        if not items:
            self.edits.append(Edit(start, end, "{ " + entry + " }"))
            return
        last_end = L.span(items[-1])[1]
        between = self.text[last_end : end - 1]
        comma = last_end + between.index(",") + 1 if between.lstrip().startswith(",") else None
        if "\n" in self.text[start:end]:
            indent = self.indent_at(L.span(items[-1])[0])
            key, sep, value = entry.partition(": ")
            if sep and len(indent) + len(entry) + 1 > MAX_LINE:
                entry = f"{key}: {self.layout(value, indent, MAX_LINE - len(indent) - len(key) - 3)}"
            if comma is not None:
                self.edits.append(Edit(comma, comma, f"\n{indent}{entry},"))
            else:
                self.edits.append(Edit(last_end, last_end, f",\n{indent}{entry}"))
        elif comma is not None:
            self.edits.append(Edit(comma, comma, f" {entry}"))
        else:
            self.edits.append(Edit(last_end, last_end, f", {entry}"))

    def delete_statement(self, node: SgNode) -> None:
        """Remove a statement, with its line when it is alone on it."""
        start, end = L.span(node)
        line_start, line_end = self.line_bounds(start, end)
        if not self.text[line_start:start].strip() and not self.text[end:line_end].strip():
            self.edits.append(Edit(line_start, min(line_end + 1, len(self.text)), ""))
        else:
            self.edits.append(Edit(start, end, ""))

    def reflow(self, node: SgNode) -> None:
        """When the edits inside `node` (a call's argument object, or its `()`) leave it on one
        line that is too long, lay the new object out over several lines instead."""
        start, end = L.span(node)
        inside = sorted(e for e in self.edits if start <= e.start and e.end <= end)
        if not inside:
            return
        new = self.text[start:end]
        for edit in reversed(inside):
            new = new[: edit.start - start] + edit.replacement + new[edit.end - start :]
        line_start, line_end = self.line_bounds(start, end)
        if "\n" in new or len(self.text[line_start:start]) + len(new) + (line_end - end) <= MAX_LINE:
            return
        parens = new.startswith("(")
        body = new[1:-1] if parens else new
        rendered = self.layout(body, self.indent_at(start), width=MAX_LINE + 1, force=True)
        for edit in inside:
            self.edits.remove(edit)
        self.edits.append(Edit(start, end, f"({rendered})" if parens else rendered))

    def layout(self, code: str, indent: str, width: int, force: bool = False) -> str:
        """An object literal written on one line, laid out one property a line (recursively)
        when it does not fit in `width` columns; other code is returned as it is."""
        if "\n" in code or (len(code) <= width and not force):
            return code
        parsed = SgRoot(f"x = {code};", self.language.ast_grep_name).root().find(kind="object")
        if parsed is None or parsed.text() != code or not props(parsed):
            return code
        inner = indent + self.unit
        lines = []
        for entry in props(parsed):
            key, value = entry.field("key"), entry.field("value")
            if entry.kind() == "pair" and key is not None and value is not None:
                head = f"{key.text()}: "
                room = MAX_LINE - len(inner) - len(head) - 1
                lines.append(f"{inner}{head}{self.layout(value.text(), inner, room)},\n")
            else:
                lines.append(f"{inner}{entry.text()},\n")
        return "{\n" + "".join(lines) + indent + "}"
