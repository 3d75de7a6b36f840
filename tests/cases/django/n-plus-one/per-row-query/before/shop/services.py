from decimal import Decimal

from django.contrib.auth.models import User

from shop.models import Order, OrderItem


def spending_by_user() -> dict[str, Decimal]:
    totals = {}
    for user in User.objects.all():
        total = Decimal("0")
        for order in Order.objects.filter(user=user):
            for item in OrderItem.objects.filter(order_id=order.id):
                total += item.product.price * item.quantity
        totals[user.username] = total
    return totals


def paid_orders_by_user() -> dict[int, list[int]]:
    result = {}
    for user in User.objects.order_by("id"):
        paid = Order.objects.filter(user=user, status="paid").order_by("-created_at")
        result[user.id] = [order.id for order in paid]
    return result
