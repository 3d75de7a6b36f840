import decimal
import logging

log = logging.getLogger(__name__)


def total(lines: list[str]) -> decimal.Decimal:
    try:
        return sum((decimal.Decimal(line) for line in lines), decimal.Decimal(0))
    except decimal.InvalidOperation as e:
        log.exception("Billing step failed")
        return decimal.Decimal(0)
