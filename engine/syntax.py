"""Syntax checks: is this text free of parse errors?

TypeScript and JavaScript are checked with tree-sitter: ast-grep shares its grammars but
does not expose MISSING nodes, which is how tree-sitter reports e.g. an unclosed bracket,
so verification parses with tree-sitter directly. Python is checked with CPython's own
parser alone: it is the reference, stricter than the tree-sitter grammar where that grammar
is lenient, and it accepts what the grammar has not caught up with yet.
"""

from __future__ import annotations

import ast
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
