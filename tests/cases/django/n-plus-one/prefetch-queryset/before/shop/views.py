"""Views of the shop."""
from django.contrib.auth.models import User
from django.http import JsonResponse

from shop.models import Order


def pending(request):
    data = []
    for user in User.objects.order_by("id"):
        pending_orders = user.orders.filter(status="pending")
        data.append({"user": user.pk, "pending": [o.id for o in pending_orders]})
    return JsonResponse({"data": data})


def big_items(request):
    orders = Order.objects.filter(status="paid")
    return JsonResponse({o.id: [i.id for i in o.items.filter(quantity__gte=10)] for o in orders})
