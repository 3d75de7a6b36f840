"""What the ORM N+1 rules share around their ORM-specific analysis: finding the loop nests,
splitting each into findings, and wording, counting and importing for them.

Each rule reads a nest of loops into its own picklable facts (Django querysets, SQLAlchemy
statements); the shapes below are what this module needs of those facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from handrail.codemods._py_loops import Function, Loop, Parsed, import_edits
from handrail.engine.model import Edit, Finding, Fix
from handrail.engine.project import ProjectFacts

DEPTH_NAMES = ("N", "M", "K", "L")


class PerRow(Protocol):
    """A read or a statement that runs once per row (a frozen dataclass of a rule)."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def depth(self) -> int: ...  # loops around it, counting the root loop
    @property
    def children(self) -> Sequence[LoopNest[Any, Any]]: ...  # loops over what it returns


S = TypeVar("S")  # where a root loop's rows come from
N = TypeVar("N")  # a rule's nest of loops
R = TypeVar("R")  # a rule's per-row items
A = TypeVar("A", bound=PerRow)  # a rule's reads of a row's attributes
Q = TypeVar("Q", bound=PerRow)  # a rule's statements run per row


@dataclass(frozen=True)
class LoopNest(Generic[A, Q]):
    """What one loop of a nest does per row: reads its row's attributes, runs statements, writes."""

    var: str  # the row variable
    row_reads: tuple[A, ...]
    queries: tuple[Q, ...]
    writes: bool

    @property
    def items(self) -> tuple[A | Q, ...]:
        return (*self.row_reads, *self.queries)


def loop_nests(
    parsed: Parsed,
    rows: Callable[[Function, Loop, list[str]], S | None],
    read: Callable[[Function, Loop], tuple[N, Iterable[Loop]]],
) -> Iterator[tuple[S, N]]:
    """Each root loop over rows, with what `rows` says of its source and what `read` says of
    its nest; `rows` gets the row variables of outer nests, to skip rows fetched per row."""
    for function in parsed.looping_functions:
        walked: set[Loop] = set()  # loops over rows, already part of an outer loop's nest
        for loop in function.loops:
            row_vars = [o.var for o in function.enclosing_loops(loop.node) if o in walked]
            source = rows(function, loop, row_vars)
            if source is None:
                continue
            nest, inner = read(function, loop)
            walked.update(inner)
            yield source, nest


def spans(nest: LoopNest[Any, Any]) -> Iterator[tuple[int, int]]:
    """Where every per-row item of a nest is, nested loops' included."""
    for item in nest.items:
        yield item.start, item.end
        for child in item.children:
            yield from spans(child)


@dataclass(frozen=True)
class Part(Generic[S]):
    """One finding's share of a site: the reads plain loading serves, or those needing rewrites.

    A site yields one finding of each kind, so that the safe part applies without
    --unsafe-fixes; their fixes overlap, and the engine's next pass sees what the first did."""

    site: S
    rewrites: bool


@dataclass
class PlanBase(Generic[R]):
    """What resolving a site found, in any ORM: the reads that query per row, the edits that fix them."""

    edits: list[Edit] = field(default_factory=list)
    per_row: list[R] = field(default_factory=list)  # each read that queries per row
    rewrites: list[R] = field(default_factory=list)  # those plain loading cannot serve
    unfixed: list[str] = field(default_factory=list)  # reads no fix serves, and why
    unsafe: bool = False

    def not_fixed(self, item: R, why: str) -> None:
        self.per_row.append(item)
        self.rewrites.append(item)
        self.unfixed.append(why)


def queries_before(items: Iterable[PerRow]) -> str:
    """`1 + N + N*M`: the root query, then one per row at each loop depth."""
    depths = sorted({item.depth for item in items})
    return " + ".join(["1", *("*".join(DEPTH_NAMES[: min(d, len(DEPTH_NAMES))]) for d in depths)])


def queries(count: int) -> str:
    return "1 query" if count == 1 else f"{count} queries"


def message(label: str, items: Sequence[PerRow], remedy: str, unfixed: Sequence[str]) -> str:
    """The finding's message: what runs per row of `label`, the `remedy` clause, what is not fixed."""
    codes = list(dict.fromkeys(item.code for item in items))
    shown = ", ".join(f"`{c}`" for c in codes[:3]) + (f" and {len(codes) - 3} more" if len(codes) > 3 else "")
    text = (
        f"N+1 queries: {shown} {'runs' if len(codes) == 1 else 'run'} once per row of "
        f"`{label}` ({queries_before(items)} queries)"
    )
    text += remedy
    if unfixed:
        text += "; not fixed: " + "; ".join(unfixed)
    return text


def reported(finding: Finding, items: Sequence[PerRow], text: str, fix: Fix | None) -> Finding:
    """The resolved finding: at the first read it reports (check placed it at the first of all)."""
    first = min(items, key=lambda item: (item.start, item.end))
    return replace(finding, start=first.start, end=first.end, message=text, fix=fix)


def importable(
    name: str, bound: Mapping[str, str | None], paths: Mapping[str, str]
) -> tuple[str, str] | bool:
    """True when the model `name` is already a name in the file (`bound`: its module-level names
    -> where they are imported from), the import that makes it one, or False: it is not imported
    from where another model of its file (`paths`: model -> defining file) is, or not at all."""
    if name in bound:
        return True
    home = paths.get(name)
    for other, source in bound.items():
        if source is not None and home is not None and paths.get(other) == home:
            return source, name
    return False


def import_edits_now(project: ProjectFacts, imports: Sequence[tuple[str, str]]) -> tuple[Edit, ...]:
    """Import edits against the text being resolved (a fix pass's text may not be on disk)."""
    if not imports:
        return ()
    if project.current_text is None:
        raise ValueError("resolve needs project.current_text to add imports")
    return import_edits(project.current_text, imports)
