"""Names a JS/TS binding pattern introduces, shared by the rules that track shadowing."""

from __future__ import annotations

from collections.abc import Iterator

from ast_grep_py import SgNode


def pattern_names(pattern: SgNode) -> Iterator[str]:
    """Names bound by a binding pattern (`a`, `{ a, b: [c] }`, `[d = 1, ...e]`) or a parameter
    (its type annotation and default value bind nothing)."""
    kind = pattern.kind()
    if kind in ("identifier", "shorthand_property_identifier_pattern"):
        yield pattern.text()
    elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
        for child in pattern.children():
            if child.is_named():
                yield from pattern_names(child)
    elif kind == "pair_pattern":
        value = pattern.field("value")
        if value is not None:
            yield from pattern_names(value)
    elif kind in ("assignment_pattern", "object_assignment_pattern"):
        left = pattern.field("left")
        if left is not None:
            yield from pattern_names(left)
    elif kind in ("required_parameter", "optional_parameter"):
        inner = pattern.field("pattern")
        if inner is not None:
            yield from pattern_names(inner)
