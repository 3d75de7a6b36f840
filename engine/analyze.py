"""The per-file step: (path, text, rules, options) -> findings and facts.

It is a pure function of its inputs so that it can run in a worker process and, later,
be cached by content hash. The file is read once and parsed once; every rule runs on
that one tree.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from handrail.engine.cache import AnalysisCache
from handrail.engine.context import FileContext
from handrail.engine.languages import Language
from handrail.engine.model import FileError, Finding, Skipped
from handrail.engine.project import ProjectInfo
from handrail.engine.rule import Rule
from handrail.engine.source import Source, Unreadable, read_source
from handrail.engine.suppressions import MARKER, Suppression, find_suppressions
from handrail.engine.syntax import first_problem


@dataclass(frozen=True)
class FileJob:
    path: Path  # absolute
    display: str
    language: Language
    project: ProjectInfo
    rule_ids: tuple[str, ...]
    options: Mapping[str, Mapping[str, Any]]
    explicit: bool = False
    cache_dir: Path | None = None
    salt: str = ""  # identifies handrail's code; part of every cache key

    def cache_key(self, digest: str) -> str:
        options = json.dumps(self.options, sort_keys=True, default=str)
        deps = sorted(self.project.dependencies)
        return AnalysisCache.key(
            self.salt,
            str(self.path),
            self.display,
            digest,
            self.rule_ids,
            options,
            str(self.project.root),
            deps,
        )


@dataclass
class Analysis:
    """What the rules said about one text."""

    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # rule id -> collected facts
    errors: list[str] = field(default_factory=list)  # rule crashes: handrail's own bugs
    syntax_error: str | None = None
    suppressions: list[Suppression] = field(default_factory=list)


@dataclass
class FileResult:
    job: FileJob
    source: Source | None = None  # kept only when there are findings (the text is needed later)
    analysis: Analysis = field(default_factory=Analysis)
    error: FileError | None = None
    skipped: Skipped | None = None


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
) -> Analysis:
    analysis = Analysis()
    selected = [r for r in rules_for(rule_ids) if r.applies_to(language) and r.may_match(text)]
    if not selected and MARKER not in text:
        # No rule can match this text: don't parse it at all (the common case in a big repo).
        return analysis
    ctx = FileContext(path, display, text, language, project, options)
    # Rules share one ast-grep tree; syntax is checked with tree-sitter directly because
    # ast-grep does not expose MISSING nodes (an unclosed bracket parses without ERROR).
    problem = first_problem(text, language)
    if problem is not None:
        analysis.syntax_error = f"{problem}; files that do not parse are never fixed"
    for rule in selected:
        try:
            analysis.findings.extend(rule.check(ctx))
            facts = rule.collect(ctx)
        except Exception:
            # One broken rule must not hide the others' findings; the run still fails (exit 2).
            last = traceback.format_exc().strip().splitlines()[-1]
            analysis.errors.append(f"internal error in rule {rule.id}: {last}")
            continue
        if facts is not None:
            analysis.facts[rule.id] = facts
    analysis.findings.sort(key=lambda f: (f.start, f.end, f.rule))
    analysis.suppressions = find_suppressions(ctx.root, text, language, ctx.lines) if MARKER in text else []
    return analysis


def prepare(job: FileJob) -> FileResult | Source:
    """Read the file once: a finished result (unreadable, or a cache hit), or its source to analyse."""
    try:
        source = read_source(job.path, job.language)
    except Unreadable as exc:
        if job.explicit:
            return FileResult(job, error=FileError(job.display, f"cannot check: {exc}"))
        return FileResult(job, skipped=Skipped(job.display, str(exc)))
    if job.cache_dir is not None:
        cached = AnalysisCache(job.cache_dir).load(job.cache_key(source.digest))
        if isinstance(cached, Analysis):
            return _result(job, source, cached)
    return source


def analyze_source(job: FileJob, source: Source) -> FileResult:
    analysis = analyze_text(
        job.path, job.display, source.text, job.language, job.project, job.rule_ids, job.options
    )
    if job.cache_dir is not None and not analysis.errors:
        AnalysisCache(job.cache_dir).store(job.cache_key(source.digest), analysis)
    return _result(job, source, analysis)


def analyze_file(job: FileJob) -> FileResult:
    prepared = prepare(job)
    return prepared if isinstance(prepared, FileResult) else analyze_source(job, prepared)


def analyze_prepared(item: tuple[FileJob, Source]) -> FileResult:
    """`analyze_source` for a pool's map (one argument)."""
    return analyze_source(*item)


def _result(job: FileJob, source: Source, analysis: Analysis) -> FileResult:
    # The text is kept only where it will be needed: to show findings or to fix them.
    keep = source if analysis.findings or analysis.suppressions else None
    return FileResult(job, source=keep, analysis=analysis)
