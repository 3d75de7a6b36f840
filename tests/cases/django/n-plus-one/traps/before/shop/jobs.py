import time

from django.contrib.auth.models import User
from django.db import OperationalError
from django.db.models import Q, QuerySet

from shop.models import Order, OrderItem

STATUSES = ("pending", "paid", "shipped")


def counts_by_status():
    return {status: Order.objects.filter(status=status).count() for status in STATUSES}


def with_retry(attempts=3):
    for attempt in range(attempts):
        try:
            return list(Order.objects.filter(status="paid"))
        except OperationalError:
            time.sleep(attempt)
    return []


def all_ids(page_size=100):
    ids = []
    start = 0
    while True:
        page = list(Order.objects.order_by("id").values_list("id", flat=True)[start : start + page_size])
        if not page:
            return ids
        ids.extend(page)
        start += page_size


def search(filters: dict[str, str]) -> QuerySet[Order]:
    qs = Order.objects.all()
    for key, value in filters.items():
        qs = qs.filter(**{key: value})
    return qs


def combined(users):
    condition = Q()
    for user in User.objects.filter(pk__in=users):
        condition |= Q(user=user)
    return Order.objects.filter(condition)


def subquery_per_row():
    qs = Order.objects.none()
    for user in User.objects.filter(is_staff=True):
        qs = qs | user.orders.filter(status="paid")
    return qs


def own_fields():
    return [(u.username, u.email, u.pk) for u in User.objects.all()]


def rows_as_dicts():
    return [row["user__email"] for row in Order.objects.values("user__email")]


def seed():
    for user in User.objects.all():
        Order.objects.create(user=user, status="pending")


def from_elsewhere(users):
    # The rows come from the caller: no queryset to fix here.
    return [[o.id for o in u.orders.all()] for u in users]


def branches(flag):
    if flag:
        users = User.objects.all()
    else:
        users = User.objects.filter(is_staff=True)
    return [[o.id for o in u.orders.all()] for u in users]


def items_of(order_ids):
    return [i.product_id for i in OrderItem.objects.filter(order_id__in=order_ids)]
