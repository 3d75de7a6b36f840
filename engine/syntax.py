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
a line break as the previous type's arguments; the grammar does). Where a file does not
parse, the annotations are blanked (to spaces: positions hold) and the file parsed again:
what that parse says stands, unless it parses once such signatures are also set off by a
`;` (in place of the indentation's last character), which only ever turns an error away.
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
    problem = _tree_sitter_problem(text, language)
    if problem is None or language is Language.JAVASCRIPT:
        return problem
    blanked = _VARIANCE.sub(_blank_modifiers, text)
    if blanked != text:
        problem = _tree_sitter_problem(blanked, language)
        if problem is None:
            return None
    separated = _GENERIC_SIGNATURE.sub(_separate, blanked)
    if separated != blanked and _tree_sitter_problem(separated, language) is None:
        return None
    return problem


# `in`, `out` or `in out` before a type parameter's name (followed by `extends`, a default,
# or the end of the parameter), in a list of type parameters.
_VARIANCE = re.compile(
    r"(?<=[<,])(?P<gap>\s*)(?P<modifiers>(?:in|out)\s+(?:out\s+)?)(?=[A-Za-z_$][\w$]*\s*(?:extends\b|[,>=]))"
)


# A line that starts (after some indentation) with a type parameter list: `<A>(`, `<A, B>`,
# `<A extends X>`, `<A = D>`, `<const A`.
_GENERIC_SIGNATURE = re.compile(
    r"(?m)^(?P<indent>[ \t]*)[ \t](?=<\s*(?:const\s+)?[A-Za-z_$][\w$]*\s*(?:[,>=]|extends\b))"
)


def _separate(match: re.Match[str]) -> str:
    """A `;` ending the member before a signature line, where what comes before can end a
    type (not a `,`, `(` or `=>`: a generic arrow function goes on there)."""
    before = _code_before(match.string, match.start())
    if before.endswith("=>") or not before or not (before[-1].isalnum() or before[-1] in "_$>)]}'\"`"):
        return match.group(0)
    return match["indent"] + ";"


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


def _blank_modifiers(match: re.Match[str]) -> str:
    return match["gap"] + re.sub(r"\S", " ", match["modifiers"])


def _tree_sitter_problem(text: str, language: Language) -> SyntaxProblem | None:
    data = text.encode("utf-8")
    tree = _parser(language).parse(data)
    if tree.root_node.has_error:
        node = _first_error(tree.root_node)
        if node is not None:
            row, col_bytes = node.start_point
            line_start = data.rfind(b"\n", 0, node.start_byte) + 1
            column = len(data[line_start : line_start + col_bytes].decode("utf-8", "replace")) + 1
            what = f"missing {node.type!r}" if node.is_missing else "unexpected input"
            return SyntaxProblem(row + 1, column, what)
    return None


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
