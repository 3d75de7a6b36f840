from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order, User


def mixed(session: Session) -> list[tuple[str, int, int]]:
    out = []
    for user in session.scalars(select(User)).all():
        paid = session.scalars(select(Order).where(Order.user_id == user.id)).all()
        out.append((user.email, len(user.orders), len(paid)))
    return out


def emails(session: Session) -> list[str]:
    return [o.user.email for o in session.scalars(select(Order))]
