"""From a site's reads to the `select_related`/`prefetch_related` lookups (and rewrites) that
serve them, with all the project's models known: the fix and message of `resolve`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from handrail.codemods._py_n_plus_one import (
    Part,
    PlanBase,
    import_edits_now,
    importable,
    message,
    queries,
)
from handrail.codemods.django._models import ModelIndex, Relation
from handrail.codemods.django._sites import (
    NARROWING,
    WRITES,
    Access,
    Nest,
    Query,
    Site,
)
from handrail.engine.model import Applicability, Edit, Fix
from handrail.engine.project import ProjectFacts

# Calls on a related manager that a plain prefetch serves from its cache.
SERVED = frozenset({"all", "count", "exists"})
MANAGER_WRITES = frozenset({"add", "remove", "set", "clear"})


def _prefixes(lookups: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for lookup in lookups:
        parts = lookup.split("__")
        out.update("__".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(out)


def _join(path: str, attr: str) -> str:
    return f"{path}__{attr}" if path else attr


@dataclass
class Plan(PlanBase[Access | Query]):
    """What the loop nest needs from the root queryset, and the edits that give it."""

    select: list[str] = field(default_factory=list)
    prefetch: list[str] = field(default_factory=list)
    querysets: dict[str, tuple[str, str]] = field(default_factory=dict)  # Prefetch lookup -> (model, chain)

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
        for access in nest.row_reads:
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
            self.plan.not_fixed(access, f"no prefetch serves `{access.code}`")
            return
        for child in access.children:
            self.walk(child, model, path, False, came)

    def query(self, query: Query) -> None:
        """`Order.objects.filter(user=user)` -> `user.orders.all()`, its reverse relation."""
        if not self.rewrites:
            return
        match = self.match(query)
        if match is None:
            self.plan.not_fixed(
                query, f"`{query.code}` is not one relation of a row: load all rows with `__in`"
            )
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
            self.plan.not_fixed(
                item, f"`{item.code}`: the relation is also loaded another way (Prefetch(to_attr=...))"
            )
            return False
        self.claimed[path] = how
        self.need(path, False, item)
        return True

    def need(self, path: str, to_one_path: bool, item: Access | Query) -> None:
        lookups = self.plan.select if to_one_path else self.plan.prefetch
        if path not in lookups:
            lookups.append(path)
        self.plan.per_row.append(item)


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


def _quoted(text: str) -> str:
    return f'"{text}"'


def plan_fix(part: Part[Site], index: ModelIndex, project: ProjectFacts) -> Outcome | None:
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
        how = importable(target, site.bound, index.paths)
        if how is False:
            plan.unfixed.append(f"`{target}` is not imported here, for its Prefetch() queryset")
            return unfixed
        if isinstance(how, tuple):
            imports.append(how)
    extra = import_edits_now(project, imports)
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


def finding_message(part: Part[Site], outcome: Outcome) -> str:
    remedy = ""
    # Lookups are the remedy for plain reads; for rewrites only when they come with the rewrite.
    if (outcome.select or outcome.prefetch) and (outcome.fix is not None or not part.rewrites):
        remedy = f"; load the relations with the queryset: {outcome.description()}"
        if outcome.fix is not None:
            remedy += f" ({queries(outcome.queries_after())})"
    return message(part.site.queryset.label, outcome.items, remedy, outcome.plan.unfixed)
