"""django/n-plus-one: a loop over a queryset that queries a relation of every row.

`check` reads each function: loops whose rows come from a queryset built in the same function
(`User.objects...`, or a related manager of one instance), and what every turn reads from its
row (`user.orders.all()`, `order.user.name`, a nested loop over `order.items.all()`, a
per-row `Order.objects.filter(user=user)`). It cannot tell a relation from a plain field, so
`collect` reads the project's models and `resolve` decides, with all models known, which reads
are queries and which `select_related`/`prefetch_related` lookups the queryset needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

import libcst as cst

from handrail.codemods._py_loops import (
    Function,
    Loop,
    Parsed,
    Read,
    after_last_argument,
    builds_query,
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

RULE_ID = "django/n-plus-one"

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
# Calls on a related manager that a plain prefetch serves from its cache.
SERVED = frozenset({"all", "count", "exists"})
# Calls that narrow or order a related manager: a new query, unless prefetched with Prefetch().
NARROWING = frozenset({"filter", "exclude", "order_by"})
WRITES = frozenset(
    {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
)
MANAGER_WRITES = frozenset({"add", "remove", "set", "clear"})
INSTANCE_METHODS = frozenset({"get", "first", "last", "earliest", "latest"})
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


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _field(name: str, call: cst.Call, owner: str) -> FieldFact | None:
    kind = FIELD_KINDS.get(_last_name(call.func) or "")
    if kind is None:
        return None
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    to = keywords.get("to", positional[0] if positional else None)
    target = ""
    if to is not None:
        text = _string(to)
        if text is not None:
            target = owner if text == "self" else text.rsplit(".", 1)[-1]
        elif isinstance(to, cst.Attribute) and to.attr.value == "AUTH_USER_MODEL":
            target = "User"  # settings.AUTH_USER_MODEL: the project's User model, if it has one
        else:
            target = _last_name(to) or ""
    related = keywords.get("related_name")
    return FieldFact(name, kind, target, _string(related) if related is not None else None)


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
    bases = tuple(name for b in node.bases if (name := _last_name(b.value)) is not None)
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


@dataclass(frozen=True)
class Nest:
    var: str
    accesses: tuple[Access, ...]
    queries: tuple[Query, ...]
    writes: bool


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
    text: str  # the file's text, for import edits
    bound: Mapping[str, str | None]  # module-level names -> the module they come from


# -- check: reading a function ----------------------------------------------------------


def _unwrap_list(expr: cst.BaseExpression) -> cst.BaseExpression:
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "list"
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
    ):
        return expr.args[0].value
    return expr


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
        self.parsed = Parsed(module, ctx.lines)
        self.bound = module_bindings(module)

    def sites(self) -> Iterator[tuple[Site, int, int]]:
        for function in self.parsed.functions:
            walked: set[Loop] = set()  # loops over rows, already part of an outer loop's nest
            for loop in function.loops:
                row_vars = [o.var for o in function.enclosing_loops(loop.node) if o in walked]
                queryset = self.queryset(function, loop, row_vars)
                if queryset is None:
                    continue
                reader = RowReader(self.parsed, self.ctx.text, function, loop)
                nest = reader.nest(loop)
                walked.update(reader.walked)
                spans = list(_spans(nest))
                if spans:  # where the finding goes until resolve knows which reads query
                    yield Site(queryset, nest, self.ctx.text, self.bound), *min(spans)

    # -- where rows come from

    def queryset(self, function: Function, loop: Loop, row_vars: list[str]) -> Queryset | None:
        iterable = _unwrap_list(loop.iterable)
        exprs: list[cst.BaseExpression]
        if isinstance(iterable, cst.Name):
            chain = function.definition(iterable.value, loop.node)
            if chain is None:
                return None
            exprs = [_unwrap_list(b.value) for b in chain if b.value is not None]
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
                    selected.extend(s for a in call.args if (s := _string(a.value)) is not None)
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
            and _last_name(value.func) == "get_object_or_404"
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
        node: cst.BaseExpression = manager
        calls: list[tuple[str, cst.Call]] = []
        while True:
            attribute = self.parsed.parent(node)
            call = self.parsed.parent(attribute) if attribute is not None else None
            if not (
                isinstance(attribute, cst.Attribute)
                and attribute.value is node
                and isinstance(call, cst.Call)
                and call.func is attribute
            ):
                break
            calls.append((attribute.attr.value, call))
            node = call
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
                ref = _row_ref(arg.value, row_vars)
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


def _row_ref(value: cst.BaseExpression, row_vars: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(`user`, None) for `user`, (`user`, `id`) for `user.id`."""
    if isinstance(value, cst.Name) and value.value in row_vars:
        return value.value, None
    if (
        isinstance(value, cst.Attribute)
        and isinstance(value.value, cst.Name)
        and value.value.value in row_vars
    ):
        return value.value.value, value.attr.value
    return None


def _prefetch_lookups(call: cst.Call) -> Iterator[str]:
    """What a prefetch_related() call loads: `"a__b"`, and `Prefetch("a", queryset=...)` with
    the lookups its queryset loads in turn (`a__product` for `.select_related("product")`)."""
    for arg in call.args:
        text = _string(arg.value)
        if text is not None:
            yield text
        elif isinstance(arg.value, cst.Call) and _last_name(arg.value.func) == "Prefetch":
            inner = {a.keyword.value if a.keyword else str(i): a.value for i, a in enumerate(arg.value.args)}
            if "to_attr" in inner:
                continue  # the rows land in another attribute; the manager is not served
            lookup = _string(inner.get("0") or inner.get("lookup") or cst.Name("_"))
            if lookup is None:
                continue
            yield lookup
            queryset = inner.get("queryset", inner.get("1"))
            for name, nested in _chain(queryset)[1] if queryset is not None else ():
                if name in ("select_related", "prefetch_related"):
                    yield from (f"{lookup}__{sub}" for sub in _prefetch_lookups(nested))


def _spans(nest: Nest) -> Iterator[tuple[int, int]]:
    items: list[Access | Query] = [*nest.accesses, *nest.queries]
    for item in items:
        yield item.start, item.end
        for child in item.children:
            yield from _spans(child)


# -- resolve: from reads to lookups -----------------------------------------------------

DEPTH_NAMES = ("N", "M", "K", "L")


def _prefixes(lookups: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for lookup in lookups:
        parts = lookup.split("__")
        out.update("__".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(out)


def _join(path: str, attr: str) -> str:
    return f"{path}__{attr}" if path else attr


@dataclass
class Plan:
    """What the loop nest needs from the root queryset, and the edits that give it."""

    select: list[str] = field(default_factory=list)
    prefetch: list[str] = field(default_factory=list)
    querysets: dict[str, tuple[str, str]] = field(default_factory=dict)  # Prefetch lookup -> (model, chain)
    edits: list[Edit] = field(default_factory=list)
    per_row: list[Access | Query] = field(default_factory=list)  # each read that queries per row
    rewrites: list[Access | Query] = field(default_factory=list)  # those a plain lookup cannot serve
    unfixed: list[str] = field(default_factory=list)  # reads no lookup serves, and why
    unsafe: bool = False

    def lookups(self) -> tuple[list[str], list[str]]:
        """Minimal select_related and prefetch_related lookups (Prefetch() ones kept as they are)."""
        select = [p for p in self.select if not any(o.startswith(p + "__") for o in self.select)]
        plain = [p for p in self.prefetch if p not in self.querysets]
        plain = [p for p in plain if not any(o.startswith(p + "__") for o in self.prefetch)]
        return select, [p for p in self.prefetch if p in self.querysets] + plain


class Resolver:
    """Walks a site's loop nest with the models in view and fills a Plan."""

    def __init__(self, index: ModelIndex, site: Site, rewrites: bool) -> None:
        self.index = index
        self.plan = Plan()
        # False: only reads that plain lookups serve; True: also the reads that need rewriting.
        self.rewrites = rewrites
        qs = site.queryset
        self.prefetched = _prefixes(qs.prefetched)
        self.selected = None if qs.selected is None else _prefixes(qs.selected)
        self.claimed: dict[str, str] = {}  # lookup -> how it is loaded ("" plain, else a chain)
        self.rows: dict[str, tuple[str, str]] = {}  # row variable -> (model, lookup path)
        self.writes = False  # the loops write through a related manager (`user.groups.add(g)`)

    def covered(self, lookup: str, to_one_path: bool) -> bool:
        if lookup in self.prefetched:
            return True
        return to_one_path and (self.selected is None or lookup in self.selected)

    def walk(
        self, nest: Nest, model: str, path: str, to_one_path: bool, came: tuple[str, str] | None
    ) -> None:
        self.rows[nest.var] = (model, path)
        before = len(self.plan.per_row)
        for access in nest.accesses:
            self.access(access, model, path, to_one_path, came)
        for query in nest.queries:
            self.query(query)
        if nest.writes and len(self.plan.per_row) > before:
            self.plan.unsafe = True  # prefetched rows are read before the loop's writes

    def access(
        self, access: Access, model: str, path: str, to_one_path: bool, came: tuple[str, str] | None
    ) -> None:
        if access.building:
            return
        for position, attr in enumerate(access.attrs):
            rel = self.index.relation(model, attr)
            if rel is None:
                return
            if position == 0 and rel.to_one and came is not None and rel.opposite == came:
                return  # `order.user` in `for order in user.orders.all()`: Django caches it
            path, to_one_path, came = _join(path, attr), to_one_path and rel.to_one, (model, attr)
            model = rel.target
            if not rel.to_one:
                if position == len(access.attrs) - 1:
                    self.many(access, model, path, came)
                return  # else `user.orders.model`: not a query
            if not self.covered(path, to_one_path):
                self.need(path, to_one_path, access)
        for child in access.children:
            self.walk(child, model, path, to_one_path, came)

    def many(self, access: Access, model: str, path: str, came: tuple[str, str]) -> None:
        methods = access.methods
        if not methods:
            return  # the manager itself, handed on: nothing is evaluated here
        if methods[0] in WRITES or methods[0] in MANAGER_WRITES:
            self.writes = True
            return
        if all(m in SERVED for m in methods):
            if not self.covered(path, False) and not self.claim(path, "", access):
                return
        elif not self.rewrites:
            return
        elif all(m in NARROWING for m in methods) and access.row_free:
            if not self.claim(path, access.tail_code, access):
                return
            self.plan.rewrites.append(access)
            self.plan.querysets[path] = (model, access.tail_code)
            self.plan.edits.append(Edit(access.tail_start, access.end, ".all()"))
            self.plan.unsafe = True
        else:
            self.unfixed(access, f"no prefetch serves `{access.code}`")
            return
        for child in access.children:
            self.walk(child, model, path, False, came)

    def query(self, query: Query) -> None:
        """`Order.objects.filter(user=user)` -> `user.orders.all()`, its reverse relation."""
        if not self.rewrites:
            return
        match = self.match(query)
        if match is None:
            self.unfixed(query, f"`{query.code}` is not one relation of a row: load all rows with `__in`")
            return
        var, rel, path = match
        if query.rest and not self.claim(path, query.rest, query):
            return
        if not query.rest and not self.covered(path, False) and not self.claim(path, "", query):
            return
        if query.rest:
            self.plan.querysets[path] = (query.model, query.rest)
        self.plan.rewrites.append(query)
        self.plan.edits.append(Edit(query.start, query.end, f"{var}.{rel.name}.all()"))
        self.plan.unsafe = True
        for child in query.children:
            self.walk(child, query.model, path, False, (self.rows[var][0], rel.name))

    def match(self, query: Query) -> tuple[str, Relation, str] | None:
        """(row variable, its reverse relation, lookup) when the query is one row's relation."""
        if not query.plain or len(query.keys) != 1:
            return None
        lookup, var, attr = query.keys[0]
        name, _, rest = lookup.partition("__")
        if name.endswith("_id") and not rest:
            name, rest = name[:-3], "id"
        forward = self.index.relation(query.model, name)
        if forward is None or not forward.to_one or forward.opposite is None or var not in self.rows:
            return None
        if (rest, attr) not in {("", None), ("", "pk"), ("", "id"), ("id", "id"), ("pk", "pk"), ("pk", "id")}:
            return None
        model, path = self.rows[var]
        reverse = self.index.relation(model, forward.opposite[1])
        if forward.target != model or reverse is None:
            return None
        return var, reverse, _join(path, reverse.name)

    def claim(self, path: str, how: str, item: Access | Query) -> bool:
        """Load `path` one way (plain, or a Prefetch chain); False when it is loaded another way."""
        if self.claimed.get(path, how) != how or (how and path in self.prefetched):
            self.unfixed(
                item, f"`{item.code}`: the relation is also loaded another way (Prefetch(to_attr=...))"
            )
            return False
        self.claimed[path] = how
        self.need(path, False, item)
        return True

    def unfixed(self, item: Access | Query, why: str) -> None:
        self.plan.per_row.append(item)
        self.plan.rewrites.append(item)
        self.plan.unfixed.append(why)

    def need(self, path: str, to_one_path: bool, item: Access | Query) -> None:
        lookups = self.plan.select if to_one_path else self.plan.prefetch
        if path not in lookups:
            lookups.append(path)
        self.plan.per_row.append(item)


@dataclass(frozen=True)
class Part:
    """One finding's share of a site: the reads plain lookups serve, or those needing rewrites.

    A site yields one finding of each kind, so that the safe part applies without
    --unsafe-fixes; their fixes overlap, and the engine's next pass sees what the first did."""

    site: Site
    rewrites: bool


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    items: list[Access | Query]  # the reads this finding reports
    select: list[str]
    prefetch: list[str]
    fix: Fix | None

    def description(self) -> str:
        parts = []
        if self.select:
            parts.append(f".select_related({', '.join(_quoted(s) for s in self.select)})")
        if self.prefetch:
            shown = [
                f"Prefetch({_quoted(p)}, ...)" if p in self.plan.querysets else _quoted(p)
                for p in self.prefetch
            ]
            parts.append(f".prefetch_related({', '.join(shown)})")
        return "".join(parts)

    def queries_after(self) -> int:
        return 1 + len(_prefixes(self.prefetch) - _prefixes(self.select))


def _queries_before(items: Iterable[Access | Query]) -> str:
    """`1 + N + N*M`: the root query, then one per row at each loop depth."""
    depths = sorted({item.depth for item in items})
    return " + ".join(["1", *("*".join(DEPTH_NAMES[: min(d, len(DEPTH_NAMES))]) for d in depths)])


def _quoted(text: str) -> str:
    return f'"{text}"'


def _importable(model: str, site: Site, index: ModelIndex) -> tuple[str, str] | bool:
    """True when `model` is already a name in the site's file, the import that makes it one,
    or False: imported from where another model of its file is imported, or not at all."""
    if model in site.bound:
        return True
    home = index.paths.get(model)
    for name, source in site.bound.items():
        if source is not None and home is not None and index.paths.get(name) == home:
            return source, model
    return False


def plan_fix(part: Part, index: ModelIndex) -> Outcome | None:
    site, qs = part.site, part.site.queryset
    model = qs.model
    if not index.known(model):
        return None
    for attr in qs.through:
        rel = index.relation(model, attr)
        if rel is None or rel.to_one:
            return None
        model = rel.target
    resolver = Resolver(index, site, part.rewrites)
    resolver.walk(site.nest, model, "", True, None)
    plan = resolver.plan
    plan.unsafe = plan.unsafe or resolver.writes
    items = plan.rewrites if part.rewrites else plan.per_row
    if not items:
        return None
    select, prefetch = plan.lookups()
    unfixed = Outcome(plan, items, select, prefetch, None)
    if (not select and not prefetch) or (part.rewrites and not plan.edits):
        return unfixed
    if prefetch and qs.iterator:
        plan.unfixed.append("the queryset ends in `.iterator()`: give it a chunk_size to prefetch")
        return unfixed
    imports: list[tuple[str, str]] = []
    if plan.querysets and "Prefetch" not in site.bound:
        imports.append(("django.db.models", "Prefetch"))
    for target, _ in plan.querysets.values():
        how = _importable(target, site, index)
        if how is False:
            plan.unfixed.append(f"`{target}` is not imported here, for its Prefetch() queryset")
            return unfixed
        if isinstance(how, tuple):
            imports.append(how)
    extra = import_edits(site.text, imports)
    edits = [*plan.edits, *extra]
    appended = ""
    for method, lookups, arg in (
        ("select_related", [_quoted(s) for s in select], qs.select_arg),
        ("prefetch_related", [_lookup_arg(p, plan.querysets) for p in prefetch], qs.prefetch_arg),
    ):
        if not lookups:
            continue
        if arg is None:
            appended += f".{method}({', '.join(lookups)})"
        else:
            edits.append(Edit(arg[0], arg[0], arg[1] + ", ".join(lookups)))
    if appended:
        edits.append(Edit(qs.insert_at, qs.insert_at, appended))
    safety = Applicability.UNSAFE if plan.unsafe else Applicability.SAFE
    return replace(unfixed, fix=Fix(safety, tuple(edits), f"load the relations with {unfixed.description()}"))


def _lookup_arg(lookup: str, querysets: Mapping[str, tuple[str, str]]) -> str:
    if lookup not in querysets:
        return _quoted(lookup)
    model, chain = querysets[lookup]
    return f"Prefetch({_quoted(lookup)}, queryset={model}.objects{chain})"


def _queries(count: int) -> str:
    return "1 query" if count == 1 else f"{count} queries"


def message(part: Part, outcome: Outcome) -> str:
    site, plan = part.site, outcome.plan
    codes = list(dict.fromkeys(item.code for item in outcome.items))
    shown = ", ".join(f"`{c}`" for c in codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    text = (
        f"N+1 queries: {shown} {'runs' if len(codes) == 1 else 'run'} once per row of "
        f"`{site.queryset.label}` ({_queries_before(outcome.items)} queries)"
    )
    # Lookups are the remedy for plain reads; for rewrites only when they come with the rewrite.
    if (outcome.select or outcome.prefetch) and (outcome.fix is not None or not part.rewrites):
        text += f"; load the relations with the queryset: {outcome.description()}"
        if outcome.fix is not None:
            text += f" ({_queries(outcome.queries_after())})"
    if plan.unfixed:
        text += "; not fixed: " + "; ".join(plan.unfixed)
    return text


# -- the rule ---------------------------------------------------------------------------


class DjangoNPlusOne(Rule):
    id = RULE_ID
    languages = PYTHON
    summary = "A loop over a queryset queries a relation of every row (N+1 queries)"
    why = (
        "Django loads relations lazily: `user.orders.all()` inside `for user in users` sends one "
        "query per user, `order.user.name` one per order, and every nested loop multiplies them. "
        "The code reads naturally and is fast on a developer's ten rows; in production it is "
        '1 + N + N*M round trips. The story behind handrail: "With 500 users, this endpoint made '
        "501 database queries and took 8 seconds. Fix: include with nested relations — one "
        'query, 120ms."\n\n'
        "`select_related(...)` joins foreign keys and one-to-ones into the queryset's own query; "
        "`prefetch_related(...)` loads reverse foreign keys and many-to-many relations for all rows "
        "in one extra query per level, and the related managers' `.all()` then read that cache."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe when the fix only adds `select_related`/`prefetch_related` lookups to the queryset "
        "the loop walks (built in the same function): the rows, their order and every related "
        "object stay the same; only the number of queries changes (`select_related` joins with an "
        "INNER JOIN only where the foreign key is NOT NULL, so no row is lost). Lookups are merged "
        "into an existing `select_related(...)`/`prefetch_related(...)` call.\n\n"
        "Unsafe (needs --unsafe-fixes) when reads change too: a per-row "
        "`Order.objects.filter(user=user)` becomes `user.orders.all()`, and a narrowed relation "
        '(`order.items.filter(status="paid")`, row-independent arguments) becomes `.all()` served '
        'by `Prefetch("orders__items", queryset=OrderItem.objects.filter(status="paid"))`: the same '
        "rows unless the model's default manager is not `objects`. Also unsafe when the loop "
        "writes (`save()`, `create()`, `delete()`, a related manager's `add()`/`set()`/"
        "`update()`): prefetched data is read before the writes.\n\n"
        "No fix, only the finding, when no prefetch serves the read (`.first()`, `.get()`, "
        "`.aggregate()`, `.values()`, filters that use the row), when the same relation is also "
        "loaded another way (it needs `Prefetch(to_attr=...)`), when the queryset ends in "
        "`.iterator()` without chunk_size, or when the Prefetch queryset's model cannot be imported."
    )
    example = Example(
        before=(
            "from django.http import JsonResponse\n"
            "\n"
            "from shop.models import User\n"
            "\n"
            "\n"
            "def orders_report(request):\n"
            '    users = User.objects.order_by("id")\n'
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders.all():\n"
            "            items = [\n"
            '                {"product": item.product.name, "quantity": item.quantity}\n'
            "                for item in order.items.all()\n"
            "            ]\n"
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"name": user.name, "orders": orders})\n'
            '    return JsonResponse({"users": report})\n'
        ),
        after=(
            "from django.http import JsonResponse\n"
            "\n"
            "from shop.models import User\n"
            "\n"
            "\n"
            "def orders_report(request):\n"
            '    users = User.objects.order_by("id").prefetch_related("orders__items__product")\n'
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders.all():\n"
            "            items = [\n"
            '                {"product": item.product.name, "quantity": item.quantity}\n'
            "                for item in order.items.all()\n"
            "            ]\n"
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"name": user.name, "orders": orders})\n'
            '    return JsonResponse({"users": report})\n'
        ),
        path="app/example.py",
        files={
            "shop/models.py": (
                "from django.db import models\n"
                "\n"
                "\n"
                "class User(models.Model):\n"
                "    name = models.CharField(max_length=100)\n"
                "\n"
                "\n"
                "class Product(models.Model):\n"
                "    name = models.CharField(max_length=100)\n"
                "\n"
                "\n"
                "class Order(models.Model):\n"
                '    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="orders")\n'
                "\n"
                "\n"
                "class OrderItem(models.Model):\n"
                '    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")\n'
                "    product = models.ForeignKey(Product, on_delete=models.PROTECT)\n"
                "    quantity = models.PositiveIntegerField()\n"
            ),
        },
    )
    notes = (
        "Relations come from the project's model classes (any file): `ForeignKey`, "
        "`OneToOneField` and `ManyToManyField` fields with their `related_name` (default "
        "`<model>_set`, or `<model>` for one-to-ones), inherited from abstract models too. A "
        "model outside the project (django's `User`, through `settings.AUTH_USER_MODEL`) is "
        "known by the reverse relations the project's models give it; a class name defined "
        "in two apps is ignored.\n\n"
        "A loop can get two findings: one for the reads plain lookups serve (a safe fix), one "
        "for the reads that need rewriting (per-row querysets, narrowed relations: an unsafe "
        "fix, or none), so that `handrail fix` applies the safe part on its own.\n\n"
        "Only loops in one function are followed: rows handed to a helper (`serialize(user)`) "
        "or a template are not. `order.user` inside `for order in user.orders.all()` is not "
        "reported (Django caches the back-reference). `.count()`/`.exists()` are served by a "
        "prefetch, but if that is all the loop needs, `annotate(Count(...))` loads less. Writes "
        "per row (`create()` in a loop) are not this rule's business: see `bulk_create`.\n\n"
        "Lookups are appended on the queryset's line (or merged into an existing call), and "
        "`Prefetch` imports go where libcst's AddImportsVisitor puts them: run your formatter "
        "and import sorter afterwards."
    )

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        module = ctx.cst
        if module is None or "for " not in ctx.text or (".objects" not in ctx.text and "404" not in ctx.text):
            return
        for site, start, end in Analyzer(ctx, module).sites():
            for rewrites in (False, True):
                yield ctx.finding(self, start, end, "N+1 queries", data=Part(site, rewrites))

    def collect(self, ctx: FileContext) -> tuple[ModelFact, ...] | None:
        module = ctx.cst
        if module is None or "models" not in ctx.text:
            return None
        return collect_models(module) or None

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        part = finding.data
        if not isinstance(part, Part):
            return finding
        index = project.memo(f"{RULE_ID}:models", lambda: build_index(project.facts(RULE_ID)))
        outcome = plan_fix(part, index)
        if outcome is None:
            return None
        first = min(outcome.items, key=lambda item: (item.start, item.end))
        text = message(part, outcome)
        return replace(finding, start=first.start, end=first.end, message=text, fix=outcome.fix)
