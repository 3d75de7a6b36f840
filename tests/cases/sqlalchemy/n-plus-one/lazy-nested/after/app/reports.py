from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload, Session

from app.models import Order, OrderItem, User


def dashboard(session: Session) -> list[dict]:
    result = []
    users = session.scalars(select(User).where(User.email.like("%@example.com")).order_by(User.id).options(selectinload(User.orders).selectinload(Order.tags), selectinload(User.orders).selectinload(Order.items).joinedload(OrderItem.product))).all()
    for user in users:
        result.append(
            {
                "email": user.email,
                "orders": [
                    {
                        "id": order.id,
                        "tags": [tag.label for tag in order.tags],
                        "items": [(item.product.name, item.quantity) for item in order.items],
                    }
                    for order in user.orders
                ],
            }
        )
    return result


def owners(db: Session) -> list[str]:
    from app.models import Order

    return [order.user.email for order in db.query(Order).filter(Order.status == "paid").options(joinedload(Order.user)).all()]
