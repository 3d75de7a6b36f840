"""`--diff-base REF` on scan, fix and ci, with real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_handrail
from tests.test_cli import ROUTE

GIT_ENV = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def init_repo(root: Path) -> Path:
    """A repository with everything under root committed on `main`."""
    git(root, "init", "-q", "-b", "main")
    with (root / ".gitignore").open("a") as ignore:
        ignore.write("\n.handrail_cache/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "users.ts").write_text(ROUTE)
    init_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    return tmp_path


def _lines(result_stdout: str) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in json.loads(result_stdout)["findings"]]


def test_scan_reports_only_findings_on_changed_lines(repo: Path) -> None:
    route = repo / "src" / "users.ts"
    assert run_handrail(["scan", "--diff-base", "main"], repo).exit_code == 0  # nothing changed yet
    route.write_text(ROUTE.replace("max(100)", "max(50)"))  # line 6, uncommitted
    result = run_handrail(["scan", "--format", "json", "--diff-base", "main"], repo)
    assert result.exit_code == 1
    assert _lines(result.stdout) == [("src/users.ts", 6)]
    text = run_handrail(["scan", "--diff-base", "main"], repo)
    assert "1 more finding not reported: 1 on lines unchanged since main." in text.stdout


def test_committed_and_new_tracked_files_count_untracked_do_not(repo: Path) -> None:
    (repo / "src" / "users.ts").write_text(ROUTE.replace("max(100)", "max(50)"))
    git(repo, "commit", "-q", "-am", "smaller pages")
    (repo / "src" / "orders.ts").write_text(ROUTE)
    (repo / "src" / "scratch.ts").write_text(ROUTE)
    git(repo, "add", "src/orders.ts")
    result = run_handrail(["scan", "--format", "json", "--diff-base", "main"], repo)
    assert _lines(result.stdout) == [("src/orders.ts", 5), ("src/orders.ts", 6), ("src/users.ts", 6)]


def test_the_diff_starts_at_the_merge_base_not_at_the_tip_of_ref(repo: Path) -> None:
    # main fixes line 5 after the branch left it: the branch's line 5 differs from main's tip,
    # but the branch never touched it.
    git(repo, "checkout", "-q", "main")
    (repo / "src" / "users.ts").write_text(ROUTE.replace("page: z.number()", "page: z.coerce.number()"))
    git(repo, "commit", "-q", "-am", "fix page on main")
    git(repo, "checkout", "-q", "feature")
    assert run_handrail(["scan", "--diff-base", "main"], repo).exit_code == 0


def test_fix_leaves_old_lines_alone_even_in_a_changed_file(repo: Path) -> None:
    route = repo / "src" / "users.ts"
    route.write_text(ROUTE.replace("max(100)", "max(50)"))
    result = run_handrail(["fix", "--diff-base", "main"], repo)
    assert result.exit_code == 0, result.stdout + result.stderr
    # The planner re-analyses after each pass and finds line 5 again: it must stay left out.
    assert route.read_text() == ROUTE.replace("max(100)", "max(50)").replace(
        "limit: z.number()", "limit: z.coerce.number()"
    )
    assert "Fixed 1 finding in 1 file." in result.stdout
    assert "1 more finding left alone: 1 on lines unchanged since main." in result.stdout


def test_ci_patch_holds_only_fixes_for_changed_lines(repo: Path) -> None:
    (repo / "src" / "users.ts").write_text(ROUTE.replace("max(100)", "max(50)"))
    result = run_handrail(["ci", "--diff-base", "main", "--patch", "fixes.patch", "--quiet"], repo)
    assert result.exit_code == 1
    patch = (repo / "fixes.patch").read_text()
    assert patch.count("\n+  ") == 1 and "+  limit: z.coerce.number().max(50).optional()," in patch


def test_git_errors_are_one_clear_line(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    unknown = run_handrail(["scan", "--diff-base", "nope"], repo)
    assert unknown.exit_code == 2
    assert (
        unknown.stderr
        == "handrail: error: --diff-base: unknown git revision 'nope' (in a shallow clone, fetch it first)\n"
    )
    outside = tmp_path_factory.mktemp("plain")
    (outside / "users.ts").write_text(ROUTE)
    result = run_handrail(["fix", "--diff-base", "main"], outside)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "needs a git repository" in result.stderr and str(outside) in result.stderr
    assert (outside / "users.ts").read_text() == ROUTE


def test_unrelated_histories_have_no_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "--orphan", "island")
    git(repo, "commit", "-q", "-m", "unrelated")
    result = run_handrail(["scan", "--diff-base", "feature"], repo)
    assert result.exit_code == 2 and "no common ancestor" in result.stderr


def test_paths_git_quotes_are_understood(repo: Path) -> None:
    odd = repo / "src" / 'café "quoted".ts'
    odd.write_text(ROUTE)
    git(repo, "add", "-A")
    result = run_handrail(["scan", "--format", "json", "--diff-base", "main"], repo)
    assert _lines(result.stdout) == [('src/café "quoted".ts', 5), ('src/café "quoted".ts', 6)]
