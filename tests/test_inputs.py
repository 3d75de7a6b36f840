"""What a scan reads besides its source files goes through handrail.engine.inputs, which
notes it (for the whole-scan snapshot, see snapshot.py): a file read by its stamp, a path
looked at by its kind, a folder listed by its names."""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

import pytest

from handrail.codemods import catalog
from handrail.engine import inputs
from handrail.engine.analyze import analyze_text
from handrail.engine.context import FileContext
from handrail.engine.languages import Language
from handrail.engine.model import Finding
from handrail.engine.project import ProjectInfo

CODEMODS = Path(__file__).resolve().parent.parent / "codemods"


def test_what_a_rule_reads_is_noted(tmp_path: Path) -> None:
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    schema.write_text("model User {\n  id Int @id\n}\n")
    with inputs.recording() as ledger:
        assert inputs.files_below(tmp_path / "prisma", ".prisma") == (schema,)
        inputs.read_text(schema)
        assert not inputs.is_file(tmp_path / "prisma.config.ts")
    assert ledger.still_holds()
    schema.write_text("model User {\n  id Int @id\n  name String\n}\n")
    assert not ledger.still_holds()
    with inputs.recording() as ledger:
        inputs.is_file(tmp_path / "prisma.config.ts")
    (tmp_path / "prisma.config.ts").write_text("export default {}\n")
    assert not ledger.still_holds()


# What reads the file system. A rule that used one directly would make the snapshot miss a
# change: rules go through handrail.engine.inputs (reads of the file they analyse come with
# its text, from the engine).
_FILE_SYSTEM_ATTRIBUTES = {
    "read_text", "read_bytes", "open", "is_file", "is_dir", "is_symlink", "exists", "glob",
    "iglob", "rglob", "iterdir", "stat", "lstat", "listdir", "scandir", "isfile", "isdir",
    "islink", "getsize", "getmtime", "realpath", "samefile", "read_source", "getlines",
}  # fmt: skip
_OS_ONLY = {"walk", "access", "readlink"}  # names too common elsewhere (an AST's walk)
_FILE_SYSTEM_MODULES = {"glob", "shutil", "subprocess", "linecache", "io", "tempfile", "fileinput"}


def _direct_reads(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            if (node.attr in _FILE_SYSTEM_ATTRIBUTES and owner != "inputs") or (
                node.attr in _OS_ONLY and owner in ("os", "os.path")
            ):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Name) and node.id in ("open", "read_source"):
            found.append(f"{node.lineno}: {node.id}")
        elif isinstance(node, ast.Import):
            found.extend(
                f"{node.lineno}: import {a.name}" for a in node.names if a.name in _FILE_SYSTEM_MODULES
            )
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names = {a.name for a in node.names}
            if node.module in {"os", "os.path", *_FILE_SYSTEM_MODULES} or names & _FILE_SYSTEM_ATTRIBUTES:
                found.append(f"{node.lineno}: from {node.module} import {', '.join(sorted(names))}")
    return found


def test_rules_read_the_file_system_only_through_inputs() -> None:
    direct = [
        f"{path.relative_to(CODEMODS)}:{where}"
        for path in sorted(CODEMODS.rglob("*.py"))
        for where in _direct_reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert direct == []


@pytest.mark.parametrize(
    "code",
    [
        "p.read_text()",
        "map(Path.read_text, paths)",
        "os.walk(root)",
        "os.path.isfile(p)",
        "from os.path import isfile",
        "import glob",
        "with open(p) as f: pass",
        "read_source(p, language)",
    ],
)
def test_the_check_sees_each_way_of_reading(code: str) -> None:
    assert _direct_reads(ast.parse(code)) != []


def test_reading_while_a_rule_analyses_a_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # check and collect see the file's text alone: their analysis is cached by it.
    (tmp_path / "tsconfig.json").write_text("{}\n")
    rule = next(r for r in catalog() if r.id == "errors/catch-console-log")

    def reading_check(self: object, ctx: FileContext) -> list[Finding]:
        inputs.read_text(tmp_path / "tsconfig.json")
        return []

    monkeypatch.setattr(rule, "check", reading_check)
    text = "try { f(); } catch (e) { console.log(e); }\n"
    analysis = analyze_text(
        tmp_path / "a.ts", "a.ts", text, Language.TYPESCRIPT, ProjectInfo(tmp_path), (rule.id,), {}
    )
    assert analysis.errors and "only in resolve" in analysis.errors[0]
    assert inputs.read_text(tmp_path / "tsconfig.json") == "{}\n"  # outside the analysis


def test_a_read_that_fails_for_a_reason_no_stamp_shows_is_transient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with inputs.recording() as ledger, pytest.raises(FileNotFoundError):
        inputs.read_text(tmp_path / "missing.json")
    assert not ledger.transient and ledger.still_holds()  # absent, and noted so
    (tmp_path / "locked.json").write_text("{}\n")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with inputs.recording() as ledger, pytest.raises(PermissionError):
        inputs.read_text(tmp_path / "locked.json")
    assert ledger.transient


def test_a_listing_notes_what_each_name_is(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "base.prisma").write_text("model A {\n  id Int @id\n}\n")
    (schema / "extra").write_text("")
    with inputs.recording() as ledger:
        assert inputs.files_below(schema, ".prisma") == (schema / "base.prisma",)
    (schema / "extra").unlink()
    (schema / "extra").mkdir()  # the same name, now a folder that may hold more schema files
    assert not ledger.still_holds()


def test_a_linked_files_target_is_noted(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "more.prisma").symlink_to(tmp_path / "elsewhere.prisma")  # dangling for now
    with inputs.recording() as ledger:
        assert inputs.files_below(schema, ".prisma") == ()
    (tmp_path / "elsewhere.prisma").write_text("model B {\n  id Int @id\n}\n")
    assert not ledger.still_holds()


def test_a_folder_that_could_not_be_listed_is_transient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schema").mkdir()
    real = os.scandir

    def denied(path: str) -> Any:
        if path.endswith("schema"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", denied)
    with inputs.recording() as ledger:
        assert inputs.files_below(tmp_path / "schema", ".prisma") == ()
    assert ledger.transient


def test_a_link_is_told_from_a_file_named_like_one(tmp_path: Path) -> None:
    plain, linked = tmp_path / "plain", tmp_path / "linked"
    plain.mkdir()
    linked.mkdir()
    (plain / "a.ts@").write_text("")
    (tmp_path / "a.ts").write_text("")
    (linked / "a.ts").symlink_to(tmp_path / "a.ts")
    signatures = []
    for folder in (plain, linked):
        with os.scandir(folder) as listing:
            signatures.append(inputs.listing_signature(list(listing)))
    assert signatures[0] != signatures[1]


def test_a_path_seen_two_ways_in_one_scan_is_transient(tmp_path: Path) -> None:
    with inputs.recording() as ledger:
        inputs.exists(tmp_path / "late.json")
        (tmp_path / "late.json").write_text("{}")
        inputs.exists(tmp_path / "late.json")
    assert ledger.transient
