"""What a rule is: documentation as data, plus a matcher/fixer that works on one parsed file.

A rule module defines one subclass of `Rule` and sets the class attributes below. `check`
runs in a worker on one file; `collect` (optional) returns picklable per-file facts;
`resolve` (optional) runs in the main process with the facts of the whole project and may
change a finding's fix or drop the finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from handrail.engine.languages import Language
from handrail.engine.model import Applicability, Finding, Severity

if TYPE_CHECKING:
    from handrail.engine.context import FileContext
    from handrail.engine.project import ProjectFacts, ProjectInfo


@dataclass(frozen=True)
class Example:
    """A documented before/after pair; the test suite runs every one of them."""

    before: str
    after: str
    # Where the example lives inside its little project (decides the language, too).
    path: str = "src/example.ts"
    # Other files of that project, e.g. {"package.json": "..."} (relative path -> text).
    files: Mapping[str, str] = field(default_factory=dict)
    # Fixes at least this trusted are applied to get `after` (None: the rule's fix_safety).
    applicability: Applicability | None = None
    # Other rules that must run for the example to make sense (ids).
    also_select: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """A per-rule setting under [tool.handrail.rules."<id>"]."""

    type: type  # str, int, bool, or list (of str)
    default: Any
    description: str
    choices: tuple[str, ...] = ()

    def validate(self, name: str, value: Any) -> Any:
        if self.type is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"option '{name}' must be a list of strings")
            return list(value)
        if self.type is int and isinstance(value, bool):
            raise ValueError(f"option '{name}' must be an integer")
        if not isinstance(value, self.type):
            raise ValueError(f"option '{name}' must be of type {self.type.__name__}")
        if self.choices and value not in self.choices:
            raise ValueError(f"option '{name}' must be one of: {', '.join(self.choices)}")
        return value


class Rule:
    id: ClassVar[str]
    languages: ClassVar[frozenset[Language]]
    summary: ClassVar[str]  # one line: what it finds
    why: ClassVar[str]  # why this is a bug; paragraphs separated by blank lines
    fix_safety: ClassVar[Applicability]  # the most trusted fix the rule may offer
    fix_safety_notes: ClassVar[str]  # when a fix is safe, unsafe or only a suggestion
    example: ClassVar[Example]
    severity: ClassVar[Severity] = Severity.WARNING
    options: ClassVar[Mapping[str, Option]] = {}
    # Extra documentation (pitfalls, alternatives), shown by `handrail explain`.
    notes: ClassVar[str] = ""
    # A cheap pre-filter: the rule (its check and collect) can only have something to say
    # about a text that contains one of these strings. Empty: always run. Rules whose
    # pre-filter depends on the project override `may_match` instead.
    requires: ClassVar[tuple[str, ...]] = ()
    # A project-wide pre-filter: the rule has nothing to say about any file of a project in
    # which no file matches this (the Zod rules: no file imports zod). The engine runs the rule
    # on the files that match first, and on the others only once one of them has matched.
    project_requires: ClassVar[re.Pattern[str] | None] = None

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        raise NotImplementedError

    def collect(self, ctx: FileContext) -> Any:
        """Per-file facts for `resolve`; None when the file has nothing to say."""
        return None

    def resolve(self, finding: Finding, project: ProjectFacts) -> Finding | None:
        """Decide a finding with the whole project in view (default: keep it as it is)."""
        return finding

    @classmethod
    def applies_to(cls, language: Language) -> bool:
        return language in cls.languages

    @classmethod
    def may_match(cls, text: str, project: ProjectInfo) -> bool:
        return not cls.requires or any(needle in text for needle in cls.requires)

    @classmethod
    def opens_project(cls, text: str) -> bool:
        """Whether `text` alone shows the rule may apply in its project (see `project_requires`)."""
        return cls.project_requires is None or cls.project_requires.search(text) is not None

    @classmethod
    def default_options(cls) -> dict[str, Any]:
        return {name: opt.default for name, opt in cls.options.items()}
