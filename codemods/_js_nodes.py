"""Node kinds and small readers of JS/TS trees (ast-grep) that the JS rule families share."""

from __future__ import annotations

from ast_grep_py import SgNode

# Everything that starts a function body: named kinds, valid in `find_all(kind=...)` for
# every grammar (`function` is only the keyword here).
FUNCTION_KINDS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "generator_function",
        "generator_function_declaration",
        "arrow_function",
        "method_definition",
    }
)
# Wrappers that only change the static type (or add parentheses) around a value (for `in`
# tests: `type_assertion` is TypeScript's alone).
TRANSPARENT_KINDS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "non_null_expression",
        "satisfies_expression",
        "type_assertion",
    }
)


def pair_key(node: SgNode) -> str | None:
    """The key of `key: value` (quotes stripped) or of the shorthand `{ key }`."""
    if node.kind() == "pair":
        key = node.field("key")
        return key.text().strip("\"'") if key is not None else None
    if node.kind() == "shorthand_property_identifier":
        return node.text()
    return None
