"""What a file exports, in the terms of `FileFacts`: ESM `export` statements and CommonJS
`module.exports` / `exports.X` assignments at module level.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ast_grep_py import SgNode

from handrail.codemods.zod._facts import Export, Ref
from handrail.codemods.zod._zod import key_name, member_path, named, string_value, unwrap


def collect_exports(
    root: SgNode, schemas: Collection[str], imports: Mapping[str, object]
) -> tuple[dict[str, Export], list[str]]:
    """The file's exports of its schemas (root names in `schemas`) and of names it imports
    (which may be schemas of other files), and the specifiers of its `export * from`."""
    found = _Exports(schemas, imports)
    for statement in named(root):
        if statement.kind() == "export_statement":
            found.statement(statement)
        elif statement.kind() == "expression_statement":
            expr = named(statement)
            if expr and expr[0].kind() == "assignment_expression":
                found.commonjs(expr[0])
    return found.exports, found.stars


class _Exports:
    def __init__(self, schemas: Collection[str], imports: Mapping[str, object]) -> None:
        self.schemas = schemas
        self.imports = imports
        self.exports: dict[str, Export] = {}
        self.stars: list[str] = []

    def add(self, exported: str, local: str) -> None:
        """Record `local` exported as `exported`, when it is a schema or an imported name."""
        if local in self.imports:
            self.exports[exported] = Export(Ref(local, (), True))
        elif local in self.schemas:
            self.exports[exported] = Export(Ref(local))

    def statement(self, statement: SgNode) -> None:
        source = statement.field("source")
        module = string_value(source) if source is not None else None
        declaration = statement.field("declaration")
        if declaration is not None:
            for declarator in named(declaration):
                name = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if name is not None and name.kind() == "identifier" and name.text() in self.schemas:
                    self.exports[name.text()] = Export(Ref(name.text()))
            return
        value = statement.field("value")
        if value is not None:
            if value.kind() == "identifier":
                self.add("default", value.text())
            return
        clauses = named(statement)
        if module is not None and not any(c.kind() in ("export_clause", "namespace_export") for c in clauses):
            self.stars.append(module)
            return
        for clause in clauses:
            if clause.kind() == "namespace_export" and module is not None:
                ident = named(clause)
                if ident:
                    self.exports[ident[-1].text()] = Export(None, module, "*")
            if clause.kind() != "export_clause":
                continue
            for spec in named(clause):
                name, alias = spec.field("name"), spec.field("alias")
                if name is None:
                    continue
                exported = key_name(alias or name)
                if module is not None:
                    self.exports[exported] = Export(None, module, key_name(name))
                else:
                    self.add(exported, name.text())

    def commonjs(self, assignment: SgNode) -> None:
        target, value = assignment.field("left"), assignment.field("right")
        exported = cjs_export_name(target) if target is not None else None
        if exported is None or value is None:
            return
        value = unwrap(value)
        if value.kind() == "identifier":
            self.add(exported, value.text())
        elif value.kind() == "object" and exported == "module.exports":
            for member in named(value):
                if member.kind() == "shorthand_property_identifier":
                    self.add(member.text(), member.text())
                elif member.kind() == "pair":
                    inner = member.field("value")
                    if inner is not None and inner.kind() == "identifier":
                        self.add(key_name(member.field("key")), inner.text())


def cjs_export_name(target: SgNode) -> str | None:
    """`module.exports` -> "module.exports"; `module.exports.X` / `exports.X` -> "X"."""
    path = member_path(target)
    if path == ("module", "exports"):
        return "module.exports"
    if path is not None and len(path) == 3 and path[:2] == ("module", "exports"):
        return path[2]
    if path is not None and len(path) == 2 and path[0] == "exports":
        return path[1]
    return None


_STATEMENT_PARTS = frozenset(
    {"lexical_declaration", "variable_declaration", "export_statement", "expression_statement"}
)


def at_top_level(node: SgNode) -> bool:
    """Whether a declarator or assignment is at module level (not inside a function or block)."""
    for anc in node.ancestors():
        if anc.kind() == "program":
            return True
        if anc.kind() not in _STATEMENT_PARTS:
            return False
    return False


def export_position(node: SgNode) -> bool:
    """`export default A`, `module.exports = A`, `module.exports = { A }`, `exports.B = A`:
    the name is being exported, not used."""
    parent = node.parent()
    if parent is None:
        return False
    if parent.kind() == "export_statement":
        return True
    value: SgNode | None = node  # the expression assigned to the export
    if node.kind() == "shorthand_property_identifier":
        value = parent
    elif parent.kind() == "pair" and parent.field("value") == node:
        value = parent.parent()
    holder = value.parent() if value is not None else None
    if holder is None or holder.kind() != "assignment_expression" or holder.field("right") != value:
        return False
    target = holder.field("left")
    return target is not None and cjs_export_name(target) is not None and at_top_level(holder)
