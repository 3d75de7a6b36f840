"""One file's Zod schemas: every factory call, the schema it belongs to, and the file's facts
(`FileFacts`): schema declarations and what they derive from, imports, exports, and each use
of a schema, classified by `Classifier`. Computed once per file and shared by the Zod rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from ast_grep_py import SgNode

from handrail.codemods._js_modules import may_be_project_module
from handrail.codemods.zod._classify import Classifier
from handrail.codemods.zod._exports import at_top_level, cjs_export_name, collect_exports, export_position
from handrail.codemods.zod._facts import Export, FileFacts, Kind, Ref, Use, root_name
from handrail.codemods.zod._index import Index
from handrail.codemods.zod._zod import (
    PARSE_METHODS,
    SCHEMA_METHODS,
    ZOD_MODULES,
    Extent,
    FactoryCall,
    Scopes,
    Site,
    callee_name,
    chain_root,
    climb,
    factory_calls,
    import_sites,
    import_source,
    key_name,
    named,
    pattern_names,
    require_source,
    short,
    zod_binding,
)

if TYPE_CHECKING:
    from handrail.engine.context import FileContext


@dataclass(frozen=True)
class Bound:
    """The schema expression is stored under a name: a declaration, an export, a container."""

    key: str
    declarator: SgNode | None = None  # the variable declarator, when there is one
    exported: bool = False  # `export default <schema>`, `module.exports.X = <schema>`


@dataclass(frozen=True)
class Match:
    """One factory call and the schema it belongs to."""

    call: FactoryCall
    extent: Extent
    key: str | None  # the schema's key in this file's facts (None: written inline at its use)
    use: Use | None  # the inline use (None when bound)


@dataclass
class FileAnalysis:
    matches: list[Match]
    facts: FileFacts
    index: Index  # this file alone: decides whatever other files cannot change


ALL_FACTORIES = frozenset({"number", "bigint", "date", "boolean"})

_CACHE: WeakKeyDictionary[FileContext, dict[tuple[str, ...], FileAnalysis]] = WeakKeyDictionary()


def analyze(ctx: FileContext, string_sources: Sequence[str] = ()) -> FileAnalysis:
    """The analysis of `ctx`'s file, computed once per file (and per set of extra sources),
    shared by the Zod rules' check and collect."""
    per_file = _CACHE.setdefault(ctx, {})
    key = tuple(string_sources)
    if key not in per_file:
        per_file[key] = _Analyzer(ctx, key).run()
    return per_file[key]


class _Analyzer:
    def __init__(self, ctx: FileContext, extra_roots: tuple[str, ...]) -> None:
        self.path = ctx.path.as_posix()
        self.root = ctx.root
        self.dependencies = ctx.project.dependencies
        self.scopes = Scopes()
        self.classifier = Classifier(self.scopes, extra_roots)
        self.decls: dict[str, list[Ref]] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        self.exports: dict[str, Export] = {}
        self.uses: list[tuple[Ref, Use]] = []
        # Declaring identifier -> (key, imported) for every name whose uses are followed.
        self.tracked: dict[SgNode, tuple[str, bool]] = {}
        self.pending: list[SgNode] = []
        self._schema_sites: dict[SgNode, bool] = {}

    @cached_property
    def names(self) -> dict[str, list[SgNode]]:
        """Every identifier of the file by name; built only when a name must be followed (most
        files import no schema and declare none, and skip this walk over the whole tree)."""
        names: dict[str, list[SgNode]] = defaultdict(list)
        for kind in ("identifier", "shorthand_property_identifier"):
            for node in self.root.find_all(kind=kind):
                names[node.text()].append(node)
        return names

    def run(self) -> FileAnalysis:
        self._collect_imports()
        matches = []
        for call in factory_calls(self.root, ALL_FACTORIES, self.scopes):
            extent = climb(call.call, self.is_schema_callee)
            if extent.converted:
                continue  # z.preprocess(fn, z.number()) / .pipe(z.number()) get converted values
            place = self.context(extent.outer)
            if isinstance(place, Bound):
                self._declare(place)
                matches.append(Match(call, extent, place.key, None))
            else:
                matches.append(Match(call, extent, None, place))
        while self.pending:
            self._follow(self.pending.pop())
        # Exports found by statement come last: they win over those `_declare` recorded.
        exports, star_exports = collect_exports(self.root, {root_name(k) for k in self.decls}, self.imports)
        self.exports.update(exports)
        facts = FileFacts(
            decls={k: tuple(v) for k, v in self.decls.items()},
            imports=dict(self.imports),
            exports=dict(self.exports),
            star_exports=tuple(star_exports),
            uses=tuple(self.uses),
        )
        return FileAnalysis(matches, facts, Index({self.path: facts}))

    # -- declarations and imports -------------------------------------------------------

    def _declare(self, place: Bound) -> None:
        self.decls.setdefault(place.key, [])
        name = root_name(place.key)
        if place.exported:
            self.exports[name] = Export(Ref(name))
        if place.declarator is not None:
            declaring = place.declarator.field("name")
            if declaring is not None and declaring not in self.tracked:
                self._track(declaring, name, imported=False)

    def _collect_imports(self) -> None:
        for statement in named(self.root):
            if statement.kind() == "import_statement":
                module = import_source(statement)
                if module is None or not self._may_be_local(module):
                    continue
                for site in import_sites(statement):
                    self._track_import(site, module, site.path[0])
            elif statement.kind() in ("lexical_declaration", "variable_declaration"):
                for declarator in named(statement):
                    module = require_source(declarator.field("value"))
                    name = declarator.field("name")
                    if module is None or name is None or not self._may_be_local(module):
                        continue
                    if name.kind() == "identifier":
                        self._track_import(Site("var", name, declarator), module, "*")
                    elif name.kind() == "object_pattern":
                        for node, path in pattern_names(name):
                            if len(path) == 1:
                                self._track_import(Site("var", node, declarator, path), module, path[0])

    def _track_import(self, site: Site, module: str, imported: str) -> None:
        local = site.node.text()
        self.imports[local] = (module, imported)
        self._track(site.node, local, imported=True)

    def _track(self, declaring: SgNode, key: str, imported: bool) -> None:
        self.tracked[declaring] = (key, imported)
        self.pending.append(declaring)

    def _may_be_local(self, module: str) -> bool:
        return module not in ZOD_MODULES and may_be_project_module(module, self.dependencies)

    # -- following a name to its uses ---------------------------------------------------

    def _follow(self, declaring: SgNode) -> None:
        key, imported = self.tracked[declaring]
        name = declaring.text()
        for node in self.names.get(name, ()):
            if node == declaring or _not_a_reference(node):
                continue
            site = self.scopes.lookup(name, node)
            if site is None or site.node != declaring:
                continue
            self._reference(node, key, imported)

    def _reference(self, node: SgNode, key: str, imported: bool) -> None:
        """A use of a tracked name: in a type, in a derived schema, or a use of its own."""
        if any(anc.kind() == "type_query" for anc in node.ancestors()):
            self.uses.append((Ref(key, (), imported), Use(Kind.TYPES, f"`typeof {node.text()}` in a type")))
            return
        extent = climb(node, self.is_schema_callee)
        ref = Ref(key, extent.members, imported)
        place = self.context(extent.outer)
        if isinstance(place, Bound):
            self._declare(place)
            self.decls[place.key].append(ref)
        else:
            self.uses.append((ref, place))

    # -- what a schema expression is for ------------------------------------------------

    def is_schema_callee(self, callee: SgNode) -> bool:
        """Whether `callee(...)` builds a schema: `z.object`, `Local.extend`, `Imported.merge`."""
        if callee.kind() != "member_expression":
            return False
        prop = callee.field("property")
        method = prop.text() if prop is not None else ""
        if method in PARSE_METHODS:
            return False
        root = chain_root(callee)
        if root.kind() != "identifier":
            return False
        site = self.scopes.lookup(root.text(), root)
        if zod_binding(site) is not None:
            return True
        if site is not None and (self._is_tracked_schema(site) or self._is_schema_site(site)):
            return True
        return method in SCHEMA_METHODS

    def _is_tracked_schema(self, site: Site) -> bool:
        tracked = self.tracked.get(site.node)
        return tracked is not None and not tracked[1]

    def _is_schema_site(self, site: Site, depth: int = 0) -> bool:
        """A local variable whose value is a Zod expression (`const A = z.object(...)`)."""
        if site.kind != "var" or site.path or site.owner.kind() != "variable_declarator" or depth > 8:
            return False
        if site.node in self._schema_sites:
            return self._schema_sites[site.node]
        self._schema_sites[site.node] = False  # guards `const a = b, b = a`
        value = site.owner.field("value")
        result = False
        if value is not None:
            root = chain_root(value)
            if root.kind() == "identifier" and root != value:
                inner = self.scopes.lookup(root.text(), root)
                result = zod_binding(inner) is not None or (
                    inner is not None and self._is_schema_site(inner, depth + 1)
                )
        self._schema_sites[site.node] = result
        return result

    def context(self, outer: SgNode) -> Bound | Use:
        """Where the outermost expression of a schema ends up: bound to a name, or used."""
        parent = outer.parent()
        if parent is None:
            return _unknown(outer)
        if outer.kind() == "shorthand_property_identifier":
            return self._in_object(outer.text(), parent)
        kind = parent.kind()
        if kind == "variable_declarator" and parent.field("value") == outer:
            name = parent.field("name")
            if name is not None and name.kind() == "identifier":
                return Bound(_decl_key(parent), parent)
            return Use(Kind.UNKNOWN, "a destructuring assignment")
        if kind == "pair" and parent.field("value") == outer:
            obj = parent.parent()
            if obj is not None:
                return self._in_object(key_name(parent.field("key")), obj)
        if kind == "export_statement":
            return Bound("default", exported=True)
        if kind == "assignment_expression" and parent.field("right") == outer:
            target = parent.field("left")
            exported = cjs_export_name(target) if target is not None else None
            if exported is not None and at_top_level(parent):
                return Bound(exported, exported=True)
            return Use(Kind.UNKNOWN, f"assigned to `{target.text() if target else '?'}`")
        if kind == "member_expression":
            call = parent.parent()
            if call is None or call.kind() != "call_expression" or call.field("function") != parent:
                return Use(Kind.UNKNOWN, f"used in `{short(parent)}`")
            prop = parent.field("property")
            if prop is not None and prop.text() in PARSE_METHODS:
                return self.classifier.parse_use(call)
            return Use(Kind.UNKNOWN, f"used in `{short(call)}`")
        if kind == "arguments":
            holder = parent.parent()
            return Use(Kind.UNKNOWN, f"passed to `{callee_name(holder) if holder else '?'}()`")
        if kind in ("return_statement", "arrow_function"):
            return Use(Kind.UNKNOWN, "returned from a function")
        return _unknown(outer)

    def _in_object(self, key: str, obj: SgNode) -> Bound | Use:
        """A schema as the value of `key` in an object literal: a request part or response
        schema (see `Classifier.object_use`), or a member of a named container
        (`const schemas = { create: X }`, `module.exports = { create: X }`)."""
        keys = [key]
        top = obj
        while True:
            up = top.parent()
            if up is None or up.kind() != "pair" or up.field("value") != top:
                break
            keys.append(key_name(up.field("key")))
            grand = up.parent()
            if grand is None or grand.kind() != "object":
                break
            top = grand
        use = self.classifier.object_use(keys, obj)
        if use is not None:
            return use
        holder = top.parent()
        if holder is not None and holder.kind() == "variable_declarator" and holder.field("value") == top:
            name = holder.field("name")
            if name is not None and name.kind() == "identifier":
                return Bound(".".join([_decl_key(holder), *reversed(keys)]), holder)
        if holder is not None and holder.kind() == "assignment_expression" and holder.field("right") == top:
            target = holder.field("left")  # module.exports = { create: X }
            if target is not None and cjs_export_name(target) == "module.exports" and at_top_level(holder):
                return Bound(".".join(reversed(keys)), exported=True)
        return Use(Kind.UNKNOWN, f"the `{key}` property of an object")


def _decl_key(declarator: SgNode) -> str:
    name = declarator.field("name")
    text = name.text() if name is not None else "?"
    return text if at_top_level(declarator) else f"{text}@{declarator.range().start.index}"


def _not_a_reference(node: SgNode) -> bool:
    parent = node.parent()
    if parent is None:
        return True
    kind = parent.kind()
    if kind in ("import_specifier", "namespace_import", "import_clause", "export_specifier"):
        return True
    if kind in ("call_expression", "new_expression") and node == (
        parent.field("function") or parent.field("constructor")
    ):
        return True  # a schema is never called: this is some other function of that name
    return export_position(node)


def _unknown(node: SgNode) -> Use:
    return Use(Kind.UNKNOWN, f"used in `{short(node.parent() or node)}`")
