from decimal import Decimal

from django.contrib.auth.models import User

from shop.models import Order, OrderItem
from django.db.models import Prefetch


def spending_by_user() -> dict[str, Decimal]:
    totals = {}
    for user in User.objects.all().prefetch_related("orders__items__product"):
        total = Decimal("0")
        for order in user.orders.all():
            for item in order.items.all():
                total += item.product.price * item.quantity
        totals[user.username] = total
    return totals


def paid_orders_by_user() -> dict[int, list[int]]:
    result = {}
    for user in User.objects.order_by("id").prefetch_related(Prefetch("orders", queryset=Order.objects.filter(status="paid").order_by("-created_at"))):
        paid = user.orders.all()
        result[user.id] = [order.id for order in paid]
    return result
