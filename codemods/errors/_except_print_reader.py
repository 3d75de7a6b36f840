"""errors/except-print: reading what a print() or logging call reports, with libcst.

A call's message becomes a sequence of parts (see except_print.py): literal text, other
arguments, and the caught exception, wherever it appears (`e`, `str(e)`, `{e}`, `%s` ...).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from handrail.codemods.errors._py import fstring_text, literal_value
from handrail.codemods.errors.except_print import Arg, Marker, Part, Text

_PLACEHOLDER = re.compile(
    r"%(?P<key>\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d*))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)


def identifier(name: cst.Name) -> str:
    """The name as Python reads it, NFKC-normalised as CPython's `ast` gives it (a fullwidth
    letter is the plain one)."""
    value = name.value
    return value if value.isascii() else unicodedata.normalize("NFKC", value)


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
            return identifier(node) == self.name
        inner = self.builtin_argument(node, "str", "repr")
        if inner is not None:
            return self.is_exception(inner)
        if isinstance(node, cst.Attribute) and node.attr.value == "__name__":
            owner = node.value
            typed = self.builtin_argument(owner, "type")
            if typed is not None:
                return isinstance(typed, cst.Name) and identifier(typed) == self.name
            if isinstance(owner, cst.Attribute) and owner.attr.value == "__class__":
                return isinstance(owner.value, cst.Name) and identifier(owner.value) == self.name
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
