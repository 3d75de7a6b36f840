"""Name scoping in TS/JS, and *error scopes*: a catch clause, a `.catch(cb)` callback or an
error-handling helper, with the name that holds the error there.

Scoping is lexical and approximate: declarations are looked up in the enclosing functions,
blocks, loops and catch clauses, which is what shadowing of a caught name or a logger needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods._js_bindings import pattern_names
from handrail.codemods.errors._js_syntax import (
    FUNCTION_KINDS,
    function_name,
    key,
    member_name,
    named_children,
    outer,
    param_pattern,
    param_type,
    parameters,
    subtree,
)

# --- declarations and shadowing ----------------------------------------------------------------


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
        own = scope.field("name")  # a named function expression sees its own name
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


# --- error scopes ------------------------------------------------------------------------------


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
        return [
            node
            for node in subtree(self.body)
            if node.kind() in ("identifier", "shorthand_property_identifier")
            and node.text() == self.name
            and not _is_binding_position(node)
            and resolves_to(node, self.name, self.owner)
        ]


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
# Their callbacks get array items, even when a parameter is called `err`.
ARRAY_CALLBACK_METHODS = frozenset({"forEach", "map", "filter", "reduce", "some", "every", "find", "flatMap"})


def _error_param(fn: SgNode) -> str | None:
    """The parameter of a plain function that receives an error (`handleError(err)`), if any."""
    handler_named = bool(ERROR_HANDLER_NAME.search(function_name(fn) or ""))
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


def _method_taking(fn: SgNode) -> tuple[str | None, bool]:
    """For a function passed to a method call (`p.catch(fn)`, `xs.map(fn)`): the method's name
    and whether `fn` is its first argument. (None, False) for any other function."""
    arg = outer(fn)
    args = arg.parent()
    if args is None or args.kind() != "arguments":
        return None, False
    call = args.parent()
    if call is None or call.kind() != "call_expression":
        return None, False
    callee = call.field("function")
    method = member_name(callee) if callee is not None else None
    return method, key(named_children(args)[0]) == key(arg)


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
            method, first_arg = _method_taking(fn)
            if method == "catch" and first_arg:
                first = param_pattern(params[0])
                if first.kind() == "identifier":
                    yield ErrorScope(fn, body, first.text())
                continue
            if method in ARRAY_CALLBACK_METHODS:
                continue
            name = _error_param(fn)
            if name is not None:
                yield ErrorScope(fn, body, name)


def error_scopes(root: SgNode) -> list[ErrorScope]:
    return [*catch_scopes(root), *function_scopes(root)]
