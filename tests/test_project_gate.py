"""Project gates (`Rule.project_requires`): a rule that can only apply where some file of the
project matches (the Zod rules need a file that imports zod) runs on the other files only
once one has matched, and never parses them in a project where none does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import handrail.engine.analyze as analyze
import handrail.engine.runner as runner
from tests.conftest import run_handrail

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

SCHEMA = 'import { z } from "zod";\nexport const Query = z.object({ page: z.number() });\n'
# No Zod import here: only this file shows that `Query` parses query strings.
ROUTE = 'import { Query } from "./schema";\nexport const page = (req: any) => Query.parse(req.query).page;\n'
PLAIN = "export const add = (a: number, b: number) => a + b;\n"


@pytest.fixture
def zod_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the Zod rules ran on (not deferred, not gated off), by display path."""
    calls: list[str] = []
    real = analyze.analyze_text

    def counting(path: Path, display: str, text: str, *args: Any, opened: Any = None) -> analyze.Analysis:
        if len(args) > 4:  # `opened` given by position
            *args, opened = args
        analysis = real(path, display, text, *args, opened=opened)
        if "zod/coerce-number" in analysis.opens or (opened and "zod/coerce-number" in opened):
            calls.append(display)
        return analysis

    monkeypatch.setattr(analyze, "analyze_text", counting)
    return calls


def _findings(project: Path, *extra: str) -> list[tuple[str, str, str]]:
    result = run_handrail(["scan", "--format", "json", "--select", "zod/", *extra], project)
    assert result.exit_code in (0, 1), result.output
    found = json.loads(result.stdout)["findings"]
    return [(f["path"], f["rule"], f["fix"]["applicability"]) for f in found]


def _project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "package.json").write_text('{"dependencies": {"zod": "^3.23.0"}}\n')
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def test_a_file_without_zod_still_decides_a_schema_of_its_project(tmp_path: Path) -> None:
    project = _project(tmp_path / "api", {"schema.ts": SCHEMA, "route.ts": ROUTE})
    # Safe only because route.ts, run after schema.ts opened the project, shows the query use.
    expected = [("schema.ts", "zod/coerce-number", "safe")]
    assert _findings(project, "--no-cache", "--jobs", "1") == expected
    assert _findings(project, "--jobs", "1") == expected  # fills the cache
    assert _findings(project, "--jobs", "1") == expected  # served from it


def test_the_cache_keeps_what_the_deferred_rules_found(tmp_path: Path, zod_runs: list[str]) -> None:
    project = _project(tmp_path / "api", {"schema.ts": SCHEMA, "route.ts": ROUTE})
    _findings(project, "--jobs", "1")
    assert sorted(zod_runs) == ["route.ts", "schema.ts"]
    zod_runs.clear()
    _findings(project, "--jobs", "1")
    assert zod_runs == []


def test_no_file_of_a_project_without_zod_is_run_for_the_zod_rules(
    tmp_path: Path, zod_runs: list[str]
) -> None:
    with_zod = _project(tmp_path / "api", {"schema.ts": SCHEMA, "route.ts": ROUTE})
    without = _project(tmp_path / "tools", {"route.ts": ROUTE, "plain.ts": PLAIN})
    assert _findings(tmp_path, "--no-cache", "--jobs", "1") == [
        ("api/schema.ts", "zod/coerce-number", "safe")
    ]
    assert sorted(zod_runs) == ["api/route.ts", "api/schema.ts"]  # none of tools' files
    assert with_zod.is_dir() and without.is_dir()


def test_a_gate_opened_later_reaches_files_the_warm_index_vouched_for(
    tmp_path: Path, zod_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A warm run takes route.ts on trust (no job, its Zod rules still deferred): once schema.ts
    # imports zod, route.ts must still be run for them, or the fix is not known to be safe.
    later = time.time_ns() + 60 * 10**9  # the files were saved well before the runs
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    untyped = "export const Query = { parse: (query: any) => query };\n"
    project = _project(tmp_path / "api", {"schema.ts": untyped, "route.ts": ROUTE})
    assert _findings(project, "--jobs", "1") == []
    assert _findings(project, "--jobs", "1") == []  # warm: route.ts taken on trust
    assert zod_runs == []
    (project / "schema.ts").write_text(SCHEMA)
    assert _findings(project, "--jobs", "1") == [("schema.ts", "zod/coerce-number", "safe")]
    assert sorted(zod_runs) == ["route.ts", "schema.ts"]


@pytest.mark.parametrize(
    "more", ["", "\n\ndef main():\n    try:\n        pass\n    except OSError as e:\n        print(e)\n"]
)
def test_a_gate_opened_later_still_runs_on_files_cached_before(tmp_path: Path, more: str) -> None:
    # reports.py takes select/Session from shop.db: it never opens the SQLAlchemy gate itself.
    # On the first run no file imports SQLAlchemy (only Django), so the cache must remember
    # that the SQLAlchemy rule has not run on reports.py yet.
    shop = FIXTURES / "sqlalchemy-shop"
    project = tmp_path / "app"
    (project / "shop").mkdir(parents=True)
    (project / "requirements.txt").write_text((shop / "requirements.txt").read_text())
    (project / "shop/__init__.py").write_text("")
    reports = (shop / "shop/reports.py").read_text()
    reports = reports.replace("from sqlalchemy import select\n", "from shop.db import select\n")
    reports = reports.replace("from sqlalchemy.orm import Session\n", "from shop.db import Session\n")
    (project / "shop/reports.py").write_text(reports + more)  # with `more`, a finding of its own
    (project / "shop/notes.py").write_text(
        "from django.db import models\n\n\nclass Note(models.Model):\n    pass\n"
    )
    assert all(rule == "errors/except-print" for _, rule in _findings_of(project))
    (project / "shop/models.py").write_text((shop / "shop/models.py").read_text())
    (project / "shop/db.py").write_text(
        "from sqlalchemy import select\nfrom sqlalchemy.orm import DeclarativeBase, Session\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n"
    )
    expected = _findings_of(project, "--no-cache")
    assert ("shop/reports.py", "sqlalchemy/n-plus-one") in expected
    assert _findings_of(project) == expected


def test_a_gate_closed_again_drops_what_the_cache_kept_from_when_it_was_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # services.py never imports django; db.py opens the gate for a while. Once db.py is
    # gone, services.py's cached analysis (made with the gate open) must not speak.
    later = time.time_ns() + 60 * 10**9  # the files were saved well before the runs
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    case = Path(__file__).parent / "cases/django/n-plus-one/per-row-query/before"
    project = tmp_path / "app"
    (project / "shop").mkdir(parents=True)
    (project / "requirements.txt").write_text((case / "requirements.txt").read_text())
    models = (case / "shop/models.py").read_text()
    plain_models = "".join(line for line in models.splitlines(True) if not line.startswith("from django"))
    (project / "shop/models.py").write_text(plain_models)  # the models, without their imports
    (project / "shop/services.py").write_text(
        "from shop.models import Order, OrderItem\n\n\ndef totals():\n    out = {}\n"
        "    for order in Order.objects.all():\n"
        "        for item in OrderItem.objects.filter(order_id=order.id):\n"
        "            out[order.id] = item.product.price\n    return out\n"
    )
    assert _findings_of(project, "--select", "django/") == []
    (project / "shop/db.py").write_text("import django\n")
    opened = _findings_of(project, "--select", "django/")
    assert opened == [("shop/services.py", "django/n-plus-one")] == _findings_of(project, "--no-cache")
    (project / "shop/db.py").unlink()
    assert _findings_of(project, "--select", "django/", "--no-cache") == []
    assert _findings_of(project, "--select", "django/") == []  # services.py from the index: silent


def _findings_of(project: Path, *extra: str) -> list[tuple[str, str]]:
    result = run_handrail(["scan", "--format", "json", "--jobs", "1", *extra], project)
    assert result.exit_code in (0, 1), result.output
    return [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_a_file_rewritten_between_the_two_passes_does_not_poison_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "api", {"schema.ts": SCHEMA, "route.ts": ROUTE})
    route = project / "route.ts"
    caught = "try { run(); } catch (err) { console.log(err); }\n"
    rewritten = caught.ljust(len(ROUTE) - 1) + "\n"  # the same size
    real = runner._Gathered.run_deferred

    def save_then_run(self: runner._Gathered, *args: Any) -> None:
        # An editor's save between the passes, keeping the modification time (cp -p does).
        stamp = route.stat()
        route.write_text(rewritten)
        os.utime(route, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        real(self, *args)

    monkeypatch.setattr(runner._Gathered, "run_deferred", save_then_run)
    run_handrail(["scan", "--jobs", "1"], project)
    monkeypatch.setattr(runner._Gathered, "run_deferred", real)
    truth = _findings_of(project, "--no-cache")
    assert ("route.ts", "errors/catch-console-log") in truth
    assert _findings_of(project) == truth
