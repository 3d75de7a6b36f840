"""`ci --github-review FILE`: the body of a pull request review with one-click suggestions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_handrail
from tests.test_ci_diffbase import git, init_repo
from tests.test_cli import FIXED_ROUTE, ROUTE

DEMO = ROOT / "fixtures" / "express-prisma-zod"
SUGGESTION = re.compile(r"^(`{3,})suggestion\n(.*?)^\1$", re.M | re.S)

MERGED = """\
import express from "express";
import { z } from "zod";

const ListQuery = z.object({
  page: z.number({
    message: "page must be a number",
  }).int(), limit: z.number().optional(),
});

export const router = express.Router();

router.get("/users", (req, res) => {
  const query = ListQuery.parse(req.query);
  res.json({ page: query.page, limit: query.limit });
});
"""


def _project(root: Path, route: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (root / "src" / "users.ts").write_text(route)
    return root


def _review(root: Path, *args: str) -> dict[str, Any]:
    result = run_handrail(["ci", "--quiet", "--github-review", "review.json", *args], root)
    assert result.exit_code == 1, result.stderr
    review: dict[str, Any] = json.loads((root / "review.json").read_text())
    return review


def _suggested(body: str) -> list[str] | None:
    match = SUGGESTION.search(body)
    return None if match is None else match.group(2).splitlines()


def _apply(text: str, comments: list[dict[str, Any]]) -> str:
    """Commit every suggestion, the way GitHub does: lines start_line..line are replaced."""
    lines = text.splitlines()
    for comment in sorted(comments, key=lambda c: c["line"], reverse=True):
        new = _suggested(comment["body"])
        if new is not None:
            lines[comment.get("start_line", comment["line"]) - 1 : comment["line"]] = new
    return "\n".join(lines) + "\n"


def test_one_suggestion_per_line_with_the_exact_new_line(tmp_path: Path) -> None:
    root = _project(tmp_path, ROUTE)
    review = _review(root)
    assert review["event"] == "COMMENT"
    assert review["body"].startswith(
        "**handrail** found 2 problems in the files checked: 2 comments, 2 with a one-click suggestion."
    )
    assert "- `zod/coerce-number`: 2" in review["body"]
    first, second = review["comments"]
    assert first == {"path": "src/users.ts", "line": 5, "side": "RIGHT", "body": first["body"]}
    assert _suggested(first["body"]) == ["  page: z.coerce.number().int().min(1),"]
    assert _suggested(second["body"]) == ["  limit: z.coerce.number().max(100).optional(),"]
    assert second["line"] == 6 and "start_line" not in second
    body = first["body"]
    assert body.startswith("**zod/coerce-number** (safe fix): z.number() on `page`")
    assert "<summary>Why this matters</summary>" in body and "Query strings" in body
    assert re.search(r"<!-- handrail:[0-9a-f]{32} -->", body)
    assert _apply(ROUTE, review["comments"]) == FIXED_ROUTE


def test_overlapping_findings_merge_into_one_multi_line_suggestion(tmp_path: Path) -> None:
    root = _project(tmp_path, MERGED)
    [comment] = _review(root)["comments"]
    assert (comment["start_line"], comment["start_side"], comment["line"], comment["side"]) == (
        5,
        "RIGHT",
        7,
        "RIGHT",
    )
    assert _suggested(comment["body"]) == [
        "  page: z.coerce.number({",
        '    message: "page must be a number",',
        "  }).int(), limit: z.coerce.number().optional(),",
    ]
    assert comment["body"].count("**zod/coerce-number**") == 2
    assert len(re.findall(r"<!-- handrail:", comment["body"])) == 2


def test_the_fence_outgrows_backticks_in_the_code(tmp_path: Path) -> None:
    route = ROUTE.replace("page: z.number().int().min(1),", 'page: z.number().describe("```md"),')
    [first, _] = _review(_project(tmp_path, route))["comments"]
    assert "````suggestion\n" + '  page: z.coerce.number().describe("```md"),\n````' in first["body"]
    assert _suggested(first["body"]) == ['  page: z.coerce.number().describe("```md"),']


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("node_modules", ".handrail_cache"))
    return root, _review(root)


def test_a_fix_spanning_lines_is_one_multi_line_suggestion(demo_review: tuple[Path, dict[str, Any]]) -> None:
    _, review = demo_review
    comments = [c for c in review["comments"] if c["path"] == "src/routes/dashboard.ts"]
    multi = [c for c in comments if "start_line" in c]
    assert multi, comments
    for comment in multi:
        assert comment["start_side"] == "RIGHT" and comment["start_line"] < comment["line"]
    # The import a logger fix needs is its own suggestion, which says whose fix it completes.
    [logger_import] = [c for c in comments if "import { logger }" in c["body"]]
    assert "Part of the fix for **errors/catch-console-log**" in logger_import["body"]


def test_committing_every_suggestion_gives_what_fix_writes(
    demo_review: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, review = demo_review
    fixed = tmp_path / "fixed"
    shutil.copytree(root, fixed)
    run_handrail(["fix", "--unsafe-fixes", "--quiet"], fixed)
    by_path: dict[str, list[dict[str, Any]]] = {}
    for comment in review["comments"]:
        by_path.setdefault(comment["path"], []).append(comment)
    # Suggestion-level fixes are offered in a review but never applied by `fix`.
    with_suggestions = {"src/routes/users.ts", "src/schemas/user.ts"}
    compared = 0
    for path, comments in by_path.items():
        if path in with_suggestions or not any(_suggested(c["body"]) is not None for c in comments):
            continue
        assert _apply((root / path).read_text(), comments) == (fixed / path).read_text(), path
        compared += 1
    assert compared >= 8


def test_diff_base_keeps_comments_inside_the_pull_requests_diff(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("node_modules", ".handrail_cache"))
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    orders, user = root / "src" / "routes" / "orders.ts", root / "src" / "schemas" / "user.ts"
    orders.write_text(
        orders.read_text().replace('console.log("Error:", error);', 'console.log("Failed:", error);', 1)
    )
    user.write_text(user.read_text().replace("minAge: z.number().int()", "minAge: z.number().int().min(0)"))
    review = _review(root, "--diff-base", "main")
    by_path = {c["path"]: c for c in review["comments"]}
    assert set(by_path) == {"src/routes/orders.ts", "src/schemas/user.ts"}
    assert by_path["src/schemas/user.ts"]["line"] == 20
    assert _suggested(by_path["src/schemas/user.ts"]["body"]) == [
        "  minAge: z.coerce.number().int().min(0).optional(),"
    ]
    # The logger fix also needs an import far above the change: no half suggestion, a diff.
    orders_comment = by_path["src/routes/orders.ts"]
    assert orders_comment["line"] == 32 and _suggested(orders_comment["body"]) is None
    assert (
        "```diff\n" in orders_comment["body"]
        and '+import { logger } from "../lib/logger";' in orders_comment["body"]
    )
    body = review["body"]
    assert body.startswith("**handrail** found 2 problems on the lines this pull request changes")
    assert "1 finding with a fix that also changes lines outside the diff" in body
    assert re.search(r"\d+ more findings not reported: \d+ on lines unchanged since main\.", body)
