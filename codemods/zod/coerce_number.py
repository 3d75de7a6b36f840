"""zod/coerce-number: `z.number()` / `z.bigint()` validating input that arrives as strings."""

from __future__ import annotations

from handrail.codemods.zod._rule import (
    STRING_SOURCES_OPTION,
    UNKNOWN_USE_OPTION,
    CoerceRule,
    FactoryData,
)
from handrail.engine.model import Applicability
from handrail.engine.rule import Example

_BEFORE = """\
import express from "express";
import { z } from "zod";

export const router = express.Router();

const ListUsersQuery = z.object({
  page: z.number().int().min(1).default(1),
  minAge: z.number({ message: "minAge must be a number" }).int().optional(),
});

router.get("/users", (req, res) => {
  const { page, minAge } = ListUsersQuery.parse(req.query);
  res.json({ page, minAge });
});
"""

_AFTER = _BEFORE.replace("z.number(", "z.coerce.number(")

_PACKAGE = '{ "dependencies": { "express": "^5.1.0", "zod": "^3.25.0" } }\n'


class CoerceNumber(CoerceRule):
    id = "zod/coerce-number"
    factories = frozenset({"number", "bigint"})
    summary = "z.number() / z.bigint() on input that arrives as strings (query, params, forms, env)"
    why = """\
Zod validates the value it is given and does not convert it. Query strings, route params,
headers, cookies, form fields and environment variables are always strings, so `z.number()`
rejects "42" ("Expected number, received string") and the request fails with a 400. AI
assistants write `z.number()` for every numeric field; tests that call the handler with JSON
numbers pass, and production traffic does not.

In the article handrail starts from, a signup API received ages as strings: users got 400
errors and NaN showed up in production, and the fix, `z.coerce.number()`, had to be applied
by hand to 23 fields. This rule finds each one by following the schema to where it parses
its input, across the project's files."""
    fix_safety = Applicability.SAFE
    fix_safety_notes = """\
Safe (applied by `fix`) when the schema parses a string source: `req.query`, `req.params`,
`req.headers`, `req.cookies`, Fastify's `request.query`/`request.params`, Koa's
`ctx.query`/`ctx.params`, `process.env`, form data, URL search params, Next.js `params` and
`searchParams`, a `query:`/`params:`/`headers:`/`cookies:` validator or Fastify
`querystring:`/`params:`/`headers:` schema, or a body on a route with `express.urlencoded()` or
multer. The rewrite only inserts `coerce.`, keeping arguments and chained checks.

Unsafe (applied with --unsafe-fixes) when the schema parses a JSON body, or handrail cannot
tell where its input comes from (it is passed to an unknown function, or no use was found):
coercion then also accepts strings where the API required JSON numbers, and turns "" and null
into 0. A schema used only for responses (`res.json(X.parse(user))`, `return X.parse(row)`),
only on converted values (`X.parse({ age: Number(q.age) })`) or only in types is not
reported."""
    notes = """\
`z.coerce.number()` is `Number(value)` before validation: "" and null become 0, true becomes 1,
" 12 " becomes 12, and "abc" fails as NaN. So an empty optional parameter (`?minAge=`) passes
as 0. When empty strings must be rejected, or a missing value and 0 must differ, prefer
`z.string().regex(/^\\d+$/).transform(Number)` (add `.pipe(z.number().max(...))` for ranges).
`z.coerce.bigint()` is `BigInt(value)`: "" becomes 0n and "1.5" fails.

Sources beyond the built-in ones (Koa's `ctx.request.query`, `import.meta.env`) can be added
with the `string-sources` option; `unknown-use = "ignore"` stops reporting schemas whose input
handrail cannot trace."""
    options = {"string-sources": STRING_SOURCES_OPTION, "unknown-use": UNKNOWN_USE_OPTION}
    example = Example(
        before=_BEFORE,
        after=_AFTER,
        path="src/routes/users.ts",
        files={"package.json": _PACKAGE},
    )

    def json_risk(self, data: FactoryData) -> str:
        return (
            f'a number sent as a string ("42") fails validation; z.coerce.{data.factory}() accepts it, '
            'but also turns "" and null into 0'
        )

    def unknown_risk(self, data: FactoryData) -> str:
        return (
            f'strings from the client ("42") fail validation; z.coerce.{data.factory}() accepts them, '
            'but also turns "" and null into 0'
        )
