"""Every schema's uses across the project: files' uses followed through imports, re-exports
and derived schemas, reduced to one `Verdict` per schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from handrail.codemods._js_modules import ModuleResolver
from handrail.codemods.zod._facts import ELSEWHERE, FileFacts, Ref, Use, Verdict, dotted, related, root_name

if TYPE_CHECKING:
    from handrail.engine.project import ProjectFacts

Location = tuple[str, str]  # (file, schema key)
T = TypeVar("T")


@dataclass
class Index:
    """Every schema's uses across the files whose facts it holds."""

    facts: Mapping[str, FileFacts]
    resolver: ModuleResolver | None = None
    # (file, root name) -> [(dotted name used, the use)]
    _uses: dict[Location, list[tuple[str, Use]]] = field(default_factory=dict, init=False)
    # (file, root name) -> [(dotted name used, the derived schema's (file, key))]
    _derived: dict[Location, list[tuple[str, Location]]] = field(default_factory=dict, init=False)
    _verdicts: dict[tuple[str, str, bool], Verdict] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        uses: dict[Location, list[tuple[str, Use]]] = defaultdict(list)
        derived: dict[Location, list[tuple[str, Location]]] = defaultdict(list)
        for path in sorted(self.facts):
            facts = self.facts[path]
            for ref, use in facts.uses:
                target = self.target(path, ref)
                if target is not None:
                    uses[(target[0], root_name(target[1]))].append((target[1], use))
            for key, refs in facts.decls.items():
                for ref in refs:
                    target = self.target(path, ref)
                    if target is not None:
                        derived[(target[0], root_name(target[1]))].append((target[1], (path, key)))
        self._uses, self._derived = dict(uses), dict(derived)

    def verdict(self, path: str, key: str, elsewhere: bool = False) -> Verdict:
        """The verdict for schema `key` of `path`; `elsewhere`: count the schema's export as
        an unknown use (this file alone cannot see the files importing it)."""
        memo = (path, key, elsewhere)
        if memo not in self._verdicts:
            uses = self.uses_of(path, key)
            if elsewhere and self.visible(path, key):
                uses.append(ELSEWHERE)
            self._verdicts[memo] = Verdict.of(uses)
        return self._verdicts[memo]

    def uses_of(self, path: str, key: str, seen: set[Location] | None = None) -> list[Use]:
        """Direct uses of the schema plus the uses of every schema derived from it."""
        seen = set() if seen is None else seen
        if (path, key) in seen:
            return []
        seen.add((path, key))
        found = [use for used, use in _lookup(self._uses, path, key) if related(used, key)]
        for used, (other, other_key) in _lookup(self._derived, path, key):
            if related(used, key):
                found.extend(self.uses_of(other, other_key, seen))
        return found

    def visible(self, path: str, key: str, seen: set[Location] | None = None) -> bool:
        """Whether the schema, or one derived from it in the same file, is exported."""
        seen = set() if seen is None else seen
        if (path, key) in seen:
            return False
        seen.add((path, key))
        facts = self.facts.get(path)
        if facts is None:
            return False
        for export in facts.exports.values():
            if export.local is not None and not export.local.imported and related(export.local.root, key):
                return True
        return any(
            other == path and self.visible(other, other_key, seen)
            for used, (other, other_key) in _lookup(self._derived, path, key)
            if related(used, key)
        )

    # -- names to schemas ---------------------------------------------------------------

    def target(self, path: str, ref: Ref) -> Location | None:
        """The (file, dotted name) a reference denotes, following imports and re-exports."""
        if not ref.imported:
            return path, dotted(ref.root, ref.members)
        facts = self.facts.get(path)
        if facts is None or ref.root not in facts.imports or self.resolver is None:
            return None
        module, imported = facts.imports[ref.root]
        file = self.resolver.resolve(path, module)
        if file is None:
            return None
        members = ref.members
        if imported == "*":
            if members and self._exported(file, members[0], set()) is not None:
                imported, members = members[0], members[1:]
            elif self._exported(file, "module.exports", set()) is not None:
                imported = "module.exports"
            else:
                return (file, "") if not members else None
        found = self._exported(file, imported, set())
        if found is None and imported == "default":
            found = self._exported(file, "module.exports", set())
        if found is None:
            return None
        return found[0], dotted(found[1], members)

    def _exported(self, path: str, name: str, seen: set[Location]) -> Location | None:
        """Where the export `name` of file `path` is declared (file, dotted name)."""
        if (path, name) in seen:
            return None
        seen.add((path, name))
        facts = self.facts.get(path)
        if facts is None:
            return None
        export = facts.exports.get(name)
        if export is not None and export.local is not None:
            if not export.local.imported:
                return path, dotted(export.local.root, export.local.members)
            return self.target(path, export.local)
        if export is not None and export.module is not None and self.resolver is not None:
            file = self.resolver.resolve(path, export.module)
            if file is None:
                return None
            return (file, "") if export.name == "*" else self._exported(file, export.name, seen)
        if name == "default" or self.resolver is None:
            return None
        for module in facts.star_exports:
            file = self.resolver.resolve(path, module)
            if file is not None:
                found = self._exported(file, name, seen)
                if found is not None:
                    return found
        return None


def _lookup(table: Mapping[Location, list[T]], path: str, key: str) -> list[T]:
    """The entries for `key`'s root name, plus those for the whole file (`import * as ns`
    used bare)."""
    return [*table.get((path, root_name(key)), ()), *table.get((path, ""), ())]


def project_index(project: ProjectFacts, rule_id: str) -> Index:
    """The index over one rule's facts, built once per project."""

    def build() -> Index:
        facts = project.facts(rule_id)
        return Index(facts, ModuleResolver(facts, project.root))

    return project.memo(f"zod-sources:{rule_id}", build)
