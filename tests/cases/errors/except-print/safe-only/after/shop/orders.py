import logging

from shop.db import Session, SQLAlchemyError

logger = logging.getLogger(__name__)


def place(session: Session, order_id: int) -> bool:
    try:
        session.commit()
    except SQLAlchemyError as e:
        logger.exception("Commit failed for order %s", order_id)
        print(e)
        session.rollback()
        return False
    return True
