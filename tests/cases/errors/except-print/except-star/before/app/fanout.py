import asyncio
import logging

logger = logging.getLogger(__name__)


async def fan_out(urls: list[str]) -> None:
    try:
        async with asyncio.TaskGroup() as group:
            for url in urls:
                group.create_task(fetch(url))
    except* TimeoutError as eg:
        logger.error(f"{len(eg.exceptions)} fetches timed out: {eg}")
    except* OSError as eg:
        print(f"network errors: {eg!r}")


async def fetch(url: str) -> None:
    await asyncio.sleep(0)
