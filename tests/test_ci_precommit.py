"""The pre-commit hooks, run by the real `pre-commit` in a temporary git repository.

pre-commit installs a `language: python` hook repository into a fresh virtualenv with pip,
which needs the network. The test instead declares the manifest's hooks as `repo: local`
hooks with `language: system`, so pre-commit runs the handrail installed next to the tests;
everything else (entry, file filter, serial runs) comes from .pre-commit-hooks.yaml as is,
and pre-commit's own validator checks the manifest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_ci_diffbase import GIT_ENV, git, init_repo
from tests.test_cli import FIXED_ROUTE, ROUTE

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
    assert found, "pre-commit is not installed (pip install -e '.[dev]')"
    return found


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        **GIT_ENV,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # the handrail under test
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
    }


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_manifest_is_valid() -> None:
    result = subprocess.run(
        [_pre_commit(), "validate-manifest", str(MANIFEST)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ids = [hook["id"] for hook in yaml.safe_load(MANIFEST.read_text())]
    assert ids == ["handrail", "handrail-fix"]


def test_the_hooks_block_a_bad_commit_and_fix_it(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    hooks = [{**hook, "language": "system"} for hook in yaml.safe_load(MANIFEST.read_text())]
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    init_repo(repo)
    installed = _run([_pre_commit(), "install"], repo, env)
    assert installed.returncode == 0, installed.stderr

    # Only the file types handrail reads are passed to it.
    (repo / "notes.md").write_text("z.number()\n")
    git(repo, "add", "notes.md")
    assert _run(["git", "commit", "-q", "-m", "notes"], repo, env).returncode == 0

    route = repo / "src" / "users.ts"
    route.write_text(ROUTE)
    git(repo, "add", "src/users.ts")
    blocked = _run(["git", "commit", "-q", "-m", "users route"], repo, env)
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr  # git shows a hook's output on stderr
    assert "5:9  zod/coerce-number" in output and "src/users.ts" in output  # the report hook
    assert "files were modified by this hook" in output and "fixed src/users.ts" in output
    assert route.read_text() == FIXED_ROUTE  # handrail-fix applied the safe fixes

    git(repo, "add", "src/users.ts")
    done = _run(["git", "commit", "-q", "-m", "users route, fixed"], repo, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(repo, "show", "HEAD:src/users.ts") == FIXED_ROUTE


def test_the_report_hook_alone_names_the_findings(tmp_path: Path, env: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (repo / "src" / "users.ts").write_text(ROUTE)
    [report, _] = yaml.safe_load(MANIFEST.read_text())
    config = {"repos": [{"repo": "local", "hooks": [{**report, "language": "system"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    init_repo(repo)
    result = _run([_pre_commit(), "run", "handrail", "--files", "src/users.ts"], repo, env)
    assert result.returncode == 1
    assert "5:9  zod/coerce-number" in result.stdout and "2 findings in 1 file" in result.stdout
    assert (repo / "src" / "users.ts").read_text() == ROUTE
