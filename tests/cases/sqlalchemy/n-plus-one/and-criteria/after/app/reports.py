from sqlalchemy import select
from sqlalchemy.orm import selectinload, Session

from app.models import Order, User


def paid_by_user(session: Session) -> dict[str, list[int]]:
    result = {}
    for user in session.scalars(select(User).options(selectinload(User.orders.and_(Order.status == "paid")))).all():
        paid = list(user.orders)
        result[user.email] = [order.id for order in paid]
    return result
