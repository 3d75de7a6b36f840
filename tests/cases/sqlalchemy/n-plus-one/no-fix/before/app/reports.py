from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Event, Order, User


def latest(session: Session) -> dict[int, Order | None]:
    return {
        user.id: session.scalars(select(Order).where(Order.user_id == user.id).order_by(Order.id.desc())).first()
        for user in session.scalars(select(User))
    }


def totals(session: Session) -> dict[int, int]:
    out = {}
    for user in session.scalars(select(User)):
        out[user.id] = session.scalar(select(func.count(Order.id)).where(Order.user_id == user.id))
    return out


def events(session: Session) -> dict[int, list[str]]:
    # No relationship from User to Event that is not dynamic: batch it with in_().
    out = {}
    for user in session.scalars(select(User)).all():
        out[user.id] = [e.kind for e in session.scalars(select(Event).where(Event.user_id == user.id))]
    return out
