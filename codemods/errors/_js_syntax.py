"""Reading TS/JS syntax trees from ast-grep: node identity, walks, the value under type-only
wrappers, calls and callees, functions and their parameters."""

from __future__ import annotations

from collections.abc import Iterator

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import FUNCTION_KINDS as FUNCTION_KINDS
from handrail.codemods._js_nodes import TRANSPARENT_KINDS as TRANSPARENT_KINDS


def key(node: SgNode) -> tuple[int, int, str]:
    """Identity of a node (ast-grep nodes do not compare equal across lookups)."""
    r = node.range()
    return r.start.index, r.end.index, node.kind()


def named_children(node: SgNode) -> list[SgNode]:
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"]


def descendants(node: SgNode, prune: frozenset[str] = frozenset()) -> Iterator[SgNode]:
    """Named descendants in source order (node itself excluded). Nodes whose kind is in `prune`
    are yielded, but not entered."""
    stack = list(reversed(named_children(node)))
    while stack:
        current = stack.pop()
        yield current
        if current.kind() not in prune:
            stack.extend(reversed(named_children(current)))


def subtree(node: SgNode) -> Iterator[SgNode]:
    """`node` and its named descendants, in source order."""
    yield node
    yield from descendants(node)


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


def dominant_quote(root: SgNode) -> str:
    """The quote most of the file's string literals use (double on a tie)."""
    strings = [s.text()[0] for s in root.find_all(kind="string")]
    return "'" if strings.count("'") > strings.count('"') else '"'


def identifier_names(root: SgNode) -> frozenset[str]:
    return frozenset(n.text() for n in root.find_all(kind="identifier"))


def enclosing_functions(node: SgNode) -> Iterator[SgNode]:
    """The functions around `node`, innermost first."""
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
    single = fn.field("parameter")  # `e => ...` has one bare parameter
    if single is not None:
        return [single]
    params = fn.field("parameters")
    return named_children(params) if params is not None else []


def param_pattern(param: SgNode) -> SgNode:
    """The binding pattern of a parameter, without its type annotation or default value."""
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
