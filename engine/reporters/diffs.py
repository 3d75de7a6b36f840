"""Printing diffs: plain bytes when piped (so `git apply` takes them), colored on a terminal."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text


def print_diff(diff: str, console: Console, color: bool) -> None:
    if not color:
        # Exact text, CRLFs included: rich would normalise it.
        sys.stdout.write(diff)
        sys.stdout.flush()
        return
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
