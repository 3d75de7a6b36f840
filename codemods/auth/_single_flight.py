"""The rewrite of `auth/refresh-token-race`: route a 401's refresh through one shared promise.

It adds a module-level helper, `refreshOnce(sentWith, refresh)`, and wraps the refresh call of the
401 branch in it: `await refreshAccessToken()` -> `await refreshOnce(key, () => refreshAccessToken())`.
While a refresh runs, every caller gets its promise; it is cleared when it settles. `sentWith`
says what the failed request was sent with, so that a 401 arriving just *after* the refresh
settled (the request left before the refresh finished) reuses that refresh instead of starting
a second one: the axios request's `Authorization` header, or for a fetch wrapper the number of
refreshes done when it sent the request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.auth import _syntax as sx
from handrail.engine.model import Edit

HELPER = re.compile(r"^refreshOnce(\d*)$")

TS_HELPER = """\
// One token refresh at a time (handrail: auth/refresh-token-race). A 401 that arrives while a
// refresh runs waits for it; a late 401 for a request sent before the last refresh finished
// (same `sentWith`) reuses that refresh instead of starting another.
let refreshInFlight{s}: Promise<unknown> | null = null;
let lastRefresh{s}: {{ sentWith: unknown; result: unknown }} | null = null;
let refreshCount{s} = 0;

function refreshOnce{s}<T>(sentWith: unknown, refresh: () => T | PromiseLike<T>): Promise<T> {{
  if (lastRefresh{s} !== null && sentWith != null && lastRefresh{s}.sentWith === sentWith) {{
    return Promise.resolve(lastRefresh{s}.result as T);
  }}
  if (refreshInFlight{s} === null) {{
    refreshInFlight{s} = Promise.resolve(refresh())
      .then(
        (result) => {{
          refreshCount{s} += 1;
          lastRefresh{s} = {{ sentWith, result }};
          return result;
        }},
        (error: unknown) => {{
          lastRefresh{s} = null;
          throw error;
        }},
      )
      .finally(() => {{
        refreshInFlight{s} = null;
      }});
  }}
  return refreshInFlight{s} as Promise<T>;
}}"""

# The same helper without type annotations, for JavaScript files.
JS_HELPER = (
    TS_HELPER.replace(": Promise<unknown> | null = null", " = null")
    .replace(": {{ sentWith: unknown; result: unknown }} | null = null", " = null")
    .replace("<T>(sentWith: unknown, refresh: () => T | PromiseLike<T>): Promise<T>", "(sentWith, refresh)")
    .replace(".result as T)", ".result)")
    .replace("(error: unknown)", "(error)")
    .replace(" as Promise<T>;", ";")
)


@dataclass(frozen=True)
class Names:
    suffix: str
    new: bool  # whether the helper still has to be added

    @property
    def helper(self) -> str:
        return f"refreshOnce{self.suffix}"

    @property
    def count(self) -> str:
        return f"refreshCount{self.suffix}"


def helper_names(root: SgNode) -> Names:
    """The helper this file already has (from an earlier fix), or free names for a new one."""
    for fn in root.find_all(kind="function_declaration"):
        name = fn.field("name")
        match = HELPER.match(name.text()) if name is not None else None
        params = [sx.param_name(p) for p in sx.parameters(fn)]
        if match and params == ["sentWith", "refresh"] and sx.top_level_statement(fn) is not None:
            return Names(match.group(1), new=False)
    taken = sx.identifier_names(root)
    n = 1
    while True:
        suffix = "" if n == 1 else str(n)
        wanted = {
            f"{base}{suffix}" for base in ("refreshOnce", "refreshInFlight", "lastRefresh", "refreshCount")
        }
        if not wanted & taken:
            return Names(suffix, new=True)
        n += 1


def helper_edit(root: SgNode, text: str, names: Names, typescript: bool) -> Edit:
    """Insert the helper after the module's imports (or before its first statement)."""
    code = (TS_HELPER if typescript else JS_HELPER).format(s=names.suffix)
    statements = sx.named_children(root)
    # After the leading run of directives ("use strict") and imports/requires.
    last_import: SgNode | None = None
    for statement in statements:
        if statement.kind() == "import_statement" or _is_require(statement):
            last_import = statement
        elif not _is_directive(statement):
            break
    if last_import is not None:
        at = last_import.range().end.index
        tail = "" if text.startswith("\n\n", at) else "\n"
        return Edit(at, at, f"\n\n{code}{tail}")
    first = next((s for s in statements if not _is_directive(s)), None)
    at = first.range().start.index if first is not None else len(text)
    return Edit(at, at, f"{code}\n\n")


def _is_directive(statement: SgNode) -> bool:
    inner = sx.named_children(statement)
    return statement.kind() == "expression_statement" and len(inner) == 1 and inner[0].kind() == "string"


def _is_require(statement: SgNode) -> bool:
    return statement.kind() in ("lexical_declaration", "variable_declaration") and bool(
        re.search(r"=\s*require\(", statement.text())
    )


def axios_key(handler: SgNode, typescript: bool) -> str | None:
    """`error.config?.headers?.Authorization` for an axios error callback, else None."""
    params = sx.parameters(handler)
    if not params:
        return None
    name = sx.param_name(params[0])
    if name is None:
        return None
    body = sx.function_body(handler)
    uses_response = body is not None and re.search(rf"\b{re.escape(name)}\??\.response\b", body.text())
    typed = sx.param_type(params[0])
    type_ok = not typescript or typed is None or typed == "any" or typed.startswith("AxiosError")
    if not uses_response or not type_ok:
        return None
    return f"{name}.config?.headers?.Authorization"


def sends_request(handler: SgNode, check: SgNode) -> bool:
    """Whether the handler itself sent the request whose status it tests (a fetch wrapper):
    the 401 test reads a variable the handler assigned from an awaited call."""
    body = sx.function_body(handler)
    condition = check.field("condition")
    if check.kind() == "switch_case":
        statement = next((a for a in check.ancestors() if a.kind() == "switch_statement"), None)
        condition = statement.field("value") if statement is not None else None
    if body is None or body.kind() != "statement_block" or condition is None:
        return False
    tested = {n.text() for n in [condition, *sx.descendants(condition)] if n.kind() == "identifier"}
    for node in sx.descendants(body, into_functions=False):
        if node.range().start.index >= check.range().start.index:
            break
        if node.kind() == "variable_declarator" or node.kind() == "assignment_expression":
            target = node.field("name") or node.field("left")
            value = node.field("value") or node.field("right")
            if (
                target is not None
                and value is not None
                and target.text() in tested
                and sx.unwrap(value).kind() == "await_expression"
            ):
                return True
    return False


def capture_edit(handler: SgNode, text: str, names: Names) -> tuple[Edit | None, str]:
    """`const refreshesAtSend = refreshCount;` as the handler's first statement, and its name
    (no edit when an earlier fix of another 401 branch in the same handler added it)."""
    body = sx.function_body(handler)
    assert body is not None
    statements = sx.named_children(body)
    if statements:
        existing = re.fullmatch(rf"const (refreshesAtSend\d*) = {names.count};", statements[0].text())
        if existing:
            return None, existing.group(1)
    taken = sx.identifier_names(handler)
    local = next(n for n in (f"refreshesAtSend{i or ''}" for i in range(100)) if n not in taken)
    if statements:
        first = statements[0].range().start.index
        indent = sx.line_indent(text, first)
        return Edit(first, first, f"const {local} = {names.count};\n{indent}"), local
    open_brace = body.range().start.index + 1
    indent = sx.line_indent(text, body.range().start.index) + sx.indent_unit(text)
    return Edit(open_brace, open_brace, f"\n{indent}const {local} = {names.count};"), local


PROMISE_METHODS = frozenset({"then", "catch", "finally"})


def wrapped_expression(call: SgNode) -> SgNode:
    """The refresh call plus the calls chained on its result that are not promise methods:
    `ky.post("refresh").json()` is wrapped whole, `refresh().then(retry)` only up to `refresh()`
    (the retry belongs to each caller)."""
    node = call
    while True:
        member = node.parent()
        outer = member.parent() if member is not None and member.kind() == "member_expression" else None
        if outer is None or outer.kind() != "call_expression" or sx.callee_name(outer) in PROMISE_METHODS:
            return node
        node = outer


def wrap_edit(call: SgNode, names: Names, key: str) -> Edit | None:
    """`X` -> `refreshOnce(key, () => X)`; a fetch Response is cloned per caller (a body can be
    read once). None when the call cannot move into an arrow function (it yields)."""
    start, end = call.range().start.index, call.range().end.index
    text = call.text()
    prefix = ""
    misparsed = sx.misparsed_await(call)
    if misparsed is not None:
        # `await f<T>(x)` came back as one call node: keep the `await` outside the wrapper.
        inner = sx.named_children(misparsed)[0].range().start.index
        prefix, text = "await ", text[inner - start :]
    nodes = [call, *sx.descendants(call, into_functions=False)]
    if any(n.kind() == "yield_expression" for n in nodes):
        return None
    awaits = [n for n in nodes if n.kind() == "await_expression"]
    is_async = len(awaits) > (1 if misparsed is not None else 0)
    wrapped = f"{prefix}{names.helper}({key}, {'async ' if is_async else ''}() => {text})"
    if sx.callee_name(call) == "fetch":
        wrapped += ".then((shared) => shared.clone())"
    return Edit(start, end, wrapped)
