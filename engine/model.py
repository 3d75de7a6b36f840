"""The values that flow through the pipeline: findings, fixes and edits.

Positions are character offsets into the file's decoded text (BOM removed, line endings
kept as they are); reporters turn them into 1-based line/column pairs.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, field, replace
from typing import Any


class Applicability(enum.IntEnum):
    """How much a fix can be trusted; the order matters (higher is more trusted)."""

    SUGGESTION = 0  # shown, never applied by `fix`
    UNSAFE = 1  # applied with --unsafe-fixes: may change behaviour
    SAFE = 2  # applied by default: keeps the program's meaning

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Applicability:
        return cls[value.upper()]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] by `replacement` (start == end inserts)."""

    start: int
    end: int
    replacement: str

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad edit range {self.start}..{self.end}")

    def overlaps(self, other: Edit) -> bool:
        # Two insertions at one point, or an insertion inside a replaced range, have no
        # defined order, so they count as overlapping too.
        if self.start == self.end or other.start == other.end:
            return self.start <= other.end and other.start <= self.end
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Fix:
    """A group of edits that only make sense together."""

    applicability: Applicability
    edits: tuple[Edit, ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.edits:
            raise ValueError("a fix needs at least one edit")
        ordered = sorted(self.edits)
        for a, b in itertools.pairwise(ordered):
            if a.overlaps(b) and not (a.start == a.end == b.start == b.end):
                raise ValueError("edits of one fix overlap")
        object.__setattr__(self, "edits", tuple(ordered))

    @property
    def span(self) -> tuple[int, int]:
        return self.edits[0].start, max(e.end for e in self.edits)

    def overlaps(self, other: Fix) -> bool:
        return any(a.overlaps(b) for a in self.edits for b in other.edits)


@dataclass(frozen=True)
class Finding:
    rule: str
    path: str  # display path: POSIX, relative to the working directory when possible
    start: int
    end: int
    message: str
    severity: Severity = Severity.WARNING
    fix: Fix | None = None
    # Rule-private data for the project-level `resolve` step (must be picklable).
    data: Any = field(default=None, compare=False, repr=False)

    def with_fix(self, fix: Fix | None) -> Finding:
        return replace(self, fix=fix)


@dataclass(frozen=True)
class FileError:
    """Something that stopped handrail from checking or fixing one file."""

    path: str
    message: str


@dataclass(frozen=True)
class Skipped:
    """A file discovery or reading passed over, and why (shown with --verbose)."""

    path: str
    reason: str
