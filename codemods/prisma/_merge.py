"""Adding a relation to a query's arguments: merged into its `include`/`select` or `_count`, or in a
new `include`, at the end of a path of included relations."""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from handrail.codemods.prisma import _loops as L
from handrail.codemods.prisma._client import SHAPE_ARGS, Query
from handrail.codemods.prisma._editor import Editor
from handrail.codemods.prisma._syntax import norm, pair_key, prop, props, value_of


class CannotMerge(Exception):
    """The relation cannot be added to the parent query's arguments as they are written."""


@dataclass(frozen=True)
class Merge:
    redundant: bool  # the parent query already loads the relation with these arguments
    widens: bool  # that existing include loads more fields than the per-row query returned


def _target(editor: Editor, parent: Query, path: tuple[str, ...], rel: str, nested: str) -> SgNode | None:
    """The arguments object where `rel` belongs: the parent query's, or those of the included
    relation at the end of `path`. None when that took one edit already: a missing argument
    object, or a relation on the path loaded with `true`, now given `{ include: { rel } }`."""
    if parent.args is None:
        arguments = parent.call.field("arguments")
        if arguments is None or L.call_args(parent.call) or path:
            raise CannotMerge("the parent query's arguments are not an object literal")
        editor.replace(arguments, "({ include: { " + f"{rel}: {nested}" + " } })")
        editor.reflow(arguments)
        return None
    target = parent.args
    for step in path:
        value = value_of(prop(_container(target), step))
        if value is not None and value.kind() == "true":
            editor.replace(value, "{ include: { " + f"{rel}: {nested}" + " } }")
            editor.reflow(parent.args)
            return None
        if value is None or value.kind() != "object":
            raise CannotMerge(f"the parent query does not load `{step}` in a way handrail can extend")
        target = value
    return target


def merge_relation(
    editor: Editor, parent: Query, path: tuple[str, ...], rel: str, nested: str, carried: dict[str, str]
) -> Merge:
    """Make the parent query load `rel` (with arguments `nested`) on the rows reached through
    `path`: merged into its `include` or `select`, or in a new `include`."""
    target = _target(editor, parent, path, rel, nested)
    if target is None:
        return Merge(False, False)
    merged = _merge_into(editor, target, rel, nested, carried)
    editor.reflow(parent.args or target)
    return merged


def merge_count(editor: Editor, parent: Query, path: tuple[str, ...], rel: str, inner: str) -> Merge:
    """Add `_count: { select: { rel: inner } }` where `rel` belongs, merging with an existing
    `_count`."""
    nested = "{ select: { " + f"{rel}: {inner}" + " } }"
    target = _target(editor, parent, path, "_count", nested)
    if target is None:
        return Merge(False, False)
    container = _container(target)
    existing = prop(container, "_count") if container is not None else None
    if existing is None:
        merged = _merge_into(editor, target, "_count", nested, {})
    else:
        counted = value_of(prop(value_of(existing), "select"))
        if counted is None or counted.kind() != "object":
            raise CannotMerge("the parent query counts relations in a way handrail cannot read")
        entry = prop(counted, rel)
        if entry is not None and norm(entry.text()) == norm(f"{rel}: {inner}"):
            return Merge(True, False)
        if entry is not None:
            raise CannotMerge(f"the parent query already counts `{rel}` differently")
        editor.add_prop(counted, f"{rel}: {inner}")
        merged = Merge(False, False)
    editor.reflow(parent.args or target)
    return merged


def _container(args: SgNode) -> SgNode | None:
    """The `select` or `include` object of a query's arguments (None when there is neither)."""
    select, include = prop(args, "select"), prop(args, "include")
    if select is not None and include is not None:
        raise CannotMerge("the query has both select and include")
    if select is None and include is None:
        return None
    value = value_of(select or include)
    if value is None or value.kind() != "object":
        raise CannotMerge("the parent query's select/include is not an object literal")
    return value


def _merge_into(editor: Editor, args: SgNode, rel: str, nested: str, carried: dict[str, str]) -> Merge:
    container = _container(args)
    if container is None:
        editor.add_prop(args, "include: { " + f"{rel}: {nested}" + " }")
        return Merge(False, False)
    existing = prop(container, rel)
    value = value_of(existing)
    if existing is None:
        editor.add_prop(container, f"{rel}: {nested}")
        return Merge(False, False)
    if value is not None and value.kind() == "true":
        if nested == "true":
            return Merge(True, False)
        if set(carried) - {"orderBy"}:
            # Other code may read the relation as loaded now: only an order may be added to it.
            raise CannotMerge(f"the parent query already loads all of `{rel}`")
        editor.replace(value, nested)
        return Merge(False, False)
    if value is None or value.kind() != "object":
        raise CannotMerge(f"`{rel}` is loaded with arguments handrail cannot read")
    have = {pair_key(p): norm(p.text()) for p in props(value)}
    want = {k: norm(f"{k}: {v}") for k, v in carried.items()}
    if {k: v for k, v in have.items() if k not in SHAPE_ARGS} != {
        k: v for k, v in want.items() if k not in SHAPE_ARGS
    }:
        raise CannotMerge(f"the parent query already loads `{rel}` with other arguments")
    shape_have = {k: v for k, v in have.items() if k in SHAPE_ARGS}
    shape_want = {k: v for k, v in want.items() if k in SHAPE_ARGS}
    if shape_want and shape_want != shape_have:
        raise CannotMerge(f"the parent query already loads `{rel}` with another shape")
    return Merge(True, shape_have != shape_want)
