"""The batched suggestion for reads: one query for the keys of every row before the loop, its
rows grouped in a Map, and the per-row query replaced by a lookup.

    TypeORM     find({ where: { userId: In(ids) } })        (`In` imported from typeorm)
    Sequelize   findAll({ where: { userId: ids } })         (an array means IN)
    Mongoose    find({ user: { $in: ids } })                (keys compared as strings: ObjectIds)

Counts become one grouped count (TypeORM's query builder, Sequelize's `count({ group })`,
Mongoose's `aggregate`). The suggestion is only written out when it returns what the per-row
queries returned: no per-row limit or offset, no projection that could drop the key, and
arguments that mean the same outside the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from handrail.codemods.orm._calls import COUNTS, TO_ONE, UNBATCHABLE, Orm, Query
from handrail.codemods.orm._imports import import_in
from handrail.codemods.orm._sites import Key, Site
from handrail.codemods.orm._syntax import (
    free_name,
    indent_at,
    indent_unit,
    lower_first,
    pair_key,
    plural,
    statement_of,
    wrap_call,
)
from handrail.codemods.prisma import _loops as L
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, Edit, Fix

# Options that apply to each per-row query on its own: one batched query would apply them to
# all rows at once (limits), or could drop the column the rows are grouped by (projections).
PER_ROW_OPTIONS = {
    Orm.TYPEORM: frozenset({"take", "skip", "select", "loadRelationIds", "cache", "lock", "withDeleted"}),
    Orm.SEQUELIZE: frozenset({"limit", "offset", "attributes", "group", "raw", "plain", "paranoid"}),
    Orm.MONGOOSE: frozenset({"limit", "skip", "select", "distinct"}),
}
IN_ADVICE = {Orm.TYPEORM: "`In(ids)`", Orm.SEQUELIZE: "`where: { key: ids }`", Orm.MONGOOSE: "`$in`"}
# A lookup by one of these returns at most one row per key: a plain Map, no groups.
PRIMARY_KEYS = frozenset({"id", "_id"})


@dataclass(frozen=True)
class Plan:
    fix: Fix | None
    message: str


def base_message(site: Site) -> str:
    return f"`{site.query.label}` runs once per row of `{site.rows}` (N+1 queries)"


def stem(query: Query) -> str:
    """A name for the queried rows: `order` for `Order`, `orderRepository`, `this.orderModel`."""
    name = query.entity or query.receiver.text().rsplit(".", 1)[-1]
    return lower_first(name) if name.isidentifier() else "row"


def in_filter(orm: Orm, ids: str) -> str:
    return {Orm.TYPEORM: f"In({ids})", Orm.SEQUELIZE: ids, Orm.MONGOOSE: f"{{ $in: {ids} }}"}[orm]


def key_of(orm: Orm, row: str, column: str) -> str:
    """A row's grouping key. A MongoDB ObjectId is an object, so Map keys are its string form."""
    return f"String({row}.{column})" if orm is Orm.MONGOOSE else f"{row}.{column}"


def lookup_of(orm: Orm, value: str) -> str:
    return f"String({value})" if orm is Orm.MONGOOSE else value


@dataclass
class _Writer:
    """The lines to insert before the loop statement, and names free in the file."""

    site: Site
    key: Key
    indent: str
    unit: str

    @property
    def text(self) -> str:
        return self.site.ctx.text

    def name(self, base: str) -> str:
        return free_name(base, self.text)

    @property
    def typed(self) -> bool:
        return self.site.ctx.language is not Language.JAVASCRIPT

    @property
    def guard(self) -> str:
        """TypeORM turns `In([])` into `IN ()`, a syntax error in SQL: no rows, no query."""
        collection = self.site.loop.collection
        if self.site.query.orm is not Orm.TYPEORM or collection is None:
            return ""
        return f"{L.unwrap(collection).text()}.length === 0 ? [] : "

    def declare(self, name: str) -> str:
        """`const name = ` and the guard, which the batched query follows."""
        return f"const {name} = {self.guard}"


def _blocked(site: Site, key: Key) -> str | None:
    """Why the batched query cannot be written out, or None."""
    query = site.query
    if query.op in UNBATCHABLE:
        return "it also counts or tests every row, which one grouped query does not"
    if query.op.endswith("OrFail"):
        return "it throws when a row is missing"
    if key.op != "eq":
        return "the key is a list of ids"
    if key.nested is not None and (query.op in COUNTS or query.orm is not Orm.TYPEORM):
        return "the key is a relation filter"
    if key.row.row is None and key.row.field is not None:
        return "the row is destructured"
    collection = L.unwrap(site.loop.collection) if site.loop.collection is not None else None
    if collection is None or collection.kind() not in ("identifier", "member_expression"):
        return "the loop does not walk a variable"
    blocking = PER_ROW_OPTIONS[query.orm]
    if any(pair_key(p) in blocking for p in site.option_entries()):
        return "it limits or projects each query"
    if query.orm is Orm.MONGOOSE and (
        len(query.args) > 1 or any(L.member_name(c.field("function") or c) in blocking for c in query.chain)
    ):
        return "it limits or projects each query"
    if query.orm is Orm.SEQUELIZE and query.op == "findByPk" and len(query.args) > 1:
        return "it passes options to findByPk"
    moved = [*site.rest_of_filter(key), *site.outside_filter()]
    statement = statement_of(site.loop.node)
    if statement is None or not site.portable(moved, L.span(statement)[0]):
        return "its arguments use values computed in the loop"
    return None


def batch_plan(site: Site, key: Key | None) -> Plan:
    query = site.query
    base = base_message(site)
    advice = f"load the rows of all keys in one query ({IN_ADVICE[query.orm]}) and group them in memory"
    reason = (
        _blocked(site, key)
        if key is not None
        else "the row reaches it other than as one `key: row.value` filter"
    )
    statement = statement_of(site.loop.node)
    if key is None or reason is not None or statement is None:
        return Plan(None, f"{base}: {advice} (no code suggested: {reason})")
    text = site.ctx.text
    writer = _Writer(site, key, indent_at(text, L.span(statement)[0]), indent_unit(text))
    built = _counts(writer) if query.op in COUNTS else _rows(writer)
    if isinstance(built, str):
        return Plan(
            None, f"{base}: count the rows of all keys in one grouped query (no code suggested: {built})"
        )
    lines, replacement, description = built
    start = L.span(statement)[0]
    edits = [Edit(start, start, "".join(line + "\n" + writer.indent for line in lines))]
    edits.append(Edit(*L.span(query.result), replacement))
    message = f"{base}: {description[0].lower()}{description[1:]}"
    if query.orm is Orm.TYPEORM and query.op not in COUNTS:
        imported = import_in(site.ctx.root, text)
        if imported is None:
            return Plan(None, f"{message} (no code suggested: the file has its own `In`)")
        edits += imported
    return Plan(Fix(Applicability.SUGGESTION, tuple(edits), description), message)


def _ids(site: Site, key: Key) -> str:
    collection = L.unwrap(site.loop.collection) if site.loop.collection is not None else None
    rows = collection.text() if collection is not None else ""
    if key.row.field is None:
        return rows  # the loop walks the keys themselves
    row = site.loop.row or "row"
    return f"{rows}.map(({row}) => {row}.{key.row.field})"


def _value(key: Key) -> str:
    return f"{key.row.row}.{key.row.field}" if key.row.field is not None else str(key.row.row)


def _path(key: Key) -> str:
    """The attribute the rows are grouped by: `customerId`, or `customer.id` for TypeORM's
    relation filter `{ customer: { id: ... } }`."""
    return f"{key.column}.{key.nested}" if key.nested else key.column


def _fetch(w: _Writer, before: int) -> str:
    """The batched query: the per-row call with the key matching every row's value."""
    site, key, query = w.site, w.key, w.site.query
    receiver, entity = query.receiver.text(), query.entity_arg
    matched = in_filter(query.orm, _ids(site, key))
    if key.nested is not None:
        matched = f"{{ {key.nested}: {matched} }}"
    filter_items = [f"{key.column}: {matched}", *(p.text() for p in site.rest_of_filter(key))]
    if query.orm is Orm.MONGOOSE:
        chain = w.text[L.span(query.call)[1] : L.span(query.chain[-1])[1]] if query.chain else ""
        return wrap_call(f"await {receiver}.find", filter_items, w.indent, w.unit, after=chain, before=before)
    options = [p.text() for p in site.option_entries()]
    if key.nested is not None and not any(pair_key(p) == "relations" for p in site.option_entries()):
        # Grouping by `row.customer.id` needs the relation on the rows.
        options.append(f"relations: {{ {key.column}: true }}")
    if query.orm is Orm.TYPEORM and query.options is None and not options:
        return wrap_call(
            f"await {receiver}.findBy", filter_items, w.indent, w.unit, lead=entity, before=before
        )
    where = "{ " + ", ".join(filter_items) + " }"
    method = "find" if query.orm is Orm.TYPEORM else "findAll"
    args = [f"where: {where}", *options]
    return wrap_call(f"await {receiver}.{method}", args, w.indent, w.unit, lead=entity, before=before)


def _rows(w: _Writer) -> tuple[list[str], str, str]:
    key, query = w.key, w.site.query
    orm, base, path = query.orm, stem(query), _path(key)
    rows = w.name(f"{base}Rows")
    head = w.declare(rows)
    fetch = _fetch(w, len(head) + 1)
    value = lookup_of(orm, _value(key))
    row_key = key_of(orm, "row", path)
    suffix = "".join(part[:1].upper() + part[1:] for part in path.lstrip("_").split("."))
    if query.op in TO_ONE and key.column in PRIMARY_KEYS:
        by = w.name(f"{plural(base)}By{suffix}")
        lines = [f"{head}{fetch};", f"const {by} = new Map({rows}.map((row) => [{row_key}, row]));"]
        description = f"Load the rows of all keys at once ({IN_ADVICE[orm]}) and look each one up by `{path}`"
        return lines, f"({by}.get({value}) ?? null)", description
    by = w.name(f"{plural(base)}By{suffix}")
    typed = f"<unknown, typeof {rows}>" if w.typed else ""
    lines = [
        f"{head}{fetch};",
        f"const {by} = new Map{typed}();",
        f"for (const row of {rows}) {{",
        f"{w.unit}const group = {by}.get({row_key});",
        f"{w.unit}if (group) group.push(row);",
        f"{w.unit}else {by}.set({row_key}, [row]);",
        "}",
    ]
    first = query.op in TO_ONE
    replacement = f"({by}.get({value})?.[0] ?? null)" if first else f"({by}.get({value}) ?? [])"
    description = f"Load the rows of all keys at once ({IN_ADVICE[orm]}) and group them by `{path}` in memory"
    return lines, replacement, description


def _counts(w: _Writer) -> tuple[list[str], str, str] | str:
    """The grouped count, or why it cannot be written out."""
    site, key, query = w.site, w.key, w.site.query
    orm, base = query.orm, stem(query)
    counts = w.name(f"{base}CountRows")
    by = w.name(f"{base}CountBy{key.column[:1].upper()}{key.column[1:]}")
    ids, rest = _ids(site, key), site.rest_of_filter(key)
    inner = w.indent + w.unit
    if orm is Orm.SEQUELIZE:
        where = "{ " + ", ".join([f"{key.column}: {ids}", *(p.text() for p in rest)]) + " }"
        options = [f"where: {where}", *(p.text() for p in site.option_entries()), f'group: ["{key.column}"]']
        fetch = wrap_call(
            f"await {query.receiver.text()}.count", options, w.indent, w.unit, before=len(counts) + 10
        )
        lines = [
            f"const {counts} = {fetch};",
            f"const {by} = new Map({counts}.map((row) => [row.{key.column}, Number(row.count)]));",
        ]
    elif orm is Orm.TYPEORM:
        if rest or site.option_entries():
            return "other conditions would have to be rewritten as query-builder SQL"
        alias = f"{base}Row"  # not `order` or `user`: SQL keywords
        builder = f'createQueryBuilder({query.entity_arg}"{alias}")'
        lines = [
            f"{w.declare(counts)}await {query.receiver.text()}",
            f"{inner}.{builder}",
            f'{inner}.select("{alias}.{key.column}", "key")',
            f'{inner}.addSelect("COUNT(*)", "count")',
            f'{inner}.where("{alias}.{key.column} IN (:...ids)", {{ ids: {ids} }})',
            f'{inner}.groupBy("{alias}.{key.column}")',
            f"{inner}.getRawMany();",
        ]
        lines = [
            "\n".join(lines),
            f"const {by} = new Map({counts}.map((row) => [row.key, Number(row.count)]));",
        ]
    else:
        # `$match` does not cast: the keys must already be ObjectIds (`row._id`), nothing else filters.
        if rest:
            return "`$match` does not cast the other conditions to the schema's types"
        if key.row.field != "_id":
            return f"`$match` does not cast strings to ObjectIds (count by `{key.row.row}._id`)"
        match = f"{{ $match: {{ {key.column}: {{ $in: {ids} }} }} }}"
        group = f'{{ $group: {{ _id: "${key.column}", count: {{ $sum: 1 }} }} }}'
        aggregate = [
            f"const {counts} = await {query.receiver.text()}.aggregate([",
            f"{inner}{match},",
            f"{inner}{group},",
            f"{w.indent}]);",
        ]
        lines = [
            "\n".join(aggregate),
            f"const {by} = new Map({counts}.map((row) => [String(row._id), row.count]));",
        ]
    value = lookup_of(orm, _value(key))
    description = f"Count the rows of all keys in one grouped query and look each count up by `{key.column}`"
    return lines, f"({by}.get({value}) ?? 0)", description
