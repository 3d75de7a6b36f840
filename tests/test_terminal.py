"""Behaviour that only shows on a real terminal, driven through a pseudo-terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pexpect

SOURCE = 'import { z } from "zod";\nexport const Id = z.string();\n'


def _many_files(root: Path, count: int) -> None:
    (root / "package.json").write_text("{}\n")
    for i in range(count):
        (root / f"m{i:04}.ts").write_text(SOURCE)


def _run_in_pty(args: list[str], cwd: Path) -> tuple[int, str]:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "handrail.engine", *args],
        cwd=str(cwd),
        encoding="utf-8",
        env={"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
        timeout=120,
    )
    output = child.read()
    child.close()
    return child.exitstatus or 0, output


def test_a_large_scan_on_a_terminal_shows_a_progress_bar(tmp_path: Path) -> None:
    _many_files(tmp_path, 250)
    status, output = _run_in_pty(["scan", "--jobs", "1"], tmp_path)
    assert status == 0
    assert "checking" in output and "250/250" in output
    assert "0 findings in 0 files" in output


def test_no_progress_bar_in_pipes_or_small_scans(tmp_path: Path) -> None:
    _many_files(tmp_path, 250)
    piped = subprocess.run(
        [sys.executable, "-m", "handrail.engine", "scan"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert piped.returncode == 0 and "checking" not in piped.stderr + piped.stdout
    small = tmp_path / "small"
    small.mkdir()
    _many_files(small, 5)
    status, output = _run_in_pty(["scan"], small)
    assert status == 0 and "checking" not in output


def test_findings_are_colored_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text('import { z } from "zod";\nconst Q = z.object({ n: z.number() });\n')
    status, output = _run_in_pty(["scan"], tmp_path)
    assert status == 1
    assert "\x1b[" in output
    status, output = _run_in_pty(["scan", "--no-color"], tmp_path)
    assert "\x1b[" not in output
