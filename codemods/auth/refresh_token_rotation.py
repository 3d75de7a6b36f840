"""auth/refresh-token-rotation: refresh endpoints that never rotate, take access tokens, read the URL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ast_grep_py import SgNode

from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE, Language
from handrail.engine.model import Applicability, Edit, Finding, Fix, Severity
from handrail.engine.rule import Example, Rule

if TYPE_CHECKING:
    from handrail.codemods.auth._server import Flow

# The analysis helpers are imported inside the functions that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code.

EXAMPLE_BEFORE = """\
import express from "express";
import jwt from "jsonwebtoken";

const SECRET = process.env.JWT_SECRET!;
export const router = express.Router();

router.post("/auth/refresh", async (req, res) => {
  const { refreshToken } = req.body;
  try {
    const payload = jwt.verify(refreshToken, process.env.JWT_REFRESH_SECRET!) as jwt.JwtPayload;
    const accessToken = jwt.sign({ sub: payload.sub }, SECRET, { expiresIn: "15m" });
    res.json({ accessToken });
  } catch {
    res.status(401).json({ error: "Invalid refresh token" });
  }
});
"""

EXAMPLE_AFTER = """\
import express from "express";
import jwt from "jsonwebtoken";

const SECRET = process.env.JWT_SECRET!;
export const router = express.Router();

router.post("/auth/refresh", async (req, res) => {
  const { refreshToken } = req.body;
  try {
    const payload = jwt.verify(refreshToken, process.env.JWT_REFRESH_SECRET!) as jwt.JwtPayload;
    // Rotate the refresh token: each one is good for one use. consumeRefreshToken must mark it
    // used in one atomic step (UPDATE ... WHERE used_at IS NULL, Redis GETDEL) and answer
    // "reused" when it was used before, outside a grace window of a few seconds that lets
    // concurrent requests from one client through; on reuse, revoke the token's whole family.
    const rotation = await consumeRefreshToken(refreshToken, { graceMs: 10_000 });
    if (rotation === "reused") {
      res.status(401).json({ error: "Refresh token already used" });
      return;
    }
    const accessToken = jwt.sign({ sub: payload.sub }, SECRET, { expiresIn: "15m" });
    res.json({ accessToken });
  } catch {
    res.status(401).json({ error: "Invalid refresh token" });
  }
});
"""


class RefreshTokenRotation(Rule):
    id = "auth/refresh-token-rotation"
    languages = JS_LIKE
    summary = "A refresh endpoint that never rotates the token, takes access tokens, or reads it from the URL"
    why = (
        "A refresh token is a long-lived credential. When the refresh endpoint only checks its "
        "signature and hands out new tokens, the presented token stays valid until it expires: "
        "a token copied from a log, a backup or a stolen laptop works for weeks, and nobody can "
        "tell the thief from the user. Rotation makes each refresh token single-use (the "
        "endpoint consumes it in storage and issues a new one), so a replayed token is noticed "
        "and the whole token family can be revoked.\n\n"
        "Rotation done naively breaks real clients: a page that fires several requests when the "
        "access token expires sends several refreshes with the same token, and strict "
        'single-use rejects all but one ("concurrent refresh requests would invalidate each '
        "other's tokens\"). Retrying does not fix that; a short grace window for a token that "
        "was just rotated does, together with a client that refreshes once "
        "(auth/refresh-token-race).\n\n"
        "Two more mistakes in the same handlers: verifying the refresh token with the secret or "
        "helper that also verifies access tokens, without checking a token-type claim, lets any "
        "access token act as a refresh token, which turns a 15-minute leak into a permanent "
        "one; and reading the token from the query string writes it into access logs, proxy "
        "logs and browser history."
    )
    fix_safety = Applicability.SUGGESTION
    fix_safety_notes = (
        "Suggestions only, never applied by `handrail fix`: each one needs storage or token "
        "changes that handrail cannot see or make safely. No rotation: a call to "
        "`consumeRefreshToken(token, { graceMs })` before new tokens are issued, for you to "
        "implement on your token store (the notes show one), rejecting reuse. Access token "
        'accepted: a `type` claim check after the verification, and `type: "refresh"` added '
        "to refresh tokens signed in the same file (tokens issued before the change lack the "
        "claim and are refused, which logs those users out once). Query string: read the token "
        "from the request body instead (clients must send it there)."
    )
    severity = Severity.WARNING
    notes = (
        "A refresh flow is a function that verifies a refresh token (`jwt.verify`, jose's "
        "`jwtVerify`, or a `verify*` helper, on a value named like a refresh token or inside a "
        "route whose path mentions refresh) and then issues tokens (`sign`, `issueTokens`, "
        "`generateTokens`...). Counted as rotation: deleting, revoking, consuming or replacing "
        "the stored token (`deleteMany`, `revoke...`, `redis.getdel`, `tokens.delete(t)`, "
        "`prisma.refreshToken.update`, `user.refreshToken = next`, an SQL UPDATE/DELETE on "
        "tokens), in the flow or in a same-file function it calls. Not checked: whether that "
        "write is atomic with the check (a `findUnique` then `delete` pair still lets two "
        "concurrent requests through).\n\n"
        "Rotation with reuse detection and a grace window, in outline (Postgres): consume the "
        "token in one statement, `UPDATE refresh_tokens SET used_at = now() WHERE id = $1 AND "
        "used_at IS NULL RETURNING family_id`. A row back: rotated, issue a new pair in the same "
        "family. No row, but the token was used in the last few seconds: a concurrent refresh "
        "from the same client; answer with the pair issued to the first request (store it with "
        "the used token) or a fresh pair of the same family. No row otherwise: a rotated token "
        "came back, so revoke the family (`UPDATE refresh_tokens SET revoked = true WHERE "
        "family_id = $2`) and answer 401."
    )
    example = Example(before=EXAMPLE_BEFORE, after=EXAMPLE_AFTER, path="src/routes/auth.ts")
    requires = ("erify",)  # verify, jwtVerify, verifyToken

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        from handrail.codemods.auth import _server
        from handrail.codemods.auth._client import local_functions

        if "refresh" not in ctx.text.lower() or "verify" not in ctx.text.lower():
            return
        root = ctx.root
        functions = local_functions(root)
        for flow in _server.refresh_flows(root):
            query = _server.query_source(flow)
            if query is not None:
                yield self._query_finding(ctx, flow, query)
            accepted = _server.accepts_access_token(flow, root, functions)
            if accepted is not None:
                yield self._access_finding(ctx, flow, accepted)
            if not _server.rotates(flow):
                yield self._rotation_finding(ctx, flow)

    def _query_finding(self, ctx: FileContext, flow: Flow, query: SgNode) -> Finding:
        from handrail.codemods.auth import _syntax as sx

        start, end = ctx.span(query)
        fix = None
        parts = sx.member_parts(query)
        if parts is not None and parts[-1] == "query":
            body = ".".join([*parts[:-1], "body"])
            fix = Fix(
                Applicability.SUGGESTION, (Edit(start, end, body),), "Read the refresh token from the body"
            )
        message = (
            "The refresh token is read from the query string: URLs end up in access logs, proxy logs and "
            "browser history; take it from the request body or an httpOnly cookie"
        )
        return ctx.finding(self, start, end, message, fix=fix)

    def _access_finding(self, ctx: FileContext, flow: Flow, node: SgNode) -> Finding:
        start, end = ctx.span(node)
        how = (
            "with the same secret as access tokens"
            if node.kind() != "call_expression"
            else "by the helper that also verifies access tokens"
        )
        message = (
            f"The refresh token is verified {how} and no token-type claim is checked: any access token "
            "is accepted as a refresh token"
        )
        return ctx.finding(self, start, end, message, fix=_type_check_fix(ctx, flow))

    def _rotation_finding(self, ctx: FileContext, flow: Flow) -> Finding:
        start, end = ctx.span(flow.verify)
        message = (
            "New tokens are issued but the presented refresh token is never invalidated or replaced in "
            "storage: it stays valid (and replayable) until it expires; rotate it, with reuse detection "
            "and a short grace window for concurrent refreshes"
        )
        return ctx.finding(self, start, end, message, fix=_rotation_fix(ctx, flow))


def _rotation_fix(ctx: FileContext, flow: Flow) -> Fix | None:
    """Consume the presented token before the first token is issued."""
    from handrail.codemods.auth import _server
    from handrail.codemods.auth import _syntax as sx

    statement = sx.statement_of(flow.issue)
    fn = sx.enclosing_function(flow.issue)
    token = sx.unwrap(flow.token)
    if statement is None or fn is None or token.kind() not in ("identifier", "member_expression"):
        return None
    edits: list[Edit] = []
    if not sx.is_async(fn):
        if fn.field("return_type") is not None:
            return None  # making it async would change its declared type
        at = fn.range().start.index
        edits.append(Edit(at, at, "async "))
    at = statement.range().start.index
    indent = sx.line_indent(ctx.text, at)
    response = _server.response_name(flow) if sx.key(fn) == sx.key(flow.scope) else None
    reject = (
        f'{response}.status(401).json({{ error: "Refresh token already used" }});\n{indent}  return;'
        if response is not None
        else 'throw new Error("Refresh token already used");'
    )
    taken = sx.identifier_names(flow.scope)
    rotation = next(
        n for n in ("rotation", "tokenRotation", "refreshRotation", "rotationResult") if n not in taken
    )
    code = (
        "// Rotate the refresh token: each one is good for one use. consumeRefreshToken must mark it\n"
        f"{indent}// used in one atomic step (UPDATE ... WHERE used_at IS NULL, Redis GETDEL) and answer\n"
        f'{indent}// "reused" when it was used before, outside a grace window of a few seconds that lets\n'
        f"{indent}// concurrent requests from one client through; on reuse, revoke the token's whole"
        " family.\n"
        f"{indent}const {rotation} = await consumeRefreshToken({token.text()}, {{ graceMs: 10_000 }});\n"
        f'{indent}if ({rotation} === "reused") {{\n'
        f"{indent}  {reject}\n"
        f"{indent}}}\n"
        f"{indent}"
    )
    edits.append(Edit(at, at, code))
    return Fix(Applicability.SUGGESTION, tuple(edits), "Rotate the refresh token (consume it, detect reuse)")


def _type_check_fix(ctx: FileContext, flow: Flow) -> Fix | None:
    """Check `type === "refresh"` after verifying, and put that claim into refresh tokens."""
    from handrail.codemods.auth import _server
    from handrail.codemods.auth import _syntax as sx

    bound = _server.claims_name(flow)
    if bound is None:
        return None
    name, statement = bound
    end = statement.range().end.index
    indent = sx.line_indent(ctx.text, statement.range().start.index)
    claim = (
        f"({name} as {{ type?: unknown }}).type"
        if ctx.language is not Language.JAVASCRIPT
        else f"{name}.type"
    )
    response = _server.response_name(flow)
    reject = (
        f'{response}.status(401).json({{ error: "Not a refresh token" }});\n{indent}  return;'
        if response is not None
        and sx.key(sx.enclosing_function(statement) or flow.scope) == sx.key(flow.scope)
        else 'throw new Error("Not a refresh token");'
    )
    edits = [Edit(end, end, f'\n{indent}if ({claim} !== "refresh") {{\n{indent}  {reject}\n{indent}}}')]
    for sign in _server.refresh_signs(ctx.root):
        payload = sx.unwrap(sx.call_args(sign)[0])
        if payload.kind() == "object" and "type" not in {
            (p.field("key") or p).text() for p in sx.named_children(payload)
        }:
            at = payload.range().start.index + 1
            edits.append(
                Edit(at, at, ' type: "refresh",' if sx.named_children(payload) else ' type: "refresh" ')
            )
    return Fix(Applicability.SUGGESTION, tuple(edits), 'Require type: "refresh" on refresh tokens')
