"""A per-row query: the loop whose row it uses, the `where` key tying it to the row, the parent
findMany whose rows the loop walks, and the `Plan` (message and fix) the rule reports for it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma import _schema
from handrail.codemods.prisma._client import Clients, Query
from handrail.codemods.prisma._syntax import pair_key, props, value_of
from handrail.engine.context import FileContext
from handrail.engine.model import Fix


@dataclass(frozen=True)
class Parent:
    query: Query  # the findMany whose rows (or the rows of a relation of them) the loop walks
    path: tuple[str, ...]  # relation fields from the parent query's rows to the walked rows
    model: str | None  # the walked rows' model (None without a schema)
    variable: str | None  # the variable the loop walks, when it walks one


def trace_parent(expr: SgNode, at: SgNode, scope: SgNode, clients: Clients, depth: int = 0) -> Parent | None:
    """The Prisma findMany, in the same function, whose result `expr` is: directly (`await
    prisma.user.findMany()`), through a `const`, or as a relation of an outer loop's row
    (`user.orders`, where `user` walks such a result that includes `orders`)."""
    node = L.unwrap(expr)
    schema = clients.schema
    if depth > 8:
        return None
    if node.kind() == "await_expression":
        inner = next(iter(L.named(node)), None)
        query = clients.query(L.unwrap(inner)) if inner is not None else None
        if query is None or query.op != "findMany" or not (query.known or clients.is_model(query.model)):
            return None
        found_model = schema.model_for_client(query.model) if schema else None
        return Parent(query, (), found_model.name if found_model else None, None)
    if node.kind() == "identifier":
        decl = L.declarator(node.text(), at, scope)
        value = decl.field("value") if decl is not None else None
        if decl is None or value is None:
            return None
        if L.declaration_kind(decl) != "const" and L.is_reassigned(node.text(), scope):
            return None
        found = trace_parent(value, decl, scope, clients, depth + 1)
        return Parent(found.query, found.path, found.model, node.text()) if found else None
    rel = L.member_name(node)
    obj = node.field("object") if node.kind() == "member_expression" else None
    if rel is None or obj is None or L.unwrap(obj).kind() != "identifier":
        return None
    for loop in L.enclosing_loops(node):
        if loop.row != L.unwrap(obj).text() or loop.collection is None:
            continue
        outer_parent = trace_parent(loop.collection, loop.node, scope, clients, depth + 1)
        if outer_parent is None:
            return None
        model: str | None = None
        if schema is not None:
            relation = schema.relation(outer_parent.model, rel) if outer_parent.model else None
            if relation is None or not relation.to_many:
                return None
            model = relation.target
        return Parent(outer_parent.query, (*outer_parent.path, rel), model, None)
    return None


@dataclass(frozen=True)
class Key:
    """The `where` property that ties the per-row query to the row: `userId: user.id`."""

    entry: SgNode
    column: str
    row: L.RowField


@dataclass
class Site:
    """A Prisma call inside a loop whose row it uses."""

    ctx: FileContext
    query: Query
    loop: L.Loop
    scope: SgNode
    known: dict[str, L.RowField | None]
    clients: Clients

    @property
    def schema(self) -> _schema.Schema | None:
        return self.clients.schema

    @property
    def rows(self) -> str:
        return self.loop.collection.text() if self.loop.collection is not None else "a collection"

    def key(self) -> Key | None:
        """The only row-dependent argument, when it is a top-level `where` property that reads a
        row value: `{ userId: user.id }`, or `{ userId }` after `const userId = user.id`."""
        found: list[Key] = []
        for entry in self.query.arg_entries():
            if pair_key(entry) != "where":
                if L.depends(entry, self.loop, self.known):
                    return None
                continue
            where = value_of(entry)
            if where is None or where.kind() != "object":
                return None
            for item in props(where):
                value = item.field("value") if item.kind() == "pair" else item
                if value is None or not L.depends(value, self.loop, self.known):
                    continue
                column, row = pair_key(item), L.row_field(value, self.loop, self.known)
                if column is None or row is None or item.kind() == "spread_element":
                    return None
                found.append(Key(item, column, row))
        return found[0] if len(found) == 1 else None

    def rest_of_where(self, key: Key) -> list[SgNode]:
        where = self.query.arg("where")
        return [p for p in props(where) if p != key.entry] if where is not None else []

    def other_args(self) -> list[SgNode]:
        return [p for p in self.query.arg_entries() if pair_key(p) != "where"]

    def carried(self, key: Key, allowed: frozenset[str]) -> dict[str, str] | None:
        """The per-row query's own arguments by name (`where` without the key), or None when one
        is not in `allowed` or is not a plain `name: value` property."""
        out: dict[str, str] = {}
        rest = self.rest_of_where(key)
        if rest:
            out["where"] = "{ " + ", ".join(p.text() for p in rest) + " }"
        for entry in self.other_args():
            name, value = pair_key(entry), entry.field("value")
            if entry.kind() != "pair" or name not in allowed or value is None:
                return None
            out[name] = value.text()
        if "where" in out and "where" not in allowed:
            return None
        return out

    def portable(self, nodes: Iterable[SgNode], to: int) -> bool:
        """Whether expressions can move to offset `to`: they use no name bound by the loop or
        declared in this function after that point."""
        late = set()
        for decl in self.scope.find_all(kind="variable_declarator"):
            name = decl.field("name")
            if name is not None and L.span(decl)[0] > to:
                late |= L.pattern_names(name)
        blocked = late | set(self.loop.bound) | set(self.known)
        return not any(ident.text() in blocked for node in nodes for ident in L.identifiers(node))


@dataclass(frozen=True)
class Plan:
    """What the rule reports for one site: the message, and the fix when there is one."""

    fix: Fix | None
    message: str
