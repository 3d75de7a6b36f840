"""The plumbing the Zod rules share (`FactoryRule`): check reports what the file alone
decides, collect hands its facts to the project, and resolve settles exported schemas once
every file's uses are known. `CoerceRule` adds the `z.coerce.<factory>()` fix and messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from handrail.engine.languages import JS_LIKE
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.rule import Option, Rule

if TYPE_CHECKING:
    from handrail.codemods.zod._analysis import FileAnalysis, Match
    from handrail.codemods.zod._facts import FileFacts, Verdict
    from handrail.engine.context import FileContext
    from handrail.engine.project import ProjectFacts

# The analysis helpers are imported inside the methods that use them: every run loads the
# rule catalog, warm ones included, and must not pay for analysis code.

STRING_SOURCES_OPTION = Option(
    list,
    [],
    "More member expressions whose values are strings, such as `ctx.request.query` (Koa) or "
    "`import.meta.env`; their members count too (`ctx.request.query.page`).",
)
UNKNOWN_USE_OPTION = Option(
    str,
    "unsafe",
    "A schema whose input handrail cannot trace: `unsafe` reports it with an unsafe fix, "
    "`ignore` does not report it (JSON-body uses are still reported).",
    choices=("unsafe", "ignore"),
)


# A Zod module specifier in quotes (`"zod"`, `'zod/v4'`), as imports and requires write it.
# The literal comes first so that the search skips ahead to it; the quote is checked behind.
ZOD_SPECIFIER = re.compile(r"""zod(?<=["'`]zod)(?:/[\w.-]+)*["'`]""")


@dataclass(frozen=True)
class FactoryData:
    """What `resolve` needs to finish a finding (picklable)."""

    factory: str  # "number", "bigint", "date", "boolean"
    field: str | None  # "address.zip"
    schema: str | None  # the schema's name; None when it is written inline at its use
    path: str  # the file, absolute POSIX
    key: str | None  # set when other files decide the verdict (the schema is exported)
    verdict: Verdict  # what the file alone says; final when `key` is None
    module: str  # the Zod import specifier
    prop: tuple[int, int]  # span of `number` in `z.number(...)`
    call_end: int  # end of `z.number(...)`
    args: str  # the text between the call's parentheses
    ignore_unknown: bool

    @property
    def where(self) -> str:
        if self.field:
            return f" on `{self.field}`"
        return f" in `{self.schema}`" if self.schema else ""


class FactoryRule(Rule):
    """A rule about some Zod factories (`z.number()`) whose fate depends on the schema's input.

    Subclasses say which factories they match, which verdicts they report, and how to word
    and fix a finding."""

    factories: ClassVar[frozenset[str]]
    languages = JS_LIKE
    # Every finding is a call on a binding imported from a Zod module, so a project in which
    # no file names one has none; its other files are then never parsed for these rules.
    project_requires = ZOD_SPECIFIER

    def keeps(self, data: FactoryData, verdict: Verdict) -> bool:
        raise NotImplementedError

    def message(self, data: FactoryData, verdict: Verdict, fix: Fix) -> str:
        raise NotImplementedError

    def make_fix(self, data: FactoryData, verdict: Verdict, major: int | None) -> Fix:
        raise NotImplementedError

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        from handrail.codemods.zod._analysis import analyze
        from handrail.codemods.zod._zod import ZOD_MODULES

        options = ctx.options(self)
        analysis = analyze(ctx, options.get("string-sources", ()))
        ignore = options.get("unknown-use") == "ignore"
        for match in analysis.matches:
            if match.call.factory not in self.factories:
                continue
            data = _factory_data(ctx.path.as_posix(), analysis, match, ignore)
            # An exported schema waits for resolve: other files may still make it a finding.
            shaped = self._finish(data, data.verdict, ZOD_MODULES.get(data.module), final=data.key is None)
            if shaped is None:
                continue
            start, end = ctx.span(match.call.call)
            yield ctx.finding(self, start, end, shaped[0], fix=shaped[1], data=data)

    def collect(self, ctx: FileContext) -> FileFacts | None:
        from handrail.codemods.zod._analysis import analyze

        facts = analyze(ctx, ctx.options(self).get("string-sources", ())).facts
        return None if facts.empty else facts

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        from handrail.codemods.zod._index import project_index
        from handrail.codemods.zod._version import zod_major

        data = finding.data
        if not isinstance(data, FactoryData):
            return finding
        verdict = data.verdict
        if data.key is not None:
            verdict = project_index(project, self.id).verdict(data.path, data.key)
        shaped = self._finish(data, verdict, zod_major(project, data.module), final=True)
        if shaped is None:
            return None
        return replace(finding, message=shaped[0], fix=shaped[1])

    def _finish(
        self, data: FactoryData, verdict: Verdict, major: int | None, final: bool
    ) -> tuple[str, Fix] | None:
        if final and not self.keeps(data, verdict):
            return None
        fix = self.make_fix(data, verdict, major)
        return self.message(data, verdict, fix), fix


def _factory_data(path: str, analysis: FileAnalysis, match: Match, ignore_unknown: bool) -> FactoryData:
    from handrail.codemods.zod._facts import Verdict

    call = match.call
    args = call.call.field("arguments")
    args_text = args.text()[1:-1] if args is not None else ""
    if match.key is None:
        verdict = Verdict.of([match.use] if match.use is not None else [])
        pending = False
    else:
        verdict = analysis.index.verdict(path, match.key, elsewhere=True)
        pending = analysis.index.visible(path, match.key)
    prop = call.prop.range()
    return FactoryData(
        factory=call.factory,
        field=match.extent.field,
        schema=_schema_name(match.key),
        path=path,
        key=match.key if pending else None,
        verdict=verdict,
        module=call.binding.module,
        prop=(prop.start.index, prop.end.index),
        call_end=call.call.range().end.index,
        args=args_text,
        ignore_unknown=ignore_unknown,
    )


_OFFSET = re.compile(r"@\d+")


def _schema_name(key: str | None) -> str | None:
    """`CreateUser`, `schemas.create`; a block-local `Query@120` loses its offset."""
    if key is None or key in ("default", "module.exports"):
        return None
    return _OFFSET.sub("", key)


class CoerceRule(FactoryRule):
    """`z.<factory>()` -> `z.coerce.<factory>()`: safe on string input, unsafe when unknown."""

    def keeps(self, data: FactoryData, verdict: Verdict) -> bool:
        from handrail.codemods.zod._facts import Kind

        if verdict.applicability is None:
            return False
        return not (data.ignore_unknown and verdict.kind is Kind.UNKNOWN)

    def make_fix(self, data: FactoryData, verdict: Verdict, major: int | None) -> Fix:
        applicability = verdict.applicability or Applicability.UNSAFE
        at = data.prop[0]
        return Fix(applicability, (Edit(at, at, "coerce."),), f"use z.coerce.{data.factory}()")

    def message(self, data: FactoryData, verdict: Verdict, fix: Fix) -> str:
        from handrail.codemods.zod._facts import Kind

        call, coerced = f"z.{data.factory}()", f"z.coerce.{data.factory}()"
        if verdict.applicability is Applicability.SAFE:
            return f"{call}{data.where}, which arrives as a string from {verdict.source}; use {coerced}"
        if verdict.kind is Kind.JSON:
            return f"{call}{data.where} validates {verdict.source}: {self.json_risk(data)}"
        return (
            f"{call}{data.where}: input source unknown ({self.unknown_detail(data, verdict)}); "
            f"{self.unknown_risk(data)}"
        )

    def json_risk(self, data: FactoryData) -> str:
        raise NotImplementedError

    def unknown_risk(self, data: FactoryData) -> str:
        raise NotImplementedError

    @staticmethod
    def unknown_detail(data: FactoryData, verdict: Verdict) -> str:
        from handrail.codemods.zod._facts import NO_USE

        if verdict.source == NO_USE and data.schema:
            return f"no use of `{data.schema}` found"
        return verdict.source
