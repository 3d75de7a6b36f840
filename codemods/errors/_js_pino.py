"""pino loggers within one TS/JS file: the names of pino's factory, the module-level loggers
made with it, which of them the file exports, and which one a given line can use."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.errors._js_modules import (
    MODULE_EXPORTS,
    import_bindings,
    require_specifier,
    top_level_declarators,
)
from handrail.codemods.errors._js_scopes import is_shadowed
from handrail.codemods.errors._js_syntax import callee_path, named_children, unwrap

# Exports of the "pino" package that are its factory (CommonJS sets all three).
FACTORY_EXPORTS = frozenset({"default", "pino", MODULE_EXPORTS})


def pino_factories(root: SgNode) -> frozenset[str]:
    """Local names of pino's factory: `import pino from "pino"`, `const pino = require("pino")`."""
    return frozenset(
        b.local for b in import_bindings(root) if b.specifier == "pino" and b.imported in FACTORY_EXPORTS
    )


def _makes_logger(value: SgNode, factories: AbstractSet[str], loggers: AbstractSet[str]) -> bool:
    """`pino(...)`, `require("pino")(...)`, or `<pino logger>.child(...)`."""
    value = unwrap(value)
    if value.kind() != "call_expression":
        return False
    callee = value.field("function")
    if callee is None:
        return False
    path = callee_path(value)
    if len(path) == 1 and path[0] in factories:
        return True
    if len(path) == 2 and path[0] in loggers and path[1] == "child":
        return True
    return require_specifier(callee) == "pino"


def _local_loggers(root: SgNode, factories: frozenset[str]) -> frozenset[str]:
    loggers: set[str] = set()  # grows in order, so a `.child()` of an earlier logger counts
    for name, value, _ in top_level_declarators(root):
        if name.kind() == "identifier" and _makes_logger(value, factories, loggers):
            loggers.add(name.text())
    return frozenset(loggers)


def local_loggers(root: SgNode) -> frozenset[str]:
    """Module-level names bound to a pino logger created in this file."""
    return _local_loggers(root, pino_factories(root))


def logger_in_scope(loggers: Iterable[str], site: SgNode, preferred: str) -> str | None:
    """The logger `site` can use: `preferred` if it is one, else the first by name, skipping
    names that a local declaration shadows at `site`."""
    names = sorted(loggers, key=lambda n: (n != preferred, n))
    return next((n for n in names if not is_shadowed(site, n)), None)


@dataclass(frozen=True)
class _FileLoggers:
    factories: frozenset[str]
    loggers: frozenset[str]

    def is_logger(self, node: SgNode) -> bool:
        """A logger's name or an expression that makes one."""
        node = unwrap(node)
        is_name = node.kind() == "identifier" and node.text() in self.loggers
        return is_name or _makes_logger(node, self.factories, self.loggers)


def exported_loggers(root: SgNode) -> set[str]:
    """Names under which this file exports one of its pino loggers (ESM or CommonJS)."""
    factories = pino_factories(root)
    file = _FileLoggers(factories, _local_loggers(root, factories))
    found: set[str] = set()
    for name, _, exported in top_level_declarators(root):
        if exported and name.kind() == "identifier" and name.text() in file.loggers:
            found.add(name.text())
    for stmt in named_children(root):
        if stmt.kind() == "export_statement" and stmt.field("source") is None:
            found |= _esm_exports(stmt, file)
        elif stmt.kind() == "expression_statement":
            found |= _commonjs_exports(stmt, file)
    return found


def _esm_exports(stmt: SgNode, file: _FileLoggers) -> set[str]:
    found: set[str] = set()
    value = stmt.field("value")
    if value is not None and file.is_logger(value):
        found.add("default")  # export default logger / export default pino()
    for clause in named_children(stmt):
        if clause.kind() != "export_clause":
            continue
        for spec in named_children(clause):
            local, alias = spec.field("name"), spec.field("alias")
            if local is not None and local.text() in file.loggers:
                found.add((alias or local).text())
    return found


def _commonjs_exports(stmt: SgNode, file: _FileLoggers) -> set[str]:
    expr = next(iter(named_children(stmt)), None)
    if expr is None or expr.kind() != "assignment_expression":
        return set()
    left, right = expr.field("left"), expr.field("right")
    if left is None or right is None:
        return set()
    target = left.text().replace(" ", "")
    if target == "module.exports":
        if file.is_logger(right):
            return {MODULE_EXPORTS}
        right = unwrap(right)
        if right.kind() != "object":
            return set()
        found: set[str] = set()
        for prop in named_children(right):
            if prop.kind() == "shorthand_property_identifier" and prop.text() in file.loggers:
                found.add(prop.text())
            elif prop.kind() == "pair":
                k, v = prop.field("key"), prop.field("value")
                if k is not None and v is not None and file.is_logger(v):
                    found.add(k.text().strip("\"'"))
        return found
    for prefix in ("module.exports.", "exports."):
        if target.startswith(prefix) and file.is_logger(right):
            return {target[len(prefix) :]}
    return set()
