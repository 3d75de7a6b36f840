"""Where a Zod schema's input comes from.

Per file (`analyze`): every factory call, the schema it belongs to, and picklable facts
(`FileFacts`): schema declarations and what they derive from, imports, exports, and each
use of a schema classified by its source. Per project (`Index`): uses followed through
imports, re-exports and derived schemas, reduced to one `Verdict` per schema. Last, the
plumbing the three Zod rules share (`FactoryRule`): check -> collect -> resolve.
"""

from __future__ import annotations

import enum
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from weakref import WeakKeyDictionary

from ast_grep_py import SgNode

from handrail.codemods.zod._zod import (
    PARSE_METHODS,
    SCHEMA_METHODS,
    ZOD_MODULES,
    Extent,
    FactoryCall,
    Scopes,
    Site,
    chain_root,
    climb,
    factory_calls,
    import_sites,
    import_source,
    key_name,
    named,
    pattern_names,
    require_source,
    string_value,
    unwrap,
    zod_binding,
)
from handrail.engine.languages import JS_LIKE
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.rule import Option, Rule

if TYPE_CHECKING:
    from handrail.engine.context import FileContext
    from handrail.engine.project import ProjectFacts


class Kind(enum.Enum):
    STRING = "string"  # values arrive as strings: query, params, form data, env
    JSON = "json"  # a JSON body: numbers may already be numbers
    UNKNOWN = "unknown"  # handrail cannot tell
    OUTPUT = "output"  # a response or database value, not client input
    CONVERTED = "converted"  # the caller converts first: Number(req.query.n)
    TYPES = "types"  # only `typeof X` in types


@dataclass(frozen=True)
class Use:
    kind: Kind
    source: str  # what a message names: "req.query", "a JSON body (req.body)"


@dataclass(frozen=True)
class Ref:
    """A name as used in code: a schema key of its file, or an imported local name, followed
    by plain property accesses (`schemas.createUser`, `A.shape.age`)."""

    root: str
    members: tuple[str, ...] = ()
    imported: bool = False


@dataclass(frozen=True)
class Export:
    local: Ref | None = None  # `export const A`, `export { A as B }`, `export default A`
    module: str | None = None  # `export { A } from "./a"`: the specifier...
    name: str = ""  # ...and the name exported there ("*" for `export * as ns`)


@dataclass(frozen=True)
class FileFacts:
    decls: Mapping[str, tuple[Ref, ...]]  # schema key -> what it is derived from
    imports: Mapping[str, tuple[str, str]]  # local name -> (specifier, imported name | "default" | "*")
    exports: Mapping[str, Export]
    star_exports: tuple[str, ...]
    uses: tuple[tuple[Ref, Use], ...]

    @property
    def empty(self) -> bool:
        return not (self.decls or self.imports or self.exports or self.star_exports or self.uses)


# -- sources ---------------------------------------------------------------------------

# Member paths whose values are strings (`req.query.page` is a member of `req.query`).
STRING_ROOTS: tuple[str, ...] = (
    "req.query",
    "req.params",
    "request.query",
    "request.params",
    "ctx.query",
    "ctx.params",
    "req.headers",
    "req.cookies",
    "process.env",
)
JSON_ROOTS: tuple[str, ...] = ("req.body", "request.body")

# Keys of middleware-style objects (`validate({ query: X })`, Fastify's `schema: {...}`).
STRING_PARTS = {
    "query": "the query string",
    "querystring": "the query string",
    "params": "route params",
    "headers": "request headers",
    "cookies": "cookies",
}
CONVERSIONS = frozenset(
    {"Number", "parseInt", "parseFloat", "Number.parseInt", "Number.parseFloat", "BigInt", "Boolean"}
)
LITERALS = frozenset({"number", "string", "true", "false", "null", "undefined", "regex"})
MULTER_METHODS = frozenset({"single", "array", "fields", "none", "any"})
RESPONSE_METHODS = frozenset({"json", "send", "jsonp", "end"})
RESPONDERS = frozenset({"res", "reply", "response", "NextResponse", "Response", "c", "ctx"})

_SPACE = re.compile(r"\s+")


def member_path(node: SgNode) -> tuple[str, ...] | None:
    """`req.query["page"]` -> ("req", "query", "page"); a root that is not a name becomes "?",
    an index that is not a string becomes "*"; None for other expressions."""
    parts: list[str] = []
    node = unwrap(node)
    while True:
        kind = node.kind()
        if kind in ("identifier", "this"):
            parts.append(node.text())
            break
        if kind == "meta_property":  # import.meta
            parts.extend(reversed(node.text().split(".")))
            break
        if kind == "member_expression":
            prop, obj = node.field("property"), node.field("object")
            if prop is None or obj is None:
                return None
            parts.append(prop.text())
            node = unwrap(obj)
        elif kind == "subscript_expression":
            index, obj = node.field("index"), node.field("object")
            if obj is None:
                return None
            value = string_value(index) if index is not None else None
            parts.append("*" if value is None else value)
            node = unwrap(obj)
        elif parts:
            parts.append("?")
            break
        else:
            return None
    return tuple(reversed(parts))


def callee_name(call: SgNode) -> str:
    """`express.urlencoded` for `express.urlencoded({...})`, whitespace removed."""
    callee = call.field("function") or call.field("constructor")
    return _SPACE.sub("", callee.text()).replace("?.", ".") if callee is not None else ""


# -- the per-file analysis -------------------------------------------------------------


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
        self.string_roots = tuple(tuple(r.split(".")) for r in (*STRING_ROOTS, *extra_roots) if r)
        self.json_roots = tuple(tuple(r.split(".")) for r in JSON_ROOTS)
        self.names: dict[str, list[SgNode]] = defaultdict(list)
        for kind in ("identifier", "shorthand_property_identifier"):
            for node in self.root.find_all(kind=kind):
                self.names[node.text()].append(node)
        self.decls: dict[str, list[Ref]] = {}
        self.imports: dict[str, tuple[str, str]] = {}
        self.exports: dict[str, Export] = {}
        self.star_exports: list[str] = []
        self.uses: list[tuple[Ref, Use]] = []
        # Declaring identifier -> (key, imported) for every name whose uses are followed.
        self.tracked: dict[SgNode, tuple[str, bool]] = {}
        self.pending: list[SgNode] = []
        self._schema_sites: dict[SgNode, bool] = {}

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
        self._collect_exports()
        facts = FileFacts(
            decls={k: tuple(v) for k, v in self.decls.items()},
            imports=dict(self.imports),
            exports=dict(self.exports),
            star_exports=tuple(self.star_exports),
            uses=tuple(self.uses),
        )
        return FileAnalysis(matches, facts, Index({self.path: facts}))

    # -- declarations and imports -------------------------------------------------------

    def _declare(self, place: Bound) -> None:
        self.decls.setdefault(place.key, [])
        if place.exported:
            self.exports[_root(place.key)] = Export(Ref(_root(place.key)))
        if place.declarator is not None:
            name = place.declarator.field("name")
            if name is not None and name not in self.tracked:
                self.tracked[name] = (place.key.split(".")[0], False)
                self.pending.append(name)

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
        self.tracked[site.node] = (local, True)
        self.pending.append(site.node)

    def _may_be_local(self, module: str) -> bool:
        """Whether an import specifier can point into the project (relative, or a path alias)
        rather than at an npm package or a Node built-in."""
        if module in ZOD_MODULES or module.startswith("node:"):
            return False
        if module.startswith((".", "/")):
            return True
        parts = module.split("/")
        package = "/".join(parts[:2]) if module.startswith("@") else parts[0]
        return package not in self.dependencies

    # -- following a name to its uses ---------------------------------------------------

    def _follow(self, declaring: SgNode) -> None:
        key, imported = self.tracked[declaring]
        name = declaring.text()
        for node in self.names.get(name, ()):
            if node == declaring or self._not_a_reference(node):
                continue
            site = self.scopes.lookup(name, node)
            if site is None or site.node != declaring:
                continue
            self._classify_reference(node, key, imported)

    @staticmethod
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
        return _export_position(node)

    def _classify_reference(self, node: SgNode, key: str, imported: bool) -> None:
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
        if outer.kind() == "shorthand_property_identifier":
            parent = outer.parent()
            return self._in_object(outer.text(), parent) if parent is not None else _unknown(outer)
        parent = outer.parent()
        if parent is None:
            return _unknown(outer)
        kind = parent.kind()
        if kind == "variable_declarator" and parent.field("value") == outer:
            name = parent.field("name")
            if name is not None and name.kind() == "identifier":
                return Bound(self._decl_key(parent), parent)
            return Use(Kind.UNKNOWN, "a destructuring assignment")
        if kind == "pair" and parent.field("value") == outer:
            obj = parent.parent()
            if obj is not None:
                return self._in_object(key_name(parent.field("key")), obj)
        if kind == "export_statement":
            return Bound("default", exported=True)
        if kind == "assignment_expression" and parent.field("right") == outer:
            target = parent.field("left")
            exported = _cjs_export_name(target) if target is not None else None
            if exported is not None and _at_top_level(parent):
                return Bound(exported, exported=True)
            return Use(Kind.UNKNOWN, f"assigned to `{target.text() if target else '?'}`")
        if kind == "member_expression":
            call = parent.parent()
            prop = parent.field("property")
            called = (
                call is not None and call.kind() == "call_expression" and call.field("function") == parent
            )
            if called and call is not None and prop is not None and prop.text() in PARSE_METHODS:
                return self._parse_use(call)
            return Use(Kind.UNKNOWN, f"used in `{_short(call if called and call else parent)}`")
        if kind == "arguments":
            holder = parent.parent()
            return Use(Kind.UNKNOWN, f"passed to `{callee_name(holder) if holder else '?'}()`")
        if kind in ("return_statement", "arrow_function"):
            return Use(Kind.UNKNOWN, "returned from a function")
        return _unknown(outer)

    def _decl_key(self, declarator: SgNode) -> str:
        name = declarator.field("name")
        text = name.text() if name is not None else "?"
        return text if _at_top_level(declarator) else f"{text}@{declarator.range().start.index}"

    def _in_object(self, key: str, obj: SgNode) -> Bound | Use:
        """A schema as the value of `key` in an object literal: a request part of a validator
        (`validate({ query: X })`, Fastify's `schema: { querystring: X }`), a response schema,
        or a member of a named container (`const schemas = { create: X }`)."""
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
        if "response" in keys:
            return Use(Kind.OUTPUT, "a `response` schema")
        holder_name = "a route schema" if "schema" in keys[1:] else "a validator"  # Fastify's `schema:`
        if key in STRING_PARTS:
            return Use(Kind.STRING, f"{STRING_PARTS[key]} (`{key}:` of {holder_name})")
        if key == "body":
            form = self._form_route(obj)
            if form is not None:
                return Use(Kind.STRING, form)
            return Use(Kind.JSON, f"a JSON body (`body:` of {holder_name})")
        holder = top.parent()
        if holder is not None and holder.kind() == "variable_declarator" and holder.field("value") == top:
            name = holder.field("name")
            if name is not None and name.kind() == "identifier":
                return Bound(".".join([self._decl_key(holder), *reversed(keys)]), holder)
        if holder is not None and holder.kind() == "assignment_expression" and holder.field("right") == top:
            target = holder.field("left")  # module.exports = { create: X }
            if target is not None and _cjs_export_name(target) == "module.exports" and _at_top_level(holder):
                return Bound(".".join(reversed(keys)), exported=True)
        return Use(Kind.UNKNOWN, f"the `{key}` property of an object")

    # -- parse calls --------------------------------------------------------------------

    def _parse_use(self, call: SgNode) -> Use:
        """`X.parse(arg)`: decided by where `arg` comes from and where the result goes."""
        args = named(call.field("arguments"))
        source = self.source_of(args[0]) if args else None
        if _is_response(call) and args and unwrap(args[0]).kind() == "object":
            return Use(Kind.OUTPUT, "a response")  # built for the reply, even if from a request part
        if source is not None and source.kind is Kind.JSON:
            # A request body is client input wherever the result goes (even `res.json(...)`).
            form = self._form_route(call) if source.source in JSON_ROOTS else None
            return Use(Kind.STRING, form) if form else Use(Kind.JSON, f"a JSON body ({source.source})")
        if source is not None and source.kind is Kind.STRING:
            return source
        if _is_response(call):
            return Use(Kind.OUTPUT, "a response")
        if source is not None and source.kind is Kind.CONVERTED:
            return source
        if _is_returned(call):
            return Use(Kind.OUTPUT, "a returned value (treated as output)")
        return Use(Kind.UNKNOWN, f"parses `{_short(args[0])}`" if args else "parses nothing")

    def source_of(self, expr: SgNode, depth: int = 0) -> Use | None:
        """STRING, JSON or CONVERTED when `expr` is recognisably one of them, else None."""
        node = unwrap(expr)
        kind = node.kind()
        if depth > 6:
            return None
        if kind in ("identifier", "member_expression", "subscript_expression"):
            return self._path_source(node, depth)
        if kind == "call_expression":
            return self._call_source(node, depth)
        if kind == "new_expression":
            name = callee_name(node)
            if name in ("URLSearchParams", "FormData"):
                return Use(Kind.STRING, f"new {name}(...)")
            return Use(Kind.CONVERTED, f"new {name}(...)") if name == "Date" else None
        if kind == "unary_expression":
            op = node.field("operator")
            converts = op is not None and op.text() in ("+", "-", "!")
            return Use(Kind.CONVERTED, "a conversion") if converts else None
        if kind in LITERALS or (
            kind == "template_string" and not any(c.kind() == "template_substitution" for c in named(node))
        ):
            return Use(Kind.CONVERTED, "a literal")
        if kind == "binary_expression":
            op = node.field("operator")
            if op is not None and op.text() in ("===", "!==", "==", "!=", "<", ">", "<=", ">="):
                return Use(Kind.CONVERTED, "a comparison")
            if op is not None and op.text() in ("??", "||"):
                parts = [node.field("left"), node.field("right")]
                return self._combine([self.source_of(p, depth + 1) for p in parts if p is not None])
            return None
        if kind == "ternary_expression":
            parts = [node.field("consequence"), node.field("alternative")]
            return self._combine([self.source_of(p, depth + 1) for p in parts if p is not None])
        if kind == "object":
            return self._combine([self._member_source(m, depth) for m in named(node)])
        return None

    def _member_source(self, member: SgNode, depth: int) -> Use | None:
        kind = member.kind()
        if kind == "pair":
            value = member.field("value")
            return self.source_of(value, depth + 1) if value is not None else None
        if kind == "shorthand_property_identifier":
            return self._path_source(member, depth)
        if kind == "spread_element" and named(member):
            return self.source_of(named(member)[0], depth + 1)
        return None

    @staticmethod
    def _combine(parts: Sequence[Use | None]) -> Use | None:
        """An object's source: any string value makes it a string source; it is converted
        when every value is converted or a literal."""
        for wanted in (Kind.STRING, Kind.JSON):
            for part in parts:
                if part is not None and part.kind is wanted:
                    return part
        if all(p is not None and p.kind is Kind.CONVERTED for p in parts):
            return Use(Kind.CONVERTED, "converted values")
        return None

    def _path_source(self, node: SgNode, depth: int) -> Use | None:
        path = member_path(node) if node.kind() != "shorthand_property_identifier" else (node.text(),)
        if path is None:
            return None
        found = self._match_roots(path)
        if found is None and path[0] != "?":
            found = self._alias_source(node, path, depth)
        if found is None and path[0] in ("searchParams", "formData"):
            # Named like one: Next.js page props, a server action's argument.
            found = Use(Kind.STRING, "URL search params" if path[0] == "searchParams" else "form data")
        return found

    def _match_roots(self, path: tuple[str, ...]) -> Use | None:
        for root in self.string_roots:
            if path[: len(root)] == root:
                return Use(Kind.STRING, ".".join(root))
        for root in self.json_roots:
            if path[: len(root)] == root:
                return Use(Kind.JSON, ".".join(root))
        if "searchParams" in path[1:]:  # url.searchParams, req.nextUrl.searchParams
            return Use(Kind.STRING, "URL search params")
        return None

    def _alias_source(self, node: SgNode, path: tuple[str, ...], depth: int) -> Use | None:
        """A local name standing for a source: `const q = req.query`, `const { query } = req`,
        Next.js's `{ params }` page props, a `FormData` parameter."""
        anchor = node
        while anchor.kind() in ("member_expression", "subscript_expression"):
            obj = anchor.field("object")
            if obj is None:
                return None
            anchor = unwrap(obj)
        site = self.scopes.lookup(path[0], anchor)
        if site is None:
            return None
        if site.kind == "param":
            if site.path and site.path[-1] in ("params", "searchParams"):
                return Use(Kind.STRING, f"Next.js `{site.path[-1]}`")
            annotation = site.owner.field("type")
            if annotation is not None and re.search(r"\b(FormData|URLSearchParams)\b", annotation.text()):
                return Use(Kind.STRING, "form data")
            return None
        if site.kind != "var" or site.owner.kind() != "variable_declarator":
            return None
        value = site.owner.field("value")
        if value is None:
            return None
        base = member_path(value)
        if base is not None:
            found = self._match_roots(base + site.path + path[1:])
            if found is not None:
                return found
        inner = self.source_of(value, depth + 1)
        if site.path and inner is not None and inner.kind is Kind.CONVERTED:
            return None  # a member of a converted value can be anything
        return inner

    def _call_source(self, call: SgNode, depth: int) -> Use | None:
        name = callee_name(call)
        if name in ("Object.fromEntries", "String"):
            return Use(Kind.STRING, f"{name}(...)")
        if name in CONVERSIONS:
            return Use(Kind.CONVERTED, f"{name}(...)")
        if name == "JSON.parse":
            return Use(Kind.JSON, "JSON.parse(...)")
        callee = call.field("function")
        if callee is None or callee.kind() != "member_expression":
            return None
        prop, obj = callee.field("property"), callee.field("object")
        method = prop.text() if prop is not None else ""
        if method == "formData":
            return Use(Kind.STRING, "form data")
        if method == "json" and not named(call.field("arguments")):
            return Use(Kind.JSON, f"await {name}()")
        if method in ("get", "getAll") and obj is not None:
            inner = self.source_of(obj, depth + 1)
            return inner if inner is not None and inner.kind is Kind.STRING else None
        return None

    # -- the route a use sits in --------------------------------------------------------

    def _form_route(self, node: SgNode) -> str | None:
        """A form-parsing middleware among the arguments of a call that (transitively) holds
        `node`: `router.post("/x", upload.none(), validate({ body: X }), handler)`."""
        prev = node
        for anc in node.ancestors():
            if anc.kind() == "arguments":
                for arg in named(anc):
                    if arg != prev:
                        found = self._form_middleware(arg)
                        if found is not None:
                            return found
            prev = anc
        return None

    def _form_middleware(self, arg: SgNode, depth: int = 0) -> str | None:
        node = unwrap(arg)
        if node.kind() == "identifier" and depth == 0:
            site = self.scopes.lookup(node.text(), node)
            if site is not None and site.kind == "var" and not site.path:
                value = site.owner.field("value")
                return self._form_middleware(value, 1) if value is not None else None
            return None
        if node.kind() != "call_expression":
            return None
        name = callee_name(node)
        if name.split(".")[-1] == "urlencoded":
            return f"a urlencoded form body ({name} on the route)"
        callee = node.field("function")
        if callee is None or callee.kind() != "member_expression":
            return None
        prop, obj = callee.field("property"), callee.field("object")
        if prop is None or obj is None or prop.text() not in MULTER_METHODS:
            return None
        if self._is_multer(obj):
            return f"a multipart form (multer's .{prop.text()}() on the route)"
        return None

    def _is_multer(self, node: SgNode) -> bool:
        node = unwrap(node)
        if node.kind() == "call_expression":
            return callee_name(node) == "multer"
        if node.kind() == "identifier":
            site = self.scopes.lookup(node.text(), node)
            if site is not None and site.kind == "var" and not site.path:
                value = site.owner.field("value")
                return (
                    value is not None
                    and unwrap(value).kind() == "call_expression"
                    and (callee_name(unwrap(value)) == "multer")
                )
        return False

    # -- exports ------------------------------------------------------------------------

    def _collect_exports(self) -> None:
        roots = {key.split(".")[0] for key in self.decls}
        for statement in named(self.root):
            if statement.kind() == "export_statement":
                self._export_statement(statement, roots)
            elif statement.kind() == "expression_statement":
                expr = named(statement)
                if expr and expr[0].kind() == "assignment_expression":
                    self._cjs_export(expr[0], roots)

    def _local(self, name: str, roots: set[str]) -> Ref | None:
        if name in self.imports:
            return Ref(name, (), True)
        return Ref(name) if name in roots else None

    def _export_statement(self, statement: SgNode, roots: set[str]) -> None:
        source = statement.field("source")
        module = string_value(source) if source is not None else None
        declaration = statement.field("declaration")
        if declaration is not None:
            for declarator in named(declaration):
                name = declarator.field("name") if declarator.kind() == "variable_declarator" else None
                if name is not None and name.kind() == "identifier" and name.text() in roots:
                    self.exports[name.text()] = Export(Ref(name.text()))
            return
        value = statement.field("value")
        if value is not None:
            if value.kind() == "identifier":
                ref = self._local(value.text(), roots)
                if ref is not None:
                    self.exports["default"] = Export(ref)
            return
        clauses = named(statement)
        if module is not None and not any(c.kind() in ("export_clause", "namespace_export") for c in clauses):
            self.star_exports.append(module)
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
                    ref = self._local(name.text(), roots)
                    if ref is not None:
                        self.exports[exported] = Export(ref)

    def _cjs_export(self, assignment: SgNode, roots: set[str]) -> None:
        target, value = assignment.field("left"), assignment.field("right")
        if target is None or value is None:
            return
        exported = _cjs_export_name(target)
        if exported is None:
            return
        value = unwrap(value)
        if value.kind() == "identifier":
            ref = self._local(value.text(), roots)
            if ref is not None:
                self.exports[exported] = Export(ref)
        elif value.kind() == "object" and exported == "module.exports":
            for member in named(value):
                if member.kind() == "shorthand_property_identifier":
                    ref = self._local(member.text(), roots)
                    if ref is not None:
                        self.exports[member.text()] = Export(ref)
                elif member.kind() == "pair":
                    inner = member.field("value")
                    if inner is not None and inner.kind() == "identifier":
                        ref = self._local(inner.text(), roots)
                        if ref is not None:
                            self.exports[key_name(member.field("key"))] = Export(ref)


def _unknown(node: SgNode) -> Use:
    return Use(Kind.UNKNOWN, f"used in `{_short(node.parent() or node)}`")


def _short(node: SgNode, limit: int = 40) -> str:
    text = _SPACE.sub(" ", node.text())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_STATEMENT_PARTS = frozenset(
    {"lexical_declaration", "variable_declaration", "export_statement", "expression_statement"}
)


def _at_top_level(node: SgNode) -> bool:
    """Whether a declarator or assignment is at module level (not inside a function or block)."""
    for anc in node.ancestors():
        if anc.kind() == "program":
            return True
        if anc.kind() not in _STATEMENT_PARTS:
            return False
    return False


def _cjs_export_name(target: SgNode) -> str | None:
    """`module.exports` -> "module.exports"; `module.exports.X` / `exports.X` -> "X"."""
    path = member_path(target)
    if path == ("module", "exports"):
        return "module.exports"
    if path is not None and len(path) == 3 and path[:2] == ("module", "exports"):
        return path[2]
    if path is not None and len(path) == 2 and path[0] == "exports":
        return path[1]
    return None


def _export_position(node: SgNode) -> bool:
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
    return target is not None and _cjs_export_name(target) is not None and _at_top_level(holder)


def _is_response(call: SgNode) -> bool:
    """The parsed value goes straight into a response: `res.json(X.parse(user))`."""
    node = call
    parent = node.parent()
    while parent is not None and (
        parent.kind() in ("await_expression", "parenthesized_expression", "as_expression")
        or (parent.kind() == "member_expression" and parent.field("object") == node)
    ):
        node, parent = parent, parent.parent()
    if parent is None:
        return False
    if parent.kind() == "assignment_expression" and parent.field("right") == node:
        target = parent.field("left")
        return target is not None and member_path(target) == ("ctx", "body")
    if parent.kind() != "arguments":
        return False
    outer = parent.parent()
    if outer is None or outer.kind() not in ("call_expression", "new_expression"):
        return False
    name = callee_name(outer)
    if name == "JSON.stringify" or name in ("NextResponse.json", "Response.json"):
        return True
    callee = outer.field("function")
    if callee is None or callee.kind() != "member_expression":
        return False
    prop = callee.field("property")
    root = chain_root(callee)
    return prop is not None and prop.text() in RESPONSE_METHODS and root.text() in RESPONDERS


def _is_returned(call: SgNode) -> bool:
    node = call
    parent = node.parent()
    while parent is not None and parent.kind() in ("await_expression", "parenthesized_expression"):
        node, parent = parent, parent.parent()
    if parent is None:
        return False
    return parent.kind() == "return_statement" or (
        parent.kind() == "arrow_function" and parent.field("body") == node
    )


# -- verdicts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    applicability: Applicability | None  # None: not client input, no finding
    kind: Kind  # the kind of use that decided
    source: str  # what the message names

    @classmethod
    def of(cls, uses: Sequence[Use]) -> Verdict:
        """Any string use makes coercion safe; else any JSON or unknown use (or no use at all)
        makes it unsafe; a schema used only as output, on converted values or in types is
        not about client input."""
        for kind, applicability in ((Kind.STRING, Applicability.SAFE), (Kind.JSON, Applicability.UNSAFE)):
            for use in uses:
                if use.kind is kind:
                    return cls(applicability, kind, use.source)
        for use in uses:
            if use.kind is Kind.UNKNOWN:
                return cls(Applicability.UNSAFE, Kind.UNKNOWN, use.source)
        if not uses:
            return cls(Applicability.UNSAFE, Kind.UNKNOWN, NO_USE)
        return cls(None, uses[0].kind, uses[0].source)


NO_USE = "no use found"
ELSEWHERE = Use(Kind.UNKNOWN, "exported; uses in other files not yet seen")

# -- the project --------------------------------------------------------------------------

EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
_JS_SUFFIX = re.compile(r"\.(?:[mc]?js|jsx)$")


Location = tuple[str, str]  # (file, schema key)


def related(used: str, key: str) -> bool:
    """Whether a use of dotted name `used` is a use of schema `key`: the same name, a member
    of it (`A.shape.age`), or the container it sits in (`schemas` for `schemas.create`)."""
    return used == key or used == "" or key.startswith(used + ".") or used.startswith(key + ".")


class ModuleResolver:
    """Import specifiers -> files of the project (relative paths and tsconfig `paths`)."""

    def __init__(self, files: Iterable[str], root: Path | None = None) -> None:
        self.files = set(files)
        self.aliases: list[tuple[str, str, list[str]]] = []  # (prefix, suffix, targets)
        self.base: str | None = None
        self._cache: dict[tuple[str, str], str | None] = {}
        if root is not None:
            self._load_tsconfig(root)

    def resolve(self, importer: str, module: str) -> str | None:
        key = (posixpath.dirname(importer), module)
        if key not in self._cache:
            self._cache[key] = self._resolve(key[0], module)
        return self._cache[key]

    def _resolve(self, folder: str, module: str) -> str | None:
        if module.startswith("."):
            return self._file(posixpath.normpath(posixpath.join(folder, module)))
        for prefix, suffix, targets in self.aliases:
            if module.startswith(prefix) and module.endswith(suffix) and len(module) >= len(prefix + suffix):
                star = module[len(prefix) : len(module) - len(suffix)]
                for target in targets:
                    found = self._file(posixpath.normpath(target.replace("*", star, 1)))
                    if found is not None:
                        return found
        if self.base is not None:
            return self._file(posixpath.normpath(posixpath.join(self.base, module)))
        return None

    def _file(self, base: str) -> str | None:
        stems = [base]
        if _JS_SUFFIX.search(base):
            stems.append(_JS_SUFFIX.sub("", base))  # `./user.js` written for `./user.ts`
        for stem in stems:
            for candidate in (
                stem,
                *(stem + e for e in EXTENSIONS),
                *(f"{stem}/index{e}" for e in EXTENSIONS),
            ):
                if candidate in self.files:
                    return candidate
        return None

    def _load_tsconfig(self, root: Path) -> None:
        for name in ("tsconfig.json", "jsconfig.json"):
            config = read_jsonc(root / name)
            if isinstance(config, dict):
                break
        else:
            return
        options = config.get("compilerOptions")
        if not isinstance(options, dict):
            return
        base_url = options.get("baseUrl")
        base = posixpath.normpath(posixpath.join(root.as_posix(), str(base_url or ".")))
        if isinstance(base_url, str):
            self.base = base
        paths = options.get("paths")
        if not isinstance(paths, dict):
            return
        for pattern, targets in paths.items():
            if not isinstance(targets, list):
                continue
            prefix, _, suffix = str(pattern).partition("*")
            resolved = [posixpath.join(base, str(t)) for t in targets]
            self.aliases.append((prefix, suffix if "*" in pattern else "", resolved))
        self.aliases.sort(key=lambda a: -len(a[0]))  # the most specific pattern wins


_JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)


def read_jsonc(path: Path) -> Any:
    """A JSON-with-comments file (tsconfig.json), or None when it is missing or broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    cleaned = _JSONC_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    try:
        return json.loads(cleaned)
    except ValueError:
        return None


@dataclass
class Index:
    """Every schema's uses across the files whose facts it holds."""

    facts: Mapping[str, FileFacts]
    resolver: ModuleResolver | None = None
    # (file, root name) -> [(dotted name used, the use)]
    _uses: dict[tuple[str, str], list[tuple[str, Use]]] = field(default_factory=dict, init=False)
    # (file, root name) -> [(dotted name used, the derived schema's (file, key))]
    _derived: dict[tuple[str, str], list[tuple[str, Location]]] = field(default_factory=dict, init=False)
    _verdicts: dict[tuple[str, str, bool], Verdict] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        uses: dict[tuple[str, str], list[tuple[str, Use]]] = defaultdict(list)
        derived: dict[tuple[str, str], list[tuple[str, Location]]] = defaultdict(list)
        for path in sorted(self.facts):
            facts = self.facts[path]
            for ref, use in facts.uses:
                target = self.target(path, ref)
                if target is not None:
                    uses[(target[0], _root(target[1]))].append((target[1], use))
            for key, refs in facts.decls.items():
                for ref in refs:
                    target = self.target(path, ref)
                    if target is not None:
                        derived[(target[0], _root(target[1]))].append((target[1], (path, key)))
        self._uses, self._derived = dict(uses), dict(derived)

    def verdict(self, path: str, key: str, elsewhere: bool = False) -> Verdict:
        """The verdict for schema `key` of `path`; `elsewhere`: count the schema's export as
        an unknown use (this file alone cannot see the files importing it)."""
        memo = (path, key, elsewhere)
        if memo not in self._verdicts:
            uses = self.uses_of(path, key)
            if elsewhere and self.visible(path, key):
                uses.append(ELSEWHERE)
            self._verdicts[memo] = Verdict.of(uses)
        return self._verdicts[memo]

    def uses_of(self, path: str, key: str, seen: set[tuple[str, str]] | None = None) -> list[Use]:
        """Direct uses of the schema plus the uses of every schema derived from it."""
        seen = set() if seen is None else seen
        if (path, key) in seen:
            return []
        seen.add((path, key))
        found = [use for used, use in self._lookup(self._uses, path, key) if related(used, key)]
        for used, (other, other_key) in self._lookup(self._derived, path, key):
            if related(used, key):
                found.extend(self.uses_of(other, other_key, seen))
        return found

    @staticmethod
    def _lookup(table: Mapping[tuple[str, str], list[Any]], path: str, key: str) -> list[Any]:
        return [*table.get((path, _root(key)), ()), *table.get((path, ""), ())]

    def visible(self, path: str, key: str, seen: set[tuple[str, str]] | None = None) -> bool:
        """Whether the schema, or one derived from it in the same file, is exported."""
        seen = set() if seen is None else seen
        if (path, key) in seen:
            return False
        seen.add((path, key))
        facts = self.facts.get(path)
        if facts is None:
            return False
        for export in facts.exports.values():
            if export.local is not None and not export.local.imported and related(export.local.root, key):
                return True
        return any(
            other == path and self.visible(other, other_key, seen)
            for used, (other, other_key) in self._lookup(self._derived, path, key)
            if related(used, key)
        )

    # -- names to schemas ---------------------------------------------------------------

    def target(self, path: str, ref: Ref) -> tuple[str, str] | None:
        """The (file, dotted name) a reference denotes, following imports and re-exports."""
        if not ref.imported:
            return path, _dotted(ref.root, ref.members)
        facts = self.facts.get(path)
        if facts is None or ref.root not in facts.imports or self.resolver is None:
            return None
        module, imported = facts.imports[ref.root]
        file = self.resolver.resolve(path, module)
        if file is None:
            return None
        members = ref.members
        if imported == "*":
            if members and self._exported(file, members[0], set()) is not None:
                imported, members = members[0], members[1:]
            elif self._exported(file, "module.exports", set()) is not None:
                imported = "module.exports"
            else:
                return (file, "") if not members else None
        found = self._exported(file, imported, set())
        if found is None and imported == "default":
            found = self._exported(file, "module.exports", set())
        if found is None:
            return None
        return found[0], _dotted(found[1], members)

    def _exported(self, path: str, name: str, seen: set[tuple[str, str]]) -> tuple[str, str] | None:
        if (path, name) in seen:
            return None
        seen.add((path, name))
        facts = self.facts.get(path)
        if facts is None:
            return None
        export = facts.exports.get(name)
        if export is not None and export.local is not None:
            if not export.local.imported:
                return path, _dotted(export.local.root, export.local.members)
            return self.target(path, export.local)
        if export is not None and export.module is not None and self.resolver is not None:
            file = self.resolver.resolve(path, export.module)
            if file is None:
                return None
            return (file, "") if export.name == "*" else self._exported(file, export.name, seen)
        if name == "default" or self.resolver is None:
            return None
        for module in facts.star_exports:
            file = self.resolver.resolve(path, module)
            if file is not None:
                found = self._exported(file, name, seen)
                if found is not None:
                    return found
        return None


def _root(dotted: str) -> str:
    return dotted.split(".", 1)[0]


def _dotted(root: str, members: tuple[str, ...]) -> str:
    return ".".join((root, *members)) if root else ".".join(members)


def project_index(project: ProjectFacts, rule_id: str) -> Index:
    """The index over one rule's facts, built once per project."""

    def build() -> Index:
        facts = project.facts(rule_id)
        return Index(facts, ModuleResolver(facts, project.root))

    return project.memo(f"zod-sources:{rule_id}", build)


_VERSION = re.compile(r"(\d+)")


def zod_major(project: ProjectFacts, module: str) -> int | None:
    """Zod's major version for an import of `module`: pinned by the subpath (`zod/v4`), else
    the range of `zod` in the project's package.json (or the installed package)."""
    pinned = ZOD_MODULES.get(module)
    if pinned is not None:
        return pinned
    return project.memo("zod-major", lambda: installed_zod_major(project.root))


def installed_zod_major(root: Path) -> int | None:
    manifest = read_jsonc(root / "package.json")
    if isinstance(manifest, dict):
        for section in ("dependencies", "devDependencies", "peerDependencies"):
            deps = manifest.get(section)
            spec = deps.get("zod") if isinstance(deps, dict) else None
            if isinstance(spec, str):
                found = _VERSION.search(spec.rpartition("@")[2])
                if found is not None:
                    return int(found.group(1))
    installed = read_jsonc(root / "node_modules" / "zod" / "package.json")
    version = installed.get("version") if isinstance(installed, dict) else None
    found = _VERSION.search(version) if isinstance(version, str) else None
    return int(found.group(1)) if found is not None else None


# -- the rules' shared plumbing ----------------------------------------------------------

STRING_SOURCES_OPTION = Option(
    list,
    [],
    "More member expressions whose values are strings, such as `ctx.request.query` (Koa) or "
    "`import.meta.env`; their members count too (`ctx.request.query.page`).",
)
UNKNOWN_USE_OPTION = Option(
    str,
    "unsafe",
    "A schema whose input handrail cannot trace: `unsafe` reports it with an unsafe fix, "
    "`ignore` does not report it (JSON-body uses are still reported).",
    choices=("unsafe", "ignore"),
)


@dataclass(frozen=True)
class FactoryData:
    """What `resolve` needs to finish a finding (picklable)."""

    factory: str  # "number", "bigint", "date", "boolean"
    field: str | None  # "address.zip"
    schema: str | None  # the schema's name; None when it is written inline at its use
    path: str  # the file, absolute POSIX
    key: str | None  # set when other files decide the verdict (the schema is exported)
    verdict: Verdict  # what the file alone says; final when `key` is None
    module: str  # the Zod import specifier
    prop: tuple[int, int]  # span of `number` in `z.number(...)`
    call_end: int  # end of `z.number(...)`
    args: str  # the text between the call's parentheses
    ignore_unknown: bool

    @property
    def where(self) -> str:
        if self.field:
            return f" on `{self.field}`"
        return f" in `{self.schema}`" if self.schema else ""


class FactoryRule(Rule):
    """A rule about some Zod factories (`z.number()`) whose fate depends on the schema's input.

    Subclasses say which factories they match, which verdicts they report, and how to word
    and fix a finding."""

    factories: ClassVar[frozenset[str]]
    languages = JS_LIKE

    def keeps(self, data: FactoryData, verdict: Verdict) -> bool:
        raise NotImplementedError

    def message(self, data: FactoryData, verdict: Verdict, fix: Fix) -> str:
        raise NotImplementedError

    def make_fix(self, data: FactoryData, verdict: Verdict, major: int | None) -> Fix:
        raise NotImplementedError

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        options = ctx.options(self)
        analysis = analyze(ctx, options.get("string-sources", ()))
        ignore = options.get("unknown-use") == "ignore"
        for match in analysis.matches:
            if match.call.factory not in self.factories:
                continue
            data = _factory_data(ctx.path.as_posix(), analysis, match, ignore)
            # An exported schema waits for resolve: other files may still make it a finding.
            shaped = self._finish(data, data.verdict, ZOD_MODULES.get(data.module), final=data.key is None)
            if shaped is None:
                continue
            start, end = ctx.span(match.call.call)
            yield ctx.finding(self, start, end, shaped[0], fix=shaped[1], data=data)

    def collect(self, ctx: FileContext) -> FileFacts | None:
        facts = analyze(ctx, ctx.options(self).get("string-sources", ())).facts
        return None if facts.empty else facts

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        data = finding.data
        if not isinstance(data, FactoryData):
            return finding
        verdict = data.verdict
        if data.key is not None:
            verdict = project_index(project, self.id).verdict(data.path, data.key)
        shaped = self._finish(data, verdict, zod_major(project, data.module), final=True)
        if shaped is None:
            return None
        return replace(finding, message=shaped[0], fix=shaped[1])

    def _finish(
        self, data: FactoryData, verdict: Verdict, major: int | None, final: bool
    ) -> tuple[str, Fix] | None:
        if final and not self.keeps(data, verdict):
            return None
        fix = self.make_fix(data, verdict, major)
        return self.message(data, verdict, fix), fix


def _factory_data(path: str, analysis: FileAnalysis, match: Match, ignore_unknown: bool) -> FactoryData:
    call = match.call
    args = call.call.field("arguments")
    args_text = args.text()[1:-1] if args is not None else ""
    if match.key is None:
        verdict = Verdict.of([match.use] if match.use is not None else [])
        pending = False
    else:
        verdict = analysis.index.verdict(path, match.key, elsewhere=True)
        pending = analysis.index.visible(path, match.key)
    prop = call.prop.range()
    return FactoryData(
        factory=call.factory,
        field=match.extent.field,
        schema=_schema_name(match.key),
        path=path,
        key=match.key if pending else None,
        verdict=verdict,
        module=call.binding.module,
        prop=(prop.start.index, prop.end.index),
        call_end=call.call.range().end.index,
        args=args_text,
        ignore_unknown=ignore_unknown,
    )


def _schema_name(key: str | None) -> str | None:
    """`CreateUser`, `schemas.create`; a block-local `Query@120` loses its offset."""
    if key is None or key in ("default", "module.exports"):
        return None
    return re.sub(r"@\d+", "", key)


class CoerceRule(FactoryRule):
    """`z.<factory>()` -> `z.coerce.<factory>()`: safe on string input, unsafe when unknown."""

    def keeps(self, data: FactoryData, verdict: Verdict) -> bool:
        if verdict.applicability is None:
            return False
        return not (data.ignore_unknown and verdict.kind is Kind.UNKNOWN)

    def make_fix(self, data: FactoryData, verdict: Verdict, major: int | None) -> Fix:
        applicability = verdict.applicability or Applicability.UNSAFE
        at = data.prop[0]
        return Fix(applicability, (Edit(at, at, "coerce."),), f"use z.coerce.{data.factory}()")

    def message(self, data: FactoryData, verdict: Verdict, fix: Fix) -> str:
        call, coerced = f"z.{data.factory}()", f"z.coerce.{data.factory}()"
        if verdict.applicability is Applicability.SAFE:
            return f"{call}{data.where}, which arrives as a string from {verdict.source}; use {coerced}"
        if verdict.kind is Kind.JSON:
            return f"{call}{data.where} validates {verdict.source}: {self.json_risk(data)}"
        return (
            f"{call}{data.where}: input source unknown ({self.unknown_detail(data, verdict)}); "
            f"{self.unknown_risk(data)}"
        )

    def json_risk(self, data: FactoryData) -> str:
        raise NotImplementedError

    def unknown_risk(self, data: FactoryData) -> str:
        raise NotImplementedError

    @staticmethod
    def unknown_detail(data: FactoryData, verdict: Verdict) -> str:
        if verdict.source == NO_USE and data.schema:
            return f"no use of `{data.schema}` found"
        return verdict.source
