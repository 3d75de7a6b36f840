"""Which calls in one file are TypeORM, Sequelize or Mongoose queries, and how their filter is
written.

A call counts when its receiver is visibly one of the ORM's handles in the file:
- TypeORM: a repository (`getRepository(User)`, `dataSource.getRepository(User)`, a field or
  constructor parameter with `@InjectRepository(User)` or typed `Repository<User>`, a name
  ending in `Repository`/`Repo`), or an EntityManager (`manager.find(User, ...)`, whose first
  argument names the entity);
- Sequelize and Mongoose: a model class (`class User extends Model`, `sequelize.define(...)`,
  `mongoose.model(...)`, `@InjectModel(User)` fields) or a PascalCase name (`User`, `db.User`)
  that the project's model definitions or its dependencies decide (see `Receiver.known`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ast_grep_py import SgNode

from handrail.codemods.orm._syntax import (
    FIELD_KINDS,
    decorator_calls,
    field_name,
    find_kinds,
    handle_stem,
    model_ref,
    prop,
    string_value,
    type_name,
    value_of,
)
from handrail.codemods.prisma import _loops as L
from handrail.engine.project import ProjectInfo


class Orm(enum.Enum):
    TYPEORM = "typeorm"
    SEQUELIZE = "sequelize"
    MONGOOSE = "mongoose"


PACKAGES = {
    Orm.TYPEORM: ("typeorm", "@nestjs/typeorm"),
    Orm.SEQUELIZE: ("sequelize", "sequelize-typescript", "@nestjs/sequelize"),
    Orm.MONGOOSE: ("mongoose", "@nestjs/mongoose"),
}

# Reads by how they take their filter: inside an options object (`find({ where })`), as the
# first argument (`findBy(where)`, Mongoose's `find(filter)`), or a primary key (`findByPk(id)`).
OPTION_READS = {
    Orm.TYPEORM: frozenset({"find", "findOne", "findOneOrFail", "count", "findAndCount", "exists", "exist"}),
    Orm.SEQUELIZE: frozenset({"findAll", "findOne", "count", "findAndCountAll"}),
    Orm.MONGOOSE: frozenset(),
}
FILTER_READS = {
    Orm.TYPEORM: frozenset(
        {"findBy", "findOneBy", "findOneByOrFail", "countBy", "findAndCountBy", "existsBy"}
    ),
    Orm.SEQUELIZE: frozenset(),
    Orm.MONGOOSE: frozenset({"find", "findOne", "countDocuments", "exists"}),
}
KEY_READS = {
    Orm.TYPEORM: frozenset(),
    Orm.SEQUELIZE: frozenset({"findByPk"}),
    Orm.MONGOOSE: frozenset({"findById"}),
}
# `repo.create()` / `repo.merge()` build entities in memory: not writes.
WRITES = {
    Orm.TYPEORM: frozenset(
        {"save", "insert", "update", "upsert", "delete", "remove", "softDelete", "softRemove", "restore"}
        | {"increment", "decrement"}
    ),
    Orm.SEQUELIZE: frozenset(
        {"create", "update", "destroy", "upsert", "increment", "decrement", "findOrCreate"}
    ),
    Orm.MONGOOSE: frozenset(
        {"create", "updateOne", "replaceOne", "deleteOne", "findByIdAndUpdate", "findOneAndUpdate"}
        | {"findByIdAndDelete", "findOneAndDelete", "findOneAndReplace"}
    ),
}
COUNTS = frozenset({"count", "countBy", "countDocuments"})
TO_ONE = frozenset({"findOne", "findOneOrFail", "findOneBy", "findOneByOrFail", "findByPk", "findById"})
# Reads whose result cannot be rebuilt from one batched query by grouping rows.
UNBATCHABLE = frozenset({"findAndCount", "findAndCountBy", "findAndCountAll", "exists", "exist", "existsBy"})
# The attribute findByPk / findById look up (Sequelize's default primary key).
PRIMARY_KEY = {Orm.TYPEORM: "id", Orm.SEQUELIZE: "id", Orm.MONGOOSE: "_id"}


def reads(orm: Orm) -> frozenset[str]:
    return OPTION_READS[orm] | FILTER_READS[orm] | KEY_READS[orm]


def methods(orm: Orm) -> frozenset[str]:
    return reads(orm) | WRITES[orm]


def orms_of(project: ProjectInfo) -> frozenset[Orm]:
    return frozenset(orm for orm, names in PACKAGES.items() if any(project.depends_on(n) for n in names))


REPOSITORY_FACTORIES = frozenset(
    {"getRepository", "getTreeRepository", "getMongoRepository", "getCustomRepository", "withRepository"}
)
REPOSITORY_TYPES = frozenset({"Repository", "TreeRepository", "MongoRepository"})
REPOSITORY_NAME = re.compile(r"(?:Repository|Repo)$|^(?:repository|repo)$")
MANAGER_NAME = re.compile(r"(?:^m|M)anager$")
MODEL_HOLDERS = frozenset({"models", "db", "database"})  # `db.User`, `models.User` (sequelize-cli)


@dataclass(frozen=True)
class Receiver:
    kind: str  # "repository", "manager" or "model"
    orms: frozenset[Orm]  # the ORMs it may belong to (one, once decided)
    model: str | None  # the entity / model it queries, when the code says
    known: bool  # the file itself shows what it is (no project facts needed)


@dataclass
class Bindings:
    """The ORM handles one file declares, found once per file."""

    orms: frozenset[Orm]
    repositories: dict[str, str | None] = field(default_factory=dict)  # name -> entity
    fields: dict[str, Receiver] = field(default_factory=dict)  # `this.<name>` -> receiver
    models: dict[str, tuple[Orm, str]] = field(default_factory=dict)  # name -> (ORM, model name)
    transactions: set[str] = field(default_factory=set)  # TypeORM `transaction(async (m) => ...)`

    @classmethod
    def of(cls, root: SgNode, orms: frozenset[Orm]) -> Bindings:
        found = cls(orms)
        if Orm.TYPEORM in orms:
            found._typeorm(root)
        for decl in root.find_all(kind="variable_declarator"):
            name, value = decl.field("name"), decl.field("value")
            if name is not None and value is not None and name.kind() == "identifier":
                found._declared(name.text(), L.unwrap(value))
        for cls_node in root.find_all(kind="class_declaration"):
            found._model_class(cls_node)
        for member in find_kinds(root, *FIELD_KINDS, "required_parameter"):
            found._injected(member)
        return found

    def _typeorm(self, root: SgNode) -> None:
        for param in find_kinds(root, "required_parameter", "optional_parameter"):
            pattern, typed = param.field("pattern"), type_name(param.field("type"))
            if pattern is None or pattern.kind() != "identifier" or typed is None:
                continue
            if typed[0] in REPOSITORY_TYPES:
                self.repositories[pattern.text()] = typed[1]
        for call in root.find_all(kind="call_expression"):
            method = L.callee_method(call)
            if method is None or method[1] != "transaction":
                continue
            for fn in L.call_args(call):
                if fn.kind() in ("arrow_function", "function_expression"):
                    bound = L.first_param(fn)
                    if bound is not None and bound.kind() == "identifier":
                        self.transactions.add(bound.text())

    def _declared(self, name: str, value: SgNode) -> None:
        if value.kind() == "await_expression":
            inner = next(iter(L.named(value)), None)
            value = L.unwrap(inner) if inner is not None else value
        if value.kind() != "call_expression":
            return
        callee = value.field("function")
        method = L.member_name(callee) if callee is not None else None
        called = method or (callee.text() if callee is not None else "")
        args = L.call_args(value)
        if Orm.TYPEORM in self.orms and called in REPOSITORY_FACTORIES:
            self.repositories[name] = model_ref(args[0]) if args else None
        elif Orm.SEQUELIZE in self.orms and called == "define" and args:
            self.models[name] = (Orm.SEQUELIZE, string_value(args[0]) or name)
        elif Orm.MONGOOSE in self.orms and called == "model" and args and string_value(args[0]):
            self.models[name] = (Orm.MONGOOSE, string_value(args[0]) or name)

    def _model_class(self, node: SgNode) -> None:
        name = node.field("name")
        heritage = node.find(kind="class_heritage")
        if name is None or heritage is None:
            return
        base = re.search(r"extends\s+(?:[\w$]+\.)?(Model|BaseEntity)\b", heritage.text())
        if base is None:
            return
        orm = Orm.TYPEORM if base.group(1) == "BaseEntity" else Orm.SEQUELIZE
        if orm in self.orms:
            self.models[name.text()] = (orm, name.text())

    def _injected(self, member: SgNode) -> None:
        """`@InjectRepository(User) repo: Repository<User>` and `@InjectModel(User.name) model`,
        as class fields or constructor parameters (those with an accessibility modifier)."""
        target = field_name(member) if member.kind() in FIELD_KINDS else member.field("pattern")
        if target is None or target.kind() not in ("property_identifier", "identifier"):
            return
        modifiers = {c.kind() for c in member.children()}
        if member.kind() == "required_parameter" and not modifiers & {"accessibility_modifier", "readonly"}:
            return  # a plain parameter, not a field
        decorators = decorator_calls(member)
        typed = type_name(member.field("type"))
        repo = decorators.get("InjectRepository")
        if Orm.TYPEORM in self.orms and (
            repo is not None or (typed is not None and typed[0] in REPOSITORY_TYPES)
        ):
            args = L.call_args(repo) if repo is not None and repo.kind() == "call_expression" else []
            entity = model_ref(args[0]) if args else (typed[1] if typed is not None else None)
            self.fields[target.text()] = Receiver("repository", frozenset({Orm.TYPEORM}), entity, True)
            return
        inject = decorators.get("InjectModel")
        if inject is not None and inject.kind() == "call_expression":
            args = L.call_args(inject)
            orms = self.orms & {Orm.MONGOOSE, Orm.SEQUELIZE}
            model = model_ref(args[0]) if args else None
            if len(orms) == 1:
                self.fields[target.text()] = Receiver("model", orms, model, True)

    # --- the receiver of one call ---------------------------------------------------------------

    def receiver(self, obj: SgNode, method: str, args: list[SgNode]) -> Receiver | None:
        obj = L.unwrap(obj)
        typeorm = frozenset({Orm.TYPEORM}) & self.orms
        if obj.kind() == "call_expression" and typeorm:
            callee = obj.field("function")
            called = L.member_name(callee) if callee is not None else None
            name = called or (callee.text() if callee is not None else "")
            if name in REPOSITORY_FACTORIES:
                inner = L.call_args(obj)
                return Receiver("repository", typeorm, model_ref(inner[0]) if inner else None, True)
            return None
        if obj.kind() == "identifier":
            name = obj.text()
            if name in self.models:
                orm, model = self.models[name]
                return Receiver("model", frozenset({orm}), model, True)
            if typeorm and name in self.repositories:
                return Receiver("repository", typeorm, self.repositories[name], True)
            if typeorm and self._manager_call(name, args, obj):
                return Receiver("manager", typeorm, model_ref(args[0]), True)
            if typeorm and REPOSITORY_NAME.search(name):
                return Receiver("repository", typeorm, None, False)
            if name[:1].isupper() and not name.isupper():
                return self._model_candidate(name, method)
            return None
        holder = obj.field("object") if obj.kind() == "member_expression" else None
        prop_name = L.member_name(obj)
        if holder is None or prop_name is None:
            return None
        holder = L.unwrap(holder)
        if holder.kind() == "this" and prop_name in self.fields:
            return self.fields[prop_name]
        if typeorm and self._manager_call(prop_name, args, obj):
            return Receiver("manager", typeorm, model_ref(args[0]), True)
        if typeorm and holder.kind() == "this" and REPOSITORY_NAME.search(prop_name):
            return Receiver("repository", typeorm, None, False)
        last = L.member_name(holder) if holder.kind() == "member_expression" else holder.text()
        if last in MODEL_HOLDERS and prop_name[:1].isupper():
            return self._model_candidate(prop_name, method)
        return None

    def _manager_call(self, name: str, args: list[SgNode], obj: SgNode) -> bool:
        """`manager.find(User, ...)`: an EntityManager, whose first argument is the entity."""
        named_like = bool(MANAGER_NAME.search(name)) or (
            obj.kind() == "identifier" and name in self.transactions
        )
        first = L.unwrap(args[0]) if args else None
        return (
            named_like and first is not None and first.kind() == "identifier" and first.text()[:1].isupper()
        )

    def _model_candidate(self, name: str, method: str) -> Receiver | None:
        orms: frozenset[Orm] = frozenset(
            orm for orm in self.orms if method in methods(orm) and orm is not Orm.TYPEORM
        )
        # TypeORM entities query themselves only when they extend BaseEntity (a project fact).
        if Orm.TYPEORM in self.orms and method in methods(Orm.TYPEORM):
            orms |= {Orm.TYPEORM}
        return Receiver("model", orms, name, False) if orms else None


# --- one query --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One ORM call, with where its filter is written."""

    call: SgNode
    receiver: SgNode  # the expression the method is called on
    orm: Orm
    op: str
    found: Receiver
    args: tuple[SgNode, ...]  # the arguments after the entity of a manager call
    chain: tuple[SgNode, ...]  # Mongoose query methods chained on the call: `.sort(...)`, `.lean()`

    @property
    def model(self) -> str | None:
        return self.found.model

    @property
    def entity(self) -> str | None:
        """The model it reads: as the code names it (`getRepository(User)`), or guessed from a
        handle's name (`userRepository` -> `User`)."""
        stem = handle_stem(self.receiver.text())
        return self.model or (stem[:1].upper() + stem[1:] if stem else None)

    @property
    def manager(self) -> bool:
        return self.found.kind == "manager"

    @property
    def write(self) -> bool:
        return self.op in WRITES[self.orm]

    @property
    def label(self) -> str:
        return f"{self.receiver.text()}.{self.op}"

    @property
    def entity_arg(self) -> str:
        """`User, ` for a manager call (its first argument), else ""."""
        return f"{L.call_args(self.call)[0].text()}, " if self.manager else ""

    @property
    def options(self) -> SgNode | None:
        """The options object that holds `where` (`find({ where, order })`), if any."""
        if self.op in OPTION_READS[self.orm] and self.args and L.unwrap(self.args[0]).kind() == "object":
            return L.unwrap(self.args[0])
        return None

    @property
    def filter(self) -> SgNode | None:
        """The filter object: `where` of the options, or the first argument of findBy/find(filter)."""
        if self.options is not None:
            where = value_of(prop(self.options, "where"))
            return where if where is not None and where.kind() == "object" else None
        if self.op in FILTER_READS[self.orm] and self.args and L.unwrap(self.args[0]).kind() == "object":
            return L.unwrap(self.args[0])
        return None

    @property
    def key_arg(self) -> SgNode | None:
        """The primary key argument of findByPk / findById."""
        return self.args[0] if self.op in KEY_READS[self.orm] and self.args else None

    @property
    def result(self) -> SgNode:
        """What stands for the query's result: the awaited call with its chain (`await q`)."""
        node = L.outer(self.chain[-1] if self.chain else self.call)
        parent = node.parent()
        return L.outer(parent) if parent is not None and parent.kind() == "await_expression" else node


CHAINABLE = frozenset(
    {
        "sort",
        "lean",
        "select",
        "populate",
        "limit",
        "skip",
        "exec",
        "where",
        "setOptions",
        "collation",
        "hint",
    }
)


def chain_of(call: SgNode) -> tuple[SgNode, ...]:
    """`Order.find(f).sort(s).lean()` -> the calls `.sort(s)` and `.lean()`, in order."""
    calls: list[SgNode] = []
    node = call
    while True:
        member = node.parent()
        outer_call = member.parent() if member is not None else None
        if member is None or outer_call is None or member.kind() != "member_expression":
            break
        if outer_call.kind() != "call_expression" or outer_call.field("function") != member:
            break
        if L.member_name(member) not in CHAINABLE:
            break
        calls.append(outer_call)
        node = outer_call
    return tuple(calls)


def query_of(call: SgNode, bindings: Bindings) -> Query | None:
    """The ORM query `call` is, when its receiver and method say so; `found.orms` may still list
    more than one ORM when only the project's model definitions can decide (see `decide`)."""
    method = L.callee_method(call)
    if method is None:
        return None
    obj, op = method
    if not any(op in methods(orm) for orm in bindings.orms):
        return None
    args = L.call_args(call)
    found = bindings.receiver(obj, op, args)
    if found is None:
        return None
    orms = frozenset(orm for orm in found.orms if op in methods(orm))
    if not orms:
        return None
    return build(call, obj, op, Receiver(found.kind, orms, found.model, found.known))


def build(call: SgNode, obj: SgNode, op: str, found: Receiver) -> Query:
    """The `Query` for the first of `found.orms` (the only one, once decided)."""
    orm = min(found.orms, key=lambda o: o.value)
    args = L.call_args(call)
    own = tuple(args[1:] if found.kind == "manager" else args)
    chain = chain_of(call) if orm is Orm.MONGOOSE else ()
    return Query(call, L.unwrap(obj), orm, op, found, own, chain)


def with_orm(query: Query, orm: Orm, model: str | None) -> Query:
    """The same call, decided for `orm` by the project's model definitions."""
    found = Receiver(query.found.kind, frozenset({orm}), model or query.model, True)
    return build(query.call, query.receiver, query.op, found)
