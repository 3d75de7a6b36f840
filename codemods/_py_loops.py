"""Loops over database rows in Python functions, read with libcst (shared by the ORM rules).

An N+1 finding needs three answers about a loop, all inside one function: where its rows come
from (the assignment that defines the iterable, when it is certain to be the one that ran),
what each iteration reads from its row (`user.orders.all()`, `order.user.name`) and how that
value is used (iterated by a nested loop, aliased, only folded into another query), and
whether the body writes to the database (then loading up front is no longer equivalent).
The ORM rules turn these answers into facts about querysets or statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from handrail.engine.edits import edits_between
from handrail.engine.lines import LineIndex
from handrail.engine.model import Edit

# Methods that write through the ORM: a body calling them may change what a later per-row
# query returns, so loading everything before the loop is no longer the same program.
WRITE_METHODS = frozenset(
    {
        "save",
        "delete",
        "create",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "add_all",
        "flush",
        "commit",
        "merge",
    }
)
# Same, but only when called on an ORM-looking receiver (`list.remove`, `dict.update` are not).
AMBIGUOUS_WRITES = frozenset({"add", "remove", "set", "clear", "update"})
_ORM_RECEIVERS = ("objects", "session", "db")
# `session.execute(...)` writes when it runs one of these statements.
_DML = frozenset({"insert", "update", "delete"})


class _Tree(cst.CSTVisitor):
    """Parents and pre-order numbers of every node, and the defs, in one pass (cheaper than
    metadata)."""

    def __init__(self) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.order: dict[cst.CSTNode, int] = {}
        self.stack: list[cst.CSTNode] = []
        self.functions: list[cst.FunctionDef] = []
        self.looping: set[cst.FunctionDef] = set()  # defs holding a `for` (statement or clause)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.stack:
            self.parents[node] = self.stack[-1]
        self.order[node] = len(self.order)
        if isinstance(node, cst.FunctionDef):
            self.functions.append(node)
        elif isinstance(node, cst.For | cst.CompFor):
            self.looping.update(n for n in self.stack if isinstance(n, cst.FunctionDef))
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()


class Parsed:
    """A module with parent links, source order, and (lazily) offsets into the file's text."""

    def __init__(self, module: cst.Module, lines: LineIndex) -> None:
        self.module = module
        self.lines = lines
        tree = _Tree()
        module.visit(tree)
        self.parents = tree.parents
        self.order = tree.order
        self._defs = tree.functions
        self._looping = tree.looping

    @cached_property
    def positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        # Only files with a loop over rows need offsets; computing them is a whole extra pass.
        return MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)

    def start(self, node: cst.CSTNode) -> int:
        """A number that orders nodes as the source does (an enclosing node comes first)."""
        return self.order[node]

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        """Character offsets of a node (libcst lines are 1-based, its columns 0-based)."""
        where = self.positions[node]
        return (
            self.lines.offset(where.start.line, where.start.column + 1),
            self.lines.offset(where.end.line, where.end.column + 1),
        )

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return node is container or any(a is container for a in self.ancestors(node))

    @cached_property
    def functions(self) -> list[Function]:
        """Every def, in source order."""
        return [Function(self, node) for node in self._defs]

    @cached_property
    def looping_functions(self) -> list[Function]:
        """The defs that hold a loop, in source order: reading a def costs a walk of it, and
        one without a loop has nothing for a loop analysis."""
        return [Function(self, node) for node in self._defs if node in self._looping]


# -- loops ------------------------------------------------------------------------------


@dataclass(eq=False)
class Loop:
    """A `for` statement or one `for` clause of a comprehension, walking `iterable` row by row."""

    node: cst.For | cst.CompFor
    var: str  # the row variable
    iterable: cst.BaseExpression
    body: tuple[cst.CSTNode, ...]  # what runs once per row


def _row_target(
    target: cst.BaseAssignTargetExpression, iterable: cst.BaseExpression
) -> tuple[str, cst.BaseExpression] | None:
    """`user` in `for user in users` and in `for i, user in enumerate(users)`."""
    if isinstance(target, cst.Name):
        return target.value, iterable
    if (
        isinstance(target, cst.Tuple)
        and len(target.elements) == 2
        and isinstance(target.elements[1].value, cst.Name)
        and isinstance(iterable, cst.Call)
        and isinstance(iterable.func, cst.Name)
        and iterable.func.value == "enumerate"
        and iterable.args
        and iterable.args[0].keyword is None
        and not iterable.args[0].star
    ):
        return target.elements[1].value.value, iterable.args[0].value
    return None


def _comprehension_body(parsed: Parsed, clause: cst.CompFor) -> tuple[cst.CSTNode, ...]:
    body: list[cst.CSTNode] = [*clause.ifs]
    if clause.inner_for_in is not None:
        body.append(clause.inner_for_in)
    owner = next(
        (
            a
            for a in parsed.ancestors(clause)
            if isinstance(a, cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp)
        ),
        None,
    )
    if isinstance(owner, cst.DictComp):
        body.extend((owner.key, owner.value))
    elif isinstance(owner, cst.ListComp | cst.SetComp | cst.GeneratorExp):
        body.append(owner.elt)
    return tuple(body)


# -- bindings ---------------------------------------------------------------------------


@dataclass(eq=False)
class Binding:
    """One place a function binds a name; `value` is set for a plain `name = value`."""

    name: str
    node: cst.CSTNode  # the binding statement (or the node that binds, for `for`/`with`/walrus)
    value: cst.BaseExpression | None

    def derived(self) -> bool:
        """`users = users.filter(...)`: a refinement of the name's previous value."""
        return self.value is not None and root_name(self.value) == self.name


def root_name(expr: cst.BaseExpression) -> str | None:
    """`users` for `users.filter(...).order_by(...)[:10]`."""
    while True:
        if isinstance(expr, cst.Name):
            return expr.value
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Subscript):
            expr = expr.value
        else:
            return None


# libcst nodes that open a scope of their own: names bound inside them stay inside (shared
# with except-print).
SCOPE_NODES = (
    cst.FunctionDef,
    cst.ClassDef,
    cst.Lambda,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


class _Collector(cst.CSTVisitor):
    """A function's loops (comprehensions included) and the bindings of its own scope."""

    def __init__(self, parsed: Parsed, root: cst.FunctionDef) -> None:
        self.parsed = parsed
        self.root = root
        self.loops: list[Loop] = []
        self.bindings: dict[str, list[Binding]] = {}
        self.depth = 0  # > 0 inside a comprehension or lambda: loops yes, bindings no

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef | cst.ClassDef) and node is not self.root:
            return False  # their own Function (methods, nested helpers) is analysed on its own
        if isinstance(node, SCOPE_NODES) and node is not self.root:
            self.depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, SCOPE_NODES) and original_node is not self.root:
            self.depth -= 1
        super().on_leave(original_node)

    def bind(self, target: cst.BaseExpression, node: cst.CSTNode, value: cst.BaseExpression | None) -> None:
        if self.depth:
            return
        if isinstance(target, cst.Name):
            self.bindings.setdefault(target.value, []).append(Binding(target.value, node, value))
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self.bind(element.value, node, None)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, node, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self.bind(target.target, node, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.bind(node.target, node, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.bind(node.target, node, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self.bind(node.target, node, node.value)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self.bind(node.asname.name, node, None)

    def visit_For(self, node: cst.For) -> None:
        self.bind(node.target, node, None)
        row = _row_target(node.target, node.iter)
        if row is not None:
            self.loops.append(Loop(node, row[0], row[1], (node.body,)))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        row = _row_target(node.target, node.iter)
        if row is not None:
            self.loops.append(Loop(node, row[0], row[1], _comprehension_body(self.parsed, node)))


class Function:
    """One function: its loops, and which assignment a name refers to at a given point."""

    def __init__(self, parsed: Parsed, node: cst.FunctionDef) -> None:
        self.parsed = parsed
        self.node = node
        collector = _Collector(parsed, node)
        node.visit(collector)
        self.loops = collector.loops
        self.bindings = collector.bindings

    def enclosing_loops(self, node: cst.CSTNode) -> list[Loop]:
        """The loops whose body holds `node`, innermost first."""
        return [loop for loop in reversed(self.loops) if any(self.parsed.inside(node, b) for b in loop.body)]

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The statement holding `node`, as a direct child of its block."""
        current = node
        for parent in self.parsed.ancestors(node):
            if isinstance(parent, cst.IndentedBlock | cst.Module):
                return current
            current = parent
        return current

    def dominates(self, binding: Binding, at: cst.CSTNode) -> bool:
        """The binding's statement runs, unconditionally, before `at` in every path to it."""
        stmt = self.statement_of(binding.node)
        block = self.parsed.parent(stmt)
        if not isinstance(block, cst.IndentedBlock):
            return False
        # `at` must sit in the same block (at any depth), in a later statement.
        here = self.statement_of(at)
        for node in (here, *self.parsed.ancestors(here)):
            if self.parsed.parent(node) is block:
                return self.parsed.start(stmt) < self.parsed.start(node)
        return False

    def definition(self, name: str, at: cst.CSTNode) -> list[Binding] | None:
        """The assignments that made `name`'s value at `at`, oldest first.

        The last plain assignment that always runs before `at`, followed by the refinements
        (`users = users.filter(...)`) that also always run; None when another assignment may
        reach `at` instead (a conditional `users = ...`, a loop that rebinds it later).
        """
        bindings = self.bindings.get(name, [])
        where = self.parsed.start(at)
        before = [b for b in bindings if self.parsed.start(b.node) < where]
        # A binding after `at` inside a loop that also runs `at` reaches it on the next turn.
        for later in bindings:
            if self.parsed.start(later.node) >= where and any(
                self.parsed.inside(later.node, b) for loop in self.enclosing_loops(at) for b in loop.body
            ):
                return None
        chain: list[Binding] = []
        for binding in reversed(before):
            if not self.dominates(binding, at):
                if binding.derived():
                    continue  # `if status: users = users.filter(...)` keeps what we add
                return None
            if binding.value is None:
                return None
            chain.insert(0, binding)
            if not binding.derived():
                return chain
        return None

    def loops_over(self, node: cst.BaseExpression) -> list[Loop]:
        """Loops walking `node`'s value: directly, or through `name = node` (or `list(node)`)."""
        direct = [loop for loop in self.loops if loop.iterable is node]
        if direct:
            return direct
        value: cst.CSTNode = node
        parent = self.parsed.parent(node)
        if isinstance(parent, cst.Arg):
            wrapper = self.parsed.parent(parent)
            if (
                isinstance(wrapper, cst.Call)
                and isinstance(wrapper.func, cst.Name)
                and wrapper.func.value == "list"
            ):
                value, parent = wrapper, self.parsed.parent(wrapper)
        if not (
            isinstance(parent, cst.Assign)
            and parent.value is value
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            return []
        name = parent.targets[0].target.value
        return [
            loop
            for loop in self.loops
            if isinstance(loop.iterable, cst.Name)
            and loop.iterable.value == name
            and (chain := self.definition(name, loop.node)) is not None
            and chain[-1].node is parent
        ]

    def depth(self, node: cst.CSTNode, root: Loop) -> int:
        """How many loops, `root` included, run `node` (1: once per row of `root`)."""
        inner = self.enclosing_loops(node)
        return inner.index(root) + 1 if root in inner else 0


# -- reads of a row ---------------------------------------------------------------------


@dataclass(eq=False)
class Read:
    """`row.a.b` (attributes) then `.m(...)` calls, read once per row: `user.orders.all()`."""

    node: cst.BaseExpression  # the whole expression
    attrs: tuple[str, ...]
    calls: tuple[tuple[str, cst.Call], ...]
    attrs_node: cst.BaseExpression  # `row.a.b` alone


def reads(parsed: Parsed, var: str, nodes: Iterable[cst.CSTNode]) -> list[Read]:
    """Every read of `var.attr...` in `nodes` (assignment targets are writes, not reads)."""
    found: list[Read] = []

    class Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if isinstance(node.value, cst.Name) and node.value.value == var:
                read = _climb(parsed, node)
                if read is not None:
                    found.append(read)

    for node in nodes:
        node.visit(Visitor())
    return found


def _climb(parsed: Parsed, first: cst.Attribute) -> Read | None:
    attrs = [first.attr.value]
    node: cst.BaseExpression = first
    parent = parsed.parent(node)
    while isinstance(parent, cst.Attribute) and parent.value is node:
        attrs.append(parent.attr.value)
        node = parent
        parent = parsed.parent(node)
    if isinstance(parent, cst.AssignTarget | cst.Del) or (
        isinstance(parent, cst.AugAssign | cst.AnnAssign) and parent.target is node
    ):
        return None
    attrs_node = node
    calls: list[tuple[str, cst.Call]] = []
    if isinstance(parent, cst.Call) and parent.func is node:
        calls.append((attrs.pop(), parent))
        attrs_node = first.value if not attrs else _prefix(first, len(attrs), parsed)
        node, more = calls_on(parsed, parent)
        calls.extend(more)
    return Read(node, tuple(attrs), tuple(calls), attrs_node)


def calls_on(
    parsed: Parsed, node: cst.BaseExpression
) -> tuple[cst.BaseExpression, list[tuple[str, cst.Call]]]:
    """The method calls chained onto `node` (`.filter(...).all()`), and the last of them."""
    calls: list[tuple[str, cst.Call]] = []
    while True:
        attribute = parsed.parent(node)
        call = parsed.parent(attribute) if attribute is not None else None
        if not (
            isinstance(attribute, cst.Attribute)
            and attribute.value is node
            and isinstance(call, cst.Call)
            and call.func is attribute
        ):
            return node, calls
        calls.append((attribute.attr.value, call))
        node = call


def _prefix(first: cst.Attribute, count: int, parsed: Parsed) -> cst.BaseExpression:
    node: cst.BaseExpression = first
    for _ in range(count - 1):
        parent = parsed.parent(node)
        assert isinstance(parent, cst.Attribute)
        node = parent
    return node


def row_ref(value: cst.BaseExpression, row_vars: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(`user`, None) for `user`, (`user`, `id`) for `user.id`, when `user` is a row variable."""
    if isinstance(value, cst.Name) and value.value in row_vars:
        return value.value, None
    if (
        isinstance(value, cst.Attribute)
        and isinstance(value.value, cst.Name)
        and value.value.value in row_vars
    ):
        return value.value.value, value.attr.value
    return None


def unwrap_list(expr: cst.BaseExpression) -> cst.BaseExpression:
    """`users` for `list(users)`: the same rows, walked from a list."""
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "list"
        and len(expr.args) == 1
        and expr.args[0].keyword is None
        and not expr.args[0].star
    ):
        return expr.args[0].value
    return expr


def string_value(node: cst.BaseExpression | None) -> str | None:
    """The text of a plain string literal."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def last_name(node: cst.BaseExpression) -> str | None:
    """`ForeignKey` for `ForeignKey` and for `models.ForeignKey`."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def callee(node: cst.BaseExpression) -> str | None:
    """`select` for `select(User)` and for `sa.select(User)`; None when `node` is no call."""
    return last_name(node.func) if isinstance(node, cst.Call) else None


def mentions(nodes: Iterable[cst.CSTNode], names: Iterable[str]) -> bool:
    """Whether any of `names` is used in `nodes` (attribute and keyword names do not count)."""
    wanted = frozenset(names)
    hit = False

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal hit
            hit = hit or node.value in wanted

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    for node in nodes:
        node.visit(Visitor())
    return hit


def writes(nodes: Iterable[cst.CSTNode]) -> bool:
    """Whether the nodes call something that writes through the ORM (see WRITE_METHODS)."""
    hit = False

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal hit
            func = node.func
            if not isinstance(func, cst.Attribute):
                return
            method = func.attr.value
            if method in WRITE_METHODS:
                hit = True
            elif method == "execute" and node.args:
                statement = node.args[0].value
                while isinstance(statement, cst.Call) and isinstance(statement.func, cst.Attribute):
                    statement = statement.func.value  # update(Order).where(...).values(...)
                hit = hit or (
                    isinstance(statement, cst.Call)
                    and isinstance(statement.func, cst.Name)
                    and statement.func.value in _DML
                )
            elif method in AMBIGUOUS_WRITES:
                receiver = func.value
                names: list[str] = []
                while isinstance(receiver, cst.Attribute | cst.Call):
                    if isinstance(receiver, cst.Attribute):
                        names.append(receiver.attr.value)
                        receiver = receiver.value
                    else:
                        receiver = receiver.func
                if isinstance(receiver, cst.Name):
                    names.append(receiver.value)
                hit = hit or any(n.endswith(_ORM_RECEIVERS) for n in names)

    for node in nodes:
        node.visit(Visitor())
    return hit


def builds_query(parsed: Parsed, node: cst.CSTNode) -> bool:
    """The value only feeds another query: `qs | row.rel.filter(...)`, `filter(x__in=row.rel.all())`."""
    parent = parsed.parent(node)
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.BitOr | cst.BitAnd):
        return True
    if isinstance(parent, cst.Arg):
        call = parsed.parent(parent)
        return (
            isinstance(call, cst.Call)
            and isinstance(call.func, cst.Attribute | cst.Name)
            and (call.func.attr.value if isinstance(call.func, cst.Attribute) else call.func.value)
            in {"filter", "exclude", "where", "Subquery", "Exists", "union", "in_"}
        )
    return False


# -- edits ------------------------------------------------------------------------------


def import_edits(text: str, imports: Sequence[tuple[str, str]]) -> tuple[Edit, ...]:
    """Edits adding `from module import name` for each pair (merged into existing imports).

    `text` is the file a finding came from, which libcst parsed already.
    """
    if not imports:
        return ()
    module = cst.parse_module(text)
    context = CodemodContext()
    for source, name in imports:
        AddImportsVisitor.add_needed_import(context, source, name)
    return edits_between(text, AddImportsVisitor(context).transform_module(module).code)


def after_last_argument(parsed: Parsed, call: cst.Call) -> tuple[int, str]:
    """Where to insert one more argument into `call`, and the separator it needs."""
    if call.args:
        return parsed.span(call.args[-1].value)[1], ", "
    return parsed.span(call)[1] - 1, ""


def module_bindings(module: cst.Module) -> dict[str, str | None]:
    """Names bound at module level -> the module they are imported from (None: defined here)."""
    names: dict[str, str | None] = {}
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    source = _dotted(small.module) if small.module is not None else None
                    if small.relative:
                        source = None if source is None else "." * len(small.relative) + source
                    for alias in small.names:
                        bound = alias.asname.name if alias.asname is not None else alias.name
                        if isinstance(bound, cst.Name) and isinstance(alias.name, cst.Name):
                            # Imported under another name: not usable as the class's own name.
                            names[bound.value] = source if bound.value == alias.name.value else None
                elif isinstance(small, cst.Import):
                    for alias in small.names:
                        names[_dotted(alias.evaluated_alias or alias.evaluated_name)] = None
                elif isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            names[target.target.value] = None
        elif isinstance(stmt, cst.ClassDef | cst.FunctionDef):
            names[stmt.name.value] = None
    return names


def _dotted(node: cst.BaseExpression | str) -> str:
    if isinstance(node, str):
        return node.split(".")[0]
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
