import time

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.models import Order, User

STATUSES = ("pending", "paid", "shipped")


def counts(session: Session) -> dict[str, int]:
    return {s: session.scalar(select(func.count()).select_from(Order).where(Order.status == s)) for s in STATUSES}


def retry(session: Session) -> list[User]:
    for attempt in range(3):
        try:
            return list(session.scalars(select(User)))
        except OperationalError:
            time.sleep(attempt)
    return []


def pages(session: Session, size: int = 100):
    last = 0
    while True:
        page = session.scalars(select(User).where(User.id > last).order_by(User.id).limit(size)).all()
        if not page:
            break
        yield from page
        last = page[-1].id


def build(session: Session, filters: dict[str, str]) -> list[Order]:
    stmt = select(Order)
    for key, value in filters.items():
        stmt = stmt.where(getattr(Order, key) == value)
    return list(session.scalars(stmt))


def build_per_row(session: Session) -> list[Order]:
    query = session.query(Order)
    for user in session.scalars(select(User).where(User.email.like("%@corp.com"))):
        query = query.filter(Order.user_id != user.id)
    return query.all()


def batched(session: Session) -> dict[int, list[Order]]:
    users = session.scalars(select(User)).all()
    orders = session.scalars(select(Order).where(Order.user_id.in_([u.id for u in users]))).all()
    grouped: dict[int, list[Order]] = {}
    for order in orders:
        grouped.setdefault(order.user_id, []).append(order)
    return grouped


def own_columns(session: Session) -> list[str]:
    return [f"{u.id}: {u.email}" for u in session.scalars(select(User))]


def from_caller(session: Session, users: list[User]) -> list[int]:
    return [len(u.orders) for u in users]


def lookups(session: Session, ids: list[int]) -> dict[int, str]:
    cache = {"a": 1}
    return {i: cache.get(str(i)) for i in ids}
