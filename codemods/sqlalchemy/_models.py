"""Declarative SQLAlchemy classes as sqlalchemy/n-plus-one sees them: columns and
relationships read from each file (`collect`), then indexed across the project with the
foreign-key joins and back-references that relate them (`resolve`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from handrail.codemods._py_loops import callee, last_name, string_value

# -- models (collect) -------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnFact:
    name: str
    foreign_key: tuple[str, str] | None  # ("users", "id")
    primary_key: bool


@dataclass(frozen=True)
class RelationshipFact:
    name: str
    target: str
    collection: bool | None  # None: decided from the foreign keys
    lazy: str
    back_populates: str | None
    backref: str | None
    secondary: bool
    custom_join: bool  # primaryjoin= / foreign_keys=: the join is not the plain foreign key


@dataclass(frozen=True)
class ClassFact:
    name: str
    table: str | None
    columns: tuple[ColumnFact, ...]
    relationships: tuple[RelationshipFact, ...]


def _class_name(node: cst.BaseExpression | None) -> str | None:
    """`Order` for `Order`, `"Order"`, `"app.models.Order"`."""
    text = string_value(node)
    if text is not None:
        return text.rsplit(".", 1)[-1] or None
    if isinstance(node, cst.Name):
        return node.value
    return None


def _mapped(annotation: cst.BaseExpression) -> tuple[str | None, bool | None]:
    """Target and collection-ness from `Mapped[list["Order"]]`, `Mapped["User"]`, `Mapped[User | None]`."""
    if not (isinstance(annotation, cst.Subscript) and last_name(annotation.value) == "Mapped"):
        return None, None
    inner = _sole_index(annotation)
    if isinstance(inner, cst.Subscript):
        outer = last_name(inner.value)
        item = _sole_index(inner)
        if outer in {"list", "List", "set", "Set"}:
            return _class_name(item), True
        if outer == "Optional":
            return _class_name(item), False
        return None, None
    if isinstance(inner, cst.BinaryOperation):  # User | None
        return _class_name(inner.left), False
    return _class_name(inner), False


def _sole_index(node: cst.Subscript) -> cst.BaseExpression | None:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return node.slice[0].slice.value
    return None


def _column(name: str, call: cst.Call) -> ColumnFact | None:
    if callee(call) not in {"mapped_column", "Column"}:
        return None
    foreign_key = None
    for arg in call.args:
        if arg.keyword is None and isinstance(arg.value, cst.Call) and callee(arg.value) == "ForeignKey":
            text = string_value(arg.value.args[0].value) if arg.value.args else None
            if text is not None and "." in text:
                table, column = text.rsplit(".", 1)
                foreign_key = (table.rsplit(".", 1)[-1], column)
    primary = any(
        a.keyword is not None and a.keyword.value == "primary_key" and last_name(a.value) == "True"
        for a in call.args
    )
    named = string_value(call.args[0].value) if call.args and call.args[0].keyword is None else None
    return ColumnFact(named or name, foreign_key, primary)


def _relationship(
    name: str, call: cst.Call, annotation: cst.BaseExpression | None
) -> RelationshipFact | None:
    if callee(call) != "relationship":
        return None
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    target, collection = _mapped(annotation) if annotation is not None else (None, None)
    if positional:
        target = _class_name(positional[0]) or target
    uselist = keywords.get("uselist")
    if uselist is not None and last_name(uselist) in {"True", "False"}:
        collection = last_name(uselist) == "True"
    if target is None:
        return None
    backref = keywords.get("backref")
    backref_name = string_value(backref)
    if isinstance(backref, cst.Call) and backref.args:
        backref_name = string_value(backref.args[0].value)
    return RelationshipFact(
        name,
        target,
        collection,
        string_value(keywords.get("lazy")) or "select",
        string_value(keywords.get("back_populates")),
        backref_name,
        "secondary" in keywords,
        "primaryjoin" in keywords or "foreign_keys" in keywords,
    )


def collect_classes(module: cst.Module) -> tuple[ClassFact, ...]:
    found: list[ClassFact] = []
    for stmt in module.body:
        if not isinstance(stmt, cst.ClassDef):
            continue
        table: str | None = None
        columns: list[ColumnFact] = []
        relationships: list[RelationshipFact] = []
        for line in stmt.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for small in line.body:
                target: cst.BaseExpression | None = None
                value: cst.BaseExpression | None = None
                annotation: cst.BaseExpression | None = None
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign):
                    target, value, annotation = small.target, small.value, small.annotation.annotation
                if not isinstance(target, cst.Name):
                    continue
                if target.value == "__tablename__":
                    table = string_value(value)
                elif isinstance(value, cst.Call):
                    column = _column(target.value, value)
                    if column is not None:
                        columns.append(column)
                    relationship = _relationship(target.value, value, annotation)
                    if relationship is not None:
                        relationships.append(relationship)
        if table is not None or relationships:
            found.append(ClassFact(stmt.name.value, table, tuple(columns), tuple(relationships)))
    return tuple(found)


# -- the model index (resolve) ----------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    owner: str
    name: str
    target: str
    collection: bool
    lazy: str
    # The plain foreign-key join, when there is one: (child column, parent column); the
    # child is the target for a collection and the owner for a many-to-one.
    join: tuple[str, str] | None
    opposite: str | None  # the relation on the target that leads back here


@dataclass
class ClassIndex:
    classes: dict[str, ClassFact] = field(default_factory=dict)
    relations: dict[str, dict[str, Relation]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def relation(self, owner: str, name: str) -> Relation | None:
        return self.relations.get(owner, {}).get(name)

    def known(self, name: str) -> bool:
        return name in self.classes


def _fks(child: ClassFact, parent: ClassFact) -> list[ColumnFact]:
    return [c for c in child.columns if c.foreign_key is not None and c.foreign_key[0] == parent.table]


def build_index(facts: Mapping[str, tuple[ClassFact, ...]]) -> ClassIndex:
    index = ClassIndex()
    duplicated: set[str] = set()
    for path, found in facts.items():
        for fact in found:
            if fact.name in index.classes:
                duplicated.add(fact.name)
            index.classes[fact.name] = fact
            index.paths[fact.name] = path
    for name in duplicated:
        del index.classes[name]
    classes = index.classes

    def add(owner: ClassFact, fact: RelationshipFact, opposite: str | None) -> None:
        target = classes.get(fact.target)
        if target is None:
            return
        towards = _fks(owner, target)  # many-to-one: the owner holds the key
        back = _fks(target, owner)  # one-to-many: the target does
        collection = fact.collection
        if collection is None:
            collection = fact.secondary or (bool(back) and not towards)
        join = None
        if not fact.secondary and not fact.custom_join:
            keys = back if collection else towards
            if len(keys) == 1 and keys[0].foreign_key is not None:
                join = (keys[0].name, keys[0].foreign_key[1])
        index.relations.setdefault(owner.name, {})[fact.name] = Relation(
            owner.name, fact.name, target.name, collection, fact.lazy, join, opposite
        )

    for owner in classes.values():
        for rel in owner.relationships:
            add(owner, rel, rel.back_populates or rel.backref)
            if rel.backref and rel.target in classes:
                reverse = RelationshipFact(
                    rel.backref,
                    owner.name,
                    None,
                    "select",
                    rel.name,
                    None,
                    rel.secondary,
                    rel.custom_join,
                )
                add(classes[rel.target], reverse, rel.name)
    return index
