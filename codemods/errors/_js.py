"""Shared analysis for the TS/JS error-logging rules (`errors/catch-console-log`, `errors/unlogged-500`).

Four jobs, in this order below: syntax helpers over ast-grep nodes; *error scopes* (a catch
clause, a `.catch(cb)` callback or an error-handling helper, and the name that holds the
error there, with shadowing); where code runs (server vs. browser); and pino logger discovery,
within one file (`check`) and across the project (`collect` + `resolve`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from ast_grep_py import SgNode

from handrail.engine.context import FileContext
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts

# --- syntax helpers -------------------------------------------------------------------------

FUNCTION_KINDS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function",
        "generator_function_declaration",
        "arrow_function",
        "method_definition",
    }
)
# Expressions that only change the static type (or add parentheses) around a value.
TRANSPARENT_KINDS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    }
)
JSX_KINDS = frozenset({"jsx_element", "jsx_self_closing_element"})  # <>...</> is a jsx_element
STATEMENT_CONTAINERS = frozenset({"statement_block", "program", "switch_case", "switch_default"})


def key(node: SgNode) -> tuple[int, int, str]:
    """Identity of a node (ast-grep nodes do not compare equal across lookups)."""
    r = node.range()
    return r.start.index, r.end.index, node.kind()


def named_children(node: SgNode) -> list[SgNode]:
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"]


def descendants(node: SgNode) -> Iterator[SgNode]:
    """Named descendants in source order (node itself excluded)."""
    stack = list(reversed(named_children(node)))
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(named_children(current)))


def unwrap(node: SgNode) -> SgNode:
    """The value inside `(x)`, `x as T`, `x!`, `x satisfies T`, `<T>x`."""
    while node.kind() in TRANSPARENT_KINDS:
        inner = [
            c for c in named_children(node) if not c.kind().endswith("type") and c.kind() != "type_arguments"
        ]
        if not inner:
            break
        node = inner[0]
    return node


def outer(node: SgNode) -> SgNode:
    """The outermost transparent wrapper around `node` (inverse of `unwrap`)."""
    parent = node.parent()
    while parent is not None and parent.kind() in TRANSPARENT_KINDS:
        node, parent = parent, parent.parent()
    return node


def call_args(call: SgNode) -> list[SgNode]:
    args = call.field("arguments")
    return named_children(args) if args is not None else []


def member_name(node: SgNode) -> str | None:
    """`b` for a member expression `a.b` / `a?.b`, else None."""
    if node.kind() != "member_expression":
        return None
    prop = node.field("property")
    return prop.text() if prop is not None else None


def callee_path(call: SgNode) -> list[str]:
    """`["console", "log"]` for `console.log(...)`, `["req", "log", "error"]`; [] when not a plain path."""
    callee = call.field("function") or call.field("constructor")
    parts: list[str] = []
    node = unwrap(callee) if callee is not None else None
    while node is not None and node.kind() == "member_expression":
        name = member_name(node)
        obj = node.field("object")
        if name is None or obj is None:
            return []
        parts.append(name)
        node = unwrap(obj)
    if node is None or node.kind() not in ("identifier", "this"):
        return []
    parts.append(node.text())
    return parts[::-1]


def string_value(node: SgNode) -> str | None:
    """The value of a plain string literal (no escapes), else None."""
    if node.kind() != "string":
        return None
    parts = named_children(node)
    if any(p.kind() != "string_fragment" for p in parts):
        return None
    return "".join(p.text() for p in parts)


def is_status_500(node: SgNode) -> bool:
    node = unwrap(node)
    if node.kind() == "number":
        return node.text() == "500"
    return member_name(node) == "INTERNAL_SERVER_ERROR" or node.text() == "INTERNAL_SERVER_ERROR"


def enclosing_functions(node: SgNode) -> Iterator[SgNode]:
    for anc in node.ancestors():
        if anc.kind() in FUNCTION_KINDS:
            yield anc


def function_name(fn: SgNode) -> str | None:
    """The declared name, or the name it is assigned to (`const logError = (e) => ...`)."""
    name = fn.field("name")
    if name is not None:
        return name.text()
    parent = fn.parent()
    if parent is not None and parent.kind() in ("variable_declarator", "pair", "assignment_expression"):
        target = parent.field("name") or parent.field("key") or parent.field("left")
        if target is not None:
            return target.text().rsplit(".", 1)[-1]
    return None


def parameters(fn: SgNode) -> list[SgNode]:
    """Parameter nodes: `required_parameter`/`optional_parameter` (TS) or patterns (JS)."""
    single = fn.field("parameter")
    if single is not None:
        return [single]
    params = fn.field("parameters")
    return named_children(params) if params is not None else []


def param_pattern(param: SgNode) -> SgNode:
    if param.kind() in ("required_parameter", "optional_parameter"):
        pattern = param.field("pattern")
        if pattern is not None:
            return pattern
    if param.kind() == "assignment_pattern":
        left = param.field("left")
        if left is not None:
            return left
    return param


def param_type(param: SgNode) -> str | None:
    annotation = param.field("type")
    if annotation is None:
        return None
    return annotation.text().lstrip(":").strip()


def pattern_names(pattern: SgNode) -> Iterator[str]:
    """Names bound by a binding pattern (`a`, `{ a, b: [c] }`, `[d = 1, ...e]`)."""
    kind = pattern.kind()
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        yield pattern.text()
    elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
        for child in named_children(pattern):
            yield from pattern_names(child)
    elif kind == "pair_pattern":
        value = pattern.field("value")
        if value is not None:
            yield from pattern_names(value)
    elif kind in ("assignment_pattern", "object_assignment_pattern"):
        left = pattern.field("left")
        if left is not None:
            yield from pattern_names(left)
    elif kind in ("required_parameter", "optional_parameter"):
        yield from pattern_names(param_pattern(pattern))


def declared_names(statement: SgNode) -> Iterator[str]:
    """Names a statement declares in its block: `const/let/var`, functions, classes."""
    kind = statement.kind()
    if kind in ("lexical_declaration", "variable_declaration"):
        for declarator in named_children(statement):
            if declarator.kind() == "variable_declarator":
                name = declarator.field("name")
                if name is not None:
                    yield from pattern_names(name)
    elif kind in ("function_declaration", "generator_function_declaration", "class_declaration"):
        name = statement.field("name")
        if name is not None:
            yield name.text()


def binds(scope: SgNode, name: str) -> bool:
    """Whether `scope` (a function, block, loop or catch clause) declares `name` for its body."""
    kind = scope.kind()
    if kind in FUNCTION_KINDS:
        if any(name in pattern_names(p) for p in parameters(scope)):
            return True
        own = scope.field("name")
        return (
            kind in ("function_expression", "generator_function") and own is not None and own.text() == name
        )
    if kind == "catch_clause":
        param = scope.field("parameter")
        return param is not None and name in pattern_names(param)
    if kind in ("statement_block", "program", "switch_body", "class_body"):
        return any(name in declared_names(stmt) for stmt in named_children(scope))
    if kind in ("for_statement", "for_in_statement"):
        head = scope.field("initializer") or scope.field("left")
        return head is not None and (name in declared_names(head) or name in pattern_names(head))
    return False


def resolves_to(ref: SgNode, name: str, scope: SgNode) -> bool:
    """Whether the identifier `ref` names the `name` that `scope` binds, i.e. nothing between
    `ref` and `scope` declares the same name again."""
    stop = key(scope)
    for anc in ref.ancestors():
        if key(anc) == stop:
            return True
        if binds(anc, name):
            return False
    return False


def is_shadowed(site: SgNode, name: str) -> bool:
    """Whether a module-level `name` is hidden at `site` by a local declaration."""
    for anc in site.ancestors():
        if anc.kind() == "program":
            return False
        if binds(anc, name):
            return True
    return False


def identifier_names(root: SgNode) -> frozenset[str]:
    return frozenset(n.text() for n in root.find_all(kind="identifier"))


def line_indent(text: str, offset: int) -> tuple[str, bool]:
    """The leading whitespace of the line holding `offset`, and whether `offset` is the first
    non-blank character of that line."""
    start = text.rfind("\n", 0, offset) + 1
    before = text[start:offset]
    indent = before[: len(before) - len(before.lstrip(" \t"))]
    return indent, before.strip(" \t") == ""


# --- error scopes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorScope:
    """A region of code where `name` holds a caught error.

    `owner` binds the name (a catch clause or a function); `body` is where it is used. `name` is
    None for a binding-less `catch {}`.
    """

    owner: SgNode
    body: SgNode
    name: str | None

    def references(self) -> list[SgNode]:
        """Uses of the caught name inside the body, minus those a nested declaration shadows."""
        if self.name is None:
            return []
        found: list[SgNode] = []
        nodes = [self.body, *descendants(self.body)]
        for node in nodes:
            if (
                node.kind() in ("identifier", "shorthand_property_identifier")
                and node.text() == self.name
                and not _is_binding_position(node)
                and resolves_to(node, self.name, self.owner)
            ):
                found.append(node)
        return found


def _is_binding_position(node: SgNode) -> bool:
    parent = node.parent()
    if parent is None:
        return False
    if parent.kind() == "variable_declarator":
        name = parent.field("name")
        return name is not None and key(name) == key(node)
    return parent.kind() in ("required_parameter", "optional_parameter", "formal_parameters")


ERROR_PARAM_NAMES = frozenset({"err", "error", "ex", "exc", "exception"})
ERROR_HANDLER_NAME = re.compile(r"err|fail|exception|crash|fault", re.IGNORECASE)
ERROR_TYPE = re.compile(r"^(?:\w+\.)?\w*Error$")
ERROR_SUFFIX = re.compile(r"^[a-z]\w*(?:Error|Err)$")
ARRAY_CALLBACK_METHODS = frozenset({"forEach", "map", "filter", "reduce", "some", "every", "find", "flatMap"})


def _error_param(fn: SgNode) -> str | None:
    """The parameter of a plain function that receives an error (`handleError(err)`), if any."""
    fn_name = function_name(fn) or ""
    handler_named = bool(ERROR_HANDLER_NAME.search(fn_name))
    for param in parameters(fn):
        pattern = param_pattern(param)
        if pattern.kind() != "identifier":
            continue
        name, typ = pattern.text(), param_type(param)
        if typ is not None and ERROR_TYPE.match(typ):
            return name
        loose = typ is None or typ in ("unknown", "any")
        if loose and (name in ERROR_PARAM_NAMES or ERROR_SUFFIX.match(name)):
            return name
        if loose and handler_named and (name == "e" or typ is not None):
            return name
    return None


def _catch_callback(fn: SgNode) -> bool:
    """Whether `fn` is the callback of `promise.catch(fn)`."""
    args = outer(fn).parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    if call is None or call.kind() != "call_expression":
        return False
    callee = call.field("function")
    first = call_args(call)[:1]
    return (
        callee is not None
        and member_name(callee) == "catch"
        and bool(first)
        and key(first[0]) == key(outer(fn))
    )


def _array_callback(fn: SgNode) -> bool:
    args = outer(fn).parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    callee = call.field("function") if call is not None and call.kind() == "call_expression" else None
    return callee is not None and member_name(callee) in ARRAY_CALLBACK_METHODS


def catch_scopes(root: SgNode) -> Iterator[ErrorScope]:
    for clause in root.find_all(kind="catch_clause"):
        body = clause.field("body")
        if body is None:
            continue
        param = clause.field("parameter")
        name = param.text() if param is not None and param.kind() == "identifier" else None
        if param is not None and name is None:
            continue  # a destructured catch binding holds parts of the error, not the error
        yield ErrorScope(clause, body, name)


def function_scopes(root: SgNode) -> Iterator[ErrorScope]:
    """`.catch((e) => ...)` callbacks and helpers like `function logError(err) { ... }`."""
    for kind in sorted(FUNCTION_KINDS):
        for fn in root.find_all(kind=kind):
            body = fn.field("body")
            params = parameters(fn)
            if body is None or not params:
                continue
            if _catch_callback(fn):
                first = param_pattern(params[0])
                if first.kind() == "identifier":
                    yield ErrorScope(fn, body, first.text())
                continue
            if _array_callback(fn):
                continue
            name = _error_param(fn)
            if name is not None:
                yield ErrorScope(fn, body, name)


def error_scopes(root: SgNode) -> list[ErrorScope]:
    return [*catch_scopes(root), *function_scopes(root)]


# --- where the code runs --------------------------------------------------------------------

HOOK_NAME = re.compile(r"^use[A-Z]")


def is_client_file(root: SgNode) -> bool:
    """A `"use client"` directive before any other statement."""
    for stmt in named_children(root):
        if stmt.kind() == "hash_bang_line":
            continue
        if stmt.kind() != "expression_statement":
            return False
        inner = named_children(stmt)
        if not inner or inner[0].kind() != "string":
            return False
        if string_value(inner[0]) == "use client":
            return True
    return False


def _returns_jsx(fn: SgNode) -> bool:
    body = fn.field("body")
    if body is None:
        return False
    if body.kind() != "statement_block":
        return _has_jsx(body)
    fn_key = key(fn)
    for node in descendants(body):
        if node.kind() == "return_statement" and _has_jsx(node):
            owner = next(enclosing_functions(node), None)
            if owner is not None and key(owner) == fn_key:
                return True
    return False


def _has_jsx(node: SgNode) -> bool:
    """JSX in `node`, not counting JSX inside nested functions (render callbacks)."""
    if node.kind() in JSX_KINDS:
        return True
    stack = named_children(node)
    while stack:
        current = stack.pop()
        if current.kind() in JSX_KINDS:
            return True
        if current.kind() not in FUNCTION_KINDS:
            stack.extend(named_children(current))
    return False


def runs_in_browser(ctx: FileContext, node: SgNode) -> bool:
    """Whether `node` is client code: a "use client" file, or inside a React component or hook."""
    if is_client_file(ctx.root):
        return True
    jsx_possible = ctx.language in (Language.TSX, Language.JAVASCRIPT)
    for fn in enclosing_functions(node):
        if HOOK_NAME.match(function_name(fn) or ""):
            return True
        if jsx_possible and _returns_jsx(fn):
            return True
    return False


# --- pino loggers in one file ---------------------------------------------------------------

MODULE_EXPORTS = "module.exports"  # export name for a CommonJS `module.exports = logger`


def _is_require(node: SgNode, module: str | None = None) -> str | None:
    """The specifier of `require("x")` (when it is one, and is `module` if given)."""
    node = unwrap(node)
    if node.kind() != "call_expression" or callee_path(node) != ["require"]:
        return None
    args = call_args(node)
    spec = string_value(args[0]) if len(args) == 1 else None
    if spec is None or (module is not None and spec != module):
        return None
    return spec


def _top_level_declarators(root: SgNode) -> Iterator[tuple[SgNode, SgNode, bool]]:
    """(name pattern, initial value, exported) for each top-level `const/let/var` declarator."""
    for stmt in named_children(root):
        exported = stmt.kind() == "export_statement"
        decl = stmt.field("declaration") if exported else stmt
        if decl is None or decl.kind() not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in named_children(decl):
            name, value = declarator.field("name"), declarator.field("value")
            if declarator.kind() == "variable_declarator" and name is not None and value is not None:
                yield name, value, exported


def pino_factories(root: SgNode) -> frozenset[str]:
    """Local names of pino's factory: `import pino from "pino"`, `const pino = require("pino")`."""
    names: set[str] = set()
    for stmt in root.find_all(kind="import_statement"):
        source = stmt.field("source")
        if source is None or string_value(source) != "pino":
            continue
        clause = next((c for c in named_children(stmt) if c.kind() == "import_clause"), None)
        for part in named_children(clause) if clause is not None else []:
            if part.kind() == "identifier":
                names.add(part.text())
            elif part.kind() == "named_imports":
                for spec in named_children(part):
                    imported, alias = spec.field("name"), spec.field("alias")
                    if imported is not None and imported.text() in ("pino", "default"):
                        names.add((alias or imported).text())
    for name, value, _ in _top_level_declarators(root):
        if _is_require(value, "pino") is None:
            continue
        if name.kind() == "identifier":
            names.add(name.text())
        elif name.kind() == "object_pattern":
            for part in named_children(name):
                if part.kind() == "shorthand_property_identifier_pattern" and part.text() == "pino":
                    names.add("pino")
                elif part.kind() == "pair_pattern" and (k := part.field("key")) and k.text() == "pino":
                    value_node = part.field("value")
                    if value_node is not None and value_node.kind() == "identifier":
                        names.add(value_node.text())
    return frozenset(names)


def _is_pino_call(value: SgNode, factories: frozenset[str], loggers: set[str]) -> bool:
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
    return _is_require(callee, "pino") is not None


def local_loggers(root: SgNode) -> frozenset[str]:
    """Module-level names bound to a pino logger created in this file."""
    factories = pino_factories(root)
    loggers: set[str] = set()
    for name, value, _ in _top_level_declarators(root):
        if name.kind() == "identifier" and _is_pino_call(value, factories, loggers):
            loggers.add(name.text())
    return frozenset(loggers)


def _exported_loggers(root: SgNode, loggers: frozenset[str], factories: frozenset[str]) -> set[str]:
    """Names under which this file exports one of its pino loggers (ESM or CommonJS)."""
    found: set[str] = set()
    for name, _, exported in _top_level_declarators(root):
        if exported and name.kind() == "identifier" and name.text() in loggers:
            found.add(name.text())
    for stmt in named_children(root):
        if stmt.kind() == "export_statement" and stmt.field("source") is None:
            found |= _export_statement_loggers(stmt, loggers, factories)
        elif stmt.kind() == "expression_statement":
            found |= _commonjs_loggers(stmt, loggers, factories)
    return found


def _is_logger_value(node: SgNode, loggers: frozenset[str], factories: frozenset[str]) -> bool:
    node = unwrap(node)
    return (node.kind() == "identifier" and node.text() in loggers) or _is_pino_call(
        node, factories, set(loggers)
    )


def _export_statement_loggers(stmt: SgNode, loggers: frozenset[str], factories: frozenset[str]) -> set[str]:
    found: set[str] = set()
    value = stmt.field("value")
    if value is not None and _is_logger_value(value, loggers, factories):
        found.add("default")  # export default logger / export default pino()
    for clause in named_children(stmt):
        if clause.kind() != "export_clause":
            continue
        for spec in named_children(clause):
            local, alias = spec.field("name"), spec.field("alias")
            if local is not None and local.text() in loggers:
                found.add((alias or local).text())
    return found


def _commonjs_loggers(stmt: SgNode, loggers: frozenset[str], factories: frozenset[str]) -> set[str]:
    expr = next(iter(named_children(stmt)), None)
    if expr is None or expr.kind() != "assignment_expression":
        return set()
    left, right = expr.field("left"), expr.field("right")
    if left is None or right is None:
        return set()
    target = left.text().replace(" ", "")
    if target == "module.exports":
        if _is_logger_value(right, loggers, factories):
            return {MODULE_EXPORTS}
        right = unwrap(right)
        if right.kind() != "object":
            return set()
        found: set[str] = set()
        for prop in named_children(right):
            if prop.kind() == "shorthand_property_identifier" and prop.text() in loggers:
                found.add(prop.text())
            elif prop.kind() == "pair":
                k, v = prop.field("key"), prop.field("value")
                if k is not None and v is not None and _is_logger_value(v, loggers, factories):
                    found.add(k.text().strip("\"'"))
        return found
    for prefix in ("module.exports.", "exports."):
        if target.startswith(prefix) and _is_logger_value(right, loggers, factories):
            return {target[len(prefix) :]}
    return set()


# --- imports of the file's own modules ------------------------------------------------------


@dataclass(frozen=True)
class ImportedBinding:
    """`local` is bound to export `imported` ("default", MODULE_EXPORTS or a name) of `specifier`."""

    local: str
    imported: str
    specifier: str


def _is_relative(spec: str) -> bool:
    return spec.startswith("./") or spec.startswith("../") or spec in (".", "..")


def relative_imports(root: SgNode) -> list[ImportedBinding]:
    """Bindings the file gets from its project's own modules (relative specifiers)."""
    found: list[ImportedBinding] = []
    for stmt in named_children(root):
        if stmt.kind() == "import_statement":
            source = stmt.field("source")
            spec = string_value(source) if source is not None else None
            if spec is None or not _is_relative(spec) or _is_type_only(stmt):
                continue
            clause = next((c for c in named_children(stmt) if c.kind() == "import_clause"), None)
            for part in named_children(clause) if clause is not None else []:
                if part.kind() == "identifier":
                    found.append(ImportedBinding(part.text(), "default", spec))
                elif part.kind() == "named_imports":
                    for s in named_children(part):
                        imported, alias = s.field("name"), s.field("alias")
                        if imported is not None and not _is_type_only(s):
                            found.append(ImportedBinding((alias or imported).text(), imported.text(), spec))
    for name, value, _ in _top_level_declarators(root):
        spec = _is_require(value)
        if spec is None or not _is_relative(spec):
            continue
        if name.kind() == "identifier":
            found.append(ImportedBinding(name.text(), MODULE_EXPORTS, spec))
        elif name.kind() == "object_pattern":
            for part in named_children(name):
                if part.kind() == "shorthand_property_identifier_pattern":
                    found.append(ImportedBinding(part.text(), part.text(), spec))
                elif part.kind() == "pair_pattern":
                    k, v = part.field("key"), part.field("value")
                    if k is not None and v is not None and v.kind() == "identifier":
                        found.append(ImportedBinding(v.text(), k.text(), spec))
    return found


def _is_type_only(node: SgNode) -> bool:
    return any(not c.is_named() and c.text() == "type" for c in node.children())


def _specifiers(root: SgNode) -> list[SgNode]:
    """String nodes of the file's import/require/re-export specifiers."""
    nodes: list[SgNode] = []
    for stmt in named_children(root):
        source = stmt.field("source") if stmt.kind() in ("import_statement", "export_statement") else None
        if source is not None:
            nodes.append(source)
    for call in root.find_all(pattern="require($S)"):
        spec = call.get_match("S")
        if spec is not None and spec.kind() == "string":
            nodes.append(spec)
    return nodes


JS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


def extension_style(root: SgNode) -> str | None:
    """How the file writes relative specifiers: "js" (`./db.js`), "ts" (`./db.ts`), "none"
    (`./db`), or None when it has none."""
    styles = []
    for node in _specifiers(root):
        spec = string_value(node)
        if spec is None or not _is_relative(spec):
            continue
        suffix = PurePosixPath(spec).suffix
        if suffix in (".ts", ".tsx", ".mts", ".cts"):
            styles.append("ts")
        elif suffix in (".js", ".jsx", ".mjs", ".cjs"):
            styles.append("js")
        else:
            styles.append("none")
    return max(set(styles), key=styles.count) if styles else None


# --- facts collected per file, and the project-wide index -----------------------------------


@dataclass(frozen=True)
class LoggerFacts:
    """What one file tells the project about pino loggers (picklable)."""

    exports: frozenset[str]  # export names of pino loggers made here
    reexports: tuple[tuple[str, str, str], ...]  # (exported as, imported name or "*", specifier)
    esm: bool  # whether the file is written with import/export
    extension_style: str | None


def collect_logger_facts(ctx: FileContext) -> LoggerFacts | None:
    if not ctx.language.is_js_like:
        return None
    root = ctx.root
    exports = _exported_loggers(root, local_loggers(root), pino_factories(root))
    reexports: list[tuple[str, str, str]] = []
    for stmt in named_children(root):
        source = stmt.field("source") if stmt.kind() == "export_statement" else None
        spec = string_value(source) if source is not None else None
        if spec is None or not _is_relative(spec):
            continue
        clauses = [c for c in named_children(stmt) if c.kind() == "export_clause"]
        if not clauses:
            reexports.append(("*", "*", spec))
        for clause in clauses:
            for s in named_children(clause):
                name, alias = s.field("name"), s.field("alias")
                if name is not None:
                    reexports.append(((alias or name).text(), name.text(), spec))
    style = extension_style(root)
    if not exports and not reexports and style is None:
        return None
    return LoggerFacts(frozenset(exports), tuple(reexports), module_system(ctx) == "esm", style)


def resolve_specifier(importer: str, spec: str, known: Mapping[str, object]) -> str | None:
    """The absolute POSIX path among `known` that a relative specifier names (TS/Node rules)."""
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    stem, suffix = posixpath.splitext(base)
    candidates = [base]
    if suffix in (".js", ".jsx", ".mjs", ".cjs"):  # TS sources imported by their output name
        swapped = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
        candidates += [stem + ext for ext in swapped[suffix]]
    candidates += [base + ext for ext in JS_EXTENSIONS]
    candidates += [posixpath.join(base, "index" + ext) for ext in JS_EXTENSIONS]
    return next((c for c in candidates if c in known), None)


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
            if imported == "*":
                names |= {n for n in inner if n not in ("default", MODULE_EXPORTS)}
            elif imported in inner:
                names.add(exported)
        result = frozenset(names)
        self._exports[path] = result
        return result

    def modules(self) -> list[str]:
        return sorted(p for p in self.facts if self.exports(p))

    def majority_style(self) -> str | None:
        styles = [f.extension_style for f in self.facts.values() if f.extension_style is not None]
        return max(sorted(set(styles)), key=styles.count) if styles else None


def logger_index(project: ProjectFacts, rule_id: str) -> LoggerIndex:
    return project.memo(f"{rule_id}:logger-index", lambda: LoggerIndex(project.facts(rule_id)))


def imports_logger(binding: ImportedBinding, importer: str, index: LoggerIndex) -> bool:
    target = resolve_specifier(importer, binding.specifier, index.facts)
    if target is None:
        return False
    exports = index.exports(target)
    if binding.imported == "default":  # ESM default import also receives a CommonJS module.exports
        return bool(exports & {"default", MODULE_EXPORTS})
    return binding.imported in exports


# --- adding an import -----------------------------------------------------------------------


def module_system(ctx: FileContext) -> str | None:
    """The module system the file is written in ("esm" or "cjs"); None for a plain .js file
    that shows neither."""
    root = ctx.root
    kinds = {stmt.kind() for stmt in named_children(root)}
    if kinds & {"import_statement", "export_statement"}:
        return "esm"
    if (
        any(_is_require(value) for _, value, _ in _top_level_declarators(root))
        or "module.exports" in ctx.text
    ):
        return "cjs"
    suffix = ctx.path.suffix.lower()
    if suffix in (".mjs", ".mts", ".ts", ".tsx"):
        return "esm"
    if suffix in (".cjs", ".cts"):
        return "cjs"
    return None


@dataclass(frozen=True)
class ImportSite:
    """Where and how to add `import { logger } from "..."` to a file (picklable)."""

    path: str  # absolute POSIX path of the importing file
    system: str  # "esm" or "cjs"
    offset: int  # insert here; the text ends with a newline
    blank_line: bool  # follow with an empty line (the first import, right before code)
    quote: str
    semicolon: bool
    extension_style: str | None

    def statement(self, local: str, export: str, spec: str) -> str:
        return self._statement(local, export, spec) + ("\n" if self.blank_line else "")

    def _statement(self, local: str, export: str, spec: str) -> str:
        q, end = self.quote, ";" if self.semicolon else ""
        if self.system == "cjs":
            if export == MODULE_EXPORTS:
                return f"const {local} = require({q}{spec}{q}){end}\n"
            binding = local if export == local else f"{export}: {local}"
            return f"const {{ {binding} }} = require({q}{spec}{q}){end}\n"
        if export in ("default", MODULE_EXPORTS):
            return f"import {local} from {q}{spec}{q}{end}\n"
        binding = local if export == local else f"{export} as {local}"
        return f"import {{ {binding} }} from {q}{spec}{q}{end}\n"


def import_site(ctx: FileContext) -> ImportSite | None:
    system = module_system(ctx)
    if system is None:
        return None
    root = ctx.root
    statements = named_children(root)
    if system == "esm":
        anchors = [s for s in statements if s.kind() == "import_statement"]
    else:
        anchors = [
            s
            for s in statements
            if s.kind() in ("lexical_declaration", "variable_declaration")
            and any(_is_require(v) for v in (d.field("value") for d in named_children(s)) if v is not None)
        ]
    text = ctx.text
    if anchors:
        end = anchors[-1].range().end.index
        newline = text.find("\n", end)
        offset = len(text) if newline == -1 else newline + 1
    else:
        offset = _after_prologue(root, text)
    blank_line = not anchors and text[offset : offset + 1] not in ("\n", "\r", "")
    specs = _specifiers(root)
    quote = specs[0].text()[0] if specs else dominant_quote(root)
    semicolon = anchors[-1].text().rstrip().endswith(";") if anchors else uses_semicolons(root)
    return ImportSite(
        ctx.path.as_posix(), system, offset, blank_line, quote, semicolon, extension_style(root)
    )


def uses_semicolons(root: SgNode) -> bool:
    """Whether the file ends its simple statements with `;` (the majority; yes when unsure)."""
    ends = [
        node.text().rstrip().endswith(";")
        for kind in ("expression_statement", "lexical_declaration", "return_statement")
        for node in root.find_all(kind=kind)
    ]
    return ends.count(False) <= ends.count(True)


def _after_prologue(root: SgNode, text: str) -> int:
    """Start of the line of the first statement after a shebang and directives ("use strict")."""
    for stmt in named_children(root):
        kind = stmt.kind()
        if kind == "hash_bang_line":
            continue
        if kind == "expression_statement" and named_children(stmt)[0].kind() == "string":
            continue
        start = stmt.range().start.index
        return text.rfind("\n", 0, start) + 1
    return len(text)


def dominant_quote(root: SgNode) -> str:
    strings = [s.text()[0] for s in root.find_all(kind="string")]
    return "'" if strings.count("'") > strings.count('"') else '"'


def import_specifier(importer: str, target: str, style: str | None) -> str:
    """The relative specifier `importer` should use for `target`, in the given extension style."""
    rel = posixpath.relpath(target, posixpath.dirname(importer))
    if not rel.startswith("."):
        rel = "./" + rel
    stem, suffix = posixpath.splitext(rel)
    if suffix in (".mjs", ".cjs"):
        return rel  # Node needs these spelled out, whatever the style
    if style == "ts":
        return rel
    if style == "js":
        return stem + {".ts": ".js", ".tsx": ".js", ".mts": ".mjs", ".cts": ".cjs"}.get(suffix, suffix)
    if posixpath.basename(stem) == "index":
        stem = posixpath.dirname(stem)
    return stem


# --- turning a console fix into a logger fix in `resolve` -----------------------------------


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
        if imports_logger(binding, plan.path, index):
            return finding.with_fix(plan.fix(binding.local))
    if plan.site is None or plan.name_taken:
        return finding
    choice = _choose_module(plan, index)
    if choice is None:
        return finding
    target, export = choice
    style = plan.site.extension_style or index.majority_style()
    if style is None and plan.site.system == "esm" and plan.path.endswith((".js", ".mjs")):
        style = "js"  # Node's ESM loader wants full specifiers
    spec = import_specifier(plan.path, target, style)
    statement = plan.site.statement(plan.logger_name, export, spec)
    fix = plan.fix(plan.logger_name, (Edit(plan.site.offset, plan.site.offset, statement),))
    return finding.with_fix(replace(fix, description=f"{fix.description} (imports it from {spec})"))


def _choose_module(plan: LoggerPlan, index: LoggerIndex) -> tuple[str, str] | None:
    """The logger module to import from and the export to use, preferring the export named
    `logger_name`, then a default export, then the nearest module."""
    assert plan.site is not None
    options: list[tuple[tuple[int, int, str], str, str]] = []
    for path in index.modules():
        if path == plan.path:
            continue
        facts = index.facts[path]
        if plan.site.system == "cjs" and facts.esm and not path.endswith((".ts", ".tsx", ".mts")):
            continue  # require() of an ES module fails on Node 20
        exports = index.exports(path)
        if plan.logger_name in exports:
            rank, export = 0, plan.logger_name
        elif exports & {"default", MODULE_EXPORTS}:
            rank, export = 1, "default" if "default" in exports else MODULE_EXPORTS
        else:
            rank, export = 2, sorted(exports)[0]
        if plan.site.system == "esm" and export == MODULE_EXPORTS:
            export = "default"
        if plan.site.system == "cjs" and export == "default":
            continue  # require() of a default export yields { default }, not the logger
        distance = len(posixpath.relpath(path, posixpath.dirname(plan.path)).split("/"))
        options.append(((rank, distance, path), path, export))
    if not options:
        return None
    _, path, export = min(options)
    return path, export
