from django.contrib.auth.models import User
from django.db.models import Prefetch

from shop.models import Order, OrderItem


def report():
    users = User.objects.prefetch_related("orders__items__product", "profile")
    out = []
    for user in users:
        for order in user.orders.all():
            # The back-reference is cached by the prefetch: no query.
            out.append((order.user.email, user.profile.phone, [i.product.name for i in order.items.all()]))
    return out


def paid_items():
    orders = Order.objects.select_related("user", "shipping_address").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product"))
    )
    return [(o.user.email, o.shipping_address.city, [i.product.name for i in o.items.all()]) for o in orders]


def with_to_attr():
    users = User.objects.prefetch_related(Prefetch("orders", queryset=Order.objects.filter(status="paid"), to_attr="paid"))
    return {u.pk: [o.id for o in u.paid] for u in users}


def everything_selected():
    return [o.user.email for o in Order.objects.select_related()]
