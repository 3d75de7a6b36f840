"""The suggestion for writes per row: createMany / deleteMany / updateMany or `$transaction`."""

from __future__ import annotations

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._attach import promise_all
from handrail.codemods.prisma._site import Plan, Site
from handrail.codemods.prisma._syntax import pair_key, statement_of, statements
from handrail.engine.model import Applicability, Edit, Fix

ADVICE = {
    "create": "createMany",
    "delete": "deleteMany",
    "update": "updateMany or one transaction",
    "upsert": "one transaction",
}


def write_plan(site: Site) -> Plan:
    """Writes per row: createMany / deleteMany / updateMany, or `$transaction([...])`, as a
    suggestion when the loop does nothing but that one write."""
    query, loop = site.query, site.loop
    advice = ADVICE[query.op]
    message = f"`{query.label}` runs once per row of `{site.rows}`: one write per row; batch it ({advice})"
    none = Plan(None, message)
    body = statements(loop.body)
    if loop.kind == "for-of":
        statement: SgNode | None = loop.node
        only = len(body) == 1 and body[0].kind() == "expression_statement" and bool(L.named(body[0]))
        single = only and L.unwrap(L.named(body[0])[0]) in (query.result, query.call)
    elif loop.kind == "map" and loop.body.kind() != "statement_block":
        wrapper = promise_all(loop, site.scope)
        statement = (
            statement_of(wrapper) if wrapper is not None and wrapper.kind() == "await_expression" else None
        )
        single = L.unwrap(loop.body) in (L.unwrap(query.result), query.call)
        if statement is not None and (
            statement.kind() != "expression_statement" or L.outer(L.named(statement)[0]) != wrapper
        ):
            statement = None
    else:
        return none
    collection = L.unwrap(loop.collection) if loop.collection is not None else None
    if not single or statement is None or loop.row is None or collection is None or query.args is None:
        return none
    row, rows, client, model = loop.row, collection.text(), query.client.text(), query.model
    names = {pair_key(p) for p in query.arg_entries()}
    data = query.arg("data")
    key = site.key() if query.arg("where") is not None else None
    # `{ column: { in: ids } }`, when the write's `where` is only the row's key.
    in_ids = (
        f"{{ {key.column}: {{ in: {rows}.map(({row}) => {row}.{key.row.field}) }} }}"
        if key is not None and key.row.field and not site.rest_of_where(key)
        else None
    )
    code: str | None = None
    if query.op == "create" and names == {"data"} and data is not None:
        code = f"await {client}.{model}.createMany({{ data: {rows}.map(({row}) => ({data.text()})) }});"
    elif query.op == "delete" and names == {"where"} and in_ids is not None:
        code = f"await {client}.{model}.deleteMany({{ where: {in_ids} }});"
    elif (
        query.op == "update"
        and names == {"where", "data"}
        and in_ids is not None
        and data is not None
        and not L.depends(data, loop, site.known)
    ):
        code = f"await {client}.{model}.updateMany({{ where: {in_ids}, data: {data.text()} }});"
    elif query.op != "create" and client not in site.clients.transactions:
        # `$transaction([...])` exists on the client, not on an interactive transaction's `tx`.
        each = f"{client}.{model}.{query.op}({query.args.text()})"
        code = f"await {client}.$transaction({rows}.map(({row}) => {each}));"
    if code is None:
        return none
    fix = Fix(Applicability.SUGGESTION, (Edit(*L.span(statement), code),), f"Batch the writes ({advice})")
    return Plan(fix, message)
