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

The rule's parts: `_client` (which calls are Prisma's), `_site` (the loop, key and parent query
of one per-row call), `_include` (the include rewrite, editing with `_merge`, `_attach` and
`_editor`), `_batch` (the batched read suggestion) and `_writes` (the write suggestion).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace as replace_field
from hashlib import sha1
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from ast_grep_py import SgNode

from handrail.codemods.prisma._ops import READS, WRITES
from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE, Language
from handrail.engine.model import Applicability, Finding
from handrail.engine.project import ProjectFacts, ProjectInfo
from handrail.engine.rule import Example, Option, Rule

if TYPE_CHECKING:
    from handrail.codemods.prisma import _schema
    from handrail.codemods.prisma._client import Clients, Query
    from handrail.codemods.prisma._site import Plan, Site

# The analysis helpers are imported inside the functions that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code (`_ops` is light).

PRISMA_PACKAGES = ("@prisma/client", "prisma")
SEED_FOLDERS = frozenset({"seed", "seeds", "seeders"})


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
    from handrail.codemods.prisma import _loops as L

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
    from handrail.codemods.prisma import _loops as L

    start = L.span(site.query.call)[0]
    return not any(
        n.kind() == "await_expression" and L.span(n)[0] < start and not L.contains(n, site.query.call)
        for n in L.descendants(site.loop.body)
    )


def handled_per_row(site: Site) -> bool:
    """A write inside a try block in the loop: each row's failure is handled on its own (an
    import that reports bad lines), which no batch can do."""
    from handrail.codemods.prisma import _loops as L

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

    @classmethod
    def may_match(cls, text: str, project: ProjectInfo) -> bool:
        # check reports nothing in a project that does not depend on Prisma.
        return any(project.depends_on(p) for p in PRISMA_PACKAGES) and super().may_match(text, project)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        from handrail.codemods.prisma._client import Clients

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
        from handrail.codemods.prisma import _schema

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
        from handrail.codemods.prisma._client import Clients

        ctx = FileContext(Path(ref.path), display, ref.text, ref.language, project.info)
        return ctx, Clients(ctx.root, schema)

    @staticmethod
    def site(ctx: FileContext, query: Query, clients: Clients) -> Site | None:
        """The innermost loop whose row the query uses, when that loop walks rows of data."""
        from handrail.codemods.prisma import _loops as L
        from handrail.codemods.prisma._client import BATCHED
        from handrail.codemods.prisma._site import Site

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
        from handrail.codemods.prisma._batch import batch_suggestion
        from handrail.codemods.prisma._include import include_fix
        from handrail.codemods.prisma._site import trace_parent
        from handrail.codemods.prisma._writes import write_plan

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
