from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order, User


def paid_by_user(session: Session) -> dict[str, list[int]]:
    result = {}
    for user in session.scalars(select(User)).all():
        paid = session.scalars(select(Order).where(Order.user_id == user.id, Order.status == "paid")).all()
        result[user.email] = [order.id for order in paid]
    return result
