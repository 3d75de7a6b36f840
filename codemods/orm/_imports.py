"""Making TypeORM's `In` operator available to a suggestion that uses it."""

from __future__ import annotations

from ast_grep_py import SgNode

from handrail.codemods.orm._syntax import string_value, uses_esm
from handrail.codemods.prisma import _loops as L
from handrail.engine.model import Edit

MODULE = "typeorm"


def _imported_in(root: SgNode) -> tuple[bool, SgNode | None]:
    """(whether `In` is imported from typeorm, the `{ ... }` list it could join)."""
    for stmt in root.find_all(kind="import_statement"):
        source = stmt.field("source")
        if source is None or string_value(source) != MODULE:
            continue
        named = stmt.find(kind="named_imports")
        if named is None:
            continue
        for spec in named.find_all(kind="import_specifier"):
            local = spec.field("alias") or spec.field("name")
            if local is not None and local.text() == "In":
                return True, None
        if stmt.text().startswith("import type"):
            continue
        return False, named
    for decl in root.find_all(kind="variable_declarator"):
        pattern, value = decl.field("name"), decl.field("value")
        if pattern is None or value is None or pattern.kind() != "object_pattern":
            continue
        if L.unwrap(value).kind() != "call_expression" or f'"{MODULE}"' not in value.text().replace("'", '"'):
            continue
        if "In" in L.pattern_names(pattern):
            return True, None
        return False, pattern
    return False, None


def _binds_in(root: SgNode) -> bool:
    """Whether the file has its own `In` (which an import would clash with)."""
    return any(n.text() == "In" for n in root.find_all(kind="identifier"))


def import_in(root: SgNode, text: str) -> list[Edit] | None:
    """The edits that import `In` from typeorm (none when it already is), or None when the file
    uses the name `In` for something else."""
    done, group = _imported_in(root)
    if done:
        return []
    if _binds_in(root):
        return None
    if group is not None:
        items = L.named(group)
        if not items:
            start, end = L.span(group)
            return [Edit(start, end, "{ In }")]
        at = L.span(items[-1])[1]
        return [Edit(at, at, ", In")]
    if uses_esm(root):
        imports = root.find_all(kind="import_statement")
        line = 'import { In } from "typeorm";'
        if imports:
            at = L.span(imports[-1])[1]
            return [Edit(at, at, "\n" + line)]
        return [Edit(0, 0, line + "\n\n")]
    requires = [
        s
        for s in L.named(root)
        if s.kind() in ("lexical_declaration", "variable_declaration") and "require(" in s.text()
    ]
    line = 'const { In } = require("typeorm");'
    if requires:
        at = L.span(requires[-1])[1]
        return [Edit(at, at, "\n" + line)]
    return [Edit(0, 0, line + "\n\n")]
