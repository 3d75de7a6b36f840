"""errors/unlogged-500: a catch block answers 500 and the error is never logged."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import FUNCTION_KINDS
from handrail.codemods.errors._js_browser import is_client_file, runs_in_browser
from handrail.codemods.errors._js_scopes import ErrorScope, catch_scopes, is_shadowed
from handrail.codemods.errors._js_syntax import (
    call_args,
    callee_path,
    descendants,
    identifier_names,
    key,
    member_name,
    named_children,
    string_value,
    subtree,
    unwrap,
)
from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts, ProjectInfo
from handrail.engine.rule import Example, Option, Rule

if TYPE_CHECKING:
    from handrail.codemods.errors._js_logger import LoggerEdit, LoggerPlan

# The logger helpers (pino, imports, the project's logger facts) are imported inside the
# functions that use them: every run loads the rule catalog, warm ones included, and must not
# pay for them. The syntax, scope and node-kind helpers are light, and used throughout.

# `<x>.status(500)`, `reply.code(500)`, `res.sendStatus(500)`, `res.writeHead(500)`.
STATUS_METHODS = frozenset({"status", "code", "sendStatus", "writeHead"})
# Hono-style `c.json(body, 500)`: the status is the second argument.
BODY_STATUS_METHODS = frozenset({"json", "text", "html", "body", "newResponse"})
RESPONSE_CLASSES = frozenset({"Response", "NextResponse"})
# Methods that build the response itself: an error passed to them is sent, not logged.
RESPONSE_METHODS = frozenset(
    {"json", "send", "end", "status", "code", "sendStatus", "type", "set", "header", "setHeader"}
    | {"writeHead", "write", "render", "redirect", "html", "text", "body", "jsonp", "format"}
)
# Calls that only look at the error or convert it.
NOT_HANDLERS = frozenset({"String", "Number", "Boolean", "JSON.stringify", "Object.keys", "Object.entries"})
PREDICATE = re.compile(r"^(?:is|has)[A-Z_]|[Mm]essage|^format|^toString$")
LOGGER_OBJECT = re.compile(r"^(?:log|logger)$|Logger$|_logger$|^Sentry$", re.IGNORECASE)
LOGGER_FUNCTION = re.compile(r"^log[A-Z_]|^log$|^report|^capture|^notify", re.IGNORECASE)
# Nodes whose children are statements, so a log line can go before any of them.
STATEMENT_CONTAINERS = frozenset({"statement_block", "program", "switch_case", "switch_default"})
# Code in a catch body that runs later, if at all (functions), or that is judged on its own,
# with its own error (nested catch clauses).
NOT_OWN_KINDS = FUNCTION_KINDS | {"catch_clause"}


def is_status_500(node: SgNode) -> bool:
    node = unwrap(node)
    if node.kind() == "number":
        return node.text() == "500"
    return member_name(node) == "INTERNAL_SERVER_ERROR" or node.text() == "INTERNAL_SERVER_ERROR"


def response_500(node: SgNode) -> bool:
    """Whether an expression node itself sets status 500 on a response."""

    kind = node.kind()
    if kind == "call_expression":
        callee, args = node.field("function"), call_args(node)
        method = member_name(callee) if callee is not None else None
        if method in STATUS_METHODS and args and is_status_500(args[0]):
            return True
        if method in BODY_STATUS_METHODS and len(args) >= 2 and is_status_500(args[1]):
            return True
        path = callee_path(node)
        return len(path) == 2 and path[0] in RESPONSE_CLASSES and _status_option(args)
    if kind == "new_expression":
        ctor = node.field("constructor")
        return ctor is not None and ctor.text() in RESPONSE_CLASSES and _status_option(call_args(node))
    if kind == "assignment_expression":
        left, right = node.field("left"), node.field("right")
        return (
            left is not None
            and right is not None
            and member_name(left) in ("status", "statusCode")
            and is_status_500(right)
        )
    return False


def _status_option(args: list[SgNode]) -> bool:
    """`(body, { status: 500 })`."""

    if len(args) < 2 or unwrap(args[1]).kind() != "object":
        return False
    for pair in named_children(unwrap(args[1])):
        k, v = pair.field("key"), pair.field("value")
        if pair.kind() == "pair" and k is not None and v is not None and k.text() == "status":
            return is_status_500(v)
    return False


def own_nodes(body: SgNode) -> Iterator[SgNode]:
    """Descendants of a catch body that belong to it (see NOT_OWN_KINDS)."""

    return descendants(body, prune=NOT_OWN_KINDS)


def is_logging_call(call: SgNode) -> bool:
    path = callee_path(call)
    if len(path) >= 2:
        return path[0] == "console" or any(LOGGER_OBJECT.search(p) for p in path[:-1])
    return len(path) == 1 and bool(LOGGER_FUNCTION.search(path[0]))


def _in_response(call: SgNode) -> bool:
    """Whether `call` is part of building the response: a response method or inside one's arguments."""

    for node in [call, *call.ancestors()]:
        if node.kind() in ("statement_block", "expression_statement", "return_statement"):
            return False
        if node.kind() == "call_expression":
            callee = node.field("function")
            path = callee_path(node)
            if callee is not None and member_name(callee) in RESPONSE_METHODS:
                return True
            if len(path) == 2 and path[0] in RESPONSE_CLASSES:
                return True
        if node.kind() == "new_expression":
            ctor = node.field("constructor")
            if ctor is not None and ctor.text() in RESPONSE_CLASSES:
                return True
    return False


def handles_error(scope: ErrorScope, nodes: list[SgNode]) -> bool:
    """Whether the catch logs, rethrows, forwards (`next(e)`) or hands the error to a function."""

    refs = {key(r) for r in scope.references()}
    for node in nodes:
        if node.kind() == "throw_statement":
            return True
        if node.kind() != "call_expression":
            continue
        if is_logging_call(node):
            return True
        path = ".".join(callee_path(node))
        args = call_args(node)
        passes_error = any(key(n) in refs for a in args for n in subtree(a))
        if path == "next" and args:
            return True
        if not passes_error or path in NOT_HANDLERS or PREDICATE.search(path.rsplit(".", 1)[-1]):
            continue
        if not _in_response(node):
            return True
        # Fastify logs an Error handed to reply.send() through its error handler.
        callee = node.field("function")
        if callee is not None and member_name(callee) == "send" and any(key(a) in refs for a in args):
            return True
    return False


def statement_of(node: SgNode, body: SgNode) -> SgNode:
    """The statement holding `node` that sits directly in a block of the catch body, so a line
    can go before it (even when `node` is the body of a braceless `if`)."""

    current = node
    stop = key(body)
    for anc in node.ancestors():
        if anc.kind() in STATEMENT_CONTAINERS:
            return current
        if key(anc) == stop:
            break
        current = anc
    return current


def response_message(statement: SgNode) -> str | None:
    """The literal of an `error:`/`message:` property in the response, reused as the log message."""

    for pair in statement.find_all(kind="pair"):
        k, v = pair.field("key"), pair.field("value")
        if (
            k is not None
            and v is not None
            and k.text().strip("\"'") in ("error", "message", "msg")
            and string_value(v) is not None
            and "%" not in v.text()
        ):
            return v.text()
    return None


def fresh_name(scope: ErrorScope) -> str:
    used = identifier_names(scope.body)
    return next(n for n in ("error", "err", "caughtError", "caughtErr") if n not in used)


class Unlogged500(Rule):
    id = "errors/unlogged-500"
    languages = JS_LIKE
    summary = "A catch block answers 500 without logging the error"
    why = (
        '`catch (e) { res.status(500).json({ error: "Something went wrong" }) }` tells the '
        "client that the server failed and throws away the only record of why. The error is "
        "not logged, not rethrown, not passed to `next(e)` or an error tracker: the 500 shows up "
        "in the access log and nowhere else, and the incident has no stack to start from.\n\n"
        'Log the error where it is caught, with its stack: `logger.error({ err: e }, "...")` '
        "with pino, or at least `console.error(e)`."
    )
    fix_safety = Applicability.SUGGESTION
    fix_safety_notes = (
        "Suggestion only: the log line goes right before the statement that sends the 500, with "
        "its indentation, and a binding-less `catch {` becomes `catch (error) {` (another name "
        "if `error` is taken) so there is something to log. It uses the file's pino logger when "
        "one is in scope (created in the file or imported from the project's logger module), "
        "else `console.error(e)`. Where and how to log is the team's call, so it is never "
        "applied automatically."
    )
    options = {
        "logger-name": Option(str, "logger", "Preferred name of the pino logger when the file has several"),
    }
    notes = (
        "Recognized 500 responses: `res.status(500)`, `res.sendStatus(500)`, `reply.code(500)`, "
        "`res.writeHead(500)`, `c.json(body, 500)`, `NextResponse.json(body, { status: 500 })`, "
        "`new Response(body, { status: 500 })`, `ctx.status = 500`, `res.statusCode = 500`, and "
        "`StatusCodes.INTERNAL_SERVER_ERROR` for 500.\n\n"
        "Counts as handled: any console.*/logger.*/log.*/Sentry.* call in the catch (even one "
        "that does not log the error itself), a `throw`, `next(...)`, or a call that passes the "
        "error to a function other than the response (`captureException(e)`, `handleError(e)`). "
        "Type guards (`isHttpError(e)`) and conversions (`String(e)`, `getErrorMessage(e)`) do "
        "not count. Only catch clauses are checked, not `.catch()` callbacks or error middleware."
    )
    example = Example(
        before=(
            'router.get("/users/:id", async (req, res) => {\n'
            "  try {\n"
            "    res.json(await getUser(req.params.id));\n"
            "  } catch (err) {\n"
            '    res.status(500).json({ error: "Something went wrong" });\n'
            "  }\n"
            "});\n"
        ),
        after=(
            'router.get("/users/:id", async (req, res) => {\n'
            "  try {\n"
            "    res.json(await getUser(req.params.id));\n"
            "  } catch (err) {\n"
            "    console.error(err);\n"
            '    res.status(500).json({ error: "Something went wrong" });\n'
            "  }\n"
            "});\n"
        ),
        path="src/routes/users.ts",
        applicability=Applicability.SUGGESTION,
    )

    @classmethod
    def may_match(cls, text: str, project: ProjectInfo) -> bool:
        # check needs a 500 in the text; collect reads every file of a pino project.
        if "500" in text or "INTERNAL_SERVER_ERROR" in text:
            return True
        from handrail.codemods.errors._js_logger import uses_logger_facts

        return uses_logger_facts(project)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if "500" not in ctx.text and "INTERNAL_SERVER_ERROR" not in ctx.text:
            return
        root = ctx.root
        if is_client_file(root):
            return
        use_pino = ctx.project.depends_on("pino")
        logger_name = str(ctx.options(self)["logger-name"])
        for scope in catch_scopes(root):
            nodes = list(own_nodes(scope.body))
            responses = sorted((n for n in nodes if response_500(n)), key=lambda n: n.range().start.index)
            if not responses or runs_in_browser(ctx, scope.body) or handles_error(scope, nodes):
                continue
            yield self._finding(ctx, scope, responses, use_pino, logger_name)

    def _finding(
        self,
        ctx: FileContext,
        scope: ErrorScope,
        responses: list[SgNode],
        use_pino: bool,
        logger_name: str,
    ) -> Finding:
        from handrail.codemods.errors._js_logger import LoggerEdit, LoggerPlan
        from handrail.codemods.errors._js_modules import relative_imports
        from handrail.codemods.errors._js_pino import local_loggers, logger_in_scope

        statements: dict[int, SgNode] = {}
        for response in responses:
            stmt = statement_of(response, scope.body)
            statements.setdefault(stmt.range().start.index, stmt)
        name = scope.name or fresh_name(scope)
        extra: tuple[Edit, ...] = ()
        if scope.name is None:
            catch_start = scope.owner.range().start.index
            extra = (Edit(catch_start + len("catch"), catch_start + len("catch"), f" ({name})"),)
        console_edits: list[Edit] = []
        logger_edits: list[LoggerEdit] = []
        for start, stmt in sorted(statements.items()):
            tail = _separator(ctx.text, stmt)
            message = response_message(stmt)
            err = "err" if name == "err" else f"err: {name}"
            args = f"({{ {err} }}, {message})" if message else f"({{ {err} }})"
            console_edits.append(Edit(start, start, f"console.error({name}){tail}"))
            logger_edits.append(LoggerEdit(start, start, "", f".error{args}{tail}"))
        first = responses[0]
        start, end = first.range().start.index, statement_of(first, scope.body).range().end.index
        what = "the caught error" if scope.name else "the error (the catch has no binding)"
        message = f"This catch answers 500 but never logs {what}"
        fix = Fix(Applicability.SUGGESTION, (*console_edits, *extra), f"Log {name} before answering 500")
        data: LoggerPlan | None = None
        if use_pino:
            local = logger_in_scope(local_loggers(ctx.root), first, logger_name)
            if local is not None:
                edits = (*(e.bind(local) for e in logger_edits), *extra)
                fix = Fix(
                    Applicability.SUGGESTION, edits, f"Log {name} with {local}.error before answering 500"
                )
            else:
                imported = tuple(b for b in relative_imports(ctx.root) if not is_shadowed(first, b.local))
                data = LoggerPlan(
                    path=ctx.path.as_posix(),
                    edits=tuple(logger_edits),
                    extra=extra,
                    imported=imported,
                    site=None,  # a suggestion does not pull in a new import
                    logger_name=logger_name,
                    name_taken=True,
                    applicability=Applicability.SUGGESTION,
                    description=f"Log {name} with {{logger}}.error before answering 500",
                )
        return ctx.finding(self, start, end, message, fix=fix, data=data)

    def collect(self, ctx: FileContext) -> Any:
        from handrail.codemods.errors._js_logger import collect_logger_facts

        return collect_logger_facts(ctx)

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        if finding.data is None:
            return finding  # no pino plan to finish: a warm run need not load the logger code
        from handrail.codemods.errors._js_logger import resolve_logger

        return resolve_logger(finding, project, self.id)


def _separator(text: str, stmt: SgNode) -> str:
    """What follows the inserted log call so that it is a statement of its own before `stmt`: a
    new line with the statement's indentation, or `; ` when `stmt` shares its line with other
    code. Semicolons follow the statement's style, but are kept where a missing one would glue
    the two statements together (`stmt` starting with `(`, `[` or a template)."""
    indent, own_line = _line_indent(text, stmt.range().start.index)
    stmt_text = stmt.text()
    semicolon = stmt_text.rstrip().endswith(";") or stmt_text[:1] in "([`" or not own_line
    return (";" if semicolon else "") + (f"\n{indent}" if own_line else " ")


def _line_indent(text: str, offset: int) -> tuple[str, bool]:
    """The leading whitespace of the line holding `offset`, and whether `offset` is the first
    non-blank character of that line."""
    start = text.rfind("\n", 0, offset) + 1
    before = text[start:offset]
    indent = before[: len(before) - len(before.lstrip(" \t"))]
    return indent, before.strip(" \t") == ""
