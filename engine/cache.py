"""A cache of per-file analyses, keyed by everything the analysis depends on.

Key: the file's path and content digest, the rule set (ids, options, and a fingerprint of
handrail's own code, the parsers' releases and Python's version) and the project facts a
worker sees. A hit skips parsing and matching.

Entries live in one folder per generation: that fingerprint and the rules' options (the
salt). An upgrade or an option change starts a new one, and each run that writes keeps only
the KEEP_GENERATIONS most recently used, so the cache does not grow with every version.

Entries are pickles, which could run code when loaded; a repository under review (a pull
request in CI) must not be able to plant one. So each entry is signed with HMAC-SHA256
under a secret that lives outside the project (in the user's cache folder), and entries
that fail the check, are truncated or don't unpickle are ignored and rebuilt. Writes go
through a temporary file and os.replace, so concurrent runs never see half an entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import pickle
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import handrail.codemods
import handrail.engine

FOLDER_NAME = ".handrail_cache"
# What parses (and so decides every finding) besides handrail's own code: an upgrade of one
# must not leave analyses it would no longer make.
PARSERS = ("ast_grep_py", "libcst", "tree_sitter", "tree_sitter_typescript", "tree_sitter_javascript")
KEEP_GENERATIONS = 4  # e.g. the editor's options, the pre-commit hook's, CI's, and one to spare
_GENERATION = re.compile(r"[0-9a-f]{16}")
_FORMAT = b"handrail-cache-1\n"
_DIGEST_SIZE = hashlib.sha256().digest_size


@cache
def code_fingerprint() -> str:
    """Changes whenever handrail's own code does (so a new rule version invalidates entries).

    Contents, not mtimes: a checkout or a touch must not throw the cache away (~1 MB, ~2 ms)."""
    digest = hashlib.sha256(handrail.engine.__version__.encode())
    for package in (handrail.engine, handrail.codemods):
        for folder in package.__path__:
            for path in sorted(Path(folder).rglob("*.py")):
                digest.update(f"{path.relative_to(folder)}\n".encode())
                digest.update(path.read_bytes())
    digest.update(sys.version.encode())  # CPython's parser checks Python syntax
    for name in PARSERS:
        digest.update(_installed(name).encode())
    return digest.hexdigest()


def _installed(module: str) -> str:
    """Which release of `module` is installed, without importing it: its distribution's
    metadata folder name (importlib.metadata costs ~50 ms to import); else its file's stamp."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return f"{module}: none"
    where = os.path.dirname(os.path.dirname(spec.origin))
    found = sorted(n for n in _names_in(where) if n.startswith(f"{module}-") and n.endswith(".dist-info"))
    if found:
        return " ".join(found)
    status = os.stat(spec.origin)
    return f"{module}: {status.st_size} {status.st_mtime_ns}"


@cache
def _names_in(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder))
    except OSError:
        return ()


def rules_salt(options: Mapping[str, Any]) -> str:
    """The part of every cache key that all files of a run share: handrail's code and the
    rules' options."""
    return AnalysisCache.key(code_fingerprint(), json.dumps(options, sort_keys=True, default=str))


@cache
def _secret() -> bytes:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "handrail"
    path = base / "cache-key"
    with contextlib.suppress(OSError):
        return path.read_bytes()
    import secrets  # once per user, ever: not worth importing on every run

    key = secrets.token_bytes(32)
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    except FileExistsError:
        return path.read_bytes()  # another process won the race: use its key
    except OSError:
        pass  # unwritable home: the cache still works within this process's key
    return key


def generation(root: Path, salt: str) -> Path:
    """The folder of the cache `root` that holds the entries of one salt (see rules_salt)."""
    return root / salt[:16]


def mark_used(current: Path) -> None:
    """Note that a run used the generation `current` (its folder's modification time)."""
    with contextlib.suppress(OSError):
        os.utime(current)


def prune(root: Path, current: Path) -> None:
    """Delete all generations but the KEEP_GENERATIONS most recently used (see mark_used)
    and `current`, and whatever else is in `root` (an older layout's entries). A run using a
    deleted generation only loses cache hits: loads and stores fail softly."""
    mark_used(current)
    try:
        children = list(os.scandir(root))
    except OSError:
        return
    generations: list[tuple[int, str]] = []
    for child in children:
        if child.name == ".gitignore":
            continue
        if _GENERATION.fullmatch(child.name) and child.is_dir(follow_symlinks=False):
            with contextlib.suppress(OSError):
                generations.append((child.stat(follow_symlinks=False).st_mtime_ns, child.path))
            continue
        _remove(child.path)
    generations.sort(reverse=True)
    for _, path in generations[KEEP_GENERATIONS:]:
        if path != str(current):
            _remove(path)


def _remove(path: str) -> None:
    import shutil  # only when something is pruned

    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            os.unlink(path)


class AnalysisCache:
    def __init__(self, folder: Path, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root or folder  # where the .gitignore goes: the whole cache folder

    @staticmethod
    def key(*parts: Any) -> str:
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def touch(self, key: str) -> None:
        """Mark the entry as just used (its modification time), for callers that keep the
        most recently used."""
        with contextlib.suppress(OSError):
            os.utime(self._path(key))

    def load(self, key: str) -> Any:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        body = data[len(_FORMAT) + _DIGEST_SIZE :]
        signature = data[len(_FORMAT) : len(_FORMAT) + _DIGEST_SIZE]
        if not data.startswith(_FORMAT) or not hmac.compare_digest(signature, _sign(body)):
            return None
        try:
            return pickle.loads(body)
        except Exception:  # an entry from an incompatible version: rebuild it
            return None

    def store(self, key: str, value: Any) -> None:
        import tempfile  # only runs that write pay for it (a warm run writes nothing)

        body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        target = self._path(key)
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            _ignore_file(self.root)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_FORMAT + _sign(body) + body)
            os.replace(tmp, target)
        except OSError:  # a read-only checkout just runs uncached
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def _sign(body: bytes) -> bytes:
    return hmac.new(_secret(), body, hashlib.sha256).digest()


def _ignore_file(folder: Path) -> None:
    marker = folder / ".gitignore"
    if not marker.exists():
        with contextlib.suppress(OSError):
            marker.write_text("# Created by handrail: the cache never belongs in version control.\n*\n")
