"""A warm run's shortcut for a whole scan: the last scan's result, reused while nothing it was
made from has changed.

A scan's result depends on its settings (the key: rules, options, handrail's code, the paths
named and the working directory), on the folders walked (their listings), on the source files
found (their stamps) and on the few other files it looked at (see inputs.py). A snapshot
notes all of them. A run that finds every one as noted, with the same stamps (not racy, as in
warm_index.py), returns the noted result after stat-ing each file and folder once: it neither
walks with the ignore rules nor looks up each file in the warm index. Anything else (a file
changed, added or removed, a .gitignore or package.json edited) makes it scan as usual, with
the per-file caches, and note a new snapshot. When only files' contents changed (the usual
edit), what the walk found still holds: that scan skips the walk, and the warm index answers
for the files that did not change.

A folder whose stamp moved is listed again and compared by its names (see
discovery.listing_signature): creating the cache folder, or a file that does not count, must
not cost the next runs their shortcut.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from handrail.engine import inputs
from handrail.engine.cache import AnalysisCache, generation, mark_used
from handrail.engine.discovery import DiscoveredFile, Discovery, listing_signature
from handrail.engine.inputs import Ledger
from handrail.engine.languages import language_for
from handrail.engine.model import Skipped
from handrail.engine.source import Stamp, read_unchanged, stamp_of
from handrail.engine.warm_index import RACY_NS

if TYPE_CHECKING:
    from handrail.engine.runner import ScanResult, Settings

SUBFOLDER = "snapshots"  # of a cache generation's folder
KEEP = 8  # snapshots per generation: one per set of paths named, the most recent kept


@dataclass(frozen=True)
class Snapshot:
    started_ns: int  # when the scan that made it began
    named: tuple[tuple[str, str], ...]  # each path named: what it resolved to, and its kind
    folders: dict[str, tuple[Stamp, str]]  # walked: stamp, listing signature
    files: tuple[tuple[str, Stamp], ...]  # the source files found
    explicit: frozenset[str]  # those of them named on the command line
    skipped: tuple[Skipped, ...]  # what the walk passed over
    roots: dict[str, bool]  # see Discovery.roots
    ledger: Ledger
    result: ScanResult  # without the files' texts (read again when reused)


@dataclass(frozen=True)
class Walked:
    """What a snapshot still tells when only files' contents changed: the walk's outcome
    (with the files' stamps of now) and the looks it made, for a scan that need not walk."""

    discovery: Discovery
    ledger: Ledger


def key(settings: Settings, salt: str, rule_ids: Sequence[str]) -> str:
    config = settings.config
    return AnalysisCache.key(
        "snapshot",
        salt,
        tuple(rule_ids),
        str(settings.cwd),
        tuple(str(p) for p in settings.paths),
        config.include,
        config.exclude,
        str(config.base),
        config.max_file_size,
    )


def named(settings: Settings) -> tuple[tuple[str, str], ...]:
    """What each path named resolves to, and its kind: taken before a scan, so that a link
    repointed during it cannot pair the new target with the old one's result."""
    found = []
    for given in settings.paths:
        full = settings.cwd / given
        found.append((os.path.realpath(full), inputs.kind(str(full))))
    return tuple(found)


def recall(
    settings: Settings, salt: str, snapshot_key: str, paths: tuple[tuple[str, str], ...], started_ns: int
) -> ScanResult | Walked | None:
    """The noted result when nothing it was made from has changed; the walk's outcome when
    only source files' contents did; else None (`paths`: see `named`; `started_ns`: when
    this run began)."""
    assert settings.cache_dir is not None
    store = _store(settings.cache_dir, salt)
    snapshot = store.load(snapshot_key)
    if not isinstance(snapshot, Snapshot):
        return None
    racy = snapshot.started_ns - RACY_NS
    if paths != snapshot.named or not _ledger_holds(snapshot.ledger, racy):
        return None
    moved = _folders_moved(snapshot.folders, racy)
    if moved is None:
        return None
    stamps = _stamps_now(snapshot.files, racy)
    if stamps is None:
        return None
    if stamps:
        return _walked(snapshot, moved, stamps, settings.config.max_file_size)
    folders = {**snapshot.folders, **moved}
    settled = [
        folder
        for folder, (stamp, _) in folders.items()
        if (folder in moved or max(stamp[1:3]) >= racy) and max(stamp[1:3]) < started_ns - RACY_NS
    ]
    if settled:
        # Folders listed again (their stamp moved, or was racy) and found as noted, whose
        # stamps are not racy to this run's start: noted as of this run, later runs need not
        # list them again (each run that lists a few folders costs less than writing this).
        # All else was found unchanged and not racy to the older start, so is to this one.
        store.store(snapshot_key, dataclasses.replace(snapshot, folders=folders, started_ns=started_ns))
    else:  # used: the most recently used are the ones kept (see _keep_recent)
        store.touch(snapshot_key)
    mark_used(generation(settings.cache_dir, salt))
    return _with_sources(snapshot.result)


def save(
    settings: Settings,
    salt: str,
    snapshot_key: str,
    started_ns: int,
    paths: tuple[tuple[str, str], ...],
    found: Discovery,
    ledger: Ledger,
    result: ScanResult,
) -> None:
    assert settings.cache_dir is not None
    snapshot = Snapshot(
        started_ns,
        paths,
        found.folders,
        tuple((f.file, f.stamp) for f in found.files),
        frozenset(f.file for f in found.files if f.explicit),
        tuple(found.skipped),
        found.roots,
        ledger,
        _without_sources(result),
    )
    store = _store(settings.cache_dir, salt)
    store.store(snapshot_key, snapshot)
    _keep_recent(store.folder)


def _store(cache_dir: Path, salt: str) -> AnalysisCache:
    return AnalysisCache(generation(cache_dir, salt) / SUBFOLDER, root=cache_dir)


def _ledger_holds(ledger: Ledger, racy: int) -> bool:
    if any(stamp is not None and max(stamp[1:3]) >= racy for stamp in ledger.stamps.values()):
        return False
    return ledger.still_holds()


def _folders_moved(folders: dict[str, tuple[Stamp, str]], racy: int) -> dict[str, tuple[Stamp, str]] | None:
    """The folders whose stamp moved but whose listing did not (with their new stamps), or
    None when some listing changed."""
    moved: dict[str, tuple[Stamp, str]] = {}
    for folder, (stamp, signature) in folders.items():
        try:
            now = stamp_of(os.stat(folder))
            if now == stamp and max(now[1:3]) < racy:
                continue
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            return None
        if listing_signature(entries) != signature:
            return None
        if now != stamp:
            moved[folder] = now, signature
    return moved


def _stamps_now(files: Sequence[tuple[str, Stamp]], racy: int) -> dict[int, Stamp] | None:
    """The files whose stamp moved, or is racy, by place, with their stamps now (None: one is
    gone, which its folder's listing shows too)."""
    stat = os.stat
    changed: dict[int, Stamp] = {}
    for place, (file, stamp) in enumerate(files):
        try:
            now = stat(file)
        except OSError:
            return None
        now_stamp = stamp_of(now)
        if now_stamp != stamp or now.st_mtime_ns >= racy or now.st_ctime_ns >= racy:
            changed[place] = now_stamp
    return changed


def _walked(
    snapshot: Snapshot, moved: dict[str, tuple[Stamp, str]], stamps: dict[int, Stamp], max_file_size: int
) -> Walked | None:
    """The walk's outcome with the files' stamps of now (None: a file outgrew the size limit,
    which changes what the walk decides). A racy stamp is passed on as it is: the warm index
    reads such a file again."""
    if any(stamp[0] > max_file_size for stamp in stamps.values()):
        return None
    files = [
        DiscoveredFile(file, language, file in snapshot.explicit, stamps.get(place, stamp))
        for place, (file, stamp) in enumerate(snapshot.files)
        if (language := language_for(file)) is not None
    ]
    folders = {**snapshot.folders, **moved}
    discovery = Discovery(files, list(snapshot.skipped), [], dict(snapshot.roots), folders)
    return Walked(discovery, snapshot.ledger)


def _without_sources(result: ScanResult) -> ScanResult:
    """`result` as noted: no texts, and no project memos (rules rebuild those when asked)."""
    return dataclasses.replace(
        result,
        results=[dataclasses.replace(r, source=None) for r in result.results],
        projects={
            root: dataclasses.replace(facts, current_text=None, _memo={})
            for root, facts in result.projects.items()
        },
        _by_display=None,
    )


def _with_sources(result: ScanResult) -> ScanResult | None:
    """`result` with the texts of the files with findings read again (None: one changed)."""
    for file_result in result.results:
        job = file_result.job
        assert file_result.digest is not None  # noted only with findings, which come with it
        file_result.source = read_unchanged(job.path, job.language, file_result.digest)
        if file_result.source is None:
            return None
    return result


def _keep_recent(folder: Path) -> None:
    """Only the KEEP most recently written or used snapshots (AnalysisCache keeps each in a subfolder
    named by its key's first two characters)."""
    try:
        subfolders = [sub.path for sub in os.scandir(folder) if sub.is_dir(follow_symlinks=False)]
        found = [(entry.stat().st_mtime_ns, entry.path) for sub in subfolders for entry in os.scandir(sub)]
    except OSError:
        return
    found.sort(reverse=True)
    for _, path in found[KEEP:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
