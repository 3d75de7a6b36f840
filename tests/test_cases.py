"""Before/after cases: copy `before/`, run `command`, compare with `after/`, run again (idempotence).

See CONTRIBUTING.md for the layout of a case folder.
"""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_handrail, tree

CASES_DIR = ROOT / "tests" / "cases"
CASES = sorted(p.parent for p in CASES_DIR.glob("*/*/*/command"))
FIX_ONLY_FLAGS = {"--unsafe-fixes", "--dry-run", "--diff"}


def _id(case: Path) -> str:
    return case.relative_to(CASES_DIR).as_posix()


def _scan_args(args: list[str]) -> list[str]:
    return ["scan", "--format", "json", *[a for a in args[1:] if a not in FIX_ONLY_FLAGS]]


def _finding_lines(output: str) -> list[str]:
    document = json.loads(output)
    lines = []
    for f in document["findings"]:
        applicability = f["fix"]["applicability"] if f["fix"] else "none"
        lines.append(f"{f['path']}:{f['line']}:{f['column']} {f['rule']} {applicability}")
    return sorted(lines)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_case(case: Path, tmp_path: Path) -> None:
    work = tmp_path / "project"
    shutil.copytree(case / "before", work)
    args = shlex.split((case / "command").read_text())
    expected_tree = tree(case / "after") if (case / "after").is_dir() else tree(case / "before")

    if (case / "findings").is_file():
        scan = run_handrail(_scan_args(args), work)
        assert scan.exit_code in (0, 1), scan.stderr
        expected = sorted(
            line.strip() for line in (case / "findings").read_text().splitlines() if line.strip()
        )
        assert _finding_lines(scan.stdout) == expected

    first = run_handrail(args, work)
    assert first.exit_code in (0, 1), first.stderr
    assert "error" not in first.stderr, first.stderr
    assert tree(work) == expected_tree

    if args[0] == "fix":
        second = run_handrail(args, work)
        assert second.exit_code in (0, 1), second.stderr
        assert tree(work) == expected_tree, "a second run changed the files: the fix is not idempotent"
