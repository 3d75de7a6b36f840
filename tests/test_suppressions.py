"""Inline suppressions: `handrail-ignore` comments are respected by scan and fix, and stale ones
are reported (and removed by fix)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handrail.engine.languages import Language
from handrail.engine.model import Finding
from handrail.engine.suppressions import suppression_comment
from tests.conftest import run_handrail

HEADER = 'import { z } from "zod";\n'
USE = "\nQ.parse(req.query);\n"


def findings(root: Path, *args: str) -> list[str]:
    result = run_handrail(["scan", "--format", "json", *args], root)
    assert result.exit_code in (0, 1), result.stderr
    return [f"{f['line']}:{f['column']} {f['rule']}" for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"dependencies": {"zod": "^4.0.0"}}\n')
    return tmp_path


def write(root: Path, body: str, name: str = "a.ts") -> Path:
    path = root / name
    path.write_text(body)
    return path


def test_a_trailing_comment_covers_its_own_line(project: Path) -> None:
    write(
        project, HEADER + "const Q = z.object({ n: z.number() }); // handrail-ignore: zod/coerce-number" + USE
    )
    assert findings(project) == []


def test_a_comment_alone_on_a_line_covers_the_next_line_only(project: Path) -> None:
    write(
        project,
        HEADER
        + "// handrail-ignore: zod/coerce-number\n"
        + "const Q = z.object({\n  n: z.number(),\n  m: z.number(),\n});"
        + USE,
    )
    # The finding on line 3 starts on the line after the comment's next line: still reported,
    # and so is the now-stale suppression.
    assert findings(project) == [
        "2:1 handrail/unused-suppression",
        "4:6 zod/coerce-number",
        "5:6 zod/coerce-number",
    ]


def test_prefixes_lists_and_all(project: Path) -> None:
    write(project, HEADER + "const Q = z.object({ n: z.number() }); // handrail-ignore: errors/, zod/" + USE)
    assert findings(project, "--select", "zod/,handrail/") == []
    write(project, HEADER + "const Q = z.object({ n: z.number() }); // handrail-ignore: all" + USE)
    assert findings(project, "--select", "zod/,handrail/") == []


def test_file_level_suppression_must_come_before_code(project: Path) -> None:
    body = "const Q = z.object({ n: z.number() });" + USE
    write(project, "#!/usr/bin/env node\n// handrail-ignore-file: zod/coerce-number\n" + HEADER + body)
    assert findings(project) == []
    write(project, HEADER + "// handrail-ignore-file: zod/coerce-number\n" + body)
    assert "3:25 zod/coerce-number" in findings(project)


def test_strings_that_look_like_suppressions_are_not(project: Path) -> None:
    write(
        project, HEADER + 'const Q = z.object({ n: z.number() }); const s = "// handrail-ignore: zod/";' + USE
    )
    assert findings(project) == ["2:25 zod/coerce-number"]


def test_python_uses_hash_comments(project: Path) -> None:
    (project / "app.py").write_text(
        "import logging\n\ndef f():\n    try:\n        g()\n    except ValueError as e:\n"
        "        print(e)  # handrail-ignore: errors/except-print\n"
    )
    assert findings(project, "--select", "errors/except-print,handrail/") == []


def test_unused_and_unknown_suppressions_are_reported_and_removed_by_fix(project: Path) -> None:
    path = write(
        project,
        HEADER
        + "// handrail-ignore: zod/coerce-number\n"
        + "const Name = z.string();\n"
        + "const Q = z.object({ n: z.string() }); // handrail-ignore: zod/coerce-numbr\n"
        + "const R = z.object({ n: z.number() }); // handrail-ignore: zod/coerce-date, zod/coerce-number"
        + USE
        + "R.parse(req.params);\n",
    )
    assert findings(project, "--select", "zod/,handrail/") == [
        "2:1 handrail/unused-suppression",
        "4:40 handrail/unused-suppression",
        "5:40 handrail/unused-suppression",
    ]
    result = run_handrail(["fix", "--select", "zod/,handrail/"], project)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert path.read_text() == (
        HEADER
        + "const Name = z.string();\n"
        + "const Q = z.object({ n: z.string() });\n"
        + "const R = z.object({ n: z.number() }); // handrail-ignore: zod/coerce-number"
        + USE
        + "R.parse(req.params);\n"
    )


def test_suppressions_for_rules_not_run_are_not_judged(project: Path) -> None:
    write(project, HEADER + "const Name = z.string(); // handrail-ignore: errors/catch-console-log\n")
    assert findings(project, "--select", "zod/,handrail/") == []
    assert findings(project) == ["2:26 handrail/unused-suppression"]


def test_unused_suppression_can_be_ignored_itself(project: Path) -> None:
    write(project, HEADER + "const Name = z.string(); // handrail-ignore: zod/coerce-number\n")
    assert findings(project, "--ignore", "handrail/") == []


def test_fix_leaves_suppressed_findings_alone(project: Path) -> None:
    body = HEADER + "const Q = z.object({ n: z.number() }); // handrail-ignore: zod/coerce-number" + USE
    path = write(project, body)
    assert run_handrail(["fix", "--unsafe-fixes"], project).exit_code == 0
    assert path.read_text() == body


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (Language.TYPESCRIPT, "a();\n  b();\n", "a();\n  // handrail-ignore: zod/x\n  b();\n"),
        (Language.PYTHON, "if x:\n    y()", "if x:\n    # handrail-ignore: zod/x\n    y()"),
    ],
)
def test_suppression_comment_goes_on_the_line_above_with_its_indentation(
    language: Language, text: str, expected: str
) -> None:
    start = text.index("b" if language is Language.TYPESCRIPT else "y")
    edit = suppression_comment(text, language, Finding("zod/x", "f", start, start + 1, "m"))
    assert text[: edit.start] + edit.replacement + text[edit.end :] == expected


def test_suppressing_below_an_existing_directive_extends_it() -> None:
    text = "a();\n  // handrail-ignore: zod/x\n  b();\n"
    start = text.index("b")
    edit = suppression_comment(text, Language.TYPESCRIPT, Finding("errors/y", "f", start, start + 1, "m"))
    assert text[: edit.start] + edit.replacement + text[edit.end :] == (
        "a();\n  // handrail-ignore: zod/x, errors/y\n  b();\n"
    )
