"""errors/except-print: a caught exception printed or logged as text, which loses its traceback.

The rule reads the message a call would print or log as a sequence of parts (literal text,
other arguments, the exception), drops the exception (the traceback that logger.exception()
records already ends with it) and writes the rest back as a lazy logging call.

This module holds what needs no libcst: the message model and its rewriting, and the
ast-grep look that decides whether a file can hold a finding at all. Finding the calls and
resolving their names (with CPython's `ast`, _except_print_scopes.py), reading them and
planning fixes (with libcst, _except_print_analysis.py) come after, imported only then.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handrail.engine.context import FileContext
from handrail.engine.languages import PYTHON
from handrail.engine.model import Applicability, Finding
from handrail.engine.rule import Example, Option, Rule

if TYPE_CHECKING:
    from ast_grep_py import SgNode

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


def string_literal(value: str, quote: str = '"') -> str:
    """A one-line Python literal for `value`, quoted with `quote` (' or ")."""
    out: list[str] = []
    for ch in value:
        if ch == "\\" or ch == quote:
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(repr(ch)[1:-1])  # \n, \t, \x00, \u2028 ...
    return f"{quote}{''.join(out)}{quote}"


# -- which files and calls can hold a finding --------------------------------------------

REPORTING_METHODS = ("error", "critical")
# A receiver name that reads like a logger: `log`, `logger`, `_LOG`, `app_logger`.
LOGGERISH = re.compile(r"^_*(?:\w+_)?(?:log|logger)$", re.IGNORECASE)
# `print(` or `.error(`/`.critical(`, with whatever Python allows in between: whitespace, line
# continuations, comments, parentheses around the callee (`(print)(e)`).
_GAP = r"(?:\s|\\|#[^\r\n]*(?![^\r\n]))*"  # a comment runs to the line's end: no backtracking into it
_CALLED = re.compile(rf"{_GAP}(?:\){_GAP})*\(")  # what follows the name


def _has_candidate_text(text: str) -> bool:
    """Whether `text` has `print(` or `.error(`/`.critical(` (see above). Each word is found
    with str.find and its surroundings checked there: one regex for the whole pattern scans
    every character of every file (~1 ms for 30 kB, 20 times this)."""
    for word in ("print", "error", "critical"):
        at = text.find(word)
        while at != -1:
            end = at + len(word)
            if (end == len(text) or not _is_word_char(text[end])) and _CALLED.match(text, end):
                if word == "print" and (at == 0 or not _is_word_char(text[at - 1])):
                    return True
                if word != "print" and _dot_before(text, at):
                    return True
            at = text.find(word, end)
    return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _dot_before(text: str, at: int) -> bool:
    """Whether a `.` may come before `at`, past whitespace, line continuations and comments.

    On an earlier line any `#` may start the comment (one inside a string cannot be told
    apart here): the line counts when any such reading of it ends with a `.`. A wrong guess
    only lets a file through to the ast-grep look."""
    i = at - 1
    while i >= 0 and text[i] in " \t\f\\":
        i -= 1
    if i >= 0 and text[i] == ".":
        return True
    while i >= 0 and text[i] in "\r\n":  # the lines above, back to the last one with code
        end = i - 1 if text[i] == "\n" and i > 0 and text[i - 1] == "\r" else i
        start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
        line = text[start:end]
        readings = [line, *(line[:k] for k, char in enumerate(line) if char == "#")]
        if any(reading.rstrip(" \t\f\\").endswith(".") for reading in readings):
            return True
        if line.partition("#")[0].strip(" \t\f\\"):
            return False  # code that does not end with a dot
        i = start - 1
    return False


def _may_have_sites(ctx: FileContext) -> bool:
    """A cheap look before CPython's parse and the analysis (and importing libcst): the
    text, then ast-grep's tree (parsed natively, and shared by the rules). It passes a file
    only when some `except ... as name:` clause holds a print/.error/.critical call whose
    arguments mention `name`, as every finding's does."""
    if "except" not in ctx.text or not _has_candidate_text(ctx.text):
        return False
    root = ctx.root
    # Where tree-sitter had to recover from an error its clauses may not be CPython's:
    # fall back to asking only for a reporting call in some clause.
    loose = root.find(kind="ERROR") is not None
    return next(candidate_calls(root, loose), None) is not None


def candidate_calls(root: SgNode, loose: bool = False) -> Iterator[SgNode]:
    """A superset of the calls the analysis may report: in an `except ... as name:` clause,
    shaped like `print(...)` or `<receiver>.error/critical(...)` where the receiver may be a
    logger (see `_may_be_logger`), with `name` in their arguments (`loose`: any reporting
    call in any clause)."""
    text: str | None = None
    for clause in root.find_all(kind="except_clause"):
        mention = _bound_name_pattern(clause)
        if mention is None and not loose:
            continue  # no `as name`: nothing of the exception can be reported
        for call in clause.find_all(kind="call"):
            if not _reporting_call(call) or not (
                loose or (mention is not None and mention.search(_arguments_text(call)))
            ):
                continue
            receiver = _receiver(call)
            if receiver is not None:
                text = root.text() if text is None else text
                if not _may_be_logger(receiver, text):
                    continue
            yield call


def _may_be_logger(receiver: SgNode, text: str) -> bool:
    """Whether `receiver.error(...)` may be a logger's, as the analysis decides with scope
    analysis: a name or attribute that reads like a logger (`log`, `self.logger`), a call
    (`logging.getLogger(...)`), or a name the module imports (`logging`, loguru's `logger`
    under another name) or binds to `getLogger(...)`. `self.error(...)`, `parser.error(...)`
    are neither, and cost a file libcst's parse no more."""
    if receiver.kind() == "attribute":
        attribute = receiver.field("attribute")
        return attribute is None or LOGGERISH.match(attribute.text()) is not None
    if receiver.kind() != "identifier":
        return True  # a call, a subscript...: left to the analysis
    name = re.escape(receiver.text())
    if LOGGERISH.match(receiver.text()):
        return True
    imported = rf"\bimport[ \t]+(?:\([^)]*|[^\r\n]*)(?<![\w.]){name}(?!\w)"
    bound = rf"(?<![\w.]){name}[ \t]*(?::[^=\r\n]*)?=(?!=)[^\r\n]*(?:\r?\n[^\r\n]*){{0,2}}?getLogger\b"
    return re.search(imported, text) is not None or re.search(bound, text) is not None


def _bound_name_pattern(clause: SgNode) -> re.Pattern[str] | None:
    """A pattern for the name `except ... as name:` binds, as a whole word (not `\\b`: a name
    may end in a combining mark, which is no word character). Python reads names NFKC-
    normalised, so a name outside ASCII may be written other ways: any text passes then."""
    for child in clause.children():
        if child.kind() == "as_pattern":
            target = child.field("alias")
            name = target.text().strip() if target is not None else ""
            if not name.isidentifier():
                return None
            return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)" if name.isascii() else "")
    return None


def _callee(call: SgNode) -> SgNode | None:
    """The called expression; a parenthesized one is seen through, as libcst does."""
    function = call.field("function")
    while function is not None and function.kind() == "parenthesized_expression":
        inner = [child for child in function.children() if child.is_named() and child.kind() != "comment"]
        function = inner[0] if len(inner) == 1 else None
    return function


def _reporting_call(call: SgNode) -> bool:
    """`print(...)` or `<anything>.error/critical(...)`, by shape (names are resolved later)."""
    function = _callee(call)
    if function is None:
        return False
    if function.kind() == "identifier":
        return function.text() == "print"
    attribute = function.field("attribute") if function.kind() == "attribute" else None
    return attribute is not None and attribute.text() in REPORTING_METHODS


def _receiver(call: SgNode) -> SgNode | None:
    """`x` in `x.error(...)` (None for `print(...)`)."""
    function = _callee(call)
    return function.field("object") if function is not None and function.kind() == "attribute" else None


def _arguments_text(call: SgNode) -> str:
    arguments = call.field("arguments")
    return arguments.text() if arguments is not None else ""


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
        # A local import: libcst takes ~0.4 s to import, which only files like this one pay.
        from handrail.codemods.errors._except_print_analysis import findings

        yield from findings(self, ctx)
