"""Where and how to add an import to a TS/JS file, in the file's own style: ESM or require,
quotes, semicolons, after the last import (or after a shebang and directives)."""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.errors._js_modules import (
    MODULE_EXPORTS,
    extension_style,
    module_system,
    require_specifier,
    specifier_nodes,
)
from handrail.codemods.errors._js_syntax import dominant_quote, named_children
from handrail.engine.context import FileContext


@dataclass(frozen=True)
class ImportSite:
    """Where and how to add `import { logger } from "..."` to a file (picklable)."""

    path: str  # absolute POSIX path of the importing file
    system: str  # "esm" or "cjs"
    offset: int  # insert here; the text ends with a newline
    blank_line: bool  # follow with an empty line (the first import, right before code)
    quote: str
    semicolon: bool
    extension_style: str | None

    def statement(self, local: str, export: str, spec: str) -> str:
        """The import line(s) binding `local` to export `export` of `spec`."""
        q, end = self.quote, ";" if self.semicolon else ""
        if self.system == "cjs":
            if export == MODULE_EXPORTS:
                line = f"const {local} = require({q}{spec}{q}){end}\n"
            else:
                binding = local if export == local else f"{export}: {local}"
                line = f"const {{ {binding} }} = require({q}{spec}{q}){end}\n"
        elif export in ("default", MODULE_EXPORTS):
            line = f"import {local} from {q}{spec}{q}{end}\n"
        else:
            binding = local if export == local else f"{export} as {local}"
            line = f"import {{ {binding} }} from {q}{spec}{q}{end}\n"
        return line + ("\n" if self.blank_line else "")


def import_site(ctx: FileContext) -> ImportSite | None:
    """None when the file's module system is unknown (a plain .js file with neither style)."""
    system = module_system(ctx)
    if system is None:
        return None
    root, text = ctx.root, ctx.text
    if system == "esm":
        anchors = [s for s in named_children(root) if s.kind() == "import_statement"]
    else:
        anchors = [s for s in named_children(root) if _declares_require(s)]
    if anchors:
        end = anchors[-1].range().end.index
        newline = text.find("\n", end)
        offset = len(text) if newline == -1 else newline + 1
    else:
        offset = _after_prologue(root, text)
    blank_line = not anchors and text[offset : offset + 1] not in ("\n", "\r", "")
    specs = specifier_nodes(root)
    quote = specs[0].text()[0] if specs else dominant_quote(root)
    semicolon = anchors[-1].text().rstrip().endswith(";") if anchors else uses_semicolons(root)
    return ImportSite(
        ctx.path.as_posix(), system, offset, blank_line, quote, semicolon, extension_style(root)
    )


def _declares_require(stmt: SgNode) -> bool:
    """`const x = require("...")` (or `let`/`var`), the statements a new require goes after."""
    if stmt.kind() not in ("lexical_declaration", "variable_declaration"):
        return False
    values = (d.field("value") for d in named_children(stmt))
    return any(require_specifier(v) for v in values if v is not None)


def uses_semicolons(root: SgNode) -> bool:
    """Whether the file ends its simple statements with `;` (the majority; yes when unsure)."""
    ends = [
        node.text().rstrip().endswith(";")
        for kind in ("expression_statement", "lexical_declaration", "return_statement")
        for node in root.find_all(kind=kind)
    ]
    return ends.count(False) <= ends.count(True)


def _after_prologue(root: SgNode, text: str) -> int:
    """Start of the line of the first statement after a shebang and directives ("use strict")."""
    for stmt in named_children(root):
        kind = stmt.kind()
        if kind == "hash_bang_line":
            continue
        if kind == "expression_statement" and named_children(stmt)[0].kind() == "string":
            continue
        start = stmt.range().start.index
        return text.rfind("\n", 0, start) + 1
    return len(text)
