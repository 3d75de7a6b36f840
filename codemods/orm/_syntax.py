"""Small syntax helpers for the ORM rules: object literals, strings, statements, decorators and
the text edits a suggestion is made of. Loop and row analysis lives in `prisma/_loops`."""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from handrail.codemods._js_nodes import pair_key as pair_key
from handrail.codemods.prisma import _loops as L
from handrail.engine.model import Edit

MAX_LINE = 100


# --- object literals -------------------------------------------------------------------------


def props(obj: SgNode | None) -> list[SgNode]:
    return L.named(obj) if obj is not None and L.unwrap(obj).kind() == "object" else []


def prop(obj: SgNode | None, name: str) -> SgNode | None:
    """The property `name` of an object literal (a pair or a shorthand)."""
    return next((p for p in props(L.unwrap(obj)) if pair_key(p) == name), None) if obj is not None else None


def value_of(entry: SgNode | None) -> SgNode | None:
    """The value of a pair, unwrapped; the identifier itself for a shorthand property."""
    if entry is None:
        return None
    if entry.kind() == "shorthand_property_identifier":
        return entry
    value = entry.field("value") if entry.kind() == "pair" else None
    return L.unwrap(value) if value is not None else None


def prop_value(obj: SgNode | None, name: str) -> SgNode | None:
    return value_of(prop(obj, name))


def string_value(node: SgNode | None) -> str | None:
    """The content of a plain string literal (or a template without substitutions)."""
    if node is None:
        return None
    node = L.unwrap(node)
    if node.kind() == "string" or (node.kind() == "template_string" and "${" not in node.text()):
        return node.text()[1:-1]
    return None


# --- statements and text ---------------------------------------------------------------------


def statement_of(node: SgNode) -> SgNode | None:
    """The statement that holds `node` directly in a block (or the program)."""
    for n in [node, *node.ancestors()]:
        parent = n.parent()
        if parent is not None and parent.kind() in ("statement_block", "program"):
            return n
    return None


def statements(block: SgNode) -> list[SgNode]:
    """A block's statements; a single-statement loop body counts as a block of one."""
    if block.kind() != "statement_block":
        return [block]
    return [c for c in L.named(block) if c.kind() != "comment"]


def indent_at(text: str, offset: int) -> str:
    line = text[text.rfind("\n", 0, offset) + 1 :]
    return line[: len(line) - len(line.lstrip(" \t"))]


def indent_unit(text: str) -> str:
    """The file's indentation step: the smallest run of leading spaces, or a tab."""
    sizes = [len(m.group(1)) for m in re.finditer(r"\n( +)\S", text)]
    if not sizes and "\n\t" in text:
        return "\t"
    return " " * (min(sizes) if sizes else 2)


def free_name(base: str, text: str) -> str:
    """`base`, or `base2`, `base3`... whichever the file does not use yet."""
    name, n = base, 2
    while re.search(rf"\b{re.escape(name)}\b", text):
        name, n = f"{base}{n}", n + 1
    return name


def plural(name: str) -> str:
    if name.endswith("s"):
        return name
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    return name + "s"


HANDLE_SUFFIXES = ("Repository", "Repo", "Model")


def handle_stem(name: str) -> str | None:
    """`userRepository` / `this.orderModel` -> `user` / `order`; None without such a suffix."""
    name = name.rsplit(".", 1)[-1]
    for suffix in HANDLE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def uses_esm(root: SgNode) -> bool:
    """Whether a file writes `import` statements (else it is CommonJS, if it requires anything)."""
    return root.find(kind="import_statement") is not None or "require(" not in root.text()


# --- classes and decorators ------------------------------------------------------------------

FIELD_KINDS = ("public_field_definition", "field_definition")  # TypeScript, JavaScript


def find_kinds(root: SgNode, *kinds: str) -> list[SgNode]:
    """Nodes of any of `kinds` under `root`; kinds the file's grammar lacks (TypeScript's
    parameters and fields in a JavaScript file) match nothing."""
    found: list[SgNode] = []
    for kind in kinds:
        try:
            found.extend(root.find_all(kind=kind))
        except RuntimeError:  # ast-grep rejects a kind its grammar does not define
            continue
    return found


def field_name(member: SgNode) -> SgNode | None:
    """The name of a class field (`name` in TypeScript, `property` in JavaScript)."""
    return member.field("name") or member.field("property") if member.kind() in FIELD_KINDS else None


def decorator_calls(node: SgNode) -> dict[str, SgNode]:
    """The decorators on a class member or parameter, by name: `@OneToMany(...)` -> its call
    (a bare `@Column` maps to the identifier)."""
    found: dict[str, SgNode] = {}
    for child in node.children():
        if child.kind() != "decorator":
            continue
        inner = next(iter(L.named(child)), None)
        if inner is None:
            continue
        callee = inner.field("function") if inner.kind() == "call_expression" else inner
        if callee is not None:
            found[callee.text().rsplit(".", 1)[-1]] = inner
    return found


def class_name(node: SgNode) -> str | None:
    """The name of the class declaration around `node`."""
    for anc in [node, *node.ancestors()]:
        if anc.kind() in ("class_declaration", "class", "abstract_class_declaration"):
            name = anc.field("name")
            return name.text() if name is not None else None
    return None


def type_name(annotation: SgNode | None) -> tuple[str, str | None] | None:
    """`: Repository<User>` -> ("Repository", "User"); `: UserRepository` -> ("UserRepository", None)."""
    if annotation is None:
        return None
    node = next(iter(L.named(annotation)), None) if annotation.kind() == "type_annotation" else annotation
    if node is None:
        return None
    if node.kind() == "generic_type":
        head = next(iter(L.named(node)), None)
        args = node.find(kind="type_arguments")
        first = next(iter(L.named(args)), None) if args is not None else None
        if head is None:
            return None
        return head.text().rsplit(".", 1)[-1], first.text() if first is not None else None
    if node.kind() in ("type_identifier", "nested_type_identifier"):
        return node.text().rsplit(".", 1)[-1], None
    return None


def arrow_target(node: SgNode | None) -> str | None:
    """`() => Order` -> "Order" (TypeORM and sequelize-typescript relation targets)."""
    if node is None:
        return None
    node = L.unwrap(node)
    if node.kind() == "arrow_function":
        body = node.field("body")
        return L.unwrap(body).text() if body is not None and L.unwrap(body).kind() == "identifier" else None
    if node.kind() == "identifier":
        return node.text()
    return string_value(node)


def model_ref(node: SgNode | None) -> str | None:
    """How code names a model class: `Order`, `models.Order`, `db.Order`, `Order.name`, "Order"."""
    if node is None:
        return None
    node = L.unwrap(node)
    text = string_value(node)
    if text is not None:
        return text
    if node.kind() == "identifier":
        return node.text()
    name = L.member_name(node)
    obj = node.field("object") if node.kind() == "member_expression" else None
    if name == "name" and obj is not None and L.unwrap(obj).kind() == "identifier":
        return L.unwrap(obj).text()  # `@InjectModel(User.name)`
    return name if name is not None and name[:1].isupper() else None


# --- edits ------------------------------------------------------------------------------------


def add_property(text: str, obj: SgNode, entry: str) -> Edit:
    """An edit that appends `entry` (`key: value`) to an object literal, in its layout."""
    start, end = L.span(obj)
    items = props(obj)
    if not items:
        return Edit(start, end, "{ " + entry + " }")
    last_end = L.span(items[-1])[1]
    between = text[last_end : end - 1]
    trailing = between.lstrip().startswith(",")
    if "\n" in text[start:end]:
        indent = indent_at(text, L.span(items[-1])[0])
        if trailing:
            comma = last_end + between.index(",") + 1
            return Edit(comma, comma, f"\n{indent}{entry},")
        return Edit(last_end, last_end, f",\n{indent}{entry}")
    if trailing:
        comma = last_end + between.index(",") + 1
        return Edit(comma, comma, f" {entry}")
    return Edit(last_end, last_end, f", {entry}")


def line_room(text: str, start: int, end: int) -> int:
    """How many characters the line(s) around text[start:end] have besides that span."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return (start - line_start) + ((len(text) if line_end < 0 else line_end) - end)


def layout(items: list[str], indent: str, unit: str) -> str:
    """An object literal with one property a line, closing at `indent`."""
    return "{\n" + "".join(f"{indent}{unit}{item},\n" for item in items) + indent + "}"


def extend_object(text: str, obj: SgNode, entry: str) -> Edit:
    """`add_property`, but a one-line object that would outgrow its line is laid out one
    property a line instead."""
    start, end = L.span(obj)
    items = [p.text() for p in props(obj)]
    if "\n" in text[start:end] or not items:
        return add_property(text, obj, entry)
    flat = "{ " + ", ".join([*items, entry]) + " }"
    if line_room(text, start, end) + len(flat) <= MAX_LINE:
        return add_property(text, obj, entry)
    return Edit(start, end, layout([*items, entry], indent_at(text, start), indent_unit(text)))


def delete_statement(text: str, node: SgNode) -> Edit:
    """Remove a statement, with its line when it stands alone on it."""
    start, end = L.span(node)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    if not text[line_start:start].strip() and not text[end:line_end].strip():
        return Edit(line_start, min(line_end + 1, len(text)), "")
    return Edit(start, end, "")


def wrap_call(
    head: str, args: list[str], indent: str, unit: str, lead: str = "", after: str = "", before: int = 0
) -> str:
    """`head(lead{ a, b })after`, or one property a line when that would not fit (`lead` is a
    manager call's entity argument, `after` a chain of calls on the result, `before` how many
    characters precede the call on its line after the indent)."""
    flat = f"{head}({lead}{{ {', '.join(args)} }}){after}"
    if len(indent) + before + len(flat) + 1 <= MAX_LINE:
        return flat
    inner = indent + unit
    return f"{head}({lead}{{\n" + "".join(f"{inner}{a},\n" for a in args) + f"{indent}}}){after}"
