from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, Session

from app.models import Order, OrderItem, User


def report(session: Session) -> list[dict]:
    users = session.scalars(select(User).order_by(User.id).options(selectinload(User.orders).selectinload(Order.items))).all()
    out = []
    for user in users:
        orders = list(user.orders)
        rows = []
        for order in orders:
            items = list(order.items)
            rows.append({"id": order.id, "quantity": sum(i.quantity for i in items)})
        out.append({"email": user.email, "orders": rows})
    return out


def buyers(session: Session) -> list[str]:
    emails = []
    for order in session.scalars(select(Order).where(Order.status == "paid").options(joinedload(Order.user))):
        buyer = order.user
        emails.append(buyer.email)
    return emails


def legacy(db: Session) -> dict[int, int]:
    counts = {}
    for user in db.query(User).options(selectinload(User.orders)).all():
        counts[user.id] = len([o for o in user.orders])
    return counts


def legacy_owner(db: Session) -> list[str]:
    return [o.user.email for o in db.query(Order).options(joinedload(Order.user)).all()]
