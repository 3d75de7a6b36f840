"""sqlalchemy/n-plus-one: a loop over query results that loads or queries every row's relations.

`check` reads each function: loops whose rows come from a statement executed in the same
function (`session.scalars(select(User)...)`, `session.query(User)...`), what every turn
reads from its row (`user.orders`, `order.user.name`) and which statements it executes per row
(`session.scalars(select(Order).where(Order.user_id == user.id))`). `collect` reads the
declarative models (relationships, foreign keys); `resolve` decides which reads are lazy loads,
which per-row statements are a relationship in disguise, and which loader options fix both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from handrail.codemods._py_loop_rule import LoopQueryRule
from handrail.engine.context import FileContext
from handrail.engine.model import Applicability, Fix
from handrail.engine.project import ProjectFacts
from handrail.engine.rule import Example

if TYPE_CHECKING:
    import libcst

    from handrail.codemods._py_n_plus_one import Part, PerRow
    from handrail.codemods.sqlalchemy._models import ClassFact

RULE_ID = "sqlalchemy/n-plus-one"


class SqlalchemyNPlusOne(LoopQueryRule):
    id = RULE_ID
    summary = "A loop over query results loads or queries every row's relationships (N+1 queries)"
    why = (
        "SQLAlchemy loads relationships lazily by default: reading `user.orders` inside "
        "`for user in users` emits one SELECT per user, and so does a hand-written "
        "`session.scalars(select(Order).where(Order.user_id == user.id))` in the loop. Nested "
        "loops multiply: users -> orders -> items is 1 + N + N*M round trips. The story behind "
        'handrail: "With 500 users, this endpoint made 501 database queries and took 8 seconds. '
        'Fix: include with nested relations — one query, 120ms."\n\n'
        "Loader options on the statement that fetches the rows load the relationships for all "
        "rows at once: `selectinload(User.orders)` adds one `WHERE user_id IN (...)` query per "
        "level, `joinedload(Order.user)` joins a many-to-one into the same query."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe when the fix only adds loader options (`selectinload` for collections, `joinedload` "
        "for many-to-one, `defaultload` to reach through a relationship that is already eager) "
        "to the statement the loop walks, built in the same function: the rows and every "
        "relationship's contents stay the same, only the number of queries changes "
        "(`joinedload` is a LEFT OUTER JOIN, so no row is lost).\n\n"
        "Unsafe (needs --unsafe-fixes) when a per-row statement is replaced by the relationship "
        "it reimplements: `session.scalars(select(Order).where(Order.user_id == user.id)).all()` "
        "becomes `list(user.orders)`, `session.get(User, order.user_id)` becomes `order.user`. "
        "The rows are the same, but read when the parent rows are loaded instead of in the loop, "
        "and the collection is cached on the object for the rest of the session. Extra "
        "row-independent conditions are carried over with `selectinload(User.orders.and_(...))`, "
        "which also changes what `user.orders` holds for the rest of the session. Also unsafe "
        "when the loop writes (`session.add`, `flush`, `commit`, ...).\n\n"
        "No fix, only the finding (its message suggests one `in_()` query, grouped in memory), when "
        "the per-row statement orders, limits, joins or has options, when it is not one "
        "relationship of a row, when it returns Row tuples, or when a class the options name is "
        "not importable."
    )
    example = Example(
        before=(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import Session\n"
            "\n"
            "from app.models import User\n"
            "\n"
            "\n"
            "def orders_report(session: Session) -> list[dict]:\n"
            "    users = session.scalars(select(User).order_by(User.id)).all()\n"
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders:\n"
            '            items = [{"product": i.product.name, "quantity": i.quantity} for i in order.items]\n'
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"email": user.email, "orders": orders})\n'
            "    return report\n"
        ),
        after=(
            "from sqlalchemy import select\n"
            "from sqlalchemy.orm import joinedload, selectinload, Session\n"
            "\n"
            "from app.models import Order, OrderItem, User\n"
            "\n"
            "\n"
            "def orders_report(session: Session) -> list[dict]:\n"
            "    users = session.scalars(select(User).order_by(User.id).options("
            "selectinload(User.orders).selectinload(Order.items).joinedload(OrderItem.product))).all()\n"
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders:\n"
            '            items = [{"product": i.product.name, "quantity": i.quantity} for i in order.items]\n'
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"email": user.email, "orders": orders})\n'
            "    return report\n"
        ),
        path="app/example.py",
        files={
            "app/models.py": (
                "from sqlalchemy import ForeignKey, String\n"
                "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n"
                "\n"
                "\n"
                "class Base(DeclarativeBase):\n"
                "    pass\n"
                "\n"
                "\n"
                "class User(Base):\n"
                '    __tablename__ = "users"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    email: Mapped[str] = mapped_column(String(255))\n"
                '    orders: Mapped[list["Order"]] = relationship(back_populates="user")\n'
                "\n"
                "\n"
                "class Product(Base):\n"
                '    __tablename__ = "products"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                "    name: Mapped[str] = mapped_column(String(255))\n"
                "\n"
                "\n"
                "class Order(Base):\n"
                '    __tablename__ = "orders"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                '    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))\n'
                '    user: Mapped[User] = relationship(back_populates="orders")\n'
                '    items: Mapped[list["OrderItem"]] = relationship(back_populates="order")\n'
                "\n"
                "\n"
                "class OrderItem(Base):\n"
                '    __tablename__ = "order_items"\n'
                "    id: Mapped[int] = mapped_column(primary_key=True)\n"
                '    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))\n'
                '    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))\n'
                "    quantity: Mapped[int]\n"
                '    order: Mapped[Order] = relationship(back_populates="items")\n'
                "    product: Mapped[Product] = relationship()\n"
            ),
        },
    )
    notes = (
        "Relationships come from the project's declarative classes (any file): "
        "`relationship(...)` with its target from the first argument or the `Mapped[...]` "
        "annotation, `back_populates`/`backref`, `lazy=`, `secondary=`, and the foreign keys of "
        '`mapped_column`/`Column`. A relationship configured `lazy="selectin"` (or joined, '
        "subquery, immediate) is already eager and never reported; `dynamic`/`write_only` ones "
        "are queries by design and are left alone.\n\n"
        "A loop can get two findings: one for the lazy loads (loader options alone: a safe "
        "fix), one for the per-row statements (an unsafe fix, or a suggestion), so that "
        "`handrail fix` applies the safe part on its own.\n\n"
        "Only loops in one function are followed, over `session.scalars(...)`, "
        "`session.execute(...).scalars()` and legacy `session.query(Model)` results; rows handed "
        "to a helper are not followed. `order.user` inside `for order in user.orders` is not "
        "reported (the identity map already holds that user). Building a statement in a loop "
        "(`stmt = stmt.where(...)`) executes nothing and is not reported.\n\n"
        "The options are inserted on the statement's line and new imports go where libcst's "
        "AddImportsVisitor puts them: run your formatter and import sorter afterwards."
    )

    query_words = ("select(", ".query(")  # a statement, a legacy query
    model_words = ("relationship(", "__tablename__")
    # Sessions and mapped classes come from SQLAlchemy (or Flask-SQLAlchemy, SQLModel): a
    # project in which no file imports one has no finding, and its files are never parsed for
    # this rule. (The literal leads, for speed.)
    project_requires = re.compile(
        r"sql(?:alchemy(?:(?<=from sqlalchemy)|(?<=import sqlalchemy)|(?<=from flask_sqlalchemy)"
        r"|(?<=import flask_sqlalchemy))|model(?:(?<=from sqlmodel)|(?<=import sqlmodel)))\b"
    )

    def sites(self, ctx: FileContext, module: libcst.Module) -> Iterable[tuple[Any, int, int]]:
        from handrail.codemods.sqlalchemy._sites import Analyzer

        return Analyzer(ctx, module).sites()

    def models(self, module: libcst.Module) -> tuple[ClassFact, ...]:
        from handrail.codemods.sqlalchemy._models import collect_classes

        return collect_classes(module)

    def outcome(
        self, part: Part[Any], project: ProjectFacts
    ) -> tuple[Sequence[PerRow], str, Fix | None] | None:
        from handrail.codemods.sqlalchemy._models import build_index
        from handrail.codemods.sqlalchemy._options import finding_message, plan_fix

        index = project.memo(f"{RULE_ID}:classes", lambda: build_index(project.facts(RULE_ID)))
        planned = plan_fix(part, index, project)
        return None if planned is None else (planned.items, finding_message(part, planned), planned.fix)
