"""From a site's lazy loads and per-row statements to the loader options (and rewrites) that
serve them, with all the project's classes known: the fix and message of `resolve`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from handrail.codemods._py_n_plus_one import (
    Part,
    PlanBase,
    import_edits_now,
    importable,
    message,
    queries,
)
from handrail.codemods.sqlalchemy._models import ClassIndex, Relation
from handrail.codemods.sqlalchemy._sites import (
    EAGER,
    Condition,
    Load,
    Nest,
    Query,
    Site,
    Statement,
)
from handrail.engine.model import Applicability, Edit, Fix
from handrail.engine.project import ProjectFacts

EAGER_LAZY = frozenset({"selectin", "joined", "subquery", "immediate"})
# Relationships whose attribute is not a plain lazy load.
NOT_LAZY = frozenset({"dynamic", "write_only", "noload", "raise", "raise_on_sql"})
COLLECTION_WRITES = frozenset({"append", "remove", "extend", "clear", "pop", "add", "discard"})


Path = tuple[tuple[str, str], ...]  # ((owner class, relationship), ...) from the root class


@dataclass
class Step:
    """One relationship the root statement should load, and how."""

    relation: Relation
    criteria: str  # `.and_(...)` arguments carried from a per-row statement, or ""


@dataclass
class Plan(PlanBase[Load | Query]):
    """The relationships the root statement should load (rewrites: those a loader option cannot serve)."""

    needed: dict[Path, Step] = field(default_factory=dict)


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
        for load in nest.row_reads:
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
            self.plan.not_fixed(item, f"`{item.code}`: the relationship is also loaded with other criteria")
            return False
        self.plan.needed[path] = step
        self.plan.per_row.append(item)
        return True

    def query(self, query: Query) -> None:
        """A per-row statement that is a relationship of a row -> that relationship, loaded."""
        if not self.rewrites:
            return
        match = self.match(query)
        if isinstance(match, str):
            self.plan.not_fixed(query, match)
            return
        var, relation, criteria = match
        model, parent_path = self.rows[var]
        path = (*parent_path, (model, relation.name))
        if self.loaded(path, relation):
            if criteria:
                self.plan.not_fixed(query, f"`{query.code}` has criteria the loaded relationship lacks")
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


@dataclass(frozen=True)
class Outcome:
    plan: Plan
    items: list[Load | Query]  # the reads this finding reports
    options: list[str]
    fix: Fix | None


def plan_fix(part: Part[Site], index: ClassIndex, project: ProjectFacts) -> Outcome | None:
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
        how = importable(name, site.bound, index.paths)
        if how is False:
            plan.unfixed.append(f"`{name}` is not imported here, for its loader option")
            return unfixed
        if isinstance(how, tuple):
            imports.append(how)
    extra = import_edits_now(project, imports)
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


def finding_message(part: Part[Site], outcome: Outcome) -> str:
    remedy = ""
    # Options are the remedy for loads; for rewrites only when they come with the rewrite.
    if outcome.options and (outcome.fix is not None or not part.rewrites):
        remedy = f"; load them with the statement: .options({', '.join(outcome.options)})"
        if outcome.fix is not None:
            remedy += f" ({queries(_queries_after(outcome.plan))})"
    return message(part.site.statement.label, outcome.items, remedy, outcome.plan.unfixed)
