"""Prisma's client API: which calls in a file are Prisma queries and writes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma import _schema
from handrail.codemods.prisma._ops import READS, WRITES
from handrail.codemods.prisma._syntax import prop, props, value_of

# Prisma's client batches the findUnique calls made in one tick into a single query.
BATCHED = frozenset({"findUnique", "findUniqueOrThrow"})
TO_ONE = frozenset({"findUnique", "findUniqueOrThrow", "findFirst", "findFirstOrThrow"})
# Arguments of a per-row findMany that mean the same inside a nested include.
NESTED_ARGS = frozenset(
    {"where", "orderBy", "take", "skip", "cursor", "distinct", "select", "include", "omit"}
)
SHAPE_ARGS = frozenset({"select", "include", "omit"})
# Arguments that apply per parent row in an include but to the whole result of one query.
PER_PARENT_ARGS = frozenset({"take", "skip", "cursor", "distinct"})


@dataclass(frozen=True)
class Query:
    call: SgNode
    client: SgNode  # `prisma`, `this.prisma`, `tx`
    model: str  # the client property: `order` in `prisma.order.findMany`
    op: str
    args: SgNode | None  # the object literal argument, when that is what the call has
    known: bool  # the receiver is visibly a PrismaClient (see `Clients`)

    @property
    def label(self) -> str:
        return f"{self.client.text()}.{self.model}.{self.op}"

    @property
    def result(self) -> SgNode:
        """The expression that stands for the query's result: `await q` (or `q` itself)."""
        node = L.outer(self.call)
        parent = node.parent()
        return L.outer(parent) if parent is not None and parent.kind() == "await_expression" else node

    def arg(self, name: str) -> SgNode | None:
        return value_of(prop(self.args, name))

    def arg_entries(self) -> list[SgNode]:
        return props(self.args) if self.args is not None else []


def _import_source(node: SgNode) -> str | None:
    for anc in [node, *node.ancestors()]:
        if anc.kind() == "import_statement":
            source = anc.field("source")
            return source.text()[1:-1] if source is not None else None
    return None


class Clients:
    """Which calls in one file are Prisma calls.

    A call counts when its receiver is visibly a PrismaClient: bound to `new PrismaClient(...)`
    in the file, imported from a module whose path or name says prisma (or a `db`/`database`
    module), the parameter of a `$transaction(async (tx) => ...)` callback, or
    `this.prisma`/`this.db`. With a schema, `<anything>.<model>.<method>(...)` counts too when
    `<model>` is one of its models: no other library exposes the project's model names with
    Prisma's method names (`ctx.prisma.user`, `this.repo.db.order`).
    """

    def __init__(self, root: SgNode, schema: _schema.Schema | None) -> None:
        self.schema = schema
        self.names: set[str] = set()
        self.transactions: set[str] = set()  # interactive transaction clients (`tx`)
        for decl in root.find_all(kind="variable_declarator"):
            name, value = decl.field("name"), decl.field("value")
            if name is None or value is None:
                continue
            if "new PrismaClient" in value.text() or re.search(
                r"require\(\s*['\"][^'\"]*prisma", value.text()
            ):
                self.names.update(L.pattern_names(name))
        for spec in root.find_all(kind="import_specifier"):
            self._imported(spec, spec.field("alias") or spec.field("name"))
        for clause in root.find_all(kind="import_clause"):
            for child in L.named(clause):
                if child.kind() == "identifier":
                    self._imported(clause, child)
        for call in root.find_all(kind="call_expression"):
            method = L.callee_method(call)
            if method is None or method[1] != "$transaction":
                continue
            for fn in L.call_args(call):
                param = L.first_param(fn) if fn.kind() in ("arrow_function", "function_expression") else None
                if param is not None and param.kind() == "identifier":
                    self.transactions.add(param.text())

    def _imported(self, node: SgNode, local: SgNode | None) -> None:
        source = _import_source(node)
        if local is None or source is None:
            return
        last = source.rstrip("/").rsplit("/", 1)[-1].lower()
        if "prisma" in source.lower() or "prisma" in local.text().lower() or last in ("db", "database"):
            self.names.add(local.text())

    def query(self, call: SgNode, candidates: bool = False) -> Query | None:
        """The Prisma call `call` is; with `candidates`, also calls of the right shape on an
        unknown receiver (for `check`, which cannot see the schema that would decide)."""
        method = L.callee_method(call)
        if method is None or method[1] not in READS | WRITES:
            return None
        holder = L.unwrap(method[0])
        client = holder.field("object") if holder.kind() == "member_expression" else None
        model = L.member_name(holder)
        if client is None or model is None or model.startswith("$"):
            return None
        known = self._is_client(L.unwrap(client))
        if not (known or candidates or self.is_model(model)):
            return None
        args = L.call_args(call)
        obj = L.unwrap(args[0]) if len(args) == 1 else None
        args_obj = obj if obj is not None and obj.kind() == "object" else None
        if args_obj is None and not known and args:
            return None  # `cache.entries.delete(key)`: Prisma's methods take one object literal
        return Query(call, client, model, method[1], args_obj, known)

    def is_model(self, prop_name: str) -> bool:
        return self.schema is not None and self.schema.model_for_client(prop_name) is not None

    def _is_client(self, node: SgNode) -> bool:
        if node.kind() == "identifier":
            return node.text() in self.names or node.text() in self.transactions
        obj = node.field("object") if node.kind() == "member_expression" else None
        name = (L.member_name(node) or "").lower()
        return obj is not None and obj.kind() == "this" and ("prisma" in name or name == "db")
