"""Handlers that must not be reported.

Docs say: never print(e) in an except block.
"""

import logging
import sys
import traceback

logger = logging.getLogger(__name__)
TIP = "print(e) loses the traceback; use logger.exception"


def unrelated(order_id: int) -> None:
    print(f"processing {order_id}")
    try:
        process(order_id)
    except ValueError:
        print("invalid order", order_id)
    except KeyError as e:
        print("missing key for order", order_id)
        # print(e)
        # logger.error(f"missing key: {e}")
        logger.warning(f"retrying {order_id}: {e}")
        logger.error("key error on %s", order_id, exc_info=True)
        logger.error(f"status {e.args[0]}", exc_info=e)
        logger.exception(f"already fine: {e}")
        print(traceback.format_exc())
    print(f"done: {TIP}")


def shadowing(rows: list[dict]) -> None:
    try:
        process(len(rows))
    except LookupError as e:

        def show(e: dict) -> None:
            print(e)

        callback = lambda: print(e)  # noqa: E731  runs later, when no exception is active
        labels = [print(e) for e in rows]
        for e in rows:
            print(e)
        show(rows[0])
        callback()


def rebound(value: str) -> None:
    try:
        int(value)
    except ValueError as e:
        e = RuntimeError(value)
        print(e)


def to_file(path: str) -> None:
    with open(path, "w") as out:
        try:
            process(1)
        except RuntimeError as e:
            print(e, file=out)
            print("Error:", e.args, file=sys.stderr)


def outside(e: Exception) -> None:
    print(e)
    logging.error(e)


def print_is_mine() -> None:
    def print(*args: object) -> None:
        logger.info("%s", args)

    try:
        process(2)
    except OSError as e:
        print(e)


def process(order_id: int) -> None:
    raise NotImplementedError(order_id)
