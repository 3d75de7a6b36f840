"""Applying edits and choosing fixes that fit together."""

from __future__ import annotations

import pytest

from handrail.engine.edits import apply_edits, select_compatible
from handrail.engine.model import Applicability, Edit, Finding, Fix
from handrail.engine.planner import plan_fixes

SAFE = Applicability.SAFE


def finding(
    start: int, end: int, replacement: str, rule: str = "t/r", applicability: Applicability = SAFE
) -> Finding:
    return Finding(rule, "f.ts", start, end, "msg", fix=Fix(applicability, (Edit(start, end, replacement),)))


def test_edits_apply_in_one_go_from_the_original_offsets() -> None:
    text = "a = z.number(); b = z.number();"
    edits = [Edit(4, 4, "~"), Edit(20, 20, "~")]
    assert apply_edits(text, edits) == "a = ~z.number(); b = ~z.number();"


def test_inserted_newlines_follow_the_file() -> None:
    assert apply_edits("a\r\nb\r\n", [Edit(3, 3, "x\ny\n")], newline="\r\n") == "a\r\nx\r\ny\r\nb\r\n"
    # A replacement that already carries CRLF is not doubled.
    assert apply_edits("a\r\n", [Edit(0, 0, "x\r\n")], newline="\r\n") == "x\r\na\r\n"


def test_overlapping_edits_are_refused() -> None:
    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])


def test_insertions_at_one_point_overlap_but_adjacent_replacements_do_not() -> None:
    assert Edit(3, 3, "a").overlaps(Edit(3, 3, "b"))
    assert Edit(3, 3, "a").overlaps(Edit(1, 5, "b"))
    assert not Edit(0, 3, "a").overlaps(Edit(3, 6, "b"))


def test_select_compatible_keeps_the_first_and_defers_the_overlap() -> None:
    first, second, third = finding(0, 5, "x"), finding(3, 8, "y"), finding(10, 12, "z")
    accepted, conflicting = select_compatible([third, second, first])
    assert accepted == [first, third]
    assert conflicting == [second]


def test_identical_fixes_apply_once() -> None:
    a, b = finding(0, 1, "x", rule="a/a"), finding(0, 1, "x", rule="b/b")
    accepted, conflicting = select_compatible([a, b])
    assert accepted == [a, b] and conflicting == []


def test_conflicts_are_retried_on_the_new_text_until_nothing_is_left() -> None:
    # Two findings that both insert a header at offset 0: one per pass.
    text = "body\n"

    def analyse(current: str) -> list[Finding]:
        if current.startswith("import x\n"):
            return []
        return [finding(0, 0, "import x\n", rule="a/a"), finding(0, 0, "import x\n# again\n", rule="b/b")]

    plan = plan_fixes(text, analyse(text), SAFE, analyse)
    assert plan.text == "import x\nbody\n"
    assert plan.passes == 1
    assert [f.rule for f in plan.applied] == ["a/a"]
    assert plan.dropped == []


def test_a_fix_that_never_settles_is_reported_not_lost() -> None:
    def analyse(current: str) -> list[Finding]:
        return [finding(0, 0, "x", rule="loop/forever")]

    plan = plan_fixes("", analyse(""), SAFE, analyse)
    assert plan.passes == 10
    assert [f.rule for f in plan.dropped] == ["loop/forever"]


def test_unsafe_fixes_wait_for_the_flag() -> None:
    unsafe = finding(0, 1, "x", applicability=Applicability.UNSAFE)
    plan = plan_fixes("a", [unsafe], SAFE, lambda t: [unsafe])
    assert not plan.changed and plan.remaining == [unsafe]
    plan = plan_fixes("a", [unsafe], Applicability.UNSAFE, lambda t: [])
    assert plan.text == "x"


def test_edits_between_touch_only_changed_lines() -> None:
    from handrail.engine.edits import edits_between

    old = "import os\r\n\r\nx = 1\r\ny = 2\r\n"
    new = "import logging\r\nimport os\r\n\r\nx = 1\r\ny = 3\r\n"
    edits = edits_between(old, new)
    assert [(e.start, e.end) for e in edits] == [(0, 0), (old.index("y"), len(old))]
    assert apply_edits(old, edits, newline="\r\n") == new
