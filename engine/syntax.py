"""Syntax checks: is this text free of parse errors?

TypeScript and JavaScript are checked with tree-sitter: ast-grep shares its grammars but
does not expose MISSING nodes, which is how tree-sitter reports e.g. an unclosed bracket,
so verification parses with tree-sitter directly. Python is checked with CPython's own
parser alone: it is the reference, stricter than the tree-sitter grammar where that grammar
is lenient, and it accepts what the grammar has not caught up with yet.

tree-sitter's TypeScript grammar lacks two things TypeScript accepts, both common in
libraries such as effect and zod 4: variance annotations on type parameters (`interface
Foo<in out T>`, TypeScript 4.7; tree-sitter-typescript issue #370), and a generic call
signature on its own line after another member of a type (TypeScript never reads a `<` after
a line break as the previous type's arguments; the grammar does). A copy of the text that
keeps every offset and line works around both: the annotations made spaces, and (in .ts
files; in .tsx a line may as well start with a JSX element) a `;` in place of the last
indentation character before such a signature. When the copy parses, the
file does (one parse, as before). Otherwise the text with only the annotations made spaces
is parsed, and what it says stands: the `;` only ever turns an error away.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from handrail.engine.languages import Language

if TYPE_CHECKING:
    import tree_sitter
    from ast_grep_py import SgNode


@dataclass(frozen=True)
class SyntaxProblem:
    line: int  # 1-based
    column: int  # 1-based
    what: str

    def __str__(self) -> str:
        return f"syntax error at line {self.line}, column {self.column} ({self.what})"


@cache
def _parser(language: Language) -> tree_sitter.Parser:
    # Imported on the first full check: most runs (warm ones, clean files) need none.
    import tree_sitter
    import tree_sitter_javascript
    import tree_sitter_typescript

    grammar = {
        Language.TYPESCRIPT: tree_sitter_typescript.language_typescript,
        Language.TSX: tree_sitter_typescript.language_tsx,
        Language.JAVASCRIPT: tree_sitter_javascript.language,
    }[language]()
    return tree_sitter.Parser(tree_sitter.Language(grammar))


# How a syntax error shows in ast-grep's tree: an ERROR node, or an empty one (a MISSING `)`).
_LOOKS_BROKEN: list[Any] = [{"kind": "ERROR"}, {"regex": "^$"}]


def looks_broken(root: SgNode) -> bool:
    """A cheap look at an ast-grep tree already built: `first_problem` parses again."""
    return root.find(any=_LOOKS_BROKEN) is not None


def first_problem(text: str, language: Language) -> SyntaxProblem | None:
    """The first syntax error in `text`, or None when it parses cleanly."""
    if language is Language.PYTHON:
        parsed = parse_python(text)
        return parsed if isinstance(parsed, SyntaxProblem) else None
    parser = _parser(language)
    if language is not Language.JAVASCRIPT:
        # The grammar's gaps (see the module doc), worked around in a text that keeps every
        # offset and line. Parsed first: where it parses, that is the one parse.
        blanked = _blanked(text)
        separated = _separated(blanked) if language is Language.TYPESCRIPT else blanked
        if separated != text:
            data = separated.encode("utf-8")
            tree = parser.parse(data)
            node = _first_error(tree.root_node) if tree.root_node.has_error else None
            if node is None:
                return None
            # Its error stands unless it takes in a `;` of ours (which may have caused it).
            if separated == blanked or data.count(b";", node.start_byte, node.end_byte) == blanked.encode(
                "utf-8"
            ).count(b";", node.start_byte, node.end_byte):
                return _problem_at(node, data)
            text = blanked
    data = text.encode("utf-8")
    tree = parser.parse(data)
    node = _first_error(tree.root_node) if tree.root_node.has_error else None
    return _problem_at(node, data) if node is not None else None


# `in`, `out` or `in out` before a type parameter's name (followed by `extends`, a default,
# or the end of the parameter), in a list of type parameters.
_VARIANCE = re.compile(
    r"(?<=[<,])\s*(?P<modifiers>(?:in|out)\s+(?:out\s+)?)(?=[A-Za-z_$][\w$]*\s*(?:extends\b|[,>=]))"
)
# A line that starts (after some indentation) with a type parameter list: `<A>(`, `<A, B>`,
# `<A extends X>`, `<A = D>`, `<const A`.
_GENERIC_SIGNATURE = re.compile(
    r"(?m)^[ \t]*[ \t](?=<\s*(?:const\s+)?[A-Za-z_$][\w$]*\s*(?:[,>=]|extends\b))"
)


def _blanked(text: str) -> str:
    """`text` with its variance annotations made spaces."""

    def blank(match: re.Match[str]) -> str:
        lead = match.group(0)[: match.start("modifiers") - match.start()]
        return lead + re.sub(r"\S", " ", match["modifiers"])

    return _VARIANCE.sub(blank, text)


def _separated(text: str) -> str:
    """`text` with a `;` for the last character of the indentation of each generic call
    signature that may end the member before it (see `_ends_member`)."""
    return _GENERIC_SIGNATURE.sub(lambda m: m.group(0)[:-1] + ";" if _ends_member(m) else m.group(0), text)


def _ends_member(match: re.Match[str]) -> bool:
    """Whether a signature line may take a `;` before it: what comes before can end a type
    (not a `,`, `(` or `=>`, after which a generic arrow function goes on)."""
    before = _code_before(match.string, match.start())
    return bool(before) and not before.endswith("=>") and (before[-1].isalnum() or before[-1] in "_$>)]}'\"`")


def _code_before(text: str, at: int) -> str:
    """The last two characters before `at` that are not whitespace, in a block comment or on
    a line that holds only a comment."""
    while at > 0:
        if text[at - 1].isspace():
            at -= 1
        elif text.startswith("*/", at - 2):
            opening = text.rfind("/*", 0, at - 2)
            if opening < 0:
                return ""
            at = opening
        else:
            line_start = text.rfind("\n", 0, at) + 1
            if text[line_start:at].lstrip().startswith("//"):
                at = line_start
                continue
            return text[max(0, at - 2) : at]
    return ""


def _problem_at(node: tree_sitter.Node, data: bytes) -> SyntaxProblem:
    row, col_bytes = node.start_point
    line_start = data.rfind(b"\n", 0, node.start_byte) + 1
    column = len(data[line_start : line_start + col_bytes].decode("utf-8", "replace")) + 1
    what = f"missing {node.type!r}" if node.is_missing else "unexpected input"
    return SyntaxProblem(row + 1, column, what)


def parse_python(text: str) -> ast.Module | SyntaxProblem:
    """CPython's tree of `text`, or the syntax error CPython reports for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for "\d" and the like
        try:
            return ast.parse(text)
        except SyntaxError as exc:
            return SyntaxProblem(exc.lineno or 1, exc.offset or 1, exc.msg)
        except ValueError as exc:  # e.g. null bytes
            return SyntaxProblem(1, 1, str(exc))
        except (RecursionError, MemoryError):
            return SyntaxProblem(1, 1, "too deeply nested to parse")


def _first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return node if node.has_error else None
