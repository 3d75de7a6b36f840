"""Zod in one file's tree: which names are Zod, the factory calls, and the schema each sits in.

Everything here works on ast-grep nodes of one TS/JS file. Names are looked up lexically
(`Scopes`), so a parameter or local variable named `z` is never taken for Zod.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import FUNCTION_KINDS as FUNCTIONS

# Import specifiers that are Zod, with the major version they pin (None: whatever is installed).
ZOD_MODULES: dict[str, int | None] = {
    "zod": None,
    "zod/v3": 3,
    "zod/v4": 4,
    "zod/mini": 4,
    "zod/v4/mini": 4,
    "zod/v4-mini": 4,
}

# Methods whose result is parsed data, not a schema: the end of a schema expression.
PARSE_METHODS = frozenset({"parse", "safeParse", "parseAsync", "safeParseAsync", "spa"})

# Methods only a Zod schema has; `Imported.extend({...})` is a schema even when handrail
# cannot see where `Imported` comes from.
SCHEMA_METHODS = frozenset(
    {
        "and", "array", "brand", "catch", "catchall", "deepPartial", "default", "describe",
        "extend", "keyof", "merge", "meta", "nullable", "nullish", "omit", "optional", "or",
        "partial", "passthrough", "pick", "pipe", "readonly", "refine", "required",
        "safeExtend", "strict", "strip", "superRefine", "transform",
    }
)  # fmt: skip

# Expressions that only wrap another one (types, parentheses, `!`).
WRAPPERS = frozenset(
    {
        "parenthesized_expression",
        "as_expression",
        "satisfies_expression",
        "non_null_expression",
        "type_assertion",
    }
)


def named(node: SgNode | None) -> list[SgNode]:
    """Named children without comments (comments are named nodes in tree-sitter)."""
    if node is None:
        return []
    return [c for c in node.children() if c.is_named() and c.kind() != "comment"]


def unwrap(node: SgNode) -> SgNode:
    """The expression inside parentheses, type assertions, `!` and `await`."""
    while node.kind() in WRAPPERS or node.kind() == "await_expression":
        inner = named(node)
        if not inner:
            break
        node = inner[0]
    return node


def string_value(node: SgNode) -> str | None:
    """The value of a plain string literal, else None."""
    if node.kind() != "string":
        return None
    return "".join(c.text() for c in node.children() if c.kind() == "string_fragment")


def key_name(node: SgNode | None) -> str:
    """The name of an object key: `a`, `"a-b"`, `200`, `[expr]`."""
    if node is None:
        return "?"
    value = string_value(node)
    return node.text() if value is None else value


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


_SPACE = re.compile(r"\s+")


def callee_name(call: SgNode) -> str:
    """`express.urlencoded` for `express.urlencoded({...})`, whitespace removed."""
    callee = call.field("function") or call.field("constructor")
    return _SPACE.sub("", callee.text()).replace("?.", ".") if callee is not None else ""


def short(node: SgNode, limit: int = 40) -> str:
    """A node's text on one line, cut to `limit` characters (for messages)."""
    text = _SPACE.sub(" ", node.text())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- lexical scopes --------------------------------------------------------------------

# Nodes that open a scope (`var` is treated like `let`: close enough for schemas).
SCOPES = FUNCTIONS | {"program", "statement_block", "catch_clause", "for_statement", "for_in_statement"}


@dataclass(frozen=True)
class Site:
    """Where a name is declared."""

    kind: str  # "var", "param", "import", "type-import", "function", "catch"
    node: SgNode  # the declaring identifier
    owner: SgNode  # variable_declarator, parameter, import_statement, function node
    # For destructuring, the keys from the owner's value down to the name
    # (`const { query: q } = req` -> ("query",)); for imports, the imported name
    # ("default", "*" or the exported name).
    path: tuple[str, ...] = ()


def pattern_names(pattern: SgNode, path: tuple[str, ...] = ()) -> Iterator[tuple[SgNode, tuple[str, ...]]]:
    """The identifiers a binding pattern declares, with their destructuring paths."""
    kind = pattern.kind()
    if kind == "identifier":
        yield pattern, path
    elif kind == "shorthand_property_identifier_pattern":
        yield pattern, (*path, pattern.text())
    elif kind == "object_pattern":
        for child in named(pattern):
            if child.kind() == "pair_pattern":
                value = child.field("value")
                if value is not None:
                    yield from pattern_names(value, (*path, key_name(child.field("key"))))
            else:  # `{ a }`, `{ a = 1 }`, `{ ...rest }` (what is left of the same object)
                yield from pattern_names(child, path)
    elif kind == "array_pattern":
        for child in named(pattern):
            yield from pattern_names(child, (*path, "*"))
    elif kind in ("assignment_pattern", "object_assignment_pattern"):
        left = pattern.field("left")
        if left is not None:
            yield from pattern_names(left, path)
    elif kind == "rest_pattern" and named(pattern):
        yield from pattern_names(named(pattern)[0], path)
    elif kind in ("required_parameter", "optional_parameter"):
        inner = pattern.field("pattern")
        if inner is not None:
            yield from pattern_names(inner, path)


class Scopes:
    """Lexical name lookup, cached per scope node."""

    def __init__(self) -> None:
        self._declared: dict[SgNode, dict[str, Site]] = {}

    def lookup(self, name: str, at: SgNode) -> Site | None:
        """The declaration `name` refers to at `at` (None: a global or undeclared name)."""
        for scope in at.ancestors():
            if scope.kind() in SCOPES:
                site = self._names(scope).get(name)
                if site is not None:
                    return site
        return None

    def _names(self, scope: SgNode) -> dict[str, Site]:
        if scope not in self._declared:
            self._declared[scope] = {s.node.text(): s for s in _declarations(scope)}
        return self._declared[scope]


def _declarations(scope: SgNode) -> Iterator[Site]:
    kind = scope.kind()
    if kind in FUNCTIONS:
        single = scope.field("parameter")
        if single is not None:
            yield Site("param", single, single)
        for param in named(scope.field("parameters")):
            for node, path in pattern_names(param):
                yield Site("param", node, param, path)
        return
    if kind == "catch_clause":
        caught = scope.field("parameter")
        if caught is not None:
            for node, path in pattern_names(caught):
                yield Site("catch", node, caught, path)
        return
    if kind in ("for_statement", "for_in_statement"):
        for child in named(scope):
            if child.kind() in ("lexical_declaration", "variable_declaration"):
                yield from _statement_declarations(child)
        left = scope.field("left") if kind == "for_in_statement" else None
        if left is not None:
            for node, path in pattern_names(left):
                yield Site("var", node, scope, path)
        return
    for statement in named(scope):
        yield from _statement_declarations(statement)


def _statement_declarations(statement: SgNode) -> Iterator[Site]:
    kind = statement.kind()
    if kind == "export_statement":
        declaration = statement.field("declaration")
        if declaration is not None:
            yield from _statement_declarations(declaration)
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in named(statement):
            name = declarator.field("name") if declarator.kind() == "variable_declarator" else None
            if name is not None:
                for node, path in pattern_names(name):
                    yield Site("var", node, declarator, path)
    elif kind in ("function_declaration", "generator_function_declaration"):
        name = statement.field("name")
        if name is not None:
            yield Site("function", name, statement)
    elif kind == "import_statement":
        yield from import_sites(statement)


def import_sites(statement: SgNode) -> Iterator[Site]:
    """The names an import statement binds. Type-only imports (`import type { A }`,
    `import { type A }`) are "type-import" sites: they bind no runtime value."""
    type_only = any(c.kind() == "type" for c in statement.children())
    kind = "type-import" if type_only else "import"
    for clause in named(statement):
        if clause.kind() != "import_clause":
            continue
        for part in named(clause):
            if part.kind() == "identifier":
                yield Site(kind, part, statement, ("default",))
            elif part.kind() == "namespace_import":
                ident = named(part)
                if ident:
                    yield Site(kind, ident[-1], statement, ("*",))
            elif part.kind() == "named_imports":
                for spec in named(part):
                    imported, alias = spec.field("name"), spec.field("alias")
                    if spec.kind() != "import_specifier" or imported is None:
                        continue
                    typed = type_only or any(c.kind() == "type" for c in spec.children())
                    yield Site(
                        "type-import" if typed else "import",
                        alias or imported,
                        statement,
                        (key_name(imported),),
                    )


def import_source(statement: SgNode) -> str | None:
    source = statement.field("source")
    return string_value(source) if source is not None else None


def require_source(node: SgNode | None) -> str | None:
    """`require("x")` (or `await import("x")`) -> "x"."""
    if node is None:
        return None
    node = unwrap(node)
    if node.kind() != "call_expression":
        return None
    callee = node.field("function")
    if callee is None or callee.text() not in ("require", "import"):
        return None
    args = named(node.field("arguments"))
    return string_value(args[0]) if len(args) == 1 else None


# -- Zod bindings and factory calls ----------------------------------------------------


@dataclass(frozen=True)
class ZodBinding:
    module: str  # the import specifier: "zod", "zod/v4", ...
    namespace: bool  # the whole module (`import * as zod`): `zod.z.number()` works too


def zod_binding(site: Site | None) -> ZodBinding | None:
    """Whether a declaration binds Zod's `z` (or the whole module)."""
    if site is None:
        return None
    if site.kind == "import":
        module = import_source(site.owner)
    elif site.kind == "var" and site.owner.kind() == "variable_declarator":
        module = require_source(site.owner.field("value"))
    else:
        return None
    if module not in ZOD_MODULES:
        return None
    if site.kind == "import":
        imported = site.path[0]
        if imported == "z":
            return ZodBinding(module, namespace=False)
        return ZodBinding(module, namespace=True) if imported in ("*", "default") else None
    if site.path == ():
        return ZodBinding(module, namespace=True)
    return ZodBinding(module, namespace=False) if site.path == ("z",) else None


def zod_object(node: SgNode, scopes: Scopes) -> ZodBinding | None:
    """The Zod binding `node` denotes: `z`, `zod`, or `zod.z` for a namespace `zod`."""
    if node.kind() == "identifier":
        return zod_binding(scopes.lookup(node.text(), node))
    if node.kind() == "member_expression":
        obj, prop = node.field("object"), node.field("property")
        if obj is not None and prop is not None and prop.text() == "z" and obj.kind() == "identifier":
            binding = zod_binding(scopes.lookup(obj.text(), obj))
            if binding is not None and binding.namespace:
                return binding
    return None


@dataclass(frozen=True)
class FactoryCall:
    call: SgNode  # `z.number({...})`, the call expression only (not its chain)
    factory: str  # "number", "bigint", "date", "boolean"
    prop: SgNode  # the `number` identifier: `coerce.` goes before it
    binding: ZodBinding


def factory_calls(root: SgNode, factories: frozenset[str], scopes: Scopes) -> Iterator[FactoryCall]:
    """Every `z.<factory>(...)` call whose `z` is Zod (so never `z.coerce.number()`)."""
    pattern = "^(" + "|".join(sorted(factories)) + ")$"
    for prop in root.find_all(kind="property_identifier", regex=pattern):
        member = prop.parent()
        if member is None or member.kind() != "member_expression" or member.field("property") != prop:
            continue
        call = member.parent()
        if call is None or call.kind() != "call_expression" or call.field("function") != member:
            continue
        obj = member.field("object")
        binding = zod_object(obj, scopes) if obj is not None else None
        if binding is not None:
            yield FactoryCall(call, prop.text(), prop, binding)


# -- the schema expression a node belongs to -------------------------------------------


@dataclass(frozen=True)
class Extent:
    """How far a Zod expression reaches upwards from a starting node."""

    outer: SgNode  # the outermost expression that is still (part of) the same schema
    keys: tuple[str, ...]  # object keys from `outer` down to the start: ("address", "zip")
    members: tuple[str, ...]  # plain property accesses right after the start: A.shape.age
    converted: bool  # the start receives converted values: z.preprocess(fn, HERE), .pipe(HERE)

    @property
    def field(self) -> str | None:
        return ".".join(self.keys) or None


# Decides whether a call's callee builds a schema (`z.object`, `Base.extend`), given the
# callee node; supplied by the caller, who knows which names are schemas.
SchemaCallee = Callable[[SgNode], bool]


def climb(start: SgNode, is_schema_callee: SchemaCallee) -> Extent:
    """Walk up from `start` through schema method chains (`.int().optional()`), wrappers and
    the arguments of schema-building calls (`z.object({ a: HERE })`, `z.array(HERE)`,
    `Base.extend(...)`)."""
    cur = start
    keys: list[str] = []
    members: list[str] = []
    chained = False
    converted = False
    while True:
        parent = cur.parent()
        if parent is None:
            break
        kind = parent.kind()
        if kind in WRAPPERS:
            cur = parent
            continue
        if kind == "member_expression" and parent.field("object") == cur:
            prop = parent.field("property")
            name = prop.text() if prop is not None else ""
            if name in PARSE_METHODS:
                break
            grand = parent.parent()
            if grand is not None and grand.kind() == "call_expression" and grand.field("function") == parent:
                if not is_schema_callee(parent):
                    break  # `prisma.user.findMany()`: not a schema method
                cur, chained = grand, True
                continue
            if not chained:
                members.append(name)
            cur = parent
            continue
        step = _enter_schema_call(cur, is_schema_callee)
        if step is None:
            break
        call, index, crossed = step
        keys.extend(crossed)
        method = _method_name(call)
        if method == "pipe" or (method == "preprocess" and index >= 1):
            converted = True
        cur, chained = call, True
    return Extent(cur, tuple(reversed(keys)), tuple(members), converted)


def _method_name(call: SgNode) -> str | None:
    callee = call.field("function")
    if callee is not None and callee.kind() == "member_expression":
        prop = callee.field("property")
        return prop.text() if prop is not None else None
    return None


# Containers a schema can sit in between it and the schema call that takes it.
_CONTAINERS = frozenset({"object", "array", "pair", "spread_element", "arrow_function"})


def _enter_schema_call(node: SgNode, is_schema_callee: SchemaCallee) -> tuple[SgNode, int, list[str]] | None:
    """If `node` is (inside object/array literals in) an argument of a schema-building call,
    that call, the argument's index and the object keys crossed; else None."""
    keys: list[str] = []
    cur = node
    while True:
        parent = cur.parent()
        if parent is None:
            return None
        kind = parent.kind()
        if kind == "arguments":
            call = parent.parent()
            callee = call.field("function") if call is not None else None
            if call is None or call.kind() != "call_expression" or callee is None:
                return None
            if not is_schema_callee(callee):
                return None
            index = next((i for i, arg in enumerate(named(parent)) if arg == cur), 0)
            return call, index, keys
        if kind not in _CONTAINERS and kind not in WRAPPERS:
            return None
        if kind == "pair":
            if parent.field("value") != cur:
                return None
            keys.append(key_name(parent.field("key")))
        elif kind == "arrow_function" and parent.field("body") != cur:
            return None
        cur = parent


def chain_root(node: SgNode) -> SgNode:
    """The leftmost operand of a member/call chain: `A` in `A.extend({}).partial()`."""
    while True:
        kind = node.kind()
        if kind in WRAPPERS or kind == "await_expression":
            inner = named(node)
            if not inner:
                return node
            node = inner[0]
        elif kind == "call_expression":
            callee = node.field("function")
            if callee is None:
                return node
            node = callee
        elif kind in ("member_expression", "subscript_expression"):
            obj = node.field("object")
            if obj is None:
                return node
            node = obj
        else:
            return node
