"""errors/except-print with libcst: the calls a handler makes, what their names resolve to,
and the rewritten call.

Imported only for files that may hold a finding (libcst costs ~0.4 s to import); the rule's
check runs `findings`, on the narrowed module (_except_print_narrow.py) when it can.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import libcst as cst
import libcst.matchers as m
from libcst.metadata import (
    Assignment,
    CodeRange,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from handrail.codemods._py_loops import SCOPE_NODES
from handrail.codemods.errors._except_print_narrow import Narrowed, narrow
from handrail.codemods.errors._except_print_reader import MessageReader
from handrail.codemods.errors._py import import_head, offsets, with_module_logger
from handrail.codemods.errors.except_print import (
    LOGGERISH,
    REPORTING_METHODS,
    Marker,
    Part,
    Style,
    candidate_calls,
    render_message,
    without_exception,
)
from handrail.engine.context import FileContext
from handrail.engine.edits import edits_between
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.rule import Rule

# -- where the calls are ----------------------------------------------------------------

Handler = cst.ExceptHandler | cst.ExceptStarHandler


@dataclass(frozen=True)
class Site:
    call: cst.Call
    handler: Handler
    name: str  # what the handler binds the exception to


def _may_report(func: cst.BaseExpression) -> bool:
    """The call's shape allows print() or <logger>.error/critical() (names are resolved later)."""
    if isinstance(func, cst.Name):
        return func.value == "print"
    return isinstance(func, cst.Attribute) and func.attr.value in REPORTING_METHODS


# What every name resolves to when read hopefully: `str`/`repr`/`type` the builtins, any
# `file=` the console.
_HOPEFUL_NAMES = ("builtins.str", "builtins.repr", "builtins.type", "sys.stdout", "sys.stderr")


def _may_report_exception(site: Site) -> bool:
    """Whether the call can put the exception into its text, without scope analysis.

    The message is read as print() and as either kind of logging call, with names resolved
    hopefully: that only adds to the places where the exception is looked for, so a call
    this rejects has no finding.
    """

    def reader() -> MessageReader:
        # The source text of arguments only goes into the rewritten message: none needed.
        return MessageReader(site.name, lambda node: "", lambda node: set(_HOPEFUL_NAMES))

    if (parts := reader().print_call(site.call)) is not None and Marker.EXC in parts:
        return True
    for brace in (False, True):
        read = reader().log_call(site.call, brace)
        if read is not None and Marker.EXC in read[0]:
            return True
    return False


class SiteCollector(cst.CSTVisitor):
    """Calls made while an `except ... as name:` body runs, and `X = <call>` assignments.

    A call inside a nested def, lambda, class or comprehension is not collected: it may run
    after the handler is gone (no active exception for logger.exception) and may rebind the
    name; a call inside a nested handler belongs to that handler.
    """

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.assigned_calls: list[tuple[cst.Name, cst.Call]] = []
        self._context: list[tuple[Handler, str] | None] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Code in a nested scope may run after the handler is gone, and may rebind its name.
        if isinstance(node, SCOPE_NODES):
            self._context.append(None)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, SCOPE_NODES):
            self._context.pop()

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute == "body" and isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
            bound = node.name.name if node.name is not None else None
            self._context.append((node, bound.value) if isinstance(bound, cst.Name) else None)
        super().on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        super().on_leave_attribute(original_node, attribute)
        if attribute == "body" and isinstance(original_node, cst.ExceptHandler | cst.ExceptStarHandler):
            self._context.pop()

    def visit_Call(self, node: cst.Call) -> None:
        top = self._context[-1] if self._context else None
        if top is not None and _may_report(node.func):
            self.sites.append(Site(node, *top))

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.assigned_calls.append((target.target, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.value, cst.Call) and isinstance(node.target, cst.Name):
            self.assigned_calls.append((node.target, node.value))


# -- which logger a call uses, and which one a fix should use ----------------------------


class Kind(enum.Enum):
    PRINT = "print"
    ROOT = "root"  # logging.error(...): the stdlib root logger
    STDLIB = "stdlib"  # a name bound to logging.getLogger(...)
    LOGURU = "loguru"  # from loguru import logger
    OTHER = "other"  # named like a logger (self.logger, app.logger): type unknown


STYLES = {
    Kind.ROOT: Style.PERCENT,
    Kind.STDLIB: Style.PERCENT,
    Kind.LOGURU: Style.BRACE,
    Kind.OTHER: Style.FSTRING,
}


@dataclass(frozen=True)
class ModuleLogger:
    name: str
    kind: Kind
    line: int  # the first line that binds it


@dataclass(frozen=True)
class Plan:
    """How one call gets rewritten."""

    receiver: str
    style: Style
    method: str
    extra: tuple[str, ...]  # keyword arguments to append
    applicability: Applicability
    create_logger: bool


class FileAnalysis:
    """Name resolution for one file's sites (scope analysis runs only for files that have some)."""

    def __init__(
        self,
        ctx: FileContext,
        module: cst.Module,
        narrowed: Narrowed | None,
        sites: SiteCollector,
        options: Mapping[str, Any],
    ) -> None:
        self.ctx = ctx
        self.module = module  # of the narrowed text (see _except_print_narrow.py), or the whole
        self.narrowed = narrowed
        self.sites = sites
        self.logger_name: str = options["logger-name"]
        self.default_message: str = options["default-message"]
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.stdlib_targets = {
            id(name)
            for name, call in self.sites.assigned_calls
            if "logging.getLogger" in self.qualified(call.func)
        }

    # -- metadata helpers

    def qualified(self, node: cst.CSTNode) -> set[str]:
        scope = self.scopes.get(node)
        return {q.name for q in scope.get_qualified_names_for(node)} if scope is not None else set()

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def source(self, node: cst.CSTNode) -> str:
        """The node's text as written. (Module.code_for_node would re-indent a multi-line
        expression relative to column 0, which can even make it unparsable in its place.)"""
        start, end = offsets(self.ctx.lines, self.position(node))
        # libcst positions leave out an expression's own parentheses: `(a, b)` is a tuple.
        lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
        if lpar and rpar:
            start = offsets(self.ctx.lines, self.position(lpar[0]))[0]
            end = offsets(self.ctx.lines, self.position(rpar[-1]))[1]
        return self.ctx.text[start:end]

    @cached_property
    def global_scope(self) -> GlobalScope:
        scope = self.scopes[self.module]
        assert isinstance(scope, GlobalScope)
        return scope

    def binding_kind(self, scope: Scope, name: str) -> Kind | None:
        assignments = scope[name]
        if not assignments:
            return None
        if all(isinstance(a, Assignment) and id(a.node) in self.stdlib_targets for a in assignments):
            return Kind.STDLIB
        if {q.name for q in scope.get_qualified_names_for(name)} == {"loguru.logger"}:
            return Kind.LOGURU
        return Kind.OTHER

    def handler_keeps_name(self, site: Site) -> bool:
        """False when the handler body rebinds the exception's name (`for e in ...`, `e = ...`)."""
        scope = self.scopes.get(site.handler)
        if scope is None:
            return False
        handler = self.position(site.handler)
        start, end = (handler.start.line, handler.start.column), (handler.end.line, handler.end.column)
        bound = site.handler.name.name if site.handler.name is not None else None
        for assignment in scope.assignments[site.name]:
            if not isinstance(assignment, Assignment) or assignment.node is bound:
                continue
            at = self.position(assignment.node).start
            if start <= (at.line, at.column) < end:
                return False
        return True

    # -- the module's logger

    @cached_property
    def module_logger(self) -> ModuleLogger | None:
        """The module-level logger a print should go to: the configured name when it is a
        stdlib logger, else any stdlib module logger, else loguru's, else whatever the
        configured name is bound to (e.g. `from app.log import logger`)."""
        scope = self.global_scope
        configured = self.binding_kind(scope, self.logger_name)
        if configured is Kind.STDLIB:
            return self._bound(self.logger_name, Kind.STDLIB)
        found: list[ModuleLogger] = []
        for assignment in scope.assignments:
            name = assignment.name
            if isinstance(assignment, Assignment) and id(assignment.node) in self.stdlib_targets:
                if self.binding_kind(scope, name) is Kind.STDLIB:
                    found.append(self._bound(name, Kind.STDLIB))
            elif self.binding_kind(scope, name) is Kind.LOGURU:
                found.append(self._bound(name, Kind.LOGURU))
        found.sort(key=lambda logger: (logger.kind is not Kind.STDLIB, logger.line))
        if found:
            return found[0]
        if configured is not None and self.bound_by_import_or_call(self.logger_name):
            return self._bound(self.logger_name, configured)
        return None

    def bound_by_import_or_call(self, name: str) -> bool:
        """`from app.log import logger`, `logger = structlog.get_logger()`: a logger of some
        library, most likely; `logger = None` or `def logger()` are not."""
        calls = {id(target) for target, _ in self.sites.assigned_calls}
        return all(
            isinstance(a, ImportAssignment) or (isinstance(a, Assignment) and id(a.node) in calls)
            for a in self.global_scope[name]
        )

    def _bound(self, name: str, kind: Kind) -> ModuleLogger:
        lines = [
            self.position(a.node).start.line for a in self.global_scope[name] if isinstance(a, Assignment)
        ]
        return ModuleLogger(name, kind, min(lines, default=1))

    def usable_at(self, logger: ModuleLogger, site: Site) -> bool:
        """The module logger's name means that logger at the call (not shadowed, bound by then)."""
        scope = self.scopes.get(site.call)
        if scope is None or scope[logger.name] != self.global_scope[logger.name]:
            return False
        # Module-level code runs top to bottom: the logger must be bound above the call.
        return not isinstance(scope, GlobalScope) or logger.line < self.position(site.call).start.line

    def can_create_logger(self, site: Site) -> bool:
        scope = self.scopes.get(site.call)
        if (
            not self.logger_name.isidentifier()
            or scope is None
            or scope[self.logger_name]
            or self.global_scope[self.logger_name]
        ):
            return False
        logging_names = {q.name for q in self.global_scope.get_qualified_names_for("logging")}
        return not self.global_scope["logging"] or logging_names == {"logging"}

    @cached_property
    def logger_setup(self) -> tuple[Edit, ...] | None:
        """The edits adding `import logging` and the module logger (shared by every fix), or
        None when only the narrowed text parses and they reach past its unchanged head.

        They change only the module's head (its first statement, the import block and the
        statement after it), so the narrowed module's head alone is written back when it is the
        file's text up to there, as it is unless a stub comes first; else the whole module is
        rewritten and compared. libcst does not always write back what it read (it drops the
        space in `except (A, B) :`): outside the head, that no longer rides along with a fix,
        as it still does where the whole module has to be rewritten."""
        narrowed = self.narrowed
        if narrowed is not None:
            head = self.module.with_changes(body=import_head(self.module.body), footer=())
            before = head.code
            if narrowed.text.startswith(before):
                edits = edits_between(before, with_module_logger(head, self.logger_name).code)
                if all(edit.end <= narrowed.same_until for edit in edits):
                    return edits
        module = self.ctx.cst if narrowed is not None else self.module
        if module is None:
            return None
        return edits_between(self.ctx.text, with_module_logger(module, self.logger_name).code)

    # -- one call

    def kind_of(self, site: Site) -> Kind | None:
        func = site.call.func
        names = self.qualified(func)
        if "builtins.print" in names:
            return Kind.PRINT
        if not isinstance(func, cst.Attribute) or func.attr.value not in REPORTING_METHODS:
            return None
        if names & {"logging.error", "logging.critical"}:
            return Kind.ROOT
        if any(name.startswith("loguru.logger.") for name in names):
            return Kind.LOGURU
        receiver = func.value
        scope = self.scopes.get(site.call)
        if (
            isinstance(receiver, cst.Name)
            and scope is not None
            and self.binding_kind(scope, receiver.value) is Kind.STDLIB
        ):
            return Kind.STDLIB
        if isinstance(receiver, cst.Call) and "logging.getLogger" in self.qualified(receiver.func):
            return Kind.STDLIB
        last = receiver.value if isinstance(receiver, cst.Name) else None
        if isinstance(receiver, cst.Attribute):
            last = receiver.attr.value
        return Kind.OTHER if last is not None and LOGGERISH.match(last) else None

    def plan(self, site: Site, kind: Kind, kept: Sequence[cst.Arg]) -> Plan | None:
        func = site.call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else "error"
        extra = tuple(
            f"{arg.keyword.value}={self.source(arg.value)}" for arg in kept if arg.keyword is not None
        )
        if method == "critical":
            if kind not in (Kind.ROOT, Kind.STDLIB):
                return None  # loguru wants logger.opt(exception=True); unknown loggers: unknown
            new_method, extra = "critical", (*extra, "exc_info=True")
        else:
            new_method = "exception"
        if kind is Kind.PRINT:
            logger = self.module_logger
            if logger is not None and self.usable_at(logger, site):
                return Plan(logger.name, STYLES[logger.kind], new_method, extra, Applicability.UNSAFE, False)
            if logger is None and self.can_create_logger(site):
                return Plan(self.logger_name, Style.PERCENT, new_method, extra, Applicability.UNSAFE, True)
            return None
        assert isinstance(func, cst.Attribute)
        receiver = self.source(func.value)
        if kind is Kind.ROOT:
            # Prefer the module's own logger; never create one for a safe fix (see notes).
            logger = self.module_logger
            if logger is not None and logger.kind is Kind.STDLIB and self.usable_at(logger, site):
                receiver = logger.name
        safe = Applicability.UNSAFE if kind is Kind.OTHER else Applicability.SAFE
        return Plan(receiver, STYLES[kind], new_method, extra, safe, False)

    def finding(self, rule: Rule, site: Site) -> Finding | None:
        kind = self.kind_of(site)
        if kind is None:
            return None
        reader = MessageReader(site.name, self.source, self.qualified)
        kept: Sequence[cst.Arg] = ()
        if kind is Kind.PRINT:
            parts = reader.print_call(site.call)
        else:
            read = reader.log_call(site.call, brace=kind is Kind.LOGURU)
            parts, kept = read if read is not None else (None, ())
        if parts is None or Marker.EXC not in parts or not self.handler_keeps_name(site):
            return None
        start, end = offsets(self.ctx.lines, self.position(site.call))
        what = "print()" if kind is Kind.PRINT else f"{self.source(site.call.func)}()"
        advice = "pass exc_info=True" if what.endswith(".critical()") else "use logger.exception()"
        message = (
            f"{what} reports the caught exception '{site.name}' as text and loses its traceback: {advice}"
        )
        fix = self.fix(site, kind, parts, kept, reader.fixable, (start, end))
        return self.ctx.finding(rule, start, end, message, fix=fix)

    def fix(
        self,
        site: Site,
        kind: Kind,
        parts: list[Part],
        kept: Sequence[cst.Arg],
        fixable: bool,
        span: tuple[int, int],
    ) -> Fix | None:
        if not fixable or m.findall(site.call, m.Comment()):
            return None  # a comment inside the call would be lost
        plan = self.plan(site, kind, kept)
        if plan is None:
            return None
        arguments = render_message(
            without_exception(parts),
            plan.style,
            self.quote(site.call),
            self.default_message,
            formatted=plan.style is Style.BRACE and bool(kept),
        )
        if arguments is None:
            return None
        call = f"{plan.receiver}.{plan.method}({', '.join([*arguments, *plan.extra])})"
        edits = [Edit(span[0], span[1], call)]
        if plan.create_logger:
            setup = self.logger_setup
            if setup is None or any(edit.overlaps(edits[0]) for edit in setup):
                return None
            edits.extend(setup)
        return Fix(plan.applicability, tuple(edits), f"log with {plan.receiver}.{plan.method}()")

    @staticmethod
    def quote(call: cst.Call) -> str:
        """The quote the call's first string literal uses, so the new one matches."""
        for node in m.findall(call, m.SimpleString() | m.FormattedString()):
            if isinstance(node, cst.SimpleString | cst.FormattedString):
                return node.quote[0]
        return '"'


# -- the entry point ----------------------------------------------------------------------


def findings(rule: Rule, ctx: FileContext) -> Iterator[Finding]:
    """The rule's findings in a file that passed its pre-filter (`_may_have_sites`)."""
    parsed = _parse(ctx)
    if parsed is None:
        return
    module, narrowed = parsed
    sites = SiteCollector()
    module.visit(sites)
    candidates = [site for site in sites.sites if _may_report_exception(site)]
    if not candidates:
        return  # spares the scope analysis, the costliest step
    analysis = FileAnalysis(ctx, module, narrowed, sites, ctx.options(rule))
    for site in candidates:
        finding = analysis.finding(rule, site)
        if finding is not None:
            yield finding


def _parse(ctx: FileContext) -> tuple[cst.Module, Narrowed | None] | None:
    """The narrowed module (and its narrowing) when narrowing applies and libcst parses it,
    else the whole one."""
    narrowed = narrow(ctx.text, ctx.root, [call.range().start.index for call in candidate_calls(ctx.root)])
    if narrowed is not None:
        try:
            return cst.parse_module(narrowed.text), narrowed
        except cst.ParserSyntaxError:
            pass  # the whole module decides, as without narrowing
    module = ctx.cst
    return None if module is None else (module, None)
