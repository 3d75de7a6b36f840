"""errors/except-print: the handlers' calls and what their names mean, from CPython's tree.

One walk of the module's `ast` finds the calls each `except ... as name:` body makes and
records every name each scope binds, and how: by an import (`logging`, loguru's `logger`),
by `name = <call>` (a `logging.getLogger(...)`), or otherwise. Names then resolve as Python
resolves them (local, enclosing functions, module, builtins), which is all the rule asks:
is this `print` the builtin, is `log` a stdlib logger, does the handler rebind `e`.

Qualified names follow libcst's QualifiedNameProvider where the rule looks at them: an
import gives its dotted path (`import logging as lg` makes `lg.error` `logging.error`), a
module-level assignment the name itself, a builtin `builtins.<name>`.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from handrail.codemods.errors.except_print import REPORTING_METHODS
from handrail.engine.lines import LineIndex

BUILTINS = frozenset(dir(builtins))

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True, eq=False)
class Binding:
    node: ast.AST  # what binds the name: a Name target, an import alias, a def, a handler...
    imported: str | None = None  # the dotted path an import binds (`logging`, `loguru.logger`)
    call: ast.Call | None = None  # `name = <call>`: the call
    # Bound by a function for a scope around it (`global`, `nonlocal`): only once it has run.
    from_function: bool = False

    @property
    def at(self) -> tuple[int, int]:
        """Line and UTF-8 column where the binding is written."""
        return getattr(self.node, "lineno", 1), getattr(self.node, "col_offset", 0)


@dataclass(eq=False)
class Scope:
    kind: str  # "module", "function", "class" or "comprehension" (lambdas are functions)
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    # What nested functions bind here through `nonlocal`, until this scope is settled.
    from_inside: dict[str, list[Binding]] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Site:
    """A print()/.error()/.critical() call made while an `except ... as name:` body runs."""

    call: ast.Call
    handler: ast.ExceptHandler  # of a `try` or a `try`/`except*`
    name: str  # what the handler binds the exception to
    scope: Scope  # the scope the handler runs in
    top_line: int  # where the module-level statement holding the call starts (decorators too)


def _reports(func: ast.expr) -> bool:
    """The call's shape allows print() or <logger>.error/critical() (names are resolved later)."""
    if isinstance(func, ast.Name):
        return func.id == "print"
    return isinstance(func, ast.Attribute) and func.attr in REPORTING_METHODS


class ModuleNames:
    """The sites and bindings of one module (see the module docstring).

    The body of a def or class whose text has none of `except`, `global` and `nonlocal` is
    not walked: it holds no site, and what it binds inside is nobody else's business (its name,
    decorators and signature are taken all the same).
    """

    def __init__(self, tree: ast.Module, text: str, lines: LineIndex) -> None:
        self.module = Scope("module", None)
        self.sites: list[Site] = []
        self._text, self._lines = text, lines
        self._top_line = 1
        for statement in tree.body:
            self._top_line = _first_line(statement)
            self._visit(statement, self.module, None)
        self._settle(self.module)

    def _worth_entering(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
        lines = self._lines
        start = lines.starts[node.lineno - 1]  # the decorators are visited anyway
        last = node.end_lineno or node.lineno
        end = lines.starts[last] if last < lines.line_count else len(self._text)
        return any(self._text.find(word, start, end) != -1 for word in ("except", "global", "nonlocal"))

    # -- resolving

    def resolve(self, scope: Scope, name: str) -> tuple[Scope, list[Binding]] | None:
        """Where `name`, read by code running in `scope`, is bound, and how; None for a
        builtin or unbound name. A class body's names are seen from that body only."""
        current: Scope | None = scope
        while current is not None:
            if current.kind == "module" or name in current.declared_global:
                found = self.module.bindings.get(name)
                return (self.module, found) if found else None
            if (current is scope or current.kind != "class") and name in current.bindings:
                return current, current.bindings[name]
            current = current.parent
        return None

    def qualified(self, scope: Scope, name: str) -> set[str]:
        """The qualified names `name` may stand for in `scope`."""
        found = self.resolve(scope, name)
        if found is None:
            return {f"builtins.{name}"} if name in BUILTINS else set()
        where, bindings = found
        local = where.kind == "module"
        return {b.imported or (name if local else f"<local>.{name}") for b in bindings}

    def qualified_expr(self, scope: Scope, node: ast.expr) -> set[str]:
        """Qualified names of `a.b.c` or `a`; none for other expressions."""
        if isinstance(node, ast.Name):
            return self.qualified(scope, node.id)
        if isinstance(node, ast.Attribute):
            return {f"{owner}.{node.attr}" for owner in self.qualified_expr(scope, node.value)}
        return set()

    def is_get_logger(self, scope: Scope, binding: Binding) -> bool:
        """`name = logging.getLogger(...)` (`scope`: where the assignment runs)."""
        return binding.call is not None and "logging.getLogger" in self.qualified_expr(
            scope, binding.call.func
        )

    # -- the walk

    def _statements(
        self, body: list[ast.stmt], scope: Scope, handler: tuple[ast.ExceptHandler, str] | None
    ) -> None:
        for statement in body:
            self._visit(statement, scope, handler)

    def _visit(self, node: ast.AST, scope: Scope, handler: tuple[ast.ExceptHandler, str] | None) -> None:
        # Calls in a nested def, lambda, class or comprehension are no sites: they may run
        # after the handler is gone. Those in a nested handler belong to that handler.
        if isinstance(node, _FUNCTIONS):
            self._bind(scope, node.name, Binding(node))
            # Decorators and the signature run where the def is (a `:=` there binds here).
            self._each(node.decorator_list, scope)
            self._arguments(node.args, scope)
            if node.returns is not None:
                self._visit(node.returns, scope, None)
            if not self._worth_entering(node):
                return
            inner = Scope("function", scope)
            self._parameters(node.args, inner)
            self._statements(node.body, inner, None)
            self._settle(inner)
        elif isinstance(node, ast.Lambda):
            self._arguments(node.args, scope)
            inner = Scope("function", scope)
            self._parameters(node.args, inner)
            self._visit(node.body, inner, None)
            self._settle(inner)
        elif isinstance(node, ast.ClassDef):
            self._bind(scope, node.name, Binding(node))
            self._each([*node.decorator_list, *node.bases, *(k.value for k in node.keywords)], scope)
            if not self._worth_entering(node):
                return
            inner = Scope("class", scope)
            self._statements(node.body, inner, None)
            self._settle(inner)
        elif isinstance(node, _COMPREHENSIONS):
            inner = Scope("comprehension", scope)
            for generator in node.generators:
                self._visit(generator.iter, inner, None)
                self._target(generator.target, inner)
                self._each(generator.ifs, inner)
            elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            self._each(elements, inner)
            self._settle(inner)
        elif isinstance(node, ast.ExceptHandler):
            if node.type is not None:
                self._visit(node.type, scope, handler)
            if node.name is not None:
                self._bind(scope, node.name, Binding(node))
            self._statements(node.body, scope, (node, node.name) if node.name is not None else None)
        elif isinstance(node, ast.Call):
            if handler is not None and _reports(node.func):
                self.sites.append(Site(node, handler[0], handler[1], scope, self._top_line))
            self._children(node, scope, handler)
        elif isinstance(node, ast.Assign):
            call = node.value if isinstance(node.value, ast.Call) else None
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self._bind(scope, target.id, Binding(target, call=call))
                else:
                    self._visit(target, scope, handler)
            self._visit(node.value, scope, handler)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            call = node.value if isinstance(node.value, ast.Call) else None
            self._bind(scope, node.target.id, Binding(node.target, call=call))
            self._visit(node.annotation, scope, handler)
            if node.value is not None:
                self._visit(node.value, scope, handler)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node, scope)
        elif isinstance(node, ast.Global):
            scope.declared_global.update(node.names)
        elif isinstance(node, ast.Nonlocal):
            scope.declared_nonlocal.update(node.names)
        elif isinstance(node, ast.NamedExpr):
            owner = scope
            while owner.kind == "comprehension" and owner.parent is not None:
                owner = owner.parent  # `:=` in a comprehension binds in the scope around it
            self._target(node.target, owner)
            self._visit(node.value, scope, handler)
        elif isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                self._bind(scope, node.id, Binding(node))
        elif isinstance(node, ast.MatchAs | ast.MatchStar):
            if node.name is not None:
                self._bind(scope, node.name, Binding(node))
            self._children(node, scope, handler)
        elif isinstance(node, ast.MatchMapping):
            if node.rest is not None:
                self._bind(scope, node.rest, Binding(node))
            self._children(node, scope, handler)
        elif isinstance(node, ast.JoinedStr):
            # CPython 3.11 places the expressions of an f-string unreliably: no sites in it.
            self._children(node, scope, None)
        else:
            self._children(node, scope, handler)

    def _children(self, node: ast.AST, scope: Scope, handler: tuple[ast.ExceptHandler, str] | None) -> None:
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, handler)

    def _each(self, nodes: Iterable[ast.expr | None], scope: Scope) -> None:
        for node in nodes:
            if node is not None:
                self._visit(node, scope, None)

    def _target(self, target: ast.expr, scope: Scope) -> None:
        self._visit(target, scope, None)

    def _arguments(self, args: ast.arguments, scope: Scope) -> None:
        """What a def's signature evaluates where it is defined: defaults and annotations."""
        self._each([*args.defaults, *args.kw_defaults], scope)
        self._each([arg.annotation for arg in parameters(args)], scope)

    def _parameters(self, args: ast.arguments, scope: Scope) -> None:
        for arg in parameters(args):
            self._bind(scope, arg.arg, Binding(arg))

    def _import(self, node: ast.Import | ast.ImportFrom, scope: Scope) -> None:
        for alias in node.names:
            if alias.name == "*":
                continue  # binds names no one can list here (libcst leaves them out too)
            if isinstance(node, ast.Import):
                bound = alias.asname or alias.name.partition(".")[0]
                path = alias.name if alias.asname else bound
            else:
                bound = alias.asname or alias.name
                module = "." * node.level + (node.module or "")
                path = (
                    f"{module}.{alias.name}" if module and not module.endswith(".") else module + alias.name
                )
            self._bind(scope, bound, Binding(alias, imported=path))

    @staticmethod
    def _bind(scope: Scope, name: str, binding: Binding) -> None:
        scope.bindings.setdefault(name, []).append(binding)

    def _settle(self, scope: Scope) -> None:
        """Once a scope is walked: its `global` names were bound in the module, its
        `nonlocal` ones in the nearest function around it that binds them (which may be
        walked further only after this one: they wait in its `from_inside`)."""
        if scope is self.module:
            return  # `global x` at module level changes nothing
        for name in scope.declared_global:
            if moved := scope.bindings.pop(name, None):
                self.module.bindings.setdefault(name, []).extend(_from_function(moved))
        outer = scope.parent
        while outer is not None and outer.kind in ("class", "comprehension"):
            outer = outer.parent
        for name in scope.declared_nonlocal:
            moved = _from_function(scope.bindings.pop(name, []))
            scope.from_inside.setdefault(name, []).extend(moved)
        for name, moved in scope.from_inside.items():
            if name in scope.bindings:  # the nearest function binding it: their scope
                scope.bindings[name].extend(moved)
            elif outer is not None and outer.kind == "function":
                outer.from_inside.setdefault(name, []).extend(moved)
        scope.from_inside.clear()


def parameters(args: ast.arguments) -> list[ast.arg]:
    """Every parameter of a signature: positional-only, regular, keyword-only, `*a`, `**k`."""
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return [arg for arg in every if arg is not None]


def _from_function(bindings: list[Binding]) -> list[Binding]:
    return [replace(binding, from_function=True) for binding in bindings]


def _first_line(statement: ast.stmt) -> int:
    """Where a statement starts: its first decorator's line, for a def or class."""
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)])
