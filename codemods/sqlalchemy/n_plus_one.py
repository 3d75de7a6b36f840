"""sqlalchemy/n-plus-one: a loop over query results that loads or queries every row's relations.

`check` reads each function: loops whose rows come from a statement executed in the same
function (`session.scalars(select(User)...)`, `session.query(User)...`), what every turn
reads from its row (`user.orders`, `order.user.name`) and which statements it executes per row
(`session.scalars(select(Order).where(Order.user_id == user.id))`). `collect` reads the
declarative models (relationships, foreign keys); `resolve` decides which reads are lazy loads,
which per-row statements are a relationship in disguise, and which loader options fix both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import libcst as cst

from handrail.codemods._py_loops import (
    Function,
    Loop,
    Parsed,
    after_last_argument,
    import_edits,
    mentions,
    module_bindings,
    reads,
    writes,
)
from handrail.engine.context import FileContext
from handrail.engine.languages import PYTHON
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts
from handrail.engine.rule import Example, Rule

RULE_ID = "sqlalchemy/n-plus-one"

# Methods of a `select()` (or legacy Query) that keep its rows' entity.
STATEMENT_METHODS = frozenset(
    {
        "where",
        "filter",
        "filter_by",
        "order_by",
        "limit",
        "offset",
        "options",
        "join",
        "outerjoin",
        "join_from",
        "distinct",
        "execution_options",
        "with_for_update",
    }
)
CONDITION_METHODS = frozenset({"where", "filter", "filter_by"})
# Result methods that hand back the same ORM objects.
RESULT_METHODS = frozenset({"all", "unique", "scalars"})
# One object or None, like a many-to-one attribute; `.one()`/`.scalar_one()` raise instead.
ONE_METHODS = frozenset({"first", "one_or_none", "scalar_one_or_none", "scalar"})
EAGER = frozenset({"selectinload", "joinedload", "subqueryload", "immediateload"})
LOADERS = EAGER | {"defaultload", "lazyload", "noload", "raiseload"}
EAGER_LAZY = frozenset({"selectin", "joined", "subquery", "immediate"})
# Relationships whose attribute is not a plain lazy load.
NOT_LAZY = frozenset({"dynamic", "write_only", "noload", "raise", "raise_on_sql"})
SESSION_METHODS = frozenset({"scalars", "scalar", "execute", "query", "get"})
# Receivers whose `execute`/`scalar` is a database round trip even when the statement is not
# `select(Model)` (the names sessions and connections get).
SESSION_HINTS = ("session", "db", "conn", "cursor")
COLLECTION_WRITES = frozenset({"append", "remove", "extend", "clear", "pop", "add", "discard"})


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


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _callee(node: cst.BaseExpression) -> str | None:
    func = node.func if isinstance(node, cst.Call) else None
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _class_name(node: cst.BaseExpression | None) -> str | None:
    """`Order` for `Order`, `"Order"`, `"app.models.Order"`."""
    text = _string(node)
    if text is not None:
        return text.rsplit(".", 1)[-1] or None
    if isinstance(node, cst.Name):
        return node.value
    return None


def _mapped(annotation: cst.BaseExpression) -> tuple[str | None, bool | None]:
    """Target and collection-ness from `Mapped[list["Order"]]`, `Mapped["User"]`, `Mapped[User | None]`."""
    if not (isinstance(annotation, cst.Subscript) and _last(annotation.value) == "Mapped"):
        return None, None
    inner = _sole_index(annotation)
    if isinstance(inner, cst.Subscript):
        outer = _last(inner.value)
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


def _last(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _column(name: str, call: cst.Call) -> ColumnFact | None:
    if _callee(call) not in {"mapped_column", "Column"}:
        return None
    foreign_key = None
    for arg in call.args:
        if arg.keyword is None and isinstance(arg.value, cst.Call) and _callee(arg.value) == "ForeignKey":
            text = _string(arg.value.args[0].value) if arg.value.args else None
            if text is not None and "." in text:
                table, column = text.rsplit(".", 1)
                foreign_key = (table.rsplit(".", 1)[-1], column)
    primary = any(
        a.keyword is not None and a.keyword.value == "primary_key" and _last(a.value) == "True"
        for a in call.args
    )
    named = _string(call.args[0].value) if call.args and call.args[0].keyword is None else None
    return ColumnFact(named or name, foreign_key, primary)


def _relationship(
    name: str, call: cst.Call, annotation: cst.BaseExpression | None
) -> RelationshipFact | None:
    if _callee(call) != "relationship":
        return None
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    target, collection = _mapped(annotation) if annotation is not None else (None, None)
    if positional:
        target = _class_name(positional[0]) or target
    uselist = keywords.get("uselist")
    if uselist is not None and _last(uselist) in {"True", "False"}:
        collection = _last(uselist) == "True"
    if target is None:
        return None
    backref = keywords.get("backref")
    backref_name = _string(backref)
    if isinstance(backref, cst.Call) and backref.args:
        backref_name = _string(backref.args[0].value)
    return RelationshipFact(
        name,
        target,
        collection,
        _string(keywords.get("lazy")) or "select",
        _string(keywords.get("back_populates")),
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
                    table = _string(value)
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


# -- what check sees (picklable) --------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """`row.a.b...` (then calls), read once per row: `user.orders`, `order.user.name`."""

    attrs: tuple[str, ...]
    methods: tuple[str, ...]
    start: int
    end: int
    code: str
    depth: int
    children: tuple[Nest, ...]


@dataclass(frozen=True)
class Condition:
    column: str | None  # `user_id` in `Order.user_id == user.id` (the queried class's side)
    var: str | None  # the row variable on the other side, and its attribute
    attr: str | None
    code: str
    per_row: bool  # uses a row variable


@dataclass(frozen=True)
class Query:
    """A statement executed once per row."""

    model: str
    conditions: tuple[Condition, ...]
    plain: bool  # only conditions: no ordering, limits, joins or options
    shape: str  # "list" (.all()), "iter" (a ScalarResult looped over), "one" (one object or None), "other"
    start: int
    end: int
    code: str
    depth: int
    children: tuple[Nest, ...]


@dataclass(frozen=True)
class Nest:
    var: str
    loads: tuple[Load, ...]
    queries: tuple[Query, ...]
    writes: bool


@dataclass(frozen=True)
class Statement:
    """Where the root loop's rows come from, and the loader options it already has."""

    model: str
    label: str
    insert_at: int  # where `.options(...)` goes
    options_arg: tuple[int, str] | None  # where one more option goes into an existing .options()
    loaded: tuple[tuple[tuple[str, str, str], ...], ...]  # loader chains: (class, attribute, strategy)


@dataclass(frozen=True)
class Site:
    statement: Statement
    nest: Nest
    text: str
    bound: Mapping[str, str | None]


# -- check: statements ------------------------------------------------------------------


def _chain(expr: cst.BaseExpression) -> tuple[cst.BaseExpression, list[tuple[str, cst.Call]]]:
    """`select(User).where(a).order_by(b)` -> (`select(User)`, [where, order_by])."""
    calls: list[tuple[str, cst.Call]] = []
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        calls.insert(0, (expr.func.attr.value, expr))
        expr = expr.func.value
    return expr, calls


def _entity(call: cst.BaseExpression, name: str) -> str | None:
    """`User` for `select(User)` (name "select") or `session.query(User)` (name "query")."""
    if (
        isinstance(call, cst.Call)
        and _callee(call) == name
        and len(call.args) == 1
        and call.args[0].keyword is None
        and isinstance(call.args[0].value, cst.Name)
        and call.args[0].value.value[:1].isupper()
    ):
        return call.args[0].value.value
    return None


@dataclass
class Select:
    """A `select(Model)...` or `session.query(Model)...` chain, possibly across assignments."""

    model: str
    calls: list[tuple[str, cst.Call]]
    exprs: list[cst.BaseExpression]  # the expressions that built it, oldest first
    insert_after: cst.BaseExpression  # the node `.options(...)` is appended to


class Reader:
    """Statements and their executions in one function."""

    def __init__(self, parsed: Parsed, function: Function) -> None:
        self.parsed = parsed
        self.function = function

    def select(self, expr: cst.BaseExpression, at: cst.CSTNode) -> Select | None:
        """The `select(Model)` chain `expr` is (a name bound to it included)."""
        exprs = [expr]
        if isinstance(expr, cst.Name):
            bindings = self.function.definition(expr.value, at)
            if bindings is None:
                return None
            exprs = [b.value for b in bindings if b.value is not None]
        base, calls = _chain(exprs[0])
        for later in exprs[1:]:
            calls.extend(_chain(later)[1])
        model = _entity(base, "select")
        if model is None or any(name not in STATEMENT_METHODS for name, _ in calls):
            return None
        return Select(model, calls, exprs, exprs[-1])

    def execution(self, expr: cst.BaseExpression, at: cst.CSTNode) -> tuple[Select, list[str]] | None:
        """What `expr` executes, and the result methods applied after (`["scalars", "all"]`)."""
        after: list[str] = []
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and not expr.args:
            if expr.func.attr.value not in RESULT_METHODS | ONE_METHODS | {"one", "scalar_one"}:
                break
            after.insert(0, expr.func.attr.value)
            expr = expr.func.value
        if not isinstance(expr, cst.Call) or not isinstance(expr.func, cst.Attribute):
            return None
        method = expr.func.attr.value
        if method in {"scalars", "execute", "scalar"} and expr.args and expr.args[0].keyword is None:
            select = self.select(expr.args[0].value, at)
            if select is None:
                return None
            if method == "scalars":
                after.insert(0, "scalars")
            elif method == "scalar":
                after.insert(0, "scalar")
            return select, after
        # Legacy Query: `session.query(User).filter(...).all()`; results are ORM objects.
        base: cst.BaseExpression = expr
        calls: list[tuple[str, cst.Call]] = []
        while _entity(base, "query") is None:
            if not (isinstance(base, cst.Call) and isinstance(base.func, cst.Attribute)):
                return None
            calls.insert(0, (base.func.attr.value, base))
            base = base.func.value
        query_model = _entity(base, "query")
        if query_model is None or any(name not in STATEMENT_METHODS for name, _ in calls):
            return None
        return Select(query_model, calls, [expr], expr), ["scalars", *after]

    def conditions(self, select: Select, row_vars: tuple[str, ...]) -> tuple[list[Condition], bool]:
        """The statement's filter conditions, and whether it has nothing else (plain)."""
        found: list[Condition] = []
        plain = True
        for name, call in select.calls:
            if name not in CONDITION_METHODS:
                plain = False
                continue
            for arg in call.args:
                if arg.keyword is not None:  # filter_by(user_id=user.id)
                    ref = _row_ref(arg.value, row_vars)
                    code = f"{select.model}.{arg.keyword.value} == {self.parsed.code(arg.value)}"
                    found.append(
                        Condition(
                            arg.keyword.value,
                            ref[0] if ref else None,
                            ref[1] if ref else None,
                            code,
                            mentions([arg.value], row_vars),
                        )
                    )
                else:
                    found.extend(
                        self.condition(part, select.model, row_vars) for part in _conjuncts(arg.value)
                    )
        return found, plain

    def condition(self, node: cst.BaseExpression, model: str, row_vars: tuple[str, ...]) -> Condition:
        code = self.parsed.code(node)
        per_row = mentions([node], row_vars)
        if (
            isinstance(node, cst.Comparison)
            and len(node.comparisons) == 1
            and isinstance(node.comparisons[0].operator, cst.Equal)
        ):
            left, right = node.left, node.comparisons[0].comparator
            for mine, other in ((left, right), (right, left)):
                if (
                    isinstance(mine, cst.Attribute)
                    and isinstance(mine.value, cst.Name)
                    and mine.value.value == model
                ):
                    ref = _row_ref(other, row_vars)
                    if ref is not None:
                        return Condition(mine.attr.value, ref[0], ref[1], code, per_row)
        return Condition(None, None, None, code, per_row)

    def loaded(self, select: Select) -> tuple[tuple[tuple[str, str, str], ...], ...]:
        chains: list[tuple[tuple[str, str, str], ...]] = []
        for name, call in select.calls:
            if name == "options":
                for arg in call.args:
                    chains.extend(_loader_chains(arg.value, ()))
        return tuple(chains)


def _conjuncts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Call) and _callee(node) == "and_":
        return [part for arg in node.args for part in _conjuncts(arg.value)]
    return [node]


def _row_ref(value: cst.BaseExpression, row_vars: tuple[str, ...]) -> tuple[str, str | None] | None:
    if (
        isinstance(value, cst.Attribute)
        and isinstance(value.value, cst.Name)
        and value.value.value in row_vars
    ):
        return value.value.value, value.attr.value
    if isinstance(value, cst.Name) and value.value in row_vars:
        return value.value, None
    return None


def _loader_chains(
    node: cst.BaseExpression, prefix: tuple[tuple[str, str, str], ...]
) -> Iterator[tuple[tuple[str, str, str], ...]]:
    """`selectinload(User.orders).selectinload(Order.items)` -> ((User, orders, selectinload), ...)."""
    steps: list[tuple[str, str, str]] = []
    nested: list[cst.BaseExpression] = []
    base, calls = _chain(node)
    if isinstance(base, cst.Call):
        calls.insert(0, (_callee(base) or "", base))
    for name, call in calls:
        if name == "options":
            nested.extend(a.value for a in call.args)
            continue
        if name not in LOADERS or not call.args:
            return
        target = call.args[0].value
        if isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute):
            target = target.func.value  # `User.orders.and_(...)`
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
            return
        steps.append((target.value.value, target.attr.value, name))
    chain = (*prefix, *steps)
    if chain:
        yield chain
    for inner in nested:
        yield from _loader_chains(inner, chain)


# -- check: loops -----------------------------------------------------------------------


def _unwrap_list(expr: cst.BaseExpression) -> cst.BaseExpression:
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "list"
        and len(expr.args) == 1
        and expr.args[0].keyword is None
    ):
        return expr.args[0].value
    return expr


class Analyzer:
    def __init__(self, ctx: FileContext, module: cst.Module) -> None:
        self.ctx = ctx
        self.parsed = Parsed(module, ctx.lines)
        self.bound = module_bindings(module)

    def sites(self) -> Iterator[tuple[Site, int, int]]:
        for function in self.parsed.functions:
            reader = Reader(self.parsed, function)
            walked: set[Loop] = set()  # loops over rows, already part of an outer loop's nest
            for loop in function.loops:
                row_vars = [o.var for o in function.enclosing_loops(loop.node) if o in walked]
                statement = self.statement(reader, loop, row_vars)
                if statement is None:
                    continue
                rows = RowReader(self.parsed, reader, loop)
                nest = rows.nest(loop)
                walked.update(rows.walked)
                spans = list(_spans(nest))
                if spans:
                    site = Site(statement, nest, self.ctx.text, self.bound)
                    yield site, *min(spans)

    def statement(self, reader: Reader, loop: Loop, row_vars: list[str]) -> Statement | None:
        iterable = _unwrap_list(loop.iterable)
        label = self.parsed.code(iterable)
        if isinstance(iterable, cst.Name):
            bindings = reader.function.definition(iterable.value, loop.node)
            if bindings is None or len(bindings) != 1 or bindings[0].value is None:
                return None
            iterable = _unwrap_list(bindings[0].value)
        found = reader.execution(iterable, loop.node)
        if found is None:
            return None
        select, after = found
        if "scalars" not in after or any(m in ONE_METHODS for m in after):
            return None  # Row tuples, or one object: not rows of one entity
        if row_vars and mentions(select.exprs, row_vars):
            return None  # executed per row of an outer loop: that loop's finding covers it
        options_arg = None
        for name, call in select.calls:
            if name == "options":
                options_arg = after_last_argument(self.parsed, call)
        return Statement(
            select.model,
            label,
            self.parsed.span(select.insert_after)[1],
            options_arg,
            reader.loaded(select),
        )


class RowReader:
    """What each turn of a root loop (and of the loops nested in it) reads and executes."""

    def __init__(self, parsed: Parsed, reader: Reader, root: Loop) -> None:
        self.parsed = parsed
        self.reader = reader
        self.function = reader.function
        self.root = root
        self.walked: list[Loop] = []

    def nest(self, loop: Loop, outer: tuple[str, ...] = ()) -> Nest:
        self.walked.append(loop)
        row_vars = (*outer, loop.var)
        loads = []
        for read in reads(self.parsed, loop.var, loop.body):
            if not read.attrs:
                continue
            start, end = self.parsed.span(read.node)
            loads.append(
                Load(
                    read.attrs,
                    tuple(name for name, _ in read.calls),
                    start,
                    end,
                    self.parsed.code(read.node),
                    self.function.depth(read.node, self.root),
                    self.children(read.node, row_vars),
                )
            )
        queries = tuple(self.queries(loop, row_vars))
        return Nest(loop.var, tuple(loads), queries, writes(loop.body))

    def children(self, node: cst.BaseExpression, row_vars: tuple[str, ...]) -> tuple[Nest, ...]:
        return tuple(self.nest(loop, row_vars) for loop in self.function.loops_over(node))

    def queries(self, loop: Loop, row_vars: tuple[str, ...]) -> Iterator[Query]:
        """Statements executed in this loop's body that use a row (nested loops have their own)."""
        calls: list[cst.Call] = []

        class Visitor(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                # Session methods take the statement; `result.scalars()` (no arguments) does not.
                if (
                    node.args
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value in SESSION_METHODS
                ):
                    calls.append(node)

        for node in loop.body:
            node.visit(Visitor())
        seen: set[tuple[int, int]] = set()
        for call in calls:
            inner = self.function.enclosing_loops(call)
            if inner and inner[0] is loop:
                query = self.query(call, row_vars)
                if query is not None and (query.start, query.end) not in seen:
                    seen.add((query.start, query.end))
                    yield query

    def query(self, call: cst.Call, row_vars: tuple[str, ...]) -> Query | None:
        # The whole execution: climb through `.scalars()`, `.all()`, `.filter(...)` ...
        node: cst.BaseExpression = call
        while True:
            attribute = self.parsed.parent(node)
            outer = self.parsed.parent(attribute) if attribute is not None else None
            if not (
                isinstance(attribute, cst.Attribute)
                and attribute.value is node
                and isinstance(outer, cst.Call)
                and outer.func is attribute
            ):
                break
            node = outer
        wrapper = self.parsed.parent(self.parsed.parent(node) or node)
        if isinstance(wrapper, cst.Call) and _unwrap_list(wrapper) is node:
            node = wrapper  # list(session.scalars(...))
        get = self.get(call, node, row_vars)
        if get is not None:
            return get
        found = self.reader.execution(_unwrap_list(node), call)
        if found is None:
            return self.unknown(call, node, row_vars)
        select, after = found
        conditions, plain = self.reader.conditions(select, row_vars)
        if not any(c.per_row for c in conditions):
            return None
        if node is not _unwrap_list(node) or after[-1:] == ["all"]:
            shape = "list"
        elif after == ["scalars"] and any(loop.iterable is node for loop in self.function.loops):
            shape = "iter"
        elif after[-1] in ONE_METHODS:
            shape = "one"
        else:
            shape = "other"
        return self.made(select.model, conditions, plain, shape, node, row_vars)

    def unknown(self, call: cst.Call, node: cst.BaseExpression, row_vars: tuple[str, ...]) -> Query | None:
        """`session.scalar(select(func.count())...)`, `cursor.execute(sql, (user.id,))`: executed
        per row, but not rows of one entity. Only a suggestion can come of it."""
        assert isinstance(call.func, cst.Attribute)
        receiver = call.func.value
        name = receiver.attr.value if isinstance(receiver, cst.Attribute) else _last(receiver) or ""
        if (
            call.func.attr.value not in {"scalars", "scalar", "execute"}
            or not any(hint in name.lower() for hint in SESSION_HINTS)
            or not mentions([node], row_vars)
        ):
            return None
        return self.made("", [], False, "other", node, row_vars)

    def get(self, call: cst.Call, node: cst.BaseExpression, row_vars: tuple[str, ...]) -> Query | None:
        """`session.get(User, order.user_id)`: a many-to-one in disguise."""
        if not (
            isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "get"
            and node is call
            and len(call.args) == 2
            and isinstance(call.args[0].value, cst.Name)
            and call.args[0].value.value[:1].isupper()
        ):
            return None
        model = call.args[0].value.value
        key = call.args[1].value
        if not mentions([key], row_vars):
            return None
        ref = _row_ref(key, row_vars)
        condition = Condition(
            "",
            ref[0] if ref else None,
            ref[1] if ref else None,
            self.parsed.code(key),
            mentions([key], row_vars),
        )
        return self.made(model, [condition], True, "one", node, row_vars)

    def made(
        self,
        model: str,
        conditions: list[Condition],
        plain: bool,
        shape: str,
        node: cst.BaseExpression,
        row_vars: tuple[str, ...],
    ) -> Query:
        start, end = self.parsed.span(node)
        return Query(
            model,
            tuple(conditions),
            plain,
            shape,
            start,
            end,
            self.parsed.code(node),
            self.function.depth(node, self.root),
            self.children(node, row_vars),
        )


def _spans(nest: Nest) -> Iterator[tuple[int, int]]:
    items: list[Load | Query] = [*nest.loads, *nest.queries]
    for item in items:
        yield item.start, item.end
        for child in item.children:
            yield from _spans(child)


# -- resolve ----------------------------------------------------------------------------

DEPTH_NAMES = ("N", "M", "K", "L")

Path = tuple[tuple[str, str], ...]  # ((owner class, relationship), ...) from the root class


@dataclass
class Step:
    """One relationship the root statement should load, and how."""

    relation: Relation
    criteria: str  # `.and_(...)` arguments carried from a per-row statement, or ""


@dataclass
class Plan:
    needed: dict[Path, Step] = field(default_factory=dict)
    edits: list[Edit] = field(default_factory=list)
    per_row: list[Load | Query] = field(default_factory=list)  # each read that queries per row
    rewrites: list[Load | Query] = field(default_factory=list)  # those a loader option cannot serve
    unfixed: list[str] = field(default_factory=list)
    unsafe: bool = False


def _queries_before(items: Iterable[Load | Query]) -> str:
    """`1 + N + N*M`: the root query, then one per row at each loop depth."""
    depths = sorted({item.depth for item in items})
    return " + ".join(["1", *("*".join(DEPTH_NAMES[: min(d, len(DEPTH_NAMES))]) for d in depths)])


class Resolver:
    def __init__(self, index: ClassIndex, statement: Statement, rewrites: bool) -> None:
        self.index = index
        self.plan = Plan()
        # False: only lazy loads (loader options serve them); True: per-row statements too.
        self.rewrites = rewrites
        self.rows: dict[str, tuple[str, Path]] = {}
        self.eager: set[Path] = set()
        for chain in statement.loaded:
            path: Path = ()
            for owner, attr, strategy in chain:
                path = (*path, (owner, attr))
                if strategy in EAGER:
                    self.eager.add(path)

    def loaded(self, path: Path, relation: Relation) -> bool:
        return path in self.eager or relation.lazy in EAGER_LAZY

    def walk(self, nest: Nest, model: str, path: Path, came: Relation | None) -> None:
        self.rows[nest.var] = (model, path)
        before = len(self.plan.per_row)
        for load in nest.loads:
            self.load(load, model, path, came)
        for query in nest.queries:
            self.query(query)
        if nest.writes and len(self.plan.per_row) > before:
            self.plan.unsafe = True

    def load(self, load: Load, model: str, path: Path, came: Relation | None) -> None:
        for position, attr in enumerate(load.attrs):
            relation = self.index.relation(model, attr)
            if relation is None or relation.lazy in NOT_LAZY:
                return
            if position == 0 and came is not None and not relation.collection and came.opposite == attr:
                return  # `order.user` in `for order in user.orders`: found in the identity map
            path = (*path, (model, attr))
            model = relation.target
            last = position == len(load.attrs) - 1
            if relation.collection and not last:
                return  # `user.orders.count`? not an attribute of the rows
            if relation.collection and load.methods and load.methods[0] in COLLECTION_WRITES:
                return  # the loop changes the collection: a separate concern
            if not self.loaded(path, relation) and not self.need(path, Step(relation, ""), load):
                return
            came = relation
        for child in load.children:
            self.walk(child, model, path, came)

    def need(self, path: Path, step: Step, item: Load | Query) -> bool:
        known = self.plan.needed.get(path)
        if known is not None and known.criteria != step.criteria:
            self.unfixed(item, f"`{item.code}`: the relationship is also loaded with other criteria")
            return False
        self.plan.needed[path] = step
        self.plan.per_row.append(item)
        return True

    def unfixed(self, item: Load | Query, why: str) -> None:
        self.plan.per_row.append(item)
        self.plan.rewrites.append(item)
        self.plan.unfixed.append(why)

    def query(self, query: Query) -> None:
        """A per-row statement that is a relationship of a row -> that relationship, loaded."""
        if not self.rewrites:
            return
        match = self.match(query)
        if isinstance(match, str):
            self.unfixed(query, match)
            return
        var, relation, criteria = match
        model, parent_path = self.rows[var]
        path = (*parent_path, (model, relation.name))
        if self.loaded(path, relation):
            if criteria:
                self.unfixed(query, f"`{query.code}` has criteria the loaded relationship lacks")
                return
            self.plan.per_row.append(query)
        elif not self.need(path, Step(relation, criteria), query):
            return
        self.plan.rewrites.append(query)
        attribute = f"{var}.{relation.name}"
        self.plan.edits.append(
            Edit(query.start, query.end, f"list({attribute})" if query.shape == "list" else attribute)
        )
        self.plan.unsafe = True
        for child in query.children:
            self.walk(child, relation.target, path, relation)

    def match(self, query: Query) -> tuple[str, Relation, str] | str:
        """(row variable, relationship, extra criteria) when the query is a row's relationship."""
        per_row = [c for c in query.conditions if c.per_row]
        others = [c for c in query.conditions if not c.per_row]
        suggestion = self.suggestion(query, per_row)
        if len(per_row) != 1 or not query.plain or query.shape == "other":
            return suggestion
        condition = per_row[0]
        if condition.var not in self.rows or condition.attr is None:
            return suggestion
        model, _ = self.rows[condition.var]
        for relation in self.index.relations.get(model, {}).values():
            if relation.target != query.model or relation.join is None or relation.lazy in NOT_LAZY:
                continue
            child_column, parent_column = relation.join
            if relation.collection:
                # `Order.user_id == user.id`, any other conditions carried with `.and_()`
                if query.shape in {"list", "iter"} and (condition.column, condition.attr) == relation.join:
                    return condition.var, relation, ", ".join(c.code for c in others)
            elif (
                query.shape == "one"
                and not others
                and condition.attr == child_column
                and condition.column in {"", parent_column}  # session.get(User, order.user_id)
            ):
                return condition.var, relation, ""
        return suggestion

    def suggestion(self, query: Query, per_row: list[Condition]) -> str:
        if len(per_row) == 1 and per_row[0].column and per_row[0].var and per_row[0].attr:
            c = per_row[0]
            return (
                f"`{query.code}` runs per row: load all rows at once with "
                f"`{query.model}.{c.column}.in_(...)` over every `{c.var}.{c.attr}`, "
                f"then group them by `{c.column}`"
            )
        return f"`{query.code}` runs per row: load all rows at once with one `in_()` query and group them"


def _strategy(step: Step) -> str:
    return "selectinload" if step.relation.collection else "joinedload"


def _option(path: Path, plan: Plan, resolver: Resolver) -> tuple[str, set[str]]:
    """One loader chain for a leaf path, and the loader functions it uses."""
    parts: list[str] = []
    used: set[str] = set()
    for i in range(len(path)):
        prefix = path[: i + 1]
        owner, attr = prefix[-1]
        step = plan.needed.get(prefix)
        relation = resolver.index.relation(owner, attr)
        assert relation is not None
        if step is None:
            strategy = "defaultload"  # already loaded by an option or the relationship: keep it
            target = f"{owner}.{attr}"
        else:
            strategy = _strategy(step)
            target = f"{owner}.{attr}" + (f".and_({step.criteria})" if step.criteria else "")
        used.add(strategy)
        parts.append(f"{strategy}({target})" if not parts else f".{strategy}({target})")
    return "".join(parts), used


def _importable(name: str, site: Site, index: ClassIndex) -> tuple[str, str] | bool:
    if name in site.bound:
        return True
    home = index.paths.get(name)
    for other, source in site.bound.items():
        if source is not None and home is not None and index.paths.get(other) == home:
            return source, name
    return False


@dataclass(frozen=True)
class Part:
    """One finding's share of a site: the lazy loads, or the per-row statements.

    A site yields one finding of each kind, so that the safe part applies without
    --unsafe-fixes; their fixes overlap, and the engine's next pass sees what the first did."""

    site: Site
    rewrites: bool


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    items: list[Load | Query]  # the reads this finding reports
    options: list[str]
    fix: Fix | None


def plan_fix(part: Part, index: ClassIndex) -> Outcome | None:
    site, statement = part.site, part.site.statement
    if not index.known(statement.model):
        return None
    resolver = Resolver(index, statement, part.rewrites)
    resolver.walk(site.nest, statement.model, (), None)
    plan = resolver.plan
    items = plan.rewrites if part.rewrites else plan.per_row
    if not items:
        return None
    leaves = [p for p in plan.needed if not any(o[: len(p)] == p and o != p for o in plan.needed)]
    options: list[str] = []
    used: set[str] = set()
    classes: set[str] = set()
    for leaf in leaves:
        option, strategies = _option(leaf, plan, resolver)
        options.append(option)
        used |= strategies
        classes.update(owner for owner, _ in leaf)
    unfixed = Outcome(plan, items, options, None)
    if (part.rewrites and not plan.edits) or not (options or plan.edits):
        return unfixed
    imports = [("sqlalchemy.orm", s) for s in sorted(used) if s not in site.bound]
    for name in sorted(classes):
        how = _importable(name, site, index)
        if how is False:
            plan.unfixed.append(f"`{name}` is not imported here, for its loader option")
            return unfixed
        if isinstance(how, tuple):
            imports.append(how)
    extra = import_edits(site.text, imports)
    edits = [*plan.edits, *extra]
    text = ", ".join(options)
    if not options:
        description = "read the relationships the statement already loads"
    elif statement.options_arg is not None:
        at, separator = statement.options_arg
        edits.append(Edit(at, at, separator + text))
        description = f"load the relationships with .options({text})"
    else:
        edits.append(Edit(statement.insert_at, statement.insert_at, f".options({text})"))
        description = f"load the relationships with .options({text})"
    safety = Applicability.UNSAFE if plan.unsafe else Applicability.SAFE
    return replace(unfixed, fix=Fix(safety, tuple(edits), description))


def _queries_after(plan: Plan) -> int:
    """One statement for the rows, one more per selectinload level (joinedload joins)."""
    return 1 + sum(1 for step in plan.needed.values() if step.relation.collection)


def _queries(count: int) -> str:
    return "1 query" if count == 1 else f"{count} queries"


def message(part: Part, outcome: Outcome) -> str:
    site, plan = part.site, outcome.plan
    codes = list(dict.fromkeys(item.code for item in outcome.items))
    shown = ", ".join(f"`{c}`" for c in codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    text = (
        f"N+1 queries: {shown} {'runs' if len(codes) == 1 else 'run'} once per row of "
        f"`{site.statement.label}` ({_queries_before(outcome.items)} queries)"
    )
    # Options are the remedy for loads; for rewrites only when they come with the rewrite.
    if outcome.options and (outcome.fix is not None or not part.rewrites):
        text += f"; load them with the statement: .options({', '.join(outcome.options)})"
        if outcome.fix is not None:
            text += f" ({_queries(_queries_after(plan))})"
    if plan.unfixed:
        text += "; not fixed: " + "; ".join(plan.unfixed)
    return text


# -- the rule ---------------------------------------------------------------------------


class SqlalchemyNPlusOne(Rule):
    id = RULE_ID
    languages = PYTHON
    summary = "A loop over query results loads or queries every row's relationships (N+1 queries)"
    why = (
        "SQLAlchemy loads relationships lazily by default: reading `user.orders` inside "
        "`for user in users` emits one SELECT per user, and so does a hand-written "
        "`session.scalars(select(Order).where(Order.user_id == user.id))` in the loop. Nested "
        "loops multiply: users -> orders -> items is 1 + N + N*M round trips. The story behind "
        'handrail: "With 500 users, this endpoint made 501 database queries and took 8 seconds. '
        'Fix: include with nested relations — one query, 120ms."\n\n'
        "Loader options on the statement that fetches the rows load the relationships for all "
        "rows at once: `selectinload(User.orders)` adds one `WHERE user_id IN (...)` query per "
        "level, `joinedload(Order.user)` joins a many-to-one into the same query."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe when the fix only adds loader options (`selectinload` for collections, `joinedload` "
        "for many-to-one, `defaultload` to reach through a relationship that is already eager) "
        "to the statement the loop walks, built in the same function: the rows and every "
        "relationship's contents stay the same, only the number of queries changes "
        "(`joinedload` is a LEFT OUTER JOIN, so no row is lost).\n\n"
        "Unsafe (needs --unsafe-fixes) when a per-row statement is replaced by the relationship "
        "it reimplements: `session.scalars(select(Order).where(Order.user_id == user.id)).all()` "
        "becomes `list(user.orders)`, `session.get(User, order.user_id)` becomes `order.user`. "
        "The rows are the same, but read when the parent rows are loaded instead of in the loop, "
        "and the collection is cached on the object for the rest of the session. Extra "
        "row-independent conditions are carried over with `selectinload(User.orders.and_(...))`, "
        "which also changes what `user.orders` holds for the rest of the session. Also unsafe "
        "when the loop writes (`session.add`, `flush`, `commit`, ...).\n\n"
        "No fix, only the finding (its message suggests one `in_()` query, grouped in memory), when "
        "the per-row statement orders, limits, joins or has options, when it is not one "
        "relationship of a row, when it returns Row tuples, or when a class the options name is "
        "not importable."
    )
    example = Example(
        before=(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import Session\n"
            "\n"
            "from app.models import User\n"
            "\n"
            "\n"
            "def orders_report(session: Session) -> list[dict]:\n"
            "    users = session.scalars(select(User).order_by(User.id)).all()\n"
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders:\n"
            '            items = [{"product": i.product.name, "quantity": i.quantity} for i in order.items]\n'
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"email": user.email, "orders": orders})\n'
            "    return report\n"
        ),
        after=(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import joinedload, selectinload, Session\n"
            "\n"
            "from app.models import Order, OrderItem, User\n"
            "\n"
            "\n"
            "def orders_report(session: Session) -> list[dict]:\n"
            "    users = session.scalars(select(User).order_by(User.id).options("
            "selectinload(User.orders).selectinload(Order.items).joinedload(OrderItem.product))).all()\n"
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders:\n"
            '            items = [{"product": i.product.name, "quantity": i.quantity} for i in order.items]\n'
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"email": user.email, "orders": orders})\n'
            "    return report\n"
        ),
        path="app/example.py",
        files={
            "app/models.py": (
                "from sqlalchemy import ForeignKey, String\n"
                "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                "\n"
                "\n"
                "class Base(DeclarativeBase):\n"
                "    pass\n"
                "\n"
                "\n"
                "class User(Base):\n"
                '    __tablename__ = "users"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    email: Mapped[str] = mapped_column(String(255))\n"
                '    orders: Mapped[list["Order"]] = relationship(back_populates="user")\n'
                "\n"
                "\n"
                "class Product(Base):\n"
                '    __tablename__ = "products"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    name: Mapped[str] = mapped_column(String(255))\n"
                "\n"
                "\n"
                "class Order(Base):\n"
                '    __tablename__ = "orders"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))\n'
                '    user: Mapped[User] = relationship(back_populates="orders")\n'
                '    items: Mapped[list["OrderItem"]] = relationship(back_populates="order")\n'
                "\n"
                "\n"
                "class OrderItem(Base):\n"
                '    __tablename__ = "order_items"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                '    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))\n'
                '    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))\n'
                "    quantity: Mapped[int]\n"
                '    order: Mapped[Order] = relationship(back_populates="items")\n'
                "    product: Mapped[Product] = relationship()\n"
            ),
        },
    )
    notes = (
        "Relationships come from the project's declarative classes (any file): "
        "`relationship(...)` with its target from the first argument or the `Mapped[...]` "
        "annotation, `back_populates`/`backref`, `lazy=`, `secondary=`, and the foreign keys of "
        '`mapped_column`/`Column`. A relationship configured `lazy="selectin"` (or joined, '
        "subquery, immediate) is already eager and never reported; `dynamic`/`write_only` ones "
        "are queries by design and are left alone.\n\n"
        "A loop can get two findings: one for the lazy loads (loader options alone: a safe "
        "fix), one for the per-row statements (an unsafe fix, or a suggestion), so that "
        "`handrail fix` applies the safe part on its own.\n\n"
        "Only loops in one function are followed, over `session.scalars(...)`, "
        "`session.execute(...).scalars()` and legacy `session.query(Model)` results; rows handed "
        "to a helper are not followed. `order.user` inside `for order in user.orders` is not "
        "reported (the identity map already holds that user). Building a statement in a loop "
        "(`stmt = stmt.where(...)`) executes nothing and is not reported.\n\n"
        "The options are inserted on the statement's line and new imports go where libcst's "
        "AddImportsVisitor puts them: run your formatter and import sorter afterwards."
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        module = ctx.cst
        if (
            module is None
            or "for " not in ctx.text
            or ("select(" not in ctx.text and ".query(" not in ctx.text)
        ):
            return
        for site, start, end in Analyzer(ctx, module).sites():
            for rewrites in (False, True):
                yield ctx.finding(self, start, end, "N+1 queries", data=Part(site, rewrites))

    def collect(self, ctx: FileContext) -> tuple[ClassFact, ...] | None:
        module = ctx.cst
        if module is None or ("relationship(" not in ctx.text and "__tablename__" not in ctx.text):
            return None
        return collect_classes(module) or None

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        part = finding.data
        if not isinstance(part, Part):
            return finding
        index = project.memo(f"{RULE_ID}:classes", lambda: build_index(project.facts(RULE_ID)))
        outcome = plan_fix(part, index)
        if outcome is None:
            return None
        first = min(outcome.items, key=lambda item: (item.start, item.end))
        text = message(part, outcome)
        return replace(finding, start=first.start, end=first.end, message=text, fix=outcome.fix)
