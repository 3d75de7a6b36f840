"""A warm run's shortcut: the last run's analyses by file, trusted while a file's stamp (size,
modification and change times, inode) is unchanged, so that an unchanged file is neither read
nor hashed.

Like git's index, it guards against a file rewritten within the clock tick of the stamp it
was read with: a file modified (or changed) less than `RACY_NS` before the run that wrote the
index began is read again. Any doubt (another stamp, project or display path) falls back to the
content-keyed per-file cache, which survives a checkout or a touch. The index is a signed
cache entry (see cache.py) per rule set and options, replaced whole by each run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from handrail.engine.analyze import Analysis, FileJob
from handrail.engine.cache import AnalysisCache, generation
from handrail.engine.source import Stamp

RACY_NS = 2_000_000_000
SUBFOLDER = "index"  # of the cache folder, apart from the per-file entries


@dataclass(frozen=True)
class Entry:
    stamp: Stamp  # when discovered (see source.py)
    where: tuple[str, str, frozenset[str]]  # display path, project root, dependencies
    digest: str  # of the bytes analysed
    # None: nothing but the `pending` rules (most files), which keeps the index small and
    # quick to load: a whole Analysis per file took longer to unpickle than the rest.
    found: Analysis | None
    pending: tuple[str, ...] = ()  # rules deferred by a project gate (see Analysis.deferred)

    @classmethod
    def of(cls, job: FileJob, digest: str, analysis: Analysis) -> Entry:
        if analysis.empty_but_deferred:
            return cls(job.stamp, _where(job), digest, None, analysis.deferred)
        return cls(job.stamp, _where(job), digest, analysis)

    @property
    def analysis(self) -> Analysis:
        return self.found if self.found is not None else Analysis(deferred=self.pending)


@dataclass(frozen=True)
class WarmIndex:
    started_ns: int  # when the run that wrote it began
    entries: Mapping[str, Entry]  # absolute path -> entry

    def lookup(self, job: FileJob) -> Entry | None:
        return self.unchanged(job.file, job.stamp, _where(job))

    def same_bytes(self, job: FileJob, digest: str) -> Entry | None:
        """The entry for the job's file when it was indexed with these very bytes, whatever
        its stamp now (its analysis depends on nothing else)."""
        entry = self.entries.get(job.file)
        return entry if entry is not None and entry.digest == digest and entry.where == _where(job) else None

    def unchanged(self, file: str, stamp: Stamp, where: tuple[str, str, frozenset[str]]) -> Entry | None:
        """The entry for `file` when its stamp, place and project are those indexed (and the
        stamp is not racy), else None."""
        entry = self.entries.get(file)
        if entry is None or entry.stamp != stamp or max(stamp[1:3]) >= self.started_ns - RACY_NS:
            return None
        return entry if entry.where == where else None


def index_key(salt: str, rule_ids: Sequence[str]) -> str:
    """`salt`: see cache.rules_salt (handrail's code and the rules' options)."""
    return AnalysisCache.key("warm-index", salt, tuple(rule_ids))


def load_index(root: Path, salt: str, key: str) -> WarmIndex | None:
    index = _cache(root, salt).load(key)
    return index if isinstance(index, WarmIndex) else None


def save_index(root: Path, salt: str, key: str, started_ns: int, entries: Mapping[str, Entry]) -> None:
    _cache(root, salt).store(key, WarmIndex(started_ns, dict(entries)))


def _cache(root: Path, salt: str) -> AnalysisCache:
    """The index's place: in the cache folder `root`, with the entries of its generation."""
    return AnalysisCache(generation(root, salt) / SUBFOLDER, root=root)


def _where(job: FileJob) -> tuple[str, str, frozenset[str]]:
    return job.display, str(job.project.root), job.project.dependencies
