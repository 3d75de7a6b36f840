"""Facts about a project, gathered once per project root and shared by every file in it.

Static facts (package.json dependencies) are read before files are analysed and travel
with each file to the worker. Facts that rules collect from files (which module exports a
schema or a logger) are merged after the per-file step and given to rules' `resolve`.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from handrail.engine import inputs
from handrail.engine.source import Stamp, stamp_of

ROOT_MARKERS = ("package.json", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt")

T = TypeVar("T")


@dataclass(frozen=True)
class ProjectInfo:
    """What a worker needs to know about the project a file belongs to (picklable)."""

    root: Path
    dependencies: frozenset[str] = frozenset()  # npm dependencies + devDependencies
    package_json: bool = False

    def depends_on(self, name: str) -> bool:
        return name in self.dependencies


def find_root(
    path: Path,
    stop: Path | None = None,
    memo: dict[Path, Path | None] | None = None,
    known: Mapping[str, bool] | None = None,
) -> Path:
    """The nearest folder above `path` that holds a project marker, else `stop` or `path`'s folder.

    `memo` (folder -> its root, or None when none is found) shares the answers of the parents
    among the files of one tree; `known` (folder -> whether it holds a marker or `.git`) saves
    the file system calls for folders whose names were listed already."""
    start = path if path.is_dir() else path.parent
    return _root_above(start, stop, {} if memo is None else memo, known or {}) or start


def _root_above(
    folder: Path, stop: Path | None, memo: dict[Path, Path | None], known: Mapping[str, bool]
) -> Path | None:
    if folder not in memo:
        parent = folder.parent
        marked = known.get(str(folder))
        if marked is None:
            marked = any(inputs.exists(folder / marker) for marker in (*ROOT_MARKERS, ".git"))
        if marked or folder == stop:
            memo[folder] = folder
        else:
            memo[folder] = None if parent == folder else _root_above(parent, stop, memo, known)
    return memo[folder]


def project_info(root: Path) -> ProjectInfo:
    package = root / "package.json"
    try:
        status = os.stat(package)
    except OSError:
        status = None
    stamp = stamp_of(status) if status is not None else None
    inputs.note_read(package, stamp)
    if status is None or not stat.S_ISREG(status.st_mode):
        return ProjectInfo(root=root)
    try:
        return _project_info(root, stamp)
    except OSError as error:  # not cached: the next try may read it
        inputs.note_failure(error)
        return ProjectInfo(root=root, package_json=True)


@cache  # by stamp: a package.json changed within one process (tests, a watcher) is read again
def _project_info(root: Path, stamp: Stamp | None) -> ProjectInfo:
    try:
        data = json.loads((root / "package.json").read_bytes().decode("utf-8"))
    except ValueError:
        return ProjectInfo(root=root, package_json=True)
    if not isinstance(data, dict):
        return ProjectInfo(root=root, package_json=True)
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        section = data.get(key)
        if isinstance(section, dict):
            deps.update(str(name) for name in section)
    return ProjectInfo(root=root, dependencies=frozenset(deps), package_json=True)


@dataclass
class ProjectFacts:
    """Per-project view handed to `Rule.resolve`: static info plus what rules collected.

    `collected[rule_id][path]` is whatever that rule's `collect` returned for the file at the
    absolute POSIX path `path`. `memo` lets a rule build an index over them once per project.
    """

    info: ProjectInfo
    # The gated rules (`Rule.project_requires`) some file of the project opened.
    opened: frozenset[str] = frozenset()
    collected: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The text of the file whose findings are being resolved (it may be a fix pass's new
    # text, not what is on disk), for rules that build edits in resolve.
    current_text: str | None = None
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.info.root

    def facts(self, rule_id: str) -> Mapping[str, Any]:
        return self.collected.get(rule_id, {})

    def memo(self, key: str, build: Callable[[], T]) -> T:
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value
