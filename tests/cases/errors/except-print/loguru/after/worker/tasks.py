from loguru import logger


def resize(image_id: int, width: int) -> None:
    try:
        do_resize(image_id, width)
    except MemoryError as e:
        logger.exception("resize {} to {}px failed", image_id, width)
    except OSError as e:
        logger.exception("resize {} failed", image_id)
        logger.exception("{{oops}} {}", image_id)


def do_resize(image_id: int, width: int) -> None:
    raise NotImplementedError
