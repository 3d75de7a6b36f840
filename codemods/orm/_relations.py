"""The relation suggestion for reads: the parent query loads the relation, the per-row query
becomes the loaded property.

    TypeORM     userRepo.find({ relations: { orders: true } })          -> user.orders
    Sequelize   User.findAll({ include: [{ model: Order, as: "orders" }] }) -> user.orders
    Mongoose    User.find().populate("orders")                          -> user.orders

It applies when the loop walks the result of a list query in the same function, the per-row
query asks for nothing but the rows of the relation (no other filter, order or options: a
relation loads all of them), and the project's model definitions name the relation (`_models`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.orm._batch import Plan, base_message
from handrail.codemods.orm._calls import COUNTS, TO_ONE, Orm, Query
from handrail.codemods.orm._models import Index, Load
from handrail.codemods.orm._sites import Key, Parent, Site, trace_parent
from handrail.codemods.orm._syntax import (
    MAX_LINE,
    delete_statement,
    extend_object,
    indent_at,
    indent_unit,
    layout,
    line_room,
    model_ref,
    prop,
    prop_value,
    statements,
    string_value,
)
from handrail.codemods.prisma import _loops as L
from handrail.engine.model import Applicability, Edit, Fix

# Chained calls that do not change which documents a Mongoose query returns.
NEUTRAL_CHAIN = frozenset({"lean", "exec"})


class CannotLoad(Exception):
    """The parent query is written in a way the suggestion cannot extend."""


@dataclass(frozen=True)
class Loaded:
    edits: list[Edit]
    redundant: bool  # the parent query already loads the relation
    shown: str  # the option as the message shows it: `relations: { orders: true }`


def find_load(site: Site, key: Key, parent: Parent, index: Index) -> Load | None:
    query, orm = site.query, site.query.orm
    if key.row.row is None or key.row.field is None or query.op in COUNTS:
        return None
    # A relation loads all of its rows: the per-row query may ask for nothing else (Mongoose's
    # `.lean()` / `.exec()` change the documents' class, not which ones).
    plain = (
        orm is Orm.MONGOOSE
        and not query.args[1:]
        and all(_chain_name(c) in NEUTRAL_CHAIN for c in query.chain)
    )
    if site.rest_of_filter(key) or (site.outside_filter() and not plain):
        return None
    owner, child = parent.query.entity, query.entity
    if owner is not None and orm is Orm.MONGOOSE:
        model = index.model(owner, orm)
        owner = model.model_name if model is not None else owner
    field = key.row.field
    if key.op == "in":
        return (
            index.id_array(orm, owner, child, field) if key.column == "_id" and query.op == "find" else None
        )
    if query.op in TO_ONE:
        found = index.parent_of(orm, owner, child, key.column, field) if key.nested is None else None
        return found or index.children(orm, owner, child, key.column, key.nested, field, many=False)
    return index.children(orm, owner, child, key.column, key.nested, field, many=True)


def _chain_name(call: SgNode) -> str | None:
    callee = call.field("function")
    return L.member_name(callee) if callee is not None else None


# --- loading the relation with the parent query ------------------------------------------------------


def _typeorm(text: str, parent: Query, rel: str) -> Loaded:
    shown = f"relations: {{ {rel}: true }}"
    entity = parent.entity_arg
    if parent.op == "findBy":
        where = parent.args[0].text() if parent.args else "{}"
        callee = parent.call.field("function")
        name = callee.field("property") if callee is not None else None
        if name is None:
            raise CannotLoad("findBy without a method name")
        start, end = L.span(name)[0], L.span(parent.call)[1]
        parts = [f"where: {where}", shown]
        rewritten = "{ " + ", ".join(parts) + " }"
        if line_room(text, start, end) + len(f"find({entity}{rewritten})") > MAX_LINE and "\n" not in where:
            rewritten = layout(parts, indent_at(text, start), indent_unit(text))
        return Loaded([Edit(start, end, f"find({entity}{rewritten})")], False, shown)
    options = parent.options
    if options is None:
        if parent.args:
            raise CannotLoad("the parent query's options are not an object literal")
        arguments = parent.call.field("arguments")
        if arguments is None:
            raise CannotLoad("no arguments")
        return Loaded([Edit(*L.span(arguments), f"({entity}{{ {shown} }})")], False, shown)
    relations = prop_value(options, "relations")
    if relations is None:
        return Loaded([extend_object(text, options, shown)], False, shown)
    if relations.kind() == "object":
        if prop(relations, rel) is not None:
            return Loaded([], True, shown)
        return Loaded([extend_object(text, relations, f"{rel}: true")], False, shown)
    if relations.kind() == "array":
        items = L.named(relations)
        if any(string_value(i) == rel for i in items):
            return Loaded([], True, f'relations: ["{rel}"]')
        at = L.span(items[-1])[1] if items else L.span(relations)[0] + 1
        return Loaded(
            [Edit(at, at, f', "{rel}"' if items else f'"{rel}"')], False, f'relations: [..., "{rel}"]'
        )
    raise CannotLoad("the parent query's relations are not a literal")


def _sequelize(text: str, parent: Query, child: Query, load: Load) -> Loaded:
    model = child.receiver.text()
    include = f'{{ model: {model}, as: "{load.prop}" }}' if load.relation.alias else f"{{ model: {model} }}"
    shown = f"include: [{include}]"
    options = parent.options
    if options is None:
        arguments = parent.call.field("arguments")
        if parent.args or arguments is None:
            raise CannotLoad("the parent query's options are not an object literal")
        return Loaded([Edit(*L.span(arguments), f"({{ {shown} }})")], False, shown)
    existing = prop_value(options, "include")
    if existing is None:
        return Loaded([extend_object(text, options, shown)], False, shown)
    if existing.kind() != "array":
        raise CannotLoad("the parent query's include is not an array literal")
    for item in L.named(existing):
        item = L.unwrap(item)
        named = model_ref(prop_value(item, "model")) if item.kind() == "object" else model_ref(item)
        alias = string_value(prop_value(item, "as")) if item.kind() == "object" else None
        if named == model_ref(child.receiver) and (alias or load.prop) == load.prop:
            return Loaded([], True, shown)
    items = L.named(existing)
    at = L.span(items[-1])[1] if items else L.span(existing)[0] + 1
    return Loaded([Edit(at, at, f", {include}" if items else include)], False, shown)


def _mongoose(parent: Query, rel: str) -> Loaded:
    shown = f'.populate("{rel}")'
    for call in parent.chain:
        args = L.call_args(call)
        first = L.unwrap(args[0]) if args else None
        path = string_value(first) or string_value(prop_value(first, "path"))
        if _chain_name(call) == "populate" and path == rel:
            return Loaded([], True, shown)
    at = L.span(parent.call)[1]
    return Loaded([Edit(at, at, shown)], False, shown)


# --- replacing the per-row query -------------------------------------------------------------------------


def _attached(site: Site, prop_name: str) -> SgNode | None:
    """The statement `row.<prop> = await q;` when it only stores what the relation now holds."""
    result = site.query.result
    assignment = result.parent()
    if (
        assignment is None
        or assignment.kind() != "assignment_expression"
        or assignment.field("right") != result
    ):
        return None
    left, statement = assignment.field("left"), assignment.parent()
    target = left.field("object") if left is not None and left.kind() == "member_expression" else None
    if left is None or target is None or statement is None or statement.kind() != "expression_statement":
        return None
    if L.member_name(left) != prop_name or not L.is_row_node(target, site.loop):
        return None
    return statement


def _drop(site: Site, statement: SgNode) -> Edit:
    """Delete the statement, or the whole loop when it was all the loop did."""
    loop, text = site.loop, site.ctx.text
    if statements(loop.body) == [statement] and loop.kind in ("for-of", "for-index"):
        return delete_statement(text, loop.node)
    if loop.kind == "forEach" and statements(loop.body) == [statement]:
        holder = L.outer(loop.node).parent()
        if holder is not None and holder.kind() == "expression_statement":
            return delete_statement(text, holder)
    return delete_statement(text, statement)


def relation_plan(site: Site, key: Key | None, index: Index) -> Plan | None:
    """The relation suggestion, or None when it does not apply (the caller then batches)."""
    if key is None:
        return None
    parent = trace_parent(site)
    load = find_load(site, key, parent, index) if parent is not None else None
    if parent is None or load is None:
        return None
    text, orm = site.ctx.text, site.query.orm
    if prop(parent.query.options, "select") is not None or any(
        _chain_name(c) == "select" for c in parent.query.chain
    ):
        return None  # a projection may leave out the relation (or the key it is loaded by)
    try:
        if orm is Orm.TYPEORM:
            loaded = _typeorm(text, parent.query, load.prop)
        elif orm is Orm.SEQUELIZE:
            loaded = _sequelize(text, parent.query, site.query, load)
        else:
            loaded = _mongoose(parent.query, load.prop)
    except CannotLoad:
        return None
    row = key.row.row
    attached = _attached(site, load.prop)
    edits = list(loaded.edits)
    if attached is not None:
        edits.append(_drop(site, attached))
    else:
        edits.append(Edit(*L.span(site.query.result), f"{row}.{load.prop}"))
    where = f"`{parent.query.label}`"
    if loaded.redundant:
        action = f"{where} already loads `{load.prop}`; use `{row}.{load.prop}`"
    else:
        action = f"load `{load.prop}` with {where} (`{loaded.shown}`)"
    message = f"{base_message(site)}: {action}"
    lean = any(_chain_name(c) == "lean" for c in parent.query.chain)
    if load.relation.virtual and not lean:
        message += " (a virtual: res.json() shows it only with `toJSON: { virtuals: true }`)"
    description = f"Load `{load.prop}` with the parent query instead of once per row"
    return Plan(Fix(Applicability.SUGGESTION, tuple(edits), description), message)
