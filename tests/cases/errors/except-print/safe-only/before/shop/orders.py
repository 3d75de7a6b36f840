import logging

from shop.db import Session, SQLAlchemyError

logger = logging.getLogger(__name__)


def place(session: Session, order_id: int) -> bool:
    try:
        session.commit()
    except SQLAlchemyError as e:
        logger.error(f"Commit failed for order {order_id}: {e}")
        print(e)
        session.rollback()
        return False
    return True
