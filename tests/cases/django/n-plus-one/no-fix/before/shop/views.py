from django.contrib.auth.models import User

from shop.models import Order


def latest_orders():
    # `.first()` always queries; no prefetch serves it.
    return {user.pk: user.orders.first() for user in User.objects.all()}


def streamed():
    # prefetch_related() needs iterator(chunk_size=...).
    for user in User.objects.order_by("id").iterator():
        yield user.pk, [o.id for o in user.orders.all()]


def counts():
    # One count query per user: annotate(Count("orders")) would do it in one.
    return {user.pk: Order.objects.filter(user=user).count() for user in User.objects.all()}


def same_relation_twice():
    out = []
    for user in User.objects.all():
        out.append((list(user.orders.all()), list(user.orders.filter(status="paid"))))
    return out
