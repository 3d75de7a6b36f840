"""Item endpoints."""

from fastapi import APIRouter, HTTPException

from app.services import inventory

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
        print(e)
        print("Error:", e)
        print(f"failed to load item {item_id}: {e}")
        print("Load failed: " + str(e))
        print(f"Could not reach storage ({e}), giving up after {inventory.RETRIES} retries")
        print(f"{type(e).__name__}: {e}")
        print("100% of retries failed:", repr(e))
        print("Cache hit ratio:", inventory.hit_ratio())
        # print(e)
        raise HTTPException(status_code=503, detail="print(e) is not a log") from e
