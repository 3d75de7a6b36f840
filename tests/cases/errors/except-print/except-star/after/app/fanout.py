import asyncio
import logging

logger = logging.getLogger(__name__)


async def fan_out(urls: list[str]) -> None:
    try:
        async with asyncio.TaskGroup() as group:
            for url in urls:
                group.create_task(fetch(url))
    except* TimeoutError as eg:
        logger.exception("%s fetches timed out", len(eg.exceptions))
    except* OSError as eg:
        logger.exception("network errors")


async def fetch(url: str) -> None:
    await asyncio.sleep(0)
