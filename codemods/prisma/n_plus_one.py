"""prisma/n-plus-one: a Prisma query (or write) issued once per row of an earlier result.

The rule finds `<client>.<model>.<method>(...)` calls whose arguments use the row of a loop
that walks a collection (`_loops`). For reads it rewrites, when it can show the result is the
same, the parent query to load the relation with `include` (resolved in schema.prisma,
`_schema`), replaces the per-row query by the loaded relation and drops a loop that only
attached it; when it cannot, it suggests one batched `{ in: ids }` query grouped in memory.
Writes per row get a createMany/deleteMany/updateMany/`$transaction` suggestion.

Where the schema comes in: `check` runs in a worker and its result is cached by the file's
content, so it must not read other files. It finds the loops without the schema and gives each
finding the fix that needs none (the schema-less fallback); `resolve` loads the schema once per
project (`ProjectFacts.memo`), re-parses the file from the finding's data (once per text), and
rebuilds the finding with the relations from the schema, or drops it when the call turns out
not to be Prisma's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from dataclasses import replace as replace_field
from hashlib import sha1
from pathlib import Path, PurePosixPath

from ast_grep_py import SgNode, SgRoot

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma import _schema
from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE, Language
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts
from handrail.engine.rule import Example, Option, Rule

READS = frozenset(
    {
        "findMany",
        "findFirst",
        "findFirstOrThrow",
        "findUnique",
        "findUniqueOrThrow",
        "count",
        "aggregate",
        "groupBy",
    }
)
WRITES = frozenset({"create", "update", "upsert", "delete"})
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
PRISMA_PACKAGES = ("@prisma/client", "prisma")
SEED_FOLDERS = frozenset({"seed", "seeds", "seeders"})
MAX_LINE = 100


# --- small helpers -----------------------------------------------------------------------------


def pair_key(node: SgNode) -> str | None:
    """The key of a `pair` (`where: ...` -> "where") or shorthand property (`{ where }`)."""
    if node.kind() == "pair":
        key = node.field("key")
        return key.text().strip("\"'") if key is not None else None
    if node.kind() == "shorthand_property_identifier":
        return node.text()
    return None


def props(obj: SgNode) -> list[SgNode]:
    return [c for c in L.named(obj) if c.kind() != "comment"]


def prop(obj: SgNode | None, name: str) -> SgNode | None:
    """The property called `name` of an object literal."""
    return next((p for p in props(obj) if pair_key(p) == name), None) if obj is not None else None


def value_of(entry: SgNode | None) -> SgNode | None:
    value = entry.field("value") if entry is not None and entry.kind() == "pair" else None
    return L.unwrap(value) if value is not None else None


def norm(text: str) -> str:
    """Code text without whitespace or trailing commas, to compare two arguments."""
    return re.sub(r",([}\]])", r"\1", re.sub(r"\s+", "", text)).rstrip(",")


def statements(block: SgNode) -> list[SgNode]:
    if block.kind() != "statement_block":
        return [block]
    return [c for c in L.named(block) if c.kind() != "comment"]


def statement_of(node: SgNode) -> SgNode | None:
    """The statement that holds `node` directly in a block."""
    for n in [node, *node.ancestors()]:
        parent = n.parent()
        if parent is not None and parent.kind() in ("statement_block", "program"):
            return n
    return None


def bare_ok(node: SgNode) -> bool:
    """Whether an expression in `node`'s place needs no parentheses (`x ?? y` as a value)."""
    parent = node.parent()
    if parent is None:
        return False
    if parent.kind() == "assignment_expression":
        return parent.field("right") == node
    return parent.kind() in ("variable_declarator", "pair", "arguments", "return_statement", "array")


def is_async(fn: SgNode) -> bool:
    return any(c.kind() == "async" for c in fn.children())


def plural(name: str) -> str:
    return name if name.endswith("s") else name + "s"


def cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def free_name(base: str, text: str) -> str:
    name, n = base, 2
    while re.search(rf"\b{re.escape(name)}\b", text):
        name, n = f"{base}{n}", n + 1
    return name


# --- the Prisma client ------------------------------------------------------------------------


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


# --- editing object literals --------------------------------------------------------------------


@dataclass
class Editor:
    """Edits against one file's text that keep its formatting."""

    text: str
    language: Language
    edits: list[Edit] = field(default_factory=list)

    def indent_at(self, offset: int) -> str:
        line = self.text[self.text.rfind("\n", 0, offset) + 1 :]
        return line[: len(line) - len(line.lstrip(" \t"))]

    @property
    def unit(self) -> str:
        sizes = [len(m.group(1)) for m in re.finditer(r"\n( +)[^\s*]", self.text)]  # not ` * ` doc lines
        if not sizes and "\n\t" in self.text:
            return "\t"
        return " " * (min(sizes) if sizes else 2)

    def replace(self, node: SgNode, text: str) -> None:
        self.edits.append(Edit(*L.span(node), text))

    def add_prop(self, obj: SgNode, entry: str) -> None:
        """Insert `entry` (`key: value`) as the last property of an object literal."""
        start, end = L.span(obj)
        items = props(obj)
        if not items:
            self.edits.append(Edit(start, end, "{ " + entry + " }"))
            return
        last_end = L.span(items[-1])[1]
        between = self.text[last_end : end - 1]
        comma = last_end + between.index(",") + 1 if between.lstrip().startswith(",") else None
        if "\n" in self.text[start:end]:
            indent = self.indent_at(L.span(items[-1])[0])
            key, sep, value = entry.partition(": ")
            if sep and len(indent) + len(entry) + 1 > MAX_LINE:
                entry = f"{key}: {self.layout(value, indent, MAX_LINE - len(indent) - len(key) - 3)}"
            if comma is not None:
                self.edits.append(Edit(comma, comma, f"\n{indent}{entry},"))
            else:
                self.edits.append(Edit(last_end, last_end, f",\n{indent}{entry}"))
        elif comma is not None:
            self.edits.append(Edit(comma, comma, f" {entry}"))
        else:
            self.edits.append(Edit(last_end, last_end, f", {entry}"))

    def delete_statement(self, node: SgNode) -> None:
        """Remove a statement, with its line when it is alone on it."""
        start, end = L.span(node)
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        line_end = len(self.text) if line_end < 0 else line_end
        if not self.text[line_start:start].strip() and not self.text[end:line_end].strip():
            self.edits.append(Edit(line_start, min(line_end + 1, len(self.text)), ""))
        else:
            self.edits.append(Edit(start, end, ""))

    def reflow(self, node: SgNode) -> None:
        """When the edits inside `node` (a call's argument object, or its `()`) leave it on one
        line that is too long, lay the new object out over several lines instead."""
        start, end = L.span(node)
        inside = sorted(e for e in self.edits if start <= e.start and e.end <= end)
        if not inside:
            return
        new = self.text[start:end]
        for edit in reversed(inside):
            new = new[: edit.start - start] + edit.replacement + new[edit.end - start :]
        line_start = self.text.rfind("\n", 0, start) + 1
        line_end = self.text.find("\n", end)
        line_end = len(self.text) if line_end < 0 else line_end
        if "\n" in new or len(self.text[line_start:start]) + len(new) + (line_end - end) <= MAX_LINE:
            return
        parens = new.startswith("(")
        body = new[1:-1] if parens else new
        rendered = self.layout(body, self.indent_at(start), width=MAX_LINE + 1, force=True)
        for edit in inside:
            self.edits.remove(edit)
        self.edits.append(Edit(start, end, f"({rendered})" if parens else rendered))

    def layout(self, code: str, indent: str, width: int, force: bool = False) -> str:
        """An object literal written on one line, laid out one property a line (recursively)
        when it does not fit in `width` columns; other code is returned as it is."""
        if "\n" in code or (len(code) <= width and not force):
            return code
        parsed = SgRoot(f"x = {code};", self.language.ast_grep_name).root().find(kind="object")
        if parsed is None or parsed.text() != code or not props(parsed):
            return code
        inner = indent + self.unit
        lines = []
        for entry in props(parsed):
            key, value = entry.field("key"), entry.field("value")
            if entry.kind() == "pair" and key is not None and value is not None:
                head = f"{key.text()}: "
                room = MAX_LINE - len(inner) - len(head) - 1
                lines.append(f"{inner}{head}{self.layout(value.text(), inner, room)},\n")
            else:
                lines.append(f"{inner}{entry.text()},\n")
        return "{\n" + "".join(lines) + indent + "}"


class CannotMerge(Exception):
    """The relation cannot be added to the parent query's arguments as they are written."""


@dataclass(frozen=True)
class Merge:
    redundant: bool  # the parent query already loads the relation with these arguments
    widens: bool  # that existing include loads more fields than the per-row query returned


def _target(editor: Editor, parent: Query, path: tuple[str, ...], rel: str, nested: str) -> SgNode | None:
    """The arguments object where `rel` belongs: the parent query's, or those of the included
    relation at the end of `path`. None when that took one edit already: a missing argument
    object, or a relation on the path loaded with `true`, now given `{ include: { rel } }`."""
    if parent.args is None:
        arguments = parent.call.field("arguments")
        if arguments is None or L.call_args(parent.call) or path:
            raise CannotMerge("the parent query's arguments are not an object literal")
        editor.replace(arguments, "({ include: { " + f"{rel}: {nested}" + " } })")
        editor.reflow(arguments)
        return None
    target = parent.args
    for step in path:
        value = value_of(prop(_container(target), step))
        if value is not None and value.kind() == "true":
            editor.replace(value, "{ include: { " + f"{rel}: {nested}" + " } }")
            editor.reflow(parent.args)
            return None
        if value is None or value.kind() != "object":
            raise CannotMerge(f"the parent query does not load `{step}` in a way handrail can extend")
        target = value
    return target


def merge_relation(
    editor: Editor, parent: Query, path: tuple[str, ...], rel: str, nested: str, carried: dict[str, str]
) -> Merge:
    """Make the parent query load `rel` (with arguments `nested`) on the rows reached through
    `path`: merged into its `include` or `select`, or in a new `include`."""
    target = _target(editor, parent, path, rel, nested)
    if target is None:
        return Merge(False, False)
    merged = _merge_into(editor, target, rel, nested, carried)
    editor.reflow(parent.args or target)
    return merged


def merge_count(editor: Editor, parent: Query, path: tuple[str, ...], rel: str, inner: str) -> Merge:
    """Add `_count: { select: { rel: inner } }` where `rel` belongs, merging with an existing
    `_count`."""
    nested = "{ select: { " + f"{rel}: {inner}" + " } }"
    target = _target(editor, parent, path, "_count", nested)
    if target is None:
        return Merge(False, False)
    container = _container(target)
    existing = prop(container, "_count") if container is not None else None
    if existing is None:
        merged = _merge_into(editor, target, "_count", nested, {})
    else:
        counted = value_of(prop(value_of(existing), "select"))
        if counted is None or counted.kind() != "object":
            raise CannotMerge("the parent query counts relations in a way handrail cannot read")
        entry = prop(counted, rel)
        if entry is not None and norm(entry.text()) == norm(f"{rel}: {inner}"):
            return Merge(True, False)
        if entry is not None:
            raise CannotMerge(f"the parent query already counts `{rel}` differently")
        editor.add_prop(counted, f"{rel}: {inner}")
        merged = Merge(False, False)
    editor.reflow(parent.args or target)
    return merged


def _container(args: SgNode) -> SgNode | None:
    """The `select` or `include` object of a query's arguments (None when there is neither)."""
    select, include = prop(args, "select"), prop(args, "include")
    if select is not None and include is not None:
        raise CannotMerge("the query has both select and include")
    if select is None and include is None:
        return None
    value = value_of(select or include)
    if value is None or value.kind() != "object":
        raise CannotMerge("the parent query's select/include is not an object literal")
    return value


def _merge_into(editor: Editor, args: SgNode, rel: str, nested: str, carried: dict[str, str]) -> Merge:
    container = _container(args)
    if container is None:
        editor.add_prop(args, "include: { " + f"{rel}: {nested}" + " }")
        return Merge(False, False)
    existing = prop(container, rel)
    value = value_of(existing)
    if existing is None:
        editor.add_prop(container, f"{rel}: {nested}")
        return Merge(False, False)
    if value is not None and value.kind() == "true":
        if nested == "true":
            return Merge(True, False)
        if set(carried) - {"orderBy"}:
            # Other code may read the relation as loaded now: only an order may be added to it.
            raise CannotMerge(f"the parent query already loads all of `{rel}`")
        editor.replace(value, nested)
        return Merge(False, False)
    if value is None or value.kind() != "object":
        raise CannotMerge(f"`{rel}` is loaded with arguments handrail cannot read")
    have = {pair_key(p): norm(p.text()) for p in props(value)}
    want = {k: norm(f"{k}: {v}") for k, v in carried.items()}
    if {k: v for k, v in have.items() if k not in SHAPE_ARGS} != {
        k: v for k, v in want.items() if k not in SHAPE_ARGS
    }:
        raise CannotMerge(f"the parent query already loads `{rel}` with other arguments")
    shape_have = {k: v for k, v in have.items() if k in SHAPE_ARGS}
    shape_want = {k: v for k, v in want.items() if k in SHAPE_ARGS}
    if shape_want and shape_want != shape_have:
        raise CannotMerge(f"the parent query already loads `{rel}` with another shape")
    return Merge(True, shape_have != shape_want)


# --- the parent query ----------------------------------------------------------------------------


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


# --- one per-row query ---------------------------------------------------------------------------


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


# --- loops that only attach the relation ---------------------------------------------------------


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


def early_exit(block: SgNode) -> bool:
    """A break/continue/return/throw in a loop body (outside functions nested in it)."""
    for node in L.descendants(block):
        exits = node.kind() in (
            "break_statement",
            "continue_statement",
            "return_statement",
            "throw_statement",
        )
        if exits and not any(L.is_function(a) and L.contains(block, a) for a in node.ancestors()):
            return True
    return False


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


def _reads_fields(pattern: SgNode, keys: set[str]) -> bool:
    """`{ id, name: label }` that picks fields other than `keys` (no `...rest`)."""
    picked = set()
    for part in L.named(pattern):
        if part.kind() == "shorthand_property_identifier_pattern":
            picked.add(part.text())
        elif part.kind() == "pair_pattern" and part.field("key") is not None:
            picked.add(part.field("key").text())  # type: ignore[union-attr]
        else:
            return False
    return not picked & keys


def only_walked(name: str, site: Site) -> bool:
    """Whether the variable `name` is used only as the loop's collection (and for `.length`)."""
    for use in L.uses(name, site.scope):
        if site.loop.collection is not None and L.contains(site.loop.collection, use):
            continue
        up = L.outer(use).parent()
        if up is None or L.member_name(up) != "length":
            return False
    return True


def rows_stay_inside(site: Site, parent: Parent, keys: set[str]) -> bool:
    """Whether the parent rows are used only in the loop, and there only by reading other fields
    or by spreading them into an object that sets `keys` itself: then the keys the include adds
    to each row are never seen."""
    loop = site.loop
    if parent.path or loop.row is None:
        return False
    if parent.variable is not None and not only_walked(parent.variable, site):
        return False
    for use in L.identifiers(loop.body, loop.row):
        if L.contains(site.query.call, use):
            continue
        up = L.outer(use).parent()
        if up is not None and up.kind() == "member_expression" and L.member_name(up) not in keys:
            continue
        pattern = up.field("name") if up is not None and up.kind() == "variable_declarator" else None
        if pattern is not None and pattern.kind() == "object_pattern" and _reads_fields(pattern, keys):
            continue  # `const { id, name } = row`
        if up is not None and up.kind() == "spread_element" and up.parent() is not None:
            later = {pair_key(p) for p in props(up.parent()) if L.span(p)[0] > L.span(up)[0]}  # type: ignore[arg-type]
            if keys <= later:
                continue
        return False
    return True


# --- reads: the include rewrite ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    fix: Fix | None
    message: str


@dataclass(frozen=True)
class Load:
    """What the parent query must load, and what replaces the per-row query."""

    key: str  # the include key: the relation, or `_count`
    relation: str
    nested: str  # the include's arguments: `true` or `{ where: ..., orderBy: ... }`
    carried: dict[str, str]
    replacement: str


def _load(site: Site, key: Key, rel: str, to_many: bool, optional: bool) -> Load | None:
    op, row = site.query.op, f"{key.row.row}"
    if op == "count":
        carried = site.carried(key, frozenset({"where"}))
        if carried is None or not to_many:
            return None
        inner = "{ where: " + carried["where"] + " }" if carried else "true"
        return Load("_count", rel, inner, {}, f"{row}._count.{rel}")
    if op == "findMany" and to_many:
        carried = site.carried(key, NESTED_ARGS)
    elif op in TO_ONE and not to_many and not (op.endswith("OrThrow") and optional):
        carried = site.carried(key, SHAPE_ARGS)  # a to-one include cannot filter
    else:
        return None
    if carried is None:
        return None
    nested = "{ " + ", ".join(f"{k}: {v}" for k, v in carried.items()) + " }" if carried else "true"
    return Load(rel, rel, nested, carried, f"{row}.{rel}")


def include_fix(site: Site, key: Key, parent: Parent) -> Plan | None:
    """The include rewrite, or None when it does not apply (the caller then suggests)."""
    query, loop, schema = site.query, site.loop, site.schema
    if key.row.row is None or key.row.field is None:
        return None  # a destructured row: there is no row object to read the relation from
    attach = attachment(site)
    notes: list[str] = []
    if schema is not None:
        child = schema.model_for_client(query.model)
        relation = (
            schema.find_relation(parent.model, child.name, key.column, key.row.field)
            if parent.model is not None and child is not None
            else None
        )
        if relation is None:
            return None
        load = _load(site, key, relation.field, relation.to_many, relation.optional)
    elif attach is not None and query.op in ("findMany", "findUnique", "findFirst"):
        load = _load(site, key, attach.key, query.op == "findMany", True)
        notes.append(f"no schema.prisma: `{attach.key}` is the property the loop sets")
    else:
        return None
    if load is None:
        return None
    moved = [*site.rest_of_where(key), *site.other_args()]
    if not site.portable(moved, L.span(parent.query.call)[0]):
        return None
    editor = Editor(site.ctx.text, site.ctx.language)
    try:
        if load.key == "_count":
            merged = merge_count(editor, parent.query, parent.path, load.relation, load.nested)
        else:
            merged = merge_relation(editor, parent.query, parent.path, load.key, load.nested, load.carried)
    except CannotMerge:
        return None
    removed = remove_attach(site, attach, load.key, editor) if attach is not None else False
    if not removed:
        editor.replace(query.result, load.replacement)

    # SAFE only when the data the code ends up with is exactly what it built before.
    if loop.kind == "forEach":
        notes.append("forEach never waited for these queries, so the data now arrives earlier")
    if merged.widens:
        notes.append(f"the parent query's `{load.key}` loads more fields than the per-row query returned")
    if not merged.redundant:
        everywhere = (
            attach is not None
            and attach.key == load.key
            and loop.complete
            and (
                attach.kind != "assign"
                or (attach.node in statements(loop.body) and not early_exit(loop.body))
            )
            and (attach.kind == "assign" or removed)
        )
        if not everywhere and not rows_stay_inside(site, parent, {load.key}):
            notes.append(f"the rows of `{site.rows}` now also carry `{load.key}`")
    applicability = Applicability.UNSAFE if notes else Applicability.SAFE
    where = f"`{parent.query.label}`" + (f" (through `{'.'.join(parent.path)}`)" if parent.path else "")
    if merged.redundant:
        action = f"{where} already loads `{load.key}`; use it"
    else:
        action = f"load `{load.key}` with {where}"
    message = f"`{query.label}` runs once per row of `{site.rows}` (N+1 queries): {action}"
    if notes:
        message += " (unsafe: " + "; ".join(notes) + ")"
    description = f"Load `{load.key}` with the parent query and drop the per-row query"
    return Plan(Fix(applicability, tuple(editor.edits), description), message)


# --- reads: the batched suggestion ---------------------------------------------------------------


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
        return Plan(None, f"{base}: load the rows of all keys at once ({in_keys}) and group them in memory")
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
    elif query.op == "findMany" or query.op.startswith("findFirst"):
        rows_name = free_name(f"{model}Rows", text)
        map_name = free_name(f"{plural(model)}By{cap(key.column)}", text)
        typed = f"<unknown, typeof {rows_name}>" if site.ctx.language is not Language.JAVASCRIPT else ""
        lines = [
            _fetch(editor, f"const {rows_name} = ", f"await {client}.{model}.findMany", args, indent),
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
    else:  # findUnique: one row per key
        rows_name = free_name(f"{model}Rows", text)
        map_name = free_name(f"{plural(model)}By{cap(key.column)}", text)
        lines = [
            _fetch(editor, f"const {rows_name} = ", f"await {client}.{model}.findMany", args, indent),
            f"const {map_name} = new Map({rows_name}.map((row) => [row.{key.column}, row]));",
        ]
        replacement = f"({map_name}.get({value}) ?? null)"
    start = L.span(statement)[0]
    editor.edits.append(Edit(start, start, "".join(line + "\n" + indent for line in lines)))
    editor.replace(query.result, replacement[1:-1] if bare_ok(query.result) else replacement)
    description = (
        f"Load the rows of all keys at once (`{key.column}: {{ in: [...] }}`) and group them in memory"
    )
    return Plan(
        Fix(Applicability.SUGGESTION, tuple(editor.edits), description),
        f"{base}: {description[0].lower()}{description[1:]}",
    )


# --- writes --------------------------------------------------------------------------------------


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
    ids = f"{rows}.map(({row}) => {row}.{key.row.field})" if key is not None and key.row.field else None
    code: str | None = None
    if query.op == "create" and names == {"data"} and data is not None:
        code = f"await {client}.{model}.createMany({{ data: {rows}.map(({row}) => ({data.text()})) }});"
    elif (
        query.op == "delete"
        and names == {"where"}
        and ids is not None
        and key is not None
        and not site.rest_of_where(key)
    ):
        code = f"await {client}.{model}.deleteMany({{ where: {{ {key.column}: {{ in: {ids} }} }} }});"
    elif (
        query.op == "update"
        and names == {"where", "data"}
        and ids is not None
        and key is not None
        and not site.rest_of_where(key)
        and data is not None
        and not L.depends(data, loop, site.known)
    ):
        where = f"where: {{ {key.column}: {{ in: {ids} }} }}"
        code = f"await {client}.{model}.updateMany({{ {where}, data: {data.text()} }});"
    elif query.op != "create" and client not in site.clients.transactions:
        # `$transaction([...])` exists on the client, not on an interactive transaction's `tx`.
        each = f"{client}.{model}.{query.op}({query.args.text()})"
        code = f"await {client}.$transaction({rows}.map(({row}) => {each}));"
    if code is None:
        return none
    fix = Fix(
        Applicability.SUGGESTION, (Edit(*L.span(statement), code),), f"Batch the writes ({ADVICE[query.op]})"
    )
    return Plan(fix, message)


# --- the rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A finding's data: what `resolve` needs to redo the analysis with the schema."""

    path: str  # absolute POSIX path
    text: str
    language: Language
    start: int  # the Prisma call's span
    end: int
    model: str
    known: bool  # the receiver is visibly a PrismaClient


def _method(call: SgNode) -> str | None:
    found = L.callee_method(call)
    return found[1] if found is not None else None


def is_seed_file(ctx: FileContext) -> bool:
    """Seed scripts (under prisma/, named seed*, or in a seed(s)/seeders folder) fill a
    database once, row by row on purpose."""
    try:
        rel = PurePosixPath(ctx.path.relative_to(ctx.project.root).as_posix())
    except ValueError:
        rel = PurePosixPath(ctx.path.as_posix())
    folders = {p.lower() for p in rel.parts[:-1]}
    return "prisma" in folders or bool(folders & SEED_FOLDERS) or rel.name.lower().startswith("seed")


def first_await(site: Site) -> bool:
    """Whether the query is the first thing its per-element callback awaits."""
    start = L.span(site.query.call)[0]
    return not any(
        n.kind() == "await_expression" and L.span(n)[0] < start and not L.contains(n, site.query.call)
        for n in L.descendants(site.loop.body)
    )


def handled_per_row(site: Site) -> bool:
    """A write inside a try block in the loop: each row's failure is handled on its own (an
    import that reports bad lines), which no batch can do."""
    for anc in site.query.call.ancestors():
        if anc == site.loop.body:
            return False
        body = anc.field("body") if anc.kind() == "try_statement" else None
        if body is not None and L.contains(body, site.query.call):
            return True
    return False


class PrismaNPlusOne(Rule):
    id = "prisma/n-plus-one"
    languages = JS_LIKE
    summary = "A Prisma query or write issued once per row of an earlier result (N+1 queries)"
    why = (
        "Looping over the rows of one query and querying again for each row turns one request "
        "into 1 + N round trips to the database, and nested loops into 1 + N + N*M. It is fast "
        "with the ten rows of a development database and collapses in production: in the story "
        'handrail starts from, "with 500 users, this endpoint made 501 database queries and took '
        '8 seconds. Fix: include with nested relations — one query, 120ms."\n\n'
        "Prisma loads a relation for all parent rows at once with `include` (or `select`) on the "
        "parent query: one query per relation level, whatever the number of rows. Writes in a "
        "loop cost the same round trips; `createMany`, `updateMany`, `deleteMany` or one "
        "transaction batch them."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe: the parent query (a findMany in the same function) gains the relation in its "
        "`include`, or inside its `select`, resolved from schema.prisma: the relation field whose "
        "`@relation(fields: [fk], references: [...])` matches the per-row query's "
        "`where: { fk: row.x }` (to-many, and to-one for findUnique/findFirst by the foreign key). "
        "The per-row query's other arguments (`where` beyond the key, `orderBy`, `take`, `skip`, "
        "`select`, ...) move into the nested include, where Prisma applies them per parent row, so "
        "each row gets exactly the rows its own query returned. Order: with the same `orderBy` the "
        "same order; without one neither query defines an order, so they are equivalent (in "
        "practice both follow the table's storage order). The per-row query becomes `row.relation` (`count` "
        "becomes `row._count.relation`), and a loop or `Promise.all(rows.map(...))` that only "
        "attached the relation is deleted. This is safe only when the rows end up as the code "
        "built them: the loop attached the relation under its own name to every row, or the "
        "parent rows never leave the loop. When the parent query already includes the relation "
        "with the same arguments, only the redundant per-row query goes.\n\n"
        "Unsafe: without schema.prisma (the relation is named after the property the loop "
        "assigns), in `forEach` (which never waited for the queries, so the data now arrives "
        "earlier), when the parent rows are used elsewhere and would carry the relation too, or "
        "when an existing include of the relation loads more fields.\n\n"
        "Suggestion: when the parent query is not in the same function or the relation does not "
        "resolve, one batched query with `where: { fk: { in: ids } }` and a Map grouping its rows "
        "by key, written out; writes per row get createMany / deleteMany / updateMany or "
        "`$transaction([...])`. Suggestions are shown, never applied."
    )
    options = {"writes": Option(bool, True, "Also report create/update/upsert/delete issued once per row")}
    notes = (
        "Prisma calls are `<client>.<model>.<method>(...)`: with a schema.prisma, any receiver whose "
        "`<model>` is one of its models; without one, a receiver bound to `new PrismaClient(...)`, "
        "imported from a module named like prisma/db, a `$transaction` callback's parameter, or "
        "`this.prisma`/`this.db`. Only projects that depend on `@prisma/client` or `prisma` (nearest "
        "package.json) are checked. The schema is found the way Prisma finds it (prisma.config.ts "
        "`schema`, package.json `prisma.schema`, prisma/schema.prisma, schema.prisma, "
        "prisma/schema/*.prisma) and read once per run and project, after the per-file analysis, "
        "so the analysis cache never hides an edit of the schema.\n\n"
        "Not N+1, no finding: a query that does not use the loop's row (retry loops, cursor "
        "pagination), loops over a fixed list of constants, seed scripts (under prisma/, named "
        "seed*), `for await` streams, and findUnique inside `rows.map(...)`/`forEach` when it is "
        "the callback's first await: Prisma batches findUnique calls made in the same tick into "
        "one query. The same findUnique awaited in a `for...of` is N+1. Writes inside a try block "
        "in the loop handle each row's failure on their own (an import reporting bad lines), "
        "which no batch can do: no finding either.\n\n"
        "Nested loops (users -> orders -> items) are fixed one level per pass: the outer level "
        "first, then the inner one follows `user.orders` back to the same parent query and nests "
        "its include: `include: { orders: { include: { items: true } } }`. Writes per row are "
        "reported by this rule too (same cause, same cost; option `writes` turns them off)."
    )
    example = Example(
        path="src/routes/dashboard.ts",
        files={
            "package.json": '{ "dependencies": { "@prisma/client": "^7.0.0" } }\n',
            "prisma/schema.prisma": (
                "model User {\n  id     Int     @id\n  orders Order[]\n}\n\n"
                "model Order {\n  id     Int  @id\n  userId Int\n"
                "  user   User @relation(fields: [userId], references: [id])\n}\n"
            ),
        },
        before=(
            'import { prisma } from "../lib/prisma";\n\n'
            "export async function dashboard() {\n"
            "  const users = await prisma.user.findMany();\n"
            "  for (const user of users) {\n"
            "    (user as any).orders = await prisma.order.findMany({ where: { userId: user.id } });\n"
            "  }\n"
            "  return users;\n"
            "}\n"
        ),
        after=(
            'import { prisma } from "../lib/prisma";\n\n'
            "export async function dashboard() {\n"
            "  const users = await prisma.user.findMany({ include: { orders: true } });\n"
            "  return users;\n"
            "}\n"
        ),
    )

    requires = tuple(f".{op}" for op in sorted(READS | WRITES))

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if is_seed_file(ctx) or not any(ctx.project.depends_on(p) for p in PRISMA_PACKAGES):
            return
        writes = bool(ctx.options(self)["writes"])
        ops = READS | WRITES if writes else READS
        calls = [c for c in ctx.root.find_all(kind="call_expression") if _method(c) in ops]
        if not calls:
            return
        clients = Clients(ctx.root, None)
        for call in calls:
            query = clients.query(call, candidates=True)
            if query is None:
                continue
            site = self.site(ctx, query, clients)
            if site is None:
                continue
            plan = self.plan(site)
            start, end = ctx.span(call)
            data = Candidate(
                ctx.path.as_posix(), ctx.text, ctx.language, start, end, query.model, query.known
            )
            yield ctx.finding(self, start, end, plan.message, fix=plan.fix, data=data)

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        """Decide the finding with the project's schema: drop calls that are not Prisma's, and
        rebuild the message and fix with the relations the schema defines."""
        ref = finding.data
        if not isinstance(ref, Candidate):
            return finding
        schema = project.memo(f"{self.id}:schema", lambda: _schema.load(project.root))
        if schema is None:
            return finding if ref.known else None
        if not ref.known and schema.model_for_client(ref.model) is None:
            return None
        digest = sha1(ref.text.encode("utf-8", "surrogatepass")).hexdigest()
        ctx, clients = project.memo(
            f"{self.id}:file:{ref.path}:{digest}",
            lambda: self._reparse(ref, finding.path, project, schema),
        )
        call = next(
            (c for c in ctx.root.find_all(kind="call_expression") if ctx.span(c) == (ref.start, ref.end)),
            None,
        )
        query = clients.query(call) if call is not None else None
        site = self.site(ctx, query, clients) if query is not None else None
        if site is None:
            return None
        plan = self.plan(site)
        return replace_field(finding, message=plan.message, fix=plan.fix)

    @staticmethod
    def _reparse(
        ref: Candidate, display: str, project: ProjectFacts, schema: _schema.Schema
    ) -> tuple[FileContext, Clients]:
        ctx = FileContext(Path(ref.path), display, ref.text, ref.language, project.info)
        return ctx, Clients(ctx.root, schema)

    @staticmethod
    def site(ctx: FileContext, query: Query, clients: Clients) -> Site | None:
        """The innermost loop whose row the query uses, when that loop walks rows of data."""
        scope = L.scope_of(query.call)
        start = L.span(query.call)[0]
        arguments = query.call.field("arguments") or query.call
        for loop in L.enclosing_loops(query.call):
            known = L.aliases(loop, start)
            if not L.depends(arguments, loop, known):
                continue
            if loop.collection is not None and L.is_constant_list(loop.collection, scope):
                return None
            site = Site(ctx, query, loop, scope, known, clients)
            if query.op in BATCHED and loop.concurrent and first_await(site):
                return None
            if query.op in WRITES and handled_per_row(site):
                return None
            return site
        return None

    @staticmethod
    def plan(site: Site) -> Plan:
        if site.query.op in WRITES:
            return write_plan(site)
        key = site.key()
        collection = site.loop.collection
        parent = trace_parent(collection, site.loop.node, site.scope, site.clients) if collection else None
        if key is not None and parent is not None:
            plan = include_fix(site, key, parent)
            if plan is not None:
                return plan
        return batch_suggestion(site, key)
