"""The per-file step: (path, text, rules, options) -> findings and facts.

It is a pure function of its inputs so that it can run in a worker process and, later,
be cached by content hash. The file is read once and parsed once; every rule runs on
that one tree.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from handrail.engine import inputs
from handrail.engine.cache import AnalysisCache, generation
from handrail.engine.context import FileContext
from handrail.engine.languages import Language
from handrail.engine.model import FileError, Finding, Skipped
from handrail.engine.project import ProjectInfo
from handrail.engine.rule import Rule
from handrail.engine.source import NO_STAMP, Source, Stamp, Unreadable, read_source, stamp_of
from handrail.engine.suppressions import MARKER, Suppression, find_suppressions
from handrail.engine.syntax import first_problem, looks_broken


@dataclass(frozen=True, slots=True)
class FileJob:
    file: str  # absolute (a string: see DiscoveredFile)
    display: str
    language: Language
    project: ProjectInfo
    rule_ids: tuple[str, ...]
    options: Mapping[str, Mapping[str, Any]]
    explicit: bool = False
    cache_dir: Path | None = None
    salt: str = ""  # identifies handrail's code and the rules' options (see cache.rules_salt)
    stamp: Stamp = NO_STAMP  # when discovered

    @property
    def path(self) -> Path:
        return Path(self.file)

    def cache(self) -> AnalysisCache:
        """Where this job's analyses are cached (call only with a cache_dir)."""
        assert self.cache_dir is not None
        return AnalysisCache(generation(self.cache_dir, self.salt), root=self.cache_dir)

    def cache_key(self, digest: str) -> str:
        # What all files share (code, options: the salt) and what a project shares are
        # computed once, not per file: this runs for every file of a cached run.
        return AnalysisCache.key(
            self.salt, self.file, self.display, digest, self.rule_ids, _project_key(self.project)
        )


@cache
def _project_key(project: ProjectInfo) -> tuple[str, tuple[str, ...]]:
    return str(project.root), tuple(sorted(project.dependencies))


@dataclass(slots=True)
class Analysis:
    """What the rules said about one text."""

    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # rule id -> collected facts
    errors: list[str] = field(default_factory=list)  # rule crashes: handrail's own bugs
    syntax_error: str | None = None
    suppressions: list[Suppression] = field(default_factory=list)
    # Rules with a `project_requires` gate: those this text opens for its project, and those
    # not run yet because it does not (the scan runs them once another file has opened them).
    opens: tuple[str, ...] = ()
    deferred: tuple[str, ...] = ()
    # Some rule parsed the text: this analysis is worth caching by content (an unparsed text
    # is quicker to analyse again than a cache entry is to write and read).
    parsed: bool = False

    @property
    def empty(self) -> bool:
        return self.empty_but_deferred and not self.deferred

    @property
    def cacheable(self) -> bool:
        """Worth a cache entry of its own: parsed (see `parsed`), and no rule crashed."""
        return self.parsed and not self.errors

    @property
    def empty_but_deferred(self) -> bool:
        """Nothing but deferred rules: the file can be remembered by its place alone."""
        return not (self.findings or self.facts or self.errors or self.syntax_error) and not (
            self.suppressions or self.opens
        )

    def merge(self, more: Analysis, ran: Collection[str]) -> None:
        """Add the findings and facts of deferred rules `ran` later on the same text."""
        self.findings = sorted([*self.findings, *more.findings], key=lambda f: (f.start, f.end, f.rule))
        self.facts.update(more.facts)
        self.errors.extend(more.errors)
        self.syntax_error = self.syntax_error or more.syntax_error
        self.deferred = tuple(d for d in self.deferred if d not in ran)  # others may open later
        self.parsed = self.parsed or more.parsed


@dataclass(slots=True)
class FileResult:
    job: FileJob
    source: Source | None = None  # kept only when there are findings (the text is needed later)
    analysis: Analysis = field(default_factory=Analysis)
    error: FileError | None = None
    skipped: Skipped | None = None
    digest: str | None = None  # of the bytes analysed
    indexed: bool = False  # taken from the warm index (see warm_index.py) without reading the file
    transient: bool = False  # not read for a reason its stamp does not show (see Unreadable)


@cache
def _instances(rule_ids: tuple[str, ...]) -> tuple[Rule, ...]:
    from handrail.codemods import catalog

    by_id = {rule.id: rule for rule in catalog()}
    return tuple(by_id[rule_id]() for rule_id in rule_ids)


def rules_for(rule_ids: Sequence[str]) -> tuple[Rule, ...]:
    return _instances(tuple(rule_ids))


def analyze_text(
    path: Path,
    display: str,
    text: str,
    language: Language,
    project: ProjectInfo,
    rule_ids: Sequence[str],
    options: Mapping[str, Mapping[str, Any]],
    opened: Collection[str] | None = None,
) -> Analysis:
    """`opened`: the gated rules (`Rule.project_requires`) known to apply in the project; None
    when that is not known yet, which defers a gated rule on a text that does not open it."""
    analysis = Analysis()
    selected: list[Rule] = []
    opens: list[str] = []
    deferred: list[str] = []
    gates: dict[int, bool] = {}  # rules that share a gate (the Zod rules) search the text once
    for rule in rules_for(rule_ids):
        if not rule.applies_to(language):
            continue
        if rule.project_requires is not None:
            gate = id(rule.project_requires)
            if gate not in gates:
                gates[gate] = rule.opens_project(text)
            if gates[gate]:
                opens.append(rule.id)
            elif opened is None or rule.id not in opened:
                if opened is None:
                    deferred.append(rule.id)
                continue
        if rule.may_match(text, project):
            selected.append(rule)
    analysis.opens, analysis.deferred = tuple(opens), tuple(deferred)
    if not selected and MARKER not in text:
        # No rule can match this text: don't parse it at all (the common case in a big repo).
        return analysis
    ctx = FileContext(path, display, text, language, project, options)
    for rule in selected:
        try:
            with inputs.closed():  # the text alone: what is cached by it (see inputs.py)
                analysis.findings.extend(rule.check(ctx))
                facts = rule.collect(ctx)
        except Exception:
            # One broken rule must not hide the others' findings; the run still fails (exit 2).
            import traceback

            last = traceback.format_exc().strip().splitlines()[-1]
            analysis.errors.append(f"internal error in rule {rule.id}: {last}")
            continue
        if facts is not None:
            analysis.facts[rule.id] = facts
    analysis.findings.sort(key=lambda f: (f.start, f.end, f.rule))
    analysis.suppressions = find_suppressions(ctx.root, text, language, ctx.lines) if MARKER in text else []
    # The full check parses again (tree-sitter, or CPython for Python), so it runs only where
    # the rules' shared tree looks broken (an ERROR node, or an empty one: how ast-grep shows a
    # MISSING `)`), or where a finding depends on the text being whole. A file no rule parsed
    # is not parsed for this alone; one libcst or CPython rejected is checked.
    if analysis.findings or ctx.python_rejected or (ctx.parsed and looks_broken(ctx.root)):
        # A Python file whose CPython tree some rule already built parses: no need to ask.
        problem = None if ctx.python_accepted else first_problem(text, language)
        if problem is not None:
            analysis.syntax_error = f"{problem}; files that do not parse are never fixed"
    analysis.parsed = ctx.any_tree
    return analysis


def prepare(job: FileJob) -> FileResult | Source:
    """Read the file once: a finished result (unreadable, or a cache hit), or its source to analyse."""
    try:
        source = read_source(job.path, job.language)
    except Unreadable as exc:
        if job.explicit:
            return FileResult(
                job, error=FileError(job.display, f"cannot check: {exc}"), transient=exc.transient
            )
        return FileResult(job, skipped=Skipped(job.display, str(exc)), transient=exc.transient)
    if job.cache_dir is not None:
        cached = job.cache().load(job.cache_key(source.digest))
        if isinstance(cached, Analysis):
            return _result(job, source, cached)
    return source


def analyze_source(job: FileJob, source: Source) -> FileResult:
    analysis = analyze_text(
        job.path, job.display, source.text, job.language, job.project, job.rule_ids, job.options
    )
    if job.cache_dir is not None and analysis.cacheable:
        job.cache().store(job.cache_key(source.digest), analysis)
    return _result(job, source, analysis)


def analyze_file(job: FileJob) -> FileResult:
    prepared = prepare(job)
    return prepared if isinstance(prepared, FileResult) else analyze_source(job, prepared)


def analyze_deferred(item: tuple[FileJob, str | None, tuple[str, ...]]) -> FileResult:
    """Run a file's deferred rules (see `Analysis.deferred`), once their project is known to
    open them: (job, digest of the text first analysed if known, rule ids) -> their analysis
    alone. Without a digest, the stamp taken at discovery tells whether the file changed."""
    job, first_digest, rule_ids = item
    changed = FileResult(job, error=FileError(job.display, "the file changed during the check; run again"))
    try:
        stat = os.stat(job.file)
        source = read_source(job.path, job.language)
    except (OSError, Unreadable) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        transient = isinstance(exc, OSError) or exc.transient
        return FileResult(job, error=FileError(job.display, f"cannot check: {reason}"), transient=transient)
    if first_digest is None and stamp_of(stat) != job.stamp:
        return changed
    if first_digest is not None and source.digest != first_digest:
        return changed
    # Without a digest the text may not be the one first analysed (rewritten within its mtime's
    # tick): analyse it whole, so that what is cached under its digest is all of it.
    ids = rule_ids if first_digest is not None else job.rule_ids
    analysis = analyze_text(
        job.path, job.display, source.text, job.language, job.project, ids, job.options, rule_ids
    )
    return FileResult(job, source=source, analysis=analysis, digest=source.digest)


def _result(job: FileJob, source: Source, analysis: Analysis) -> FileResult:
    # The text is kept only where it will be needed: to show findings or to fix them.
    keep = source if analysis.findings or analysis.suppressions else None
    return FileResult(job, source=keep, analysis=analysis, digest=source.digest)
