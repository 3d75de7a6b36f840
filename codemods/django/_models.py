"""Django models as django/n-plus-one sees them: relation fields read from each file
(`collect`), then indexed across the project with reverse names and inheritance (`resolve`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import libcst as cst

from handrail.codemods._py_loops import last_name, string_value

FIELD_KINDS = {"ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m"}


# -- models (collect) -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldFact:
    name: str
    kind: str  # "fk", "o2o", "m2m"
    target: str  # model class name ("self" resolved), or "" when unknown
    related_name: str | None


@dataclass(frozen=True)
class ModelFact:
    name: str
    bases: tuple[str, ...]
    fields: tuple[FieldFact, ...]
    abstract: bool


def _field(name: str, call: cst.Call, owner: str) -> FieldFact | None:
    kind = FIELD_KINDS.get(last_name(call.func) or "")
    if kind is None:
        return None
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    to = keywords.get("to", positional[0] if positional else None)
    target = ""
    if to is not None:
        text = string_value(to)
        if text is not None:
            target = owner if text == "self" else text.rsplit(".", 1)[-1]
        elif isinstance(to, cst.Attribute) and to.attr.value == "AUTH_USER_MODEL":
            target = "User"  # settings.AUTH_USER_MODEL: the project's User model, if it has one
        else:
            target = last_name(to) or ""
    related = keywords.get("related_name")
    return FieldFact(name, kind, target, string_value(related) if related is not None else None)


def _model(node: cst.ClassDef) -> ModelFact:
    fields: list[FieldFact] = []
    abstract = False
    for stmt in node.body.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Meta":
            abstract = "abstract = True" in cst.Module(body=[stmt]).code
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            target: cst.BaseExpression | None = None
            value: cst.BaseExpression | None = None
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target, value = small.targets[0].target, small.value
            elif isinstance(small, cst.AnnAssign):
                target, value = small.target, small.value
            if isinstance(target, cst.Name) and isinstance(value, cst.Call):
                fact = _field(target.value, value, node.name.value)
                if fact is not None:
                    fields.append(fact)
    bases = tuple(name for b in node.bases if (name := last_name(b.value)) is not None)
    return ModelFact(node.name.value, bases, tuple(fields), abstract)


def collect_models(module: cst.Module) -> tuple[ModelFact, ...]:
    """Every top-level class with a base: which ones are models is known once all files are."""
    return tuple(_model(stmt) for stmt in module.body if isinstance(stmt, cst.ClassDef) and stmt.bases)


# -- the model index (resolve) ----------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    name: str
    target: str
    to_one: bool
    # The relation on the target that leads back here (`Order.user` <-> `User.orders`).
    opposite: tuple[str, str] | None


@dataclass
class ModelIndex:
    relations: dict[str, dict[str, Relation]] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)  # model -> the file defining it

    def relation(self, model: str, name: str) -> Relation | None:
        return self.relations.get(model, {}).get(name)

    def known(self, model: str) -> bool:
        return model in self.relations


def build_index(facts: Mapping[str, tuple[ModelFact, ...]]) -> ModelIndex:
    found = [(path, fact) for path, facts_of_file in facts.items() for fact in facts_of_file]
    bases = {fact.name: fact for _, fact in found}  # to follow inheritance by name

    def is_model(fact: ModelFact, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            b == "Model" or (b in bases and b not in seen and is_model(bases[b], seen | {fact.name}))
            for b in fact.bases
        )

    models: dict[str, ModelFact] = {}
    paths: dict[str, str] = {}
    duplicated: set[str] = set()
    for path, fact in found:
        if is_model(fact):
            if fact.name in models:
                duplicated.add(fact.name)  # two apps, one class name: which one is meant is unknown
            models[fact.name] = fact
            paths[fact.name] = path
    for name in duplicated:
        del models[name]
    index = ModelIndex(paths=paths)

    def fields_of(model: ModelFact, seen: frozenset[str] = frozenset()) -> list[FieldFact]:
        inherited = [
            f
            for b in model.bases
            if b in models and models[b].abstract and b not in seen
            for f in fields_of(models[b], seen | {model.name})
        ]
        return inherited + list(model.fields)

    for model in models.values():
        index.relations.setdefault(model.name, {})
    for model in models.values():
        if model.abstract:
            continue
        for f in fields_of(model):
            if not f.target or f.target in duplicated:
                continue
            # A target outside the project (`settings.AUTH_USER_MODEL` -> django's User) is
            # known only by the reverse relations the project's models give it.
            index.relations.setdefault(f.target, {})
            reverse = f.related_name
            if reverse is None:
                reverse = model.name.lower() + ("" if f.kind == "o2o" else "_set")
            reverse = reverse.replace("%(class)s", model.name.lower())
            # `%(app_label)s` needs the app's label, which the source does not say.
            hidden = reverse.endswith("+") or "%(" in reverse
            index.relations[model.name][f.name] = Relation(
                f.name, f.target, f.kind != "m2m", None if hidden else (f.target, reverse)
            )
            if not hidden:
                index.relations[f.target].setdefault(
                    reverse, Relation(reverse, model.name, f.kind == "o2o", (model.name, f.name))
                )
    return index
