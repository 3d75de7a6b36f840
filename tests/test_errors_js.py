"""Unit tests for errors/catch-console-log and errors/unlogged-500 (TS/JS).

The before/after cases in tests/cases/errors/ cover applied fixes end to end; these tests look
at what a case folder cannot show: the text of suggestions, the fix a finding carries before
the engine picks one, and the helpers that compute import specifiers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ast_grep_py import SgRoot

from handrail.codemods.errors._js_modules import extension_style, import_specifier, resolve_specifier
from handrail.codemods.errors._js_pino import pino_factories
from handrail.codemods.errors.catch_console_log import CatchConsoleLog
from handrail.codemods.errors.unlogged_500 import Unlogged500
from handrail.engine.config import Config
from handrail.engine.model import Applicability, Finding
from handrail.engine.rule import Rule
from handrail.engine.runner import Settings, fix, scan

PINO = json.dumps({"dependencies": {"pino": "^9.5.0"}})
LOGGER_TS = 'import pino from "pino";\nexport const logger = pino();\n'


def project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def findings(rule: type[Rule], root: Path) -> list[Finding]:
    settings = Settings(paths=[root], cwd=root, config=Config(base=root), rules=[rule], jobs=1)
    result = scan(settings)
    assert not result.errors and not result.internal_errors
    return sorted(result.findings, key=lambda f: (f.path, f.start))


def with_fix(root: Path, rel: str, finding: Finding) -> str:
    """The file's text with one finding's fix applied (suggestions included)."""
    assert finding.fix is not None
    text = (root / rel).read_text()
    for edit in sorted(finding.fix.edits, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def fixed(rule: type[Rule], root: Path, rel: str, minimum: Applicability = Applicability.UNSAFE) -> str:
    settings = Settings(paths=[root], cwd=root, config=Config(base=root), rules=[rule], jobs=1)
    outcome = fix(scan(settings), minimum, write=False)
    [file_fix] = [f for f in outcome.files if f.result.job.path == root / rel]
    assert file_fix.error is None
    return file_fix.plan.text


# --- unlogged-500: the suggestion text ------------------------------------------------------

HANDLER = """\
app.get("/x", async (req, res) => {
  try {
    await work();
  } catch (err) {
    res.status(500).json({ error: "Could not work" });
  }
});
"""


def test_suggestion_logs_before_the_response_with_its_indentation(tmp_path: Path) -> None:
    root = project(tmp_path, {"src/app.ts": HANDLER})
    [finding] = findings(Unlogged500, root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SUGGESTION
    assert with_fix(root, "src/app.ts", finding) == HANDLER.replace(
        "    res.status(500)", "    console.error(err);\n    res.status(500)"
    )


def test_suggestion_binds_a_bindingless_catch(tmp_path: Path) -> None:
    source = "try { run(); } catch {\n  const error = 1;\n  if (bad) return res.sendStatus(500)\n}\n"
    root = project(tmp_path, {"src/app.js": source})
    [finding] = findings(Unlogged500, root)
    assert with_fix(root, "src/app.js", finding) == (
        "try { run(); } catch (err) {\n  const error = 1;\n  console.error(err)\n"
        "  if (bad) return res.sendStatus(500)\n}\n"
    )


def test_suggestion_on_a_one_line_catch(tmp_path: Path) -> None:
    source = "try { run(); } catch (e) { reply.code(500).send({ error: 'x' }) }\n"
    root = project(tmp_path, {"src/app.js": source})
    [finding] = findings(Unlogged500, root)
    assert with_fix(root, "src/app.js", finding) == source.replace("{ reply", "{ console.error(e); reply")


def test_suggestion_uses_the_file_s_pino_logger(tmp_path: Path) -> None:
    source = 'import pino from "pino";\nconst log = pino();\n' + HANDLER
    root = project(tmp_path, {"package.json": PINO, "src/app.ts": source})
    [finding] = findings(Unlogged500, root)
    expected = 'log.error({ err }, "Could not work");\n    res.status(500)'
    assert expected in with_fix(root, "src/app.ts", finding)


def test_suggestion_uses_an_imported_project_logger_but_never_adds_an_import(tmp_path: Path) -> None:
    imported = 'import { logger } from "./lib/logger";\n' + HANDLER
    root = project(
        tmp_path,
        {"package.json": PINO, "src/lib/logger.ts": LOGGER_TS, "src/a.ts": imported, "src/b.ts": HANDLER},
    )
    a, b = findings(Unlogged500, root)
    assert 'logger.error({ err }, "Could not work");' in with_fix(root, "src/a.ts", a)
    assert "console.error(err);" in with_fix(root, "src/b.ts", b)


def test_a_logger_import_that_is_not_pino_is_not_used(tmp_path: Path) -> None:
    source = 'import { logger } from "./lib/logger";\n' + HANDLER
    winston = 'import winston from "winston";\nexport const logger = winston.createLogger();\n'
    root = project(tmp_path, {"package.json": PINO, "src/lib/logger.ts": winston, "src/a.ts": source})
    [finding] = findings(Unlogged500, root)
    assert "console.error(err);" in with_fix(root, "src/a.ts", finding)


@pytest.mark.parametrize(
    "catch_body",
    [
        "console.log('failed'); res.status(500).end();",
        "logger.warn({ err }); res.status(500).end();",
        "next(err);",
        "res.status(500).end(); throw err;",
        "tracker.capture(err); res.status(500).end();",
        "res.status(503).end();",
        "reply.code(500).send(err);",
    ],
)
def test_handled_or_not_500_is_not_flagged(tmp_path: Path, catch_body: str) -> None:
    root = project(tmp_path, {"src/app.js": f"try {{ run(); }} catch (err) {{ {catch_body} }}\n"})
    assert findings(Unlogged500, root) == []


@pytest.mark.parametrize(
    "catch_body",
    [
        "res.status(500).json({ error: getErrorMessage(err) });",
        "if (isHttpError(err)) return res.status(err.status).end(); res.status(500).end();",
        "res.status(StatusCodes.INTERNAL_SERVER_ERROR).json({ message: String(err) });",
        "res.statusCode = 500; res.end();",
        "return c.json({ error: 'x' }, 500);",
    ],
)
def test_unlogged_500_shapes(tmp_path: Path, catch_body: str) -> None:
    root = project(tmp_path, {"src/app.js": f"try {{ run(); }} catch (err) {{ {catch_body} }}\n"})
    assert len(findings(Unlogged500, root)) == 1


def test_a_nested_catch_is_judged_on_its_own(tmp_path: Path) -> None:
    source = (
        "try { run(); } catch (err) {\n"
        "  console.error(err);\n"
        "  try { rollback(); } catch (rollbackErr) { res.status(500).end(); return; }\n"
        "  res.status(500).end();\n"
        "}\n"
    )
    root = project(tmp_path, {"src/app.js": source})
    [finding] = findings(Unlogged500, root)
    assert finding.message.endswith("never logs the caught error")
    assert "catch (rollbackErr) { console.error(rollbackErr); res.status(500)" in with_fix(
        root, "src/app.js", finding
    )


# --- catch-console-log: the fix before the engine chooses -----------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("console.log(e)", "console.error(e)"),
        ("console.log('Failed: ' + e.message)", "console.error('Failed:', e)"),
        ("console.log(`${e}`)", "console.error(e)"),
        ("console.log(`Failed: ${(e as Error).message}`)", 'console.error("Failed:", e)'),
        ("console.log(e.toString(), 'x')", "console.error(e, 'x')"),
        # The new first argument would be a format string: only the rename.
        ("console.log(`100%d done: ${e}`)", "console.error(`100%d done: ${e}`)"),
        # The error is not last: only the rename.
        ("console.log(`${e} while saving`)", "console.error(`${e} while saving`)"),
        ("console.log('a' + e + 'b')", "console.error('a' + e + 'b')"),
    ],
)
def test_console_error_rewrites(tmp_path: Path, call: str, expected: str) -> None:
    source = f"try {{ run(); }} catch (e) {{\n  {call};\n}}\n"
    root = project(tmp_path, {"src/job.ts": source})
    assert fixed(CatchConsoleLog, root, "src/job.ts", Applicability.SAFE) == source.replace(call, expected)


@pytest.mark.parametrize(
    "call",
    ["console.log(e.code)", "console.log(typeof e)", "console.log(e instanceof Error)", "console.log('x')"],
)
def test_calls_that_do_not_show_the_error_are_not_flagged(tmp_path: Path, call: str) -> None:
    root = project(tmp_path, {"src/job.ts": f"try {{ run(); }} catch (e) {{ {call}; }}\n"})
    assert findings(CatchConsoleLog, root) == []


def test_nested_catches_use_the_innermost_name(tmp_path: Path) -> None:
    source = (
        "try { a(); } catch (outer) {\n"
        "  try { b(); } catch (inner) {\n    console.log(`x ${inner}`, outer);\n  }\n}\n"
    )
    root = project(tmp_path, {"src/job.ts": source})
    [finding] = findings(CatchConsoleLog, root)
    assert "`inner`" in finding.message
    assert 'console.error("x", inner, outer)' in fixed(CatchConsoleLog, root, "src/job.ts")


def test_two_findings_share_one_added_import(tmp_path: Path) -> None:
    source = (
        'import { db } from "./db";\n\n'
        "export async function a() {\n  try { await db.a(); } catch (e) { console.log('a failed', e); }\n}\n"
        "export async function b() {\n  try { await db.b(); } catch (e) { console.log('b failed', e); }\n}\n"
    )
    root = project(tmp_path, {"package.json": PINO, "src/lib/logger.ts": LOGGER_TS, "src/jobs.ts": source})
    first, second = findings(CatchConsoleLog, root)
    assert first.fix is not None and second.fix is not None and first.fix.overlaps(second.fix)
    text = fixed(CatchConsoleLog, root, "src/jobs.ts")
    assert text.count('import { logger } from "./lib/logger";') == 1
    assert "logger.error({ err: e }, 'a failed')" in text and "logger.error({ err: e }, 'b failed')" in text


def test_a_taken_logger_name_keeps_console_error(tmp_path: Path) -> None:
    source = "const logger = makeLogger();\ntry { run(); } catch (e) { console.log('x', e); }\n"
    root = project(tmp_path, {"package.json": PINO, "src/lib/logger.ts": LOGGER_TS, "src/job.ts": source})
    [finding] = findings(CatchConsoleLog, root)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "console.error('x', e)" in fixed(CatchConsoleLog, root, "src/job.ts")


def test_a_shadowed_file_logger_is_not_used(tmp_path: Path) -> None:
    source = (
        'import pino from "pino";\nconst logger = pino();\n'
        "export function run(logger: Console) {\n  try { go(); } catch (e) { console.log('x', e); }\n}\n"
    )
    root = project(tmp_path, {"package.json": PINO, "src/job.ts": source})
    assert "console.error('x', e)" in fixed(CatchConsoleLog, root, "src/job.ts")


def test_commonjs_module_exports_logger(tmp_path: Path) -> None:
    logger = "const pino = require('pino');\nmodule.exports = pino();\n"
    source = "const db = require('./db');\ntry { db.run(); } catch (err) { console.log(err); }\n"
    root = project(tmp_path, {"package.json": PINO, "logger.js": logger, "jobs/run.js": source})
    text = fixed(CatchConsoleLog, root, "jobs/run.js")
    assert text.startswith("const db = require('./db');\nconst logger = require('../logger');\n")
    assert "logger.error({ err });" in text


def test_commonjs_file_does_not_require_an_es_module(tmp_path: Path) -> None:
    logger = 'import pino from "pino";\nexport const logger = pino();\n'
    source = "const db = require('./db');\ntry { db.run(); } catch (err) { console.log(err); }\n"
    root = project(tmp_path, {"package.json": PINO, "logger.mjs": logger, "run.js": source})
    assert "console.error(err)" in fixed(CatchConsoleLog, root, "run.js")


def test_logger_reexported_from_an_index(tmp_path: Path) -> None:
    files = {
        "package.json": PINO,
        "src/lib/log.ts": 'import pino from "pino";\nconst base = pino();\nexport default base.child({});\n',
        "src/lib/index.ts": 'export { default as logger } from "./log";\nexport * from "./db";\n',
        "src/job.ts": "import { logger } from './lib';\ntry { run(); } catch (e) { console.log(e); }\n",
    }
    root = project(tmp_path, files)
    assert "logger.error({ err: e });" in fixed(CatchConsoleLog, root, "src/job.ts")


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "style", "expected"),
    [
        ("/p/src/lib/logger.ts", None, "../lib/logger"),
        ("/p/src/lib/logger.ts", "js", "../lib/logger.js"),
        ("/p/src/lib/logger.ts", "ts", "../lib/logger.ts"),
        ("/p/src/lib/logger/index.ts", "none", "../lib/logger"),
        ("/p/src/lib/logger/index.ts", "js", "../lib/logger/index.js"),
        ("/p/src/routes/logger.mts", "js", "./logger.mjs"),
        ("/p/src/routes/logger.cjs", None, "./logger.cjs"),
    ],
)
def test_import_specifier(target: str, style: str | None, expected: str) -> None:
    assert import_specifier("/p/src/routes/users.ts", target, style) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("../lib/logger", "/p/src/lib/logger.ts"),
        ("../lib/logger.js", "/p/src/lib/logger.ts"),
        ("../lib", "/p/src/lib/index.ts"),
        ("./missing", None),
    ],
)
def test_resolve_specifier(spec: str, expected: str | None) -> None:
    known = {"/p/src/lib/logger.ts": 1, "/p/src/lib/index.ts": 1}
    assert resolve_specifier("/p/src/routes/users.ts", spec, known) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('import pino from "pino";', {"pino"}),
        ('import { pino as p } from "pino";', {"p"}),
        ("const pino = require('pino');", {"pino"}),
        ("const { pino: p } = require('pino');", {"p"}),
        ("const { default: p } = require('pino');", {"p"}),  # pino's CommonJS export sets .default
        ('import type pino from "pino";', set()),  # a type-only import cannot be called
        ('import pino from "./pino";', set()),
    ],
)
def test_pino_factories(source: str, expected: set[str]) -> None:
    assert pino_factories(SgRoot(source, "typescript").root()) == expected


def test_extension_style_breaks_ties_alphabetically() -> None:
    source = "const a = require('./a');\nconst b = require('./b.js');\n"
    assert extension_style(SgRoot(source, "javascript").root()) == "js"
