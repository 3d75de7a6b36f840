"""What one use of a schema is: where the value it parses comes from (a string source such as
`req.query`, a JSON body, an already converted value), where the result goes (a response),
and which request part a validator object gives it (`validate({ query: X })`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ast_grep_py import SgNode

from handrail.codemods.zod._facts import Kind, Use
from handrail.codemods.zod._zod import Scopes, callee_name, chain_root, member_path, named, short, unwrap

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


class Classifier:
    """Classifies uses in one file; `extra_roots` are the `string-sources` option's paths."""

    def __init__(self, scopes: Scopes, extra_roots: Sequence[str] = ()) -> None:
        self.scopes = scopes
        self.string_roots = tuple(tuple(r.split(".")) for r in (*STRING_ROOTS, *extra_roots) if r)
        self.json_roots = tuple(tuple(r.split(".")) for r in JSON_ROOTS)

    # -- parse calls and validator objects ----------------------------------------------

    def parse_use(self, call: SgNode) -> Use:
        """`X.parse(arg)`: decided by where `arg` comes from and where the result goes."""
        args = named(call.field("arguments"))
        source = self.source_of(args[0]) if args else None
        responds = _is_response(call)
        if responds and args and unwrap(args[0]).kind() == "object":
            return Use(Kind.OUTPUT, "a response")  # built for the reply, even if from a request part
        if source is not None and source.kind is Kind.JSON:
            # A request body is client input wherever the result goes (even `res.json(...)`).
            form = self.form_route(call) if source.source in JSON_ROOTS else None
            return Use(Kind.STRING, form) if form else Use(Kind.JSON, f"a JSON body ({source.source})")
        if source is not None and source.kind is Kind.STRING:
            return source
        if responds:
            return Use(Kind.OUTPUT, "a response")
        if source is not None and source.kind is Kind.CONVERTED:
            return source
        if _is_returned(call):
            return Use(Kind.OUTPUT, "a returned value (treated as output)")
        return Use(Kind.UNKNOWN, f"parses `{short(args[0])}`" if args else "parses nothing")

    def object_use(self, keys: Sequence[str], obj: SgNode) -> Use | None:
        """A schema under `keys` (innermost first) of the object literal `obj`: a request part
        of a validator (`validate({ query: X })`, Fastify's `schema: { querystring: X }`) or a
        response schema; None for any other key."""
        key = keys[0]
        if "response" in keys:
            return Use(Kind.OUTPUT, "a `response` schema")
        holder = "a route schema" if "schema" in keys[1:] else "a validator"  # Fastify's `schema:`
        if key in STRING_PARTS:
            return Use(Kind.STRING, f"{STRING_PARTS[key]} (`{key}:` of {holder})")
        if key == "body":
            form = self.form_route(obj)
            if form is not None:
                return Use(Kind.STRING, form)
            return Use(Kind.JSON, f"a JSON body (`body:` of {holder})")
        return None

    # -- where a value comes from -------------------------------------------------------

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
                return self._either(node.field("left"), node.field("right"), depth)
            return None
        if kind == "ternary_expression":
            return self._either(node.field("consequence"), node.field("alternative"), depth)
        if kind == "object":
            return _combine([self._member_source(m, depth) for m in named(node)])
        return None

    def _either(self, first: SgNode | None, second: SgNode | None, depth: int) -> Use | None:
        """`a ?? b`, `c ? a : b`: the value is one of the two."""
        return _combine([self.source_of(p, depth + 1) for p in (first, second) if p is not None])

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

    def form_route(self, node: SgNode) -> str | None:
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

    def _form_middleware(self, arg: SgNode) -> str | None:
        call = self._call_of(arg)
        if call is None:
            return None
        name = callee_name(call)
        if name.split(".")[-1] == "urlencoded":
            return f"a urlencoded form body ({name} on the route)"
        callee = call.field("function")
        if callee is None or callee.kind() != "member_expression":
            return None
        prop, obj = callee.field("property"), callee.field("object")
        if prop is None or obj is None or prop.text() not in MULTER_METHODS:
            return None
        multer = self._call_of(obj)
        if multer is not None and callee_name(multer) == "multer":
            return f"a multipart form (multer's .{prop.text()}() on the route)"
        return None

    def _call_of(self, node: SgNode) -> SgNode | None:
        """The call `node` is, directly or through one local name (`const upload = multer()`)."""
        node = unwrap(node)
        if node.kind() == "identifier":
            site = self.scopes.lookup(node.text(), node)
            if site is None or site.kind != "var" or site.path:
                return None
            value = site.owner.field("value")
            if value is None:
                return None
            node = unwrap(value)
        return node if node.kind() == "call_expression" else None


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
    if name in ("JSON.stringify", "NextResponse.json", "Response.json"):
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
