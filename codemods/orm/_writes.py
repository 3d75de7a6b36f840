"""Writes issued once per row, and the batch API that does the same in one round trip.

    TypeORM     save(rows) / insert(rows.map(...)) / delete(ids) / update({ id: In(ids) }, data)
    Sequelize   bulkCreate(rows.map(...)) / destroy({ where: { id: ids } }) / update(data, { where })
    Mongoose    insertMany(rows.map(...)) / deleteMany({ _id: { $in: ids } }) / bulkWrite([...])

The batched statement is written out when the loop does nothing but that one write (a
`for...of` whose body is `await <write>;`, or `await Promise.all(rows.map((row) => <write>))`)
and, for updates and deletes, the row reaches the call only through one key.
"""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.orm._batch import Plan
from handrail.codemods.orm._calls import Orm, Query
from handrail.codemods.orm._imports import import_in
from handrail.codemods.orm._sites import Site
from handrail.codemods.orm._syntax import (
    MAX_LINE,
    indent_at,
    indent_unit,
    layout,
    pair_key,
    props,
    statement_of,
    statements,
    value_of,
)
from handrail.codemods.prisma import _loops as L
from handrail.engine.model import Applicability, Edit, Fix

ADVICE = {
    Orm.TYPEORM: {
        "save": "save(array)",
        "insert": "insert(array)",
        "upsert": "upsert(array)",
        "remove": "remove(array)",
        "softRemove": "softRemove(array)",
        "delete": "one delete with In(ids)",
        "softDelete": "one softDelete with In(ids)",
        "restore": "one restore with In(ids)",
        "update": "one update with In(ids), or save(array)",
    },
    Orm.SEQUELIZE: {
        "create": "bulkCreate",
        "destroy": "one destroy with `where: { key: ids }`",
        "update": "one update with `where: { key: ids }`",
        "upsert": "bulkCreate with updateOnDuplicate",
        "findOrCreate": "one findAll, then bulkCreate for the missing rows",
    },
    Orm.MONGOOSE: {
        "create": "insertMany",
        "deleteOne": "deleteMany with $in, or bulkWrite",
        "findByIdAndDelete": "deleteMany with $in",
        "findOneAndDelete": "deleteMany with $in, or bulkWrite",
        "updateOne": "updateMany with $in, or bulkWrite",
        "findByIdAndUpdate": "bulkWrite",
        "findOneAndUpdate": "bulkWrite",
        "replaceOne": "bulkWrite",
        "findOneAndReplace": "bulkWrite",
    },
}
DEFAULT_ADVICE = "one batched write, or one transaction"
# Writes whose argument is the row (or a new object per row): the batch takes an array.
ARRAY_WRITES = {
    Orm.TYPEORM: {
        "save": "save",
        "insert": "insert",
        "upsert": "upsert",
        "remove": "remove",
        "softRemove": "softRemove",
    },
    Orm.SEQUELIZE: {"create": "bulkCreate"},
    Orm.MONGOOSE: {"create": "insertMany"},
}
# Writes addressed by a key: (index of the criteria argument, the batched method).
KEYED_WRITES = {
    Orm.TYPEORM: {
        "delete": (0, "delete"),
        "softDelete": (0, "softDelete"),
        "restore": (0, "restore"),
        "update": (0, "update"),
    },
    Orm.SEQUELIZE: {"destroy": (0, "destroy"), "update": (1, "update")},
    Orm.MONGOOSE: {
        "deleteOne": (0, "deleteMany"),
        "findOneAndDelete": (0, "deleteMany"),
        "findByIdAndDelete": (0, "deleteMany"),
        "updateOne": (0, "updateMany"),
    },
}
# TypeORM rejects an empty criteria array ("Empty criteria(s) are not allowed"), turns
# `In([])` into `IN ()` (an SQL syntax error) and has no rows to insert: no rows, no call.
GUARDED = frozenset({"insert", "upsert", "update", "delete", "softDelete", "restore"})
# Mongoose writes with a value per row: one bulkWrite operation each.
BULK_WRITES = {
    "updateOne": ("updateOne", "update"),
    "findOneAndUpdate": ("updateOne", "update"),
    "findByIdAndUpdate": ("updateOne", "update"),
    "replaceOne": ("replaceOne", "replacement"),
    "findOneAndReplace": ("replaceOne", "replacement"),
    "deleteOne": ("deleteOne", None),
    "findOneAndDelete": ("deleteOne", None),
    "findByIdAndDelete": ("deleteOne", None),
}


@dataclass(frozen=True)
class _Shape:
    statement: SgNode  # what the batched statement replaces
    row: str
    rows: str
    indent: str
    unit: str


def _shape(site: Site) -> _Shape | None:
    """The loop, when all it does is this one write for each row of a variable."""
    query, loop = site.query, site.loop
    collection = L.unwrap(loop.collection) if loop.collection is not None else None
    if loop.row is None or collection is None or collection.kind() not in ("identifier", "member_expression"):
        return None
    done = (L.unwrap(query.result), query.call)
    text = site.ctx.text

    def shape(statement: SgNode) -> _Shape:
        indent = indent_at(text, L.span(statement)[0])
        return _Shape(statement, str(loop.row), collection.text(), indent, indent_unit(text))

    if loop.kind == "for-of":
        body = statements(loop.body)
        only = len(body) == 1 and body[0].kind() == "expression_statement" and bool(L.named(body[0]))
        return shape(loop.node) if only and L.unwrap(L.named(body[0])[0]) in done else None
    if loop.kind != "map" or loop.body.kind() == "statement_block" or L.unwrap(loop.body) not in done:
        return None
    wrapper = L.outer(loop.node).parent()  # arguments of Promise.all
    call = wrapper.parent() if wrapper is not None else None
    method = L.callee_method(call) if call is not None else None
    if call is None or method is None or method[0].text() != "Promise" or method[1] != "all":
        return None
    awaited = L.outer(call).parent()
    statement = statement_of(call)
    if awaited is None or awaited.kind() != "await_expression" or statement is None:
        return None
    if statement.kind() != "expression_statement" or L.unwrap(L.named(statement)[0]) != L.unwrap(awaited):
        return None
    return shape(statement)


def _each(shape: _Shape, node: SgNode, expanded: bool = False) -> str:
    """`rows` when `node` is the row itself, else `rows.map((row) => (node))`; `expanded` lays
    an object literal out one property a line."""
    inner = L.unwrap(node)
    if inner.kind() == "identifier" and inner.text() == shape.row:
        return shape.rows
    body = inner.text()
    if inner.kind() == "object":
        items = [p.text() for p in props(inner)]
        body = f"({layout(items, shape.indent, shape.unit) if expanded and items else body})"
    return f"{shape.rows}.map(({shape.row}) => {body})"


def _call(query: Query, method: str, args: list[str]) -> str:
    return f"await {query.receiver.text()}.{method}({query.entity_arg}{', '.join(args)});"


def _array_write(site: Site, shape: _Shape) -> str | None:
    query = site.query
    method = ARRAY_WRITES[query.orm].get(query.op)
    if method is None or not query.args or any(site.depends(a) for a in query.args[1:]):
        return None
    rest = [a.text() for a in query.args[1:]]
    code = _call(query, method, [_each(shape, query.args[0]), *rest])
    if len(shape.indent) + len(code) > MAX_LINE:
        code = _call(query, method, [_each(shape, query.args[0], expanded=True), *rest])
    return code


@dataclass(frozen=True)
class _Criteria:
    """Where a write's criteria reads the row: `row.id`, or one entry of `{ id: row.id }`."""

    target: SgNode  # what the batched ids replace
    prefix: str  # `id: ` when the target is a shorthand entry (`{ id }`)
    row: L.RowField
    direct: bool  # the criteria is the value itself (`delete(row.id)`), not an object


def _criteria(site: Site, criteria: SgNode) -> _Criteria | None:
    criteria = L.unwrap(criteria)
    if criteria.kind() != "object":
        row = L.row_field(criteria, site.loop, site.known)
        return _Criteria(criteria, "", row, True) if row is not None and row.row is not None else None
    entries = [p for p in props(criteria) if site.depends(p)]
    entry = entries[0] if len(entries) == 1 else None
    value = value_of(entry)
    name = pair_key(entry) if entry is not None else None
    if entry is None or value is None or name is None or entry.kind() == "spread_element":
        return None
    row = L.row_field(value, site.loop, site.known)
    if row is None or row.row is None:
        return None
    if entry.kind() == "shorthand_property_identifier":
        return _Criteria(entry, f"{name}: ", row, False)
    return _Criteria(value, "", row, False)


def _keyed_write(site: Site, shape: _Shape) -> tuple[str, bool] | None:
    """A delete/update addressed by one row key: (the batched statement, whether it uses `In`)."""
    query = site.query
    spec = KEYED_WRITES[query.orm].get(query.op)
    if spec is None or len(query.args) <= spec[0]:
        return None
    position, method = spec
    criteria = L.unwrap(query.args[position])
    if query.orm is Orm.SEQUELIZE:
        where = value_of(next((p for p in props(criteria) if pair_key(p) == "where"), None))
        if where is None or where.kind() != "object":
            return None
        criteria = where
    found = _criteria(site, criteria)
    others = [a for i, a in enumerate(query.args) if i != position]
    if found is None or any(site.depends(a) for a in others):
        return None
    if query.op.startswith("findById") and not found.direct:
        return None
    field = found.row.field
    ids = shape.rows if field is None else f"{shape.rows}.map(({shape.row}) => {shape.row}.{field})"
    uses_in = query.orm is Orm.TYPEORM and not found.direct
    if query.orm is Orm.TYPEORM:
        batched = f"In({ids})" if uses_in else ids  # delete/update take an array of ids too
    elif query.orm is Orm.SEQUELIZE:
        batched = ids
    else:
        batched = f"{{ $in: {ids} }}"
    args_node = query.call.field("arguments")
    if args_node is None:
        return None
    if query.orm is Orm.MONGOOSE and query.op.startswith("findById"):
        new_args = f"({{ _id: {batched} }})"
    else:
        offset = L.span(args_node)[0]
        start, end = (i - offset for i in L.span(found.target))
        text = args_node.text()
        new_args = text[:start] + found.prefix + batched + text[end:]
    return f"await {query.receiver.text()}.{method}{new_args};", uses_in


def _bulk_write(site: Site, shape: _Shape) -> str | None:
    """Mongoose: one `bulkWrite` with an operation per row (values may differ per row)."""
    query = site.query
    spec = BULK_WRITES.get(query.op) if query.orm is Orm.MONGOOSE else None
    if spec is None or not query.args or len(query.args) > (2 if spec[1] else 1):
        return None
    operation, field = spec
    first = query.args[0].text()
    filter_text = f"{{ _id: {first} }}" if query.op.startswith("findById") else first
    parts = [f"filter: {filter_text}"]
    if field is not None:
        if len(query.args) < 2:
            return None
        parts.append(f"{field}: {query.args[1].text()}")
    head = f"await {query.receiver.text()}.bulkWrite({shape.rows}.map(({shape.row}) => "
    code = f"{head}({{ {operation}: {{ {', '.join(parts)} }} }})));"
    if len(shape.indent) + len(code) <= MAX_LINE:
        return code
    inner = shape.indent + shape.unit
    operation_text = f"{operation}: {layout(parts, inner, shape.unit)}"
    return f"{head}({layout([operation_text], shape.indent, shape.unit)})));"


def write_plan(site: Site) -> Plan:
    query = site.query
    advice = ADVICE[query.orm].get(query.op, DEFAULT_ADVICE)
    message = f"`{query.label}` runs once per row of `{site.rows}`: one write per row; batch it ({advice})"
    shape = _shape(site)
    if shape is None:
        return Plan(None, message)
    code = _array_write(site, shape)
    edits: list[Edit] = []
    if code is None:
        keyed = _keyed_write(site, shape)
        if keyed is not None:
            code, uses_in = keyed
            if uses_in:
                imported = import_in(site.ctx.root, site.ctx.text)
                if imported is None:
                    return Plan(None, message)
                edits += imported
    if code is None:
        code = _bulk_write(site, shape)
    if code is None:
        return Plan(None, message)
    if query.orm is Orm.TYPEORM and query.op in GUARDED:
        code = f"if ({shape.rows}.length > 0) {code}"
    edits.append(Edit(*L.span(shape.statement), code))
    return Plan(Fix(Applicability.SUGGESTION, tuple(edits), f"Batch the writes ({advice})"), message)
