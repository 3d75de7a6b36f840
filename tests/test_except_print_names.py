"""errors/except-print resolves names from CPython's tree, as Python does, and reads each
call (and, for a new logger, the module's head) with libcst from its own text.

What a name means decides the finding: `print` must be the builtin, a receiver a logger,
and the handler must not have rebound its name. Positions must be exact however the file is
written (tabs, CRLF, a lone CR, non-ASCII text before the call).
"""

from __future__ import annotations

import pytest
from ast_grep_py import SgRoot

from handrail.codemods.errors.except_print import candidate_calls
from handrail.engine.model import Applicability
from tests.test_except_print import applied, check

HANDLER = "    try:\n        work()\n    except OSError as e:\n        print(e)\n"
TRY = "def f():\n    try:\n        work()\n    except OSError as e:\n"  # then the handler's body


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in check(text)]


def replacements(text: str) -> list[str]:
    [finding] = check(text)
    assert finding.fix is not None
    return [edit.replacement for edit in finding.fix.edits]


@pytest.mark.parametrize(
    "shadowing",
    [
        "def print(*args):\n    pass\n",  # a module-level def
        "from rich import print\n",  # an import
        "print = log_to_file\n",
        "def setup():\n    global print\n    print = log_to_file\n",  # bound from a function
    ],
)
def test_print_bound_by_the_module_is_not_the_builtin(shadowing: str) -> None:
    assert spans(f"import os\n\n{shadowing}\n\ndef f():\n{HANDLER}") == []


def test_print_bound_in_the_function_or_around_it_is_not_the_builtin() -> None:
    inner = "        try:\n            work()\n        except OSError as e:\n            print(e)\n"
    assert spans("def f(print):\n" + HANDLER) == []
    assert spans("def outer(print):\n    def f():\n" + inner) == []


def test_a_class_attribute_is_not_seen_from_its_methods() -> None:
    # Inside a method, `print` skips the class body: it is the builtin again.
    method = "        try:\n            work()\n        except OSError as e:\n            print(e)\n"
    text = "class Job:\n    print = staticmethod(len)\n\n    def run(self):\n" + method
    assert spans(text) == ["print(e)"]


def test_a_name_bound_in_the_call_itself_is_a_local() -> None:
    # `str` here is the comprehension's variable, not the builtin: not the exception's text.
    assert spans(TRY + "        print([str(e) for str in ()])\n") == []
    # Outside that comprehension, `str` is the builtin again.
    call = "logging.error('bad %s %s', str(e), [str for str in ()])"
    assert spans("import logging\n\n\n" + TRY + f"        {call}\n") == [call]


@pytest.mark.parametrize(
    "rebinding",
    [
        "e = wrap(e)",
        "for e in errors:\n            pass",
        "import e",
        "(e := wrap(e))",
        "[(e := x) for x in xs]",
    ],
)
def test_a_handler_that_rebinds_its_name_is_left_alone(rebinding: str) -> None:
    assert spans(f"{TRY}        {rebinding}\n        print(e)\n") == []


def test_a_logger_bound_only_by_a_function_is_no_logger_to_use() -> None:
    # `global` makes setup() bind the module's logger, but only once setup() has run: the
    # fix cannot rely on it, nor create a second `logger`. The finding stays, without a fix.
    text = (
        "import logging\n\n\n"
        "def setup():\n    global logger\n    logger = logging.getLogger(__name__)\n\n\n"
        f"def f():\n{HANDLER}"
    )
    [finding] = check(text)
    assert finding.fix is None


@pytest.mark.parametrize(
    "call, after",
    [
        ("logging.error('failed: %s', e)", "logging.exception('failed')"),  # not `logger.`
        ("print(e)", None),  # no logger to use: the name is taken below
    ],
)
def test_a_logger_bound_below_the_code_that_may_run_at_import_is_not_used(
    call: str, after: str | None
) -> None:
    # load_config() runs at import, before `logger` exists: using it would raise NameError.
    text = (
        "import logging\n\n\n"
        f"def load_config():\n    try:\n        return read()\n    except OSError as e:\n        {call}\n\n\n"
        "CONFIG = load_config()\nlogger = logging.getLogger(__name__)\n"
    )
    [finding] = check(text)
    assert (finding.fix and finding.fix.edits[0].replacement) == after


def test_a_nonlocal_rebinding_makes_a_receiver_of_unknown_type() -> None:
    # use() may put any object in `log`: the fix is unsafe, not safe.
    text = (
        "import logging\n\n\ndef make_worker():\n    log = logging.getLogger('worker')\n\n"
        "    def use(custom):\n        nonlocal log\n        log = custom\n\n"
        "    def run(job):\n        try:\n            job()\n        except Exception as e:\n"
        "            log.error('job failed: %s', e)\n\n    return use, run\n"
    )
    [finding] = check(text)
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE


@pytest.mark.parametrize(
    "binding",
    ["def g(x=(print := sys.stderr.write)):\n    pass\n", "@(print := wrap(print))\ndef g():\n    pass\n"],
)
def test_a_walrus_in_a_signature_or_decorator_binds_where_the_def_is(binding: str) -> None:
    assert spans(f"import sys\n\n{binding}\n\ndef f():\n{HANDLER}") == []


@pytest.mark.parametrize(
    "binding, safe",
    [
        ("import logging\n\nlog = logging.getLogger(__name__)\n", True),
        ("from logging import getLogger\n\nlog = getLogger(__name__)\n", True),
        ("import logging\n\nlog = logging.getLogger(__name__)\nlog = make_logger()\n", False),
        ("from app.logs import log\n", False),
    ],
)
def test_a_receiver_is_a_stdlib_logger_only_when_every_binding_says_so(binding: str, safe: bool) -> None:
    [finding] = check(f"{binding}\n\n{TRY}        log.error('failed: %s', e)\n")
    assert finding.fix is not None and (finding.fix.applicability is Applicability.SAFE) is safe


def test_a_method_of_a_class_keeps_its_position() -> None:
    methods = "".join(f"    @property\n    def m{i}(self):\n        return {i}\n\n" for i in range(5))
    text = (
        "import logging\n\nlogger = logging.getLogger(__name__)\n\n\n"
        f"class Service:\n{methods}    def run(self):\n        try:\n            work()\n"
        "        except OSError as e:\n            logger.error(f'run failed: {e}')\n"
    )
    assert spans(text) == ["logger.error(f'run failed: {e}')"]


def test_a_finding_deep_in_a_big_file_keeps_its_position() -> None:
    # Tabs, CRLF and non-ASCII text before the call: CPython's columns count UTF-8 bytes.
    filler = "".join(
        f"@cache\ndef f{i}(a,\n\tb='é'):\r\n\treturn a  # é\r\n\r\n\r\nclass C{i}:\n\tx = '''\n{i}\n'''\n\n\n"
        for i in range(150)
    )
    call = "logging.error('deep %s: %s', é, e)"
    target = f"def target(é):\n\ttry:\n\t\twork()\n\texcept OSError as e:\n\t\t{call}\n"
    text = f"import logging\n\n{filler}{target}{filler}"
    [finding] = check(text)
    assert text[finding.start : finding.end] == call
    assert applied(text, finding).count("logging.exception('deep %s', é)") == 1


def test_a_multi_line_call_after_non_ascii_text_is_read_in_place() -> None:
    text = (
        "import logging\n\n\ndef f():\n    try:\n        work()\n    except OSError as e:\n"
        "        é = 1; logging.error(\n            'failed (%s): %s',\n            é,  \n            e)\n"
    )
    [finding] = check(text)
    assert text[finding.start : finding.end].startswith("logging.error(") and text[
        finding.end - 2 :
    ].startswith("e)")
    assert "logging.exception('failed (%s)', é)" in applied(text, finding)


def test_a_file_with_a_lone_carriage_return_keeps_its_positions() -> None:
    # CPython and libcst end a line at a lone CR; the fix must still land on the call.
    text = f"x = 1\rdef g():\n    pass\n\n\ndef f():\n{HANDLER}"
    [finding] = check(text)
    assert text[finding.start : finding.end] == "print(e)"
    assert applied(text, finding).endswith('        logger.exception("Unexpected error")\n')


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_new_logger_is_set_up_from_the_head_alone(newline: str) -> None:
    # libcst writes `except (A, B) :` without its space; only the head is read and written
    # back, so helper() keeps it, as it keeps everything below the head.
    text = (
        '"""Jobs."""\nimport os\n\nLIMIT = 3\n\n\n'
        "def helper():\n    try:\n        return os.getcwd()\n    except (OSError, ValueError) :\n"
        "        return None\n\n\n"
        f"def f():\n{HANDLER}"
    ).replace("\n", newline)
    [finding] = check(text)
    assert finding.fix is not None and len(finding.fix.edits) == 2
    fixed = applied(text, finding)
    assert "import os" + newline + "import logging\n" in fixed  # the engine writes the newline
    assert "logger = logging.getLogger(__name__)" in fixed and "except (OSError, ValueError) :" in fixed


def test_a_def_after_the_imports_is_read_as_a_stub_for_the_setup() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(200))
    text = f"import os\n\n# the first def\n@cache\ndef first():\n{body}\n\ndef f():\n{HANDLER}"
    fixed = applied(text, check(text)[0])
    setup = "import os\nimport logging\n\nlogger = logging.getLogger(__name__)\n\n"
    assert fixed.startswith(setup + "# the first def\n@cache\ndef first():\n")
    assert body in fixed


def test_names_are_read_as_python_reads_them() -> None:
    # CPython NFKC-normalises identifiers: `e\u0301x` and `éx` are one name.
    handler = TRY.replace(" as e:", " as e\u0301x:")
    text = handler + "        print('bad', \u00e9x)\n"
    assert spans(text) == ["print('bad', \u00e9x)"]


def test_code_cpython_rejects_anywhere_means_no_findings() -> None:
    # Python 2 prints: tree-sitter parses them, CPython and libcst do not (the engine reports it).
    assert check(f"x = 1\n\n\ndef old():\n    print 'py2'\n\n\ndef f():\n{HANDLER}") == []


def test_a_parenthesized_callee_is_a_candidate_and_a_finding() -> None:
    text = "def f():\n    try:\n        work()\n    except OSError as e:\n        (print)(e)\n"
    assert spans(text) == ["(print)(e)"]


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
    assert spans(text) == [call]
