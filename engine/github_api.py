"""Posting a review to the pull request a GitHub Actions run is for (`ci --post`).

Everything comes from the variables Actions sets: GITHUB_TOKEN (passed to the step),
GITHUB_REPOSITORY, GITHUB_EVENT_PATH (the event payload, which names the pull request and its
head commit) and GITHUB_API_URL (GitHub Enterprise sets its own). Only the standard library
talks HTTP, so the package gains no dependency for one request.

Comments a previous run already made are recognised by the fingerprints hidden in their
bodies and not posted again, so a push to a pull request does not repeat every suggestion.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from handrail.engine import __version__

API_VERSION = "2022-11-28"
TIMEOUT = 30  # seconds per request
MAX_PAGES = 30  # existing comments are read 100 at a time; a bound, not a limit in practice
MARKER = re.compile(r"<!-- handrail:([0-9a-f]+) -->")


class PostError(Exception):
    """The review cannot be posted; the message is one line for the user."""


@dataclass(frozen=True)
class PullRequest:
    api: str  # base URL, no trailing slash
    repository: str  # owner/name
    number: int
    token: str
    head: str | None  # the head commit the event names

    @property
    def base(self) -> str:
        owner, name = self.repository.split("/", 1)
        return f"{self.api}/repos/{quote(owner, safe='')}/{quote(name, safe='')}/pulls/{self.number}"


def read_event(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The Actions event payload, or None outside Actions (or when it cannot be read)."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError):
        return None
    return event if isinstance(event, dict) else None


def head_commit(event: Mapping[str, Any] | None) -> str | None:
    pull = event.get("pull_request") if event else None
    head = pull.get("head") if isinstance(pull, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) else None


def pull_request(env: Mapping[str, str]) -> PullRequest:
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise PostError(
            "--post needs GITHUB_TOKEN (give it to the step: `GITHUB_TOKEN: ${{ github.token }}`)"
        )
    repository = env.get("GITHUB_REPOSITORY", "")
    if not re.fullmatch(r"[^/\s]+/[^/\s]+", repository):
        raise PostError(f"--post needs GITHUB_REPOSITORY as owner/name, got {repository!r}")
    if not env.get("GITHUB_EVENT_PATH"):
        raise PostError("--post needs GITHUB_EVENT_PATH, which GitHub Actions sets")
    event = read_event(env)
    if event is None:
        raise PostError(f"--post: cannot read the event payload {env['GITHUB_EVENT_PATH']}")
    pull = event.get("pull_request")
    number = pull.get("number") if isinstance(pull, dict) else None
    if not isinstance(number, int):
        raise PostError("--post works on pull_request events; this event names no pull request")
    api = env.get("GITHUB_API_URL") or "https://api.github.com"
    return PullRequest(api.rstrip("/"), repository, number, token, head_commit(event))


def _request(pr: PullRequest, url: str, payload: Any = None) -> tuple[Any, str]:
    """(decoded JSON, Link header) of one API call; PostError on any failure."""
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if data is None else "POST",
        headers={
            "Authorization": f"Bearer {pr.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"handrail/{__version__}",
            **({"Content-Type": "application/json"} if data is not None else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
            link = response.headers.get("Link", "")
    except urllib.error.HTTPError as exc:
        detail = _reason(exc)
        raise PostError(f"GitHub answered HTTP {exc.code} to {request.method} {url}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        cause = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise PostError(f"cannot reach the GitHub API at {pr.api}: {cause}") from None
    try:
        return (json.loads(body) if body else None), link
    except ValueError:
        raise PostError(f"GitHub answered {request.method} {url} with something other than JSON") from None


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read() or b"null")
    except (OSError, ValueError):
        detail = None
    if not isinstance(detail, dict):
        return str(error.reason)
    parts = [str(detail.get("message") or error.reason)]
    for error_detail in detail.get("errors") or []:
        if isinstance(error_detail, dict):
            parts.append(str(error_detail.get("message") or json.dumps(error_detail)))
        else:
            parts.append(str(error_detail))
    return " ".join("; ".join(parts).split())[:500]


def posted_markers(pr: PullRequest) -> set[str]:
    """Fingerprints in the review comments already on the pull request."""
    found: set[str] = set()
    for page in range(1, MAX_PAGES + 1):
        comments, link = _request(pr, f"{pr.base}/comments?per_page=100&page={page}")
        if not isinstance(comments, list):
            raise PostError("GitHub answered the list of review comments with something other than a list")
        for comment in comments:
            body = comment.get("body") if isinstance(comment, dict) else None
            found.update(MARKER.findall(body or ""))
        if 'rel="next"' not in link:
            break
    return found


def unposted(review: Mapping[str, Any], posted: set[str]) -> dict[str, Any]:
    """The review without the comments whose findings all have a comment already (a comment
    naming no finding, a follow-up of other fixes, is always kept)."""
    fresh = [c for c in review["comments"] if not posted.issuperset(MARKER.findall(c["body"]) or [""])]
    return {**review, "comments": fresh}


def post_review(pr: PullRequest, review: Mapping[str, Any]) -> str:
    """Create the review; returns its URL."""
    answer, _ = _request(pr, f"{pr.base}/reviews", review)
    url = answer.get("html_url") if isinstance(answer, dict) else None
    return url if isinstance(url, str) else f"{pr.base}/reviews"
