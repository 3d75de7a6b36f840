import decimal


def total(lines: list[str]) -> decimal.Decimal:
    try:
        return sum((decimal.Decimal(line) for line in lines), decimal.Decimal(0))
    except decimal.InvalidOperation as e:
        print(e)
        return decimal.Decimal(0)
