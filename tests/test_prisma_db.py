"""The demo backend's dashboard against a real PostgreSQL through the real Prisma client.

Before `handrail fix`, GET /dashboard issues 1 + N + N*M queries (users, then orders per user,
then items per order), counted with Prisma's own query events. After the fix the same endpoint
answers with the same JSON, byte for byte, in a number of queries that does not grow with N
(checked with two databases of different sizes), and the rewritten app still type-checks.

Also checked against the real client: the premise of one of the rule's exemptions, that Prisma
batches findUnique calls issued in the same tick (`Promise.all(ids.map(...))`) into one query.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_handrail
from tests.support.postgres import Cluster, postgres  # noqa: F401  (the session fixture)
from tests.test_demo import DEMO, node_modules  # noqa: F401  (the session fixture)

ORDERS_PER_USER = 3
ITEMS_PER_ORDER = 2
SIZES = (20, 35)  # users in each database


def _seed(cluster: Cluster, name: str, users: int, now: str) -> str:
    url = cluster.create_database(name)
    scripts = DEMO / "scripts" / "db"
    cluster.psql(name, (scripts / "tables.sql").read_text())
    cluster.psql(
        name,
        (scripts / "seed.sql").read_text(),
        {"users": str(users), "orders": str(ORDERS_PER_USER), "items": str(ITEMS_PER_ORDER), "now": now},
    )
    return url


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "DB_POOL_SIZE", "NODE_ENV", "LOG_LEVEL")}
    return {
        **env,
        "PRISMA_SCHEMA_ENGINE_BINARY": "/bin/true",
        "NODE_ENV": "test",
        "LOG_LEVEL": "warn",
        **extra,
    }


def _run(args: list[str], cwd: Path, **env: str) -> str:
    result = subprocess.run(
        args, cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _counting(app: Path, script: str, **env: str) -> dict[str, Any]:
    """Run a tsx script of the app with query counting on; its last output line is JSON."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the database tests"
    hooks = ["--import", "tsx", "--import", "./scripts/count-queries.mjs"]
    result: dict[str, Any] = json.loads(_run([node, *hooks, script], app, **env).strip().splitlines()[-1])
    return result


def _dashboard(app: Path, url: str) -> dict[str, Any]:
    """GET /dashboard once: {"status", "queries" (SQL of each query), "body" (response text)}."""
    result = _counting(app, "scripts/dashboard-queries.ts", DATABASE_URL=url)
    assert result["status"] == 200, result["body"]
    return result


def _per_table(queries: list[str]) -> dict[str, int]:
    tables = {"User": 0, "Order": 0, "OrderItem": 0}
    for sql in queries:
        for table in tables:
            if f'FROM "public"."{table}"' in sql:
                tables[table] += 1
    return tables


BATCHING = """\
// Written by tests/test_prisma_db.py: findUnique per id, in the same tick and one by one.
import { queries } from "./counting-client.ts";

const { prisma } = await import("../src/lib/prisma.ts");
const ids = Array.from({ length: Number(process.env.IDS) }, (_, i) => i + 1);
queries.length = 0;
const found = await Promise.all(ids.map((id) => prisma.user.findUnique({ where: { id } })));
const sameTick = queries.length;
queries.length = 0;
for (const id of ids) await prisma.user.findUnique({ where: { id } });
console.log(JSON.stringify({ found: found.filter(Boolean).length, sameTick, oneByOne: queries.length }));
await prisma.$disconnect();
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, node_modules: Path) -> Path:  # noqa: F811
    """A copy of the demo with its Prisma client generated (tests may fix its sources)."""
    copy = tmp_path_factory.mktemp("prisma-db") / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("node_modules", "generated"))
    (copy / "node_modules").symlink_to(node_modules)
    _run([str(node_modules / ".bin" / "prisma"), "generate"], copy)
    return copy


def test_dashboard_queries_stop_growing_with_the_number_of_users(app: Path, postgres: Cluster) -> None:  # noqa: F811
    now = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    urls = {n: _seed(postgres, f"dashboard_{n}", n, now) for n in SIZES}

    before = {n: _dashboard(app, url) for n, url in urls.items()}
    for n, result in before.items():
        body = json.loads(result["body"])
        assert body["stats"] == {
            "users": n,
            "orders": n * ORDERS_PER_USER,
            "revenueCents": sum(1000 * o + u for u in range(1, n + 1) for o in range(1, ORDERS_PER_USER + 1)),
        }
        assert len(result["queries"]) == 1 + n + n * ORDERS_PER_USER
        assert _per_table(result["queries"]) == {"User": 1, "Order": n, "OrderItem": n * ORDERS_PER_USER}

    fixed = run_handrail(["fix", "--select", "prisma/n-plus-one", "."], app)
    assert fixed.exit_code == 0, fixed.stdout + fixed.stderr
    dashboard = (app / "src" / "routes" / "dashboard.ts").read_text()
    assert "include: { orders: { include: { items: true } } }" in dashboard
    assert "prisma.order.findMany" not in dashboard and "prisma.orderItem.findMany" not in dashboard
    _run(["npm", "run", "--silent", "typecheck"], app)

    after = {n: _dashboard(app, url) for n, url in urls.items()}
    for n in SIZES:
        assert after[n]["body"] == before[n]["body"]
    counts = {n: len(after[n]["queries"]) for n in SIZES}
    assert counts[SIZES[0]] == counts[SIZES[1]] <= 3, counts
    # One query per relation level, none of them per row.
    assert all(v <= 1 for v in _per_table(after[SIZES[1]]["queries"]).values())


def test_prisma_batches_find_unique_calls_made_in_the_same_tick(app: Path, postgres: Cluster) -> None:  # noqa: F811
    now = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    url = _seed(postgres, "batching", 12, now)
    (app / "scripts" / "batching.ts").write_text(BATCHING)
    result = _counting(app, "scripts/batching.ts", DATABASE_URL=url, IDS="12")
    assert result == {"found": 12, "sameTick": 1, "oneByOne": 12}
