"""libcst plumbing for errors/except-print: string literal values and logger setup."""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst


def literal_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, implicit concatenation included."""
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def fstring_text(fstring: cst.FormattedString, text: cst.FormattedStringText) -> str:
    """The runtime value of one literal piece of an f-string (escapes and `{{` resolved)."""
    prefix = fstring.prefix.replace("f", "")  # `prefix` is lower-case: "", "r"
    source = text.value.replace("{{", "{").replace("}}", "}")
    value = ast.literal_eval(f"{prefix}{fstring.quote}{source}{fstring.quote}")
    assert isinstance(value, str)
    return value


Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


def _is_docstring(stmt: Statement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_import_line(stmt: Statement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Import | cst.ImportFrom)
    )


def leading_imports_end(module: cst.Module) -> int:
    """Index in `module.body` just after the import block that opens the module.

    This is where AddImportsVisitor puts new imports: after a docstring, then after each
    one-import line until the first other statement.
    """
    body = module.body
    at = 1 if body and _is_docstring(body[0]) else 0
    while at < len(body) and _is_import_line(body[at]):
        at += 1
    return at


def import_head(body: Sequence[Statement]) -> Sequence[Statement]:
    """The statements AddImportsVisitor looks at: a first statement (which may be a docstring
    or `__strict__` flag it skips), the one-import lines after it, and the next statement
    (which it may set off with a blank line)."""
    end = 1
    while end < len(body) and _is_import_line(body[end]):
        end += 1
    return body[: end + 1]


def add_logging_import(module: cst.Module) -> cst.Module:
    """What AddImportsVisitor makes of `module` when asked for `import logging`.

    The visitor walks (and rebuilds) the whole tree but reads and changes only the head of
    the module; giving it just that head spares a walk of a large module.
    """
    # Imported here: libcst's codemod package (and the matchers it uses) costs ~0.3 s more
    # than libcst itself, which only fixes that add a logger need.
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    head = import_head(module.body)
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, "logging")
    added = AddImportsVisitor(context).transform_module(module.with_changes(body=head))
    return module.with_changes(body=(*added.body, *module.body[len(head) :]))


def _separated(stmt: Statement) -> Statement:
    """`stmt` with a blank line above it unless one is already there (as AddImportsVisitor does)."""
    lines = stmt.leading_lines
    if lines and lines[0].comment is None:
        return stmt
    return stmt.with_changes(leading_lines=(cst.EmptyLine(), *lines))


def with_module_logger(module: cst.Module, name: str) -> cst.Module:
    """`module` plus `import logging` (when missing) and `<name> = logging.getLogger(__name__)`.

    The import goes through libcst's AddImportsVisitor, which skips it when the opening import
    block already has it; the logger line follows that import block, set off by blank lines.
    """
    docstring = 1 if module.body and _is_docstring(module.body[0]) else 0
    had_imports = leading_imports_end(module) > docstring
    module = add_logging_import(module)
    body = list(module.body)
    if docstring and not had_imports:
        # AddImportsVisitor puts the first import right under the docstring; PEP 8 style
        # (and every formatter) wants a blank line between them.
        body[docstring] = _separated(body[docstring])
    at = leading_imports_end(module)
    line = cst.parse_statement(
        f"{name} = logging.getLogger(__name__)\n", config=module.config_for_parsing
    ).with_changes(leading_lines=(cst.EmptyLine(),))
    if at < len(body):
        body[at] = _separated(body[at])
    body.insert(at, line)
    return module.with_changes(body=body)
