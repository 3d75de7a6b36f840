from sqlalchemy import select
from sqlalchemy.orm import defaultload, Session, joinedload, selectinload

from app.models import Order, OrderItem, User


def orders_with_products(session: Session) -> list[tuple[str, list[str]]]:
    stmt = select(User).options(selectinload(User.orders), defaultload(User.orders).selectinload(Order.items).joinedload(OrderItem.product))
    stmt = stmt.order_by(User.id)
    out = []
    for user in session.scalars(stmt):
        for order in user.orders:
            out.append((user.email, [item.product.name for item in order.items]))
    return out


def items(session: Session) -> list[str]:
    rows = session.scalars(
        select(OrderItem).options(
            joinedload(OrderItem.order), defaultload(OrderItem.order).joinedload(Order.user), joinedload(OrderItem.product),
        )
    ).all()
    return [f"{item.order.user.email}: {item.product.name}" for item in rows]


def statuses(session: Session, status: str | None) -> list[str]:
    stmt = select(Order).options(joinedload(Order.user))
    if status:
        stmt = stmt.where(Order.status == status)
    return [o.user.email for o in session.scalars(stmt)]
