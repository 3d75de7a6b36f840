"""Offsets <-> 1-based line/column, computed once per text."""

from __future__ import annotations

import bisect
import re


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1

    def offset(self, line: int, column: int) -> int:
        """Inverse of `position` (1-based line and column)."""
        return self.starts[line - 1] + column - 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    @property
    def line_count(self) -> int:
        return len(self.starts)


class PythonLineIndex(LineIndex):
    """Lines as CPython and libcst count them in Python source: a lone carriage return ends
    one too (their line numbers are 1-based, their columns 0-based)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


_LINE_BREAK = re.compile(r"\r\n?|\n")
