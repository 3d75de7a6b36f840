"""Optional speedups."""

import logging

logger = logging.getLogger(__name__)

try:
    import orjson as json_impl
except ImportError as e:
    logger.exception("orjson unavailable, using json")
    import json as json_impl

DUMPS = json_impl.dumps
