"""Unit tests for errors/except-print (Python, libcst).

The cases in tests/cases/errors/except-print/ run whole projects through the CLI; these tests
pin the message rewriting shape by shape, the name-resolution corners (shadowing, nested
scopes, module-level code), and the demo backend in fixtures/fastapi-app against EXPECTED.md.
"""

from __future__ import annotations

import json
import py_compile
import re
import shutil
from pathlib import Path

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from handrail.codemods.errors._py import add_logging_import
from handrail.codemods.errors.except_print import (
    Arg,
    ExceptPrint,
    Marker,
    Part,
    Style,
    Text,
    _has_candidate_text,
    _may_have_sites,
    render_message,
    without_exception,
)
from handrail.engine.config import Config
from handrail.engine.context import FileContext
from handrail.engine.languages import Language
from handrail.engine.model import Applicability, Finding
from handrail.engine.project import ProjectInfo
from handrail.engine.runner import Settings, fix, scan
from tests.conftest import ROOT, run_handrail

EXC = Marker.EXC
FIXTURE = ROOT / "fixtures" / "fastapi-app"


def check(text: str, options: dict[str, object] | None = None) -> list[Finding]:
    ctx = FileContext(
        Path("/project/app/module.py"),
        "app/module.py",
        text,
        Language.PYTHON,
        ProjectInfo(root=Path("/project")),
        {ExceptPrint.id: options or {}},
    )
    return list(ExceptPrint().check(ctx))


def applied(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def fixed_by_engine(tmp_path: Path, text: str) -> str:
    """The file after `handrail fix --unsafe-fixes`, overlapping fixes and re-runs included."""
    (tmp_path / "requirements.txt").write_text("")
    target = tmp_path / "app" / "module.py"
    target.parent.mkdir()
    target.write_text(text)
    settings = Settings(
        paths=[tmp_path], cwd=tmp_path, config=Config(base=tmp_path), rules=[ExceptPrint], jobs=1
    )
    outcome = fix(scan(settings), Applicability.UNSAFE, write=False)
    [file_fix] = [f for f in outcome.files if f.result.job.path == target]
    assert file_fix.error is None
    text = file_fix.plan.text
    assert all(f.fix is None for f in check(text)), "fixable findings remain after fix"
    return text


# --- dropping the exception from the message -------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([Text("Error: "), EXC], [Text("Error")]),
        ([EXC], []),
        (
            [Text("failed to save "), Arg("user_id"), Text(": "), EXC],
            [Text("failed to save "), Arg("user_id")],
        ),
        ([Text("Could not connect ("), EXC, Text("), retrying")], [Text("Could not connect, retrying")]),
        ([Text("Error '"), EXC, Text("' while saving")], [Text("Error while saving")]),
        ([EXC, Text(" while saving")], [Text("while saving")]),
        ([EXC, Text(": "), EXC], []),  # f"{type(e).__name__}: {e}"
        ([Text("Unexpected: "), EXC, Text(": "), EXC], [Text("Unexpected")]),
        ([Arg("user_id"), Text(": "), EXC], [Arg("user_id")]),
        ([Text("Error: "), EXC, Text("\n")], [Text("Error")]),
        ([Text("Error - "), EXC, Text(". Retrying")], [Text("Error. Retrying")]),
    ],
)
def test_without_exception(parts: list[Part], expected: list[Part]) -> None:
    assert without_exception(parts) == expected


# --- writing the message back --------------------------------------------------------------


def test_percent_signs_are_escaped_only_when_logging_will_format() -> None:
    plain = render_message([Text("100% failed")], Style.PERCENT, '"', "x", formatted=False)
    assert plain == ['"100% failed"']
    formatted = render_message(
        [Text("100% failed for "), Arg("job")], Style.PERCENT, '"', "x", formatted=False
    )
    assert formatted == ['"100%% failed for %s"', "job"]


def test_braces_are_escaped_for_loguru_when_it_formats() -> None:
    assert render_message([Text("{x}")], Style.BRACE, '"', "x", formatted=False) == ['"{x}"']
    assert render_message([Text("{x}")], Style.BRACE, '"', "x", formatted=True) == ['"{{x}}"']
    assert render_message([Text("{x} "), Arg("n", "r")], Style.BRACE, '"', "x", formatted=False) == [
        '"{{x}} {!r}"',
        "n",
    ]


def test_eager_messages_pick_a_quote_the_expressions_do_not_use() -> None:
    parts: list[Part] = [Text("row "), Arg('row["id"]')]
    assert render_message(parts, Style.FSTRING, '"', "x", formatted=False) == ["f'row {row[\"id\"]}'"]
    both = [Text("row "), Arg("""row["it's"]""")]
    assert render_message(both, Style.FSTRING, '"', "x", formatted=False) is None


def test_format_specs_become_format_calls_for_percent_style() -> None:
    parts: list[Part] = [Text("took "), Arg("elapsed", "", ".2f"), Text("s")]
    assert render_message(parts, Style.PERCENT, '"', "x", formatted=False) == [
        '"took %ss"',
        'format(elapsed, ".2f")',
    ]


def test_percent_placeholders_other_than_s_r_a_have_no_brace_form() -> None:
    parts: list[Part] = [Text("took "), Arg("elapsed", percent="%.2f")]
    assert render_message(parts, Style.BRACE, '"', "x", formatted=False) is None


def test_empty_messages_get_the_default() -> None:
    assert render_message([Text(" : ")], Style.PERCENT, "'", "Boom", formatted=False) == ["'Boom'"]


# --- rewrites, one call at a time ------------------------------------------------------------

HANDLER = """\
import logging
import sys

logger = logging.getLogger(__name__)


def handler(user_id, elapsed, args, handle, msg):
    try:
        work()
    except ValueError as e:
        {line}
"""

REWRITES = [
    ("print(e)", 'logger.exception("Unexpected error")', "unsafe"),
    ('print("Error:", e)', 'logger.exception("Error")', "unsafe"),
    ('print(f"failed to save {user_id}: {e}")', 'logger.exception("failed to save %s", user_id)', "unsafe"),
    ('print("x" + str(e))', 'logger.exception("x")', "unsafe"),
    ('print("user " + str(user_id) + ": " + str(e))', 'logger.exception("user %s", user_id)', "unsafe"),
    ('print(f"took {elapsed:.2f}s: {e}")', 'logger.exception("took %ss", format(elapsed, ".2f"))', "unsafe"),
    ('print("Error: {}".format(e))', 'logger.exception("Error")', "unsafe"),
    ('print("Error: {} for {!r}".format(e, user_id))', 'logger.exception("Error for %r", user_id)', "unsafe"),
    ('print("Failed %s: %s" % (user_id, e))', 'logger.exception("Failed %s", user_id)', "unsafe"),
    ('print("50% done:", e)', 'logger.exception("50% done")', "unsafe"),
    ('print("50% done for", user_id, e)', 'logger.exception("50%% done for %s", user_id)', "unsafe"),
    ('print("a", e, sep=" | ")', 'logger.exception("a")', "unsafe"),
    ("print(e, file=sys.stderr, flush=True)", 'logger.exception("Unexpected error")', "unsafe"),
    ('print(f"tab\\there: {e}")', 'logger.exception("tab\\there")', "unsafe"),
    ("print(f'it failed: {e!r}')", "logger.exception('it failed')", "unsafe"),
    ("""print(f"it's {type(e).__name__}: {e}")""", """logger.exception("it's")""", "unsafe"),
    ("logging.error(e)", 'logger.exception("Unexpected error")', "safe"),
    ('logger.error("x %s", e)', 'logger.exception("x")', "safe"),
    ('logger.error("failed", e)', 'logger.exception("failed")', "safe"),
    ('logger.error("%s: %d%% of %s", e, 5, user_id)', 'logger.exception("%d%% of %s", 5, user_id)', "safe"),
    (
        'logger.error(f"{user_id}: {e}", stacklevel=2)',
        'logger.exception("%s", user_id, stacklevel=2)',
        "safe",
    ),
    ("logger.error(str(e))", 'logger.exception("Unexpected error")', "safe"),
    ('logger.critical(f"db down: {e}")', 'logger.critical("db down", exc_info=True)', "safe"),
    (
        'logging.getLogger("jobs").error(f"job failed: {e}")',
        'logging.getLogger("jobs").exception("job failed")',
        "safe",
    ),
    ('self.log.error(f"{user_id} failed: {e}")', 'self.log.exception(f"{user_id} failed")', "unsafe"),
    ('audit_log.error("denied: %s", e)', 'audit_log.exception("denied")', "unsafe"),
]


@pytest.mark.parametrize(("line", "replacement", "applicability"), REWRITES, ids=[r[0] for r in REWRITES])
def test_rewrite(line: str, replacement: str, applicability: str) -> None:
    text = HANDLER.replace("{line}", line)
    [finding] = check(text)
    assert text[finding.start : finding.end] == line
    assert finding.fix is not None
    assert finding.fix.applicability.label == applicability
    assert applied(text, finding) == text.replace(line, replacement)


NOT_FIXABLE = [
    "print(*args, e)",
    'print("a", e, sep=msg)',
    'print(f"{user_id=}: {e}")',
    'print(f"{user_id:{elapsed}}: {e}")',
    'logger.error("%(user)s failed: %s", e)',
    "logger.error(msg, e)",
    "logger.error(  # keep this comment\n            e)",
    'self.log.critical(f"down: {e}")',
    'self.log.error("%5.1f%% failed: %s", elapsed, e)',  # no faithful f-string for %5.1f
]


@pytest.mark.parametrize("line", NOT_FIXABLE)
def test_reported_without_a_fix_when_the_message_cannot_be_rewritten_faithfully(line: str) -> None:
    [finding] = check(HANDLER.replace("{line}", line))
    assert finding.fix is None


NOT_REPORTED = [
    'print("saving", user_id)',
    "print(e, file=handle)",
    'print("status", e.args)',
    'logger.error(f"{e}", exc_info=True)',
    'logger.error("status %s", e.args[0])',
    'logger.warning(f"retrying: {e}")',
    'logger.exception(f"failed: {e}")',
    'logger.info(f"failed: {e}")',
    "print(repr(user_id))",
    'raise RuntimeError(f"failed: {e}")',
    'handle.error("x", e)',  # not named like a logger
]


@pytest.mark.parametrize("line", NOT_REPORTED)
def test_not_reported(line: str) -> None:
    assert check(HANDLER.replace("{line}", line)) == []


# --- which names mean what -------------------------------------------------------------------


def test_calls_that_run_outside_the_handler_or_see_another_e_are_not_reported() -> None:
    text = """\
def f(rows):
    try:
        work()
    except LookupError as e:

        def show(e):
            print(e)

        later = lambda: print(e)
        labels = [print(e) for e in rows]
        try:
            again()
        except KeyError:
            print(e)


def g(value):
    try:
        int(value)
    except ValueError as e:
        e = RuntimeError(value)
        print(e)


def h():
    print = lambda *a: None
    try:
        work()
    except ValueError as e:
        print(e)
"""
    assert check(text) == []


def test_handler_without_a_name_and_calls_outside_handlers_are_not_reported() -> None:
    text = """\
import logging


def f(e):
    print(e)
    logging.error(e)
    try:
        work()
    except Exception:
        print("failed")
"""
    assert check(text) == []


def test_syntax_errors_give_no_findings() -> None:
    assert check("def f(:\n    try: pass\n    except E as e: print(e)\n") == []


def test_positions_count_characters_with_tabs_and_non_ascii_text() -> None:
    text = "def f():\n\ttry:\n\t\twork()\n\texcept E as e:\n\t\tx = 'é'; print('ü', e)\n"
    [finding] = check(text)
    assert text[finding.start : finding.end] == "print('ü', e)"


def test_a_local_name_shadowing_the_logger_blocks_the_fix() -> None:
    text = """\
import logging

logger = logging.getLogger(__name__)


def f(logger):
    try:
        work()
    except ValueError as e:
        print(e)
"""
    [finding] = check(text)
    assert finding.fix is None


def test_module_level_code_cannot_use_a_logger_bound_below_it() -> None:
    text = """\
import logging

try:
    import ujson as json
except ImportError as e:
    logging.error(e)
    print(e)
    import json

logger = logging.getLogger(__name__)
"""
    root_call, printed = check(text)
    assert root_call.fix is not None
    assert applied(text, root_call).count('logging.exception("Unexpected error")') == 1
    assert printed.fix is None


def test_a_name_bound_to_something_else_is_neither_reused_nor_replaced() -> None:
    text = """\
logger = None


def f():
    try:
        work()
    except ValueError as e:
        print(e)
"""
    [finding] = check(text)
    assert finding.fix is None


def test_an_imported_logger_of_unknown_kind_gets_an_eager_message() -> None:
    text = """\
from app.log import logger


def f(user_id):
    try:
        work()
    except ValueError as e:
        print(f"saving {user_id} failed: {e}")
"""
    [finding] = check(text)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert 'logger.exception(f"saving {user_id} failed")' in applied(text, finding)


def test_an_option_names_the_logger() -> None:
    body = "def f():\n    try:\n        work()\n    except OSError as e:\n        {}\n"
    text = body.format("print(e)")
    [finding] = check(text, {"logger-name": "log", "default-message": "Disk trouble"})
    assert applied(text, finding) == (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n"
        + body.format('log.exception("Disk trouble")')
    )


# --- whole files through the engine ----------------------------------------------------------


def test_fixes_that_each_add_the_logger_converge_on_one_logger(tmp_path: Path) -> None:
    text = '''\
"""Jobs."""
from app import jobs


def run(job_id):
    try:
        jobs.run(job_id)
    except jobs.Failed as e:
        print(f"job {job_id} failed: {e}")
    except OSError as e:
        print("I/O error:", e)
'''
    assert (
        fixed_by_engine(tmp_path, text)
        == '''\
"""Jobs."""
from app import jobs
import logging

logger = logging.getLogger(__name__)


def run(job_id):
    try:
        jobs.run(job_id)
    except jobs.Failed as e:
        logger.exception("job %s failed", job_id)
    except OSError as e:
        logger.exception("I/O error")
'''
    )


def test_an_aliased_logging_import_still_gets_a_plain_one(tmp_path: Path) -> None:
    text = (
        "import logging as lg\n\n\n"
        "def f():\n    try:\n        work()\n    except OSError as e:\n        print(e)\n"
    )
    result = fixed_by_engine(tmp_path, text)
    assert result.startswith("import logging as lg\nimport logging\n\nlogger = logging.getLogger(__name__)\n")
    compile(result, "module.py", "exec")


# --- the demo backend ------------------------------------------------------------------------


def _expected_fixture_findings() -> list[str]:
    block = re.search(r"```text\n(.*?)```", (FIXTURE / "EXPECTED.md").read_text(), re.S)
    assert block, "EXPECTED.md lists its findings in a ```text block"
    return sorted(line.strip() for line in block.group(1).splitlines() if line.strip())


def _scan_rows(project: Path) -> list[str]:
    result = run_handrail(["scan", "--format", "json", "--select", ExceptPrint.id], project)
    assert result.exit_code in (0, 1), result.stderr
    rows = []
    for f in json.loads(result.stdout)["findings"]:
        applicability = f["fix"]["applicability"] if f["fix"] else "none"
        rows.append(f"{f['path']}:{f['line']}:{f['column']} {f['rule']} {applicability}")
    return sorted(rows)


def _compile_all(project: Path) -> None:
    for path in sorted(project.rglob("*.py")):
        py_compile.compile(str(path), cfile=str(project / ".pyc-check"), doraise=True)


def test_fixture_findings_match_expected_md(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(FIXTURE, project)
    assert _scan_rows(project) == _expected_fixture_findings()


def test_fixture_stays_valid_python_and_fixes_are_idempotent(tmp_path: Path) -> None:
    project = tmp_path / "app"
    shutil.copytree(FIXTURE, project)
    _compile_all(project)
    first = run_handrail(["fix", "--unsafe-fixes", "--select", ExceptPrint.id, "."], project)
    assert first.exit_code == 0, first.stdout + first.stderr
    _compile_all(project)
    assert _scan_rows(project) == []
    snapshot = {p: p.read_bytes() for p in project.rglob("*.py")}
    run_handrail(["fix", "--unsafe-fixes", "--select", ExceptPrint.id, "."], project)
    assert {p: p.read_bytes() for p in project.rglob("*.py")} == snapshot


def _file_context(text: str) -> FileContext:
    return FileContext(
        Path("/project/app/module.py"),
        "app/module.py",
        text,
        Language.PYTHON,
        ProjectInfo(root=Path("/project")),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("try:\n    f()\nexcept E as e:\n    print('failed')\n", False),  # e not mentioned
        ("try:\n    f()\nexcept E:\n    print(e)\n", False),  # nothing bound
        ("try:\n    f()\nexcept E as e:\n    log.warning(e)\n", False),
        ("try:\n    f()\nexcept E as e:\n    print(f'failed: {type(e).__name__}')\n", True),
        ("try:\n    f()\nexcept* E as eg:\n    log.error('%s', eg)\n", True),
        ("try:\n    f()\nexcept E as e:\n    try:\n        g()\n    except F:\n        print(e)\n", True),
        ("try:\n    f()\nexcept E as e:\n    print(e)\n)\n", True),  # tree-sitter recovers: look loosely
    ],
)
def test_the_ast_grep_prefilter_passes_only_files_that_may_report_the_exception(
    text: str, expected: bool
) -> None:
    assert _may_have_sites(_file_context(text)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "def f():\n    pass\n",
        '"""Doc."""\n\nimport os\nimport sys\n\n# note\nx = 1\n',
        '"""Doc."""\nx = 1\n',
        "__strict__ = True\nimport os\ndef f():\n    import logging\n",
        "import os\nimport logging\nx = 1\n",
        "import os\n",
        "",
    ],
)
def test_the_logging_import_is_added_as_over_the_whole_module(text: str) -> None:
    # add_logging_import gives AddImportsVisitor only the module's head.
    module = cst.parse_module(text)
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, "logging")
    whole = AddImportsVisitor(context).transform_module(module)
    assert add_logging_import(module).code == whole.code


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("print(e)", True),
        ("print (e)", True),
        ("(print)(e)", True),
        ("log.error(e)", True),
        ("log . critical  (e)", True),
        ("log.\\\n    error(e)", True),  # a line continuation between the dot and the name
        ("(log.  # the logger\n    error)(e)", True),  # a comment there
        ('(logging.getLogger("#app").\n    error)(e)', True),  # a `#` that starts no comment
        ("myprint(e)", False),
        ("log.errors(e)", False),
        ("error(e)", False),  # a function of that name: no receiver, no logger
        ("log.error", False),  # not called
    ],
)
def test_the_text_prefilter_finds_every_call_shape_python_allows(call: str, expected: bool) -> None:
    text = f"try:\n    f()\nexcept E as e:\n    {call}\n"
    assert _has_candidate_text(text) is expected
