"""`ci --post`: the review goes to GitHub's API, here a local server that checks every request."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import handrail.engine.github_api as github_api
from tests.conftest import run_handrail
from tests.test_ci_diffbase import git, repo  # noqa: F401  (fixture)
from tests.test_cli import ROUTE

TOKEN = "ghs_test-token"
REVIEWS = "/repos/octo/shop/pulls/7/reviews"
COMMENTS = "/repos/octo/shop/pulls/7/comments"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased: HTTP header names ignore case
    body: Any


@dataclass
class FakeGitHub:
    """What the server answers, and every request it received."""

    url: str = ""
    status: int = 200
    answer: Any = field(default_factory=lambda: {"html_url": "https://github.test/octo/shop/pull/7#review-1"})
    existing: list[dict[str, Any]] = field(default_factory=list)  # review comments already posted
    requests: list[Request] = field(default_factory=list)


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.requests.append(
                Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, None)
            )
            page = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 1
            self._reply(200, fake.existing if page == 1 else [])

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(
                Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            self._reply(fake.status, fake.answer)

        def log_message(self, *args: object) -> None:  # keep pytest's output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def actions(repo: Path, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    """The pull request branch of `repo`, with the variables GitHub Actions sets."""
    (repo / "src" / "users.ts").write_text(ROUTE.replace("max(100)", "max(50)"))
    git(repo, "commit", "-q", "-am", "smaller pages")
    head = git(repo, "rev-parse", "HEAD").strip()
    event = repo.parent / "event.json"
    event.write_text(
        json.dumps({"action": "synchronize", "pull_request": {"number": 7, "head": {"sha": head}}})
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/shop")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setattr(github_api, "TIMEOUT", 5)  # a broken test must not hang for long
    return repo


def test_posts_the_review_with_the_right_request(actions: Path, github: FakeGitHub) -> None:
    result = run_handrail(["ci", "--diff-base", "main", "--post", "--github-review", "review.json"], actions)
    assert result.exit_code == 1, result.stderr  # the finding still fails the check
    assert f"posted a review with 1 comment: {github.answer['html_url']}" in result.stderr
    listed, posted = github.requests
    assert (listed.method, listed.path) == ("GET", COMMENTS + "?per_page=100&page=1")
    assert (posted.method, posted.path) == ("POST", REVIEWS)
    for request in (listed, posted):
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"].startswith("handrail/")
    assert posted.headers["content-type"] == "application/json"
    head = git(actions, "rev-parse", "HEAD").strip()
    review = posted.body
    assert review == json.loads((actions / "review.json").read_text())
    assert review["commit_id"] == head and review["event"] == "COMMENT"
    [comment] = review["comments"]
    assert (comment["path"], comment["line"], comment["side"]) == ("src/users.ts", 6, "RIGHT")
    assert "```suggestion\n  limit: z.coerce.number().max(50).optional(),\n```" in comment["body"]
    assert "1 more finding not reported: 1 on lines unchanged since main." in review["body"]


def test_comments_posted_by_an_earlier_run_are_not_repeated(actions: Path, github: FakeGitHub) -> None:
    assert run_handrail(["ci", "--diff-base", "main", "--post"], actions).exit_code == 1
    github.existing = [{"body": c["body"]} for c in github.requests[-1].body["comments"]]
    github.requests.clear()
    result = run_handrail(["ci", "--diff-base", "main", "--post"], actions)
    assert result.exit_code == 1
    assert [r.method for r in github.requests] == ["GET"]
    assert "nothing new to post on pull request #7" in result.stderr


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (
            422,
            {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"]},
            "GitHub answered HTTP 422 to POST",
        ),
        (500, {"message": "Server Error"}, "GitHub answered HTTP 500 to POST"),
        (
            403,
            {"message": "Resource not accessible by integration"},
            "Resource not accessible by integration",
        ),
    ],
)
def test_a_refused_post_is_one_line_and_exit_2(
    actions: Path, github: FakeGitHub, status: int, answer: Any, expected: str
) -> None:
    github.status, github.answer = status, answer
    result = run_handrail(["ci", "--diff-base", "main", "--post", "--github-review", "review.json"], actions)
    assert result.exit_code == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("handrail: error: ") and expected in last
    if status == 422:
        assert "Unprocessable Entity; Line could not be resolved" in last
    assert "Traceback" not in result.stderr
    assert (actions / "review.json").is_file()  # the files are written before posting


def test_an_unreachable_api_is_one_line_and_exit_2(actions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    result = run_handrail(["ci", "--diff-base", "main", "--post"], actions)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        f"handrail: error: cannot reach the GitHub API at http://127.0.0.1:{port}"
    )


def test_missing_settings_are_usage_errors(
    actions: Path, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub
) -> None:
    no_base = run_handrail(["ci", "--post"], actions)
    assert no_base.exit_code == 2 and "--post needs --diff-base REF" in no_base.stderr
    monkeypatch.delenv("GITHUB_TOKEN")
    no_token = run_handrail(["ci", "--diff-base", "main", "--post"], actions)
    assert no_token.exit_code == 2 and no_token.stderr.startswith(
        "handrail: error: --post needs GITHUB_TOKEN"
    )
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    event = actions.parent / "push.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    push = run_handrail(["ci", "--diff-base", "main", "--post"], actions)
    assert push.exit_code == 2 and "works on pull_request events" in push.stderr
    assert github.requests == []


def test_a_checkout_other_than_the_head_is_warned_about(actions: Path, github: FakeGitHub) -> None:
    data = json.loads((actions.parent / "event.json").read_text())
    data["pull_request"]["head"]["sha"] = "0" * 40
    (actions.parent / "event.json").write_text(json.dumps(data))
    result = run_handrail(["ci", "--diff-base", "main", "--post"], actions)
    assert "is not the pull request's head (000000000000)" in result.stderr
    assert github.requests[-1].body["commit_id"] == "0" * 40
