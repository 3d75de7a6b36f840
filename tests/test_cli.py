"""The command line's promises: exit codes, output formats, dry runs, and never damaging a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_handrail, tree

ROUTE = """\
import express from "express";
import { z } from "zod";

const ListQuery = z.object({
  page: z.number().int().min(1),
  limit: z.number().max(100).optional(),
});

export const router = express.Router();

router.get("/users", (req, res) => {
  const query = ListQuery.parse(req.query);
  res.json({ page: query.page });
});
"""

FIXED_ROUTE = ROUTE.replace("z.number()", "z.coerce.number()")

CLEAN = """\
import { z } from "zod";

export const Name = z.string().min(1);
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "demo", "dependencies": {"zod": "^4.1.0"}}\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "users.ts").write_text(ROUTE)
    (tmp_path / "src" / "clean.ts").write_text(CLEAN)
    return tmp_path


def test_scan_reports_findings_with_a_code_frame_and_exits_1(project: Path) -> None:
    result = run_handrail(["scan", "--select", "zod/coerce-number"], project)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "src/users.ts"
    assert any("5:9" in line and "zod/coerce-number" in line for line in lines)
    assert any(line.strip().startswith("> 5 |") for line in lines)
    assert lines[-1].startswith("2 findings in 1 file, 2 fixable (2 safe)")
    assert "\x1b[" not in result.stdout  # not a terminal: no colors


def test_clean_code_exits_0(project: Path) -> None:
    result = run_handrail(["scan", "src/clean.ts"], project)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("0 findings in 0 files, 0 fixable")


def test_exit_zero_only_masks_findings(project: Path) -> None:
    assert run_handrail(["scan", "--exit-zero"], project).exit_code == 0
    (project / "src" / "broken.ts").write_text("const a = (1;\n")
    assert run_handrail(["scan", "--exit-zero"], project).exit_code == 1


def test_json_document_shape(project: Path) -> None:
    result = run_handrail(["scan", "--format", "json", "--select", "zod/"], project)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert document["errors"] == []
    first = document["findings"][0]
    assert set(first) == {
        "rule",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "severity",
        "fix",
    }
    assert (first["rule"], first["path"], first["line"], first["column"]) == (
        "zod/coerce-number",
        "src/users.ts",
        5,
        9,
    )
    assert first["severity"] in {"error", "warning", "info"}
    assert first["fix"]["applicability"] == "safe"
    [edit] = first["fix"]["edits"]
    assert set(edit) == {"line", "column", "end_line", "end_column", "replacement"}
    summary = document["summary"]
    assert summary["findings"] == 2 and summary["fixable"] == 2 and summary["files_checked"] == 2


def test_usage_and_configuration_errors_exit_2(project: Path) -> None:
    unknown = run_handrail(["scan", "--select", "nope/"], project)
    assert unknown.exit_code == 2
    assert "nope/" in unknown.stderr and unknown.stderr[-1] == "\n" and unknown.stderr.count("\n") == 1
    assert run_handrail(["scan", "--bogus"], project).exit_code == 2
    (project / "handrail.toml").write_text("selct = ['zod/']\n")
    bad = run_handrail(["scan"], project)
    assert bad.exit_code == 2
    assert "handrail.toml" in bad.stderr and "selct" in bad.stderr


def test_fix_applies_safe_fixes_and_reports_them(project: Path) -> None:
    result = run_handrail(["fix"], project)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (project / "src" / "users.ts").read_text() == FIXED_ROUTE
    assert "fixed src/users.ts: 2 x zod/coerce-number" in result.stdout
    assert "Fixed 2 findings in 1 file." in result.stdout


def test_dry_run_writes_nothing_and_its_patch_applies(project: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    before = tree(project)
    result = run_handrail(["fix", "--dry-run"], project)
    assert result.exit_code == 1  # there would be changes
    assert tree(project) == before
    assert result.stdout.startswith("diff --git a/src/users.ts b/src/users.ts\n")
    assert "Would fix 2 findings" in result.stderr  # stdout holds only the patch
    (project / "x.patch").write_text(result.stdout)
    subprocess.run(["git", "apply", "x.patch"], cwd=project, check=True)
    assert (project / "src" / "users.ts").read_text() == FIXED_ROUTE
    assert run_handrail(["fix", "--diff"], project).exit_code == 0  # nothing left to change


def test_colored_diff_on_request(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run_handrail(["fix", "--diff"], project).stdout
    assert "\x1b[" not in run_handrail(["fix", "--diff", "--no-color"], project).stdout


def test_crlf_and_bom_keep_every_byte_outside_the_edits(project: Path) -> None:
    path = project / "src" / "users.ts"
    path.write_bytes(b"\xef\xbb\xbf" + ROUTE.replace("\n", "\r\n").encode())
    assert run_handrail(["fix"], project).exit_code == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + FIXED_ROUTE.replace("\n", "\r\n").encode()


@pytest.mark.parametrize(
    "text",
    [
        ROUTE.replace("res.json({ page: query.page });", "res.json({ page: query.page );"),
        # tree-sitter repairs this one without an ERROR node (a MISSING `}`): the file has a
        # finding, so the full check runs and catches it.
        ROUTE + "\nexport function unfinished() {\n",
    ],
    ids=["error node", "missing brace"],
)
def test_a_file_with_a_syntax_error_is_reported_and_left_alone(project: Path, text: str) -> None:
    broken = project / "src" / "broken.ts"
    broken.write_text(text)
    result = run_handrail(["fix"], project)
    assert result.exit_code == 1
    assert "src/broken.ts" in result.stderr and "syntax error" in result.stderr
    assert broken.read_text() == text
    assert (project / "src" / "users.ts").read_text() == FIXED_ROUTE  # the others are fixed


def test_a_file_changed_between_read_and_write_is_not_overwritten(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handrail.engine.runner as runner

    real = runner.plan_fixes
    path = project / "src" / "users.ts"

    def plan_then_edit_behind_our_back(*args, **kwargs):  # type: ignore[no-untyped-def]
        plan = real(*args, **kwargs)
        path.write_text(ROUTE + "// saved by the editor\n")
        return plan

    monkeypatch.setattr(runner, "plan_fixes", plan_then_edit_behind_our_back)
    result = run_handrail(["fix"], project)
    assert result.exit_code == 1
    assert "src/users.ts" in result.stderr and "changed on disk" in result.stderr
    assert path.read_text() == ROUTE + "// saved by the editor\n"


def test_fixes_that_would_break_the_syntax_are_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handrail.engine.planner as planner

    real = planner.apply_edits
    monkeypatch.setattr(planner, "apply_edits", lambda *a, **k: real(*a, **k) + "(((\n")
    result = run_handrail(["fix"], project)
    assert result.exit_code == 1
    assert "src/users.ts: fixes refused" in result.stderr
    assert (project / "src" / "users.ts").read_text() == ROUTE


def test_select_and_ignore_take_prefixes(project: Path) -> None:
    assert run_handrail(["scan", "--ignore", "zod/"], project).exit_code == 0
    assert run_handrail(["scan", "--select", "zod", "--ignore", "zod/coerce-number"], project).exit_code == 0
    assert run_handrail(["scan", "--select", "errors/,zod/coerce-number"], project).exit_code == 1


def test_verbose_lists_what_was_skipped_and_why(project: Path) -> None:
    (project / "node_modules" / "zod").mkdir(parents=True)
    (project / "node_modules" / "zod" / "index.js").write_text("export const z = {};\n")
    (project / "dist").mkdir()
    (project / "dist" / "users.js").write_text(ROUTE)
    (project / "src" / "latin1.ts").write_bytes(b"// caf\xe9\n")
    result = run_handrail(["scan", "--verbose", "--select", "zod/"], project)
    assert "skipped src/latin1.ts: not UTF-8" in result.stderr
    assert "dist" in result.stderr and "node_modules" in result.stderr
    assert "dist/users.js" not in result.stdout


def test_explicit_paths_are_checked_even_when_ignored(project: Path) -> None:
    (project / "dist").mkdir()
    (project / "dist" / "users.ts").write_text(ROUTE)
    (project / ".gitignore").write_text("src/users.ts\n")
    assert run_handrail(["scan", "--select", "zod/"], project).exit_code == 0
    assert run_handrail(["scan", "src/users.ts"], project).exit_code == 1
    assert run_handrail(["scan", "dist/users.ts"], project).exit_code == 1


def test_a_missing_path_is_an_error_naming_it(project: Path) -> None:
    result = run_handrail(["scan", "src/nope.ts"], project)
    assert result.exit_code == 1
    assert "src/nope.ts" in result.stderr


def test_parallel_jobs_find_the_same_as_one(project: Path) -> None:
    for i in range(80):
        (project / "src" / f"route{i}.ts").write_text(ROUTE)
    one = run_handrail(["scan", "--format", "json", "--jobs", "1"], project)
    two = run_handrail(["scan", "--format", "json", "--jobs", "2"], project)
    assert json.loads(one.stdout)["findings"] == json.loads(two.stdout)["findings"]
    assert json.loads(one.stdout)["summary"]["findings"] == 162


def test_rules_and_explain(project: Path) -> None:
    rules = run_handrail(["rules"], project)
    assert rules.exit_code == 0
    for rule_id in ("zod/coerce-number", "errors/catch-console-log", "errors/except-print"):
        assert rule_id in rules.stdout
    explain = run_handrail(["explain", "zod/coerce-number"], project)
    assert explain.exit_code == 0
    for heading in ("Why is this bad?", "Example", "Fix safety"):
        assert heading in explain.stdout
    assert "z.coerce.number()" in explain.stdout
    missing = run_handrail(["explain", "zod/nope"], project)
    assert missing.exit_code == 2 and "zod/nope" in missing.stderr


def test_the_installed_program_runs(project: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "handrail.engine", "scan", "--format", "json"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["summary"]["findings"] == 2


def test_a_crashing_rule_is_reported_and_exits_2(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from handrail.codemods import catalog

    [rule] = [r for r in catalog() if r.id == "zod/coerce-number"]

    def boom(self: object, ctx: object) -> list[object]:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(rule, "check", boom)
    result = run_handrail(["scan"], project)
    assert result.exit_code == 2
    assert "internal error in rule zod/coerce-number" in result.stderr and "kaboom" in result.stderr


def test_top_level_help_lists_every_command_with_its_own_help() -> None:
    from handrail.engine.cli import COMMANDS, main

    result = run_handrail(["--help"], Path.cwd())
    assert result.exit_code == 0
    for name, (_target, short) in COMMANDS.items():
        assert f"{name}  " in result.stdout and short in " ".join(result.stdout.split())
        command = main.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and (command.help or "").splitlines()[0] == short


def _modules_loaded_by(code: str) -> list[str]:
    """The modules a fresh interpreter has loaded after running `code`."""
    listing = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def _within(loaded: list[str], *packages: str) -> list[str]:
    return [m for m in loaded if any(m == p or m.startswith(p + ".") for p in packages)]


def test_help_and_version_do_not_load_the_engine() -> None:
    loaded = _modules_loaded_by(
        "from handrail.engine.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert _within(loaded, "ast_grep_py", "rich", "tree_sitter", "handrail.codemods") == []


def test_loading_the_rule_catalog_loads_no_analysis_code() -> None:
    # Every run loads the catalog, warm ones included: a rule imports its analysis helpers
    # when it first works on a file. What the class definitions need is light.
    light = {
        "handrail.codemods._js_bindings",
        "handrail.codemods._js_nodes",
        "handrail.codemods._py_loop_rule",
        "handrail.codemods.errors._js_browser",
        "handrail.codemods.errors._js_scopes",
        "handrail.codemods.errors._js_syntax",
        "handrail.codemods.prisma._ops",
        "handrail.codemods.zod._rule",
    }
    loaded = _modules_loaded_by("from handrail.codemods import catalog\ncatalog()")
    helpers = {m for m in _within(loaded, "handrail.codemods") if m.rsplit(".", 1)[-1].startswith("_")}
    assert helpers <= light, sorted(helpers - light)
    assert _within(loaded, "libcst", "tree_sitter", "rich") == []


def test_quiet_prints_findings_but_no_summary(project: Path) -> None:
    result = run_handrail(["scan", "--quiet"], project)
    assert result.exit_code == 1
    assert "zod/coerce-number" in result.stdout
    assert "findings in" not in result.stdout
    fixed = run_handrail(["fix", "--quiet"], project)
    assert fixed.exit_code == 0 and fixed.stdout == ""
    assert (project / "src" / "users.ts").read_text() == FIXED_ROUTE


def test_config_flag_picks_the_file(project: Path) -> None:
    (project / "conf").mkdir()
    (project / "conf" / "strict.toml").write_text('ignore = ["zod/"]\n')
    assert run_handrail(["scan", "--config", "conf/strict.toml"], project).exit_code == 0
    missing = run_handrail(["scan", "--config", "conf/nope.toml"], project)
    assert missing.exit_code == 2 and "nope.toml" in missing.stderr


def test_rules_as_json() -> None:
    result = run_handrail(["rules", "--format", "json"], Path.cwd())
    rows = json.loads(result.stdout)
    assert {"zod/coerce-number", "prisma/n-plus-one", "handrail/unused-suppression"} <= {
        r["id"] for r in rows
    }
    assert all(r["fix_safety"] in {"safe", "unsafe", "suggestion"} and r["summary"] for r in rows)


def test_a_named_file_that_cannot_be_read_as_source_is_an_error(project: Path) -> None:
    latin1 = project / "src" / "latin1.ts"
    latin1.write_bytes(b"const caf\xe9 = 1;\n")
    binary = project / "src" / "blob.js"
    binary.write_bytes(b"\x00\x01\x02")
    result = run_handrail(["fix", "src/latin1.ts", "src/blob.js"], project)
    assert result.exit_code == 1
    assert "src/latin1.ts: cannot check: not UTF-8" in result.stderr
    assert "src/blob.js: cannot check: binary file" in result.stderr
    assert latin1.read_bytes() == b"const caf\xe9 = 1;\n" and binary.read_bytes() == b"\x00\x01\x02"


def test_paths_are_shown_relative_to_the_working_folder_even_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text("try { run(); } catch (err) { console.log(err); }\n")
    named = (tmp_path / "a.ts").relative_to("/")
    result = run_handrail(["scan", "--format", "json", "--no-cache", str(named)], Path("/"))
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["path"] == named.as_posix()


def test_python_that_only_cpython_rejects_is_reported_and_left_alone(tmp_path: Path) -> None:
    # tree-sitter parses `async = 1` without an ERROR node; CPython (and libcst) do not.
    text = "async = 1\n\n\ndef f():\n    try:\n        g()\n    except OSError as e:\n        print(e)\n"
    (tmp_path / "job.py").write_text(text)
    result = run_handrail(["fix", "--unsafe-fixes"], tmp_path)
    assert result.exit_code == 1
    assert "job.py" in result.stderr and "syntax error" in result.stderr
    assert (tmp_path / "job.py").read_text() == text
