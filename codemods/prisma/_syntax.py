"""Reading JS/TS syntax: object literal properties and the statements of a block."""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import pair_key as pair_key
from handrail.codemods.prisma import _loops as L


def props(obj: SgNode) -> list[SgNode]:
    return [c for c in L.named(obj) if c.kind() != "comment"]


def prop(obj: SgNode | None, name: str) -> SgNode | None:
    """The property called `name` of an object literal."""
    return next((p for p in props(obj) if pair_key(p) == name), None) if obj is not None else None


def value_of(entry: SgNode | None) -> SgNode | None:
    value = entry.field("value") if entry is not None and entry.kind() == "pair" else None
    return L.unwrap(value) if value is not None else None


def norm(text: str) -> str:
    """Code text without whitespace or trailing commas, to compare two arguments."""
    return re.sub(r",([}\]])", r"\1", re.sub(r"\s+", "", text)).rstrip(",")


def statements(block: SgNode) -> list[SgNode]:
    if block.kind() != "statement_block":
        return [block]
    return [c for c in L.named(block) if c.kind() != "comment"]


def statement_of(node: SgNode) -> SgNode | None:
    """The statement that holds `node` directly in a block."""
    for n in [node, *node.ancestors()]:
        parent = n.parent()
        if parent is not None and parent.kind() in ("statement_block", "program"):
            return n
    return None


def bare_ok(node: SgNode) -> bool:
    """Whether an expression in `node`'s place needs no parentheses (`x ?? y` as a value)."""
    parent = node.parent()
    if parent is None:
        return False
    if parent.kind() == "assignment_expression":
        return parent.field("right") == node
    return parent.kind() in ("variable_declarator", "pair", "arguments", "return_statement", "array")


def is_async(fn: SgNode) -> bool:
    return any(c.kind() == "async" for c in fn.children())
