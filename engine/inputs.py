"""The files a scan's result depends on besides its source files: ignore files, package.json,
a Prisma schema, tsconfig.json, `.git` and project markers above the scanned folder.

Every such look goes through here. While a scan records (`recording`), each is noted with
what was seen: a file read by its stamp, a path looked at by its kind, a folder listed by its
names. A warm run that finds all of them as noted, and the source files and folders unchanged,
can reuse the whole scan's result (see snapshot.py). Rules must not touch the file system
any other way (a test checks the rule catalog for it), and only while resolving: a rule's
`check` and `collect` see the file's text alone, so that their results can be cached by it
(reading through here while analysing raises). Nor may a rule keep what it read across scans
(a `functools.cache`): each scan must note it again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from handrail.engine.source import Stamp, stamp_of

ABSENT = "absent"
T = TypeVar("T")


@dataclass
class Ledger:
    stamps: dict[str, Stamp | None] = field(default_factory=dict)  # read: None when unreadable
    kinds: dict[str, str] = field(default_factory=dict)  # looked at: see `kind`
    listings: dict[str, str | None] = field(default_factory=dict)  # listed: see `listing_signature`
    # A read failed for a reason no stamp shows (permissions, I/O), or one path was seen two
    # ways in one scan: the result is not worth keeping, as the next try may see otherwise
    # with everything noted unchanged.
    transient: bool = False

    def under(self, carried: Ledger) -> Ledger:
        """These notes on top of `carried` (a scan's looks it did not make again): where both
        noted a path, this scan's look is what it used."""
        return Ledger(
            {**carried.stamps, **self.stamps},
            {**carried.kinds, **self.kinds},
            {**carried.listings, **self.listings},
            self.transient,
        )

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
_closed = False  # while rules analyse a file (see `closed`)


@contextmanager
def recording() -> Iterator[Ledger]:
    """Note every look made through this module until the block ends."""
    global _ledger
    previous, _ledger = _ledger, Ledger()
    try:
        yield _ledger
    finally:
        _ledger = previous


@contextmanager
def closed() -> Iterator[None]:
    """Refuse every look until the block ends (rules' `check` and `collect` run inside)."""
    global _closed
    previous, _closed = _closed, True
    try:
        yield
    finally:
        _closed = previous


def _open(path: Path | str) -> str:
    if _closed:
        raise RuntimeError(f"rules may read {os.fspath(path)} only in resolve, not while analysing a file")
    return os.fspath(path)


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


def _note(notes: dict[str, T], path: str, seen: T) -> None:
    if _ledger is not None and notes.setdefault(path, seen) != seen:
        _ledger.transient = True  # seen two ways: which one the result rests on is unclear


def _note_kind(path: Path | str) -> str:
    name = _open(path)
    seen = kind(name)
    if _ledger is not None:
        _note(_ledger.kinds, name, seen)
    return seen


def note_read(path: Path | str, stamp: Stamp | None) -> None:
    """Note that the content of `path` was read when it had `stamp` (for callers that cache
    what they read: they note it again on each use)."""
    if _ledger is not None:
        _note(_ledger.stamps, os.fspath(path), stamp)


def note_failure(error: OSError) -> None:
    """Note a read or listing that failed: one that found nothing lasts as its noted
    absence does; any other (permissions, I/O) may not happen again with nothing noted
    changed."""
    if _ledger is not None and not isinstance(
        error, FileNotFoundError | NotADirectoryError | IsADirectoryError
    ):
        _ledger.transient = True


def exists(path: Path | str) -> bool:
    return _note_kind(path) != ABSENT


def is_file(path: Path | str) -> bool:
    return _note_kind(path) == "file"


def is_dir(path: Path | str) -> bool:
    return _note_kind(path) == "dir"


def read_bytes(path: Path | str) -> bytes:
    """The file's bytes (OSError as `Path.read_bytes`), its stamp noted from before the read:
    a change during the read shows as a changed stamp."""
    stamp = _stamp(_open(path))
    note_read(path, stamp)
    try:
        return Path(path).read_bytes()
    except OSError as error:
        note_failure(error)
        raise


def read_text(path: Path | str, errors: str = "strict") -> str:
    """The file as UTF-8 text (OSError, UnicodeDecodeError as `Path.read_text`); see read_bytes."""
    return read_bytes(path).decode("utf-8", errors)


def files_below(folder: Path, suffix: str) -> tuple[Path, ...]:
    """The files under `folder` whose names end with `suffix`, sorted, links not followed;
    each folder walked noted by its listing."""
    found: list[Path] = []
    pending = [_open(folder)]
    while pending:
        top = pending.pop()
        try:
            with os.scandir(top) as listing:
                entries = list(listing)
        except OSError as error:
            note_failure(error)
            if _ledger is not None:
                _note(_ledger.listings, top, None)
            continue
        if _ledger is not None:
            _note(_ledger.listings, top, listing_signature(entries))
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif entry.name.endswith(suffix) and (
                is_file(entry.path) if entry.is_symlink() else entry.is_file()
            ):
                found.append(Path(entry.path))
    return tuple(sorted(found))


def listing_signature(
    entries: Iterable[os.DirEntry[str]], counts: Callable[[str], bool] | None = None
) -> str:
    """A folder's listing as what is there: each name, and whether it is a folder or a link.
    `counts`: which names of plain files count (all by default); folders and links always do."""
    names = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        is_link = entry.is_symlink()
        if is_dir or is_link or counts is None or counts(entry.name):
            names.append(("l" if is_link else "-") + ("d" if is_dir else "f") + entry.name)
    text = "\0".join(sorted(names))
    return hashlib.blake2b(text.encode(errors="surrogateescape"), digest_size=16).hexdigest()


def _listing(folder: str) -> str | None:
    try:
        with os.scandir(folder) as listing:
            return listing_signature(list(listing))
    except OSError:
        return None
