"""zod/boolean-from-string: `z.boolean()` validating input that arrives as strings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handrail.codemods.zod._rule import STRING_SOURCES_OPTION, FactoryData, FactoryRule
from handrail.engine.model import Applicability, Edit, Fix
from handrail.engine.rule import Example

if TYPE_CHECKING:
    from handrail.codemods.zod._facts import Verdict

# The analysis helpers are imported inside the methods that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code.

_ENUM = '["true", "false"]'
_TRANSFORM = '.transform((v) => v === "true")'

_BEFORE = """\
import express from "express";
import { z } from "zod";

export const router = express.Router();

const ListProductsQuery = z.object({
  inStock: z.boolean().optional(),
});

router.get("/products", (req, res) => {
  const { inStock } = ListProductsQuery.parse(req.query);
  res.json({ inStock });
});
"""

_PACKAGE = '{ "dependencies": { "express": "^5.1.0", "zod": "^4.1.0" } }\n'


class BooleanFromString(FactoryRule):
    id = "zod/boolean-from-string"
    factories = frozenset({"boolean"})
    summary = "z.boolean() on input that arrives as strings (query, params, forms, env)"
    why = """\
Query strings, route params, form fields and environment variables are strings, so
`z.boolean()` rejects `?active=true` ("Expected boolean, received string") and the request
fails with a 400, while tests that pass real booleans succeed. The tempting fix is wrong:
`z.coerce.boolean()` is `Boolean(value)`, and every non-empty string is truthy, so "false"
becomes `true` and a filter silently does the opposite of what was asked.

It is the string-input mistake of the article handrail starts from (ages sent as strings,
400 errors on signup), with a worse obvious fix."""
    fix_safety = Applicability.SUGGESTION
    fix_safety_notes = """\
Always a suggestion, never applied by `fix`: which strings mean true is an API decision.
With Zod 4 (`zod/v4`, `zod/mini`, or `zod` 4 in package.json) the suggestion is
`z.stringbool()` ("true"/"1"/"yes"/"on" and "false"/"0"/"no"/"off", case-insensitive);
otherwise `z.enum(["true", "false"]).transform((v) => v === "true")`, after which a
`.default(false)` must become `.default("false")` (defaults apply before the transform).
Only reported when the schema parses a string source: JSON booleans are real booleans."""
    notes = """\
Never replace `z.boolean()` on string input with `z.coerce.boolean()`: `Boolean("false")` is
`true`, and so is `Boolean("0")`. Only "" becomes false.

Sources beyond the built-in ones can be added with the `string-sources` option."""
    options = {"string-sources": STRING_SOURCES_OPTION}
    example = Example(
        before=_BEFORE,
        after=_BEFORE.replace("z.boolean()", "z.stringbool()"),
        path="src/routes/products.ts",
        files={"package.json": _PACKAGE},
    )

    def keeps(self, data: FactoryData, verdict: Verdict) -> bool:
        from handrail.codemods.zod._facts import Kind

        return verdict.kind is Kind.STRING

    def message(self, data: FactoryData, verdict: Verdict, fix: Fix) -> str:
        from handrail.codemods.zod._facts import Kind

        if verdict.kind is not Kind.STRING:
            return f"z.boolean(){data.where}: input source not known yet ({verdict.source})"
        return (
            f'z.boolean(){data.where} receives strings from {verdict.source}: "true" and "false" fail '
            f'validation (and z.coerce.boolean() would make "false" true); {fix.description}'
        )

    def make_fix(self, data: FactoryData, verdict: Verdict, major: int | None) -> Fix:
        start, end = data.prop
        if major is not None and major >= 4:
            return Fix(Applicability.SUGGESTION, (Edit(start, end, "stringbool"),), "use z.stringbool()")
        args = f", {data.args.strip()}" if data.args.strip() else ""
        replacement = f"enum({_ENUM}{args}){_TRANSFORM}"
        description = f"use z.enum({_ENUM}){_TRANSFORM}"
        return Fix(Applicability.SUGGESTION, (Edit(start, data.call_end, replacement),), description)
