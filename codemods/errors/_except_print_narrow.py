"""errors/except-print: the part of a module libcst has to read, as a text of the same shape.

libcst's parse, scope analysis and positions cost about a second for a large module, but a
finding needs only the statements that hold a candidate call, plus the names the module binds.
`narrow` keeps those statements as they are and turns every other def and class into a stub
that binds the same name, from the statement's first line to its last (`def name(): pass`,
or `def name():` and a triple-quoted string of the statement's line breaks): every kept
character keeps its line and column, so libcst's positions are the original's, while scope
analysis still sees each module-level name (an import, `logger = ...`, a module-level
`def print`). Inside a kept class the same happens to its other methods.

A def or class stays whole when it may bind a name elsewhere (`global`, `:=`, type
parameters); statements that merely contain defs (`if`, `try`) are never narrowed. Narrowing
gives up, and the whole module is read, where its view of the statements might not be
libcst's: a tree-sitter ERROR, a lone carriage return (tools count its lines differently), a
tree-sitter tree that disagrees with CPython's, or a text CPython's parser rejects (libcst
most likely rejects it too, and then the file has no findings). What remains: code that
CPython parses and libcst does not (`(x): int`), in a stubbed def, no longer hides the
findings of the rest of the file.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ast_grep_py import SgNode


@dataclass(frozen=True)
class _Stub:
    start: int  # where the statement starts (after its indentation)
    end: int  # the end of its last line, before the line break
    code: str  # what replaces it


_DEFINITIONS = frozenset({"function_definition", "class_definition", "decorated_definition"})
_NOT_STATEMENTS = frozenset({"comment", "line_continuation"})
# Beyond its own name, a def or class binds names elsewhere only through these (the text is
# searched first, as CPython's tree costs more to walk).
_BINDS_MORE = re.compile(r"\bglobal\b|:=")
_BINDING_NODES = (ast.Global, ast.NamedExpr)
_NOT_LINE_BREAK = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class Narrowed:
    text: str
    same_until: int  # the narrowed text equals the original up to here (the first stub)


def narrow(text: str, root: SgNode, keep: Collection[int]) -> Narrowed | None:
    """`text` with every def and class that holds none of the offsets `keep` stubbed out, or
    None when nothing is stubbed or the statements cannot be trusted to be libcst's."""
    if text.count("\r") != text.count("\r\n") or root.find(kind="ERROR") is not None:
        return None
    tree = _python_ast(text)
    if tree is None:
        return None
    stubs: list[_Stub] = []
    if not _plan(text, _statements(root), tree.body, keep, stubs) or not stubs:
        return None
    pieces: list[str] = []  # the stubs are in text order
    cursor = 0
    for stub in stubs:
        pieces.append(text[cursor : stub.start])
        pieces.append(stub.code)
        cursor = stub.end
    pieces.append(text[cursor:])
    return Narrowed("".join(pieces), stubs[0].start)


def _python_ast(text: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for "\d" and the like
        try:
            return ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _statements(block: SgNode) -> list[SgNode]:
    return [child for child in block.children() if child.is_named() and child.kind() not in _NOT_STATEMENTS]


def _plan(
    text: str,
    nodes: Sequence[SgNode],
    body: Sequence[ast.stmt],
    keep: Collection[int],
    stubs: list[_Stub],
) -> bool:
    """Add the stubs for one block of statements (a module's, a kept class's) to `stubs`;
    False when tree-sitter's statements are not CPython's."""
    if len(nodes) != len(body):
        return False
    for node, stmt in zip(nodes, body, strict=True):
        definition = node.field("definition") if node.kind() == "decorated_definition" else node
        if definition is None:
            return False
        where = node.range()
        # CPython's line of a definition is that of `def`/`class`, after any decorators.
        if definition.range().start.line + 1 != stmt.lineno or where.end.line + 1 < (stmt.end_lineno or 0):
            return False
        if node.kind() not in _DEFINITIONS:
            continue
        start, end = where.start.index, where.end.index
        if any(start <= offset < end for offset in keep):
            if isinstance(stmt, ast.ClassDef):  # kept, but its other methods need not be
                block = definition.field("body")
                if block is None or not _plan(text, _statements(block), stmt.body, keep, stubs):
                    return False
        elif not _binds_more(text, start, end, stmt):
            stub = _stub(text, definition, start, end)
            if stub is None:
                return False
            stubs.append(stub)
    return True


def _binds_more(text: str, start: int, end: int, stmt: ast.stmt) -> bool:
    """Whether the definition binds a name other than its own (`global`, `:=`, and type
    parameters, which libcst may give a scope of their own)."""
    if getattr(stmt, "type_params", None):
        return True
    if not _BINDS_MORE.search(text, start, end):
        return False
    return any(isinstance(node, _BINDING_NODES) for node in ast.walk(stmt))


def _stub(text: str, definition: SgNode, start: int, end: int) -> _Stub | None:
    name = definition.field("name")
    line_start = text.rfind("\n", 0, start) + 1
    if name is None or text[line_start:start].strip(" \t\f"):
        return None  # something other than indentation before the statement
    # The statement's last line ends at the line break at or after its last character (a
    # CRLF's CR left out, as alone it would make a line break of its own).
    line_end = text.find("\n", max(start, end - 1))
    end = len(text) if line_end == -1 else line_end - (text[line_end - 1] == "\r")
    header = f"class {name.text()}: " if definition.kind() == "class_definition" else f"def {name.text()}(): "
    # The line breaks of its other lines go into a string: libcst would make nodes of every
    # empty line, and walk them as often as the code they replace.
    breaks = _NOT_LINE_BREAK.sub("", text[start:end])
    return _Stub(start, end, header + (f'"""{breaks}"""' if breaks else "pass"))
