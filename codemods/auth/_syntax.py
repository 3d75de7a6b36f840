"""Small ast-grep helpers shared by the auth rules: node identity, walking, names and scopes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ast_grep_py import SgNode

from handrail.codemods._js_bindings import pattern_names
from handrail.codemods._js_nodes import FUNCTION_KINDS as FUNCTION_KINDS
from handrail.codemods._js_nodes import TRANSPARENT_KINDS as TRANSPARENT_KINDS

STRING_KINDS = frozenset({"string", "template_string"})
Key = tuple[int, int, str]


def key(node: SgNode) -> Key:
    """Identity of a node (ast-grep nodes do not compare equal across lookups)."""
    r = node.range()
    return r.start.index, r.end.index, node.kind()


def contains(outer: SgNode, inner: SgNode) -> bool:
    a, b = outer.range(), inner.range()
    return a.start.index <= b.start.index and b.end.index <= a.end.index


def named_children(node: SgNode) -> list[SgNode]:
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"]


def descendants(node: SgNode, into_functions: bool = True) -> Iterator[SgNode]:
    """Named descendants in source order (node excluded); optionally not entering nested functions."""
    stack = list(reversed(named_children(node)))
    while stack:
        current = stack.pop()
        yield current
        if into_functions or current.kind() not in FUNCTION_KINDS:
            stack.extend(reversed(named_children(current)))


def unwrap(node: SgNode) -> SgNode:
    """The value inside `(x)`, `x as T`, `x!`, `x satisfies T`."""
    while node.kind() in TRANSPARENT_KINDS:
        inner = [c for c in named_children(node) if not c.kind().endswith("type")]
        if not inner:
            break
        node = inner[0]
    return node


def call_args(call: SgNode) -> list[SgNode]:
    args = call.field("arguments")
    return named_children(args) if args is not None and args.kind() == "arguments" else []


def misparsed_await(call: SgNode) -> SgNode | None:
    """tree-sitter reads `await f<T>(x)` as `(await f)<T>(x)`: the `await` node inside the callee."""
    found = call.field("function")
    return found if found is not None and found.kind() == "await_expression" else None


def callee(call: SgNode) -> SgNode | None:
    found = call.field("function")
    if found is not None and found.kind() == "await_expression":
        inner = named_children(found)
        found = inner[0] if inner else None
    return unwrap(found) if found is not None else None


def callee_name(call: SgNode) -> str | None:
    """`b` for `a.b(...)` / `a?.b(...)`, `f` for `f(...)`, else None."""
    node = callee(call)
    if node is None:
        return None
    if node.kind() == "identifier":
        return node.text()
    if node.kind() == "member_expression":
        prop = node.field("property")
        return prop.text() if prop is not None else None
    return None


def member_parts(node: SgNode) -> list[str] | None:
    """`["req", "query", "token"]` for `req.query.token` (also `?.` and `["token"]`); None otherwise."""
    parts: list[str] = []
    node = unwrap(node)
    while node.kind() in ("member_expression", "subscript_expression"):
        if node.kind() == "member_expression":
            prop = node.field("property")
            if prop is None:
                return None
            parts.append(prop.text())
        else:
            index = node.field("index")
            value = string_value(index) if index is not None else None
            if value is None:
                return None
            parts.append(value)
        obj = node.field("object")
        if obj is None:
            return None
        node = unwrap(obj)
    if node.kind() not in ("identifier", "this"):
        return None
    parts.append(node.text())
    return parts[::-1]


def string_value(node: SgNode) -> str | None:
    """The text of a plain string literal (quotes removed), else None."""
    if node.kind() != "string":
        return None
    return node.text()[1:-1]


def text_of_strings(node: SgNode) -> str:
    """The literal text of every string and template in `node`, joined (to look for URL parts)."""
    nodes = [node, *descendants(node)]
    return " ".join(n.text() for n in nodes if n.kind() in STRING_KINDS)


def enclosing_function(node: SgNode) -> SgNode | None:
    return next((a for a in node.ancestors() if a.kind() in FUNCTION_KINDS), None)


def function_body(fn: SgNode) -> SgNode | None:
    return fn.field("body")


def parameters(fn: SgNode) -> list[SgNode]:
    single = fn.field("parameter")
    if single is not None:
        return [single]
    params = fn.field("parameters")
    return named_children(params) if params is not None else []


def param_name(param: SgNode) -> str | None:
    pattern = (
        param.field("pattern") if param.kind() in ("required_parameter", "optional_parameter") else param
    )
    if pattern is not None and pattern.kind() == "identifier":
        return pattern.text()
    return None


def param_type(param: SgNode) -> str | None:
    annotation = param.field("type")
    return annotation.text().lstrip(":").strip() if annotation is not None else None


def function_name(fn: SgNode) -> str | None:
    """The declared name, or the name a function expression is bound to (`const f = () => ...`)."""
    name = fn.field("name")
    if name is not None:
        return name.text()
    parent = fn.parent()
    if parent is not None and parent.kind() in ("variable_declarator", "pair", "public_field_definition"):
        target = parent.field("name") or parent.field("key")
        if target is not None:
            return target.text()
    return None


def is_async(fn: SgNode) -> bool:
    return any(c.kind() == "async" for c in fn.children())


def declares(scope: SgNode, name: str) -> bool:
    """Whether `scope` declares `name` anywhere inside it (parameters, const/let/var, functions).

    Coarser than real scoping (a name declared in any nested block counts), which errs towards
    "local": a variable is only called shared when nothing in the function could be it.
    """
    if scope.kind() in FUNCTION_KINDS and any(name in pattern_names(p) for p in parameters(scope)):
        return True
    for node in descendants(scope):
        kind = node.kind()
        if kind == "variable_declarator":
            target = node.field("name")
            if target is not None and name in pattern_names(target):
                return True
        elif kind in FUNCTION_KINDS:
            own = node.field("name")
            if own is not None and own.text() == name and kind.endswith("declaration"):
                return True
            if any(name in pattern_names(p) for p in parameters(node)):
                return True
        elif kind == "catch_clause":
            param = node.field("parameter")
            if param is not None and name in pattern_names(param):
                return True
    return False


def shared_name(node: SgNode, fn: SgNode) -> str | None:
    """The variable `node` names if it lives outside `fn` (module, closure or `this.x`), else None."""
    node = unwrap(node)
    if node.kind() == "identifier":
        return None if declares(fn, node.text()) else node.text()
    parts = member_parts(node)
    if parts is not None and len(parts) == 2 and parts[0] == "this":
        return f"this.{parts[1]}"
    return None


def top_level_statement(node: SgNode) -> SgNode | None:
    """The statement directly under `program` that holds `node`."""
    current: SgNode | None = node
    while current is not None:
        parent = current.parent()
        if parent is not None and parent.kind() == "program":
            return current
        current = parent
    return None


def identifier_names(root: SgNode) -> frozenset[str]:
    kinds = ("identifier", "property_identifier", "shorthand_property_identifier")
    return frozenset(n.text() for kind in kinds for n in root.find_all(kind=kind))


def line_indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    line = text[start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_unit(text: str) -> str:
    """The file's indentation step (two spaces unless the file clearly uses four or tabs)."""
    steps = re.findall(r"\n( +|\t+)\S", text)
    if any(s.startswith("\t") for s in steps):
        return "\t"
    widths = {len(s) for s in steps}
    return "    " if widths and min(widths) == 4 else "  "


def statement_of(node: SgNode) -> SgNode | None:
    """The statement holding `node` in its block (or program)."""
    current: SgNode | None = node
    while current is not None:
        parent = current.parent()
        if parent is not None and parent.kind() in ("statement_block", "program", "switch_case"):
            return current
        current = parent
    return None
