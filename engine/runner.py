"""The pipeline: discover -> analyse each file (in a pool) -> resolve with project facts ->
plan fixes -> verify -> write."""

from __future__ import annotations

import os
import time
from array import array
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handrail.codemods import catalog
from handrail.engine import inputs, snapshot, warm_index
from handrail.engine.analyze import (
    Analysis,
    FileJob,
    FileResult,
    analyze_deferred,
    analyze_file,
    analyze_source,
    analyze_text,
    prepare,
    rules_for,
)
from handrail.engine.cache import generation, mark_used, prune, rules_salt
from handrail.engine.config import Config
from handrail.engine.discovery import DiscoveredFile, Discovery, discover
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, FileError, Finding, Skipped
from handrail.engine.planner import Plan, plan_fixes, wanted
from handrail.engine.project import ProjectFacts, ProjectInfo, find_root, project_info
from handrail.engine.rule import Rule
from handrail.engine.source import Source, read_unchanged
from handrail.engine.suppressions import apply_suppressions
from handrail.engine.syntax import first_problem
from handrail.engine.warm_index import Entry, WarmIndex
from handrail.engine.writer import WriteRefused, write_fixed

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# Below this many files a process pool costs more than it saves.
POOL_THRESHOLD = 64

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Settings:
    paths: Sequence[Path]
    cwd: Path
    config: Config
    rules: Sequence[type[Rule]]
    jobs: int = 0  # 0: one per CPU
    cache_dir: Path | None = None  # None: no cache


@dataclass
class ScanResult:
    results: list[FileResult]  # the files with findings, in path order
    findings: list[Finding]
    errors: list[FileError]
    skipped: list[Skipped]
    internal_errors: list[FileError]
    projects: dict[Path, ProjectFacts]
    files_checked: int
    selected: tuple[str, ...] = ()
    transient: bool = False  # some file could not be read for a reason its stamp does not show
    _by_display: dict[str, Source] | None = field(default=None, repr=False)

    def source(self, display: str) -> Source | None:
        if self._by_display is None:
            self._by_display = {r.job.display: r.source for r in self.results if r.source is not None}
        return self._by_display.get(display)


@dataclass
class FileFix:
    result: FileResult
    plan: Plan
    written: bool = False
    error: str | None = None


@dataclass
class FixResult:
    files: list[FileFix] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    internal_errors: list[FileError] = field(default_factory=list)

    @property
    def changed(self) -> list[FileFix]:
        return [f for f in self.files if f.plan.changed and f.error is None]


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def scan(settings: Settings, progress: Progress | None = None) -> ScanResult:
    """With a cache, the last scan's result when nothing it was made from has changed (see
    snapshot.py), else a scan that notes what it was made from for the next run."""
    started = time.time_ns()
    rule_ids = tuple(rule.id for rule in settings.rules)
    if settings.cache_dir is None:
        return _scan(settings, progress, started, rule_ids, "")[0]
    salt = rules_salt(settings.config.rule_options)
    snapshot_key = snapshot.key(settings, salt, rule_ids)
    paths = snapshot.named(settings)
    remembered = snapshot.recall(settings, salt, snapshot_key, paths, started)
    if isinstance(remembered, ScanResult):
        return remembered
    with inputs.recording() as ledger:
        walked = remembered.discovery if remembered else None
        result, found = _scan(settings, progress, started, rule_ids, salt, walked=walked)
    if remembered is not None:  # the walk's looks, made by the scan that noted them
        ledger = ledger.under(remembered.ledger)
    # Not worth noting: a run that failed, or that could not read something for a reason no
    # stamp shows (permissions, I/O), which the next run may read with nothing noted changed.
    if not (found.errors or result.internal_errors or result.transient or ledger.transient):
        snapshot.save(settings, salt, snapshot_key, started, paths, found, ledger, result)
    return result


def _scan(
    settings: Settings,
    progress: Progress | None,
    started: int,
    rule_ids: tuple[str, ...],
    salt: str,
    walked: Discovery | None = None,
) -> tuple[ScanResult, Discovery]:
    """`salt`: see cache.rules_salt ("" without a cache); `walked`: what the walk would find,
    when a snapshot tells it (see snapshot.Walked)."""
    config = settings.config
    found = walked or discover(
        list(settings.paths),
        cwd=settings.cwd,
        include=config.include,
        exclude=config.exclude,
        glob_base=config.base,
        max_file_size=config.max_file_size,
    )
    index_key = warm_index.index_key(salt, rule_ids)
    index = None if settings.cache_dir is None else warm_index.load_index(settings.cache_dir, salt, index_key)
    gathered = _Gathered(list(found.errors), list(found.skipped), indexing=settings.cache_dir is not None)
    jobs = _jobs(found.files, settings, rule_ids, salt, found.roots, index)
    for result in _analyze_all(jobs, len(found.files), settings.jobs, progress, index):
        gathered.add(result)

    def jobs_again(places: list[int]) -> Iterator[FileJob]:
        again = _jobs([found.files[i] for i in places], settings, rule_ids, salt, found.roots)
        return (job for job in again if isinstance(job, FileJob))  # no index: all are jobs

    gathered.run_deferred(jobs_again, settings.jobs)
    gathered.drop_closed_gates([rule.id for rule in rules_for(rule_ids) if rule.project_requires is not None])
    if settings.cache_dir is not None:
        if gathered.dirty:
            entries = gathered.entries
            if index is not None:  # a run on some paths keeps what the index knows of the others
                entries = {**_outside(index.entries, settings), **entries}
            warm_index.save_index(settings.cache_dir, salt, index_key, started, entries)
            prune(settings.cache_dir, generation(settings.cache_dir, salt))
        else:
            mark_used(generation(settings.cache_dir, salt))

    projects = gathered.projects
    findings: list[Finding] = []
    known = [rule.id for rule in catalog()]
    kept: list[FileResult] = []
    for result in gathered.kept:
        text = result.source.text if result.source is not None else None
        resolved = _resolve(
            result.analysis.findings, projects[result.job.project.root], gathered.internal, text
        )
        if result.source is not None:
            resolved = apply_suppressions(
                resolved,
                result.analysis.suppressions,
                result.source.text,
                result.job.display,
                rule_ids,
                known,
            )
        result.analysis.findings = resolved
        findings.extend(resolved)
        if resolved:
            kept.append(result)
    findings.sort(key=lambda f: (f.path, f.start, f.end, f.rule))
    scanned = ScanResult(
        kept,
        findings,
        gathered.errors,
        gathered.skipped,
        gathered.internal,
        projects,
        gathered.checked,
        rule_ids,
        gathered.transient,
    )
    return scanned, found


def _outside(entries: Mapping[str, Entry], settings: Settings) -> dict[str, Entry]:
    """The entries for files outside the paths scanned (a file inside them that this run did
    not index is gone, or no longer scanned)."""
    covered = tuple(os.path.realpath(settings.cwd / path) for path in settings.paths)
    below = tuple(path.rstrip(os.sep) + os.sep for path in covered)
    return {
        file: entry for file, entry in entries.items() if file not in covered and not file.startswith(below)
    }


def _jobs(
    files: Iterable[DiscoveredFile],
    settings: Settings,
    rule_ids: tuple[str, ...],
    salt: str,
    known: Mapping[str, bool],
    index: WarmIndex | None = None,
) -> Iterator[FileJob | _Unchanged]:
    """A job per file, made as the analysis takes them (not all held at once); `known`: see
    `Discovery.roots`. A file the warm `index` vouches for with nothing to show (but rules
    deferred by a project gate) gets no job: in a warm run that is nearly every file, and a
    job costs more than the check."""
    folders: dict[str, tuple[ProjectInfo, str]] = {}
    memo: dict[Path, Path | None] = {}
    projects: dict[Path, ProjectInfo] = {}  # by root: its package.json is looked at once
    cwd = str(settings.cwd)
    for item in files:
        folder = os.path.dirname(item.file)
        if folder not in folders:
            root_path = find_root(Path(folder), settings.cwd, memo, known)
            if root_path not in projects:
                projects[root_path] = project_info(root_path)
            project = projects[root_path]
            folders[folder] = project, str(project.root)
        project, root = folders[folder]
        display = _display(item.file, cwd)
        if index is not None:
            entry = index.unchanged(item.file, item.stamp, (display, root, project.dependencies))
            if entry is not None and entry.found is None:
                yield _Unchanged(item.file, entry, project)
                continue
        yield FileJob(
            file=item.file,
            display=display,
            language=item.language,
            project=project,
            rule_ids=_for_language(rule_ids, item.language),
            options=settings.config.rule_options,
            explicit=item.explicit,
            cache_dir=settings.cache_dir,
            salt=salt,
            stamp=item.stamp,
        )


@dataclass(frozen=True, slots=True)
class _Unchanged:
    """A file whose indexed analysis is empty but for deferred rules (see `_jobs`): checked,
    nothing to show."""

    file: str
    entry: Entry
    project: ProjectInfo


def _display(file: str, cwd: str) -> str:
    """`display_path` for an absolute path as a string (without making a Path of it)."""
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep  # cwd "/" ends with one already
    if file.startswith(prefix):
        file = file[len(prefix) :]
    return file.replace(os.sep, "/")


class _Gathered:
    """What the scan keeps of the per-file results as they stream in: counts, errors and
    facts, but a file's whole result only while it has something to show, fix or finish, so
    that memory does not grow with the files that have nothing to say. A file whose only news
    is deferred rules is remembered by its place in the discovered files."""

    def __init__(self, errors: list[FileError], skipped: list[Skipped], indexing: bool) -> None:
        self.errors, self.skipped = errors, skipped
        self.internal: list[FileError] = []
        self.projects: dict[Path, ProjectFacts] = {}
        self.kept: list[FileResult] = []
        # By project root: the places in the discovery of files with nothing but deferred rules.
        self.only_deferred: dict[Path, array[int]] = {}
        self.checked = 0
        self.opened: dict[Path, set[str]] = {}
        self.indexing = indexing
        self.entries: dict[str, warm_index.Entry] = {}  # for the warm index
        self.dirty = False  # some entry is new or changed: the warm index must be rewritten
        self.transient = False  # some file could not be read (see FileResult.transient)
        self._seen = 0

    def add(self, result: FileResult | _Unchanged) -> None:
        place, self._seen = self._seen, self._seen + 1
        if isinstance(result, _Unchanged):  # as below, for an analysis with nothing else
            self.checked += 1
            root = result.project.root
            if root not in self.projects:
                self.projects[root] = ProjectFacts(result.project)
            if self.indexing:
                self.entries[result.file] = result.entry
            if result.entry.pending:
                self.only_deferred.setdefault(root, array("L")).append(place)
            return
        job, analysis = result.job, result.analysis
        self.transient = self.transient or result.transient
        if result.skipped:
            self.skipped.append(result.skipped)
        if result.error:
            self.errors.append(result.error)
        if result.skipped or result.error:
            return
        self.checked += 1
        self.opened.setdefault(job.project.root, set()).update(analysis.opens)
        self._take(job, analysis)
        self._index(job, result.digest, analysis, changed=not result.indexed)
        if analysis.findings or analysis.suppressions:
            self.kept.append(result)
        elif analysis.deferred and analysis.empty_but_deferred:
            self.only_deferred.setdefault(job.project.root, array("L")).append(place)
        elif analysis.deferred:
            self.kept.append(result)

    def run_deferred(self, jobs: Callable[[list[int]], Iterator[FileJob]], workers: int) -> None:
        """Run each file's deferred rules where another file of its project opened them (see
        `Rule.project_requires`), merging their findings in; the cache gets the whole analysis.
        `jobs` makes the jobs again for places in the discovered files."""
        todo: list[tuple[FileResult | None, tuple[FileJob, str | None, tuple[str, ...]]]] = []
        for result in self.kept:
            wanted_ids = self._wanted(result.job, result.analysis.deferred)
            if wanted_ids:
                todo.append((result, (result.job, result.digest, wanted_ids)))
        places = [p for root, ps in self.only_deferred.items() if self.opened.get(root) for p in ps]
        for job in jobs(sorted(places)):
            wanted_ids = self._wanted(job, rules_for(job.rule_ids))
            if wanted_ids:
                todo.append((None, (job, None, wanted_ids)))
        self.only_deferred.clear()
        items = [item for _, item in todo]
        workers = workers or os.cpu_count() or 1
        if workers == 1 or len(items) < POOL_THRESHOLD:
            self._merge_deferred(todo, map(analyze_deferred, items))
        else:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                work = pool.map(analyze_deferred, items, chunksize=_chunk(len(items), workers))
                self._merge_deferred(todo, work)
        self.kept = [r for r in self.kept if r.analysis.findings or r.analysis.suppressions]
        self.kept.sort(key=lambda r: r.job.file.split(os.sep))  # the order of discovery
        for root, facts in self.projects.items():
            facts.opened = frozenset(self.opened.get(root, ()))

    def drop_closed_gates(self, gated: Collection[str]) -> None:
        """Forget what gated rules said in projects where no file opened their gate in this
        run. Only an analysis from the cache can hold that: one made when another file (since
        changed or deleted) had opened the gate, which a run without the cache would not
        have run the rule for. (A file that opens a gate itself opens it in every run.)"""
        for root, facts in self.projects.items():
            for rule_id in set(gated) - self.opened.get(root, set()):
                facts.collected.pop(rule_id, None)
        for result in self.kept:
            closed = set(gated) - self.opened.get(result.job.project.root, set())
            findings = result.analysis.findings
            if closed and any(finding.rule in closed for finding in findings):
                result.analysis.findings = [f for f in findings if f.rule not in closed]
        self.kept = [r for r in self.kept if r.analysis.findings or r.analysis.suppressions]

    def _wanted(self, job: FileJob, deferred: Iterable[str | Rule]) -> tuple[str, ...]:
        opened = self.opened.get(job.project.root, set())
        ids = (d if isinstance(d, str) else d.id for d in deferred)
        return tuple(r for r in ids if r in opened)

    def _merge_deferred(
        self,
        todo: list[tuple[FileResult | None, tuple[FileJob, str | None, tuple[str, ...]]]],
        work: Iterable[FileResult],
    ) -> None:
        for (result, (job, _, ran)), more in zip(todo, work, strict=True):
            self.transient = self.transient or more.transient
            if more.error is not None:
                self.errors.append(more.error)
                self.checked -= 1
                if result is not None:
                    result.analysis, result.source = Analysis(), None
                self.dirty = self.entries.pop(job.file, None) is not None or self.dirty
                continue
            if result is None:  # a file that had nothing but deferred rules: `more` is all of it
                gated = (r.id for r in rules_for(job.rule_ids) if r.project_requires is not None)
                more.analysis.deferred = tuple(
                    r for r in gated if r not in ran and r not in more.analysis.opens
                )
                result = FileResult(job, source=more.source, analysis=more.analysis, digest=more.digest)
                self.kept.append(result)
                self._take(job, more.analysis)
            else:
                if result.analysis.syntax_error:
                    more.analysis.syntax_error = None  # reported already
                self._take(job, more.analysis)
                result.analysis.merge(more.analysis, ran)
            if result.analysis.findings or result.analysis.suppressions:
                result.source = more.source
            self._index(job, more.digest, result.analysis)
            if job.cache_dir is not None and more.digest is not None and result.analysis.cacheable:
                job.cache().store(job.cache_key(more.digest), result.analysis)

    def _take(self, job: FileJob, analysis: Analysis) -> None:
        self.internal.extend(FileError(job.display, e) for e in analysis.errors)
        if analysis.syntax_error:
            self.errors.append(FileError(job.display, analysis.syntax_error))
        info = job.project
        facts = self.projects.get(info.root)
        if facts is None:
            facts = self.projects[info.root] = ProjectFacts(info)
        for rule_id, value in analysis.facts.items():
            facts.collected.setdefault(rule_id, {})[job.path.as_posix()] = value

    def _index(self, job: FileJob, digest: str | None, analysis: Analysis, changed: bool = True) -> None:
        if self.indexing and digest is not None and job.stamp[0] >= 0 and not analysis.errors:
            self.entries[job.file] = warm_index.Entry.of(job, digest, analysis)
            self.dirty = self.dirty or changed


# Narrows a re-analysed file's findings (e.g. to the lines of a pull request's diff).
Refine = Callable[[str, list[Finding]], list[Finding]]


def reanalyzer(
    scan_result: ScanResult, result: FileResult, internal: list[FileError], refine: Refine | None = None
) -> Callable[[str], list[Finding]]:
    """The file's findings for a new text, as between fix passes: analysed, resolved with the
    project facts first collected (a fix does not change other files), suppressions applied."""
    job = result.job
    project = scan_result.projects[job.project.root]
    known = [rule.id for rule in catalog()]

    def reanalyze(text: str) -> list[Finding]:
        analysis = analyze_text(
            job.path, job.display, text, job.language, job.project, job.rule_ids, job.options, project.opened
        )
        internal.extend(FileError(job.display, e) for e in analysis.errors)
        resolved = _resolve(analysis.findings, project, internal, text)
        found = apply_suppressions(
            resolved, analysis.suppressions, text, job.display, scan_result.selected, known
        )
        return refine(text, found) if refine is not None else found

    return reanalyze


def fix(
    scan_result: ScanResult,
    minimum: Applicability,
    write: bool,
    refine_for: Callable[[FileResult], Refine | None] | None = None,
) -> FixResult:
    outcome = FixResult()
    for result in scan_result.results:
        source = result.source
        if source is None or not wanted(result.analysis.findings, minimum):
            continue
        if result.analysis.syntax_error:
            continue  # already reported by scan; a broken file is left alone
        job = result.job
        refine = refine_for(result) if refine_for is not None else None
        reanalyze = reanalyzer(scan_result, result, outcome.internal_errors, refine)
        plan = plan_fixes(source.text, result.analysis.findings, minimum, reanalyze, source.newline)
        file_fix = FileFix(result, plan)
        outcome.files.append(file_fix)
        if not plan.changed:
            continue
        file_fix.error = _verify(source.text, plan.text, job)
        if file_fix.error is None and write:
            try:
                write_fixed(job.path, source, plan.text)
                file_fix.written = True
            except WriteRefused as exc:
                file_fix.error = f"not written: {exc}"
        if file_fix.error:
            outcome.errors.append(FileError(job.display, file_fix.error))
    return outcome


def _verify(original: str, fixed: str, job: FileJob) -> str | None:
    problem = first_problem(fixed, job.language)
    if problem is None:
        return None
    before = first_problem(original, job.language)
    if before is not None:
        return f"not fixed: the file already has a {before}"
    return f"fixes refused: the result would have a {problem}; the file is left unchanged"


def _analyze_all(
    jobs: Iterable[FileJob | _Unchanged],
    total: int,
    workers: int,
    progress: Progress | None,
    index: WarmIndex | None,
) -> Iterator[FileResult | _Unchanged]:
    """Results in the order of `jobs`, streamed: only a few chunks of files are in flight at a
    time, so memory does not grow with the number of files. With a cache, files are looked up
    here first (in the warm index by stamp, else read and looked up by content); only misses
    (with their text) go to worker processes, which start only once enough misses have come,
    so a warm run never pays for a pool."""
    workers = workers or os.cpu_count() or 1
    for done, result in enumerate(_in_order(jobs, total, workers, index), start=1):
        if progress:
            progress(done, total)
        yield result


def _look_up(
    job: FileJob | _Unchanged, index: WarmIndex | None
) -> FileResult | _Unchanged | FileJob | tuple[FileJob, Source]:
    """A finished result (a cache hit, or unreadable), else the work left: the job, or the job
    and its text when it was read here to look it up. A file whose stamp moved but whose bytes
    did not (a checkout, a touch) keeps its indexed analysis: only parsed files have cache
    entries of their own (see `Analysis.parsed`)."""
    if isinstance(job, _Unchanged) or job.cache_dir is None:
        return job
    entry = index.lookup(job) if index is not None else None
    if entry is not None and (hit := _from_index(job, entry)) is not None:
        return hit
    prepared = prepare(job)
    if isinstance(prepared, FileResult):
        return prepared
    same = index.same_bytes(job, prepared.digest) if index is not None else None
    if same is not None and (hit := _from_index(job, same, prepared)) is not None:
        hit.indexed = False  # under a new stamp: the index must be rewritten
        return hit
    return job, prepared


def _work(items: list[FileJob | tuple[FileJob, Source]]) -> list[FileResult]:
    """One chunk of misses, in a worker (or in-process)."""
    return [analyze_file(i) if isinstance(i, FileJob) else analyze_source(*i) for i in items]


@dataclass(eq=False)  # compared by identity
class _Chunk:
    items: list[FileJob | tuple[FileJob, Source]] = field(default_factory=list)
    future: Future[list[FileResult]] | None = None
    results: list[FileResult] | None = None  # run in-process

    def result(self, position: int) -> FileResult:
        if self.results is None:
            self.results = self.future.result() if self.future is not None else _work(self.items)
        return self.results[position]


def _in_order(
    jobs: Iterable[FileJob | _Unchanged], total: int, workers: int, index: WarmIndex | None
) -> Iterator[FileResult | _Unchanged]:
    if workers == 1 or total < POOL_THRESHOLD:
        for job in jobs:
            looked = _look_up(job, index)
            yield looked if isinstance(looked, FileResult | _Unchanged) else _work([looked])[0]
        return
    size, ahead = _chunk(total, workers), workers * 4  # chunks in flight: keeps workers busy
    queue: deque[FileResult | _Unchanged | tuple[_Chunk, int]] = deque()
    waiting: list[_Chunk] = []  # full chunks not submitted: the pool has not been started yet
    flying: deque[_Chunk] = deque()
    current = _Chunk()
    misses = 0
    pool: ProcessPoolExecutor | None = None

    def submit(chunk: _Chunk) -> None:
        nonlocal pool
        if pool is None:
            # Imported and started on the first submit: a warm run pays for neither.
            from concurrent.futures import ProcessPoolExecutor

            pool = ProcessPoolExecutor(max_workers=workers)
        chunk.future = pool.submit(_work, chunk.items)
        flying.append(chunk)

    try:
        for job in jobs:
            looked = _look_up(job, index)
            if isinstance(looked, FileResult | _Unchanged):
                queue.append(looked)
            else:
                queue.append((current, len(current.items)))
                current.items.append(looked)
                misses += 1
                if len(current.items) >= size:
                    waiting.append(current)
                    current = _Chunk()
                if misses >= POOL_THRESHOLD:  # enough work to pay for the workers
                    for chunk in waiting:
                        submit(chunk)
                    waiting.clear()
            # Hand results on as they are ready; wait only to bound the work in flight.
            while queue:
                head = queue[0]
                if isinstance(head, tuple):
                    chunk = head[0]
                    if chunk.future is None and chunk.results is None:
                        if misses >= POOL_THRESHOLD or len(queue) <= size * ahead:
                            break
                        # Too few misses yet to start workers, and results piling up behind
                        # them (a warm run with a few changed files): analyse them here.
                        if chunk is current:
                            current = _Chunk()
                        else:
                            waiting.remove(chunk)
                    elif chunk.future is not None and not chunk.future.done() and len(flying) <= ahead:
                        break
                    queue.popleft()
                    result = chunk.result(head[1])
                    if head[1] == len(chunk.items) - 1:  # the chunk is used up: let it go
                        if flying and flying[0] is chunk:
                            flying.popleft()
                        chunk.items, chunk.results = [], None
                    yield result
                else:
                    queue.popleft()
                    yield head
        if misses >= POOL_THRESHOLD:
            for chunk in [*waiting, current]:
                if chunk.items:
                    submit(chunk)
        # Below the threshold, the few misses run here (chunks with no future run in-process).
        for head in queue:
            if isinstance(head, tuple):
                yield head[0].result(head[1])
            else:
                yield head
    finally:
        if pool is not None:
            pool.shutdown()


def _from_index(job: FileJob, entry: Entry, source: Source | None = None) -> FileResult | None:
    """The indexed analysis; the text (`source`, if already read) is kept only when findings
    will need it, and read for that only then (None: it changed)."""
    analysis = entry.analysis
    if not (analysis.findings or analysis.suppressions):
        return FileResult(job, analysis=analysis, digest=entry.digest, indexed=True)
    if source is None:
        source = read_unchanged(job.path, job.language, entry.digest)
    elif source.digest != entry.digest:
        source = None
    if source is None:
        return None
    return FileResult(job, source=source, analysis=analysis, digest=entry.digest, indexed=True)


def _chunk(count: int, workers: int) -> int:
    return max(1, min(64, count // (workers * 8)))


def _rule(rule_id: str) -> Rule:
    return rules_for((rule_id,))[0]


@cache
def _for_language(rule_ids: tuple[str, ...], language: Language) -> tuple[str, ...]:
    return tuple(r for r in rule_ids if _rule(r).applies_to(language))


def _resolve(
    findings: list[Finding], project: ProjectFacts, internal: list[FileError], text: str | None = None
) -> list[Finding]:
    """Run each finding's rule's resolve; `text` is the file's current text (for rules that
    build their fix only once the project is known)."""
    kept: list[Finding] = []
    project.current_text = text
    for finding in findings:
        try:
            resolved: Any = _rule(finding.rule).resolve(finding, project)
        except Exception as exc:  # a rule's bug: report it, keep going, exit 2
            internal.append(FileError(finding.path, f"internal error in rule {finding.rule}: {exc!r}"))
            continue
        if resolved is not None:
            kept.append(resolved)
    return kept
