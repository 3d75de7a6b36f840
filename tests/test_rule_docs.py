"""Every rule's documented example is a test, and every rule is fully documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from handrail.codemods import catalog
from handrail.engine.config import Config
from handrail.engine.languages import language_for
from handrail.engine.model import Applicability
from handrail.engine.rule import Rule
from handrail.engine.runner import Settings, fix, scan

RULES = catalog()


def _materialize(rule: type[Rule], root: Path, text: str) -> Path:
    for rel, content in rule.example.files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    target = root / rule.example.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def _settings(rule: type[Rule], root: Path) -> Settings:
    others = [r for r in RULES if r.id in rule.example.also_select]
    return Settings(paths=[root], cwd=root, config=Config(base=root), rules=[rule, *others], jobs=1)


def test_catalog_is_not_empty() -> None:
    assert RULES, "no rules were found in handrail.codemods"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_documentation_is_complete(rule: type[Rule]) -> None:
    family, _, name = rule.id.partition("/")
    assert family and name and rule.id == rule.id.lower()
    assert rule.languages
    assert rule.summary and "\n" not in rule.summary
    assert len(rule.why.split()) >= 15, "explain why the pattern is a bug"
    assert rule.fix_safety_notes.strip()
    assert language_for(rule.example.path) in rule.languages
    assert rule.example.before != rule.example.after


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_documented_example(rule: type[Rule], tmp_path: Path) -> None:
    target = _materialize(rule, tmp_path, rule.example.before)
    minimum = rule.example.applicability or rule.fix_safety
    result = scan(_settings(rule, tmp_path))
    assert any(f.rule == rule.id for f in result.findings), f"{rule.id} finds nothing in its own example"
    assert not result.errors and not result.internal_errors
    outcome = fix(result, minimum, write=False)
    [file_fix] = [f for f in outcome.files if f.result.job.path == target]
    assert file_fix.plan.text == rule.example.after
    assert file_fix.error is None

    # The `after` of the example is clean: nothing left to fix at that applicability.
    _materialize(rule, tmp_path, rule.example.after)
    again = scan(_settings(rule, tmp_path))
    assert not [f for f in again.findings if f.fix and f.fix.applicability >= minimum]


def test_applicability_order() -> None:
    assert Applicability.SAFE > Applicability.UNSAFE > Applicability.SUGGESTION
