"""`ci --patch FILE`: one patch of every fix, applied here with the real `git apply`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import ROOT, run_handrail, tree
from tests.test_ci_diffbase import git, init_repo

DEMO = ROOT / "fixtures" / "express-prisma-zod"


def _demo(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(DEMO, target, ignore=shutil.ignore_patterns("node_modules", ".handrail_cache"))
    return target


def _sources(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if k != ".gitignore" and not k.startswith(".handrail_cache/")}


def _sections(patch: str) -> list[tuple[str, str]]:
    """(comment line, path) for each file section of the patch."""
    return re.findall(r"^(# handrail: .*)\ndiff --git a/(\S+) b/", patch, re.M)


def test_patch_applies_with_git_and_equals_fix(tmp_path: Path) -> None:
    for unsafe in ([], ["--unsafe-fixes"]):
        label = "unsafe" if unsafe else "safe"
        checked, fixed = init_repo(_demo(tmp_path, f"ci-{label}")), _demo(tmp_path, f"fix-{label}")
        result = run_handrail(["ci", "--quiet", "--patch", "fixes.patch", *unsafe], checked)
        assert result.exit_code == 1, result.stderr
        patch = (checked / "fixes.patch").read_text()
        sections = _sections(patch)
        assert len(sections) == patch.count("diff --git ") > 0  # every file's section has its comment
        for comment, path in sections:
            assert comment.startswith(f"# handrail: {path}: ")
            assert re.fullmatch(r"# handrail: \S+: ([a-z0-9-]+/[a-z0-9-]+ \(\d+\)(, )?)+", comment)
        git(checked, "apply", "--check", "fixes.patch")
        git(checked, "apply", "fixes.patch")
        (checked / "fixes.patch").unlink()
        assert run_handrail(["fix", "--quiet", *unsafe], fixed).exit_code in (0, 1)
        assert _sources(checked) == _sources(fixed)


def test_unsafe_fixes_only_with_the_flag(tmp_path: Path) -> None:
    demo = _demo(tmp_path, "demo")
    assert run_handrail(["ci", "-q", "--patch", "safe.patch"], demo).exit_code == 1
    assert run_handrail(["ci", "-q", "--patch", "all.patch", "--unsafe-fixes"], demo).exit_code == 1
    safe, everything = (demo / "safe.patch").read_text(), (demo / "all.patch").read_text()
    assert "errors/catch-console-log" not in safe and "zod/coerce-number" in safe
    assert "errors/catch-console-log" in everything and len(everything) > len(safe)


def test_patch_keeps_crlf_and_bom_bytes(tmp_path: Path) -> None:
    from tests.test_cli import FIXED_ROUTE, ROUTE

    root = tmp_path / "crlf"
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    route = root / "src" / "users.ts"
    route.write_bytes(b"\xef\xbb\xbf" + ROUTE.replace("\n", "\r\n").encode())
    init_repo(root)
    assert run_handrail(["ci", "-q", "--patch", "fixes.patch"], root).exit_code == 1
    git(root, "apply", "fixes.patch")
    assert route.read_bytes() == b"\xef\xbb\xbf" + FIXED_ROUTE.replace("\n", "\r\n").encode()


def test_an_empty_patch_when_nothing_is_fixable(tmp_path: Path) -> None:
    (tmp_path / "clean.ts").write_text("export const a = 1;\n")
    result = run_handrail(["ci", "--patch", "fixes.patch"], tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "fixes.patch").read_text() == ""
    assert "wrote fixes.patch: fixes for 0 files" in result.stderr
