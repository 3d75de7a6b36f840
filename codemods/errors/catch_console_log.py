"""errors/catch-console-log: `console.log` of a caught error in server code."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ast_grep_py import SgNode

from handrail.codemods.errors._js_browser import is_client_file, runs_in_browser
from handrail.codemods.errors._js_scopes import ErrorScope, error_scopes, is_shadowed, resolves_to
from handrail.codemods.errors._js_syntax import (
    call_args,
    callee_path,
    dominant_quote,
    identifier_names,
    key,
    member_name,
    named_children,
    outer,
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
# pay for them. The syntax and scope helpers are light, and used throughout.

LOSSY_MEMBERS = frozenset({"message"})


@dataclass(frozen=True)
class Caught:
    """The caught name of one error scope, with a test for whether an identifier is it."""

    scope: ErrorScope
    name: str

    def is_ref(self, node: SgNode) -> bool:
        node = unwrap(node)
        return (
            node.kind() in ("identifier", "shorthand_property_identifier")
            and node.text() == self.name
            and resolves_to(node, self.name, self.scope.owner)
        )

    def form(self, node: SgNode) -> str | None:
        """How an expression shows the error: "bare" (`e`), "lossy" (`e.message`, `String(e)`,
        `e.toString()`, `JSON.stringify(e)`), "stack" (`e.stack`), or None."""

        node = unwrap(node)
        if self.is_ref(node):
            return "bare"
        if node.kind() == "member_expression":
            obj = node.field("object")
            if obj is not None and self.is_ref(obj):
                prop = member_name(node)
                return "lossy" if prop in LOSSY_MEMBERS else "stack" if prop == "stack" else None
            return None
        if node.kind() != "call_expression":
            return None
        args, path = call_args(node), callee_path(node)
        if path in (["String"], ["JSON", "stringify"]) and args and self.is_ref(args[0]):
            return "lossy" if path == ["JSON", "stringify"] or len(args) == 1 else None
        callee = node.field("function")
        if not args and callee is not None and member_name(callee) == "toString":
            obj = callee.field("object")
            return "lossy" if obj is not None and self.is_ref(obj) else None
        return None

    def refs(self, node: SgNode) -> Iterator[SgNode]:
        for n in subtree(node):
            if n.kind() in ("identifier", "shorthand_property_identifier") and self.is_ref(n):
                yield n

    def appears_in(self, node: SgNode) -> bool:
        return next(self.refs(node), None) is not None

    def logs_error(self, ref: SgNode) -> bool:
        """Whether this use of the name puts the error itself (or its message) into the output,
        as opposed to `e.code`, `e instanceof X` or `typeof e`."""

        node = outer(ref)
        parent = node.parent()
        if parent is None:
            return False
        kind = parent.kind()
        if kind == "member_expression":
            return member_name(parent) in ("message", "stack", "toString")
        if kind == "binary_expression":
            op = parent.field("operator")
            return op is not None and op.text() == "+"
        if kind == "call_expression":
            return False  # `e()`: arguments sit under `arguments`, so here the name is the callee
        if kind == "ternary_expression":
            cond = parent.field("condition")
            return cond is None or key(cond) != key(node)
        return kind not in ("unary_expression", "update_expression", "assignment_expression")


# --- message text -------------------------------------------------------------------------


def trim_literal(raw: str, chars: str) -> str | None:
    """`raw` (a quoted string or template) with `chars` stripped from the end of its content;
    None when nothing is left. Leaves the literal alone if trimming would strand a backslash."""
    quote, inner = raw[0], raw[1:-1]
    trimmed = inner.rstrip(chars)
    if trimmed.endswith("\\"):
        trimmed = inner
    return f"{quote}{trimmed}{quote}" if trimmed else None


def template_as_string(raw: str, quote: str) -> str:
    """A template literal without substitutions as a plain string literal, when that is exact."""
    inner = raw[1:-1]
    if raw[0] != "`" or "${" in inner or "\\" in inner or quote in inner or "\n" in inner:
        return raw
    return f"{quote}{inner}{quote}"


def is_stringy(node: SgNode) -> bool:
    return unwrap(node).kind() in ("string", "template_string")


@dataclass(frozen=True)
class Split:
    """An argument like `` `Failed: ${e}` `` or `"Failed: " + e`: text, then the error last.

    The text before the error is `lead + literal`, where `literal` is its last string/template
    literal (trimmed for the message) and `bare` is that text without the literal, used when the
    literal trims to nothing (`"Failed for " + id + ": " + e`).
    """

    lead: str
    literal: str | None
    bare: str
    stringy: bool  # whether the text is certainly a string

    def message(self, chars: str, quote: str) -> str | None:
        if self.literal is None:
            return self.lead or None
        trimmed = trim_literal(self.literal, chars)
        if trimmed is None:
            return self.bare or None
        return self.lead + template_as_string(trimmed, quote)


def split_arg(arg: SgNode, caught: Caught, text: str) -> Split | None:
    """Recognize an argument whose last piece is the error and everything before it is text."""

    node = unwrap(arg)
    if node.kind() == "template_string":
        subs = [c for c in named_children(node) if c.kind() == "template_substitution"]
        if not subs:
            return None
        last = subs[-1]
        inner = named_children(last)
        if len(inner) != 1 or caught.form(inner[0]) not in ("bare", "lossy"):
            return None
        if any(caught.appears_in(s) for s in subs[:-1]):
            return None
        start, end = node.range().start.index, node.range().end.index
        sub_start, sub_end = last.range().start.index, last.range().end.index
        if text[sub_end : end - 1].strip():
            return None  # text after the error: no exact split
        return Split("", text[start:sub_start] + "`", "", True)
    if node.kind() == "binary_expression":
        op, left, right = node.field("operator"), node.field("left"), node.field("right")
        if op is None or op.text() != "+" or left is None or right is None:
            return None
        if caught.form(right) not in ("bare", "lossy") or caught.appears_in(left):
            return None
        return concat_split(left, text)
    return None


def concat_split(left: SgNode, text: str) -> Split:
    """The text part of `left + e`, where `left` may itself be a chain `"a" + id + ": "`."""

    if is_stringy(left):
        return Split("", unwrap(left).text(), "", True)
    inner = unwrap(left)
    if inner.kind() == "binary_expression":
        op, last, head = inner.field("operator"), inner.field("right"), inner.field("left")
        if op is not None and op.text() == "+" and last is not None and head is not None and is_stringy(last):
            left_start = left.range().start.index
            lead = text[left_start : last.range().start.index]
            bare = text[left_start : head.range().end.index]
            return Split(lead, unwrap(last).text(), bare, True)
    return Split(left.text(), None, "", False)


# --- the rewrite of one call --------------------------------------------------------------


@dataclass(frozen=True)
class Rewrite:
    console: Fix
    pino_args: str | None  # "({ err: e }, "msg")" when the call maps exactly onto a pino call
    detail: str


def rewrite(call: SgNode, caught: Caught, ctx: FileContext, quote: str) -> Rewrite:
    args = call_args(call)
    callee = call.field("function")
    assert callee is not None
    prop = callee.field("property")
    assert prop is not None
    edits = [ctx.replace(prop, "error")]
    name = caught.name
    consumed: list[SgNode] = []
    details: set[str] = set()
    for i, arg in enumerate(args):
        form = caught.form(arg)
        if form == "lossy":
            edits.append(ctx.replace(arg, name))
            consumed.append(arg)
            details.add(lossy_detail(arg))
            continue
        split = split_arg(arg, caught, ctx.text)
        if split is None:
            continue
        head = split.message(" \t", quote)
        if i == 0 and head is not None and "%" in head:
            continue  # the new first argument would be read as a format string
        edits.append(ctx.replace(arg, f"{head}, {name}" if head else name))
        consumed.append(arg)
        details.add(f"turning `{name}` into a string drops its stack")
    applicability = Applicability.SAFE
    consumed_keys = {key(n) for n in consumed}
    for stringify in _leftover_stringify(args, caught, consumed_keys):
        edits.append(ctx.replace(stringify, f"JSON.stringify({name}, Object.getOwnPropertyNames({name}))"))
        applicability = Applicability.UNSAFE
        details.add(f"`JSON.stringify({name})` gives {{}}")
    fix = Fix(applicability, tuple(edits), "Use console.error and pass the error itself")
    detail = "; ".join(sorted(details)) or "it goes to stdout with the info logs, not to the error stream"
    return Rewrite(fix, pino_args(args, caught, ctx.text, quote), detail)


def lossy_detail(arg: SgNode) -> str:
    if callee_path(unwrap(arg)) == ["JSON", "stringify"]:
        return f"`{arg.text()}` gives {{}} (an Error's fields are not enumerable)"
    return f"`{arg.text()}` drops the stack"


def _leftover_stringify(
    args: list[SgNode], caught: Caught, consumed: set[tuple[int, int, str]]
) -> Iterator[SgNode]:
    """`JSON.stringify(e)` calls that stay in string form (inside a larger argument)."""

    for arg in args:
        if key(arg) in consumed:
            continue
        for node in subtree(arg):
            if (
                node.kind() == "call_expression"
                and callee_path(node) == ["JSON", "stringify"]
                and len(call_args(node)) == 1
                and caught.is_ref(call_args(node)[0])
            ):
                yield node


PINO_RESERVED = frozenset({"msg", "level", "time", "pid", "hostname", "err", "undefined"})


def pino_args(args: list[SgNode], caught: Caught, text: str, quote: str) -> str | None:
    """`({ err: e, id }, "message")` for a console.log whose arguments are: an optional message
    first, the error (possibly inside the message), and plain identifiers; else None."""

    message: str | None = None
    fields: list[str] = []
    has_error = False
    for i, arg in enumerate(args):
        if caught.form(arg) is not None:
            has_error = True
            continue
        split = split_arg(arg, caught, text)
        node = unwrap(arg)
        if split is not None and i == 0 and split.stringy:
            has_error = True
            message = split.message(" \t:-", quote)
        elif i == 0 and is_stringy(node) and not caught.appears_in(node):
            trimmed = trim_literal(node.text(), " \t:-")
            message = template_as_string(trimmed, quote) if trimmed else None
        elif node.kind() == "identifier" and node.text() not in PINO_RESERVED and node.text() not in fields:
            fields.append(node.text())
        else:
            return None
    if not has_error or (message is not None and "%" in message):
        return None
    err = "err" if caught.name == "err" else f"err: {caught.name}"
    obj = "{ " + ", ".join([err, *fields]) + " }"
    return f"({obj}, {message})" if message else f"({obj})"


# --- the rule -----------------------------------------------------------------------------


class CatchConsoleLog(Rule):
    id = "errors/catch-console-log"
    languages = JS_LIKE
    summary = "console.log() of a caught error in server code: use console.error or a logger"
    why = (
        "In a catch block, `console.log(error)` sends the error to stdout with the info-level "
        "noise, and the usual variations lose it outright: `${error}` and `error.message` drop "
        "the stack, and `JSON.stringify(error)` prints `{}` because an Error's message and stack "
        "are not enumerable. Log pipelines that expect JSON show an empty object; nobody notices "
        "until a production incident needs the stack.\n\n"
        "console.error passes the Error object to Node's formatter, which prints message, stack "
        "and extra fields. In a project with pino, `logger.error({ err }, msg)` goes through "
        "pino's error serializer and lands in the structured logs with type, message and stack."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe: `console.log` -> `console.error` and passing the error itself instead of "
        "`e.message`, `String(e)`, `JSON.stringify(e)` or a template/concatenation that ends with "
        'the error (`` `Failed: ${e}` `` -> `"Failed:", e`); only output on stderr changes, now '
        "with the stack. Other shapes only get the rename.\n\n"
        "Unsafe: `JSON.stringify(e)` that has to stay a string (in the middle of a template, in "
        "an object) becomes `JSON.stringify(e, Object.getOwnPropertyNames(e))`, which throws if "
        "the thrown value is null or undefined. Switching to the project's pino logger "
        '(`logger.error({ err: e }, "message")`, adding its import when needed) is unsafe too: '
        "the log goes to another destination and level, and the import runs the logger module."
    )
    options = {
        "prefer-logger": Option(
            bool, True, "Rewrite to the project's pino logger when the project depends on pino and has one"
        ),
        "logger-name": Option(
            str, "logger", "Local name of the pino logger (the export looked for, and the name imported)"
        ),
    }
    notes = (
        "Covered: catch clauses (any binding name, `catch (e: unknown)`), `.catch((e) => ...)` "
        "callbacks, and helpers that take an error (`function logError(err)`, a parameter typed "
        "`Error`, or `unknown` in a function named like an error handler). Skipped: React "
        'components and hooks, `"use client"` files, console.log calls that do not show the '
        'error (`console.log("retrying")`, `e.code`), console.error/console.warn.\n\n'
        "A pino logger counts as in scope when the file creates one (`const logger = pino()`) or "
        "imports one from a project module that exports a pino logger; otherwise that module's "
        "logger is imported with the file's own import style (ESM or require, extension or not)."
    )
    example = Example(
        before=(
            'import express from "express";\n\n'
            "export const router = express.Router();\n\n"
            'router.post("/users", async (req, res) => {\n'
            "  try {\n"
            "    res.json(await createUser(req.body));\n"
            "  } catch (error) {\n"
            "    console.log(`Failed to create user: ${error}`);\n"
            '    res.status(500).json({ error: "Something went wrong" });\n'
            "  }\n"
            "});\n"
        ),
        after=(
            'import express from "express";\n\n'
            "export const router = express.Router();\n\n"
            'router.post("/users", async (req, res) => {\n'
            "  try {\n"
            "    res.json(await createUser(req.body));\n"
            "  } catch (error) {\n"
            '    console.error("Failed to create user:", error);\n'
            '    res.status(500).json({ error: "Something went wrong" });\n'
            "  }\n"
            "});\n"
        ),
        path="src/routes/users.ts",
    )

    @classmethod
    def may_match(cls, text: str, project: ProjectInfo) -> bool:
        # check needs `console.log` in the text; collect reads every file of a pino project.
        if "console.log" in text:
            return True
        from handrail.codemods.errors._js_logger import uses_logger_facts

        return uses_logger_facts(project)

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        root = ctx.root
        if "console.log" not in ctx.text or is_client_file(root):
            return
        options = ctx.options(self)
        use_pino = bool(options["prefer-logger"]) and ctx.project.depends_on("pino")
        context = _PinoContext(ctx, str(options["logger-name"])) if use_pino else None
        quote = dominant_quote(root)
        seen: set[int] = set()
        # Innermost scopes first, so a call inside nested catches is judged by the closest one.
        scopes = sorted(error_scopes(root), key=lambda s: -s.body.range().start.index)
        for scope in scopes:
            if scope.name is None:
                continue
            caught = Caught(scope, scope.name)
            for call in scope.body.find_all(pattern="console.log($$$)"):
                start = call.range().start.index
                if start in seen or not _shows_error(call, caught) or runs_in_browser(ctx, call):
                    continue
                seen.add(start)
                yield self._finding(ctx, call, caught, quote, context)

    def _finding(
        self, ctx: FileContext, call: SgNode, caught: Caught, quote: str, pino: _PinoContext | None
    ) -> Finding:
        from handrail.codemods.errors._js_logger import LoggerEdit
        from handrail.codemods.errors._js_pino import logger_in_scope

        result = rewrite(call, caught, ctx, quote)
        start, end = ctx.span(call)
        message = f"console.log() of the caught error `{caught.name}`: {result.detail}"
        fix, data = result.console, None
        if pino is not None and result.pino_args is not None:
            tail = f".error{result.pino_args}"
            local = logger_in_scope(pino.locals, call, pino.logger_name)
            if local is not None:
                fix = Fix(Applicability.UNSAFE, (Edit(start, end, local + tail),), f"Log with {local}.error")
            else:
                data = pino.plan(call, LoggerEdit(start, end, "", tail))
        return ctx.finding(self, start, end, message, fix=fix, data=data)

    def collect(self, ctx: FileContext) -> Any:
        from handrail.codemods.errors._js_logger import collect_logger_facts

        return collect_logger_facts(ctx)

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        if finding.data is None:
            return finding  # no pino plan to finish: a warm run need not load the logger code
        from handrail.codemods.errors._js_logger import resolve_logger

        return resolve_logger(finding, project, self.id)


def _shows_error(call: SgNode, caught: Caught) -> bool:
    return any(caught.logs_error(ref) for arg in call_args(call) for ref in caught.refs(arg))


class _PinoContext:
    """What one file offers for a pino rewrite: its own logger, imports that may be one, and how
    to import one."""

    def __init__(self, ctx: FileContext, logger_name: str) -> None:
        from handrail.codemods.errors._js_import_site import import_site
        from handrail.codemods.errors._js_modules import relative_imports
        from handrail.codemods.errors._js_pino import local_loggers

        root = ctx.root
        self.ctx = ctx
        self.logger_name = logger_name
        self.locals = local_loggers(root)
        self.imported = relative_imports(root)
        self.site = import_site(ctx)
        self.name_taken = logger_name in identifier_names(root)

    def plan(self, site: SgNode, edit: LoggerEdit) -> LoggerPlan:
        from handrail.codemods.errors._js_logger import LoggerPlan

        visible = tuple(b for b in self.imported if not is_shadowed(site, b.local))
        return LoggerPlan(
            path=self.ctx.path.as_posix(),
            edits=(edit,),
            extra=(),
            imported=visible,
            site=self.site,
            logger_name=self.logger_name,
            name_taken=self.name_taken,
            applicability=Applicability.UNSAFE,
            description="Log with {logger}.error (pino serializes the error with its stack)",
        )
