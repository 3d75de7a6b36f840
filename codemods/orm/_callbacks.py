"""`prisma/_loops.enclosing_loops`, with per-element callbacks written in JavaScript too.

`_loops.first_param` reads a callback's first parameter through TypeScript's
`required_parameter` node; the JavaScript grammar puts the identifier (or pattern) directly in
`formal_parameters`, so `users.map(async (user) => ...)` in a .js file is not seen as a loop
there. This module walks the ancestors the same way, with a parameter reader for both grammars.
"""

from __future__ import annotations

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L

PATTERNS = frozenset({"identifier", "object_pattern", "array_pattern"})


def first_param(fn: SgNode) -> SgNode | None:
    found = L.first_param(fn)
    if found is not None:
        return found
    params = fn.field("parameters")
    first = L.named(params)[0] if params is not None and L.named(params) else None
    if first is not None and first.kind() == "assignment_pattern":
        first = first.field("left")  # `(user = {}) => ...`
    return first if first is not None and first.kind() in PATTERNS else None


def callback_loop(fn: SgNode) -> L.Loop | None:
    """The loop a `C.forEach(fn)` / `C.map(fn)` callback stands for."""
    found = L.iteration_call(fn)
    if found is None:
        return None
    call, kind = found
    method = L.callee_method(call)
    body = fn.field("body")
    param = first_param(fn)
    if method is None or body is None or param is None:
        return None
    row = param.text() if param.kind() == "identifier" else None
    return L.Loop(kind, call, body, method[0], row, frozenset(L.pattern_names(param)), None, True)


def enclosing_loops(node: SgNode) -> list[L.Loop]:
    """The loops around `node` inside its function, innermost first (see `_loops`)."""
    loops: list[L.Loop] = []
    for anc in node.ancestors():
        loop: L.Loop | None = None
        kind = anc.kind()
        if kind == "for_in_statement":
            loop = L._for_of(anc)
        elif kind in ("for_statement", "while_statement"):
            loop = L._index_loop(anc)
        elif L.is_function(anc):
            loop = callback_loop(anc)
            if loop is None:
                break
        if loop is not None and L.contains(loop.body, node):
            loops.append(loop)
    return loops
