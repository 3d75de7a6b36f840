"""Views of the shop."""
from django.contrib.auth.models import User
from django.http import JsonResponse

from shop.models import OrderItem, Order
from django.db.models import Prefetch


def pending(request):
    data = []
    for user in User.objects.order_by("id").prefetch_related(Prefetch("orders", queryset=Order.objects.filter(status="pending"))):
        pending_orders = user.orders.all()
        data.append({"user": user.pk, "pending": [o.id for o in pending_orders]})
    return JsonResponse({"data": data})


def big_items(request):
    orders = Order.objects.filter(status="paid").prefetch_related(Prefetch("items", queryset=OrderItem.objects.filter(quantity__gte=10)))
    return JsonResponse({o.id: [i.id for i in o.items.all()] for o in orders})
