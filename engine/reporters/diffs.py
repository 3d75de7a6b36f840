"""Printing diffs: plain bytes when piped (so `git apply` takes them), colored on a terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def print_diff(diff: str, console: Console, color: bool) -> None:
    if not color:
        # Exact text, CRLFs included: rich would normalise it.
        sys.stdout.write(diff)
        sys.stdout.flush()
        return
    from rich.text import Text  # only for a terminal: rich is slow to import

    for line in diff.splitlines():
        style = ""
        if line.startswith(("diff --git", "--- ", "+++ ")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("\\"):
            style = "dim"
        console.print(Text(line.rstrip("\r"), style=style))
