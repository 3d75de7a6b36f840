"""The README opens with the demo command and the test command; CI runs the latter."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _opening_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)[:2]


def test_readme_opens_with_demo_then_tests() -> None:
    demo, tests = _opening_commands()
    assert "handrail fix" in demo and "fixtures/express-prisma-zod" in demo
    assert tests == "bash .ci/run"


def test_the_test_command_sets_up_and_runs_pytest() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install" in ci and "-m pytest" in ci
