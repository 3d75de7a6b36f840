"""The suggestion for reads that cannot be included: one `{ in: ids }` query grouped in a Map."""

from __future__ import annotations

import re

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._client import PER_PARENT_ARGS, SHAPE_ARGS
from handrail.codemods.prisma._editor import MAX_LINE, Editor
from handrail.codemods.prisma._site import Key, Plan, Site
from handrail.codemods.prisma._syntax import bare_ok, pair_key, statement_of
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, Edit, Fix


def plural(name: str) -> str:
    return name if name.endswith("s") else name + "s"


def cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def free_name(base: str, text: str) -> str:
    name, n = base, 2
    while re.search(rf"\b{re.escape(name)}\b", text):
        name, n = f"{base}{n}", n + 1
    return name


def _fetch(editor: Editor, lead: str, head: str, args: list[str], indent: str) -> str:
    """`lead head({ a, b });`, or one argument a line when that line would be too long."""
    flat = f"{lead}{head}({{ {', '.join(args)} }});"
    if len(indent) + len(flat) <= MAX_LINE:
        return flat
    inner = indent + editor.unit
    return f"{lead}{head}({{\n" + "".join(f"{inner}{a},\n" for a in args) + indent + "});"


def batch_suggestion(site: Site, key: Key | None) -> Plan:
    """One query for the rows of every key (`{ column: { in: ids } }`), grouped in a Map."""
    query, loop = site.query, site.loop
    base = f"`{query.label}` runs once per row of `{site.rows}` (N+1 queries)"
    statement = statement_of(loop.node)
    collection = L.unwrap(loop.collection) if loop.collection is not None else None
    if key is None or statement is None or collection is None:
        return Plan(
            None, f"{base}: load the rows for all of them in one query (`{{ in: [...] }}`) and group them"
        )
    rest, extra = site.rest_of_where(key), site.other_args()
    in_keys = f"`{key.column}: {{ in: [...] }}`"
    description = f"Load the rows of all keys at once ({in_keys}) and group them in memory"
    message = f"{base}: {description[0].lower()}{description[1:]}"
    per_row = [name for p in extra if (name := pair_key(p)) in PER_PARENT_ARGS]
    if per_row:
        return Plan(
            None,
            f"{base}: `{per_row[0]}` applies per row; load all rows at once ({in_keys}) and cut each group",
        )
    if (
        query.op in ("aggregate", "groupBy")
        or query.op.endswith("OrThrow")
        or any(pair_key(p) in SHAPE_ARGS for p in extra)
        or collection.kind() not in ("identifier", "member_expression")
        or (key.row.row is None and key.row.field is not None)
        or not site.portable([*rest, *extra], L.span(statement)[0])
    ):
        return Plan(None, message)
    editor = Editor(site.ctx.text, site.ctx.language)
    indent, unit = editor.indent_at(L.span(statement)[0]), editor.unit
    row = loop.row or "row"
    ids = (
        collection.text()
        if key.row.field is None
        else f"{collection.text()}.map(({row}) => {row}.{key.row.field})"
    )
    where = "where: { " + ", ".join([f"{key.column}: {{ in: {ids} }}", *(p.text() for p in rest)]) + " }"
    args = [where, *(p.text() for p in extra)]
    client, model, text = query.client.text(), query.model, site.ctx.text
    value = f"{key.row.row}.{key.row.field}" if key.row.field is not None else str(key.row.row)
    if query.op == "count":
        rows_name = free_name(f"{model}Counts", text)
        map_name = free_name(f"{model}CountBy{cap(key.column)}", text)
        count_args = [f'by: ["{key.column}"]', *args, "_count: { _all: true }"]
        lines = [
            _fetch(editor, f"const {rows_name} = ", f"await {client}.{model}.groupBy", count_args, indent),
            f"const {map_name} = new Map({rows_name}.map((row) => [row.{key.column}, row._count._all]));",
        ]
        replacement = f"({map_name}.get({value}) ?? 0)"
    else:
        rows_name = free_name(f"{model}Rows", text)
        map_name = free_name(f"{plural(model)}By{cap(key.column)}", text)
        fetch = _fetch(editor, f"const {rows_name} = ", f"await {client}.{model}.findMany", args, indent)
        if query.op == "findUnique":  # one row per key
            lines = [fetch, f"const {map_name} = new Map({rows_name}.map((row) => [row.{key.column}, row]));"]
            replacement = f"({map_name}.get({value}) ?? null)"
        else:
            typed = f"<unknown, typeof {rows_name}>" if site.ctx.language is not Language.JAVASCRIPT else ""
            lines = [
                fetch,
                f"const {map_name} = new Map{typed}();",
                f"for (const row of {rows_name}) {{",
                f"{unit}const group = {map_name}.get(row.{key.column});",
                f"{unit}if (group) group.push(row);",
                f"{unit}else {map_name}.set(row.{key.column}, [row]);",
                "}",
            ]
            first = query.op.startswith("findFirst")
            replacement = (
                f"({map_name}.get({value})?.[0] ?? null)" if first else f"({map_name}.get({value}) ?? [])"
            )
    start = L.span(statement)[0]
    editor.edits.append(Edit(start, start, "".join(line + "\n" + indent for line in lines)))
    editor.replace(query.result, replacement[1:-1] if bare_ok(query.result) else replacement)
    return Plan(Fix(Applicability.SUGGESTION, tuple(editor.edits), description), message)
