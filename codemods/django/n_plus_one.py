"""django/n-plus-one: a loop over a queryset that queries a relation of every row.

`check` reads each function: loops whose rows come from a queryset built in the same function
(`User.objects...`, or a related manager of one instance), and what every turn reads from its
row (`user.orders.all()`, `order.user.name`, a nested loop over `order.items.all()`, a
per-row `Order.objects.filter(user=user)`). It cannot tell a relation from a plain field, so
`collect` reads the project's models and `resolve` decides, with all models known, which reads
are queries and which `select_related`/`prefetch_related` lookups the queryset needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from handrail.codemods._py_loop_rule import LoopQueryRule
from handrail.engine.context import FileContext
from handrail.engine.model import Applicability, Fix
from handrail.engine.project import ProjectFacts
from handrail.engine.rule import Example

if TYPE_CHECKING:
    import libcst

    from handrail.codemods._py_n_plus_one import Part, PerRow
    from handrail.codemods.django._models import ModelFact

RULE_ID = "django/n-plus-one"


class DjangoNPlusOne(LoopQueryRule):
    id = RULE_ID
    summary = "A loop over a queryset queries a relation of every row (N+1 queries)"
    why = (
        "Django loads relations lazily: `user.orders.all()` inside `for user in users` sends one "
        "query per user, `order.user.name` one per order, and every nested loop multiplies them. "
        "The code reads naturally and is fast on a developer's ten rows; in production it is "
        '1 + N + N*M round trips. The story behind handrail: "With 500 users, this endpoint made '
        "501 database queries and took 8 seconds. Fix: include with nested relations — one "
        'query, 120ms."\n\n'
        "`select_related(...)` joins foreign keys and one-to-ones into the queryset's own query; "
        "`prefetch_related(...)` loads reverse foreign keys and many-to-many relations for all rows "
        "in one extra query per level, and the related managers' `.all()` then read that cache."
    )
    fix_safety = Applicability.SAFE
    fix_safety_notes = (
        "Safe when the fix only adds `select_related`/`prefetch_related` lookups to the queryset "
        "the loop walks (built in the same function): the rows, their order and every related "
        "object stay the same; only the number of queries changes (`select_related` joins with an "
        "INNER JOIN only where the foreign key is NOT NULL, so no row is lost). Lookups are merged "
        "into an existing `select_related(...)`/`prefetch_related(...)` call.\n\n"
        "Unsafe (needs --unsafe-fixes) when reads change too: a per-row "
        "`Order.objects.filter(user=user)` becomes `user.orders.all()`, and a narrowed relation "
        '(`order.items.filter(status="paid")`, row-independent arguments) becomes `.all()` served '
        'by `Prefetch("orders__items", queryset=OrderItem.objects.filter(status="paid"))`: the same '
        "rows unless the model's default manager is not `objects`. Also unsafe when the loop "
        "writes (`save()`, `create()`, `delete()`, a related manager's `add()`/`set()`/"
        "`update()`): prefetched data is read before the writes.\n\n"
        "No fix, only the finding, when no prefetch serves the read (`.first()`, `.get()`, "
        "`.aggregate()`, `.values()`, filters that use the row), when the same relation is also "
        "loaded another way (it needs `Prefetch(to_attr=...)`), when the queryset ends in "
        "`.iterator()` without chunk_size, or when the Prefetch queryset's model cannot be imported."
    )
    example = Example(
        before=(
            "from django.http import JsonResponse\n"
            "\n"
            "from shop.models import User\n"
            "\n"
            "\n"
            "def orders_report(request):\n"
            '    users = User.objects.order_by("id")\n'
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders.all():\n"
            "            items = [\n"
            '                {"product": item.product.name, "quantity": item.quantity}\n'
            "                for item in order.items.all()\n"
            "            ]\n"
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"name": user.name, "orders": orders})\n'
            '    return JsonResponse({"users": report})\n'
        ),
        after=(
            "from django.http import JsonResponse\n"
            "\n"
            "from shop.models import User\n"
            "\n"
            "\n"
            "def orders_report(request):\n"
            '    users = User.objects.order_by("id").prefetch_related("orders__items__product")\n'
            "    report = []\n"
            "    for user in users:\n"
            "        orders = []\n"
            "        for order in user.orders.all():\n"
            "            items = [\n"
            '                {"product": item.product.name, "quantity": item.quantity}\n'
            "                for item in order.items.all()\n"
            "            ]\n"
            '            orders.append({"id": order.id, "items": items})\n'
            '        report.append({"name": user.name, "orders": orders})\n'
            '    return JsonResponse({"users": report})\n'
        ),
        path="app/example.py",
        files={
            "shop/models.py": (
                "from django.db import models\n"
                "\n"
                "\n"
                "class User(models.Model):\n"
                "    name = models.CharField(max_length=100)\n"
                "\n"
                "\n"
                "class Product(models.Model):\n"
                "    name = models.CharField(max_length=100)\n"
                "\n"
                "\n"
                "class Order(models.Model):\n"
                '    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="orders")\n'
                "\n"
                "\n"
                "class OrderItem(models.Model):\n"
                '    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")\n'
                "    product = models.ForeignKey(Product, on_delete=models.PROTECT)\n"
                "    quantity = models.PositiveIntegerField()\n"
            ),
        },
    )
    notes = (
        "Relations come from the project's model classes (any file): `ForeignKey`, "
        "`OneToOneField` and `ManyToManyField` fields with their `related_name` (default "
        "`<model>_set`, or `<model>` for one-to-ones), inherited from abstract models too. A "
        "model outside the project (django's `User`, through `settings.AUTH_USER_MODEL`) is "
        "known by the reverse relations the project's models give it; a class name defined "
        "in two apps is ignored.\n\n"
        "A loop can get two findings: one for the reads plain lookups serve (a safe fix), one "
        "for the reads that need rewriting (per-row querysets, narrowed relations: an unsafe "
        "fix, or none), so that `handrail fix` applies the safe part on its own.\n\n"
        "Only loops in one function are followed: rows handed to a helper (`serialize(user)`) "
        "or a template are not. `order.user` inside `for order in user.orders.all()` is not "
        "reported (Django caches the back-reference). `.count()`/`.exists()` are served by a "
        "prefetch, but if that is all the loop needs, `annotate(Count(...))` loads less. Writes "
        "per row (`create()` in a loop) are not this rule's business: see `bulk_create`.\n\n"
        "Lookups are appended on the queryset's line (or merged into an existing call), and "
        "`Prefetch` imports go where libcst's AddImportsVisitor puts them: run your formatter "
        "and import sorter afterwards."
    )

    query_words = (".objects", "404")  # a queryset, get_object_or_404
    model_words = ("models",)
    # Querysets and models come from Django: a project in which no file imports it has no
    # finding, and its files are never parsed for this rule. (The literal leads, for speed.)
    project_requires = re.compile(r"django(?:(?<=from django)|(?<=import django))\b")

    def sites(self, ctx: FileContext, module: libcst.Module) -> Iterable[tuple[Any, int, int]]:
        from handrail.codemods.django._sites import Analyzer

        return Analyzer(ctx, module).sites()

    def models(self, module: libcst.Module) -> tuple[ModelFact, ...]:
        from handrail.codemods.django._models import collect_models

        return collect_models(module)

    def outcome(
        self, part: Part[Any], project: ProjectFacts
    ) -> tuple[Sequence[PerRow], str, Fix | None] | None:
        from handrail.codemods.django._lookups import finding_message, plan_fix
        from handrail.codemods.django._models import build_index

        index = project.memo(f"{RULE_ID}:models", lambda: build_index(project.facts(RULE_ID)))
        planned = plan_fix(part, index, project)
        return None if planned is None else (planned.items, finding_message(part, planned), planned.fix)
