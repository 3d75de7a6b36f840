"""errors/except-print reads with libcst only the statements that can hold a finding.

The tests compare the rule's findings (positions, messages, fixes) with those it gives when
libcst reads the whole module, and check that narrowing happened where it should.
"""

from __future__ import annotations

import pytest
from ast_grep_py import SgRoot

from handrail.codemods.errors import _except_print_analysis as analysis
from handrail.codemods.errors._except_print_narrow import narrow
from handrail.codemods.errors.except_print import candidate_calls
from handrail.engine.model import Finding
from tests.test_except_print import check

HANDLER = "    try:\n        work()\n    except OSError as e:\n        print(e)\n"


def narrowed(text: str) -> str | None:
    root = SgRoot(text, "python").root()
    result = narrow(text, root, [call.range().start.index for call in candidate_calls(root)])
    return None if result is None else result.text


def same_as_whole(text: str, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """The findings, checked to be those of the rule reading the whole module."""
    findings = check(text)
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "narrow", lambda *args: None)
        assert findings == check(text)
    return findings


def applied(text: str, finding: Finding) -> str:
    assert finding.fix is not None
    for edit in sorted(finding.fix.edits, reverse=True):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def test_other_defs_become_stubs_and_every_kept_line_stays_in_place() -> None:
    text = (
        "import os\n\nx = 1\n\n\n"
        "@register(\n    name='a',\n)\ndef helper(a,\n           b):\n    return a  # done\n\n\n"
        "class Model(Base):\n    field = 1\n\n\n"
        "def one(): return 1\n\n\n"
        f"def f():\n{HANDLER}"
    )
    result = narrowed(text)
    assert result is not None
    lines, original = result.split("\n"), text.split("\n")
    assert len(lines) == len(original)
    assert lines[5:18] == [
        'def helper(): """',
        *[""] * 4,
        '"""',
        "",
        "",
        'class Model: """',
        '"""',
        "",
        "",
        "def one(): pass",
    ]
    changed = [i for i, (a, b) in enumerate(zip(lines, original, strict=True)) if a != b]
    assert changed == [5, 6, 7, 8, 9, 10, 13, 14, 17]


def test_a_module_level_def_that_shadows_print_stays_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    text = f"import os\n\n\ndef print(*args):\n    os.write(2, b'x')\n\n\ndef f():\n{HANDLER}"
    result = narrowed(text)
    assert result is not None and 'def print(): """' in result
    assert same_as_whole(text, monkeypatch) == []  # print() is not the builtin here


def test_a_def_declaring_global_stays_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # `global` makes setup() bind the module's logger: the fix must use it, not create one.
    text = (
        "import logging\n\n\n"
        "def setup():\n    global logger\n    logger = logging.getLogger(__name__)\n\n\n"
        "def other():\n    return 1\n\n\n"
        f"def f():\n{HANDLER}"
    )
    result = narrowed(text)
    assert result is not None
    assert "    global logger\n" in result and 'def other(): """' in result
    [finding] = same_as_whole(text, monkeypatch)
    assert finding.fix is not None
    assert [edit.replacement for edit in finding.fix.edits] == ['logger.exception("Unexpected error")']


@pytest.mark.parametrize(
    "kept",
    [
        "def make():\n    global handler\n    handler = 1\n",
        "@(register := registry.add)\ndef make():\n    pass\n",
        "if DEBUG:\n    def make():\n        pass\n",
        "try:\n    from fast import make\nexcept ImportError:\n    def make():\n        pass\n",
    ],
)
def test_statements_that_bind_more_than_their_name_stay_whole(kept: str) -> None:
    text = f"import os\n\n\n{kept}\n\ndef other():\n    pass\n\n\ndef f():\n{HANDLER}"
    result = narrowed(text)
    assert result is not None
    assert kept in result and 'def other(): """' in result


def test_global_in_a_string_or_comment_does_not_keep_a_def() -> None:
    text = f"import os\n\n\ndef other():\n    # the global state\n    return ':='\n\n\ndef f():\n{HANDLER}"
    result = narrowed(text)
    assert result is not None and 'def other(): """' in result


def test_methods_of_a_kept_class_are_stubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    methods = "".join(f"    @property\n    def m{i}(self):\n        return {i}\n\n" for i in range(5))
    text = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        f"class Service:\n{methods}    def run(self):\n        try:\n            work()\n"
        "        except OSError as e:\n            logger.error(f'run failed: {e}')\n"
    )
    result = narrowed(text)
    assert result is not None and '    def m3(): """\n' in result and "    def run(self):\n" in result
    [finding] = same_as_whole(text, monkeypatch)
    assert text[finding.start : finding.end] == "logger.error(f'run failed: {e}')"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_new_logger_is_set_up_from_the_narrowed_head(newline: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # libcst writes `except (A, B) :` without its space. Read whole, that change rides along
    # with the setup's edits; narrowed, helper() is a stub, and the fix leaves it alone.
    text = (
        '"""Jobs."""\nimport os\n\nLIMIT = 3\n\n\n'
        "def helper():\n    try:\n        return os.getcwd()\n    except (OSError, ValueError) :\n"
        "        return None\n\n\n"
        f"def f():\n{HANDLER}"
    ).replace("\n", newline)
    result = narrowed(text)
    assert result is not None and "except (OSError" not in result
    [finding] = check(text)
    assert finding.fix is not None and len(finding.fix.edits) == 2
    fixed = applied(text, finding)
    assert "import os" + newline + "import logging\n" in fixed  # the engine writes the newline
    assert "logger = logging.getLogger(__name__)" in fixed and "except (OSError, ValueError) :" in fixed
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "narrow", lambda *args: None)
        [whole] = check(text)
    assert whole.fix is not None and len(whole.fix.edits) == 3  # the reformatting included
    reformatted = applied(text, whole).replace(
        "except (OSError, ValueError):", "except (OSError, ValueError) :"
    )
    assert reformatted.replace("\r\n", "\n") == fixed.replace("\r\n", "\n")  # the engine writes newlines


def test_a_finding_deep_in_a_big_file_keeps_its_position(monkeypatch: pytest.MonkeyPatch) -> None:
    filler = "".join(
        f"@cache\ndef f{i}(a,\n\tb='é'):\r\n\treturn a  # é\r\n\r\n\r\nclass C{i}:\n\tx = '''\n{i}\n'''\n\n\n"
        for i in range(150)
    )
    call = "logging.error('deep %s: %s', é, e)"
    target = f"def target(é):\n\ttry:\n\t\twork()\n\texcept OSError as e:\n\t\t{call}\n"
    text = f"import logging\n\n{filler}{target}{filler}"
    result = narrowed(text)
    assert result is not None and result.count('"""') == 2 * 600
    [finding] = same_as_whole(text, monkeypatch)
    assert text[finding.start : finding.end] == call
    assert applied(text, finding).count("logging.exception('deep %s', é)") == 1


@pytest.mark.parametrize(
    "text",
    [
        f"def broken(:\n    pass\n\n\ndef f():\n{HANDLER}",  # tree-sitter ERROR
        f"def old():\n    print 'py2'\n\n\ndef f():\n{HANDLER}",  # CPython rejects it
        f"x = 1\rdef g():\n    pass\n\n\ndef f():\n{HANDLER}",  # a lone carriage return
        f"import os\n\n\ndef f():\n{HANDLER}",  # nothing to stub
    ],
)
def test_narrowing_gives_up_where_it_cannot_be_exact(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert narrowed(text) is None
    same_as_whole(text, monkeypatch)


def test_code_libcst_cannot_parse_anywhere_still_means_no_findings() -> None:
    # Python 2 prints: tree-sitter parses them, CPython and libcst do not.
    assert check(f"x = 1\n\n\ndef old():\n    print 'py2'\n\n\ndef f():\n{HANDLER}") == []


def test_a_parenthesized_callee_is_a_candidate_as_it_is_for_libcst() -> None:
    text = "def f():\n    try:\n        work()\n    except OSError as e:\n        (print)(e)\n"
    [finding] = check(text)
    assert text[finding.start : finding.end] == "(print)(e)"


def _candidates(text: str) -> list[str]:
    return [call.text() for call in candidate_calls(SgRoot(text, "python").root())]


@pytest.mark.parametrize(
    "head, call",
    [
        ("", "self.error(str(e))"),
        ("", "parser.error(f'bad: {e}')"),
        ("", "self.parser.critical(e)"),
        ("import logging\n", "source.error(repr(e))"),
    ],
)
def test_receivers_that_cannot_be_loggers_are_no_candidates(head: str, call: str) -> None:
    handler = f"    try:\n        work()\n    except OSError as e:\n        {call}\n"
    text = f"{head}def f(self, parser, source):\n{handler}"
    assert _candidates(text) == [] and check(text) == []


@pytest.mark.parametrize(
    "head, call",
    [
        ("import logging\n", "logging.error(e)"),
        ("import logging as lg\n", "lg.error(e)"),
        ("from loguru import (\n    logger as lg,\n)\n", "lg.error(f'failed: {e}')"),
        ("import logging\n\nout = (\n    logging.getLogger(__name__)\n)\n", "out.error('failed: %s', e)"),
        ("from logging import getLogger\n\nout = mine = getLogger(__name__)\n", "out.error('failed: %s', e)"),
        ("", "self.log.error(e)"),
        ("import logging\n", "logging.getLogger(__name__).critical(e)"),
    ],
)
def test_receivers_that_may_be_loggers_stay_candidates(head: str, call: str) -> None:
    text = f"{head}\n\ndef f(self):\n    try:\n        work()\n    except OSError as e:\n        {call}\n"
    assert _candidates(text) == [call]
    assert [text[f.start : f.end] for f in check(text)] == [call]
