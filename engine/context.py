"""Everything a rule sees of one file; parse trees are built lazily and at most once."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ast_grep_py import SgNode, SgRoot

from handrail.engine.languages import Language
from handrail.engine.lines import LineIndex, PythonLineIndex
from handrail.engine.model import Edit, Finding, Fix, Severity
from handrail.engine.project import ProjectInfo
from handrail.engine.syntax import parse_python

if TYPE_CHECKING:
    import libcst

    from handrail.engine.rule import Rule


T = TypeVar("T")


class FileContext:
    def __init__(
        self,
        path: Path,
        display_path: str,
        text: str,
        language: Language,
        project: ProjectInfo,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.path = path  # absolute
        self.display_path = display_path
        self.text = text
        self.language = language
        self.project = project
        self._options = options or {}
        self._memo: dict[str, Any] = {}

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    @cached_property
    def python_lines(self) -> LineIndex:
        """`lines` as Python counts them (see PythonLineIndex): for positions from CPython's
        `ast` or libcst. The same object as `lines` unless a lone carriage return is in the text."""
        return PythonLineIndex(self.text) if self.text.count("\r") != self.text.count("\r\n") else self.lines

    @cached_property
    def sg(self) -> SgRoot:
        return SgRoot(self.text, self.language.ast_grep_name)

    @property
    def root(self) -> SgNode:
        return self.sg.root()

    @property
    def parsed(self) -> bool:
        """Whether some rule has asked for the ast-grep tree (rules that decide from the text
        alone leave the file unparsed)."""
        return "sg" in self.__dict__

    @property
    def any_tree(self) -> bool:
        """Whether a parse tree (ast-grep's, libcst's or CPython's) was built for the file."""
        return any(key in self.__dict__ for key in ("sg", "cst", "python_ast"))

    @property
    def python_rejected(self) -> bool:
        """Whether some rule asked for a Python tree (libcst's or CPython's) that could not be
        built (tree-sitter is more lenient: `async = 1` gives it no ERROR node)."""
        if self.language is not Language.PYTHON:
            return False
        return any(key in self.__dict__ and self.__dict__[key] is None for key in ("cst", "python_ast"))

    @cached_property
    def cst(self) -> libcst.Module | None:
        """The libcst module of a Python file, or None when libcst cannot parse it."""
        import libcst

        if self.language is not Language.PYTHON:
            return None
        try:
            return libcst.parse_module(self.text)
        except libcst.ParserSyntaxError:
            return None

    @property
    def python_accepted(self) -> bool:
        """Whether some rule had CPython's tree built for the file (so the file parses)."""
        return self.__dict__.get("python_ast") is not None

    @cached_property
    def python_ast(self) -> ast.Module | None:
        """CPython's tree of a Python file, or None when CPython rejects it."""
        if self.language is not Language.PYTHON:
            return None
        tree = parse_python(self.text)
        return tree if isinstance(tree, ast.Module) else None

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Compute something about this file once for all the rules that need it."""
        if key not in self._memo:
            self._memo[key] = build()
        value: T = self._memo[key]
        return value

    def options(self, rule: type[Rule] | Rule) -> dict[str, Any]:
        merged = rule.default_options()
        merged.update(self._options.get(rule.id, {}))
        return merged

    # -- helpers for building findings -------------------------------------------------

    @staticmethod
    def span(node: SgNode) -> tuple[int, int]:
        r = node.range()
        return r.start.index, r.end.index

    def finding(
        self,
        rule: type[Rule] | Rule,
        start: int,
        end: int,
        message: str,
        fix: Fix | None = None,
        severity: Severity | None = None,
        data: Any = None,
    ) -> Finding:
        return Finding(
            rule=rule.id,
            path=self.display_path,
            start=start,
            end=end,
            message=message,
            severity=severity or rule.severity,
            fix=fix,
            data=data,
        )

    def replace(self, node: SgNode, replacement: str) -> Edit:
        start, end = self.span(node)
        return Edit(start, end, replacement)
