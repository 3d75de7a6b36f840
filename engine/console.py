"""Consoles for stdout and stderr: colors only on a terminal and never with --no-color."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def wants_color(stream: TextIO, no_color: bool) -> bool:
    if no_color or "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def make_console(stream: TextIO, no_color: bool) -> Console:
    # Imported here: rich takes ~25 ms to import, which a run writing JSON never needs.
    from rich.console import Console

    color = wants_color(stream, no_color)
    return Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,  # never re-wrap code frames or messages
    )


def stdout_console(no_color: bool) -> Console:
    return make_console(sys.stdout, no_color)


def stderr_console(no_color: bool) -> Console:
    return make_console(sys.stderr, no_color)
