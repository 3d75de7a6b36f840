"""The project's pino logger for a finding, decided in `resolve`.

`collect` records what each file exports (and re-exports); `LoggerIndex` follows that across
files; `resolve_logger` turns a finding's `LoggerPlan` into a logger fix that uses a logger the
file already imports, or imports one from the nearest logger module.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from handrail.codemods.errors._js_import_site import ImportSite
from handrail.codemods.errors._js_modules import (
    MODULE_EXPORTS,
    ImportedBinding,
    extension_style,
    import_specifier,
    majority_style,
    module_system,
    relative_reexports,
    resolve_specifier,
)
from handrail.codemods.errors._js_pino import exported_loggers
from handrail.engine.context import FileContext
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts, ProjectInfo

# --- facts collected per file, and the project-wide index ------------------------------------


@dataclass(frozen=True)
class LoggerFacts:
    """What one file tells the project about pino loggers (picklable)."""

    exports: frozenset[str]  # export names of pino loggers made here
    reexports: tuple[tuple[str, str, str], ...]  # (exported as, imported name or "*", specifier)
    esm: bool  # whether the file is written with import/export
    extension_style: str | None


_RELATIVE_SPECIFIER = re.compile(r"""["'`]\.\.?/""")


def uses_logger_facts(project: ProjectInfo) -> bool:
    """Whether the project's files must be read for loggers: only pino fixes use them."""
    return project.depends_on("pino")


def collect_logger_facts(ctx: FileContext) -> LoggerFacts | None:
    # Both error rules collect the same facts: compute them once per file.
    return ctx.memo("errors.logger-facts", lambda: _logger_facts(ctx))


def _logger_facts(ctx: FileContext) -> LoggerFacts | None:
    if not ctx.language.is_js_like or not uses_logger_facts(ctx.project):
        return None
    # Each fact needs a word in the text; checking it first skips three walks over the tree in
    # most files (a logger comes from pino, a re-export says export, a relative import "./").
    text, root = ctx.text, ctx.root
    exports = exported_loggers(root) if "pino" in text else set()
    reexports = relative_reexports(root) if "export" in text else []
    style = extension_style(root) if _RELATIVE_SPECIFIER.search(text) else None
    if not exports and not reexports and style is None:
        return None
    return LoggerFacts(frozenset(exports), tuple(reexports), module_system(ctx) == "esm", style)


class LoggerIndex:
    """Which project files export a pino logger, under which names (re-exports followed)."""

    def __init__(self, facts: Mapping[str, object]) -> None:
        self.facts = {path: f for path, f in facts.items() if isinstance(f, LoggerFacts)}
        self._exports: dict[str, frozenset[str]] = {}

    def exports(self, path: str, _seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if path in self._exports:
            return self._exports[path]
        facts = self.facts.get(path)
        if facts is None or path in _seen:
            return frozenset()
        names = set(facts.exports)
        for exported, imported, spec in facts.reexports:
            target = resolve_specifier(path, spec, self.facts)
            if target is None:
                continue
            inner = self.exports(target, _seen | {path})
            if imported == "*":  # `export *` leaves out the default export
                names |= {n for n in inner if n not in ("default", MODULE_EXPORTS)}
            elif imported in inner:
                names.add(exported)
        result = frozenset(names)
        self._exports[path] = result
        return result

    def modules(self) -> list[str]:
        return sorted(p for p in self.facts if self.exports(p))

    def majority_style(self) -> str | None:
        return majority_style(f.extension_style for f in self.facts.values())

    def is_logger(self, binding: ImportedBinding, importer: str) -> bool:
        """Whether an import of `importer` binds a pino logger of the project."""
        target = resolve_specifier(importer, binding.specifier, self.facts)
        if target is None:
            return False
        exports = self.exports(target)
        if binding.imported == "default":  # ESM default import also receives a CommonJS module.exports
            return bool(exports & {"default", MODULE_EXPORTS})
        return binding.imported in exports


def logger_index(project: ProjectFacts, rule_id: str) -> LoggerIndex:
    return project.memo(f"{rule_id}:logger-index", lambda: LoggerIndex(project.facts(rule_id)))


# --- turning a console fix into a logger fix in `resolve` ------------------------------------


@dataclass(frozen=True)
class LoggerEdit:
    """An edit whose replacement is `head + <logger's local name> + tail`."""

    start: int
    end: int
    head: str
    tail: str

    def bind(self, local: str) -> Edit:
        return Edit(self.start, self.end, self.head + local + self.tail)


@dataclass(frozen=True)
class LoggerPlan:
    """How a finding's fix becomes a pino call once `resolve` knows which logger to use.

    Kept in `Finding.data` (picklable). `edits` are the logger fix with the logger name left open;
    `extra` edits go with them unchanged; `imported` are the file's relative-import bindings that
    may be the logger; `site` says how to import one (None: never add an import).
    """

    path: str
    edits: tuple[LoggerEdit, ...]
    extra: tuple[Edit, ...]
    imported: tuple[ImportedBinding, ...]
    site: ImportSite | None
    logger_name: str
    name_taken: bool  # `logger_name` is already used in the file
    applicability: Applicability
    description: str

    def fix(self, local: str, more: tuple[Edit, ...] = ()) -> Fix:
        edits = tuple(e.bind(local) for e in self.edits) + self.extra + more
        return Fix(self.applicability, edits, self.description.format(logger=local))


def resolve_logger(finding: Finding, project: ProjectFacts, rule_id: str) -> Finding:
    """Upgrade a finding whose data is a LoggerPlan to the pino fix, when a logger is found."""
    plan = finding.data
    if not isinstance(plan, LoggerPlan):
        return finding
    index = logger_index(project, rule_id)
    for binding in plan.imported:
        if index.is_logger(binding, plan.path):
            return finding.with_fix(plan.fix(binding.local))
    site = plan.site
    if site is None or plan.name_taken:
        return finding
    choice = _choose_module(plan, site, index)
    if choice is None:
        return finding
    target, export = choice
    style = site.extension_style or index.majority_style()
    if style is None and site.system == "esm" and plan.path.endswith((".js", ".mjs")):
        style = "js"  # Node's ESM loader wants full specifiers
    spec = import_specifier(plan.path, target, style)
    statement = site.statement(plan.logger_name, export, spec)
    fix = plan.fix(plan.logger_name, (Edit(site.offset, site.offset, statement),))
    return finding.with_fix(replace(fix, description=f"{fix.description} (imports it from {spec})"))


def _choose_module(plan: LoggerPlan, site: ImportSite, index: LoggerIndex) -> tuple[str, str] | None:
    """The logger module to import from and the export to use, preferring the export named
    `logger_name`, then a default export, then the nearest module."""
    options: list[tuple[tuple[int, int, str], str, str]] = []
    for path in index.modules():
        if path == plan.path:
            continue
        facts = index.facts[path]
        if site.system == "cjs" and facts.esm and not path.endswith((".ts", ".tsx", ".mts")):
            continue  # require() of an ES module fails on Node 20
        exports = index.exports(path)
        if plan.logger_name in exports:
            rank, export = 0, plan.logger_name
        elif exports & {"default", MODULE_EXPORTS}:
            rank, export = 1, "default" if "default" in exports else MODULE_EXPORTS
        else:
            rank, export = 2, sorted(exports)[0]
        if site.system == "esm" and export == MODULE_EXPORTS:
            export = "default"
        if site.system == "cjs" and export == "default":
            continue  # require() of a default export yields { default }, not the logger
        distance = len(posixpath.relpath(path, posixpath.dirname(plan.path)).split("/"))
        options.append(((rank, distance, path), path, export))
    if not options:
        return None
    _, path, export = min(options)
    return path, export
