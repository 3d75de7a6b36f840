"""Where sqlalchemy/n-plus-one's loops get their rows (statements executed in the same
function) and what every turn loads or executes per row: the picklable sites `check` reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

import libcst as cst

from handrail.codemods._py_loops import (
    Function,
    Loop,
    Parsed,
    after_last_argument,
    callee,
    calls_on,
    last_name,
    mentions,
    module_bindings,
    reads,
    row_ref,
    unwrap_list,
    writes,
)
from handrail.codemods._py_n_plus_one import (
    LoopNest,
    loop_nests,
    spans,
)
from handrail.engine.context import FileContext

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
SESSION_METHODS = frozenset({"scalars", "scalar", "execute", "query", "get"})
# Receivers whose `execute`/`scalar` is a database round trip even when the statement is not
# `select(Model)` (the names sessions and connections get).
SESSION_HINTS = ("session", "db", "conn", "cursor")


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


Nest: TypeAlias = LoopNest[Load, Query]


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
        and callee(call) == name
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
                    ref = row_ref(arg.value, row_vars)
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
                    ref = row_ref(other, row_vars)
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
    if isinstance(node, cst.Call) and callee(node) == "and_":
        return [part for arg in node.args for part in _conjuncts(arg.value)]
    return [node]


def _loader_chains(
    node: cst.BaseExpression, prefix: tuple[tuple[str, str, str], ...]
) -> Iterator[tuple[tuple[str, str, str], ...]]:
    """`selectinload(User.orders).selectinload(Order.items)` -> ((User, orders, selectinload), ...)."""
    steps: list[tuple[str, str, str]] = []
    nested: list[cst.BaseExpression] = []
    base, calls = _chain(node)
    if isinstance(base, cst.Call):
        calls.insert(0, (callee(base) or "", base))
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


class Analyzer:
    def __init__(self, ctx: FileContext, module: cst.Module) -> None:
        self.ctx = ctx
        self.parsed = Parsed(module, ctx.python_lines)
        self.bound = module_bindings(module)

    def sites(self) -> Iterator[tuple[Site, int, int]]:
        for statement, nest in loop_nests(self.parsed, self.statement, self.read):
            where = list(spans(nest))
            if where:
                yield Site(statement, nest, self.bound), *min(where)

    def read(self, function: Function, loop: Loop) -> tuple[Nest, list[Loop]]:
        rows = RowReader(self.parsed, Reader(self.parsed, function), loop)
        return rows.nest(loop), rows.walked

    def statement(self, function: Function, loop: Loop, row_vars: list[str]) -> Statement | None:
        reader = Reader(self.parsed, function)
        iterable = unwrap_list(loop.iterable)
        label = self.parsed.code(iterable)
        if isinstance(iterable, cst.Name):
            bindings = reader.function.definition(iterable.value, loop.node)
            if bindings is None or len(bindings) != 1 or bindings[0].value is None:
                return None
            iterable = unwrap_list(bindings[0].value)
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
        node, _ = calls_on(self.parsed, call)
        wrapper = self.parsed.parent(self.parsed.parent(node) or node)
        if isinstance(wrapper, cst.Call) and unwrap_list(wrapper) is node:
            node = wrapper  # list(session.scalars(...))
        get = self.get(call, node, row_vars)
        if get is not None:
            return get
        found = self.reader.execution(unwrap_list(node), call)
        if found is None:
            return self.unknown(call, node, row_vars)
        select, after = found
        conditions, plain = self.reader.conditions(select, row_vars)
        if not any(c.per_row for c in conditions):
            return None
        if node is not unwrap_list(node) or after[-1:] == ["all"]:
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
        name = receiver.attr.value if isinstance(receiver, cst.Attribute) else last_name(receiver) or ""
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
        ref = row_ref(key, row_vars)
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
