"""The Python N+1 fixes, run against real databases: same results, far fewer queries.

Each fixture (`fixtures/sqlalchemy-shop`, `fixtures/django-shop`) is copied twice; `handrail fix
--unsafe-fixes` rewrites one copy. Both copies' report code then runs on the same seeded data,
for two sizes, while the ORM's statements are counted: before the fix the count is 1 + N
(+ N*M ...), after it the count is the same for both sizes, and the results are identical.

SQLite in memory suffices for both ORMs: what is measured is the number of statements the
ORM sends and the rows it returns, which do not depend on the database server. SQLAlchemy
counts with an engine `before_cursor_execute` listener; Django is configured in-process with
`settings.configure()` and counts with `CaptureQueriesContext`.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, run_handrail

SIZES = (10, 20)  # users; every user has 3 orders of 2 items
ORDERS, ITEMS = 3, 2


def _fixed_copies(fixture: str, select: str, base: Path) -> tuple[Path, Path]:
    before = base / "before"
    shutil.copytree(
        ROOT / "fixtures" / fixture, before, ignore=shutil.ignore_patterns("__pycache__", "*.db*")
    )
    after = base / "after"
    shutil.copytree(before, after)
    result = run_handrail(["fix", "--unsafe-fixes", "--select", select, "."], after)
    assert result.exit_code in (0, 1), result.stderr
    return before, after


@contextmanager
def _importable(root: Path, package: str) -> Iterator[None]:
    """Import `package` from `root`, then forget it so the other copy can be imported.

    Both fixtures call their package `shop`: one already imported (Django's, while its test
    runs) is set aside meanwhile and put back afterwards.
    """

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    saved = {name: sys.modules.pop(name) for name in [n for n in sys.modules if ours(n)]}
    sys.path.insert(0, str(root))
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)


def _load_file(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- SQLAlchemy -------------------------------------------------------------------------


def _run_sqlalchemy(root: Path, users: int, report: str) -> tuple[Any, int]:
    """Seed a fresh in-memory database with one copy of the fixture, run `report`, count statements."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    with _importable(root, "shop"):
        models = importlib.import_module("shop.models")
        reports = importlib.import_module("shop.reports")
        seed = importlib.import_module("shop.seed")
        engine = create_engine("sqlite://")
        models.Base.metadata.create_all(engine)
        with Session(engine) as session:
            seed.seed(session, users, ORDERS, ITEMS)
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(engine, "before_cursor_execute", count)
        with Session(engine) as session:  # a fresh identity map: nothing is loaded yet
            result = getattr(reports, report)(session)
        engine.dispose()
    return result, statements


@pytest.fixture(scope="module")
def sqlalchemy_shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pytest.importorskip("sqlalchemy")
    return _fixed_copies("sqlalchemy-shop", "sqlalchemy/", tmp_path_factory.mktemp("sqlalchemy-shop"))


def test_sqlalchemy_fix_rewrote_the_reports(sqlalchemy_shop: tuple[Path, Path]) -> None:
    before, after = sqlalchemy_shop
    text = (after / "shop" / "reports.py").read_text()
    assert "selectinload(User.orders).selectinload(Order.items).joinedload(OrderItem.product)" in text
    assert "orders = list(user.orders)" in text and "items = list(order.items)" in text
    assert "session.scalars(select(Order)" not in text
    for name in ("models.py", "maintenance.py", "seed.py", "db.py"):
        assert (after / "shop" / name).read_bytes() == (before / "shop" / name).read_bytes()


def _active(users: int) -> int:
    return sum(1 for u in range(users) if u % 7 != 3)  # seed() deactivates every 7th user


@pytest.mark.parametrize(
    ("report", "expected_before", "expected_after"),
    [
        # users, orders per user, items per order, then each item's product: the identity map
        # holds objects weakly, and nothing keeps the previous order's products alive.
        ("orders_report", lambda n: 1 + _active(n) * (1 + ORDERS + ORDERS * ITEMS), 3),
        ("customer_totals", lambda n: 1 + n + n * ORDERS, 3),
    ],
)
def test_sqlalchemy_queries_stop_growing_with_n(
    sqlalchemy_shop: tuple[Path, Path],
    report: str,
    expected_before: Callable[[int], int],
    expected_after: int,
) -> None:
    before, after = sqlalchemy_shop
    for users in SIZES:
        old, old_count = _run_sqlalchemy(before, users, report)
        new, new_count = _run_sqlalchemy(after, users, report)
        assert new == old
        assert len(old) == (_active(users) if report == "orders_report" else users)
        assert old_count == expected_before(users)
        assert new_count == expected_after


# -- Django -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_copies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pytest.importorskip("django")
    return _fixed_copies("django-shop", "django/", tmp_path_factory.mktemp("django-shop"))


def test_django_fix_rewrote_the_views(django_copies: tuple[Path, Path]) -> None:
    before, after = django_copies
    text = (after / "shop" / "views.py").read_text()
    assert 'order_by("id").prefetch_related("orders__items__product")' in text
    assert 'order_by("-created_at", "-id").select_related("user").prefetch_related("items")[:50]' in text
    assert "user_orders = user.orders.all()" in text
    for name in ("models.py", "stats.py", "seed.py"):
        assert (after / "shop" / name).read_bytes() == (before / "shop" / name).read_bytes()


@pytest.fixture(scope="module")
def django_shop(django_copies: tuple[Path, Path]) -> Iterator[tuple[ModuleType, ModuleType]]:
    """The views of both copies, on one in-memory database with the fixture's models."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    before, after = django_copies
    if settings.configured:
        pytest.skip("Django was configured by another test in this process")
    sys.path.insert(0, str(before))  # `shop` (models, seed) comes from the original copy
    try:
        settings.configure(
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "shop"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            USE_TZ=True,
        )
        django.setup()
        call_command("migrate", run_syncdb=True, verbosity=0)
        yield (
            _load_file(before / "shop" / "views.py", "shop_views_before"),
            _load_file(after / "shop" / "views.py", "shop_views_after"),
        )
    finally:
        sys.path.remove(str(before))


def _reseed(users: int) -> None:
    from django.contrib.auth.models import User

    seed = importlib.import_module("shop.seed")
    models = importlib.import_module("shop.models")
    models.OrderItem.objects.all().delete()
    models.Order.objects.all().delete()
    models.Product.objects.all().delete()
    User.objects.all().delete()
    seed.seed(users, ORDERS, ITEMS)


def _call(view: Callable[[Any], Any]) -> tuple[Any, int]:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        response = view(request)
    assert response.status_code == 200
    return json.loads(response.content), len(queries)


@pytest.mark.parametrize(
    ("view", "expected_before", "expected_after"),
    [
        # users, orders per user, items per order, then each item's product (no identity map).
        ("orders_report", lambda n: 1 + _active(n) * (1 + ORDERS + ORDERS * ITEMS), 4),
        # the 50 latest orders, each with its user and its item count.
        ("recent_orders", lambda n: 1 + 2 * min(50, n * ORDERS), 2),
        # users, a filter() per user, items per order.
        ("customer_summary", lambda n: 1 + n + n * ORDERS, 3),
    ],
)
def test_django_queries_stop_growing_with_n(
    django_shop: tuple[ModuleType, ModuleType],
    view: str,
    expected_before: Callable[[int], int],
    expected_after: int,
) -> None:
    old_views, new_views = django_shop
    for users in SIZES:
        _reseed(users)
        old, old_count = _call(getattr(old_views, view))
        new, new_count = _call(getattr(new_views, view))
        assert new == old
        assert old_count == expected_before(users)
        assert new_count == expected_after
