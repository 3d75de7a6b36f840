"""Where an ORM query runs once per row: the loop, the row value the query filters on, and the
query whose result the loop walks.

The loops and row tracking come from `prisma/_loops` (ORM-neutral); this module adds what is
ORM-specific: where each library writes the filter (`where:` options, a filter object, a
primary key argument) and which parent queries return rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from ast_grep_py import SgNode

from handrail.codemods.orm._calls import PRIMARY_KEY, Bindings, Orm, Query, query_of, with_orm
from handrail.codemods.orm._syntax import pair_key, props, value_of
from handrail.codemods.prisma import _loops as L
from handrail.engine.context import FileContext

# Files that fill or migrate a database once, row by row on purpose.
SCRIPT_FOLDERS = frozenset({"seed", "seeds", "seeders", "seeding", "migrations", "migration", "fixtures"})
# Queries that return the rows a loop can walk.
LIST_READS = {
    Orm.TYPEORM: frozenset({"find", "findBy"}),
    Orm.SEQUELIZE: frozenset({"findAll"}),
    Orm.MONGOOSE: frozenset({"find"}),
}


def is_script_file(ctx: FileContext) -> bool:
    try:
        rel = PurePosixPath(ctx.path.relative_to(ctx.project.root).as_posix())
    except ValueError:
        rel = PurePosixPath(ctx.path.as_posix())
    folders = {p.lower() for p in rel.parts[:-1]}
    return bool(folders & SCRIPT_FOLDERS) or rel.name.lower().startswith("seed")


@dataclass(frozen=True)
class Key:
    """The one filter entry that ties the query to the row: `userId: user.id`.

    `nested` is set for TypeORM's relation filter `{ user: { id: user.id } }` ("id"); `op` is
    "in" for `{ _id: { $in: user.orderIds } }` / `In(user.orderIds)`, else "eq". `entry` is None
    when the key is a primary key argument (`findByPk(order.userId)`)."""

    column: str
    nested: str | None
    row: L.RowField
    value: SgNode
    entry: SgNode | None
    op: str = "eq"


@dataclass
class Site:
    ctx: FileContext
    query: Query
    loop: L.Loop
    scope: SgNode
    known: dict[str, L.RowField | None]
    bindings: Bindings

    @property
    def rows(self) -> str:
        return self.loop.collection.text() if self.loop.collection is not None else "a collection"

    def depends(self, node: SgNode) -> bool:
        return L.depends(node, self.loop, self.known)

    def key(self) -> Key | None:
        """The key, when it is the only thing in the call that reads the row."""
        query = self.query
        key_arg = query.key_arg
        if key_arg is not None:
            row = L.row_field(key_arg, self.loop, self.known) if self.depends(key_arg) else None
            if row is None or any(self.depends(a) for a in query.args[1:]) or self._chain_depends():
                return None
            return Key(PRIMARY_KEY[query.orm], None, row, L.unwrap(key_arg), None)
        where = query.filter
        if where is None:
            return None
        found: list[Key] = []
        for entry in props(where):
            value = value_of(entry)
            if value is None or not self.depends(entry):
                continue
            key = self._entry_key(entry, value)
            if key is None:
                return None
            found.append(key)
        if len(found) != 1 or self._chain_depends():
            return None
        # Nothing but the filter may read the row (options, a projection, chained calls).
        return None if any(self.depends(n) for n in self.outside_filter()) else found[0]

    def _entry_key(self, entry: SgNode, value: SgNode) -> Key | None:
        column = pair_key(entry)
        if column is None or entry.kind() == "spread_element":
            return None
        op, inner, nested = "eq", value, None
        if value.kind() == "object" and len(props(value)) == 1:
            only = props(value)[0]
            name = pair_key(only)
            if name == "$in" and self.query.orm is Orm.MONGOOSE:
                op = "in"
            elif self.query.orm is Orm.TYPEORM and name is not None:
                nested = name
            else:
                return None
            inner = value_of(only) or value
        elif value.kind() == "call_expression" and self.query.orm is Orm.TYPEORM:
            callee = value.field("function")
            args = L.call_args(value)
            if callee is None or callee.text() != "In" or len(args) != 1:
                return None
            op, inner = "in", L.unwrap(args[0])
        row = L.row_field(inner, self.loop, self.known)
        return Key(column, nested, row, inner, entry, op) if row is not None else None

    def _chain_depends(self) -> bool:
        return any(self.depends(c.field("arguments") or c) for c in self.query.chain)

    def outside_filter(self) -> list[SgNode]:
        """The parts of the call that are not its filter object: other options, arguments and
        chained calls (used to check that they can move out of the loop)."""
        query = self.query
        nodes: list[SgNode] = []
        if query.options is not None:
            nodes += [p for p in props(query.options) if pair_key(p) != "where"]
            nodes += query.args[1:]
        elif query.filter is not None or query.key_arg is not None:
            nodes += query.args[1:]
        else:
            nodes += query.args
        nodes += [c.field("arguments") or c for c in query.chain]
        return nodes

    def rest_of_filter(self, key: Key) -> list[SgNode]:
        return [p for p in props(self.query.filter) if p != key.entry]

    def option_entries(self) -> list[SgNode]:
        """`order`, `relations`... beside `where` in an options object."""
        options = self.query.options
        return [p for p in props(options) if pair_key(p) != "where"] if options is not None else []

    def portable(self, nodes: Iterable[SgNode], to: int) -> bool:
        """Whether expressions can move to offset `to`: they use no name bound by the loop or
        declared in this function after that point."""
        late: set[str] = set()
        for decl in self.scope.find_all(kind="variable_declarator"):
            name = decl.field("name")
            if name is not None and L.span(decl)[0] > to:
                late |= L.pattern_names(name)
        blocked = late | set(self.loop.bound) | set(self.known)
        return not any(ident.text() in blocked for node in nodes for ident in L.identifiers(node))


def find_site(ctx: FileContext, query: Query, bindings: Bindings) -> Site | None:
    """The innermost loop whose row the query uses, when that loop walks rows of data."""
    scope = L.scope_of(query.call)
    start = L.span(query.call)[0]
    arguments = [
        query.call.field("arguments") or query.call,
        *(c.field("arguments") or c for c in query.chain),
    ]
    for loop in L.enclosing_loops(query.call):
        known = L.aliases(loop, start)
        if not any(L.depends(a, loop, known) for a in arguments):
            continue
        if loop.collection is not None and L.is_constant_list(loop.collection, scope):
            return None
        return Site(ctx, query, loop, scope, known, bindings)
    return None


@dataclass(frozen=True)
class Parent:
    """The query, in the same function, whose rows the loop walks."""

    query: Query
    variable: str


def trace_parent(site: Site) -> Parent | None:
    """`const users = await userRepo.find(...)` ... `for (const user of users)`."""
    collection = site.loop.collection
    node = L.unwrap(collection) if collection is not None else None
    if node is None or node.kind() != "identifier":
        return None
    decl = L.declarator(node.text(), site.loop.node, site.scope)
    value = decl.field("value") if decl is not None else None
    if decl is None or value is None:
        return None
    if L.declaration_kind(decl) != "const" and L.is_reassigned(node.text(), site.scope):
        return None
    value = L.unwrap(value)
    inner = next(iter(L.named(value)), None) if value.kind() == "await_expression" else None
    call = L.unwrap(inner) if inner is not None else None
    # Mongoose chains: `await User.find().sort(...).lean()` -> the `User.find()` call.
    while call is not None and call.kind() == "call_expression":
        query = query_of(call, site.bindings)
        if query is not None:
            orm = site.query.orm
            if orm not in query.found.orms or query.op not in LIST_READS[orm]:
                return None
            query = with_orm(query, orm, query.model)
            return Parent(query, node.text()) if query.result == value else None
        callee = call.field("function")
        holder = (
            callee.field("object") if callee is not None and callee.kind() == "member_expression" else None
        )
        call = L.unwrap(holder) if holder is not None else None
    return None
