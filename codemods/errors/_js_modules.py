"""How a TS/JS file links to other modules: its module system, what it imports and re-exports
from relative specifiers, how it spells them, and which project file a specifier names."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from ast_grep_py import SgNode

from handrail.codemods.errors._js_syntax import call_args, callee_path, named_children, string_value, unwrap
from handrail.engine.context import FileContext

MODULE_EXPORTS = "module.exports"  # export name for a CommonJS `module.exports = logger`
JS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


@dataclass(frozen=True)
class ImportedBinding:
    """`local` is bound to export `imported` ("default", MODULE_EXPORTS or a name) of `specifier`."""

    local: str
    imported: str
    specifier: str


def require_specifier(node: SgNode) -> str | None:
    """The specifier of `require("x")`, when `node` is such a call."""
    node = unwrap(node)
    if node.kind() != "call_expression" or callee_path(node) != ["require"]:
        return None
    args = call_args(node)
    return string_value(args[0]) if len(args) == 1 else None


def top_level_declarators(root: SgNode) -> Iterator[tuple[SgNode, SgNode, bool]]:
    """(name pattern, initial value, exported) for each top-level `const/let/var` declarator."""
    for stmt in named_children(root):
        exported = stmt.kind() == "export_statement"
        decl = stmt.field("declaration") if exported else stmt
        if decl is None or decl.kind() not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in named_children(decl):
            name, value = declarator.field("name"), declarator.field("value")
            if declarator.kind() == "variable_declarator" and name is not None and value is not None:
                yield name, value, exported


def is_relative(spec: str) -> bool:
    return spec.startswith("./") or spec.startswith("../") or spec in (".", "..")


def _is_type_only(node: SgNode) -> bool:
    return any(not c.is_named() and c.text() == "type" for c in node.children())


def import_bindings(root: SgNode) -> Iterator[ImportedBinding]:
    """Values the file binds from other modules: top-level `import` statements (not type-only
    ones), then `const x = require("...")` / `const { a, b: c } = require("...")`."""
    for stmt in named_children(root):
        source = stmt.field("source") if stmt.kind() == "import_statement" else None
        spec = string_value(source) if source is not None else None
        if spec is None or _is_type_only(stmt):
            continue
        clause = next((c for c in named_children(stmt) if c.kind() == "import_clause"), None)
        for part in named_children(clause) if clause is not None else []:
            if part.kind() == "identifier":
                yield ImportedBinding(part.text(), "default", spec)
            elif part.kind() == "named_imports":
                for s in named_children(part):
                    imported, alias = s.field("name"), s.field("alias")
                    if imported is not None and not _is_type_only(s):
                        yield ImportedBinding((alias or imported).text(), imported.text(), spec)
    for name, value, _ in top_level_declarators(root):
        spec = require_specifier(value)
        if spec is None:
            continue
        if name.kind() == "identifier":
            yield ImportedBinding(name.text(), MODULE_EXPORTS, spec)
        elif name.kind() == "object_pattern":
            for part in named_children(name):
                if part.kind() == "shorthand_property_identifier_pattern":
                    yield ImportedBinding(part.text(), part.text(), spec)
                elif part.kind() == "pair_pattern":
                    k, v = part.field("key"), part.field("value")
                    if k is not None and v is not None and v.kind() == "identifier":
                        yield ImportedBinding(v.text(), k.text(), spec)


def relative_imports(root: SgNode) -> list[ImportedBinding]:
    """Bindings the file gets from its project's own modules (relative specifiers)."""
    return [b for b in import_bindings(root) if is_relative(b.specifier)]


def relative_reexports(root: SgNode) -> list[tuple[str, str, str]]:
    """(exported as, imported name or "*", specifier) for each `export ... from "./x"`."""
    found: list[tuple[str, str, str]] = []
    for stmt in named_children(root):
        source = stmt.field("source") if stmt.kind() == "export_statement" else None
        spec = string_value(source) if source is not None else None
        if spec is None or not is_relative(spec):
            continue
        clauses = [c for c in named_children(stmt) if c.kind() == "export_clause"]
        if not clauses:
            found.append(("*", "*", spec))
        for clause in clauses:
            for s in named_children(clause):
                name, alias = s.field("name"), s.field("alias")
                if name is not None:
                    found.append(((alias or name).text(), name.text(), spec))
    return found


def specifier_nodes(root: SgNode) -> list[SgNode]:
    """String nodes of the file's import/require/re-export specifiers."""
    nodes: list[SgNode] = []
    for stmt in named_children(root):
        source = stmt.field("source") if stmt.kind() in ("import_statement", "export_statement") else None
        if source is not None:
            nodes.append(source)
    for call in root.find_all(pattern="require($S)"):
        spec = call.get_match("S")
        if spec is not None and spec.kind() == "string":
            nodes.append(spec)
    return nodes


def extension_style(root: SgNode) -> str | None:
    """How the file writes relative specifiers: "js" (`./db.js`), "ts" (`./db.ts`), "none"
    (`./db`), or None when it has none."""
    styles = []
    for node in specifier_nodes(root):
        spec = string_value(node)
        if spec is None or not is_relative(spec):
            continue
        suffix = PurePosixPath(spec).suffix
        if suffix in (".ts", ".tsx", ".mts", ".cts"):
            styles.append("ts")
        elif suffix in (".js", ".jsx", ".mjs", ".cjs"):
            styles.append("js")
        else:
            styles.append("none")
    return majority_style(styles)


def majority_style(styles: Iterable[str | None]) -> str | None:
    """The most common extension style (alphabetically first on a tie), None when there is none."""
    known = [s for s in styles if s is not None]
    return max(sorted(set(known)), key=known.count) if known else None


def module_system(ctx: FileContext) -> str | None:
    """The module system the file is written in ("esm" or "cjs"); None for a plain .js file
    that shows neither."""
    root = ctx.root
    kinds = {stmt.kind() for stmt in named_children(root)}
    if kinds & {"import_statement", "export_statement"}:
        return "esm"
    if (
        any(require_specifier(value) for _, value, _ in top_level_declarators(root))
        or "module.exports" in ctx.text
    ):
        return "cjs"
    suffix = ctx.path.suffix.lower()
    if suffix in (".mjs", ".mts", ".ts", ".tsx"):
        return "esm"
    if suffix in (".cjs", ".cts"):
        return "cjs"
    return None


def resolve_specifier(importer: str, spec: str, known: Mapping[str, object]) -> str | None:
    """The absolute POSIX path among `known` that a relative specifier names (TS/Node rules)."""
    base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    stem, suffix = posixpath.splitext(base)
    candidates = [base]
    if suffix in (".js", ".jsx", ".mjs", ".cjs"):  # TS sources imported by their output name
        swapped = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
        candidates += [stem + ext for ext in swapped[suffix]]
    candidates += [base + ext for ext in JS_EXTENSIONS]
    candidates += [posixpath.join(base, "index" + ext) for ext in JS_EXTENSIONS]
    return next((c for c in candidates if c in known), None)


def import_specifier(importer: str, target: str, style: str | None) -> str:
    """The relative specifier `importer` should use for `target`, in the given extension style."""
    rel = posixpath.relpath(target, posixpath.dirname(importer))
    if not rel.startswith("."):
        rel = "./" + rel
    stem, suffix = posixpath.splitext(rel)
    if suffix in (".mjs", ".cjs"):
        return rel  # Node needs these spelled out, whatever the style
    if style == "ts":
        return rel
    if style == "js":
        return stem + {".ts": ".js", ".tsx": ".js", ".mts": ".mjs", ".cts": ".cjs"}.get(suffix, suffix)
    if posixpath.basename(stem) == "index":
        stem = posixpath.dirname(stem)
    return stem
