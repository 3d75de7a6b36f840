from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Order, OrderItem, User


def report(session: Session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.id)).all()
    out = []
    for user in users:
        orders = session.scalars(select(Order).where(Order.user_id == user.id)).all()
        rows = []
        for order in orders:
            items = session.execute(select(OrderItem).filter_by(order_id=order.id)).scalars().all()
            rows.append({"id": order.id, "quantity": sum(i.quantity for i in items)})
        out.append({"email": user.email, "orders": rows})
    return out


def buyers(session: Session) -> list[str]:
    emails = []
    for order in session.scalars(select(Order).where(Order.status == "paid")):
        buyer = session.get(User, order.user_id)
        emails.append(buyer.email)
    return emails


def legacy(db: Session) -> dict[int, int]:
    counts = {}
    for user in db.query(User).all():
        counts[user.id] = len([o for o in db.query(Order).filter(Order.user_id == user.id)])
    return counts


def legacy_owner(db: Session) -> list[str]:
    return [db.query(User).filter(User.id == o.user_id).first().email for o in db.query(Order).all()]
