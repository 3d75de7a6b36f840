"""The bundled demo backend: handrail finds exactly what EXPECTED.md lists, and the fixed app
still type-checks with the real TypeScript compiler and the generated Prisma client."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_handrail, tree

DEMO = ROOT / "fixtures" / "express-prisma-zod"
EXPECTED = DEMO / "EXPECTED.md"


def _expected_findings() -> list[str]:
    block = re.search(r"```text\n(.*?)```", EXPECTED.read_text(), re.S)
    assert block, "EXPECTED.md lists its findings in a ```text block"
    return sorted(line.strip() for line in block.group(1).splitlines() if line.strip())


def _findings(stdout: str) -> list[str]:
    rows = []
    for f in json.loads(stdout)["findings"]:
        applicability = f["fix"]["applicability"] if f["fix"] else "none"
        rows.append(f"{f['path']}:{f['line']}:{f['column']} {f['rule']} {applicability}")
    return sorted(rows)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The demo's npm packages, installed once (npm ci is the lockfile's exact tree)."""
    target = DEMO / "node_modules"
    if not (target / ".package-lock.json").is_file():
        npm = shutil.which("npm")
        assert npm, "npm is needed for the type-check tests (.ci/run installs Node.js)"
        # --ignore-scripts: Prisma's install scripts would try to download engines.
        subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=DEMO, check=True)
    return target


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Path]:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy, ignore=shutil.ignore_patterns("node_modules", "generated"))
    yield copy


def _typecheck(project: Path, node_modules: Path) -> None:
    link = project / "node_modules"
    if not link.exists():
        link.symlink_to(node_modules)
    env = {**os.environ, "PRISMA_SCHEMA_ENGINE_BINARY": "/bin/true"}
    result = subprocess.run(
        ["npm", "run", "--silent", "typecheck"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_scan_finds_exactly_what_expected_md_lists(demo: Path) -> None:
    result = run_handrail(["scan", "--format", "json"], demo)
    assert result.exit_code == 1, result.stderr
    assert _findings(result.stdout) == _expected_findings()
    summary = json.loads(result.stdout)["summary"]
    assert summary["by_rule"]["zod/coerce-number"] == 24  # 23 z.number() fields and one z.bigint()


def test_unsafe_fixes_rewrite_all_23_fields_and_the_app_still_type_checks(
    demo: Path, node_modules: Path
) -> None:
    _typecheck(demo, node_modules)
    shutil.rmtree(demo / "src" / "generated")
    dist = tree(demo / "dist")

    result = run_handrail(["fix", "--unsafe-fixes", "."], demo)
    assert result.exit_code == 1, result.stderr  # the suggestions remain
    schemas = "".join(p.read_text() for p in sorted((demo / "src").rglob("*.ts")))
    before = "".join(p.read_text() for p in sorted((DEMO / "src").rglob("*.ts")))
    new_coerce = schemas.count("coerce.number(") - before.count("coerce.number(")
    assert new_coerce == 23
    assert tree(demo / "dist") == dist  # build output is never touched

    again = run_handrail(["scan", "--format", "json"], demo)
    left = _findings(again.stdout)
    assert all(row.endswith("suggestion") for row in left), left
    _typecheck(demo, node_modules)


def test_the_readme_demo_command_prints_a_patch_that_applies(demo: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=demo, check=True)
    before = tree(demo)
    result = run_handrail(["fix", "--diff", "--unsafe-fixes", "--exit-zero", "."], demo)
    assert result.exit_code == 0, result.stderr
    assert tree(demo) == before
    (demo / "x.patch").write_text(result.stdout)
    subprocess.run(["git", "apply", "x.patch"], cwd=demo, check=True)
    (demo / "x.patch").unlink()
    assert run_handrail(["fix", "--diff", "--unsafe-fixes", "."], demo).exit_code == 0
