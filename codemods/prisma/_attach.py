"""Loops that only attach the per-row result to each row, and removing them once the parent query
loads the relation itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._editor import Editor
from handrail.codemods.prisma._site import Site
from handrail.codemods.prisma._syntax import is_async, norm, props, statements
from handrail.engine.model import Edit


@dataclass(frozen=True)
class Attach:
    """How the loop hands the per-row result on, under property `key`:
    "assign"  `row.key = await q;` (node: that statement);
    "collect" `acc.push({ ...row, key })`, the whole for-of body with an optional
              `const key = await q;` before it (node: the push statement);
    "map"     `await Promise.all(rows.map(async (row) => ({ ...row, key: await q })))`
              (node: the awaited `Promise.all(...)`, or the call in `return Promise.all(...)`)."""

    kind: str
    key: str
    node: SgNode


def _is_row(node: SgNode | None, loop: L.Loop) -> bool:
    """The loop's row itself (`row`, `C[i]`), possibly cast: `(row as any)`."""
    if node is None or not L.is_row_node(node, loop):
        return False
    inner = L.unwrap(node)
    return inner.kind() == "subscript_expression" or inner.text() == loop.row


def _spread_key(obj: SgNode, loop: L.Loop, is_value: Callable[[SgNode], bool]) -> str | None:
    """For `{ ...row, key: value }` / `{ ...row, key }` where `is_value(value)`: the key."""
    items = props(L.unwrap(obj))
    if len(items) != 2 or items[0].kind() != "spread_element":
        return None
    if not _is_row(next(iter(L.named(items[0])), None), loop):
        return None
    last = items[1]
    if last.kind() == "shorthand_property_identifier":
        return last.text() if is_value(last) else None
    key, value = last.field("key"), last.field("value")
    if last.kind() != "pair" or key is None or value is None or key.kind() != "property_identifier":
        return None
    return key.text() if is_value(L.outer(value)) else None


def promise_all(loop: L.Loop, scope: SgNode) -> SgNode | None:
    """For `rows.map(...)` as the only argument of `await Promise.all(...)`: the await
    expression; in `return Promise.all(...)` of an async function: the Promise.all call."""
    args = L.outer(loop.node).parent()
    call = args.parent() if args is not None else None
    method = L.callee_method(call) if call is not None else None
    if call is None or method is None or method[0].text() != "Promise" or method[1] != "all":
        return None
    if len(L.call_args(call)) != 1:
        return None
    up = L.outer(call).parent()
    if up is not None and up.kind() == "await_expression":
        return L.outer(up)
    if up is not None and up.kind() == "return_statement" and L.is_function(scope) and is_async(scope):
        return L.outer(call)
    return None


def attachment(site: Site) -> Attach | None:
    loop, result = site.loop, site.query.result
    parent = result.parent()
    if parent is None:
        return None
    if parent.kind() == "assignment_expression" and parent.field("right") == result:
        left, statement = parent.field("left"), parent.parent()
        key = L.member_name(left) if left is not None else None
        target = left.field("object") if left is not None and left.kind() == "member_expression" else None
        if (
            key
            and _is_row(target, loop)
            and statement is not None
            and statement.kind() == "expression_statement"
        ):
            return Attach("assign", key, statement)
        return None
    # The result goes into the object straight away, or through `const x = await q;`.
    lead: list[SgNode] = []
    if parent.kind() == "variable_declarator" and parent.field("value") == result:
        name, declaration = parent.field("name"), parent.parent()
        if (
            name is None
            or name.kind() != "identifier"
            or declaration is None
            or len(L.named(declaration)) != 1
        ):
            return None
        lead, variable = [declaration], name.text()

        def is_value(node: SgNode) -> bool:
            return L.unwrap(node).text() == variable

    elif parent.kind() == "pair":

        def is_value(node: SgNode) -> bool:
            return node == result

    else:
        return None
    body = statements(loop.body)
    if loop.kind == "for-of" and len(body) == len(lead) + 1 and body[: len(lead)] == lead:
        push = body[-1]
        call = L.unwrap(L.named(push)[0]) if push.kind() == "expression_statement" and L.named(push) else None
        method = L.callee_method(call) if call is not None else None
        args = L.call_args(call) if call is not None else []
        if (
            method is not None
            and method[1] == "push"
            and len(args) == 1
            and L.unwrap(method[0]).kind() == "identifier"
        ):
            key = _spread_key(args[0], loop, is_value)
            return Attach("collect", key, push) if key is not None else None
    wrapper = promise_all(loop, site.scope) if loop.kind == "map" else None
    if wrapper is None:
        return None
    obj: SgNode | None = None if lead else loop.body
    if loop.body.kind() == "statement_block":
        ret = body[-1] if body else None
        ok = (
            ret is not None
            and ret.kind() == "return_statement"
            and bool(L.named(ret))
            and body == [*lead, ret]
        )
        obj = L.named(ret)[0] if ok and ret is not None else None
    if obj is None or L.unwrap(obj).kind() != "object":
        return None
    key = _spread_key(obj, loop, is_value)
    return Attach("map", key, wrapper) if key is not None else None


def remove_attach(site: Site, attach: Attach, key: str, editor: Editor) -> bool:
    """Delete what only attached the relation under its own name. True when something was
    deleted (the per-row query goes with it)."""
    loop, scope = site.loop, site.scope
    if attach.key != key:
        return False
    body = statements(loop.body)
    if attach.kind == "assign":
        if loop.kind == "forEach":
            statement = L.outer(loop.node).parent()
            if body != [attach.node] or statement is None or statement.kind() != "expression_statement":
                return False
            editor.delete_statement(statement)
        elif loop.kind == "map" or attach.node not in body:
            return False
        else:
            editor.delete_statement(_emptied(loop.node) if body == [attach.node] else attach.node)
        return True
    # collect / map: the result is the parent rows themselves, when nothing else uses those.
    collection = L.unwrap(loop.collection) if loop.collection is not None else None
    if collection is None or collection.kind() != "identifier":
        return False
    name = collection.text()
    if L.is_reassigned(name, scope) or not only_walked(name, site):
        return False
    if attach.kind == "map":
        editor.replace(attach.node, name)
        return True
    # `const acc = [];` right before the loop becomes `const acc = rows;` and the loop goes.
    method = L.callee_method(L.unwrap(L.named(attach.node)[0]))
    previous = loop.node.prev()
    while previous is not None and previous.kind() == "comment":
        previous = previous.prev()
    if method is None or previous is None or previous.kind() != "lexical_declaration":
        return False
    declarators = L.named(previous)
    target = declarators[0].field("name") if len(declarators) == 1 else None
    value = declarators[0].field("value") if len(declarators) == 1 else None
    if (
        target is None
        or value is None
        or target.text() != L.unwrap(method[0]).text()
        or norm(value.text()) != "[]"
    ):
        return False
    value_start, value_end = L.span(value)
    tail = editor.text[value_end : L.span(previous)[1]]  # the `;`
    editor.edits.append(Edit(value_start, L.span(loop.node)[1], name + tail))
    return True


def _emptied(loop_statement: SgNode) -> SgNode:
    """The outermost loop left empty when `loop_statement` goes: `for (const user of users) {
    for (const order of user.orders) {...} }` loses both loops when the inner one goes."""
    node = loop_statement
    while True:
        block = node.parent()
        owner = block.parent() if block is not None else None
        if block is None or owner is None or block.kind() != "statement_block" or statements(block) != [node]:
            return node
        if owner.kind() not in ("for_in_statement", "for_statement") or owner.field("body") != block:
            return node
        walked = owner.field("right") if owner.kind() == "for_in_statement" else owner.field("condition")
        if walked is None or any(
            n.kind() in ("call_expression", "await_expression") for n in [walked, *L.descendants(walked)]
        ):
            return node  # walking it may have effects of its own
        node = owner


def only_walked(name: str, site: Site) -> bool:
    """Whether the variable `name` is used only as the loop's collection (and for `.length`)."""
    for use in L.uses(name, site.scope):
        if site.loop.collection is not None and L.contains(site.loop.collection, use):
            continue
        up = L.outer(use).parent()
        if up is None or L.member_name(up) != "length":
            return False
    return True
