"""What a scan reads besides its source files goes through handrail.engine.inputs, which
notes it (for the whole-scan snapshot, see snapshot.py): a file read by its stamp, a path
looked at by its kind, a folder listed by its names."""

from __future__ import annotations

import ast
from pathlib import Path

from handrail.engine import inputs

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


# Calls that read the file system. A rule that made one directly would make the snapshot
# miss a change: rules go through handrail.engine.inputs.
_FILE_SYSTEM_METHODS = {
    "read_text", "read_bytes", "open", "is_file", "is_dir", "exists", "glob", "rglob",
    "iterdir", "stat", "lstat", "listdir", "scandir", "isfile", "isdir", "getsize", "getmtime",
}  # fmt: skip


def test_rules_read_the_file_system_only_through_inputs() -> None:
    direct = []
    for path in sorted(CODEMODS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == "open":
                direct.append(f"{path.name}:{node.lineno}")
            elif isinstance(func, ast.Attribute):
                owner = ast.unparse(func.value)
                if owner != "inputs" and (
                    func.attr in _FILE_SYSTEM_METHODS or (owner == "os" and func.attr == "walk")
                ):
                    direct.append(f"{path.name}:{node.lineno}: {ast.unparse(func)}")
    assert direct == []
