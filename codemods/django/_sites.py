"""Where django/n-plus-one's loops get their rows (querysets built in the same function) and
what every turn reads or queries from its row: the picklable sites `check` reports.
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
    Read,
    after_last_argument,
    builds_query,
    calls_on,
    last_name,
    mentions,
    module_bindings,
    reads,
    row_ref,
    string_value,
    unwrap_list,
    writes,
)
from handrail.codemods._py_n_plus_one import (
    LoopNest,
    loop_nests,
    spans,
)
from handrail.engine.context import FileContext

# QuerySet methods that return a QuerySet of the same rows (the fix can be appended after them).
QS_METHODS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "order_by",
        "distinct",
        "select_related",
        "prefetch_related",
        "annotate",
        "alias",
        "only",
        "defer",
        "using",
        "reverse",
        "extra",
        "select_for_update",
    }
)
# Calls that narrow or order a related manager: a new query, unless prefetched with Prefetch().
NARROWING = frozenset({"filter", "exclude", "order_by"})
WRITES = frozenset(
    {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
INSTANCE_METHODS = frozenset({"get", "first", "last", "earliest", "latest"})


# -- what check sees (picklable) --------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """`row.a.b...` then calls, read once per row: `user.orders.all()`, `order.user.name`."""

    attrs: tuple[str, ...]
    methods: tuple[str, ...]
    start: int
    end: int
    code: str
    tail_start: int  # where the calls after the relation's attributes begin
    tail_code: str  # `.filter(status="paid")`
    row_free: bool  # the calls' arguments use no row variable
    building: bool  # only combined into another query, never evaluated per row
    depth: int  # loops around it, counting the root loop
    children: tuple[Nest, ...]  # loops over what it returns


@dataclass(frozen=True)
class Query:
    """A per-row `Model.objects.filter(fk=row)...` (a queryset whose filter reads a row)."""

    model: str
    keys: tuple[tuple[str, str, str | None], ...]  # (lookup, row variable, its attribute)
    rest: str  # the rest of the chain, row-free: `.filter(status="paid").order_by("id")`
    plain: bool  # the chain is filters/orderings only (its value is a queryset of rows)
    start: int
    end: int
    code: str
    depth: int
    children: tuple[Nest, ...]


Nest: TypeAlias = LoopNest[Access, Query]


@dataclass(frozen=True)
class Queryset:
    """Where the root loop's rows come from, and what the chain already loads."""

    model: str  # `User` in `User.objects...`, or the model of the instance below
    through: tuple[str, ...]  # `("orders",)` for `user.orders.all()` on one instance
    label: str  # how the rows are named in messages: `users`
    insert_at: int  # after the chain's last QuerySet call
    prefetched: tuple[str, ...]
    selected: tuple[str, ...] | None  # None: `select_related()` follows every foreign key
    prefetch_arg: tuple[int, str] | None  # where one more lookup goes into prefetch_related()
    select_arg: tuple[int, str] | None
    iterator: bool  # `.iterator()` without chunk_size: prefetch_related() would raise


@dataclass(frozen=True)
class Site:
    queryset: Queryset
    nest: Nest
    bound: Mapping[str, str | None]  # module-level names -> the module they come from


# -- check: reading a function ----------------------------------------------------------


def _chain(expr: cst.BaseExpression) -> tuple[cst.BaseExpression, list[tuple[str, cst.Call]]]:
    """`User.objects.filter(a).order_by(b)[:5]` -> (`User.objects`, [filter, order_by])."""
    calls: list[tuple[str, cst.Call]] = []
    while True:
        if isinstance(expr, cst.Subscript):
            expr = expr.value
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            calls.insert(0, (expr.func.attr.value, expr))
            expr = expr.func.value
        else:
            return expr, calls


def _manager_model(base: cst.BaseExpression) -> str | None:
    """`User` for `User.objects`."""
    if (
        isinstance(base, cst.Attribute)
        and base.attr.value == "objects"
        and isinstance(base.value, cst.Name)
        and base.value.value[:1].isupper()
    ):
        return base.value.value
    return None


class Analyzer:
    def __init__(self, ctx: FileContext, module: cst.Module) -> None:
        self.ctx = ctx
        self.parsed = Parsed(module, ctx.python_lines)
        self.bound = module_bindings(module)

    def sites(self) -> Iterator[tuple[Site, int, int]]:
        for queryset, nest in loop_nests(self.parsed, self.queryset, self.read):
            where = list(spans(nest))
            if where:  # where the finding goes until resolve knows which reads query
                yield Site(queryset, nest, self.bound), *min(where)

    def read(self, function: Function, loop: Loop) -> tuple[Nest, list[Loop]]:
        reader = RowReader(self.parsed, self.ctx.text, function, loop)
        return reader.nest(loop), reader.walked

    # -- where rows come from

    def queryset(self, function: Function, loop: Loop, row_vars: list[str]) -> Queryset | None:
        iterable = unwrap_list(loop.iterable)
        exprs: list[cst.BaseExpression]
        if isinstance(iterable, cst.Name):
            chain = function.definition(iterable.value, loop.node)
            if chain is None:
                return None
            exprs = [unwrap_list(b.value) for b in chain if b.value is not None]
            label = iterable.value
        else:
            exprs = [iterable]
            label = self.parsed.code(iterable)
        base, calls = _chain(exprs[0])
        for expr in exprs[1:]:
            calls.extend(_chain(expr)[1])
        if row_vars and mentions(exprs, row_vars):
            return None  # a per-row query: the outer loop's finding covers it
        model = _manager_model(base)
        through: tuple[str, ...] = ()
        if model is None:
            found = self.instance_relation(function, base, loop.node)
            if found is None:
                return None
            model, through = found
        methods = [name for name, _ in calls]
        if any(m not in QS_METHODS and m != "iterator" for m in methods) or "iterator" in methods[:-1]:
            return None  # values(), values_list(), a single object, or something unknown
        last = next((call for name, call in reversed(calls) if name in QS_METHODS), None)
        if last is None:
            return None
        iterator = bool(methods) and methods[-1] == "iterator" and not calls[-1][1].args
        prefetched: list[str] = []
        selected: list[str] | None = []
        prefetch_arg = select_arg = None
        for name, call in calls:
            if name == "prefetch_related":
                prefetched.extend(_prefetch_lookups(call))
                prefetch_arg = after_last_argument(self.parsed, call)
            elif name == "select_related":
                if not call.args:
                    selected = None
                elif selected is not None:
                    selected.extend(s for a in call.args if (s := string_value(a.value)) is not None)
                select_arg = after_last_argument(self.parsed, call)
        return Queryset(
            model,
            through,
            label,
            self.parsed.span(last)[1],
            tuple(prefetched),
            None if selected is None else tuple(selected),
            prefetch_arg,
            select_arg,
            iterator,
        )

    def instance_relation(
        self, function: Function, base: cst.BaseExpression, at: cst.CSTNode
    ) -> tuple[str, tuple[str, ...]] | None:
        """`("User", ("orders",))` for `user.orders` where `user = User.objects.get(...)`."""
        attrs: list[str] = []
        while isinstance(base, cst.Attribute):
            attrs.insert(0, base.attr.value)
            base = base.value
        if not attrs or not isinstance(base, cst.Name):
            return None
        chain = function.definition(base.value, at)
        if chain is None or len(chain) != 1 or chain[0].value is None:
            return None
        value = chain[0].value
        if (
            isinstance(value, cst.Call)
            and last_name(value.func) == "get_object_or_404"
            and value.args
            and isinstance(value.args[0].value, cst.Name)
        ):
            return value.args[0].value.value, tuple(attrs)
        root, calls = _chain(value)
        model = _manager_model(root)
        if model is None or not calls or calls[-1][0] not in INSTANCE_METHODS:
            return None
        if any(name not in QS_METHODS for name, _ in calls[:-1]):
            return None
        return model, tuple(attrs)


class RowReader:
    """What each turn of a root loop (and of the loops nested in it) reads from its rows."""

    def __init__(self, parsed: Parsed, text: str, function: Function, root: Loop) -> None:
        self.parsed = parsed
        self.text = text
        self.function = function
        self.root = root
        self.walked: list[Loop] = []

    def nest(self, loop: Loop, outer: tuple[str, ...] = ()) -> Nest:
        self.walked.append(loop)
        row_vars = (*outer, loop.var)
        accesses = tuple(
            self.access(read, row_vars) for read in reads(self.parsed, loop.var, loop.body) if read.attrs
        )
        queries = tuple(self.queries(loop, row_vars))
        return Nest(loop.var, accesses, queries, writes(loop.body))

    def children(self, node: cst.BaseExpression, row_vars: tuple[str, ...]) -> tuple[Nest, ...]:
        return tuple(self.nest(loop, row_vars) for loop in self.function.loops_over(node))

    def access(self, read: Read, row_vars: tuple[str, ...]) -> Access:
        start, end = self.parsed.span(read.node)
        tail_start = self.parsed.span(read.attrs_node)[1]
        args = [a for _, call in read.calls for a in call.args]
        return Access(
            read.attrs,
            tuple(name for name, _ in read.calls),
            start,
            end,
            self.parsed.code(read.node),
            tail_start,
            self.text[tail_start:end],
            not mentions(args, row_vars),
            builds_query(self.parsed, read.node),
            self.function.depth(read.node, self.root),
            self.children(read.node, row_vars),
        )

    def queries(self, loop: Loop, row_vars: tuple[str, ...]) -> Iterator[Query]:
        """Per-row `Model.objects...` chains in this loop's body (not in nested loops' bodies)."""
        found: list[cst.Attribute] = []

        class Visitor(cst.CSTVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> None:
                if _manager_model(node) is not None:
                    found.append(node)

        for node in loop.body:
            node.visit(Visitor())
        for manager in found:
            inner = self.function.enclosing_loops(manager)
            if not inner or inner[0] is not loop:
                continue
            query = self.query(manager, row_vars)
            if query is not None:
                yield query

    def query(self, manager: cst.Attribute, row_vars: tuple[str, ...]) -> Query | None:
        node, calls = calls_on(self.parsed, manager)
        if not calls or not mentions([c for _, c in calls], row_vars) or builds_query(self.parsed, node):
            return None
        if any(name in WRITES for name, _ in calls):
            return None  # a write per row: bulk_create/update's business, not a read to prefetch
        model = _manager_model(manager)
        assert model is not None
        keys: list[tuple[str, str, str | None]] = []
        rest: list[str] = []
        plain = all(name in NARROWING or name == "all" for name, _ in calls)
        for index, (name, call) in enumerate(calls):
            kept: list[str] = []
            for arg in call.args:
                ref = row_ref(arg.value, row_vars)
                if index == 0 and name == "filter" and arg.keyword is not None and ref is not None:
                    keys.append((arg.keyword.value, *ref))
                elif mentions([arg], row_vars):
                    plain = False  # a row value outside a `fk=row` filter: not one relation
                else:
                    kept.append(self.parsed.code(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)))
            if kept or name != "filter" or index != 0:
                rest.append(f".{name}({', '.join(kept)})")
        start, end = self.parsed.span(node)
        return Query(
            model,
            tuple(keys),
            "".join(rest),
            plain,
            start,
            end,
            self.parsed.code(node),
            self.function.depth(node, self.root),
            self.children(node, row_vars),
        )


def _prefetch_lookups(call: cst.Call) -> Iterator[str]:
    """What a prefetch_related() call loads: `"a__b"`, and `Prefetch("a", queryset=...)` with
    the lookups its queryset loads in turn (`a__product` for `.select_related("product")`)."""
    for arg in call.args:
        text = string_value(arg.value)
        if text is not None:
            yield text
        elif isinstance(arg.value, cst.Call) and last_name(arg.value.func) == "Prefetch":
            inner = {a.keyword.value if a.keyword else str(i): a.value for i, a in enumerate(arg.value.args)}
            if "to_attr" in inner:
                continue  # the rows land in another attribute; the manager is not served
            lookup = string_value(inner.get("0") or inner.get("lookup") or cst.Name("_"))
            if lookup is None:
                continue
            yield lookup
            queryset = inner.get("queryset", inner.get("1"))
            for name, nested in _chain(queryset)[1] if queryset is not None else ():
                if name in ("select_related", "prefetch_related"):
                    yield from (f"{lookup}__{sub}" for sub in _prefetch_lookups(nested))
