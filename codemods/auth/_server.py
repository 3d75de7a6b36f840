"""Server-side refresh flow analysis for `auth/refresh-token-rotation`.

A *refresh flow* is a function that verifies a refresh token (`jwt.verify(refreshToken, ...)`,
`jwtVerify`, a `verify*` helper) and issues new tokens (`jwt.sign`, `issueTokens(...)`). For
each flow this module answers three questions: is the presented token invalidated or replaced
in storage (rotation), could an access token pass as a refresh token (one secret or verify
function for both, no token-type claim checked, no lookup in a token store), and does the token
come from the query string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods._js_bindings import pattern_names
from handrail.codemods.auth import _syntax as sx
from handrail.codemods.auth._client import local_functions

REFRESH = re.compile(r"refresh", re.I)
VERIFY_LIBRARY = frozenset({"verify", "jwtVerify", "verifyAsync"})
VERIFY_NAME = re.compile(r"^verify", re.I)
ISSUE_NAME = re.compile(
    r"^(?:issue|generate|create|sign|mint|make|new)\w*(?:token|jwt|session|credential)s?$", re.I
)
# Calls that invalidate or replace what is stored for a token, by their first word
# (`deleteMany`, `revokeToken`, `redis.getdel`), whatever they are called on.
STRONG_WRITE = frozenset(
    [
        "delete",
        "remove",
        "revoke",
        "invalidate",
        "destroy",
        "del",
        "consume",
        "rotate",
        "blacklist",
        "blocklist",
        "denylist",
        "expire",
        "evict",
        "getdel",
        "srem",
        "hdel",
        "splice",
        "unlink",
    ]
)
# Calls that replace stored data: rotation only when they are about a token store.
WEAK_WRITE = frozenset(
    {"update", "upsert", "set", "setex", "replace", "findoneandupdate", "findbyidandupdate"}
)
LOOKUP = frozenset(
    {
        "find",
        "get",
        "has",
        "includes",
        "exists",
        "lookup",
        "select",
        "query",
        "count",
        "sismember",
        "hget",
        "hexists",
    }
)
TOKENISH = re.compile(r"token|session|jti|refresh|family", re.I)
HTTP_OBJECTS = re.compile(r"^(?:res|reply|response|ctx|c|headers|cookies)$")
TYPE_CLAIMS = frozenset(
    {"type", "typ", "tokenType", "token_type", "kind", "use", "token_use", "tokenUse", "purpose"}
)
VERIFY_OPTIONS = frozenset({"audience", "subject", "issuer", "typ"})
SQL_WRITE = re.compile(r"\b(?:update|delete)\b", re.I)


@dataclass(frozen=True)
class Flow:
    scope: SgNode  # the function that verifies the refresh token and issues new tokens
    verify: SgNode  # the verify call
    token: SgNode  # what is verified (its first argument)
    issue: SgNode  # the first call that issues a token after the verify
    helpers: tuple[SgNode, ...]  # same-file functions the scope calls (looked into, one level)

    @property
    def bodies(self) -> list[SgNode]:
        return [n for n in (sx.function_body(f) for f in (self.scope, *self.helpers)) if n is not None]

    def nodes(self) -> Iterator[SgNode]:
        for body in self.bodies:
            yield body
            yield from sx.descendants(body)


# --- finding flows --------------------------------------------------------------------------


def _is_verify(call: SgNode) -> bool:
    name = sx.callee_name(call)
    return (
        name is not None
        and (name in VERIFY_LIBRARY or bool(VERIFY_NAME.match(name)))
        and bool(sx.call_args(call))
    )


def _is_issue(call: SgNode) -> bool:
    name = sx.callee_name(call)
    return name is not None and (name == "sign" or bool(ISSUE_NAME.match(name)))


def _declaration_of(name: str, scope: SgNode) -> SgNode | None:
    """The `variable_declarator` in `scope` that binds `name`."""
    for node in sx.descendants(scope):
        if node.kind() == "variable_declarator":
            target = node.field("name")
            if target is not None and name in pattern_names(target):
                return node
    return None


def _origin(token: SgNode, scope: SgNode) -> SgNode:
    """Where a verified identifier came from: its declarator (`const { refreshToken: t } = req.body`)."""
    token = sx.unwrap(token)
    if token.kind() == "identifier":
        declarator = _declaration_of(token.text(), scope)
        if declarator is not None:
            return declarator
    return token


def _route_path(fn: SgNode) -> str | None:
    """`/auth/refresh` for the handler of `router.post("/auth/refresh", ..., handler)`."""
    args = fn.parent()
    call = args.parent() if args is not None and args.kind() == "arguments" else None
    if call is None or call.kind() != "call_expression":
        return None
    first = sx.call_args(call)[:1]
    return sx.string_value(first[0]) if first else None


def _refreshish(verify: SgNode, scope: SgNode) -> bool:
    name = sx.callee_name(verify) or ""
    token = sx.call_args(verify)[0]
    if REFRESH.search(name) or REFRESH.search(_origin(token, scope).text()):
        return True
    fn: SgNode | None = scope
    while fn is not None:
        path = _route_path(fn)
        if path is not None:
            return bool(REFRESH.search(path))
        fn = sx.enclosing_function(fn)
    return False


def refresh_flows(root: SgNode) -> Iterator[Flow]:
    functions = local_functions(root)
    for verify in root.find_all(kind="call_expression"):
        if not _is_verify(verify):
            continue
        for scope in (a for a in verify.ancestors() if a.kind() in sx.FUNCTION_KINDS):
            body = sx.function_body(scope)
            if body is None or not _refreshish(verify, scope):
                continue
            after = verify.range().start.index + 1
            issues = [
                n
                for n in sx.descendants(body)
                if n.kind() == "call_expression" and n.range().start.index >= after and _is_issue(n)
            ]
            if not issues:
                continue
            helpers = tuple(_helpers(scope, functions))
            yield Flow(scope, verify, sx.call_args(verify)[0], issues[0], helpers)
            break


def _helpers(scope: SgNode, functions: Mapping[str, SgNode]) -> Iterator[SgNode]:
    body = sx.function_body(scope)
    seen: set[sx.Key] = {sx.key(scope)}
    for node in sx.descendants(body) if body is not None else ():
        if node.kind() == "call_expression":
            name = sx.callee_name(node)
            fn = functions.get(name) if name is not None else None
            if (
                fn is not None
                and sx.key(fn) not in seen
                and not any(sx.key(a) == sx.key(fn) for a in scope.ancestors())
            ):
                seen.add(sx.key(fn))
                yield fn


# --- rotation -------------------------------------------------------------------------------


def _call_target_text(call: SgNode) -> str:
    target = sx.callee(call)
    obj = target.field("object") if target is not None and target.kind() == "member_expression" else None
    args = call.field("arguments")
    return (obj.text() if obj is not None else "") + (args.text() if args is not None else "")


def _first_word(name: str) -> str:
    """`delete` for `deleteMany`, `find` for `findUnique`, `getdel` for `getdel`."""
    match = re.match(r"[a-z]+|[A-Z][a-z]*", name.lstrip("_$"))
    return match.group(0).lower() if match else ""


def verified_names(flow: Flow) -> frozenset[str]:
    """Names that stand for the presented token: the verified variable, the claims it verified
    to (`const { payload } = await jwtVerify(...)`), a verify callback's claims parameter."""
    names: set[str] = set()
    token = sx.unwrap(flow.token)
    if token.kind() == "identifier":
        names.add(token.text())
    parent = flow.verify.parent()
    while parent is not None and parent.kind() in sx.TRANSPARENT_KINDS | {"await_expression"}:
        parent = parent.parent()
    target = None
    if parent is not None and parent.kind() == "variable_declarator":
        target = parent.field("name")
    elif parent is not None and parent.kind() == "assignment_expression":
        target = parent.field("left")
    if target is not None:
        names.update(pattern_names(target))
    for arg in sx.call_args(flow.verify)[2:]:
        if arg.kind() in sx.FUNCTION_KINDS:
            names.update(n for p in sx.parameters(arg)[1:] for n in pattern_names(p))
    return frozenset(names)


def _writes_token(call: SgNode, presented: frozenset[str]) -> bool:
    """Whether `call` removes or overwrites a stored token: a delete-like call on anything, or an
    update-like call on a token store, about the presented token, or setting a refresh field."""
    name = sx.callee_name(call) or ""
    verb = _first_word(name)
    if verb in STRONG_WRITE or name.lower() in ("findoneanddelete", "findbyidanddelete"):
        return True
    if verb not in WEAK_WRITE and name.lower() not in WEAK_WRITE:
        return False
    target = sx.callee(call)
    obj = target.field("object") if target is not None and target.kind() == "member_expression" else None
    obj_text = obj.text() if obj is not None else ""
    if HTTP_OBJECTS.match(obj_text):
        return False  # `res.setHeader(...)` sets a cookie or header, not a store
    args = call.field("arguments")
    if args is None:
        return False
    mentioned = {n.text() for n in sx.descendants(args) if n.kind() == "identifier"}
    refresh_field = any(
        n.kind() in ("pair", "shorthand_property_identifier") and REFRESH.search((n.field("key") or n).text())
        for n in sx.descendants(args)
    )
    store = obj is not None and sx.member_parts(obj) is not None and bool(TOKENISH.search(obj_text))
    return store or bool(mentioned & presented) or refresh_field


def rotates(flow: Flow) -> bool:
    """Whether the flow invalidates or replaces the stored refresh token."""
    presented = verified_names(flow)
    for node in flow.nodes():
        kind = node.kind()
        if kind == "call_expression" and _writes_token(node, presented):
            return True
        if kind == "unary_expression" and node.text().startswith("delete"):
            return True  # `delete refreshTokens[token]`
        if kind in ("assignment_expression", "augmented_assignment_expression"):
            left, right = node.field("left"), node.field("right")
            parts = sx.member_parts(left) if left is not None else None
            if parts is not None and len(parts) > 1 and REFRESH.search(parts[-1]):
                return True  # `user.refreshToken = newToken` (saved with the user)
            if right is not None and re.search(r"\.(?:filter|splice)\(", right.text()):
                return True  # `tokens = tokens.filter((t) => t !== refreshToken)`
        elif kind in sx.STRING_KINDS and SQL_WRITE.search(node.text()) and TOKENISH.search(node.text()):
            return True
    return False


# --- access token accepted as a refresh token -----------------------------------------------


def _normalized(node: SgNode) -> str:
    return re.sub(r"\s+", "", node.text())


def _sign_role(call: SgNode) -> str:
    """ "refresh" or "access": what a `sign(...)` call produces, judged by its name in the code
    (`const refreshToken = jwt.sign(...)`, `signRefreshToken()`) or a `type` in its payload."""
    args = sx.call_args(call)
    if args and re.search(r"""\b(?:type|typ|tokenType|kind)\s*:\s*["']refresh""", args[0].text()):
        return "refresh"
    for anc in call.ancestors():
        label: SgNode | None = None
        if anc.kind() == "variable_declarator":
            label = anc.field("name")
        elif anc.kind() == "pair":
            label = anc.field("key")
        elif anc.kind() == "assignment_expression":
            label = anc.field("left")
        elif anc.kind() in sx.FUNCTION_KINDS:
            name = sx.function_name(anc)
            return "refresh" if name is not None and REFRESH.search(name) else "access"
        if label is not None:
            return "refresh" if REFRESH.search(label.text()) else "access"
    return "access"


def _library_verify(call: SgNode) -> bool:
    return sx.callee_name(call) in VERIFY_LIBRARY and len(sx.call_args(call)) >= 2


def access_secrets(root: SgNode) -> set[str]:
    """Secrets (as normalized source text) that sign or verify access tokens in this file."""
    secrets: set[str] = set()
    for call in root.find_all(kind="call_expression"):
        args = sx.call_args(call)
        if len(args) < 2:
            continue
        if sx.callee_name(call) == "sign" and _sign_role(call) == "access":
            secrets.add(_normalized(args[1]))
        elif _library_verify(call):
            scope = sx.enclosing_function(call)
            if scope is not None and not _refreshish(call, scope):
                secrets.add(_normalized(args[1]))
    return secrets


def refresh_signs(root: SgNode) -> list[SgNode]:
    """`sign(...)` calls that produce refresh tokens."""
    return [
        c
        for c in root.find_all(kind="call_expression")
        if sx.callee_name(c) == "sign" and len(sx.call_args(c)) >= 2 and _sign_role(c) == "refresh"
    ]


def _verify_secret(flow: Flow, functions: Mapping[str, SgNode]) -> SgNode | None:
    """The secret the refresh token is checked with (looking into a same-file verify helper)."""
    if _library_verify(flow.verify):
        return sx.call_args(flow.verify)[1]
    name = sx.callee_name(flow.verify)
    helper = functions.get(name) if name is not None else None
    body = sx.function_body(helper) if helper is not None else None
    inner = (
        [n for n in sx.descendants(body) if n.kind() == "call_expression" and _library_verify(n)]
        if body
        else []
    )
    return sx.call_args(inner[0])[1] if len(inner) == 1 else None


def shared_verifier(flow: Flow, root: SgNode) -> bool:
    """Whether the verify function (a helper such as `verifyToken`) also checks access tokens here."""
    if _library_verify(flow.verify):
        return False
    name = sx.callee_name(flow.verify)
    for call in root.find_all(kind="call_expression"):
        if sx.key(call) == sx.key(flow.verify) or sx.callee_name(call) != name or not sx.call_args(call):
            continue
        scope = sx.enclosing_function(call)
        if scope is None or not _refreshish(call, scope):
            return True
    return False


def checks_token_type(flow: Flow) -> bool:
    for node in flow.nodes():
        if node.kind() == "binary_expression":
            op = node.field("operator")
            if op is None or op.text() not in ("===", "!==", "==", "!="):
                continue
            for side in (node.field("left"), node.field("right")):
                if side is None:
                    continue
                parts = sx.member_parts(side)
                if parts is not None and parts[-1] in TYPE_CLAIMS:
                    return True
        elif node.kind() == "pair":
            key = node.field("key")
            if (
                key is not None
                and key.text().strip("\"'") in VERIFY_OPTIONS
                and _inside_verify_options(node, flow)
            ):
                return True
        elif (
            node.kind() == "call_expression"
            and sx.callee_name(node) == "literal"
            and REFRESH.search(node.text())
        ):
            return True  # a schema on the claims: `type: z.literal("refresh")`
    return False


def _inside_verify_options(pair: SgNode, flow: Flow) -> bool:
    args = sx.call_args(flow.verify)
    return len(args) >= 3 and sx.contains(args[2], pair)


def looks_up_token(flow: Flow) -> bool:
    """Whether the presented token is looked up in (or removed from) a store: an access token
    would not be there."""
    token = sx.unwrap(flow.token)
    names = {token.text()} if token.kind() == "identifier" else set()
    for node in flow.nodes():
        if node.kind() != "call_expression":
            continue
        name = sx.callee_name(node) or ""
        if _first_word(name) not in LOOKUP and not _writes_token(node, frozenset()):
            continue
        args = node.field("arguments")
        text = args.text() if args is not None else ""
        if (
            REFRESH.search(text)
            or re.search(r"\bjti\b", text)
            or any(re.search(rf"\b{n}\b", text) for n in names)
        ):
            return True
    return False


def accepts_access_token(flow: Flow, root: SgNode, functions: Mapping[str, SgNode]) -> SgNode | None:
    """The node to report when an access token would pass this flow's verification, else None."""
    if checks_token_type(flow) or looks_up_token(flow):
        return None
    secret = _verify_secret(flow, functions)
    if secret is not None and _normalized(secret) in access_secrets(root):
        return secret
    if shared_verifier(flow, root):
        return flow.verify
    return None


# --- the query string -----------------------------------------------------------------------


def query_source(flow: Flow) -> SgNode | None:
    """The `req.query` (or `searchParams.get`) the verified token is read from, if any."""
    origin = _origin(flow.token, flow.scope)
    for node in [origin, *sx.descendants(origin)]:
        parts = sx.member_parts(node) if node.kind() == "member_expression" else None
        if parts is not None and len(parts) >= 2 and parts[1] == "query" and parts[0] != "this":
            return _prefix(node, 2)
        if (
            node.kind() == "call_expression"
            and sx.callee_name(node) == "get"
            and "searchParams" in node.text()
        ):
            return node
    return None


def _prefix(member: SgNode, length: int) -> SgNode:
    """The `a.b` inside `a.b.c.d` (the member expression made of the first `length` parts)."""
    node = member
    while True:
        parts = sx.member_parts(node)
        obj = node.field("object")
        if parts is None or len(parts) <= length or obj is None:
            return node
        node = sx.unwrap(obj)


# --- where code goes ------------------------------------------------------------------------


def claims_name(flow: Flow) -> tuple[str, SgNode] | None:
    """The variable holding the verified claims, and the statement after which it is set."""
    parent = flow.verify.parent()
    while parent is not None and parent.kind() in sx.TRANSPARENT_KINDS | {"await_expression"}:
        parent = parent.parent()
    if parent is None:
        return None
    if parent.kind() == "variable_declarator":
        target = parent.field("name")
        name = target.text() if target is not None and target.kind() == "identifier" else None
    elif parent.kind() == "assignment_expression":
        left = parent.field("left")
        name = left.text() if left is not None and left.kind() == "identifier" else None
    else:
        return None
    if name is None:
        return None
    declarator = _declaration_of(name, flow.scope)
    statement = sx.statement_of(flow.verify)
    if declarator is not None and statement is not None:
        home = sx.statement_of(declarator)
        block = home.parent() if home is not None else None
        while block is not None and statement is not None:
            parent_block = statement.parent()
            if parent_block is not None and sx.key(parent_block) == sx.key(block):
                break
            statement = sx.statement_of(parent_block) if parent_block is not None else None
    return (name, statement) if statement is not None else None


def response_name(flow: Flow) -> str | None:
    """`res` when the flow answers through an Express-style `res.status(...)`."""
    params = sx.parameters(flow.scope)
    if len(params) < 2:
        return None
    name = sx.param_name(params[1])
    body = sx.function_body(flow.scope)
    if name is None or body is None or not re.search(rf"\b{re.escape(name)}\.status\(", body.text()):
        return None
    return name
