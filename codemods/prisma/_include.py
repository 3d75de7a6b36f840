"""The include rewrite for reads: load the relation with the parent query, replace the per-row
query by the loaded relation, and say when the result is not exactly the same."""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._attach import attachment, only_walked, remove_attach
from handrail.codemods.prisma._client import NESTED_ARGS, SHAPE_ARGS, TO_ONE
from handrail.codemods.prisma._editor import Editor
from handrail.codemods.prisma._merge import CannotMerge, merge_count, merge_relation
from handrail.codemods.prisma._site import Key, Parent, Plan, Site
from handrail.codemods.prisma._syntax import pair_key, props, statements
from handrail.engine.model import Applicability, Fix


def early_exit(block: SgNode) -> bool:
    """A break/continue/return/throw in a loop body (outside functions nested in it)."""
    for node in L.descendants(block):
        exits = node.kind() in (
            "break_statement",
            "continue_statement",
            "return_statement",
            "throw_statement",
        )
        if exits and not any(L.is_function(a) and L.contains(block, a) for a in node.ancestors()):
            return True
    return False


def _reads_fields(pattern: SgNode, keys: set[str]) -> bool:
    """`{ id, name: label }` that picks fields other than `keys` (no `...rest`)."""
    picked = set()
    for part in L.named(pattern):
        if part.kind() == "shorthand_property_identifier_pattern":
            picked.add(part.text())
        elif part.kind() == "pair_pattern" and part.field("key") is not None:
            picked.add(part.field("key").text())  # type: ignore[union-attr]
        else:
            return False
    return not picked & keys


def rows_stay_inside(site: Site, parent: Parent, keys: set[str]) -> bool:
    """Whether the parent rows are used only in the loop, and there only by reading other fields
    or by spreading them into an object that sets `keys` itself: then the keys the include adds
    to each row are never seen."""
    loop = site.loop
    if parent.path or loop.row is None:
        return False
    if parent.variable is not None and not only_walked(parent.variable, site):
        return False
    for use in L.identifiers(loop.body, loop.row):
        if L.contains(site.query.call, use):
            continue
        up = L.outer(use).parent()
        if up is not None and up.kind() == "member_expression" and L.member_name(up) not in keys:
            continue
        pattern = up.field("name") if up is not None and up.kind() == "variable_declarator" else None
        if pattern is not None and pattern.kind() == "object_pattern" and _reads_fields(pattern, keys):
            continue  # `const { id, name } = row`
        if up is not None and up.kind() == "spread_element" and up.parent() is not None:
            later = {pair_key(p) for p in props(up.parent()) if L.span(p)[0] > L.span(up)[0]}  # type: ignore[arg-type]
            if keys <= later:
                continue
        return False
    return True


@dataclass(frozen=True)
class Load:
    """What the parent query must load, and what replaces the per-row query."""

    key: str  # the include key: the relation, or `_count`
    relation: str
    nested: str  # the include's arguments: `true` or `{ where: ..., orderBy: ... }`
    carried: dict[str, str]
    replacement: str


def _load(site: Site, key: Key, rel: str, to_many: bool, optional: bool) -> Load | None:
    op, row = site.query.op, f"{key.row.row}"
    if op == "count":
        carried = site.carried(key, frozenset({"where"}))
        if carried is None or not to_many:
            return None
        inner = "{ where: " + carried["where"] + " }" if carried else "true"
        return Load("_count", rel, inner, {}, f"{row}._count.{rel}")
    if op == "findMany" and to_many:
        carried = site.carried(key, NESTED_ARGS)
    elif op in TO_ONE and not to_many and not (op.endswith("OrThrow") and optional):
        carried = site.carried(key, SHAPE_ARGS)  # a to-one include cannot filter
    else:
        return None
    if carried is None:
        return None
    nested = "{ " + ", ".join(f"{k}: {v}" for k, v in carried.items()) + " }" if carried else "true"
    return Load(rel, rel, nested, carried, f"{row}.{rel}")


def include_fix(site: Site, key: Key, parent: Parent) -> Plan | None:
    """The include rewrite, or None when it does not apply (the caller then suggests)."""
    query, loop, schema = site.query, site.loop, site.schema
    if key.row.row is None or key.row.field is None:
        return None  # a destructured row: there is no row object to read the relation from
    attach = attachment(site)
    notes: list[str] = []
    if schema is not None:
        child = schema.model_for_client(query.model)
        relation = (
            schema.find_relation(parent.model, child.name, key.column, key.row.field)
            if parent.model is not None and child is not None
            else None
        )
        if relation is None:
            return None
        load = _load(site, key, relation.field, relation.to_many, relation.optional)
    elif attach is not None and query.op in ("findMany", "findUnique", "findFirst"):
        load = _load(site, key, attach.key, query.op == "findMany", True)
        notes.append(f"no schema.prisma: `{attach.key}` is the property the loop sets")
    else:
        return None
    if load is None:
        return None
    moved = [*site.rest_of_where(key), *site.other_args()]
    if not site.portable(moved, L.span(parent.query.call)[0]):
        return None
    editor = Editor(site.ctx.text, site.ctx.language)
    try:
        if load.key == "_count":
            merged = merge_count(editor, parent.query, parent.path, load.relation, load.nested)
        else:
            merged = merge_relation(editor, parent.query, parent.path, load.key, load.nested, load.carried)
    except CannotMerge:
        return None
    removed = remove_attach(site, attach, load.key, editor) if attach is not None else False
    if not removed:
        editor.replace(query.result, load.replacement)

    # SAFE only when the data the code ends up with is exactly what it built before.
    if loop.kind == "forEach":
        notes.append("forEach never waited for these queries, so the data now arrives earlier")
    if merged.widens:
        notes.append(f"the parent query's `{load.key}` loads more fields than the per-row query returned")
    if not merged.redundant:
        everywhere = (
            attach is not None
            and attach.key == load.key
            and loop.complete
            and (
                attach.kind != "assign"
                or (attach.node in statements(loop.body) and not early_exit(loop.body))
            )
            and (attach.kind == "assign" or removed)
        )
        if not everywhere and not rows_stay_inside(site, parent, {load.key}):
            notes.append(f"the rows of `{site.rows}` now also carry `{load.key}`")
    applicability = Applicability.UNSAFE if notes else Applicability.SAFE
    where = f"`{parent.query.label}`" + (f" (through `{'.'.join(parent.path)}`)" if parent.path else "")
    if merged.redundant:
        action = f"{where} already loads `{load.key}`; use it"
    else:
        action = f"load `{load.key}` with {where}"
    message = f"`{query.label}` runs once per row of `{site.rows}` (N+1 queries): {action}"
    if notes:
        message += " (unsafe: " + "; ".join(notes) + ")"
    description = f"Load `{load.key}` with the parent query and drop the per-row query"
    return Plan(Fix(applicability, tuple(editor.edits), description), message)
