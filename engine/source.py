"""Reading a source file once: bytes -> text, remembering what writing it back must keep."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from handrail.engine.languages import Language

BOM = "\ufeff"
_BINARY_SNIFF = 8192
# A line this long in JS is almost always a bundle or minified file, not something a person fixes.
_MINIFIED_LINE = 2000


# What a file's metadata says of its content: size, modification and change times (ns),
# inode. The change time and the inode catch what the modification time misses (`cp -p`, an
# archive extracted, a file moved over another), as they do for git's index.
Stamp = tuple[int, int, int, int]
NO_STAMP: Stamp = (-1, -1, -1, -1)


def stamp_of(stat: os.stat_result) -> Stamp:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


class Unreadable(Exception):
    """The file cannot be checked; str(exc) says why in a few words. `transient`: it could not
    be read at all (an OS error, e.g. permissions), which may change while its stamp does not."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class Source:
    text: str  # decoded; BOM removed; line endings exactly as on disk
    bom: bool
    newline: str  # the file's dominant line ending, used for inserted lines
    digest: str  # sha256 of the bytes read, to notice changes before writing

    def on_disk(self, text: str) -> str:
        """`text` as the file holds it (with its BOM), e.g. for diffs that `git apply` must match."""
        return (BOM if self.bom else "") + text

    def encode(self, text: str) -> bytes:
        return self.on_disk(text).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, language: Language) -> Source:
    if b"\0" in data[:_BINARY_SNIFF]:
        raise Unreadable("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 (invalid byte at offset {exc.start})") from None
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    if language.is_js_like and _looks_minified(text):
        raise Unreadable("minified bundle")
    crlf = text.count("\r\n")
    newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    return Source(text=text, bom=bom, newline=newline, digest=digest(data))


def read_source(path: Path, language: Language) -> Source:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(exc.strerror or str(exc), transient=True) from None
    return decode(data, language)


def read_unchanged(path: Path, language: Language, digest: str) -> Source | None:
    """The file's source if its bytes are still those with `digest`, else None (changed or
    unreadable): for texts a cache vouched for without reading them."""
    try:
        source = read_source(path, language)
    except Unreadable:
        return None
    return source if source.digest == digest else None


def _looks_minified(text: str) -> bool:
    if len(text) < _MINIFIED_LINE:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > 300 or max(map(len, text.split("\n"))) > _MINIFIED_LINE * 5
