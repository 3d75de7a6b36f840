"""The models and relations a project defines, read from its source files.

`collect` runs per file and returns picklable `ModelFacts`: TypeORM entities (relation
decorators, join columns, `extends BaseEntity`), Sequelize models (`extends Model`, `.init`,
`sequelize.define`, `hasMany`/`hasOne`/`belongsTo`, sequelize-typescript decorators) and Mongoose
models (`mongoose.model(name, schema)`, schema paths with `ref`, `schema.virtual(...)`, NestJS
`@Prop({ ref })`). `Index` joins every file's facts once per project and answers: which ORM a
model name belongs to, and which relation loads the rows a per-row query fetches.

Models are matched by name (the class or variable the code uses, and for Mongoose the model
name its refs use): resolving imports would find the same names in all but contrived code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ast_grep_py import SgNode

from handrail.codemods.orm._calls import Orm
from handrail.codemods.orm._syntax import (
    arrow_target,
    class_name,
    decorator_calls,
    field_name,
    model_ref,
    plural,
    prop,
    prop_value,
    props,
    string_value,
)
from handrail.codemods.prisma import _loops as L

TYPEORM_TO_MANY = frozenset({"OneToMany"})
TYPEORM_TO_ONE = frozenset({"ManyToOne", "OneToOne"})
TYPEORM_COLUMNS = frozenset({"Column", "PrimaryColumn", "PrimaryGeneratedColumn", "ObjectIdColumn"})
TYPEORM_PRIMARY = frozenset({"PrimaryColumn", "PrimaryGeneratedColumn", "ObjectIdColumn"})
SEQUELIZE_ASSOCIATIONS = {"hasMany": True, "hasOne": False, "belongsTo": False}
SEQUELIZE_DECORATORS = {"HasMany": "hasMany", "HasOne": "hasOne", "BelongsTo": "belongsTo"}


@dataclass(frozen=True)
class Model:
    orm: Orm
    name: str  # what code calls it: the class or variable
    model_name: str  # Sequelize's modelName / Mongoose's model name (refs use it)
    primary: str = "id"
    base_entity: bool = False  # a TypeORM entity that queries itself (`User.find()`)


@dataclass(frozen=True)
class Relation:
    """A relation as the ORM loads it: `owner.prop` holds rows of `target`.

    To-many: `fk` is the target's attribute that points back at the owner's `key` (None for a
    Mongoose array of ids, which the owner holds in `prop`). To-one: `fk` is the owner's
    attribute that holds the target's `key`. `fk`/`prop` None: the ORM's default, worked out by
    `Index` once every model's name is known (Sequelize)."""

    orm: Orm
    owner: str
    prop: str | None
    target: str
    many: bool
    fk: str | None
    key: str | None = None
    kind: str = ""  # Sequelize: hasMany / hasOne / belongsTo; TypeORM: the decorator
    alias: bool = False  # Sequelize: declared with `as`, which an include must repeat
    inverse: str | None = None  # TypeORM: the target's property that points back
    virtual: bool = False  # Mongoose: a virtual, absent from toJSON() unless virtuals are on

    @property
    def on_target(self) -> bool:
        """Whether the foreign key sits on the target's rows (one owner, its children)."""
        return self.kind in ("OneToMany", "hasMany", "hasOne") or self.virtual


@dataclass(frozen=True)
class ModelFacts:
    models: tuple[Model, ...] = ()
    relations: tuple[Relation, ...] = ()
    # sequelize-typescript `@ForeignKey(() => User) userId`: (class, attribute, target class).
    foreign_keys: tuple[tuple[str, str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.models or self.relations or self.foreign_keys)


@dataclass
class _Collector:
    orms: frozenset[Orm]
    models: list[Model] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)

    def facts(self) -> ModelFacts:
        return ModelFacts(tuple(self.models), tuple(self.relations), tuple(self.foreign_keys))


def collect(root: SgNode, orms: frozenset[Orm]) -> ModelFacts:
    found = _Collector(orms)
    for cls in root.find_all(kind="class_declaration"):
        _class(found, cls)
    if Orm.SEQUELIZE in orms:
        _sequelize(found, root)
    if Orm.MONGOOSE in orms:
        _mongoose(found, root)
    return found.facts()


# --- classes: TypeORM entities, Sequelize models, NestJS Mongoose schemas ---------------------------


def _members(cls: SgNode) -> Iterable[tuple[str, dict[str, SgNode]]]:
    body = cls.field("body")
    for member in L.named(body) if body is not None else []:
        name = field_name(member)
        if name is not None:
            yield name.text(), decorator_calls(member)


def _class(found: _Collector, cls: SgNode) -> None:
    name_node = cls.field("name")
    if name_node is None:
        return
    name = name_node.text()
    heritage = cls.find(kind="class_heritage")
    base = re.search(r"extends\s+(?:[\w$]+\.)?(Model|BaseEntity)\b", heritage.text()) if heritage else None
    members = list(_members(cls))
    typeorm = Orm.TYPEORM in found.orms and any(
        d.keys() & (TYPEORM_COLUMNS | TYPEORM_TO_MANY | TYPEORM_TO_ONE) for _, d in members
    )
    # sequelize-typescript models have `@Column` too: `extends Model` decides first.
    if base is not None and base.group(1) == "Model" and Orm.SEQUELIZE in found.orms:
        found.models.append(Model(Orm.SEQUELIZE, name, name))
        _sequelize_decorators(found, name, members)
    elif typeorm:
        _typeorm_entity(found, name, members, base is not None and base.group(1) == "BaseEntity")
    elif Orm.MONGOOSE in found.orms and any("Prop" in d for _, d in members):
        found.models.append(Model(Orm.MONGOOSE, name, name))
        for prop_name, decorators in members:
            call = decorators.get("Prop")
            options = L.call_args(call)[0] if call is not None and L.call_args(call) else None
            if options is not None:
                _schema_path(found, name, prop_name, options)


def _typeorm_entity(
    found: _Collector, name: str, members: list[tuple[str, dict[str, SgNode]]], base: bool
) -> None:
    columns: dict[str, str] = {}  # database column -> property
    primary = "id"
    for prop_name, decorators in members:
        for deco in decorators.keys() & TYPEORM_COLUMNS:
            call = decorators[deco]
            options = (
                next((a for a in L.call_args(call) if L.unwrap(a).kind() == "object"), None)
                if (call.kind() == "call_expression")
                else None
            )
            columns[string_value(prop_value(options, "name")) or prop_name] = prop_name
            if deco in TYPEORM_PRIMARY:
                primary = prop_name
    found.models.append(Model(Orm.TYPEORM, name, name, primary, base))
    for prop_name, decorators in members:
        kinds = decorators.keys() & (TYPEORM_TO_MANY | TYPEORM_TO_ONE)
        relation = decorators[next(iter(kinds))] if kinds else None
        args = L.call_args(relation) if relation is not None and relation.kind() == "call_expression" else []
        target = arrow_target(args[0]) if args else None
        if relation is None or target is None:
            continue
        inverse = _inverse(args[1]) if len(args) > 1 else None
        kind = next(iter(kinds))
        if kind in TYPEORM_TO_MANY:
            found.relations.append(
                Relation(Orm.TYPEORM, name, prop_name, target, True, None, None, kind, inverse=inverse)
            )
            continue
        join = decorators.get("JoinColumn")
        if kind == "OneToOne" and join is None:
            continue  # the inverse side of a one-to-one holds no key
        join_args = L.call_args(join) if join is not None and join.kind() == "call_expression" else []
        join_opts = join_args[0] if join_args else None
        column = string_value(prop_value(join_opts, "name")) or f"{prop_name}Id"
        referenced = string_value(prop_value(join_opts, "referencedColumnName"))
        fk = columns.get(column, column)
        found.relations.append(
            Relation(Orm.TYPEORM, name, prop_name, target, False, fk, referenced, kind, inverse=inverse)
        )


def _inverse(node: SgNode) -> str | None:
    """`(order) => order.user` -> "user"."""
    node = L.unwrap(node)
    body = node.field("body") if node.kind() == "arrow_function" else None
    return L.member_name(L.unwrap(body)) if body is not None else string_value(node)


def _sequelize_decorators(found: _Collector, name: str, members: list[tuple[str, dict[str, SgNode]]]) -> None:
    """sequelize-typescript: `@HasMany(() => Order, "userId") orders`, `@ForeignKey(() => User)`."""
    for prop_name, decorators in members:
        fk_call = decorators.get("ForeignKey")
        fk_args = L.call_args(fk_call) if fk_call is not None and fk_call.kind() == "call_expression" else []
        fk_target = arrow_target(fk_args[0]) if fk_args else None
        if fk_target is not None:
            found.foreign_keys.append((name, prop_name, fk_target))
        for deco, kind in SEQUELIZE_DECORATORS.items():
            call = decorators.get(deco)
            args = L.call_args(call) if call is not None and call.kind() == "call_expression" else []
            target = arrow_target(args[0]) if args else None
            if target is None:
                continue
            options = args[1] if len(args) > 1 else None
            fk = string_value(options) or _foreign_key(options)
            found.relations.append(
                Relation(Orm.SEQUELIZE, name, prop_name, target, kind == "hasMany", fk, kind=kind, alias=True)
            )


# --- Sequelize: define, init, associations ------------------------------------------------------


def _foreign_key(options: SgNode | None) -> str | None:
    """`{ foreignKey: "userId" }` or `{ foreignKey: { name: "userId" } }`."""
    value = prop_value(options, "foreignKey")
    return string_value(value) or string_value(prop_value(value, "name"))


def _owner(node: SgNode) -> str | None:
    """A model reference in an association: `User`, `db.User`, `models.User`, or `this` inside a
    model class (`static associate(models) { this.hasMany(models.Order) }`)."""
    node = L.unwrap(node)
    if node.kind() == "this":
        return class_name(node)
    return model_ref(node)


def _sequelize(found: _Collector, root: SgNode) -> None:
    names = {m.name for m in found.models}
    for call in root.find_all(kind="call_expression"):
        method = L.callee_method(call)
        args = L.call_args(call)
        if method is None or not args:
            continue
        obj, op = method
        if op == "init" and L.unwrap(obj).kind() == "identifier" and L.unwrap(obj).text() in names:
            declared = string_value(prop_value(args[1], "modelName")) if len(args) > 1 else None
            if declared is not None:
                initialised = L.unwrap(obj).text()
                found.models[:] = [
                    Model(m.orm, m.name, declared, m.primary) if m.name == initialised else m
                    for m in found.models
                ]
        elif op == "define" and string_value(args[0]) is not None:
            decl = call.parent()
            target = decl.field("name") if decl is not None and decl.kind() == "variable_declarator" else None
            model_name = string_value(args[0]) or ""
            name = target.text() if target is not None and target.kind() == "identifier" else model_name
            found.models.append(Model(Orm.SEQUELIZE, name, model_name))
        elif op in SEQUELIZE_ASSOCIATIONS:
            owner, target_name = _owner(obj), model_ref(args[0])
            options = args[1] if len(args) > 1 else None
            if owner is None or target_name is None:
                continue
            alias = string_value(prop_value(options, "as"))
            key_opt = "sourceKey" if op == "hasMany" or op == "hasOne" else "targetKey"
            found.relations.append(
                Relation(
                    Orm.SEQUELIZE,
                    owner,
                    alias,
                    target_name,
                    SEQUELIZE_ASSOCIATIONS[op],
                    _foreign_key(options),
                    string_value(prop_value(options, key_opt)),
                    kind=op,
                    alias=alias is not None,
                )
            )


def _key(node: SgNode) -> str | None:
    key = node.field("key") if node.kind() == "pair" else None
    return key.text().strip("\"'") if key is not None else None


# --- Mongoose: schemas, models, virtuals -------------------------------------------------------------


def _mongoose(found: _Collector, root: SgNode) -> None:
    schemas: dict[str, SgNode] = {}  # schema variable -> its definition object
    for decl in root.find_all(kind="variable_declarator"):
        name, value = decl.field("name"), decl.field("value")
        value = L.unwrap(value) if value is not None else None
        if name is None or value is None or value.kind() != "new_expression":
            continue
        ctor = value.field("constructor")
        args = L.call_args(value)
        if ctor is not None and ctor.text().rsplit(".", 1)[-1] == "Schema" and args:
            schemas[name.text()] = L.unwrap(args[0])
    owners: dict[str, str] = {}  # schema variable -> model name
    for call in root.find_all(kind="call_expression"):
        callee = call.field("function")
        args = L.call_args(call)
        called = (L.member_name(callee) or callee.text()) if callee is not None else ""
        if called != "model" or len(args) < 2 or string_value(args[0]) is None:
            continue
        model_name = string_value(args[0]) or ""
        holder = L.outer(call).parent()
        target = (
            holder.field("name") if holder is not None and holder.kind() == "variable_declarator" else None
        )
        code_name = target.text() if target is not None and target.kind() == "identifier" else model_name
        found.models.append(Model(Orm.MONGOOSE, code_name, model_name, "_id"))
        used = L.unwrap(args[1])
        if used.kind() == "identifier":
            owners[used.text()] = model_name
        elif used.kind() == "new_expression" and L.call_args(used):
            _schema_paths(found, model_name, L.unwrap(L.call_args(used)[0]))
    for schema_name, definition in schemas.items():
        if schema_name in owners:
            _schema_paths(found, owners[schema_name], definition)
    for call in root.find_all(kind="call_expression"):
        method = L.callee_method(call)
        args = L.call_args(call)
        if method is None or method[1] != "virtual" or len(args) < 2:
            continue
        schema_name, path = L.unwrap(method[0]).text(), string_value(args[0])
        options = L.unwrap(args[1])
        ref = model_ref(prop_value(options, "ref"))
        if schema_name not in owners or path is None or ref is None:
            continue
        just_one = prop_value(options, "justOne")
        found.relations.append(
            Relation(
                Orm.MONGOOSE,
                owners[schema_name],
                path,
                ref,
                just_one is None or just_one.text() != "true",
                string_value(prop_value(options, "foreignField")),
                string_value(prop_value(options, "localField")),
                virtual=True,
            )
        )


def _schema_paths(found: _Collector, owner: str, definition: SgNode) -> None:
    for entry in props(definition):
        key = _key(entry)
        value = entry.field("value") if entry.kind() == "pair" else None
        if key is not None and value is not None:
            _schema_path(found, owner, key, value)


def _schema_path(found: _Collector, owner: str, path: str, value: SgNode) -> None:
    """`user: { type: ObjectId, ref: "User" }` (to-one) or `orders: [{ type: ObjectId, ref: "Order" }]`
    / `{ type: [{ ..., ref }] }` (an array of ids, to-many)."""
    value = L.unwrap(value)
    many = False
    if value.kind() == "object" and prop(value, "ref") is None:
        inner = prop_value(value, "type")
        if inner is not None and inner.kind() == "array":
            value = inner
    if value.kind() == "array":
        elements = L.named(value)
        if len(elements) != 1:
            return
        value, many = L.unwrap(elements[0]), True
    target = model_ref(prop_value(value, "ref")) if value.kind() == "object" else None
    if target is not None:
        found.relations.append(
            Relation(Orm.MONGOOSE, owner, path, target, many, None if many else path, "_id")
        )


# --- the project index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """How a parent query loads what a per-row query fetched: `owner.prop` after loading it."""

    relation: Relation
    prop: str
    target: Model | None


class Index:
    """Every file's facts, joined: models by name, relations by owner."""

    def __init__(self, facts: Mapping[str, ModelFacts]) -> None:
        self.models: dict[str, Model] = {}
        self.by_model_name: dict[tuple[Orm, str], Model] = {}
        relations: list[Relation] = []
        foreign_keys: list[tuple[str, str, str]] = []
        for path in sorted(facts):
            for model in facts[path].models:
                self.models.setdefault(model.name, model)
                self.by_model_name.setdefault((model.orm, model.model_name), model)
            relations.extend(facts[path].relations)
            foreign_keys.extend(facts[path].foreign_keys)
        self.relations = [self._complete(r, foreign_keys) for r in relations]

    def model(self, name: str | None, orm: Orm | None = None) -> Model | None:
        """A model by the name code uses for it (or, for Mongoose, its model name)."""
        if name is None:
            return None
        found = self.models.get(name)
        if found is not None and (orm is None or found.orm is orm):
            return found
        if orm is not None:
            return self.by_model_name.get((orm, name))
        return None

    def defines(self, orm: Orm) -> bool:
        """Whether the project defines any model of `orm` in its own files."""
        return any(m.orm is orm for m in self.models.values())

    def same(self, code_name: str | None, relation_name: str, orm: Orm) -> bool:
        """Whether a model the code names `code_name` is the one a relation calls `relation_name`."""
        if code_name is None:
            return False
        if code_name == relation_name:
            return True
        model = self.model(code_name, orm)
        other = self.model(relation_name, orm)
        return model is not None and (model == other or model.model_name == relation_name)

    def _complete(self, rel: Relation, foreign_keys: list[tuple[str, str, str]]) -> Relation:
        """Fill in Sequelize's defaults: `as` (the target's plural / singular model name) and the
        foreign key (`<ModelName>Id` of the model that is pointed at)."""
        if rel.orm is not Orm.SEQUELIZE:
            return rel
        owner = self.model(rel.owner, Orm.SEQUELIZE)
        target = self.model(rel.target, Orm.SEQUELIZE)
        target_name = target.model_name if target is not None else rel.target
        owner_name = owner.model_name if owner is not None else rel.owner
        prop_name = rel.prop or (plural(target_name) if rel.many else target_name)
        fk = rel.fk
        if fk is None:
            pointed = rel.target if rel.kind == "belongsTo" else rel.owner
            holder = rel.owner if rel.kind == "belongsTo" else rel.target
            declared = [a for c, a, t in foreign_keys if c == holder and t == pointed]
            pointed_name = target_name if rel.kind == "belongsTo" else owner_name
            fk = declared[0] if len(declared) == 1 else f"{pointed_name}Id"
        return Relation(
            rel.orm,
            rel.owner,
            prop_name,
            rel.target,
            rel.many,
            fk,
            rel.key,
            rel.kind,
            rel.alias,
            rel.inverse,
            rel.virtual,
        )

    def children(
        self,
        orm: Orm,
        parent: str | None,
        child: str | None,
        column: str,
        nested: str | None,
        field_name: str,
        many: bool,
    ) -> Load | None:
        """The relation of `parent` that loads the `child` rows whose `column` (`.nested`) equals
        the parent row's `field_name`: `orders` for `orderRepo.find({ where: { userId: user.id } })`."""
        if parent is None or child is None:
            return None
        for rel in self.relations:
            if rel.orm is not orm or not rel.on_target or rel.many != many or rel.prop is None:
                continue
            if not self.same(parent, rel.owner, orm) or not self.same(child, rel.target, orm):
                continue
            if self._points_back(rel, column, nested, field_name):
                return Load(rel, rel.prop, self.model(rel.target, orm))
        return None

    def _points_back(self, rel: Relation, column: str, nested: str | None, field_name: str) -> bool:
        owner = self.model(rel.owner, rel.orm)
        key = rel.key or (owner.primary if owner is not None else "id")
        if rel.orm is Orm.TYPEORM:
            back = next(
                (
                    r
                    for r in self.relations
                    if r.orm is Orm.TYPEORM
                    and not r.many
                    and r.prop == rel.inverse
                    and self.same(r.owner, rel.target, Orm.TYPEORM)
                ),
                None,
            )
            if back is None:
                return False
            key = back.key or key
            if nested is not None:
                return column == back.prop and nested == key and field_name == key
            return column == back.fk and field_name == key
        if rel.orm is Orm.MONGOOSE:
            same_id = field_name == key or {field_name, key} == {"id", "_id"}
            return rel.virtual and nested is None and column == rel.fk and same_id
        return nested is None and _same_attr(column, rel.fk) and field_name == key

    def parent_of(
        self, orm: Orm, parent: str | None, child: str | None, column: str, field_name: str
    ) -> Load | None:
        """The to-one relation of `parent` whose foreign key is the row's `field_name`, pointing at
        the `child`'s `column`: `user` for `userRepo.findOneBy({ id: order.userId })`."""
        if parent is None or child is None:
            return None
        target = self.model(child, orm)
        for rel in self.relations:
            if rel.orm is not orm or rel.on_target or rel.many or rel.prop is None:
                continue
            if not self.same(parent, rel.owner, orm) or not self.same(child, rel.target, orm):
                continue
            key = rel.key or (target.primary if target is not None else "id")
            if _same_attr(field_name, rel.fk) and (column == key or {column, key} == {"id", "_id"}):
                return Load(rel, rel.prop, target)
        return None

    def id_array(self, orm: Orm, parent: str | None, child: str | None, field_name: str) -> Load | None:
        """A Mongoose path that stores an array of the child's ids: `orders: [{ ref: "Order" }]`."""
        if parent is None or child is None:
            return None
        for rel in self.relations:
            stored = (
                rel.orm is orm and rel.many and not rel.virtual and rel.fk is None and rel.prop == field_name
            )
            if stored and self.same(parent, rel.owner, orm) and self.same(child, rel.target, orm):
                return Load(rel, field_name, self.model(rel.target, orm))
        return None


def _same_attr(a: str | None, b: str | None) -> bool:
    """`userId` and `UserId` (Sequelize's default) name the same attribute in what users write."""
    return a is not None and b is not None and a.replace("_", "").lower() == b.replace("_", "").lower()
