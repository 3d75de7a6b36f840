"""Whether TS/JS code runs in the browser: a `"use client"` file, a React component or a hook.

The error rules skip such code: there a console call is the logging there is, and a server
logger cannot be imported.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from handrail.codemods.errors._js_syntax import (
    FUNCTION_KINDS,
    descendants,
    enclosing_functions,
    function_name,
    named_children,
    string_value,
)
from handrail.engine.context import FileContext
from handrail.engine.languages import Language

HOOK_NAME = re.compile(r"^use[A-Z]")
JSX_KINDS = frozenset({"jsx_element", "jsx_self_closing_element"})  # <>...</> is a jsx_element


def is_client_file(root: SgNode) -> bool:
    """A `"use client"` directive before any other statement."""
    for stmt in named_children(root):
        if stmt.kind() == "hash_bang_line":
            continue
        if stmt.kind() != "expression_statement":
            return False
        inner = named_children(stmt)
        if not inner or inner[0].kind() != "string":
            return False
        if string_value(inner[0]) == "use client":
            return True
    return False


def runs_in_browser(ctx: FileContext, node: SgNode) -> bool:
    """Whether `node` is client code: a "use client" file, or inside a React component or hook."""
    if is_client_file(ctx.root):
        return True
    jsx_possible = ctx.language in (Language.TSX, Language.JAVASCRIPT)
    for fn in enclosing_functions(node):
        if HOOK_NAME.match(function_name(fn) or ""):
            return True
        if jsx_possible and _returns_jsx(fn):
            return True
    return False


def _returns_jsx(fn: SgNode) -> bool:
    body = fn.field("body")
    if body is None:
        return False
    if body.kind() != "statement_block":
        return _has_jsx(body)  # `() => <div />`
    return any(
        node.kind() == "return_statement" and _has_jsx(node)
        for node in descendants(body, prune=FUNCTION_KINDS)
    )


def _has_jsx(node: SgNode) -> bool:
    """JSX in `node`, not counting JSX inside nested functions (render callbacks)."""
    return node.kind() in JSX_KINDS or any(
        n.kind() in JSX_KINDS for n in descendants(node, prune=FUNCTION_KINDS)
    )
