"""Diffs are real patches: `git apply` takes them and reproduces the fixed file byte for byte."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from handrail.engine.diff import unified_diff


def _git_apply(tmp_path: Path, name: str, old: bytes, new: bytes) -> bytes:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes(old)
    patch = unified_diff(old.decode(), new.decode(), name)
    (tmp_path / "x.patch").write_bytes(patch.encode())
    subprocess.run(["git", "apply", "--check", "x.patch"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "x.patch"], cwd=tmp_path, check=True)
    return (tmp_path / name).read_bytes()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"a\nb\nc\n", b"a\nB\nc\n"),
        (b"a\r\nb\r\nc\r\n", b"a\r\nB\r\nc\r\n"),  # CRLF kept
        (b"a\nb", b"a\nB"),  # no newline at end of file
        (b"a\nb", b"a\nb\n"),  # newline added at the end
        (b"\xef\xbb\xbfa\n", b"\xef\xbb\xbfb\n"),  # BOM
        (b"x\n" * 30 + b"y\n", b"x\n" * 30 + b"z\n"),  # hunks far from the start
        (b"", b"new\n"),
        (b"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n", b"0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"),
    ],
)
def test_git_apply_reproduces_the_fix(tmp_path: Path, old: bytes, new: bytes) -> None:
    assert _git_apply(tmp_path, "src/file.ts", old, new) == new


def test_no_change_no_diff() -> None:
    assert unified_diff("a\n", "a\n", "f.ts") == ""


def test_header_names_the_file_relative_to_the_root() -> None:
    diff = unified_diff("a\n", "b\n", "src/app.ts")
    assert diff.splitlines()[:4] == [
        "diff --git a/src/app.ts b/src/app.ts",
        "--- a/src/app.ts",
        "+++ b/src/app.ts",
        "@@ -1 +1 @@",
    ]
