"""Item endpoints."""

from fastapi import APIRouter, HTTPException

from app.services import inventory
import logging

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
def get_item(item_id: int) -> dict:
    print(f"Fetching item {item_id}")
    try:
        return inventory.load(item_id)
    except inventory.NotFound:
        print("Item not found:", item_id)
        raise HTTPException(status_code=404)
    except (inventory.StorageError, TimeoutError) as e:
        logger.exception("Unexpected error")
        logger.exception("Error")
        logger.exception("failed to load item %s", item_id)
        logger.exception("Load failed")
        logger.exception("Could not reach storage, giving up after %s retries", inventory.RETRIES)
        logger.exception("Unexpected error")
        logger.exception("100% of retries failed")
        print("Cache hit ratio:", inventory.hit_ratio())
        # print(e)
        raise HTTPException(status_code=503, detail="print(e) is not a log") from e
