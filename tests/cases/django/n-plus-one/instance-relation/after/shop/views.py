from django.contrib.auth.models import User
from django.http import JsonResponse
from django.shortcuts import get_object_or_404


def user_orders(request, pk):
    user = get_object_or_404(User, pk=pk)
    orders = []
    for order in user.orders.order_by("-created_at").prefetch_related("items__product"):
        orders.append({"id": order.id, "products": [item.product.name for item in order.items.all()]})
    return JsonResponse({"orders": orders})


def user_cities(request, pk):
    user = User.objects.get(pk=pk)
    return JsonResponse({"cities": [order.shipping_address.city for order in user.orders.all().select_related("shipping_address")]})
