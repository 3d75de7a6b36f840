"""zod/coerce-date: `z.date()` validating input that arrives as strings."""

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

const OrdersQuery = z.object({
  createdAfter: z.date().optional(),
  createdBefore: z.date().optional(),
});

router.get("/orders", (req, res) => {
  const range = OrdersQuery.parse(req.query);
  res.json(range);
});
"""

_AFTER = _BEFORE.replace("z.date(", "z.coerce.date(")

_PACKAGE = '{ "dependencies": { "express": "^5.1.0", "zod": "^3.25.0" } }\n'


class CoerceDate(CoerceRule):
    id = "zod/coerce-date"
    factories = frozenset({"date"})
    summary = "z.date() on input that arrives as strings (query, params, forms, env, JSON)"
    why = """\
`z.date()` accepts only `Date` objects, and no client can send one: query strings, params,
form fields and environment variables are strings, and JSON has no date type at all, so a
date in a JSON body is a string too. `z.date()` on client input therefore rejects every
request ("Expected date, received string"), which tests that build `Date` objects in-process
never notice.

It is the same mistake as `z.number()` on a query string, the one that caused 400 errors on
signup in the article handrail starts from: the schema describes the parsed value, not what
arrives on the wire."""
    fix_safety = Applicability.SAFE
    fix_safety_notes = """\
Safe (applied by `fix`) when the schema parses a string source (`req.query`, `req.params`,
`process.env`, form data, URL search params, a `query:`/`params:` validator, a urlencoded or
multer route, ...): the rewrite only inserts `coerce.`, keeping arguments and chained checks.

Unsafe (applied with --unsafe-fixes) when the schema parses a JSON body or handrail cannot
tell where its input comes from: the body's dates are strings too, so `z.date()` is almost
certainly wrong there, but coercion also turns null into 1970-01-01 and accepts numbers as
timestamps, which an API may not want. A schema used only for responses or database rows
(where `Date` objects are real), on converted values, or only in types is not reported."""
    notes = """\
`z.coerce.date()` is `new Date(value)` before validation: ISO strings and timestamps work,
"abc" fails as an invalid date, but null becomes 1970-01-01 and true becomes 1970-01-01
plus one millisecond. When the input must be an ISO string, `z.string().datetime()` (Zod 4:
`z.iso.datetime()`) followed by `.transform((s) => new Date(s))` rejects everything else.

Sources beyond the built-in ones can be added with the `string-sources` option;
`unknown-use = "ignore"` stops reporting schemas whose input handrail cannot trace."""
    options = {"string-sources": STRING_SOURCES_OPTION, "unknown-use": UNKNOWN_USE_OPTION}
    example = Example(
        before=_BEFORE,
        after=_AFTER,
        path="src/routes/orders.ts",
        files={"package.json": _PACKAGE},
    )

    def json_risk(self, data: FactoryData) -> str:
        return (
            "JSON has no date type, so every date sent arrives as a string and fails validation; "
            "z.coerce.date() accepts ISO strings, but also turns null into 1970-01-01"
        )

    def unknown_risk(self, data: FactoryData) -> str:
        return (
            "dates from a client arrive as strings and fail validation; z.coerce.date() accepts "
            "them, but also turns null into 1970-01-01"
        )
