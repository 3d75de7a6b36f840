from loguru import logger


def resize(image_id: int, width: int) -> None:
    try:
        do_resize(image_id, width)
    except MemoryError as e:
        logger.error(f"resize {image_id} to {width}px failed: {e}")
    except OSError as e:
        logger.error("resize {} failed: {}", image_id, e)
        print(f"{{oops}} {image_id}: {e}")


def do_resize(image_id: int, width: int) -> None:
    raise NotImplementedError
