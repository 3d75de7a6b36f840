"""The rule side the Python N+1 rules (Django, SQLAlchemy) share: when a file is worth
parsing, how a site becomes its two findings (see `Part`), and how `resolve` reports the
plan made with all models known. Subclasses name their words and analysis; the analysis
needs libcst (~0.4 s to import), so they import it inside their hooks, which only files
that get that far call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from handrail.engine.languages import PYTHON
from handrail.engine.rule import Rule

if TYPE_CHECKING:
    import libcst

    from handrail.codemods._py_n_plus_one import Part, PerRow
    from handrail.engine.context import FileContext
    from handrail.engine.model import Finding, Fix
    from handrail.engine.project import ProjectFacts


class LoopQueryRule(Rule):
    languages = PYTHON
    # check needs one of `query_words` (a statement that runs queries) and a `for`; collect
    # needs one of `model_words` (a model definition). Files with none are never parsed.
    query_words: ClassVar[tuple[str, ...]]
    model_words: ClassVar[tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.requires = (*cls.query_words, *cls.model_words)

    # -- what a subclass provides (each imports its libcst analysis itself)

    def sites(self, ctx: FileContext, module: libcst.Module) -> Iterable[tuple[Any, int, int]]:
        """Each loop's site and the span its findings start with."""
        raise NotImplementedError

    def models(self, module: libcst.Module) -> tuple[Any, ...]:
        """The file's model facts, for the project's index."""
        raise NotImplementedError

    def outcome(
        self, part: Part[Any], project: ProjectFacts
    ) -> tuple[Sequence[PerRow], str, Fix | None] | None:
        """The reads the part reports, its message and its fix; None when it has nothing."""
        raise NotImplementedError

    # -- the rule

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if "for " not in ctx.text or not any(word in ctx.text for word in self.query_words):
            return
        module = ctx.cst
        if module is None:
            return
        from handrail.codemods._py_n_plus_one import Part  # libcst (see the module doc)

        for site, start, end in self.sites(ctx, module):
            for rewrites in (False, True):
                yield ctx.finding(self, start, end, "N+1 queries", data=Part(site, rewrites))

    def collect(self, ctx: FileContext) -> tuple[Any, ...] | None:
        if not any(word in ctx.text for word in self.model_words):
            return None
        module = ctx.cst
        return None if module is None else self.models(module) or None

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        # resolve only sees findings of check, whose data needed libcst already.
        from handrail.codemods._py_n_plus_one import Part, reported

        part = finding.data
        if not isinstance(part, Part):
            return finding
        outcome = self.outcome(part, project)
        return None if outcome is None else reported(finding, *outcome)
