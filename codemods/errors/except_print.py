"""errors/except-print: a caught exception printed or logged as text, which loses its traceback.

The rule reads the message a call would print or log as a sequence of parts (literal text,
other arguments, the exception), drops the exception (the traceback that logger.exception()
records already ends with it) and writes the rest back as a lazy logging call.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import libcst as cst
import libcst.matchers as m
from ast_grep_py import SgNode
from libcst.metadata import (
    Assignment,
    CodeRange,
    GlobalScope,
    ImportAssignment,
    MetadataWrapper,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from handrail.codemods.errors._py import (
    fstring_text,
    literal_value,
    offsets,
    string_literal,
    with_module_logger,
)
from handrail.engine.context import FileContext
from handrail.engine.edits import edits_between
from handrail.engine.languages import PYTHON
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.rule import Example, Option, Rule

# -- the message model ------------------------------------------------------------------


class Marker(enum.Enum):
    EXC = "the exception"  # the caught exception's text (or its type's name)


@dataclass(frozen=True)
class Text:
    value: str  # the runtime text, escapes resolved


@dataclass(frozen=True)
class Arg:
    """A value formatted into the message, as `f"{code!conversion:spec}"` would."""

    code: str
    conversion: str = ""  # "", "s", "r" or "a"
    spec: str = ""  # format-spec mini-language
    percent: str | None = None  # the %-placeholder it had in a %-template


Part = Text | Arg | Marker


class Style(enum.Enum):
    PERCENT = "percent"  # stdlib logging: logger.exception("saving %s", user_id)
    BRACE = "brace"  # loguru: logger.exception("saving {}", user_id)
    FSTRING = "fstring"  # a logger of unknown kind: format eagerly, which every library accepts


# -- reading a message into parts -------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"%(?P<key>\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d*))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


class MessageReader:
    """Splits what a call prints or logs into parts.

    Shapes it cannot translate faithfully (star-args, a computed `sep`, `{x=}`, mapping keys
    in a %-template ...) clear `fixable`; reading goes on so the exception is still found.
    """

    def __init__(
        self,
        name: str,
        code: Callable[[cst.CSTNode], str],
        qualified: Callable[[cst.CSTNode], set[str]],
    ) -> None:
        self.name = name
        self.code = code  # a node's source text, as written
        self.qualified = qualified
        self.fixable = True

    def builtin_argument(self, node: cst.BaseExpression, *names: str) -> cst.BaseExpression | None:
        """`x` when `node` is `name(x)` for one of the builtins `names`."""
        if (
            isinstance(node, cst.Call)
            and len(node.args) == 1
            and node.args[0].keyword is None
            and not node.args[0].star
            and self.qualified(node.func) & {f"builtins.{n}" for n in names}
        ):
            return node.args[0].value
        return None

    def is_exception(self, node: cst.BaseExpression) -> bool:
        """`e`, `str(e)`, `repr(e)`, `type(e).__name__`, `e.__class__.__name__`."""
        if isinstance(node, cst.Name):
            return node.value == self.name
        inner = self.builtin_argument(node, "str", "repr")
        if inner is not None:
            return self.is_exception(inner)
        if isinstance(node, cst.Attribute) and node.attr.value == "__name__":
            owner = node.value
            typed = self.builtin_argument(owner, "type")
            if typed is not None:
                return isinstance(typed, cst.Name) and typed.value == self.name
            if isinstance(owner, cst.Attribute) and owner.attr.value == "__class__":
                return isinstance(owner.value, cst.Name) and owner.value.value == self.name
        return False

    def is_stringish(self, node: cst.BaseExpression) -> bool:
        if literal_value(node) is not None or isinstance(node, cst.FormattedString | cst.ConcatenatedString):
            return True
        if self.builtin_argument(node, "str") is not None:
            return True
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add):
                return self.is_stringish(node.left) or self.is_stringish(node.right)
            return isinstance(node.operator, cst.Modulo) and literal_value(node.left) is not None
        return self.format_call(node) is not None

    def format_call(self, node: cst.BaseExpression) -> str | None:
        """The template of `"...".format(...)`."""
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "format"
        ):
            return literal_value(node.func.value)
        return None

    # -- the value of one expression, as str() would render it

    def value(self, node: cst.BaseExpression) -> list[Part]:
        if self.is_exception(node):
            return [Marker.EXC]
        text = literal_value(node)
        if text is not None:
            return [Text(text)]
        if isinstance(node, cst.FormattedString):
            return self.fstring(node)
        if isinstance(node, cst.ConcatenatedString):  # one of its pieces is an f-string
            return self.value(node.left) + self.value(node.right)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.Add) and (
                self.is_stringish(node.left) or self.is_stringish(node.right)
            ):
                return self.value(node.left) + self.value(node.right)
            template = literal_value(node.left)
            if isinstance(node.operator, cst.Modulo) and template is not None:
                return self.percent(template, self.operands(node.right))
        template = self.format_call(node)
        if template is not None:
            assert isinstance(node, cst.Call)
            return self.brace(template, *self.call_arguments(node.args))
        inner = self.builtin_argument(node, "str")  # "x" + str(n) formats as %s does
        return [Arg(self.code(inner if inner is not None else node))]

    def operands(self, node: cst.BaseExpression) -> list[cst.BaseExpression]:
        """The right side of `template % right`."""
        if not isinstance(node, cst.Tuple):
            return [node]
        if any(isinstance(el, cst.StarredElement) for el in node.elements):
            self.fixable = False
        return [el.value for el in node.elements if isinstance(el, cst.Element)]

    def call_arguments(
        self, args: Sequence[cst.Arg]
    ) -> tuple[list[cst.BaseExpression], dict[str, cst.BaseExpression]]:
        positional: list[cst.BaseExpression] = []
        keywords: dict[str, cst.BaseExpression] = {}
        for arg in args:
            if arg.star:
                self.fixable = False
            elif arg.keyword is None:
                positional.append(arg.value)
            else:
                keywords[arg.keyword.value] = arg.value
        return positional, keywords

    def operand(self, node: cst.BaseExpression, conversion: str = "", spec: str = "") -> Part:
        if self.is_exception(node):
            return Marker.EXC
        return Arg(self.code(node), conversion, spec)

    def fstring(self, node: cst.FormattedString) -> list[Part]:
        parts: list[Part] = []
        for piece in node.parts:
            if isinstance(piece, cst.FormattedStringText):
                try:
                    parts.append(Text(fstring_text(node, piece)))
                except (SyntaxError, ValueError):
                    self.fixable = False
                continue
            assert isinstance(piece, cst.FormattedStringExpression)
            spec = ""
            for bit in piece.format_spec or ():
                if isinstance(bit, cst.FormattedStringText):
                    spec += bit.value
                else:  # a nested {width}
                    self.fixable = False
            if piece.equal is not None:  # {x=} also prints the expression's source
                self.fixable = False
            parts.append(self.operand(piece.expression, piece.conversion or "", spec))
        return parts

    def percent(self, template: str, operands: Sequence[cst.BaseExpression]) -> list[Part]:
        parts: list[Part] = []
        used = 0
        position = 0
        for match in _PLACEHOLDER.finditer(template):
            parts.append(Text(template[position : match.start()]))
            position = match.end()
            placeholder = match.group(0)
            if placeholder == "%%":
                parts.append(Text("%"))
            elif match.group("key") or "*" in placeholder or used >= len(operands):
                self.fixable = False
            else:
                node = operands[used]
                used += 1
                conversion = {"r": "r", "a": "a"}.get(match.group("type"), "")
                part = self.operand(node, conversion)
                parts.append(
                    Arg(part.code, conversion, percent=placeholder) if isinstance(part, Arg) else part
                )
        parts.append(Text(template[position:]))
        for node in operands[used:]:
            # Surplus arguments make logging fail to format; an exception among them goes.
            if self.is_exception(node):
                parts.append(Marker.EXC)
            else:
                self.fixable = False
        return parts

    def brace(
        self,
        template: str,
        positional: Sequence[cst.BaseExpression],
        keywords: Mapping[str, cst.BaseExpression],
    ) -> list[Part]:
        try:
            fields = list(string.Formatter().parse(template))
        except ValueError:
            self.fixable = False
            return [Text(template)]
        parts: list[Part] = []
        automatic = 0
        for literal, field, spec, conversion in fields:
            if literal:
                parts.append(Text(literal))
            if field is None:
                continue
            node: cst.BaseExpression | None = None
            if field == "":
                index, automatic = automatic, automatic + 1
                node = positional[index] if index < len(positional) else None
            elif field.isdigit():
                node = positional[int(field)] if int(field) < len(positional) else None
            elif field.isidentifier():
                node = keywords.get(field)
            if node is None or "{" in (spec or ""):
                self.fixable = False
                continue
            parts.append(self.operand(node, conversion or "", spec or ""))
        return parts

    # -- whole calls

    def print_call(self, call: cst.Call) -> list[Part] | None:
        """The parts of what `print(...)` writes; None when it writes to a file of its own."""
        items: list[list[Part]] = []
        sep = " "
        for arg in call.args:
            if arg.keyword is None:
                if arg.star:
                    self.fixable = False
                else:
                    items.append(self.value(arg.value))
                continue
            key = arg.keyword.value
            if key == "file":
                if not self.qualified(arg.value) & {"sys.stdout", "sys.stderr"}:
                    return None
            elif key == "sep":
                given = literal_value(arg.value)
                if given is not None:
                    sep = given
                elif not (isinstance(arg.value, cst.Name) and arg.value.value == "None"):
                    self.fixable = False
            elif key not in ("end", "flush"):
                self.fixable = False
        parts: list[Part] = []
        for index, item in enumerate(items):
            if index:
                parts.append(Text(sep))
            parts.extend(item)
        return parts

    def log_call(self, call: cst.Call, brace: bool) -> tuple[list[Part], list[cst.Arg]] | None:
        """The parts of a logging call's message and the keyword arguments to keep.

        None when the call passes `exc_info` (its author decided about the traceback).
        """
        positional: list[cst.BaseExpression] = []
        keywords: list[cst.Arg] = []
        for arg in call.args:
            if arg.star:
                self.fixable = False
            elif arg.keyword is None:
                positional.append(arg.value)
            elif arg.keyword.value == "exc_info":
                return None
            else:
                keywords.append(arg)
        if not positional:
            return None
        message, operands = positional[0], positional[1:]
        # stdlib logging %-formats only when given arguments; loguru also for keywords.
        if not operands and not (brace and keywords):
            return self.value(message), keywords
        template = literal_value(message)
        if template is None:
            self.fixable = False
            return self.value(message) + [self.operand(node) for node in operands], keywords
        if brace:
            named = {arg.keyword.value: arg.value for arg in keywords if arg.keyword is not None}
            return self.brace(template, operands, named), keywords
        return self.percent(template, operands), keywords


# -- dropping the exception from the message --------------------------------------------

_SEPARATORS = " \t\r\n:;,|=->\u2013\u2014"
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">", "'": "'", '"': '"', "`": "`"}


def _merged(parts: Iterable[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].value + part.value)
        elif not (isinstance(part, Text) and not part.value):
            out.append(part)
    return out


def _text(part: Part) -> str:
    return part.value if isinstance(part, Text) else ""


def without_exception(parts: Iterable[Part]) -> list[Part]:
    """`parts` minus the exception and the punctuation that only framed it.

    "Error: {e}" -> "Error"; "failed ({e}), retrying" -> "failed, retrying";
    "{type(e).__name__}: {e}" -> "".
    """
    out = _merged(parts)
    while Marker.EXC in out:
        i = out.index(Marker.EXC)
        has_pre = i > 0 and isinstance(out[i - 1], Text)
        has_post = i + 1 < len(out) and isinstance(out[i + 1], Text)
        pre = _text(out[i - 1]) if has_pre else ""
        post = _text(out[i + 1]) if has_post else ""
        after = i + 2 if has_post else i + 1
        # "{type(e).__name__}: {e}" names the exception twice: treat it as one.
        if not post.strip(_SEPARATORS) and after < len(out) and out[after] is Marker.EXC:
            del out[i + 1 : after + 1]
            continue
        while pre and post and _PAIRS.get(pre[-1]) == post[0]:
            pre, post = pre[:-1], post[1:]
        pre = pre.rstrip(_SEPARATORS)
        start = i - 1 if has_pre else i
        if start == 0 and not pre:
            post = post.lstrip(_SEPARATORS)
        if pre and post and not post[0].isspace() and post[0] not in ".,;:!?)]}":
            post = " " + post
        out[start:after] = [Text(pre + post)]
        out = _merged(out)
    if out and isinstance(out[0], Text):
        out[0] = Text(out[0].value.lstrip())
    if out and isinstance(out[-1], Text):
        out[-1] = Text(out[-1].value.rstrip())
    return _merged(out)


# -- writing the message back -----------------------------------------------------------


def _escape(text: str, style: Style) -> str:
    if style is Style.PERCENT:
        return text.replace("%", "%%")
    return text.replace("{", "{{").replace("}", "}}")


def render_message(
    parts: Sequence[Part], style: Style, quote: str, default: str, formatted: bool
) -> list[str] | None:
    """The new call's leading arguments (message literal, then lazy arguments), or None.

    `formatted`: the logger will format the message even without arguments (loguru does when
    given keyword arguments), so literal text needs escaping anyway.
    """
    args = [p for p in parts if isinstance(p, Arg)]
    if not args and not any(ch.isalnum() for p in parts if isinstance(p, Text) for ch in p.value):
        return [string_literal(default, quote)]
    if style is Style.FSTRING and args:
        # Before Python 3.12 an f-string's expressions may not use its quote or a backslash.
        if any("\\" in arg.code or "\n" in arg.code for arg in args):
            return None
        usable = [q for q in (quote, "'" if quote == '"' else '"') if all(q not in a.code for a in args)]
        if not usable:
            return None
        quote = usable[0]
    escape = formatted or bool(args)
    body: list[str] = []
    codes: list[str] = []
    for part in parts:
        if isinstance(part, Text):
            text = _escape(part.value, style) if escape else part.value
            body.append(string_literal(text, quote)[1:-1])
            continue
        assert isinstance(part, Arg)
        if style is Style.PERCENT:
            placeholder, code = _percent_argument(part)
            body.append(placeholder)
            codes.append(code)
            continue
        if part.percent is not None and part.percent not in ("%s", "%r", "%a"):
            return None  # "%5.2f" has no faithful {}-form without parsing it
        field = (f"!{part.conversion}" if part.conversion else "") + (f":{part.spec}" if part.spec else "")
        if style is Style.BRACE:
            body.append("{" + field + "}")
            codes.append(part.code)
        else:
            body.append("{" + part.code + field + "}")
    prefix = "f" if style is Style.FSTRING and args else ""
    return [f"{prefix}{quote}{''.join(body)}{quote}", *codes]


def _percent_argument(arg: Arg) -> tuple[str, str]:
    if arg.percent is not None:
        return arg.percent, arg.code
    if not arg.spec:
        return "%" + (arg.conversion or "s"), arg.code
    # f"{amount:.2f}" -> "%s", format(amount, ".2f"): no spec translation to get wrong.
    wrapped = {"": arg.code, "s": f"str({arg.code})", "r": f"repr({arg.code})", "a": f"ascii({arg.code})"}
    return "%s", f"format({wrapped[arg.conversion]}, {string_literal(arg.spec)})"


# -- where the calls are ----------------------------------------------------------------

Handler = cst.ExceptHandler | cst.ExceptStarHandler
# Code in these may run after the handler is gone, and they may rebind the exception's name.
_NESTED_SCOPES = (
    cst.FunctionDef,
    cst.ClassDef,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


@dataclass(frozen=True)
class Site:
    call: cst.Call
    handler: Handler
    name: str  # what the handler binds the exception to


REPORTING_METHODS = ("error", "critical")


def _may_report(func: cst.BaseExpression) -> bool:
    """The call's shape allows print() or <logger>.error/critical() (names are resolved later)."""
    if isinstance(func, cst.Name):
        return func.value == "print"
    return isinstance(func, cst.Attribute) and func.attr.value in REPORTING_METHODS


_CANDIDATE_TEXT = re.compile(r"\bprint\s*\(|\.\s*(?:error|critical)\s*\(")


def _may_have_sites(ctx: FileContext) -> bool:
    """A cheap look before libcst's parse and scope analysis, which cost tens of milliseconds
    a file (seconds for a large one): the text, then ast-grep's tree (parsed natively, and
    shared by the rules). It passes a file only when some `except ... as name:` clause holds
    a print/.error/.critical call whose arguments mention `name`, as every finding's does."""
    if "except" not in ctx.text or not _CANDIDATE_TEXT.search(ctx.text):
        return False
    root = ctx.root
    # Where tree-sitter had to recover from an error its clauses may not be libcst's:
    # fall back to asking only for a reporting call in some clause.
    loose = root.find(kind="ERROR") is not None
    for clause in root.find_all(kind="except_clause"):
        mention = _bound_name_pattern(clause)
        if mention is None and not loose:
            continue  # no `as name`: nothing of the exception can be reported
        for call in clause.find_all(kind="call"):
            if _reporting_call(call) and (
                loose or (mention is not None and mention.search(_arguments_text(call)))
            ):
                return True
    return False


def _bound_name_pattern(clause: SgNode) -> re.Pattern[str] | None:
    """A pattern for the name `except ... as name:` binds, as a whole word."""
    for child in clause.children():
        if child.kind() == "as_pattern":
            target = child.field("alias")
            name = target.text().strip() if target is not None else ""
            return re.compile(rf"\b{re.escape(name)}\b") if name.isidentifier() else None
    return None


def _reporting_call(call: SgNode) -> bool:
    """`print(...)` or `<anything>.error/critical(...)`, by shape (names are resolved later)."""
    function = call.field("function")
    if function is None:
        return False
    if function.kind() == "identifier":
        return function.text() == "print"
    attribute = function.field("attribute") if function.kind() == "attribute" else None
    return attribute is not None and attribute.text() in REPORTING_METHODS


def _arguments_text(call: SgNode) -> str:
    arguments = call.field("arguments")
    return arguments.text() if arguments is not None else ""


# What every name resolves to when read hopefully: `str`/`repr`/`type` the builtins, any
# `file=` the console.
_HOPEFUL_NAMES = ("builtins.str", "builtins.repr", "builtins.type", "sys.stdout", "sys.stderr")


def _may_report_exception(site: Site) -> bool:
    """Whether the call can put the exception into its text, without scope analysis.

    The message is read as print() and as either kind of logging call, with names resolved
    hopefully: that only adds to the places where the exception is looked for, so a call
    this rejects has no finding.
    """

    def reader() -> MessageReader:
        # The source text of arguments only goes into the rewritten message: none needed.
        return MessageReader(site.name, lambda node: "", lambda node: set(_HOPEFUL_NAMES))

    if (parts := reader().print_call(site.call)) is not None and Marker.EXC in parts:
        return True
    for brace in (False, True):
        read = reader().log_call(site.call, brace)
        if read is not None and Marker.EXC in read[0]:
            return True
    return False


class SiteCollector(cst.CSTVisitor):
    """Calls made while an `except ... as name:` body runs, and `X = <call>` assignments.

    A call inside a nested def, lambda, class or comprehension is not collected: it may run
    after the handler is gone (no active exception for logger.exception) and may rebind the
    name; a call inside a nested handler belongs to that handler.
    """

    def __init__(self) -> None:
        self.sites: list[Site] = []
        self.assigned_calls: list[tuple[cst.Name, cst.Call]] = []
        self._context: list[tuple[Handler, str] | None] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED_SCOPES):
            self._context.append(None)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _NESTED_SCOPES):
            self._context.pop()

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if attribute == "body" and isinstance(node, cst.ExceptHandler | cst.ExceptStarHandler):
            bound = node.name.name if node.name is not None else None
            self._context.append((node, bound.value) if isinstance(bound, cst.Name) else None)
        super().on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        super().on_leave_attribute(original_node, attribute)
        if attribute == "body" and isinstance(original_node, cst.ExceptHandler | cst.ExceptStarHandler):
            self._context.pop()

    def visit_Call(self, node: cst.Call) -> None:
        top = self._context[-1] if self._context else None
        if top is not None and _may_report(node.func):
            self.sites.append(Site(node, *top))

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.assigned_calls.append((target.target, node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.value, cst.Call) and isinstance(node.target, cst.Name):
            self.assigned_calls.append((node.target, node.value))


# -- which logger a call uses, and which one a fix should use ----------------------------


class Kind(enum.Enum):
    PRINT = "print"
    ROOT = "root"  # logging.error(...): the stdlib root logger
    STDLIB = "stdlib"  # a name bound to logging.getLogger(...)
    LOGURU = "loguru"  # from loguru import logger
    OTHER = "other"  # named like a logger (self.logger, app.logger): type unknown


STYLES = {
    Kind.ROOT: Style.PERCENT,
    Kind.STDLIB: Style.PERCENT,
    Kind.LOGURU: Style.BRACE,
    Kind.OTHER: Style.FSTRING,
}
_LOGGERISH = re.compile(r"^_*(?:\w+_)?(?:log|logger)$", re.IGNORECASE)


@dataclass(frozen=True)
class ModuleLogger:
    name: str
    kind: Kind
    line: int  # the first line that binds it


@dataclass(frozen=True)
class Plan:
    """How one call gets rewritten."""

    receiver: str
    style: Style
    method: str
    extra: tuple[str, ...]  # keyword arguments to append
    applicability: Applicability
    create_logger: bool


class FileAnalysis:
    """Name resolution for one file's sites (scope analysis runs only for files that have some)."""

    def __init__(
        self, ctx: FileContext, module: cst.Module, sites: SiteCollector, options: Mapping[str, Any]
    ) -> None:
        self.ctx = ctx
        self.module = module
        self.sites = sites
        self.logger_name: str = options["logger-name"]
        self.default_message: str = options["default-message"]
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.positions = wrapper.resolve(PositionProvider)
        self.stdlib_targets = {
            id(name)
            for name, call in self.sites.assigned_calls
            if "logging.getLogger" in self.qualified(call.func)
        }

    # -- metadata helpers

    def qualified(self, node: cst.CSTNode) -> set[str]:
        scope = self.scopes.get(node)
        return {q.name for q in scope.get_qualified_names_for(node)} if scope is not None else set()

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self.positions[node]

    def source(self, node: cst.CSTNode) -> str:
        """The node's text as written. (Module.code_for_node would re-indent a multi-line
        expression relative to column 0, which can even make it unparsable in its place.)"""
        start, end = offsets(self.ctx.lines, self.position(node))
        # libcst positions leave out an expression's own parentheses: `(a, b)` is a tuple.
        lpar, rpar = getattr(node, "lpar", ()), getattr(node, "rpar", ())
        if lpar and rpar:
            start = offsets(self.ctx.lines, self.position(lpar[0]))[0]
            end = offsets(self.ctx.lines, self.position(rpar[-1]))[1]
        return self.ctx.text[start:end]

    @cached_property
    def global_scope(self) -> GlobalScope:
        scope = self.scopes[self.module]
        assert isinstance(scope, GlobalScope)
        return scope

    def binding_kind(self, scope: Scope, name: str) -> Kind | None:
        assignments = scope[name]
        if not assignments:
            return None
        if all(isinstance(a, Assignment) and id(a.node) in self.stdlib_targets for a in assignments):
            return Kind.STDLIB
        if {q.name for q in scope.get_qualified_names_for(name)} == {"loguru.logger"}:
            return Kind.LOGURU
        return Kind.OTHER

    def handler_keeps_name(self, site: Site) -> bool:
        """False when the handler body rebinds the exception's name (`for e in ...`, `e = ...`)."""
        scope = self.scopes.get(site.handler)
        if scope is None:
            return False
        handler = self.position(site.handler)
        start, end = (handler.start.line, handler.start.column), (handler.end.line, handler.end.column)
        bound = site.handler.name.name if site.handler.name is not None else None
        for assignment in scope.assignments[site.name]:
            if not isinstance(assignment, Assignment) or assignment.node is bound:
                continue
            at = self.position(assignment.node).start
            if start <= (at.line, at.column) < end:
                return False
        return True

    # -- the module's logger

    @cached_property
    def module_logger(self) -> ModuleLogger | None:
        """The module-level logger a print should go to: the configured name when it is a
        stdlib logger, else any stdlib module logger, else loguru's, else whatever the
        configured name is bound to (e.g. `from app.log import logger`)."""
        scope = self.global_scope
        configured = self.binding_kind(scope, self.logger_name)
        if configured is Kind.STDLIB:
            return self._bound(self.logger_name, Kind.STDLIB)
        found: list[ModuleLogger] = []
        for assignment in scope.assignments:
            name = assignment.name
            if isinstance(assignment, Assignment) and id(assignment.node) in self.stdlib_targets:
                if self.binding_kind(scope, name) is Kind.STDLIB:
                    found.append(self._bound(name, Kind.STDLIB))
            elif self.binding_kind(scope, name) is Kind.LOGURU:
                found.append(self._bound(name, Kind.LOGURU))
        found.sort(key=lambda logger: (logger.kind is not Kind.STDLIB, logger.line))
        if found:
            return found[0]
        if configured is not None and self.bound_by_import_or_call(self.logger_name):
            return self._bound(self.logger_name, configured)
        return None

    def bound_by_import_or_call(self, name: str) -> bool:
        """`from app.log import logger`, `logger = structlog.get_logger()`: a logger of some
        library, most likely; `logger = None` or `def logger()` are not."""
        calls = {id(target) for target, _ in self.sites.assigned_calls}
        return all(
            isinstance(a, ImportAssignment) or (isinstance(a, Assignment) and id(a.node) in calls)
            for a in self.global_scope[name]
        )

    def _bound(self, name: str, kind: Kind) -> ModuleLogger:
        lines = [
            self.position(a.node).start.line for a in self.global_scope[name] if isinstance(a, Assignment)
        ]
        return ModuleLogger(name, kind, min(lines, default=1))

    def usable_at(self, logger: ModuleLogger, site: Site) -> bool:
        """The module logger's name means that logger at the call (not shadowed, bound by then)."""
        scope = self.scopes.get(site.call)
        if scope is None or scope[logger.name] != self.global_scope[logger.name]:
            return False
        # Module-level code runs top to bottom: the logger must be bound above the call.
        return not isinstance(scope, GlobalScope) or logger.line < self.position(site.call).start.line

    def can_create_logger(self, site: Site) -> bool:
        scope = self.scopes.get(site.call)
        if (
            not self.logger_name.isidentifier()
            or scope is None
            or scope[self.logger_name]
            or self.global_scope[self.logger_name]
        ):
            return False
        logging_names = {q.name for q in self.global_scope.get_qualified_names_for("logging")}
        return not self.global_scope["logging"] or logging_names == {"logging"}

    @cached_property
    def logger_setup(self) -> tuple[Edit, ...]:
        """The edits adding `import logging` and the module logger (shared by every fix)."""
        return edits_between(self.ctx.text, with_module_logger(self.module, self.logger_name).code)

    # -- one call

    def kind_of(self, site: Site) -> Kind | None:
        func = site.call.func
        names = self.qualified(func)
        if "builtins.print" in names:
            return Kind.PRINT
        if not isinstance(func, cst.Attribute) or func.attr.value not in REPORTING_METHODS:
            return None
        if names & {"logging.error", "logging.critical"}:
            return Kind.ROOT
        if any(name.startswith("loguru.logger.") for name in names):
            return Kind.LOGURU
        receiver = func.value
        scope = self.scopes.get(site.call)
        if (
            isinstance(receiver, cst.Name)
            and scope is not None
            and self.binding_kind(scope, receiver.value) is Kind.STDLIB
        ):
            return Kind.STDLIB
        if isinstance(receiver, cst.Call) and "logging.getLogger" in self.qualified(receiver.func):
            return Kind.STDLIB
        last = receiver.value if isinstance(receiver, cst.Name) else None
        if isinstance(receiver, cst.Attribute):
            last = receiver.attr.value
        return Kind.OTHER if last is not None and _LOGGERISH.match(last) else None

    def plan(self, site: Site, kind: Kind, kept: Sequence[cst.Arg]) -> Plan | None:
        func = site.call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else "error"
        extra = tuple(
            f"{arg.keyword.value}={self.source(arg.value)}" for arg in kept if arg.keyword is not None
        )
        if method == "critical":
            if kind not in (Kind.ROOT, Kind.STDLIB):
                return None  # loguru wants logger.opt(exception=True); unknown loggers: unknown
            new_method, extra = "critical", (*extra, "exc_info=True")
        else:
            new_method = "exception"
        if kind is Kind.PRINT:
            logger = self.module_logger
            if logger is not None and self.usable_at(logger, site):
                return Plan(logger.name, STYLES[logger.kind], new_method, extra, Applicability.UNSAFE, False)
            if logger is None and self.can_create_logger(site):
                return Plan(self.logger_name, Style.PERCENT, new_method, extra, Applicability.UNSAFE, True)
            return None
        assert isinstance(func, cst.Attribute)
        receiver = self.source(func.value)
        if kind is Kind.ROOT:
            # Prefer the module's own logger; never create one for a safe fix (see notes).
            logger = self.module_logger
            if logger is not None and logger.kind is Kind.STDLIB and self.usable_at(logger, site):
                receiver = logger.name
        safe = Applicability.UNSAFE if kind is Kind.OTHER else Applicability.SAFE
        return Plan(receiver, STYLES[kind], new_method, extra, safe, False)

    def finding(self, rule: Rule, site: Site) -> Finding | None:
        kind = self.kind_of(site)
        if kind is None:
            return None
        reader = MessageReader(site.name, self.source, self.qualified)
        kept: Sequence[cst.Arg] = ()
        if kind is Kind.PRINT:
            parts = reader.print_call(site.call)
        else:
            read = reader.log_call(site.call, brace=kind is Kind.LOGURU)
            parts, kept = read if read is not None else (None, ())
        if parts is None or Marker.EXC not in parts or not self.handler_keeps_name(site):
            return None
        start, end = offsets(self.ctx.lines, self.position(site.call))
        what = "print()" if kind is Kind.PRINT else f"{self.source(site.call.func)}()"
        advice = "pass exc_info=True" if what.endswith(".critical()") else "use logger.exception()"
        message = (
            f"{what} reports the caught exception '{site.name}' as text and loses its traceback: {advice}"
        )
        fix = self.fix(site, kind, parts, kept, reader.fixable, (start, end))
        return self.ctx.finding(rule, start, end, message, fix=fix)

    def fix(
        self,
        site: Site,
        kind: Kind,
        parts: list[Part],
        kept: Sequence[cst.Arg],
        fixable: bool,
        span: tuple[int, int],
    ) -> Fix | None:
        if not fixable or m.findall(site.call, m.Comment()):
            return None  # a comment inside the call would be lost
        plan = self.plan(site, kind, kept)
        if plan is None:
            return None
        arguments = render_message(
            without_exception(parts),
            plan.style,
            self.quote(site.call),
            self.default_message,
            formatted=plan.style is Style.BRACE and bool(kept),
        )
        if arguments is None:
            return None
        call = f"{plan.receiver}.{plan.method}({', '.join([*arguments, *plan.extra])})"
        edits = [Edit(span[0], span[1], call)]
        if plan.create_logger:
            setup = self.logger_setup
            if any(edit.overlaps(edits[0]) for edit in setup):
                return None
            edits.extend(setup)
        return Fix(plan.applicability, tuple(edits), f"log with {plan.receiver}.{plan.method}()")

    @staticmethod
    def quote(call: cst.Call) -> str:
        """The quote the call's first string literal uses, so the new one matches."""
        for node in m.findall(call, m.SimpleString() | m.FormattedString()):
            if isinstance(node, cst.SimpleString | cst.FormattedString):
                return node.quote[0]
        return '"'


# -- the rule ---------------------------------------------------------------------------


class ExceptPrint(Rule):
    id = "errors/except-print"
    languages = PYTHON
    summary = "A caught exception is printed or logged as text, which loses its traceback"
    why = (
        "`print(e)` and `logger.error(str(e))` keep only the exception's message: no type, no "
        "traceback, no chained cause. In production that turns a bug into a one-line mystery "
        "like 'list index out of range' (or an empty line, for exceptions without a message), and "
        "print() writes to stdout, which many deployments do not collect with the logs.\n\n"
        '`logger.exception("...")` logs at ERROR level and appends the full traceback, whose last '
        "line is the exception's type and message, so nothing is lost by dropping `e` from the "
        'message. Arguments are passed lazily (`logger.exception("saving %s", user_id)`) rather '
        "than through an f-string, which formats eagerly even when the record is filtered out and "
        "gives aggregators a different message for every value."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe for `logging.error(...)`, for `<name>.error(...)` where the module binds `<name>` to "
        "`logging.getLogger(...)`, and for loguru's `logger`: the record keeps its level and its "
        "handlers and gains the traceback; only its message text changes (the exception's text "
        "moves to the traceback's last line). A root-logger `logging.error` moves to the module's "
        "own stdlib logger when the module already has one, else becomes `logging.exception`: a "
        "safe fix never creates a logger, because a logger created at import time is disabled by "
        "a later `logging.config.dictConfig(...)` that does not name it (its default "
        "`disable_existing_loggers=True`). "
        "`.critical(...)` keeps its level and gains `exc_info=True`.\n\n"
        "Unsafe for `print(...)`: the text moves from stdout to logging, where it shows only once "
        "logging is configured (and a new module logger can be silenced as above); when the module "
        "has no logger, `import logging` and `logger = logging.getLogger(__name__)` are added. "
        "Unsafe for receivers that only look like loggers (`self.logger`, `app.logger`, a `logger` "
        "imported from elsewhere): their type is unknown, so the message stays an eager f-string, "
        "which stdlib logging, loguru and structlog all accept.\n\n"
        "No fix (finding only) when the message cannot be rewritten faithfully: star-arguments, a "
        "computed `sep=`, `{x=}` or nested format specs, %-templates with mapping keys, a comment "
        "inside the call, `.critical()` on loguru or an unknown logger, or no logger to use (a "
        "local name shadows it, module-level code runs before it is bound, or the name is taken)."
    )
    example = Example(
        before=(
            "from app.services import orders\n"
            "\n"
            "\n"
            "def cancel(order_id: int) -> bool:\n"
            "    try:\n"
            "        orders.cancel(order_id)\n"
            "    except orders.OrderError as e:\n"
            '        print(f"failed to cancel order {order_id}: {e}")\n'
            "        return False\n"
            "    return True\n"
        ),
        after=(
            "from app.services import orders\n"
            "import logging\n"
            "\n"
            "logger = logging.getLogger(__name__)\n"
            "\n"
            "\n"
            "def cancel(order_id: int) -> bool:\n"
            "    try:\n"
            "        orders.cancel(order_id)\n"
            "    except orders.OrderError as e:\n"
            '        logger.exception("failed to cancel order %s", order_id)\n'
            "        return False\n"
            "    return True\n"
        ),
        path="app/example.py",
        applicability=Applicability.UNSAFE,
    )
    options = {
        "logger-name": Option(
            str,
            "logger",
            "Name of the module logger to use, and to create (`<name> = logging.getLogger(__name__)`) "
            "when the module has none.",
        ),
        "default-message": Option(
            str,
            "Unexpected error",
            "Message for logger.exception() when nothing but the exception was printed "
            "(`print(e)`); the traceback carries the exception's type and text.",
        ),
    }
    notes = (
        "Only calls that put the exception itself into the text are reported: `e`, `str(e)`, "
        "`repr(e)`, `{e}` in an f-string, `%`/`.format()` arguments, `type(e).__name__`. Calls that "
        "only use attributes (`e.status_code`) or pass `exc_info=` are left alone, as are "
        "`.warning()` calls (often a deliberate, traceback-free note about an expected error), "
        "`print(..., file=<a file>)`, and calls inside nested functions, lambdas, comprehensions "
        "and nested handlers, which may run after the handler has finished or see another "
        "exception. A handler that rebinds its name (`e = ...`, `for e in ...`) is skipped.\n\n"
        "When nothing but the exception was printed (`print(e)`), the message becomes the "
        '`default-message` option ("Unexpected error"). Command-line tools that print an error '
        "for a person on purpose (`print(err, file=sys.stderr)`) are reported too: exclude those "
        "paths, or leave the unsafe fixes unapplied there.\n\n"
        "The new `import logging` goes where libcst's AddImportsVisitor puts it (after the "
        "module's first import block); run your import sorter afterwards."
    )

    requires = ("except",)  # the engine skips parsing files without it

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if not _may_have_sites(ctx):
            return
        module = ctx.cst
        if module is None:
            return
        sites = SiteCollector()
        module.visit(sites)
        candidates = [site for site in sites.sites if _may_report_exception(site)]
        if not candidates:
            return  # spares the scope analysis, the costliest step
        analysis = FileAnalysis(ctx, module, sites, ctx.options(self))
        for site in candidates:
            finding = analysis.finding(self, site)
            if finding is not None:
                yield finding
