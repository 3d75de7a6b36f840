"""errors/except-print: which handler calls report the exception, and their rewrites.

Where the calls are and what their names mean come from CPython's tree
(_except_print_scopes.py). libcst reads each call from its own text: the message it reports,
the source of its arguments, its quotes and comments; and, for a fix that needs a module
logger, it adds one to the module's head (AddImportsVisitor). No module is parsed whole with
libcst: a call's text and the head are all a fix changes.

Imported only for files that may hold a finding (libcst costs ~0.25 s to import).
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from handrail.codemods.errors._except_print_reader import MessageReader, identifier
from handrail.codemods.errors._except_print_scopes import BUILTINS, ModuleNames, Scope, Site
from handrail.codemods.errors._py import import_head, with_module_logger
from handrail.codemods.errors.except_print import (
    LOGGERISH,
    REPORTING_METHODS,
    Marker,
    Part,
    Style,
    render_message,
    without_exception,
)
from handrail.engine.context import FileContext
from handrail.engine.edits import edits_between
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.rule import Rule

# -- one call, read with libcst from its own text -----------------------------------------


@dataclass(frozen=True, eq=False)
class CallView:
    site: Site
    node: cst.Call
    positions: Mapping[cst.CSTNode, CodeRange]  # in the call's own text
    line: int  # where that text starts in the file (1-based line, 0-based character column)
    column: int
    start: int  # the call's character offsets in the file
    end: int
    shadowed: frozenset[int]  # ids of the Names that a lambda or comprehension in the call binds


def _char_offset(lines: LineIndex, line: int, utf8_column: int) -> int:
    """The character offset of CPython's (line, UTF-8 byte column)."""
    text = lines.line_text(line)
    column = len(text.encode("utf-8")[:utf8_column].decode("utf-8", "replace"))
    return lines.offset(line, column + 1)


def read_call(ctx: FileContext, site: Site) -> CallView | None:
    call = site.call
    if call.end_lineno is None or call.end_col_offset is None:
        return None
    lines = ctx.python_lines
    start = _char_offset(lines, call.lineno, call.col_offset)
    end = _char_offset(lines, call.end_lineno, call.end_col_offset)
    try:
        # As a module of one statement: an expression runs on over lines only in brackets or
        # after a backslash, and either way its text parses on its own.
        module = cst.parse_module(ctx.text[start:end])
    except cst.ParserSyntaxError:
        return None
    statement = module.body[0] if len(module.body) == 1 else None
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    expression = statement.body[0]
    if not isinstance(expression, cst.Expr) or not isinstance(expression.value, cst.Call):
        return None
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    line, column = lines.position(start)
    shadowed = _Shadowed()
    expression.value.visit(shadowed)
    return CallView(
        site, expression.value, positions, line, column - 1, start, end, frozenset(shadowed.names)
    )


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


class _Shadowed(cst.CSTVisitor):
    """The Names in a call that stand for a variable of a lambda or comprehension inside it
    (`str` in `[str for str in xs]`), not for what the call's scope binds. (The defaults of
    such a lambda and a comprehension's first iterable count as inside: nobody writes them
    with the same names.)"""

    def __init__(self) -> None:
        self.names: set[int] = set()
        self._bound: list[set[str]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Lambda):
            params = node.params
            every = [*params.posonly_params, *params.params, *params.kwonly_params]
            every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
            self._bound.append({identifier(param.name) for param in every})
        elif isinstance(node, _COMPREHENSIONS):
            targets: set[str] = set()
            clause: cst.CompFor | None = node.for_in
            while clause is not None:
                targets.update(identifier(name) for name in _names_in(clause.target))
                clause = clause.inner_for_in
            self._bound.append(targets)
        elif isinstance(node, cst.Name) and any(identifier(node) in bound for bound in self._bound):
            self.names.add(id(node))
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.Lambda, *_COMPREHENSIONS)):
            self._bound.pop()


def _names_in(target: cst.BaseExpression) -> list[cst.Name]:
    """The Names a comprehension's target binds (`x`, `(k, v)`, `[a, *rest]`)."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, cst.Tuple | cst.List):
        return [name for element in target.elements for name in _names_in(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names_in(target.value)
    return []


def _mentions(site: Site) -> bool:
    """The handler's name appears among the call's arguments (every finding's does)."""
    arguments = [*site.call.args, *(keyword.value for keyword in site.call.keywords)]
    return any(
        isinstance(node, ast.Name) and node.id == site.name
        for argument in arguments
        for node in ast.walk(argument)
    )


def _found(node: cst.CSTNode, kinds: tuple[type[cst.CSTNode], ...]) -> list[cst.CSTNode]:
    """The nodes of these kinds in `node`'s subtree, in source order."""
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            if isinstance(visited, kinds):
                found.append(visited)
            return True

    node.visit(Collect())
    return found


# What every name resolves to when read hopefully: `str`/`repr`/`type` the builtins, any
# `file=` the console.
_HOPEFUL_NAMES = ("builtins.str", "builtins.repr", "builtins.type", "sys.stdout", "sys.stderr")


def _may_report_exception(view: CallView) -> bool:
    """Whether the call can put the exception into its text, before any name is resolved.

    The message is read as print() and as either kind of logging call, with names resolved
    hopefully: that only adds to the places where the exception is looked for, so a call
    this rejects has no finding.
    """

    def reader() -> MessageReader:
        # The source text of arguments only goes into the rewritten message: none needed.
        return MessageReader(view.site.name, lambda node: "", lambda node: set(_HOPEFUL_NAMES))

    if (parts := reader().print_call(view.node)) is not None and Marker.EXC in parts:
        return True
    for brace in (False, True):
        read = reader().log_call(view.node, brace)
        if read is not None and Marker.EXC in read[0]:
            return True
    return False


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _head_text(text: str, lines: LineIndex, body: list[ast.stmt]) -> tuple[str, int]:
    """The text libcst reads for the module's head, and how much of it is the file's own.

    The head is what libcst's `import_head` takes: the first line of statements, the lines
    holding one import each after it, and the next line. When that next statement is a def
    or class, only its place matters to the edits (a blank line may go before it): libcst
    reads a one-line stub instead of what may be hundreds of lines, after the file's text up
    to the statement's first line (its decorators')."""
    by_line: list[list[ast.stmt]] = []  # statements by the line they share (`a = 1; b = 2`)
    for statement in body:
        if by_line and statement.lineno == by_line[-1][-1].end_lineno:
            by_line[-1].append(statement)
        else:
            by_line.append([statement])
    end = 1
    while (
        end < len(by_line)
        and len(by_line[end]) == 1
        and isinstance(by_line[end][0], ast.Import | ast.ImportFrom)
    ):
        end += 1
    following = by_line[end] if end < len(by_line) else None
    if following is not None and len(following) == 1 and isinstance(following[0], _DEFINITIONS):
        definition = following[0]
        first = min([definition.lineno, *(d.lineno for d in definition.decorator_list)])
        own = lines.starts[first - 1]
        stub = "class _: pass\n" if isinstance(definition, ast.ClassDef) else "def _(): pass\n"
        return text[:own] + stub, own
    last = (following or by_line[end - 1])[-1]
    until = last.end_lineno or last.lineno
    own = lines.starts[until] if until < lines.line_count else len(text)
    return text[:own], own


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
    # The first line of a module-level statement binding it; None when only functions do
    # (`global logger` in a setup function that may not have run).
    line: int | None


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
    """Name resolution and fixes for one file's sites."""

    def __init__(self, ctx: FileContext, names: ModuleNames, options: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.names = names
        self.lines = ctx.python_lines
        self.logger_name: str = options["logger-name"]
        self.default_message: str = options["default-message"]

    # -- names

    def qualified(self, view: CallView, node: cst.CSTNode) -> set[str]:
        """Qualified names of a name or attribute chain in the call, where the call runs."""
        if isinstance(node, cst.Name):
            name = identifier(node)
            if id(node) in view.shadowed:
                return set()  # bound by a lambda or comprehension in the call: a local
            return self.names.qualified(view.site.scope, name)
        if isinstance(node, cst.Attribute):
            return {f"{owner}.{node.attr.value}" for owner in self.qualified(view, node.value)}
        return set()

    def binding_kind(self, scope: Scope, name: str) -> Kind | None:
        found = self.names.resolve(scope, name)
        if found is None:
            return Kind.OTHER if name in BUILTINS else None
        where, bindings = found
        if all(self.names.is_get_logger(where, binding) for binding in bindings):
            return Kind.STDLIB
        if self.names.qualified(scope, name) == {"loguru.logger"}:
            return Kind.LOGURU
        return Kind.OTHER

    def handler_keeps_name(self, site: Site) -> bool:
        """False when the handler body rebinds the exception's name (`for e in ...`, `e = ...`)."""
        handler = site.handler
        start = (handler.lineno, handler.col_offset)
        end = (handler.end_lineno or handler.lineno, handler.end_col_offset or 0)
        for binding in site.scope.bindings.get(site.name, ()):
            if binding.node is not handler and start <= binding.at < end:
                return False
        return True

    def source(self, view: CallView, node: cst.CSTNode) -> str:
        """The node's text as written (its own parentheses included: `(a, b)` is a tuple)."""
        lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
        first = view.positions[lpar[0] if lpar and rpar else node].start
        last = view.positions[rpar[-1] if lpar and rpar else node].end
        return self.ctx.text[
            self._offset(view, first.line, first.column) : self._offset(view, last.line, last.column)
        ]

    def _offset(self, view: CallView, line: int, column: int) -> int:
        """The file's character offset of a position in the call's own text."""
        if line == 1:
            column += view.column
        return self.lines.offset(view.line + line - 1, column + 1)

    # -- the module's logger

    @cached_property
    def module_logger(self) -> ModuleLogger | None:
        """The module-level logger a print should go to: the configured name when it is a
        stdlib logger, else any stdlib module logger, else loguru's, else whatever the
        configured name is bound to (e.g. `from app.log import logger`)."""
        module = self.names.module
        configured = self.binding_kind(module, self.logger_name)
        if configured is Kind.STDLIB:
            return self._bound(self.logger_name, Kind.STDLIB)
        found: list[ModuleLogger] = []
        for name in module.bindings:
            kind = self.binding_kind(module, name)
            if kind is Kind.STDLIB or kind is Kind.LOGURU:
                found.append(self._bound(name, kind))
        found.sort(key=lambda logger: (logger.kind is not Kind.STDLIB, logger.line or len(self.lines.starts)))
        if found:
            return found[0]
        if configured is not None and self.bound_by_import_or_call(self.logger_name):
            return self._bound(self.logger_name, configured)
        return None

    def bound_by_import_or_call(self, name: str) -> bool:
        """`from app.log import logger`, `logger = structlog.get_logger()`: a logger of some
        library, most likely; `logger = None` or `def logger()` are not."""
        bindings = self.names.module.bindings.get(name, [])
        return all(b.imported is not None or b.call is not None for b in bindings)

    def _bound(self, name: str, kind: Kind) -> ModuleLogger:
        bindings = self.names.module.bindings.get(name, [])
        lines = [binding.at[0] for binding in bindings if not binding.from_function]
        return ModuleLogger(name, kind, min(lines, default=None))

    def usable_at(self, logger: ModuleLogger, site: Site) -> bool:
        """The module logger's name means that logger at the call (not shadowed, bound by then).

        The module's statements run top to bottom at import, and a function or class defined
        above the logger may already run then (`CONFIG = load_config()`): the logger must be
        bound by a statement above the one that holds the call."""
        found = self.names.resolve(site.scope, logger.name)
        if found is None or found[0] is not self.names.module:
            return False
        return logger.line is not None and logger.line < site.top_line

    def can_create_logger(self, site: Site) -> bool:
        name = self.logger_name
        module = self.names.module
        if (
            not name.isidentifier()
            or name in BUILTINS
            or self.names.resolve(site.scope, name) is not None
            or name in module.bindings
        ):
            return False
        return "logging" not in module.bindings or self.names.qualified(module, "logging") == {"logging"}

    @cached_property
    def logger_setup(self) -> tuple[Edit, ...] | None:
        """The edits adding `import logging` and the module logger (shared by every fix), or
        None when libcst cannot read the module's head.

        They change only that head (its first statement, the import block and the statement
        after it), so libcst reads and writes back the file's text up to there (see
        `_head_text`); the rest is never parsed, nor rewritten with it."""
        tree = self.ctx.python_ast
        if tree is None or not tree.body:
            return None
        text, own = _head_text(self.ctx.text, self.lines, tree.body)
        try:
            parsed = cst.parse_module(text)
        except cst.ParserSyntaxError:
            return None
        head = parsed.with_changes(body=import_head(parsed.body), footer=())
        before = head.code
        if not text.startswith(before):
            return None
        edits = edits_between(before, with_module_logger(head, self.logger_name).code)
        return edits if all(edit.end <= own for edit in edits) else None  # none inside a stub

    # -- one call

    def kind_of(self, view: CallView) -> Kind | None:
        func = view.node.func
        names = self.qualified(view, func)
        if "builtins.print" in names:
            return Kind.PRINT
        if not isinstance(func, cst.Attribute) or func.attr.value not in REPORTING_METHODS:
            return None
        if names & {"logging.error", "logging.critical"}:
            return Kind.ROOT
        if any(name.startswith("loguru.logger.") for name in names):
            return Kind.LOGURU
        receiver = func.value
        if (
            isinstance(receiver, cst.Name)
            and self.binding_kind(view.site.scope, identifier(receiver)) is Kind.STDLIB
        ):
            return Kind.STDLIB
        if isinstance(receiver, cst.Call) and "logging.getLogger" in self.qualified(view, receiver.func):
            return Kind.STDLIB
        last = receiver.value if isinstance(receiver, cst.Name) else None
        if isinstance(receiver, cst.Attribute):
            last = receiver.attr.value
        return Kind.OTHER if last is not None and LOGGERISH.match(last) else None

    def plan(self, view: CallView, kind: Kind, kept: Sequence[cst.Arg]) -> Plan | None:
        func = view.node.func
        site = view.site
        method = func.attr.value if isinstance(func, cst.Attribute) else "error"
        extra = tuple(
            f"{arg.keyword.value}={self.source(view, arg.value)}" for arg in kept if arg.keyword is not None
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
        receiver = self.source(view, func.value)
        if kind is Kind.ROOT:
            # Prefer the module's own logger; never create one for a safe fix (see notes).
            logger = self.module_logger
            if logger is not None and logger.kind is Kind.STDLIB and self.usable_at(logger, site):
                receiver = logger.name
        safe = Applicability.UNSAFE if kind is Kind.OTHER else Applicability.SAFE
        return Plan(receiver, STYLES[kind], new_method, extra, safe, False)

    def finding(self, rule: Rule, view: CallView) -> Finding | None:
        kind = self.kind_of(view)
        if kind is None:
            return None
        site = view.site
        reader = MessageReader(
            site.name, lambda node: self.source(view, node), lambda node: self.qualified(view, node)
        )
        kept: Sequence[cst.Arg] = ()
        if kind is Kind.PRINT:
            parts = reader.print_call(view.node)
        else:
            read = reader.log_call(view.node, brace=kind is Kind.LOGURU)
            parts, kept = read if read is not None else (None, ())
        if parts is None or Marker.EXC not in parts or not self.handler_keeps_name(site):
            return None
        what = "print()" if kind is Kind.PRINT else f"{self.source(view, view.node.func)}()"
        advice = "pass exc_info=True" if what.endswith(".critical()") else "use logger.exception()"
        message = (
            f"{what} reports the caught exception '{site.name}' as text and loses its traceback: {advice}"
        )
        fix = self.fix(view, kind, parts, kept, reader.fixable)
        return self.ctx.finding(rule, view.start, view.end, message, fix=fix)

    def fix(
        self, view: CallView, kind: Kind, parts: list[Part], kept: Sequence[cst.Arg], fixable: bool
    ) -> Fix | None:
        if not fixable or _found(view.node, (cst.Comment,)):
            return None  # a comment inside the call would be lost
        plan = self.plan(view, kind, kept)
        if plan is None:
            return None
        arguments = render_message(
            without_exception(parts),
            plan.style,
            self.quote(view.node),
            self.default_message,
            formatted=plan.style is Style.BRACE and bool(kept),
        )
        if arguments is None:
            return None
        call = f"{plan.receiver}.{plan.method}({', '.join([*arguments, *plan.extra])})"
        edits = [Edit(view.start, view.end, call)]
        if plan.create_logger:
            setup = self.logger_setup
            if setup is None or any(edit.overlaps(edits[0]) for edit in setup):
                return None
            edits.extend(setup)
        return Fix(plan.applicability, tuple(edits), f"log with {plan.receiver}.{plan.method}()")

    @staticmethod
    def quote(call: cst.Call) -> str:
        """The quote the call's first string literal uses, so the new one matches."""
        for node in _found(call, (cst.SimpleString, cst.FormattedString)):
            if isinstance(node, cst.SimpleString | cst.FormattedString):
                return node.quote[0]
        return '"'


# -- the entry point ----------------------------------------------------------------------


def findings(rule: Rule, ctx: FileContext) -> Iterator[Finding]:
    """The rule's findings in a file that passed its pre-filter (`_may_have_sites`)."""
    tree = ctx.python_ast
    if tree is None:
        return  # CPython rejects the file: the engine reports that instead
    names = ModuleNames(tree, ctx.text, ctx.python_lines)
    sites = [site for site in names.sites if _mentions(site)]
    if not sites:
        return
    analysis = FileAnalysis(ctx, names, ctx.options(rule))
    for site in sites:
        view = read_call(ctx, site)
        if view is None or not _may_report_exception(view):
            continue
        finding = analysis.finding(rule, view)
        if finding is not None:
            yield finding
