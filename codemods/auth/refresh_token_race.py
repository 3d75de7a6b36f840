"""auth/refresh-token-race: a client refreshes once per 401 instead of once per expiry."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ast_grep_py import SgNode

from handrail.engine.context import FileContext
from handrail.engine.languages import JS_LIKE, Language
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.project import ProjectFacts
from handrail.engine.rule import Example, Rule

if TYPE_CHECKING:
    from handrail.codemods.auth._client import Site

# The analysis helpers are imported inside the functions that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code.

RESOLVE_SUFFIXES = ("", ".ts", ".tsx", ".mts", ".js", ".jsx", ".mjs", "/index.ts", "/index.tsx", "/index.js")

EXAMPLE_BEFORE = """\
import axios from "axios";
import { getRefreshToken, setTokens } from "./tokens";

export const api = axios.create({ baseURL: "/api" });

api.interceptors.response.use(
  (response) => response,
  async (error) => {
    const original = error.config;
    if (error.response?.status === 401 && !original._retry) {
      original._retry = true;
      const { data } = await axios.post("/api/auth/refresh", { refreshToken: getRefreshToken() });
      setTokens(data.accessToken, data.refreshToken);
      original.headers.Authorization = `Bearer ${data.accessToken}`;
      return api(original);
    }
    return Promise.reject(error);
  },
);
"""

EXAMPLE_AFTER = """\
import axios from "axios";
import { getRefreshToken, setTokens } from "./tokens";

// One token refresh at a time (handrail: auth/refresh-token-race). A 401 that arrives while a
// refresh runs waits for it; a late 401 for a request sent before the last refresh finished
// (same `sentWith`) reuses that refresh instead of starting another.
let refreshInFlight = null;
let lastRefresh = null;
let refreshCount = 0;

function refreshOnce(sentWith, refresh) {
  if (lastRefresh !== null && sentWith != null && lastRefresh.sentWith === sentWith) {
    return Promise.resolve(lastRefresh.result);
  }
  if (refreshInFlight === null) {
    refreshInFlight = Promise.resolve(refresh())
      .then(
        (result) => {
          refreshCount += 1;
          lastRefresh = { sentWith, result };
          return result;
        },
        (error) => {
          lastRefresh = null;
          throw error;
        },
      )
      .finally(() => {
        refreshInFlight = null;
      });
  }
  return refreshInFlight;
}

export const api = axios.create({ baseURL: "/api" });

api.interceptors.response.use(
  (response) => response,
  async (error) => {
    const original = error.config;
    if (error.response?.status === 401 && !original._retry) {
      original._retry = true;
      const { data } = await refreshOnce(error.config?.headers?.Authorization, () => axios.post(\
"/api/auth/refresh", { refreshToken: getRefreshToken() }));
      setTokens(data.accessToken, data.refreshToken);
      original.headers.Authorization = `Bearer ${data.accessToken}`;
      return api(original);
    }
    return Promise.reject(error);
  },
);
"""


class RefreshTokenRace(Rule):
    id = "auth/refresh-token-race"
    languages = JS_LIKE
    summary = "A client refreshes the access token once per failed request: concurrent 401s race"
    why = (
        "An axios interceptor or fetch wrapper that calls the refresh endpoint whenever a request "
        "gets a 401 works when requests come one at a time. When the access token expires while "
        "a page fires ten requests, all ten get a 401 and all ten send a refresh request with the "
        "same refresh token. With refresh-token rotation on the server (each refresh token is "
        "good for one use) the first refresh wins and the other nine are rejected as reuse; the "
        "client then clears its tokens and the user is logged out, or the server revokes the "
        "whole session as a suspected replay. Retrying does not help: every retry is one more "
        "refresh with a dead token.\n\n"
        "A per-request flag such as `original._retry` or `config.sent` only stops one request "
        "from retrying twice; it is not shared, so it does not stop the ten refreshes. What "
        "does is one promise shared by all callers: the first 401 starts the refresh, the "
        "others wait for that same promise and replay their request with the new token."
    )
    fix_safety = Applicability.UNSAFE
    fix_safety_notes = (
        "Unsafe: the rewrite changes control flow on purpose. It adds a module-level "
        "`refreshOnce(sentWith, refresh)` helper and routes the 401 branch's refresh call "
        "through it, so concurrent callers share one in-flight promise (cleared when it "
        "settles) and get its result, or its error, instead of their own. Consequences: the "
        "refresh runs with the arguments of the first caller; callers that would each have "
        "logged a failure now share one; and a 401 for a request that was sent before the last "
        "refresh finished (same `Authorization` header for axios, same refresh count for a "
        "fetch wrapper that sends the request itself) reuses that refresh's result instead of "
        "refreshing again. That last part also means a request that was in flight across a "
        "logout can put the refreshed tokens back when its 401 arrives.\n\n"
        "A refresh through `fetch` shares one Response, so each caller gets "
        "`response.clone()` (a body can be read only once). Handlers inside a class or a "
        "factory function get the same change as a suggestion only: a module-level promise "
        "would be shared by every instance, also ones holding another user's session. There is "
        "no safe form: no rewrite of this shape keeps the program's behaviour, since fewer "
        "refreshes is the point."
    )
    notes = (
        "Recognised: an `if`/`switch` that tests a status for 401 (`=== 401`, `!== 401` with an "
        "early return, `[401, 403].includes(status)`, `HttpStatusCode.Unauthorized`) and, in the "
        "code that runs for the 401, a call to a refresh endpoint (`axios.post`/`api.post`/"
        "`fetch` whose arguments mention `refresh` and a URL) or a function that does one "
        "(named like `refreshAccessToken`/`renewSession`, or a same-file function that calls "
        "the endpoint).\n\n"
        "No finding when the refresh is already shared: a module-level or class-level promise "
        "stored and handed out (`if (!p) p = refresh().finally(...); return p`), in the "
        "handler, in a function on the way to the refresh, or in an imported function of the "
        "project; an `isRefreshing` flag together with a queue of waiting requests; or a mutex "
        "(`runExclusive`, `acquire`, `waitForUnlock`). A flag without a queue is reported "
        "without a fix: it prevents the second refresh but drops the requests that arrive "
        "during the first.\n\n"
        "Why `sentWith`: a shared promise alone still refreshes twice when a request's 401 "
        "arrives just after the refresh settled (it was sent with the old token before the "
        "refresh finished). Measured on fixtures/auth-refresh with 10 concurrent requests: "
        "a plain shared promise still made 2 to 6 refresh calls, the helper makes exactly 1. The "
        "key is the failed axios request's `Authorization` header (when the error parameter "
        "is untyped, `any` or `AxiosError`), or, in a fetch wrapper that sends the request "
        "itself, the helper's refresh count read when the wrapper starts; elsewhere it is "
        "`undefined` and only the in-flight sharing applies.\n\n"
        "Not covered: refreshes started outside a 401 branch (timers, `visibilitychange`), "
        "libraries such as axios-auth-refresh (they bring their own queue), imported refresh "
        "functions reached through `require` (only ES imports are followed), and requests that "
        "get a 401 again after their retry (they fail, as before). The wrapped call keeps its "
        "line: run the project's formatter after fixing."
    )
    example = Example(before=EXAMPLE_BEFORE, after=EXAMPLE_AFTER, path="src/api.js")
    # A 401 test (check) or a refresh function another module imports (collect).
    requires = ("401", "nauthorized", "NAUTHORIZED", "efresh", "EFRESH")

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        from handrail.codemods.auth import _client
        from handrail.codemods.auth._client import Guard

        lowered = ctx.text.lower()
        if "401" not in lowered and "unauthorized" not in lowered:
            return
        root = ctx.root
        for site in _client.refresh_sites(root):
            if site.guard is Guard.SHARED:
                continue
            start, end = ctx.span(site.call)
            if site.guard is Guard.FLAG_ONLY:
                message = (
                    "A shared flag stops a second refresh, but requests that get a 401 while the refresh "
                    "runs are not queued: they fail instead of retrying with the new token"
                )
                yield ctx.finding(self, start, end, message)
                continue
            yield ctx.finding(
                self, start, end, _message(site), fix=_fix(ctx, site), data=_import_data(ctx, site)
            )

    def collect(self, ctx: FileContext) -> Any:
        from handrail.codemods.auth import _client

        if "refresh" not in ctx.text.lower():
            return None
        names = _client.exported_single_flight(ctx.root)
        return names or None

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        if finding.data is None:
            return finding
        importer, spec, name = finding.data
        facts = project.facts(self.id)
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        stem = base[: -len(PurePosixPath(base).suffix)] if base.endswith((".js", ".mjs", ".jsx")) else base
        for candidate in {base + s for s in RESOLVE_SUFFIXES} | {stem + s for s in RESOLVE_SUFFIXES}:
            exported = facts.get(candidate)
            if exported is not None and name in exported:
                return None  # the imported refresh already shares one in-flight promise
        return finding


def _message(site: Site) -> str:
    call = site.call.text().split("\n", 1)[0]
    shown = call if len(call) <= 60 else call[:57] + "..."
    message = (
        f"Every 401 starts its own refresh (`{shown}`): N requests that fail together send N refresh "
        "requests, and with rotating refresh tokens all but one are rejected and the user is logged out"
    )
    if site.per_request_flag is not None:
        message += f"; `{site.per_request_flag}` is per request and does not make requests share a refresh"
    return message


def _module_level(handler: SgNode) -> bool:
    from handrail.codemods.auth import _syntax as sx

    return sx.enclosing_function(handler) is None and not any(
        a.kind() in ("class_body", "class_declaration", "class") for a in handler.ancestors()
    )


def _fix(ctx: FileContext, site: Site) -> Fix | None:
    from handrail.codemods.auth import _single_flight

    root = ctx.root
    typescript = ctx.language is not Language.JAVASCRIPT
    names = _single_flight.helper_names(root)
    edits: list[Edit] = []
    key = _single_flight.axios_key(site.handler, typescript)
    if key is None and _single_flight.sends_request(site.handler, site.check):
        capture, key = _single_flight.capture_edit(site.handler, ctx.text, names)
        if capture is not None:
            edits.append(capture)
    wrap = _single_flight.wrap_edit(_single_flight.wrapped_expression(site.call), names, key or "undefined")
    if wrap is None:
        return None
    edits.append(wrap)
    if names.new:
        edits.append(_single_flight.helper_edit(root, ctx.text, names, typescript))
    applicability = Applicability.UNSAFE if _module_level(site.handler) else Applicability.SUGGESTION
    description = f"Share one in-flight refresh between concurrent 401s ({names.helper})"
    return Fix(applicability, tuple(edits), description)


def _import_data(ctx: FileContext, site: Site) -> tuple[str, str, str] | None:
    from handrail.codemods.auth import _client
    from handrail.codemods.auth import _syntax as sx

    target = sx.callee(site.call)
    if target is None or target.kind() != "identifier":
        return None
    imported = _client.relative_import(ctx.root, target.text())
    if imported is None:
        return None
    return ctx.path.as_posix(), imported[0], imported[1]
