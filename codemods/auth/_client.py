"""Client-side token refresh analysis for `auth/refresh-token-race`.

Finds where a client handles a 401 (an `if`/`switch` on the status, in an axios interceptor or a
fetch wrapper), the refresh it starts there, and whether something makes concurrent 401s share
one refresh: a shared in-flight promise, an `isRefreshing` flag with a queue of waiters, or a
mutex. Per-request flags (`config._retry`) live on the request and share nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum

from ast_grep_py import SgNode

from handrail.codemods.auth import _syntax as sx

# Function names that perform a refresh (`refreshAccessToken`, `renewSession`, `doRefresh`), but
# not accessors of the stored token (`getRefreshToken`, `setRefreshToken`).
REFRESH_VERB = re.compile(
    r"^(?:do|try|perform|request|handle|fetch|call|run|attempt|silent)?_?(?:refresh|renew|rotate)", re.I
)
HTTP_METHODS = frozenset({"post", "get", "put", "patch", "request", "fetch"})
HTTP_FUNCTIONS = frozenset({"fetch", "axios", "ky", "$fetch", "ofetch", "got", "request"})
URL_NAME = re.compile(r"url|endpoint|path|uri|route", re.I)
UNAUTHORIZED_NAMES = frozenset({"Unauthorized", "UNAUTHORIZED", "HTTP_STATUS_UNAUTHORIZED"})
PER_REQUEST_FLAG = re.compile(r"\.(_retry|_isRetry|retry|sent|_sent|isRetry|retried|_retried)\b")
MUTEX_METHODS = frozenset({"runExclusive", "acquire", "waitForUnlock", "isLocked"})
QUEUE_CALL = re.compile(r"subscri|enqueue|queue|waiter|onRefreshed|addListener", re.I)
EXITS = frozenset({"return_statement", "throw_statement", "continue_statement", "break_statement"})
MAX_DEPTH = 2  # how far a call is followed into same-file functions to find the refresh request


class Guard(Enum):
    NONE = "none"
    SHARED = "shared"  # a shared promise, a flag with a queue, or a mutex
    FLAG_ONLY = "flag-only"  # an `isRefreshing` flag, but nobody waits for the refresh


@dataclass(frozen=True)
class Site:
    """One place where a 401 leads to a refresh."""

    check: SgNode  # the `if`/`switch` that tests for 401
    handler: SgNode  # the function holding it
    call: SgNode  # the refresh call (outermost, as written in the 401 branch)
    guard: Guard
    per_request_flag: str | None  # e.g. "_retry" when the branch is gated by one


# --- where a 401 is handled -----------------------------------------------------------------


def _is_401(node: SgNode) -> bool:
    node = sx.unwrap(node)
    if node.kind() == "number":
        return node.text() == "401"
    parts = sx.member_parts(node)
    return parts is not None and parts[-1] in UNAUTHORIZED_NAMES


def _polarity(condition: SgNode) -> bool | None:
    """True when the condition holds for a 401 (`status === 401`), False when it holds for
    anything but (`status !== 401`), None when it does not look at 401."""
    nodes = [condition, *sx.descendants(condition, into_functions=False)]
    negative = False
    for node in nodes:
        if node.kind() == "binary_expression":
            op = node.field("operator")
            left, right = node.field("left"), node.field("right")
            if op is None or left is None or right is None or not (_is_401(left) or _is_401(right)):
                continue
            if op.text() in ("===", "=="):
                return True
            if op.text() in ("!==", "!="):
                negative = True
        elif node.kind() == "call_expression" and sx.callee_name(node) == "includes":
            target = sx.callee(node)
            obj = target.field("object") if target is not None else None
            if obj is not None and any(_is_401(c) for c in sx.named_children(sx.unwrap(obj))):
                return True
    return False if negative else None


def _exits(block: SgNode) -> bool:
    if block.kind() in EXITS:
        return True
    statements = sx.named_children(block) if block.kind() == "statement_block" else []
    return bool(statements) and statements[-1].kind() in EXITS


def _following(statement: SgNode) -> list[SgNode]:
    siblings: list[SgNode] = []
    node = statement.next()
    while node is not None:
        if node.is_named() and node.kind() != "comment":
            siblings.append(node)
        node = node.next()
    return siblings


def unauthorized_branches(root: SgNode) -> Iterator[tuple[SgNode, list[SgNode]]]:
    """(the 401 test, the code that runs for a 401) pairs."""
    for stmt in root.find_all(kind="if_statement"):
        condition = stmt.field("condition")
        polarity = _polarity(condition) if condition is not None else None
        consequence, alternative = stmt.field("consequence"), stmt.field("alternative")
        if polarity is True and consequence is not None:
            yield stmt, [consequence]
        elif polarity is False:
            if alternative is not None:
                yield stmt, [alternative]
            elif consequence is not None and _exits(consequence):
                yield stmt, _following(stmt)
    for case in root.find_all(kind="switch_case"):
        value = case.field("value")
        if value is not None and _is_401(value):
            yield case, [c for c in sx.named_children(case) if sx.key(c) != sx.key(value)]


# --- what a refresh call is -----------------------------------------------------------------


def local_functions(root: SgNode) -> dict[str, SgNode]:
    """Named functions of the file (declarations, `const f = () => ...`, methods); first wins."""
    found: dict[str, SgNode] = {}
    for kind in sorted(sx.FUNCTION_KINDS):
        for fn in root.find_all(kind=kind):
            name = sx.function_name(fn)
            if name is not None:
                found.setdefault(name, fn)
    return found


def _url_argument(call: SgNode) -> SgNode | None:
    args = sx.call_args(call)
    if not args:
        return None
    first = sx.unwrap(args[0])
    if first.kind() == "object":
        for pair in sx.named_children(first):
            key = pair.field("key")
            if pair.kind() == "pair" and key is not None and key.text().strip("\"'") == "url":
                return pair.field("value")
        return None
    return first


def is_endpoint_call(call: SgNode) -> bool:
    """An HTTP call to a refresh endpoint: `axios.post("/auth/refresh")`, `fetch(`${API}/refresh`)`,
    `api.post(TOKEN_URL, { grant_type: "refresh_token" })`, `ky.post("refresh")`, or any call
    whose URL argument is a path to a refresh route (`baseQuery("/auth/refresh", ...)`)."""
    name = sx.callee_name(call)
    target = sx.callee(call)
    url = _url_argument(call)
    if name is None or target is None or url is None:
        return False
    url = sx.unwrap(url)
    is_string = url.kind() in sx.STRING_KINDS
    if is_string and "/" in url.text() and "refresh" in url.text().lower():
        return True
    if not (name in HTTP_FUNCTIONS if target.kind() == "identifier" else name in HTTP_METHODS):
        return False
    if is_string:
        # A bare "refresh" is a path relative to a prefix URL for a POST, but only a key for a `get`
        # (`cookies.get("refresh_token")`).
        url_like = "/" in url.text() or name != "get"
    else:
        parts = sx.member_parts(url)
        url_like = parts is not None and bool(URL_NAME.search(parts[-1]))
    args = call.field("arguments")
    return url_like and args is not None and "refresh" in args.text().lower()


def is_refresh_call(call: SgNode, functions: Mapping[str, SgNode], depth: int = 0) -> bool:
    if is_endpoint_call(call):
        return True
    name = sx.callee_name(call)
    if name is None:
        return False
    if REFRESH_VERB.match(name):
        return True
    fn = functions.get(name)
    if fn is None or depth >= MAX_DEPTH:
        return False
    body = sx.function_body(fn)
    return body is not None and any(
        n.kind() == "call_expression" and is_refresh_call(n, functions, depth + 1)
        for n in sx.descendants(body)
    )


def _outermost_refresh_call(nodes: list[SgNode], functions: Mapping[str, SgNode]) -> SgNode | None:
    for node in nodes:
        for candidate in [node, *sx.descendants(node)]:
            if candidate.kind() == "call_expression" and is_refresh_call(candidate, functions):
                return candidate  # pre-order: the first match is the outermost
    return None


# --- guards ---------------------------------------------------------------------------------


def _not_awaited_call(value: SgNode) -> bool:
    """Whether `value` starts work it does not wait for (a call or `new` outside any `await`)."""
    for node in [value, *sx.descendants(value, into_functions=False)]:
        if node.kind() in ("call_expression", "new_expression") and not any(
            a.kind() == "await_expression" and sx.contains(value, a) for a in node.ancestors()
        ):
            return True
    return False


def single_flight(fn: SgNode) -> bool:
    """Whether `fn` keeps a promise in a shared variable and hands that same promise out:
    `if (!p) p = refresh().finally(...); return p;` (or `await p`, `p.then(...)`)."""
    body = sx.function_body(fn)
    if body is None:
        return False
    stored: set[str] = set()
    for node in sx.descendants(body):
        if node.kind() in ("assignment_expression", "augmented_assignment_expression"):
            left, right = node.field("left"), node.field("right")
            name = sx.shared_name(left, fn) if left is not None else None
            if name is not None and right is not None and _not_awaited_call(right):
                stored.add(name)
    if not stored:
        return False
    for node in sx.descendants(body):
        handed: SgNode | None = None
        if node.kind() in ("return_statement", "await_expression"):
            inner = sx.named_children(node)
            handed = inner[0] if inner else None
        elif node.kind() == "call_expression" and sx.callee_name(node) in ("then", "finally", "catch"):
            target = sx.callee(node)
            handed = target.field("object") if target is not None else None
        if handed is not None and sx.shared_name(handed, fn) in stored:
            return True
    return False


def _called_functions(fn: SgNode, functions: Mapping[str, SgNode]) -> list[SgNode]:
    body = sx.function_body(fn)
    if body is None:
        return []
    called = []
    for node in sx.descendants(body):
        if node.kind() == "call_expression":
            name = sx.callee_name(node)
            target = functions.get(name) if name is not None else None
            if target is not None and sx.key(target) != sx.key(fn):
                called.append(target)
    return called


def _flag_and_queue(handler: SgNode, helpers: list[SgNode], root: SgNode) -> tuple[bool, bool]:
    """(an `isRefreshing`-style shared flag is tested, requests wait in a shared queue)."""
    set_true = {
        name
        for node in root.find_all(kind="assignment_expression")
        if (right := node.field("right")) is not None
        and right.kind() == "true"
        and (left := node.field("left")) is not None
        and (name := _shared_anywhere(left)) is not None
    }
    flag = queue = False
    for fn in [handler, *helpers]:
        body = sx.function_body(fn)
        if body is None:
            continue
        for node in [body, *sx.descendants(body)]:
            if node.kind() == "if_statement" and (condition := node.field("condition")) is not None:
                for ref in [condition, *sx.descendants(condition, into_functions=False)]:
                    if sx.shared_name(ref, fn) in set_true:
                        flag = True
            elif node.kind() == "call_expression":
                name = sx.callee_name(node) or ""
                target = sx.callee(node)
                obj = (
                    target.field("object")
                    if target is not None and target.kind() == "member_expression"
                    else None
                )
                pushes = name == "push" and obj is not None and sx.shared_name(obj, fn) is not None
                if pushes or (obj is None and QUEUE_CALL.search(name)):
                    queue = True
    return flag, queue


def _shared_anywhere(node: SgNode) -> str | None:
    fn = sx.enclosing_function(node)
    if fn is None:
        node = sx.unwrap(node)
        return node.text() if node.kind() == "identifier" else None
    return sx.shared_name(node, fn)


def _mutex(fns: list[SgNode]) -> bool:
    for fn in fns:
        body = sx.function_body(fn)
        for node in sx.descendants(body) if body is not None else ():
            if node.kind() == "call_expression" and sx.callee_name(node) in MUTEX_METHODS:
                target = sx.callee(node)
                obj = target.field("object") if target is not None else None
                if obj is not None and sx.shared_name(obj, fn) is not None:
                    return True
    return False


def guard_of(site_call: SgNode, handler: SgNode, functions: Mapping[str, SgNode], root: SgNode) -> Guard:
    # A single-flight function called on the way from the refresh to the handler (the refresh
    # call itself, or a wrapper like `once(() => refresh())`), or the handler itself.
    on_path = [site_call, *(a for a in site_call.ancestors() if sx.contains(handler, a))]
    for node in on_path:
        if node.kind() == "call_expression":
            name = sx.callee_name(node)
            fn = functions.get(name) if name is not None else None
            if fn is not None and (
                single_flight(fn) or any(single_flight(f) for f in _called_functions(fn, functions))
            ):
                return Guard.SHARED
    if single_flight(handler):
        return Guard.SHARED
    helpers = _called_functions(handler, functions)
    if _mutex([handler, *helpers]):
        return Guard.SHARED
    flag, queue = _flag_and_queue(handler, helpers, root)
    if flag:
        return Guard.SHARED if queue else Guard.FLAG_ONLY
    return Guard.NONE


# --- putting it together --------------------------------------------------------------------


def refresh_sites(root: SgNode) -> Iterator[Site]:
    functions = local_functions(root)
    seen: set[sx.Key] = set()
    for check, branch in unauthorized_branches(root):
        handler = sx.enclosing_function(check)
        call = _outermost_refresh_call(branch, functions)
        if handler is None or call is None or sx.key(call) in seen:
            continue
        seen.add(sx.key(call))
        condition = check.field("condition")
        flag = PER_REQUEST_FLAG.search(condition.text() if condition is not None else "")
        yield Site(
            check=check,
            handler=handler,
            call=call,
            guard=guard_of(call, handler, functions, root),
            per_request_flag=flag.group(1) if flag else None,
        )


def exported_single_flight(root: SgNode) -> frozenset[str]:
    """Names this module exports for functions that share one in-flight refresh."""
    names: set[str] = set()
    for name, fn in local_functions(root).items():
        if not single_flight(fn):
            continue
        statement = sx.top_level_statement(fn)
        exported = statement is not None and statement.kind() == "export_statement"
        if exported or re.search(rf"export\s*\{{[^}}]*\b{re.escape(name)}\b", root.text()):
            names.add(name)
    return frozenset(names)


def relative_import(root: SgNode, local: str) -> tuple[str, str] | None:
    """(module specifier, exported name) when `local` is imported from a relative module."""
    for stmt in root.find_all(kind="import_statement"):
        source = stmt.field("source")
        spec = sx.string_value(source) if source is not None else None
        if spec is None or not spec.startswith("."):
            continue
        for spec_node in stmt.find_all(kind="import_specifier"):
            name, alias = spec_node.field("name"), spec_node.field("alias")
            if name is not None and (alias or name).text() == local:
                return spec, name.text()
    return None
