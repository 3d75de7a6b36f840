from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse

from shop.models import Order


def dashboard(request: HttpRequest) -> JsonResponse:
    users = User.objects.filter(is_active=True).order_by("id").prefetch_related("orders__items__product")
    result = []
    for user in users:
        orders = user.orders.all()
        result.append(
            {
                "email": user.email,
                "orders": [
                    {
                        "id": order.id,
                        "items": [
                            {"product": item.product.name, "quantity": item.quantity}
                            for item in order.items.all()
                        ],
                    }
                    for order in orders
                ],
            }
        )
    return JsonResponse({"users": result})


def order_export(request: HttpRequest) -> JsonResponse:
    rows = []
    for i, order in enumerate(Order.objects.filter(status="paid").select_related("user__profile", "shipping_address")):
        rows.append([i, order.user.email, order.user.profile.phone, order.shipping_address.city])
    return JsonResponse({"rows": rows})
