"""What one file tells the project about its Zod schemas (picklable), and the verdict a
schema's uses add up to.

A schema is named by a dotted key: `CreateUser`, `schemas.create` (a member of a container
object), `Query@120` (declared inside a block: the offset keeps it apart from namesakes).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handrail.engine.model import Applicability


class Kind(enum.Enum):
    STRING = "string"  # values arrive as strings: query, params, form data, env
    JSON = "json"  # a JSON body: numbers may already be numbers
    UNKNOWN = "unknown"  # handrail cannot tell
    OUTPUT = "output"  # a response or database value, not client input
    CONVERTED = "converted"  # the caller converts first: Number(req.query.n)
    TYPES = "types"  # only `typeof X` in types


@dataclass(frozen=True)
class Use:
    kind: Kind
    source: str  # what a message names: "req.query", "a JSON body (req.body)"


@dataclass(frozen=True)
class Ref:
    """A name as used in code: a schema key of its file, or an imported local name, followed
    by plain property accesses (`schemas.createUser`, `A.shape.age`)."""

    root: str
    members: tuple[str, ...] = ()
    imported: bool = False


@dataclass(frozen=True)
class Export:
    local: Ref | None = None  # `export const A`, `export { A as B }`, `export default A`
    module: str | None = None  # `export { A } from "./a"`: the specifier...
    name: str = ""  # ...and the name exported there ("*" for `export * as ns`)


@dataclass(frozen=True)
class FileFacts:
    decls: Mapping[str, tuple[Ref, ...]]  # schema key -> what it is derived from
    imports: Mapping[str, tuple[str, str]]  # local name -> (specifier, imported name | "default" | "*")
    exports: Mapping[str, Export]
    star_exports: tuple[str, ...]
    uses: tuple[tuple[Ref, Use], ...]

    @property
    def empty(self) -> bool:
        return not (self.decls or self.imports or self.exports or self.star_exports or self.uses)


def root_name(key: str) -> str:
    """`schemas` for `schemas.create`: the name a dotted key is declared under."""
    return key.split(".", 1)[0]


def dotted(root: str, members: tuple[str, ...]) -> str:
    return ".".join((root, *members)) if root else ".".join(members)


def related(used: str, key: str) -> bool:
    """Whether a use of dotted name `used` is a use of schema `key`: the same name, a member
    of it (`A.shape.age`), or the container it sits in (`schemas` for `schemas.create`)."""
    return used == key or used == "" or key.startswith(used + ".") or used.startswith(key + ".")


@dataclass(frozen=True)
class Verdict:
    applicability: Applicability | None  # None: not client input, no finding
    kind: Kind  # the kind of use that decided
    source: str  # what the message names

    @classmethod
    def of(cls, uses: Sequence[Use]) -> Verdict:
        """Any string use makes coercion safe; else any JSON or unknown use (or no use at all)
        makes it unsafe; a schema used only as output, on converted values or in types is
        not about client input."""
        for kind, applicability in _DECISIVE:
            for use in uses:
                if use.kind is kind:
                    return cls(applicability, kind, use.source)
        if not uses:
            return cls(Applicability.UNSAFE, Kind.UNKNOWN, NO_USE)
        return cls(None, uses[0].kind, uses[0].source)


# The kinds of use that decide a verdict, strongest first.
_DECISIVE = (
    (Kind.STRING, Applicability.SAFE),
    (Kind.JSON, Applicability.UNSAFE),
    (Kind.UNKNOWN, Applicability.UNSAFE),
)
NO_USE = "no use found"
ELSEWHERE = Use(Kind.UNKNOWN, "exported; uses in other files not yet seen")
