"""The token-refresh race, measured for real.

fixtures/auth-refresh holds a notes API (Express, rotating refresh tokens: each one is good for
one use) and two client modules that refresh after a 401 (an axios interceptor, a fetch
wrapper). scripts/race.ts starts the API on 127.0.0.1 (ephemeral port), logs in through a
client, swaps in an expired access token and fires N requests at once; the server counts the
refresh calls. Before `handrail fix` every 401 refreshes (N refreshes, and rotation rejects most
of them); after it, one refresh serves all N requests. The rewritten clients must type-check.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from handrail.codemods.auth.refresh_token_rotation import RefreshTokenRotation
from handrail.engine.config import Config
from handrail.engine.model import Applicability
from handrail.engine.runner import Settings, fix, scan
from tests.conftest import ROOT, run_handrail, tree

FIXTURE = ROOT / "fixtures" / "auth-refresh"
CASES = ROOT / "tests" / "cases" / "auth"
N = 10
CLIENTS = ("axios", "fetch")
CLIENT_MODULES = {"src/client/api.ts", "src/client/http.ts"}
TIMEOUT = 120  # seconds for one node process (tsx/tsc start-up included); race.ts gives up after 20


@pytest.fixture(scope="session")
def auth_node_modules() -> Path:
    """The fixture's npm packages, installed once (npm ci installs the lockfile's exact tree)."""
    target = FIXTURE / "node_modules"
    if not (target / ".package-lock.json").is_file():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the refresh-race tests (.ci/run installs Node.js)"
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=FIXTURE, check=True, timeout=600
        )
    return target


@pytest.fixture
def project(tmp_path: Path, auth_node_modules: Path) -> Path:
    copy = tmp_path / "auth-refresh"
    shutil.copytree(FIXTURE, copy, ignore=shutil.ignore_patterns("node_modules", ".handrail_cache"))
    (copy / "node_modules").symlink_to(auth_node_modules)
    return copy


def _node_tool(project: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(project / "node_modules" / ".bin" / name), *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _race(project: Path, client: str) -> dict[str, Any]:
    result = _node_tool(project, "tsx", "scripts/race.ts", client, str(N))
    assert result.returncode == 0, result.stdout + result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["requests"] == N
    assert outcome["succeeded"] + outcome["failed"] == N
    return outcome


def _typecheck(project: Path) -> None:
    result = _node_tool(project, "tsc", "--noEmit", "-p", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def _findings(project: Path) -> list[str]:
    result = run_handrail(["scan", "--format", "json", "--select", "auth/", "."], project)
    assert result.exit_code in (0, 1), result.stderr
    return sorted(f"{f['path']} {f['rule']}" for f in json.loads(result.stdout)["findings"])


def test_fixture_findings_are_the_two_unguarded_clients(project: Path) -> None:
    # The server rotates (consumes each refresh token), checks the token type and reads the
    # body: no auth/refresh-token-rotation finding. The clients race.
    assert _findings(project) == [
        "src/client/api.ts auth/refresh-token-race",
        "src/client/http.ts auth/refresh-token-race",
    ]


@pytest.mark.parametrize("client", CLIENTS)
def test_before_the_fix_every_401_refreshes_and_rotation_rejects_most(project: Path, client: str) -> None:
    outcome = _race(project, client)
    assert outcome["refreshCalls"] == N, outcome
    # All N refreshes present the same token; the first one consumes it, so the others fail and
    # their clients log out: some requests fail.
    assert outcome["failed"] >= 1, outcome


def test_after_the_fix_one_refresh_serves_all_requests(project: Path) -> None:
    _typecheck(project)
    before = tree(project)
    result = run_handrail(["fix", "--unsafe-fixes", "--select", "auth/", "."], project)
    assert result.exit_code == 0, result.stdout + result.stderr
    after = tree(project)
    assert {path for path in after if after[path] != before.get(path)} == CLIENT_MODULES

    _typecheck(project)
    for client in CLIENTS:
        outcome = _race(project, client)
        assert outcome["refreshCalls"] == 1, outcome
        assert outcome["succeeded"] == N, outcome

    again = run_handrail(["fix", "--unsafe-fixes", "--select", "auth/", "."], project)
    assert again.exit_code == 0, again.stderr
    assert tree(project) == after
    assert _findings(project) == []


# The TypeScript trees (the JavaScript ones have nothing for tsc to check).
RACE_CASES = sorted(
    p
    for p in (CASES / "refresh-token-race").glob("*/*")
    if p.name in ("before", "after") and any(p.rglob("*.ts"))
)


@pytest.mark.parametrize("tree_dir", RACE_CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_race_case_trees_type_check(tree_dir: Path, tmp_path: Path, auth_node_modules: Path) -> None:
    """Every TypeScript before/after tree of the race cases compiles (axios, DOM and Node types)."""
    copy = tmp_path / "case"
    shutil.copytree(tree_dir, copy)
    (copy / "node_modules").symlink_to(auth_node_modules)
    shutil.copy(FIXTURE / "tsconfig.json", copy / "tsconfig.json")
    result = _node_tool(copy, "tsc", "--noEmit", "-p", ".", "--noUnusedLocals")
    assert result.returncode == 0, result.stdout + result.stderr


ROTATION_CASES = sorted((CASES / "refresh-token-rotation").glob("*/before"))


@pytest.mark.parametrize("before", ROTATION_CASES, ids=lambda p: p.parent.name)
def test_rotation_suggestions_apply_and_leave_nothing_to_report(before: Path, tmp_path: Path) -> None:
    """Applying the suggestions (which `fix` never does) gives code the rule accepts."""
    root = tmp_path / "project"
    shutil.copytree(before, root)

    def settings() -> Settings:
        return Settings(
            paths=[root], cwd=root, config=Config(base=root), rules=[RefreshTokenRotation], jobs=1
        )

    result = scan(settings())
    outcome = fix(result, Applicability.SUGGESTION, write=True)
    assert not [f for f in outcome.files if f.error is not None]
    assert len(outcome.changed) == len({f.path for f in result.findings if f.fix is not None})
    assert scan(settings()).findings == []
