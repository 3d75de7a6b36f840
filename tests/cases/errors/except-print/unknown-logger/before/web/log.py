import logging

logger = logging.getLogger("web")
