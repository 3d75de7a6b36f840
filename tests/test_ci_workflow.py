"""The example GitHub Actions workflow: its shape, and its handrail steps run for real (in bash,
in a temporary repository, against a local stand-in for the GitHub API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT
from tests.test_ci_diffbase import GIT_ENV, git, init_repo
from tests.test_ci_formats import _sarif_schema
from tests.test_ci_post import REVIEWS, FakeGitHub, github  # noqa: F401  (fixture)
from tests.test_cli import ROUTE

WORKFLOW = ROOT / ".github" / "workflows" / "handrail.yml"


def _workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return data


def _steps() -> dict[str, dict[str, Any]]:
    [job] = _workflow()["jobs"].values()
    return {step.get("name") or step.get("uses") or step["run"]: step for step in job["steps"]}


def test_the_workflow_scans_uploads_sarif_and_reviews_pull_requests() -> None:
    workflow = _workflow()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and "push" in triggers
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "security-events": "write", "pull-requests": "write"}
    steps = _steps()
    checkout = steps["actions/checkout@v4"]["with"]
    assert checkout["fetch-depth"] == 0 and "pull_request.head.sha" in checkout["ref"]
    upload = steps["Upload SARIF to code scanning"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    pull, push = steps["handrail (pull request)"], steps["handrail (push)"]
    for step in (pull, push):
        assert step["run"].startswith("handrail ci ") and "--format github" in step["run"]
        assert f"--sarif {upload['with']['sarif_file']}" in step["run"]
    assert "--post" in pull["run"] and '--diff-base "origin/$BASE_REF"' in pull["run"]
    assert pull["env"] == {"GITHUB_TOKEN": "${{ github.token }}", "BASE_REF": "${{ github.base_ref }}"}
    assert pull["if"] == "github.event_name == 'pull_request'"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A pull request's head checked out the way the workflow does it (origin/main fetched)."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (root / "src" / "users.ts").write_text(ROUTE)
    init_repo(root)
    git(root, "update-ref", "refs/remotes/origin/main", "main")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "src" / "users.ts").write_text(ROUTE.replace("max(100)", "max(50)"))
    git(root, "commit", "-q", "-am", "smaller pages")
    return root


def _run_step(step: dict[str, Any], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **GIT_ENV, "HANDRAIL_PATHS": ".", "NO_COLOR": "1", **env}
    full["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_pull_request_step_runs(checkout: Path, github: FakeGitHub) -> None:  # noqa: F811
    event = checkout.parent / "event.json"
    head = git(checkout, "rev-parse", "HEAD").strip()
    event.write_text(json.dumps({"pull_request": {"number": 7, "head": {"sha": head}}}))
    env = {
        "BASE_REF": "main",
        "GITHUB_TOKEN": "ghs_token",
        "GITHUB_REPOSITORY": "octo/shop",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": github.url,
    }
    result = _run_step(_steps()["handrail (pull request)"], checkout, env)
    assert result.returncode == 1, result.stderr  # a new finding fails the check
    assert result.stdout.startswith("::warning file=src/users.ts,line=6,")
    assert result.stdout.count("::warning") == 1
    sarif = json.loads((checkout / "handrail.sarif").read_text())
    jsonschema.validate(sarif, _sarif_schema())
    assert "limit: z.coerce.number()" in (checkout / "handrail.patch").read_text()
    review = json.loads((checkout / "handrail-review.json").read_text())
    [posted] = [r for r in github.requests if r.method == "POST"]
    assert posted.path == REVIEWS and posted.body == review


def test_the_push_step_runs(checkout: Path) -> None:
    git(checkout, "checkout", "-q", "main")
    result = _run_step(_steps()["handrail (push)"], checkout, {})
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("::warning file=src/users.ts") == 2
    sarif = json.loads((checkout / "handrail.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 2
