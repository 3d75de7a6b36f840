"""Unit tests for the Python N+1 rules: the shared loop analysis and the model indexes.

End-to-end behaviour lives in tests/cases/{django,sqlalchemy}/n-plus-one/ and, against real
databases, in tests/test_python_orm_db.py.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst
import pytest

from handrail.codemods import _py_loops as loops
from handrail.codemods import _py_n_plus_one as shared
from handrail.codemods.django import _models as dj_models
from handrail.codemods.django import n_plus_one as dj
from handrail.codemods.sqlalchemy import _models as sa_models
from handrail.codemods.sqlalchemy import n_plus_one as sa
from handrail.engine.config import Config
from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, Finding
from handrail.engine.project import ProjectFacts, ProjectInfo
from handrail.engine.runner import Settings, scan


def _function(source: str) -> loops.Function:
    text = textwrap.dedent(source)
    parsed = loops.Parsed(cst.parse_module(text), LineIndex(text))
    [function] = parsed.functions
    return function


def _loop(function: loops.Function, var: str) -> loops.Loop:
    [loop] = [loop for loop in function.loops if loop.var == var]
    return loop


def _value(function: loops.Function, var: str) -> list[str] | None:
    """The code of the bindings that define the iterable of the loop over `var`."""
    loop = _loop(function, var)
    assert isinstance(loop.iterable, cst.Name)
    chain = function.definition(loop.iterable.value, loop.node)
    if chain is None:
        return None
    return [function.parsed.code(b.value) for b in chain if b.value is not None]


# -- definitions: which assignment a loop's iterable comes from ---------------------------


def test_definition_follows_refinements_and_skips_conditional_ones() -> None:
    function = _function(
        """
        def f(status):
            users = User.objects.all()
            users = users.order_by("id")
            if status:
                users = users.filter(status=status)
            for user in users:
                pass
        """
    )
    assert _value(function, "user") == ["User.objects.all()", 'users.order_by("id")']


@pytest.mark.parametrize(
    "source",
    [
        # Either branch may have run.
        """
        def f(flag):
            if flag:
                users = User.objects.all()
            else:
                users = User.objects.none()
            for user in users:
                pass
        """,
        # A plain reassignment under a condition replaces the value.
        """
        def f(flag):
            users = User.objects.all()
            if flag:
                users = other()
            for user in users:
                pass
        """,
        # The next turn of the outer loop sees the later assignment.
        """
        def f():
            users = User.objects.all()
            for _ in range(2):
                for user in users:
                    pass
                users = []
        """,
        # Parameters: the rows come from the caller.
        """
        def f(users):
            for user in users:
                pass
        """,
        # Inside `try`: the handler may continue without it.
        """
        def f():
            try:
                users = User.objects.all()
            except Exception:
                pass
            for user in users:
                pass
        """,
    ],
)
def test_definition_is_unknown_when_another_value_may_reach_the_loop(source: str) -> None:
    assert _value(_function(source), "user") is None


def test_loops_include_comprehensions_and_enumerate() -> None:
    function = _function(
        """
        def f():
            return [(i, [o.id for o in u.orders.all()]) for i, u in enumerate(User.objects.all())]
        """
    )
    assert sorted(loop.var for loop in function.loops) == ["o", "u"]
    assert function.parsed.code(_loop(function, "u").iterable) == "User.objects.all()"
    inner = _loop(function, "o")
    assert function.enclosing_loops(inner.node) == [_loop(function, "u")]
    assert function.depth(inner.iterable, _loop(function, "u")) == 1


def test_loops_over_a_value_directly_through_an_alias_and_through_list() -> None:
    function = _function(
        """
        def f(users):
            for user in users:
                orders = list(user.orders.all())
                for order in orders:
                    pass
                for item in user.items.all():
                    pass
        """
    )
    reads = {r.attrs: r for r in loops.reads(function.parsed, "user", _loop(function, "user").body)}
    assert [loop.var for loop in function.loops_over(reads[("orders",)].node)] == ["order"]
    assert [loop.var for loop in function.loops_over(reads[("items",)].node)] == ["item"]


def test_reads_split_attributes_from_calls_and_skip_writes() -> None:
    function = _function(
        """
        def f(users):
            for user in users:
                user.name = "x"
                print(user.orders.filter(a=1).order_by("b"), user.profile.city, user.get_name())
        """
    )
    found = loops.reads(function.parsed, "user", _loop(function, "user").body)
    assert [(r.attrs, tuple(name for name, _ in r.calls)) for r in found] == [
        (("orders",), ("filter", "order_by")),
        (("profile", "city"), ()),
        ((), ("get_name",)),
    ]


def test_mentions_ignores_attribute_and_keyword_names() -> None:
    [call] = [cst.parse_expression("Order.objects.filter(user=request.user, status=s)")]
    assert not loops.mentions([call], ["user"])
    assert loops.mentions([call], ["s"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("rows.append(x)", False),
        ("seen.add(x)", False),
        ("data.update(x)", False),
        ("order.save()", True),
        ("Order.objects.create(user=u)", True),
        ("session.add(order)", True),
        ("db.execute(update(Order).values(paid=True))", True),
        ("session.execute(select(Order))", False),
        ("user.orders.clear()", False),  # clear() on a relation: see each rule
    ],
)
def test_writes(body: str, expected: bool) -> None:
    assert loops.writes([cst.parse_statement(body)]) is expected


def test_import_edits_merge_into_existing_imports() -> None:
    text = "from sqlalchemy.orm import Session\n\nfrom app.models import User\n\n\nx = 1\n"
    edits = loops.import_edits(text, [("sqlalchemy.orm", "selectinload"), ("app.models", "Order")])
    assert edits is not None
    out = text
    for edit in sorted(edits, reverse=True):
        out = out[: edit.start] + edit.replacement + out[edit.end :]
    # AddImportsVisitor's order, not isort's: the rules' notes say to run an import sorter.
    assert out.splitlines()[:3] == [
        "from sqlalchemy.orm import selectinload, Session",
        "",
        "from app.models import Order, User",
    ]
    assert loops.import_edits(text, []) == ()


def test_import_edits_use_the_text_being_resolved() -> None:
    project = ProjectFacts(ProjectInfo(Path("/p")))
    assert shared.import_edits_now(project, []) == ()
    with pytest.raises(ValueError, match="current_text"):
        shared.import_edits_now(project, [("app.models", "Order")])
    project.current_text = "x = 1\n"
    (edit,) = shared.import_edits_now(project, [("app.models", "Order")])
    assert (edit.start, edit.end, edit.replacement) == (0, 0, "from app.models import Order\n\n")


def test_importable_reuses_the_import_of_a_model_from_the_same_file() -> None:
    bound = {"User": "app.models", "json": None}
    paths = {"User": "/p/app/models.py", "Order": "/p/app/models.py", "Tag": "/p/tags.py"}
    assert shared.importable("User", bound, paths) is True
    assert shared.importable("Order", bound, paths) == ("app.models", "Order")
    assert shared.importable("Tag", bound, paths) is False


def test_message_counts_queries_per_loop_depth() -> None:
    @dataclass(frozen=True)
    class Item:
        code: str
        depth: int
        start: int = 0
        end: int = 0
        children: tuple[shared.LoopNest[Any, Any], ...] = ()

    items = [
        Item("user.orders", 1),
        Item("order.items", 2),
        Item("user.orders", 1),
        Item("a", 3),
        Item("b", 1),
    ]
    assert shared.message("users", items, "; fix", ["why"]) == (
        "N+1 queries: `user.orders`, `order.items`, `a` and 1 more run once per row of `users` "
        "(1 + N + N*M + N*M*K queries); fix; not fixed: why"
    )
    assert shared.message("users", items[:1], "", []) == (
        "N+1 queries: `user.orders` runs once per row of `users` (1 + N queries)"
    )


def test_module_bindings() -> None:
    module = cst.parse_module(
        "from app.models import User, Order as O\nimport os.path\nclass A: ...\nX = 1\n"
    )
    assert loops.module_bindings(module) == {
        "User": "app.models",
        "O": None,
        "os": None,
        "A": None,
        "X": None,
    }


# -- the Django model index -------------------------------------------------------------


def _django_index(*sources: str) -> dj_models.ModelIndex:
    return dj_models.build_index(
        {
            f"/p/m{i}.py": dj_models.collect_models(cst.parse_module(textwrap.dedent(s)))
            for i, s in enumerate(sources)
        }
    )


def test_django_index_reverse_names_inheritance_and_outside_targets() -> None:
    index = _django_index(
        """
        from django.conf import settings
        from django.db import models

        class Stamped(models.Model):
            author = models.ForeignKey("Staff", on_delete=models.CASCADE, related_name="%(class)s_written")

            class Meta:
                abstract = True

        class Staff(models.Model):
            pass

        class Note(Stamped):
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            tags = models.ManyToManyField("app.Tag", related_name="+")
            detail = models.OneToOneField("Detail", on_delete=models.CASCADE)

        class Tag(models.Model):
            pass

        class Detail(models.Model):
            pass
        """,
        # A class that is not a model does not shadow one with the same name.
        "class Note(Schema):\n    pass\n",
    )
    assert index.relation("Note", "author") == dj_models.Relation(
        "author", "Staff", True, ("Staff", "note_written")
    )
    assert index.relation("Staff", "note_written") == dj_models.Relation(
        "note_written", "Note", False, ("Note", "author")
    )
    assert index.relation("Stamped", "author") is None  # abstract: only its subclasses have it
    assert index.relation("User", "note_set") == dj_models.Relation(
        "note_set", "Note", False, ("Note", "owner")
    )
    assert index.relation("Note", "tags") == dj_models.Relation("tags", "Tag", False, None)
    assert index.relation("Tag", "note_set") is None  # related_name="+"
    assert index.relation("Detail", "note") == dj_models.Relation("note", "Note", True, ("Note", "detail"))


def test_django_index_drops_class_names_defined_twice() -> None:
    model = "from django.db import models\n\nclass Order(models.Model):\n    pass\n"
    index = _django_index(model, model)
    assert not index.known("Order")


# -- the SQLAlchemy class index ---------------------------------------------------------


def _sqlalchemy_index(source: str) -> sa_models.ClassIndex:
    return sa_models.build_index(
        {"/p/models.py": sa_models.collect_classes(cst.parse_module(textwrap.dedent(source)))}
    )


def test_sqlalchemy_index_collections_joins_and_backrefs() -> None:
    index = _sqlalchemy_index(
        """
        class User(Base):
            __tablename__ = "users"
            id: Mapped[int] = mapped_column(primary_key=True)
            orders: Mapped[list["Order"]] = relationship(back_populates="user")
            addresses = relationship("Address", backref="owner", lazy="selectin")
            groups: Mapped[list["Group"]] = relationship(secondary=members)

        class Order(Base):
            __tablename__ = "orders"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
            reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
            user: Mapped["User"] = relationship(back_populates="orders", foreign_keys=[user_id])

        class Address(Base):
            __tablename__ = "addresses"
            id = Column(Integer, primary_key=True)
            user_id = Column(Integer, ForeignKey("users.id"))

        class Group(Base):
            __tablename__ = "groups"
            id: Mapped[int] = mapped_column(primary_key=True)
        """
    )
    orders = index.relation("User", "orders")
    assert orders is not None and orders.collection and orders.target == "Order"
    assert orders.join is None  # two foreign keys to users: which one is ambiguous
    user = index.relation("Order", "user")
    assert user is not None and not user.collection and user.join is None  # foreign_keys=
    addresses = index.relation("User", "addresses")
    assert addresses == sa_models.Relation(
        "User", "addresses", "Address", True, "selectin", ("user_id", "id"), "owner"
    )
    owner = index.relation("Address", "owner")
    assert owner == sa_models.Relation(
        "Address", "owner", "User", False, "select", ("user_id", "id"), "addresses"
    )
    groups = index.relation("User", "groups")
    assert groups is not None and groups.collection and groups.join is None


# -- applicability on whole projects ----------------------------------------------------

DJANGO_MODELS = """
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    paid = models.BooleanField(default=False)
"""

SQLALCHEMY_MODELS = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    paid: Mapped[bool]
    customer: Mapped[Customer] = relationship(back_populates="orders")
"""


def _scan(tmp_path: Path, rule: type, models: str, code: str) -> list[Finding]:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "models.py").write_text(models)
    (tmp_path / "shop" / "jobs.py").write_text(textwrap.dedent(code))
    settings = Settings(paths=[tmp_path], cwd=tmp_path, config=Config(base=tmp_path), rules=[rule], jobs=1)
    result = scan(settings)
    assert not result.internal_errors
    return result.findings


@pytest.mark.parametrize("write", ["order.save()", "customer.orders.update(paid=True)"])
def test_django_loop_that_writes_gets_an_unsafe_fix(tmp_path: Path, write: str) -> None:
    [finding] = _scan(
        tmp_path,
        dj.DjangoNPlusOne,
        DJANGO_MODELS,
        f"""
        from shop.models import Customer

        def settle():
            for customer in Customer.objects.all():
                for order in customer.orders.all():
                    order.paid = True
                    {write}
        """,
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_django_loop_that_only_reads_gets_a_safe_fix(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        dj.DjangoNPlusOne,
        DJANGO_MODELS,
        """
        from shop.models import Customer

        def unpaid():
            return {c.name: [o.pk for o in c.orders.all() if not o.paid] for c in Customer.objects.all()}
        """,
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def test_sqlalchemy_loop_that_writes_gets_an_unsafe_fix(tmp_path: Path) -> None:
    [finding] = _scan(
        tmp_path,
        sa.SqlalchemyNPlusOne,
        SQLALCHEMY_MODELS,
        """
        from sqlalchemy import select

        from shop.models import Customer

        def settle(session):
            for customer in session.scalars(select(Customer)):
                for order in customer.orders:
                    order.paid = True
                session.commit()
        """,
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


def test_without_the_models_nothing_is_reported(tmp_path: Path) -> None:
    code = """
        from sqlalchemy import select

        def report(session):
            return [[o.id for o in c.orders] for c in session.scalars(select(Customer))]
        """
    assert _scan(tmp_path, sa.SqlalchemyNPlusOne, "x = 1\n", code) == []


def test_a_queryset_inside_a_loop_over_constants_is_a_root(tmp_path: Path) -> None:
    # Only loops over rows make an inner queryset "per row"; `status` is a constant.
    [finding] = _scan(
        tmp_path,
        dj.DjangoNPlusOne,
        DJANGO_MODELS,
        """
        from shop.models import Order

        def by_paid():
            return {p: [o.customer.name for o in Order.objects.filter(paid=p)] for p in (True, False)}
        """,
    )
    assert finding.fix is not None and '.select_related("customer")' in finding.fix.edits[0].replacement
