from django.contrib.auth.models import User
from django.http import JsonResponse

from shop.models import Order


def recent(request):
    orders = Order.objects.select_related("user").order_by("-created_at")[:20]
    return JsonResponse(
        {
            "orders": [
                {
                    "customer": order.user.email,
                    "city": order.shipping_address.city,
                    "items": order.items.count(),
                }
                for order in orders
            ]
        }
    )


def customers(request):
    users = User.objects.prefetch_related(
        "orders",
    )
    data = {}
    for user in users:
        data[user.username] = [[item.product.name for item in order.items.all()] for order in user.orders.all()]
    return JsonResponse(data)


def by_status(request, status=None):
    qs = Order.objects.order_by("id")
    if status:
        qs = qs.filter(status=status)
    return JsonResponse({"ids": [(o.id, o.user.username) for o in qs]})
