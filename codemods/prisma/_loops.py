"""Loops that walk the rows of a collection, and whether an expression depends on the row.

ORM-neutral JS/TS analysis on ast-grep nodes, shared by the N+1 rules: which loops surround a
query (`for...of`, index `for`, `while` over `C[i]`, `C.forEach(cb)`, `C.map(cb)`), what the
current row is called there, which names derive from it (`const userId = user.id`), whether a
query's arguments use it, and whether the loop walks a fixed list of constants instead of data.

Scoping is by name and position, without a full binder: a name counts as a row alias when it
is declared inside the loop from the row. Shadowing inside the loop is rare in this code and
errs towards reporting, never towards rewriting more than the shapes the fixer checks itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import FUNCTION_KINDS as FUNCTIONS

# Array methods that call their callback once per element, all in the same tick.
ITERATING = {"forEach": "forEach", "map": "map", "flatMap": "map"}
WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    }
)
LITERALS = frozenset({"string", "number", "true", "false", "null", "undefined"})
IDENTIFIERS = frozenset({"identifier", "shorthand_property_identifier"})


# --- small node helpers ----------------------------------------------------------------------


def unwrap(node: SgNode) -> SgNode:
    """The expression inside parentheses, `as T`, `!`, `satisfies T` and `<T>x`."""
    while node.kind() in WRAPPERS:
        inner = [c for c in node.children() if c.is_named() and c.kind() != "comment"]
        if not inner:
            break
        node = inner[0] if node.kind() != "type_assertion" else inner[-1]
    return node


def outer(node: SgNode) -> SgNode:
    """The outermost wrapper around `node` (the reverse of `unwrap`)."""
    parent = node.parent()
    while parent is not None and parent.kind() in WRAPPERS:
        node, parent = parent, parent.parent()
    return node


def named(node: SgNode) -> list[SgNode]:
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"]


def span(node: SgNode) -> tuple[int, int]:
    r = node.range()
    return r.start.index, r.end.index


def contains(outer_node: SgNode, inner: SgNode) -> bool:
    a, b = span(outer_node)
    c, d = span(inner)
    return a <= c and d <= b


def is_function(node: SgNode) -> bool:
    return node.kind() in FUNCTIONS


def descendants(node: SgNode) -> Iterator[SgNode]:
    stack = list(reversed(node.children()))
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children()))


def identifiers(node: SgNode, name: str | None = None) -> Iterator[SgNode]:
    """Identifier uses (not property names) under `node`, optionally only those called `name`."""
    for n in [node, *descendants(node)]:
        if n.kind() in IDENTIFIERS and (name is None or n.text() == name):
            yield n


def member_name(node: SgNode) -> str | None:
    """`x.name` -> "name" (also `x?.name`); None for other nodes and computed members."""
    if node.kind() != "member_expression":
        return None
    prop = node.field("property")
    return prop.text() if prop is not None and prop.kind() == "property_identifier" else None


def callee_method(call: SgNode) -> tuple[SgNode, str] | None:
    """For `obj.method(...)`: (obj, "method")."""
    if call.kind() != "call_expression":
        return None
    callee = call.field("function")
    if callee is None or callee.kind() != "member_expression":
        return None
    obj, name = callee.field("object"), member_name(callee)
    return (obj, name) if obj is not None and name is not None else None


def call_args(call: SgNode) -> list[SgNode]:
    args = call.field("arguments")
    return named(args) if args is not None else []


# --- scopes and declarations ------------------------------------------------------------------


def iteration_call(fn: SgNode) -> tuple[SgNode, str] | None:
    """When `fn` is the callback of `C.forEach(fn)` / `C.map(fn)`: (the call, "forEach" | "map")."""
    if fn.kind() not in ("arrow_function", "function_expression", "function"):
        return None
    args = fn.parent()
    call = args.parent() if args is not None else None
    if args is None or call is None or args.kind() != "arguments" or call.kind() != "call_expression":
        return None
    method = callee_method(call)
    if method is None or method[1] not in ITERATING or not named(args) or named(args)[0] != fn:
        return None
    return call, ITERATING[method[1]]


def scope_of(node: SgNode) -> SgNode:
    """The function whose body runs `node` once per call: the nearest enclosing function that is
    not a per-element callback (those are loops), or the program."""
    last = node
    for anc in node.ancestors():
        last = anc
        if is_function(anc) and iteration_call(anc) is None:
            return anc
    return last


def declarator(name: str, at: SgNode, scope: SgNode) -> SgNode | None:
    """The `variable_declarator` that binds `name` (a plain identifier) where `at` is, if it is
    in `scope`, declared before `at` and in a block that encloses `at`."""
    start = span(at)[0]
    best: SgNode | None = None
    for decl in scope.find_all(kind="variable_declarator"):
        target = decl.field("name")
        if target is None or target.kind() != "identifier" or target.text() != name:
            continue
        if span(decl)[0] >= start:
            continue
        block = next((a for a in decl.ancestors() if a.kind() in ("statement_block", "program")), None)
        if block is not None and contains(block, at) and (best is None or span(decl)[0] > span(best)[0]):
            best = decl
    return best


def declaration_kind(decl: SgNode) -> str:
    """ "const", "let" or "var" for a variable_declarator."""
    parent = decl.parent()
    first = parent.children()[0].text() if parent is not None and parent.children() else ""
    return first if first in ("const", "let", "var") else "const"


def is_reassigned(name: str, scope: SgNode) -> bool:
    for kind in ("assignment_expression", "augmented_assignment_expression"):
        for node in scope.find_all(kind=kind):
            left = node.field("left")
            if left is not None and unwrap(left).kind() == "identifier" and unwrap(left).text() == name:
                return True
    for node in scope.find_all(kind="update_expression"):
        if any(c.kind() == "identifier" and c.text() == name for c in node.children()):
            return True
    return False


def uses(name: str, scope: SgNode, after: int = 0, skip: SgNode | None = None) -> list[SgNode]:
    """References to `name` in `scope` that start at or after `after`, outside `skip`."""
    found = []
    for ident in identifiers(scope, name):
        parent = ident.parent()
        if parent is not None and parent.kind() == "variable_declarator" and parent.field("name") == ident:
            continue  # the declaration itself
        if parent is not None and is_function(parent) and parent.field("name") == ident:
            continue  # a function's own name: `function users() { const users = ... }`
        if span(ident)[0] < after or (skip is not None and contains(skip, ident)):
            continue
        found.append(ident)
    return found


# --- loops ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loop:
    kind: str  # "for-of", "for-index", "while", "forEach", "map"
    node: SgNode  # the loop statement, or the `C.forEach(...)` / `C.map(...)` call
    body: SgNode  # the loop body, or the callback's body
    collection: SgNode | None  # the walked expression (`users` in `for (const u of users)`)
    row: str | None  # the name bound to the current element, when it is a plain identifier
    bound: frozenset[str]  # every name the loop binds to the element (destructured parts too)
    index: str | None  # the index variable of `for (let i = 0; i < C.length; i++)` / while
    complete: bool  # provably visits every element once, in order

    @property
    def concurrent(self) -> bool:
        """Whether every iteration starts in the same tick (callbacks of forEach/map)."""
        return self.kind in ("forEach", "map")


def pattern_names(pattern: SgNode) -> set[str]:
    if pattern.kind() == "identifier":
        return {pattern.text()}
    names: set[str] = set()
    for n in [pattern, *descendants(pattern)]:
        if n.kind() == "shorthand_property_identifier_pattern":
            names.add(n.text())
        elif n.kind() == "identifier":
            parent = n.parent()
            # In `{ id: userId }` the key is a property_identifier; identifiers are bindings.
            if parent is None or parent.kind() != "pair_pattern" or parent.field("key") != n:
                names.add(n.text())
    return names


def _for_of(node: SgNode) -> Loop | None:
    op, left, right, body = (
        node.field("operator"),
        node.field("left"),
        node.field("right"),
        node.field("body"),
    )
    if op is None or op.text() != "of" or left is None or right is None or body is None:
        return None
    if any(c.kind() == "await" for c in node.children()):
        return None  # `for await` walks a stream, one fetch at a time by design
    row = left.text() if left.kind() == "identifier" else None
    return Loop("for-of", node, body, right, row, frozenset(pattern_names(left)), None, True)


def _index_collection(condition: SgNode | None) -> tuple[str, SgNode] | None:
    """`i < C.length` (or `C.length > i`) -> ("i", C)."""
    if condition is None:
        return None
    cond = unwrap(condition)
    if cond.kind() == "expression_statement":
        cond = unwrap(named(cond)[0]) if named(cond) else cond
    if cond.kind() != "binary_expression":
        return None
    op, left, right = cond.field("operator"), cond.field("left"), cond.field("right")
    if op is None or left is None or right is None:
        return None
    if op.text() in (">", ">="):
        left, right = right, left
    elif op.text() not in ("<", "<="):
        return None
    left, right = unwrap(left), unwrap(right)
    if left.kind() != "identifier" or member_name(right) != "length":
        return None
    obj = right.field("object")
    return (left.text(), obj) if obj is not None else None


def _standard_index(node: SgNode, index: str) -> bool:
    """`for (let i = 0; i < C.length; i++)` exactly (also `++i`, `i += 1`)."""
    init, cond, step = node.field("initializer"), node.field("condition"), node.field("increment")
    if init is None or cond is None or step is None:
        return False
    decl = init.find(kind="variable_declarator")
    value = decl.field("value") if decl is not None else None
    op = unwrap(cond).field("operator") if unwrap(cond).kind() == "binary_expression" else None
    step_text = step.text().replace(" ", "")
    return (
        value is not None
        and value.text() == "0"
        and op is not None
        and op.text() == "<"
        and step_text in (f"{index}++", f"++{index}", f"{index}+=1")
    )


def _index_loop(node: SgNode) -> Loop | None:
    body = node.field("body")
    found = _index_collection(node.field("condition"))
    if body is None or found is None:
        return None
    index, collection = found
    kind = "for-index" if node.kind() == "for_statement" else "while"
    complete = kind == "for-index" and _standard_index(node, index)
    return Loop(kind, node, body, collection, None, frozenset(), index, complete)


# What a JavaScript `formal_parameters` holds directly; TypeScript wraps the same nodes in
# `required_parameter` / `optional_parameter` and exposes them as its `pattern` field.
PARAMETER_PATTERNS = frozenset({"identifier", "object_pattern", "array_pattern", "rest_pattern"})


def first_param(fn: SgNode) -> SgNode | None:
    """The binding of a function's first parameter (an identifier or a destructuring pattern),
    in the TypeScript and the JavaScript grammar alike."""
    param = fn.field("parameter")  # `x => ...`
    if param is not None:
        return param
    params = fn.field("parameters")
    first = named(params)[0] if params is not None and named(params) else None
    if first is None:
        return None
    if first.kind() in ("required_parameter", "optional_parameter"):
        return first.field("pattern")
    if first.kind() == "assignment_pattern":
        first = first.field("left")  # `(user = {}) => ...` in JavaScript
    return first if first is not None and first.kind() in PARAMETER_PATTERNS else None


def _callback(fn: SgNode) -> Loop | None:
    found = iteration_call(fn)
    if found is None:
        return None
    call, kind = found
    method = callee_method(call)
    body = fn.field("body")
    param = first_param(fn)
    if method is None or body is None or param is None:
        return None
    row = param.text() if param.kind() == "identifier" else None
    return Loop(kind, call, body, method[0], row, frozenset(pattern_names(param)), None, True)


def enclosing_loops(node: SgNode) -> list[Loop]:
    """The loops around `node` inside its function (`scope_of`), innermost first. A loop counts
    only when `node` is in its body (not in its collection or condition)."""
    loops: list[Loop] = []
    for anc in node.ancestors():
        loop: Loop | None = None
        kind = anc.kind()
        if kind == "for_in_statement":
            loop = _for_of(anc)
        elif kind in ("for_statement", "while_statement"):
            loop = _index_loop(anc)
        elif is_function(anc):
            loop = _callback(anc)
            if loop is None:
                break
        if loop is not None and contains(loop.body, node):
            loops.append(loop)
    return loops


# --- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowField:
    """A value read from the current row: `user.id` -> (row "user", field "id"). `row` is None
    when the loop destructures the element; `field` is None for the element itself."""

    row: str | None
    field: str | None


def is_row_node(node: SgNode, loop: Loop) -> bool:
    """`user` (the loop's own binding) or `C[i]` in an index loop."""
    node = unwrap(node)
    if node.kind() in IDENTIFIERS:
        return node.text() in loop.bound
    if loop.index is not None and node.kind() == "subscript_expression":
        obj, index = node.field("object"), node.field("index")
        return (
            obj is not None
            and index is not None
            and loop.collection is not None
            and unwrap(obj).text() == unwrap(loop.collection).text()
            and unwrap(index).text() == loop.index
        )
    return False


def _row_value(node: SgNode, loop: Loop) -> RowField | None:
    """A direct read of the row: `user`, `user.id`, `orders[i]`, `orders[i].id`, a destructured name."""
    node = unwrap(node)
    if is_row_node(node, loop):
        if node.kind() in IDENTIFIERS and loop.row != node.text():
            return RowField(None, node.text())  # a destructured part of the element
        return RowField(node.text(), None)
    name = member_name(node)
    obj = node.field("object") if node.kind() == "member_expression" else None
    if name is not None and obj is not None and is_row_node(obj, loop):
        obj = unwrap(obj)
        if obj.kind() in IDENTIFIERS and loop.row != obj.text():
            return None  # a member of a destructured part: not a column of the row
        return RowField(obj.text(), name)
    return None


def aliases(loop: Loop, before: int) -> dict[str, RowField | None]:
    """Names declared in the loop body before offset `before` that derive from the row: to the
    row field they copy (`const userId = user.id`, `const { id } = user`, `const o = orders[i]`),
    or to None when they are computed from it some other way."""
    found: dict[str, RowField | None] = {}
    scope = loop.body
    for decl in scope.find_all(kind="variable_declarator"):
        name, value = decl.field("name"), decl.field("value")
        if name is None or value is None or span(decl)[0] >= before:
            continue
        direct = _row_value(value, loop)
        if name.kind() == "identifier":
            if direct is not None and direct.field is None and direct.row is not None:
                # `const order = orders[i]`: a new name for the row itself.
                found[name.text()] = RowField(direct.row, None)
            elif direct is not None:
                found[name.text()] = direct
            elif depends(value, loop, found):
                found[name.text()] = None
        elif name.kind() == "object_pattern" and direct is not None and direct.field is None and direct.row:
            for part in named(name):
                if part.kind() == "shorthand_property_identifier_pattern":
                    found[part.text()] = RowField(direct.row, part.text())
                elif part.kind() == "pair_pattern":
                    key, val = part.field("key"), part.field("value")
                    if key is not None and val is not None and val.kind() == "identifier":
                        found[val.text()] = RowField(direct.row, key.text())
        elif depends(value, loop, found):
            for ident in pattern_names(name):
                found[ident] = None
    return found


def depends(expr: SgNode, loop: Loop, known: dict[str, RowField | None] | None = None) -> bool:
    """Whether `expr` reads the loop's row, directly or through a name derived from it."""
    names = set(loop.bound) | set(known or ())
    for n in [expr, *descendants(expr)]:
        if n.kind() in IDENTIFIERS and n.text() in names:
            return True
        if n.kind() == "subscript_expression" and is_row_node(n, loop):
            return True
    return False


def row_field(node: SgNode, loop: Loop, known: dict[str, RowField | None]) -> RowField | None:
    """What row value `node` is: a direct read, or a name declared from one."""
    direct = _row_value(node, loop)
    if direct is not None:
        return direct
    node = unwrap(node)
    if node.kind() in IDENTIFIERS and node.text() in known:
        return known[node.text()]
    # `alias.id` where `const order = orders[i]` renamed the row.
    name = member_name(node)
    holder = node.field("object") if node.kind() == "member_expression" else None
    obj = unwrap(holder) if holder is not None else None
    if name is not None and obj is not None and obj.kind() == "identifier":
        alias = known.get(obj.text())
        if alias is not None and alias.field is None:
            return RowField(obj.text(), name)
    return None


# --- constant collections ---------------------------------------------------------------------


def _constant_element(node: SgNode) -> bool:
    node = unwrap(node)
    kind = node.kind()
    if kind in LITERALS or (kind == "template_string" and "${" not in node.text()):
        return True
    if kind == "unary_expression":
        return all(_constant_element(c) for c in named(node))
    if kind == "member_expression":  # `OrderStatus.PAID`
        obj = node.field("object")
        return obj is not None and unwrap(obj).kind() == "identifier" and member_name(node) is not None
    if kind == "array":
        return all(_constant_element(c) for c in named(node))
    if kind == "object":
        return all(c.kind() == "pair" and _constant_element(c.field("value") or c) for c in named(node))
    return False


def _program(node: SgNode) -> SgNode:
    ancestors = node.ancestors()
    return ancestors[-1] if ancestors else node


def is_constant_list(expr: SgNode, scope: SgNode) -> bool:
    """An array literal of literals (`["PAID", "SHIPPED"]`), a `const` bound to one, or
    `Object.values/keys(E)` of an enum-like name: a fixed list, not rows of earlier data."""
    node = unwrap(expr)
    if node.kind() == "array":
        return all(_constant_element(e) for e in named(node))
    if node.kind() == "identifier":
        decl = declarator(node.text(), node, _program(scope))
        value = decl.field("value") if decl is not None else None
        return (
            decl is not None
            and value is not None
            and declaration_kind(decl) == "const"
            and is_constant_list(value, scope)
        )
    method = callee_method(node) if node.kind() == "call_expression" else None
    if method is not None and method[0].text() == "Object" and method[1] in ("values", "keys", "entries"):
        args = call_args(node)
        if len(args) == 1 and unwrap(args[0]).kind() == "identifier":
            name = unwrap(args[0]).text()
            return name[:1].isupper()  # enums and constant tables are PascalCase / UPPER_CASE
    return False
