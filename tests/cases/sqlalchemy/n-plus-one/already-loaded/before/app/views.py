from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import Order, User


def cities(session: Session) -> list[list[str]]:
    # `addresses` is lazy="selectin": loaded with the users already.
    return [[a.city for a in user.addresses] for user in session.scalars(select(User))]


def covered(session: Session) -> list[str]:
    users = session.scalars(
        select(User).options(selectinload(User.orders).options(selectinload(Order.items), joinedload(Order.user)))
    ).all()
    out = []
    for user in users:
        for order in user.orders:
            # The back-reference is in the identity map: no query.
            out.append(f"{order.user.email}: {len(order.items)}")
    return out


def events(session: Session) -> list[int]:
    # A dynamic relationship is a query by design.
    return [user.events.count() for user in session.scalars(select(User))]


def add_welcome_orders(session: Session) -> None:
    for user in session.scalars(select(User)):
        user.orders.append(Order(status="welcome"))
    session.commit()


def tuples(session: Session) -> list[str]:
    return [row.User.email for row in session.execute(select(User))]
