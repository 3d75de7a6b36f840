"""orm/n-plus-one: a TypeORM, Sequelize or Mongoose query (or write) issued once per row of an
earlier result.

The detection is the Prisma rule's (`prisma/_loops`): a query inside a loop that walks a
collection, whose arguments use the loop's row. The fix is always a suggestion, in code:
load the relation with the parent query when the project's model definitions name it
(`_relations`), else one batched query grouped in memory (`_batch`); writes get the library's
batch API (`_writes`).

Where the model definitions come in: `check` sees one file and cannot tell whether `Order` is
a Sequelize model, a Mongoose model or some other class, nor which relation loads it. It
reports candidates with the batched suggestion; `collect` gathers every file's models and
relations (`_models`); `resolve` drops calls on names that are not models, and rebuilds the
finding with the relation suggestion when one applies (re-parsing the file once per text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import replace as replace_field
from hashlib import sha1
from pathlib import Path
from typing import TYPE_CHECKING

from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE, Language
from handrail.engine.model import Applicability, Finding
from handrail.engine.project import ProjectFacts, ProjectInfo
from handrail.engine.rule import Example, Option, Rule

if TYPE_CHECKING:
    from handrail.codemods.orm import _models
    from handrail.codemods.orm._batch import Plan
    from handrail.codemods.orm._calls import Bindings, Query
    from handrail.codemods.orm._sites import Site

# The analysis helpers are imported inside the functions that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code.


@dataclass(frozen=True)
class Candidate:
    """A finding's data: what `resolve` needs to redo the analysis with the project's models."""

    path: str  # absolute POSIX path
    text: str
    language: Language
    start: int  # the query call's span
    end: int


def plan(site: Site, index: _models.Index | None) -> Plan:
    from handrail.codemods.orm._batch import batch_plan
    from handrail.codemods.orm._relations import relation_plan
    from handrail.codemods.orm._writes import write_plan

    if site.query.write:
        return write_plan(site)
    key = site.key()
    found = relation_plan(site, key, index) if index is not None else None
    return found or batch_plan(site, key)


def decide(query: Query, index: _models.Index) -> Query | None:
    """The query for the ORM the project's models say it belongs to; None when its receiver
    turns out not to be a model of any of them."""
    from handrail.codemods.orm._calls import Orm, with_orm

    found = query.found
    if found.kind in ("repository", "manager") or (found.known and len(found.orms) == 1):
        return query
    model = index.model(found.model)
    if model is None:
        model = next((m for orm in found.orms if (m := index.model(found.model, orm)) is not None), None)
    if model is not None:
        if model.orm not in found.orms or (model.orm is Orm.TYPEORM and not model.base_entity):
            return None
        return with_orm(query, model.orm, model.name)
    # A name no model definition in the project has: trust the dependencies only when the
    # project defines no models of that ORM at all (they may come from a package).
    candidates = [orm for orm in found.orms if orm is not Orm.TYPEORM and not index.defines(orm)]
    return with_orm(query, candidates[0], found.model) if len(candidates) == 1 else None


_PACKAGE = '{ "dependencies": { "typeorm": "^0.3.20", "express": "^5.1.0" } }\n'
_USER = """\
import { Column, Entity, OneToMany, PrimaryGeneratedColumn } from "typeorm";
import { Order } from "./Order";

@Entity()
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  email!: string;

  @OneToMany(() => Order, (order) => order.user)
  orders!: Order[];
}
"""
_ORDER = """\
import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from "typeorm";
import { User } from "./User";

@Entity()
export class Order {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  userId!: number;

  @ManyToOne(() => User, (user) => user.orders)
  @JoinColumn({ name: "userId" })
  user!: User;
}
"""
_BEFORE = """\
import { AppDataSource } from "../data-source";
import { Order } from "../entities/Order";
import { User } from "../entities/User";

const userRepository = AppDataSource.getRepository(User);
const orderRepository = AppDataSource.getRepository(Order);

export async function dashboard() {
  const users = await userRepository.find({ order: { id: "ASC" } });
  for (const user of users) {
    user.orders = await orderRepository.find({ where: { userId: user.id } });
  }
  return users;
}
"""
_AFTER = _BEFORE.replace(
    """find({ order: { id: "ASC" } });
  for (const user of users) {
    user.orders = await orderRepository.find({ where: { userId: user.id } });
  }
""",
    """find({ order: { id: "ASC" }, relations: { orders: true } });
""",
)


class OrmNPlusOne(Rule):
    id = "orm/n-plus-one"
    languages = JS_LIKE
    summary = "A TypeORM, Sequelize or Mongoose query or write issued once per row of an earlier result"
    why = (
        "Looping over the rows of one query and querying again for each row turns one request "
        "into 1 + N round trips to the database, and nested loops into 1 + N + N*M. It is fast "
        "with the ten rows of a development database and collapses in production: in the story "
        'handrail starts from, "with 500 users, this endpoint made 501 database queries and took '
        '8 seconds", and loading the relation with the parent query made it one query and 120ms.\n\n'
        "Every ORM has the same way out: TypeORM loads relations with `relations:` on the parent "
        "`find`, Sequelize with `include:` on `findAll`, Mongoose with `.populate()`; without a "
        "relation, one query with `In(ids)` / `where: { key: ids }` / `$in` loads the rows of every "
        "key at once. Writes in a loop cost the same round trips; `save(array)`/`insert`, "
        "`bulkCreate` and `insertMany`/`bulkWrite` batch them."
    )
    fix_safety = Applicability.SUGGESTION
    fix_safety_notes = (
        "Suggestion only: the rewrite is shown as a diff and never applied, because it changes "
        "what the code loads and when, in ways the rule cannot check against a database.\n\n"
        "Relation (when the loop walks a list query in the same function, the per-row query asks "
        "for exactly the rows of a relation that the project's entity, model or schema files "
        "define, matched by its foreign key): `relations: { orders: true }` (TypeORM), "
        '`include: [{ model: Order, as: "orders" }]` (Sequelize, with the association\'s alias), '
        '`.populate("orders")` (Mongoose: a `ref` path, or a virtual with `ref`/`localField`/'
        "`foreignField`) on the parent query; the per-row query becomes `user.orders`, and a "
        "loop that only stored it is deleted. The parent rows now carry the relation, which is "
        "then also serialized wherever they go.\n\n"
        "Batched (otherwise): one query before the loop for the keys of all rows "
        "(`In(ids)`, `where: { userId: ids }`, `{ $in: ids }`) with its other filters and "
        "ordering, grouped in a Map; the per-row query becomes a lookup (`?? []`, `?? null`). "
        "Counts become one grouped count. Mongoose keys are compared as strings (ObjectIds are "
        "objects); TypeORM's batched query and keyed writes are skipped for an empty list "
        "(`In([])` becomes `IN ()`, an SQL error). Not written out when the per-row query "
        "limits, offsets or projects its rows, throws when a row is missing (`findOneOrFail`), "
        "or uses values computed in the loop.\n\n"
        "Writes: the batch call replaces the loop when the loop only wrote (`save(rows)`, "
        "`bulkCreate(rows.map(...))`, `deleteMany({ _id: { $in: ids } })`, `bulkWrite`). Batch "
        "writes skip per-row hooks that some code relies on (Sequelize `individualHooks`, "
        "Mongoose document middleware on `insertMany`/`bulkWrite`), and TypeORM's `save(array)` "
        "still updates existing rows one by one, inside one transaction."
    )
    options = {"writes": Option(bool, True, "Also report create/save/update/delete issued once per row")}
    notes = (
        "Queries are recognised by their receiver: TypeORM repositories (`getRepository(X)`, "
        "`dataSource.getRepository(X)`, `@InjectRepository(X)` / `Repository<X>` fields, names "
        "ending in Repository/Repo) and EntityManagers (`manager.find(X, ...)`, a `transaction` "
        "callback's parameter); Sequelize models (`extends Model`, `sequelize.define`, `db.X`); "
        "Mongoose models (`mongoose.model(...)`, `@InjectModel`). A PascalCase name imported from "
        "elsewhere counts when the project defines a model of that name, or defines none of that "
        "ORM and depends on it. The project's package.json must list the ORM.\n\n"
        "Not N+1, no finding: queries that do not use the loop's row (retry loops, cursor "
        "pagination), loops over a fixed list of constants, `for await` streams, and files that "
        "run once (seed*, seeds/, seeders/, migrations/, fixtures/). Unlike Prisma, these ORMs do "
        "not batch `findOne` calls made in the same tick, so `Promise.all(ids.map((id) => "
        "repo.findOneBy({ id })))` is reported.\n\n"
        "Nested loops (users -> orders -> items) are reported per level, each with its own "
        "suggestion. In TypeScript, a loop over an `any` value (`req.body.items`) gets a "
        "`.map((item) => ...)` callback that `noImplicitAny` rejects until `item` is typed. "
        "Query builders (`createQueryBuilder()...getMany()`) and raw SQL in loops are "
        "not recognised. Writes per row are reported by this rule too (option `writes`), as "
        "prisma/n-plus-one does."
    )
    example = Example(
        path="src/routes/dashboard.ts",
        files={"package.json": _PACKAGE, "src/entities/User.ts": _USER, "src/entities/Order.ts": _ORDER},
        before=_BEFORE,
        after=_AFTER,
    )
    # Method names (a file without any has no query to report) and what model definitions
    # are made of (`collect` reads those files too).
    requires = (
        *("find", "count", "save", "insert", "upsert", "update", "delete", "Delete", "remove", "Remove"),
        *("create", "destroy", "replace", "Replace", "restore", "increment", "decrement"),
        *("Entity", "Model", "model(", "define(", "Schema", "hasMany", "hasOne", "belongsTo", "virtual("),
    )

    @classmethod
    def may_match(cls, text: str, project: ProjectInfo) -> bool:
        from handrail.codemods.orm._calls import orms_of

        # check and collect have nothing to say in a project that uses none of the ORMs.
        return bool(orms_of(project)) and super().may_match(text, project)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        from handrail.codemods.orm._calls import Bindings, orms_of, query_of
        from handrail.codemods.orm._sites import find_site, is_script_file

        orms = orms_of(ctx.project)
        if not orms or is_script_file(ctx):
            return
        bindings = Bindings.of(ctx.root, orms)
        writes = bool(ctx.options(self)["writes"])
        for call in ctx.root.find_all(kind="call_expression"):
            query = query_of(call, bindings)
            if query is None or (query.write and not writes):
                continue
            site = find_site(ctx, query, bindings)
            if site is None:
                continue
            found = plan(site, None)
            start, end = ctx.span(call)
            data = Candidate(ctx.path.as_posix(), ctx.text, ctx.language, start, end)
            yield ctx.finding(self, start, end, found.message, fix=found.fix, data=data)

    def collect(self, ctx: FileContext) -> _models.ModelFacts | None:
        from handrail.codemods.orm import _models
        from handrail.codemods.orm._calls import orms_of

        orms = orms_of(ctx.project)
        if not orms:
            return None
        facts = _models.collect(ctx.root, orms)
        return None if facts.empty else facts

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        from handrail.codemods.orm import _models
        from handrail.codemods.orm._calls import query_of
        from handrail.codemods.orm._sites import find_site

        ref = finding.data
        if not isinstance(ref, Candidate):
            return finding
        index = project.memo(f"{self.id}:index", lambda: _models.Index(project.facts(self.id)))
        digest = sha1(ref.text.encode("utf-8", "surrogatepass")).hexdigest()
        ctx, bindings = project.memo(
            f"{self.id}:file:{ref.path}:{digest}", lambda: self._reparse(ref, finding.path, project)
        )
        call = next(
            (c for c in ctx.root.find_all(kind="call_expression") if ctx.span(c) == (ref.start, ref.end)),
            None,
        )
        query = query_of(call, bindings) if call is not None else None
        query = decide(query, index) if query is not None else None
        site = find_site(ctx, query, bindings) if query is not None else None
        if site is None:
            return None
        found = plan(site, index)
        return replace_field(finding, message=found.message, fix=found.fix)

    @staticmethod
    def _reparse(ref: Candidate, display: str, project: ProjectFacts) -> tuple[FileContext, Bindings]:
        from handrail.codemods.orm._calls import Bindings, orms_of

        ctx = FileContext(Path(ref.path), display, ref.text, ref.language, project.info)
        return ctx, Bindings.of(ctx.root, orms_of(project.info))
