"""The files a scan's result depends on besides its source files: ignore files, package.json,
a Prisma schema, tsconfig.json, `.git` and project markers above the scanned folder.

Every such look goes through here. While a scan records (`recording`), each is noted with
what was seen: a file read by its stamp, a path looked at by its kind, a folder listed by its
names. A warm run that finds all of them as noted, and the source files and folders unchanged,
can reuse the whole scan's result (see snapshot.py). Rules must not touch the file system
any other way (a test checks the rule catalog for it).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from handrail.engine.source import Stamp, stamp_of

ABSENT = "absent"


@dataclass
class Ledger:
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # read: None when unreadable
    kinds: dict[str, str] = field(default_factory=dict)  # looked at: see `kind`
    listings: dict[str, str] = field(default_factory=dict)  # listed: see `names_digest`

    def still_holds(self) -> bool:
        """Whether every noted path is as it was noted (a racy stamp counts as unchanged here:
        the caller compares stamps with the time of the run, as for source files)."""
        for path, stamp in self.stamps.items():
            if _stamp(path) != stamp:
                return False
        for path, seen in self.kinds.items():
            if kind(path) != seen:
                return False
        return all(_listing(path) == names for path, names in self.listings.items())


_ledger: Ledger | None = None


@contextmanager
def recording() -> Iterator[Ledger]:
    """Note every look made through this module until the block ends."""
    global _ledger
    previous, _ledger = _ledger, Ledger()
    try:
        yield _ledger
    finally:
        _ledger = previous


def kind(path: str) -> str:
    """What `path` is, following links: a "file", a "dir", "other" or ABSENT."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return ABSENT
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _stamp(path: str) -> Stamp | None:
    try:
        return stamp_of(os.stat(path))
    except (OSError, ValueError):
        return None


def _note_kind(path: Path | str) -> str:
    name = os.fspath(path)
    seen = kind(name)
    if _ledger is not None:
        _ledger.kinds.setdefault(name, seen)
    return seen


def note_read(path: Path | str, stamp: Stamp | None) -> None:
    """Note that the content of `path` was read when it had `stamp` (for callers that cache
    what they read: they note it again on each use)."""
    if _ledger is not None:
        _ledger.stamps.setdefault(os.fspath(path), stamp)


def exists(path: Path | str) -> bool:
    return _note_kind(path) != ABSENT


def is_file(path: Path | str) -> bool:
    return _note_kind(path) == "file"


def is_dir(path: Path | str) -> bool:
    return _note_kind(path) == "dir"


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes (OSError as `Path.read_bytes`), its stamp noted from before the read:
    a change during the read shows as a changed stamp."""
    stamp = _stamp(os.fspath(path))
    note_read(path, stamp)
    return Path(path).read_bytes()


def read_text(path: Path | str, errors: str = "strict") -> str:
    """The file as UTF-8 text (OSError, UnicodeDecodeError as `Path.read_text`); see read_bytes."""
    return read_bytes(path).decode("utf-8", errors)


def files_below(folder: Path, suffix: str) -> tuple[Path, ...]:
    """The files under `folder` whose names end with `suffix`, sorted (as a sorted rglob),
    each folder walked noted by its names."""
    found: list[Path] = []
    for top, folders, files in os.walk(folder):
        folders.sort()
        if _ledger is not None:
            _ledger.listings.setdefault(top, names_digest([*folders, *files]))
        found.extend(Path(top, name) for name in files if name.endswith(suffix))
    return tuple(sorted(p for p in found if is_file(p)))


def names_digest(names: list[str]) -> str:
    return hashlib.blake2b(
        "\0".join(sorted(names)).encode(errors="surrogateescape"), digest_size=16
    ).hexdigest()


def _listing(folder: str) -> str | None:
    try:
        return names_digest(os.listdir(folder))
    except OSError:
        return None
