"""The pipeline: discover -> analyse each file (in a pool) -> resolve with project facts ->
plan fixes -> verify -> write."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from handrail.codemods import catalog
from handrail.engine import warm_index
from handrail.engine.analyze import (
    Analysis,
    FileJob,
    FileResult,
    analyze_deferred,
    analyze_file,
    analyze_prepared,
    analyze_text,
    prepare,
    rules_for,
)
from handrail.engine.cache import AnalysisCache, code_fingerprint
from handrail.engine.config import Config
from handrail.engine.discovery import discover
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, FileError, Finding, Skipped
from handrail.engine.planner import Plan, plan_fixes, wanted
from handrail.engine.project import ProjectFacts, find_root, project_info
from handrail.engine.rule import Rule
from handrail.engine.source import Source, Unreadable, read_source
from handrail.engine.suppressions import apply_suppressions
from handrail.engine.syntax import first_problem
from handrail.engine.warm_index import Entry, WarmIndex
from handrail.engine.writer import WriteRefused, write_fixed

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
    results: list[FileResult]
    findings: list[Finding]
    errors: list[FileError]
    skipped: list[Skipped]
    internal_errors: list[FileError]
    projects: dict[Path, ProjectFacts]
    files_checked: int
    selected: tuple[str, ...] = ()
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
    started = time.time_ns()
    config = settings.config
    found = discover(
        list(settings.paths),
        cwd=settings.cwd,
        include=config.include,
        exclude=config.exclude,
        glob_base=config.base,
        max_file_size=config.max_file_size,
    )
    rule_ids = tuple(rule.id for rule in settings.rules)
    salt = code_fingerprint() if settings.cache_dir is not None else ""
    roots: dict[Path, Path] = {}
    memo: dict[Path, Path | None] = {}
    jobs: list[FileJob] = []
    for item in found.files:
        folder = item.path.parent
        if folder not in roots:
            roots[folder] = find_root(folder, settings.cwd, memo)
        jobs.append(
            FileJob(
                path=item.path,
                display=display_path(item.path, settings.cwd),
                language=item.language,
                project=project_info(roots[folder]),
                rule_ids=_for_language(rule_ids, item.language),
                options=config.rule_options,
                explicit=item.explicit,
                cache_dir=settings.cache_dir,
                salt=salt,
                stamp=item.stamp,
            )
        )
    index_key = warm_index.index_key(salt, rule_ids, config.rule_options)
    index = None if settings.cache_dir is None else warm_index.load_index(settings.cache_dir, index_key)
    results = list(_analyze_all(jobs, settings.jobs, progress, index))
    opened = _complete_deferred(results, settings.jobs)
    if settings.cache_dir is not None:
        warm_index.save_index(settings.cache_dir, index_key, started, results)

    projects: dict[Path, ProjectFacts] = {}
    errors = list(found.errors)
    internal: list[FileError] = []
    skipped = list(found.skipped)
    for result in results:
        if result.skipped:
            skipped.append(result.skipped)
        if result.error:
            errors.append(result.error)
        internal.extend(FileError(result.job.display, e) for e in result.analysis.errors)
        if result.analysis.syntax_error:
            errors.append(FileError(result.job.display, result.analysis.syntax_error))
        info = result.job.project
        facts = projects.setdefault(info.root, ProjectFacts(info, opened=opened.get(info.root, frozenset())))
        for rule_id, value in result.analysis.facts.items():
            facts.collected.setdefault(rule_id, {})[result.job.path.as_posix()] = value

    findings: list[Finding] = []
    known = [rule.id for rule in catalog()]
    for result in results:
        text = result.source.text if result.source is not None else None
        resolved = _resolve(result.analysis.findings, projects[result.job.project.root], internal, text)
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
        if not resolved:
            result.source = None  # nothing to show or fix: let the text go
    findings.sort(key=lambda f: (f.path, f.start, f.end, f.rule))
    checked = sum(1 for r in results if r.skipped is None and r.error is None)
    return ScanResult(results, findings, errors, skipped, internal, projects, checked, rule_ids)


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
    if first_problem(original, job.language) is not None:
        return f"not fixed: the file already has a {first_problem(original, job.language)}"
    return f"fixes refused: the result would have a {problem}; the file is left unchanged"


def _analyze_all(
    jobs: list[FileJob], workers: int, progress: Progress | None, index: WarmIndex | None
) -> Iterator[FileResult]:
    """Results in the order of `jobs`. With a cache, files are looked up here first (in the warm
    index by stamp, else read and looked up by content), so a warm run never starts a process
    pool; only the misses (with their text) go to workers."""
    total = len(jobs)
    workers = workers or os.cpu_count() or 1
    cached = bool(jobs) and jobs[0].cache_dir is not None
    results: list[FileResult | None] = [None] * total
    pending: list[tuple[int, tuple[FileJob, Source]]] = []
    done = 0
    if cached:
        for position, job in enumerate(jobs):
            entry = index.lookup(job) if index is not None else None
            if entry is not None and (hit := _from_index(job, entry)) is not None:
                results[position] = hit
                done += 1
                continue
            prepared = prepare(job)
            if isinstance(prepared, FileResult):
                results[position] = prepared
                done += 1
            else:
                pending.append((position, (job, prepared)))
        if progress and done:
            progress(done, total)
        work: Iterable[FileResult]
        items = [item for _, item in pending]
        if workers == 1 or len(items) < POOL_THRESHOLD:
            work = map(analyze_prepared, items)
            yield from _merge(results, pending, work, done, total, progress)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                work = pool.map(analyze_prepared, items, chunksize=_chunk(len(items), workers))
                yield from _merge(results, pending, work, done, total, progress)
        return
    if workers == 1 or total < POOL_THRESHOLD:
        stream: Iterable[FileResult] = map(analyze_file, jobs)
        for item in stream:
            done += 1
            if progress:
                progress(done, total)
            yield item
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for item in pool.map(analyze_file, jobs, chunksize=_chunk(total, workers)):
            done += 1
            if progress:
                progress(done, total)
            yield item


def _complete_deferred(results: list[FileResult], workers: int) -> dict[Path, frozenset[str]]:
    """Run each file's deferred rules where another file of its project opened them (see
    `Rule.project_requires`), merging their findings in; the cache gets the whole analysis.
    Returns the rules each project opened."""
    opened: dict[Path, set[str]] = {}
    for result in results:
        opened.setdefault(result.job.project.root, set()).update(result.analysis.opens)
    todo: list[tuple[FileResult, tuple[FileJob, str, tuple[str, ...]]]] = []
    for result in results:
        wanted_ids = tuple(r for r in result.analysis.deferred if r in opened[result.job.project.root])
        if wanted_ids and result.digest is not None:
            todo.append((result, (result.job, result.digest, wanted_ids)))
    items = [item for _, item in todo]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(items) < POOL_THRESHOLD:
        work: Iterable[FileResult] = map(analyze_deferred, items)
        _merge_deferred(todo, work)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            _merge_deferred(todo, pool.map(analyze_deferred, items, chunksize=_chunk(len(items), workers)))
    return {root: frozenset(ids) for root, ids in opened.items()}


def _merge_deferred(
    todo: list[tuple[FileResult, tuple[FileJob, str, tuple[str, ...]]]], work: Iterable[FileResult]
) -> None:
    for (result, _), more in zip(todo, work, strict=True):
        if more.error is not None:
            result.error, result.analysis, result.source = more.error, Analysis(), None
            continue
        result.analysis.merge(more.analysis)
        if result.analysis.findings or result.analysis.suppressions:
            result.source = more.source
        job = result.job
        if job.cache_dir is not None and more.digest is not None and not result.analysis.errors:
            AnalysisCache(job.cache_dir).store(job.cache_key(more.digest), result.analysis)


def _from_index(job: FileJob, entry: Entry) -> FileResult | None:
    """The indexed analysis; the text is read only when findings will need it (None: it changed)."""
    analysis = entry.analysis
    if not (analysis.findings or analysis.suppressions):
        return FileResult(job, analysis=analysis, digest=entry.digest, indexed=True)
    try:
        source = read_source(job.path, job.language)
    except Unreadable:
        return None
    if source.digest != entry.digest:
        return None
    return FileResult(job, source=source, analysis=analysis, digest=entry.digest, indexed=True)


def _merge(
    results: list[FileResult | None],
    pending: list[tuple[int, tuple[FileJob, Source]]],
    work: Iterable[FileResult],
    done: int,
    total: int,
    progress: Progress | None,
) -> Iterator[FileResult]:
    for (index, _), analysed in zip(pending, work, strict=True):
        results[index] = analysed
        done += 1
        if progress:
            progress(done, total)
    for result in results:
        assert result is not None
        yield result


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
