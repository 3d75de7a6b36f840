"""The project's Prisma schema: where it is, and its models and relations.

Prisma finds the schema through `prisma.config.ts` (its `schema` property), then package.json's
`prisma.schema`, then the default locations `prisma/schema.prisma` and `schema.prisma`; a folder
(`prisma/schema/`, or a configured folder) is a multi-file schema made of every `.prisma` file
in it. This module follows the same order.

Only what relation rewrites need is read: models (and views), their fields, list and optional
modifiers, and `@relation(name, fields: [...], references: [...])`. Callers load it once per
project and run (the rule does so in `resolve`, through `ProjectFacts.memo`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ast_grep_py import SgNode, SgRoot

from handrail.engine import inputs

CONFIG_FILES = (
    "prisma.config.ts",
    "prisma.config.mts",
    "prisma.config.cts",
    "prisma.config.js",
    "prisma.config.mjs",
    "prisma.config.cjs",
    ".config/prisma.ts",
)
DEFAULT_FILES = ("prisma/schema.prisma", "schema.prisma")
DEFAULT_FOLDER = "prisma/schema"

_BLOCK = re.compile(r"^[ \t]*(model|view|enum|type|generator|datasource)[ \t]+(\w+)[ \t]*\{", re.M)
_FIELD = re.compile(r"^(\w+)\s+(\w+(?:\([^)]*\))?)(\[\])?(\?)?(.*)$")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    is_list: bool = False
    optional: bool = False
    relation_name: str | None = None
    # `@relation(fields: [...], references: [...])`: set on the side that holds the foreign key.
    fields: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Model:
    name: str
    fields: Mapping[str, Field]

    @property
    def client_name(self) -> str:
        """The model's property on a PrismaClient: `OrderItem` -> `prisma.orderItem`."""
        return self.name[:1].lower() + self.name[1:]


@dataclass(frozen=True)
class Relation:
    """A relation field seen from the model that holds it.

    The related rows of one `model` row `r` are the `target` rows whose `target_key` equals
    `r[source_key]`: for `User.orders` (with `Order.user @relation(fields: [userId],
    references: [id])`) that is target_key "userId", source_key "id".
    """

    model: str
    field: str
    target: str
    to_many: bool
    optional: bool
    target_key: str
    source_key: str


@dataclass(frozen=True)
class Schema:
    models: Mapping[str, Model]
    paths: tuple[str, ...] = ()
    _by_client: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, models: Mapping[str, Model], paths: tuple[str, ...] = ()) -> Schema:
        return cls(models, paths, {m.client_name: name for name, m in models.items()})

    def model_for_client(self, prop: str) -> Model | None:
        name = self._by_client.get(prop)
        return self.models[name] if name is not None else None

    def relation(self, model: str, field_name: str) -> Relation | None:
        """The relation behind `model.field_name`, when it is a one-column relation field."""
        holder = self.models.get(model)
        f = holder.fields.get(field_name) if holder else None
        target = self.models.get(f.type) if f else None
        if f is None or target is None:
            return None
        if len(f.fields) == 1 and len(f.references) == 1:
            # This side holds the foreign key: the related row's `references` column matches it.
            return Relation(model, f.name, target.name, f.is_list, f.optional, f.references[0], f.fields[0])
        back = [
            b
            for b in target.fields.values()
            if b.type == model
            and b.relation_name == f.relation_name
            and not (target.name == model and b.name == f.name)
            and b.fields
        ]
        if len(back) != 1 or len(back[0].fields) != 1 or len(back[0].references) != 1:
            return None  # implicit many-to-many, composite keys, or an ambiguous pairing
        b = back[0]
        return Relation(model, f.name, target.name, f.is_list, f.optional, b.fields[0], b.references[0])

    def relations(self, model: str, target: str) -> Iterator[Relation]:
        holder = self.models.get(model)
        for f in holder.fields.values() if holder else ():
            if f.type == target:
                rel = self.relation(model, f.name)
                if rel is not None:
                    yield rel

    def find_relation(self, model: str, target: str, target_key: str, source_key: str) -> Relation | None:
        """The relation field on `model` that loads the `target` rows with
        `target_key == row[source_key]`; None when there is none or more than one."""
        found = [
            r
            for r in self.relations(model, target)
            if r.target_key == target_key and r.source_key == source_key
        ]
        return found[0] if len(found) == 1 else None


# --- parsing ------------------------------------------------------------------------------


def strip_comments(text: str) -> str:
    """The schema without `//` comments (strings may contain `//`)."""
    out: list[str] = []
    for line in text.splitlines():
        in_string = False
        cut = len(line)
        i = 0
        while i < len(line):
            c = line[i]
            if c == "\\" and in_string:
                i += 2
                continue
            if c == '"':
                in_string = not in_string
            elif not in_string and line.startswith("//", i):
                cut = i
                break
            i += 1
        out.append(line[:cut])
    return "\n".join(out)


def _closing(text: str, start: int, open_char: str, close_char: str) -> int:
    """Index of the bracket that closes the one at `start`, skipping strings; -1 if none."""
    depth = 0
    in_string = False
    i = start
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == open_char:
            depth += 1
        elif c == close_char:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split_top(text: str) -> list[str]:
    """Split attribute arguments on commas outside brackets and strings."""
    parts: list[str] = []
    depth = 0
    in_string = False
    current: list[str] = []
    for c in text:
        if in_string:
            in_string = c != '"'
        elif c == '"':
            in_string = True
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(c)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _names(value: str) -> tuple[str, ...]:
    inner = value.strip().removeprefix("[").removesuffix("]")
    return tuple(part.strip() for part in inner.split(",") if part.strip())


def _parse_field(line: str) -> Field | None:
    m = _FIELD.match(line.strip())
    if m is None or line.strip().startswith("@"):
        return None
    name, type_, is_list, optional, rest = m.groups()
    relation_name: str | None = None
    fields: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    at = re.search(r"@relation\s*\(", rest)
    if at is not None:
        open_paren = at.end() - 1
        close = _closing(rest, open_paren, "(", ")")
        for part in _split_top(rest[open_paren + 1 : close if close > 0 else len(rest)]):
            key, sep, value = part.partition(":")
            if not sep:  # the positional argument is the relation's name
                relation_name = part.strip().strip('"')
            elif key.strip() == "name":
                relation_name = value.strip().strip('"')
            elif key.strip() == "fields":
                fields = _names(value)
            elif key.strip() == "references":
                references = _names(value)
    return Field(name, type_, bool(is_list), bool(optional), relation_name, fields, references)


def parse_models(text: str) -> dict[str, Model]:
    """Models and views of one schema file, by name."""
    clean = strip_comments(text)
    models: dict[str, Model] = {}
    for block in _BLOCK.finditer(clean):
        if block.group(1) not in ("model", "view"):
            continue
        open_brace = block.end() - 1
        close = _closing(clean, open_brace, "{", "}")
        body = clean[open_brace + 1 : close if close > 0 else len(clean)]
        fields = {f.name: f for f in map(_parse_field, body.splitlines()) if f is not None}
        models[block.group(2)] = Model(block.group(2), fields)
    return models


# --- locating ---------------------------------------------------------------------------


def _string_value(node: SgNode) -> str | None:
    """A config value that is a path: a string, a plain template, or `path.join(...)` of them."""
    kind = node.kind()
    if kind == "string" or (kind == "template_string" and "${" not in node.text()):
        return node.text()[1:-1]
    if kind == "call_expression":
        callee = node.field("function")
        name = callee.text() if callee else ""
        if name.split(".")[-1] not in ("join", "resolve"):
            return None
        parts: list[str] = []
        for arg in (node.field("arguments") or node).children():
            if not arg.is_named() or arg.kind() == "comment":
                continue
            if arg.text() in ("__dirname", "import.meta.dirname", "process.cwd()"):
                continue
            value = _string_value(arg)
            if value is None:
                return None
            parts.append(value)
        return "/".join(parts) if parts else None
    return None


def _config_schema(path: Path) -> str | None:
    """The `schema` property of a prisma config file."""
    try:
        text = inputs.read_text(path)
    except (OSError, UnicodeDecodeError):
        return None
    root = SgRoot(text, "typescript").root()
    for pair in root.find_all(kind="pair"):
        key = pair.field("key")
        value = pair.field("value")
        owner = pair.parent()
        holder = owner.parent() if owner is not None else None
        if holder is not None and holder.kind() == "pair":
            continue  # only the config object's own `schema`, not a nested one
        if key is None or value is None or key.text().strip("\"'") != "schema":
            continue
        found = _string_value(value)
        if found is not None:
            return found
    return None


def _package_schema(path: Path) -> str | None:
    try:
        data = json.loads(inputs.read_text(path))
    except (OSError, ValueError):
        return None
    section = data.get("prisma") if isinstance(data, dict) else None
    value = section.get("schema") if isinstance(section, dict) else None
    return value if isinstance(value, str) else None


def _files_at(path: Path) -> tuple[Path, ...]:
    if inputs.is_file(path):
        return (path,)
    if inputs.is_dir(path):
        return inputs.files_below(path, ".prisma")
    return ()


def locate(root: Path) -> tuple[Path, ...]:
    """The schema file(s) of the project at `root`, in Prisma's lookup order; () if none."""
    for name in CONFIG_FILES:
        config = root / name
        configured = _config_schema(config) if inputs.is_file(config) else None
        if configured is not None:
            return _files_at(config.parent / configured)
    package = root / "package.json"
    configured = _package_schema(package) if inputs.is_file(package) else None
    if configured is not None:
        return _files_at(root / configured)
    for name in DEFAULT_FILES:
        if inputs.is_file(root / name):
            return (root / name,)
    return _files_at(root / DEFAULT_FOLDER)


def load(root: Path) -> Schema | None:
    """The project's schema, or None when it has none (or no models in it)."""
    files = locate(root)
    models: dict[str, Model] = {}
    for path in files:
        try:
            models.update(parse_models(inputs.read_text(path)))
        except (OSError, UnicodeDecodeError):
            continue
    return Schema.of(models, tuple(p.as_posix() for p in files)) if models else None
