"""`handrail fix --interactive`, driven through a pseudo-terminal like a person at the keyboard.

Every test runs the real program (`python -m handrail.engine fix -i`), answers its prompts key
by key, and checks the files byte for byte afterwards. A few small tests at the end pin down
the hunk and editor logic directly.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from handrail.engine.editor import BadEdit, Section, edits_from, sections_of
from handrail.engine.hunks import Change, compatible, group, hunk_diff, moved, shift
from handrail.engine.model import Applicability, Edit, Finding, Fix
from tests.conftest import ROOT, run_handrail, tree

TIMEOUT = 20  # seconds per prompt: generous for a slow machine, and no test can hang
PROMPT = re.compile(r"\((\d+)/(\d+)\) Apply (?:this change|these (\d+) changes) \[([a-z?,]+)\]\? ")
PACKAGE = '{"name": "api", "dependencies": {"zod": "^4.1.0", "express": "^4.21.0", "pino": "^9.5.0"}}\n'
FILLER = "// -\n" * 7  # keeps two schemas' diffs apart (more than 2 x 3 lines of context)
PINO_CASE = ROOT / "tests" / "cases" / "errors" / "catch-console-log" / "pino-adds-esm-import"


def schemas(*fields: str) -> str:
    """A module with one schema per field, each parsed from req.query (safe fixes), far apart."""
    parts = ['import { z } from "zod";\n']
    for field in fields:
        parts.append(f"\nconst {field.title()} = z.object({{ {field}: z.number() }});\n{FILLER}")
    for field in fields:
        use = f"(req: {{ query: unknown }}) => {field.title()}.parse(req.query)"
        parts.append(f"export const {field} = {use};\n")
    return "".join(parts)


def coerced(text: str, *fields: str) -> str:
    for field in fields:
        text = text.replace(f"{field}: z.number()", f"{field}: z.coerce.number()")
    return text


NEIGHBOURS = """\
import { z } from "zod";

const ListQuery = z.object({
  page: z.number().int().min(1),
  limit: z.number().max(100).optional(),
});

export const list = (req: { query: unknown }) => ListQuery.parse(req.query);
"""


class Review:
    """One run of `handrail fix -i` on a pseudo-terminal."""

    def __init__(self, cwd: Path, *args: str, editor: str = "", program: list[str] | None = None) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": "xterm-256color",
            "HOME": str(cwd),
            "EDITOR": editor,
        }
        command = program or ["-m", "handrail.engine"]
        self.child = pexpect.spawn(
            sys.executable,
            [*command, "fix", "-i", "--no-cache", *args],
            cwd=str(cwd),
            env=env,
            encoding="utf-8",
            timeout=TIMEOUT,
            dimensions=(40, 200),
        )
        # No pause before each key: keys typed ahead are not thrown away (see interactive.Keys).
        self.child.delaybeforesend = None
        self.transcript = ""

    def prompt(self) -> tuple[str, str]:
        """Wait for the next prompt: (what was shown since the last one, the keys offered)."""
        self.child.expect(PROMPT)
        shown = self.child.before
        self.transcript += shown + self.child.after
        return shown, self.child.match.group(4)

    def answer(self, key: str) -> str:
        """Wait for the next prompt, press `key`, and return what that prompt showed."""
        shown, _keys = self.prompt()
        self.child.send(key)
        return shown

    def reply(self, pattern: str, key: str) -> str:
        """Wait for a question other than the hunk prompt, press `key`, return what came before."""
        shown = self.expect(pattern)
        self.child.send(key)
        return shown

    def expect(self, pattern: str) -> str:
        self.child.expect(pattern)
        self.transcript += self.child.before + self.child.after
        return self.child.before

    def finish(self) -> tuple[int, str]:
        """Wait for the program to end: (exit status, output since the last prompt)."""
        self.child.expect(pexpect.EOF)
        rest = self.child.before
        self.transcript += rest
        self.child.close()
        if self.child.exitstatus is None:  # killed by a signal
            return -(self.child.signalstatus or 0), rest
        return self.child.exitstatus, rest


@pytest.fixture
def reviews() -> Iterator[list[Review]]:
    started: list[Review] = []
    yield started
    for review in started:  # a failed test must not leave a child waiting for a key
        if review.child.isalive():
            review.child.terminate(force=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text(PACKAGE)
    (tmp_path / "src").mkdir()
    return tmp_path


def start(
    reviews: list[Review], cwd: Path, *args: str, editor: str = "", program: list[str] | None = None
) -> Review:
    review = Review(cwd, "--no-color", *args, editor=editor, program=program)
    reviews.append(review)
    return review


def test_without_a_terminal_it_refuses_with_exit_2_and_writes_nothing(project: Path) -> None:
    (project / "src" / "a.ts").write_text(schemas("page"))
    before = tree(project)
    result = subprocess.run(
        [sys.executable, "-m", "handrail.engine", "fix", "-i", "--no-cache"],
        cwd=project,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "handrail: error: --interactive needs a terminal, and stdin is not one "
        "(use --diff to review changes in a pipe)\n"
    )
    assert tree(project) == before


def test_y_applies_a_hunk_and_n_skips_one(project: Path, reviews: list[Review]) -> None:
    source = schemas("page", "limit")
    (project / "src" / "a.ts").write_text(source)
    review = start(reviews, project)
    first = review.answer("y")
    assert "src/a.ts" in first and "zod/coerce-number  [safe fix]" in first
    assert "z.number() on `page`" in first and "why: Zod validates the value it is given" in first
    assert "+const Page = z.object({ page: z.coerce.number() });" in first
    assert "limit" not in first.split("@@", 1)[1]  # the other schema is its own hunk
    second = review.answer("n")
    assert "-const Limit = z.object({ limit: z.number() });" in second
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  1 applied, 1 skipped" in rest
    assert "wrote src/a.ts: 1 fixed" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(source, "page").encode()


def test_a_takes_the_rest_of_the_file_and_d_skips_the_rest_of_the_file(
    project: Path, reviews: list[Review]
) -> None:
    first, second = schemas("page", "limit", "offset"), schemas("sort", "size")
    (project / "src" / "a.ts").write_text(first)
    (project / "src" / "b.ts").write_text(second)
    review = start(reviews, project)
    review.answer("n")  # a.ts: page
    review.answer("a")  # a.ts: limit, and then offset without asking
    shown = review.answer("d")  # b.ts: sort, and size without asking
    assert "applied line 12: zod/coerce-number" in shown and "applied line 21: zod/coerce-number" in shown
    assert "src/b.ts" in shown
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  2 applied, 3 skipped" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(first, "limit", "offset").encode()
    assert (project / "src" / "b.ts").read_bytes() == second.encode()


def test_q_writes_what_was_accepted_and_nothing_else(project: Path, reviews: list[Review]) -> None:
    first, second = schemas("page", "limit"), schemas("sort")
    (project / "src" / "a.ts").write_text(first)
    (project / "src" / "b.ts").write_text(second)
    review = start(reviews, project)
    review.answer("y")
    review.answer("q")
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  1 applied, 2 not reviewed" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(first, "page").encode()
    assert (project / "src" / "b.ts").read_bytes() == second.encode()


def test_s_splits_a_hunk_of_neighbouring_changes(project: Path, reviews: list[Review]) -> None:
    (project / "src" / "a.ts").write_text(NEIGHBOURS)
    review = start(reviews, project)
    shown, keys = review.prompt()
    assert "these 2 changes" in review.transcript and "s" in keys.split(",")
    assert "+  page: z.coerce.number().int().min(1)," in shown
    assert "+  limit: z.coerce.number().max(100).optional()," in shown
    review.child.send("s")
    shown = review.answer("y")
    assert "Split into 2 changes." in shown and "limit: z.coerce" not in shown
    shown, keys = review.prompt()
    assert "s" not in keys.split(",")
    review.child.send("s")  # a single change cannot be split
    assert "cannot be split" in review.answer("n")
    status, _ = review.finish()
    assert status == 0
    assert (project / "src" / "a.ts").read_bytes() == coerced(NEIGHBOURS, "page").encode()


def test_one_fix_spanning_two_hunks_is_one_change_and_accepting_it_updates_the_next(
    tmp_path: Path, reviews: list[Review]
) -> None:
    shutil.copytree(PINO_CASE / "before", tmp_path, dirs_exist_ok=True)
    review = start(reviews, tmp_path, "--select", "errors/catch-console-log")
    shown, keys = review.prompt()
    # The logger import and the call it serves: two @@ sections, one change that cannot be split.
    assert shown.count("@@ -") == 2 and '+import { logger } from "../lib/logger";' in shown
    assert "UNSAFE fix: may change behaviour" in shown and "s" not in keys.split(",")
    review.child.send("y")
    shown = review.answer("y")
    # Analysed again after the first change: the next ones no longer bring their own import.
    assert "import { logger }" not in shown
    assert "+    logger.error({ err }, `Failed to delete user ${id}`);" in shown
    assert 'console.error("delete failed for"' in shown and "[safe fix]" in shown
    review.answer("y")  # src/services/mailer.ts
    status, rest = review.finish()
    assert status == 0
    assert "errors/catch-console-log  5 applied" in rest
    assert tree(tmp_path) == tree(PINO_CASE / "after")


EDITOR_SCRIPT = """\
import json, sys
from pathlib import Path

here = Path(__file__).parent
patch = Path(sys.argv[1])
steps = json.loads((here / "plan.json").read_text())
(here / "plan.json").write_text(json.dumps(steps[1:]))
original = here / "first.diff"  # each step edits what the editor was first given
if not original.exists():
    original.write_text(patch.read_text())
(here / "seen.diff").write_text(patch.read_text())
lines = original.read_text().split("\\n")
if steps[0] == "abort":
    lines = []
elif steps[0] == "context":  # a line that is not the user's to change
    lines = [line.replace(" const ListQuery", " let ListQuery") for line in lines]
elif steps[0] == "syntax":
    lines = [line + " (" if line.startswith("+  page") else line for line in lines]
elif steps[0] == "good":  # tighten the page change, and keep the limit line as it is
    [kept] = [" " + line[1:] for line in lines if line.startswith("-  limit")]
    lines = [line for line in lines if not line.startswith(("-  limit", "+  limit"))]
    at = next(i for i, line in enumerate(lines) if line.startswith("+  page"))
    lines[at : at + 1] = [lines[at].replace(".min(1)", ".min(1).max(500)"), kept]
patch.write_text("\\n".join(lines))
"""


AGAIN = re.escape("Edit again (n discards the edit) [y,n]? ")


def _editor(folder: Path, *steps: str) -> str:
    script = folder / "editor.py"
    script.write_text(EDITOR_SCRIPT)
    (folder / "plan.json").write_text(json.dumps(list(steps)))
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_e_edits_the_hunk_in_the_editor_and_bad_edits_are_explained(
    project: Path, tmp_path_factory: pytest.TempPathFactory, reviews: list[Review]
) -> None:
    (project / "src" / "a.ts").write_text(NEIGHBOURS)
    tools = tmp_path_factory.mktemp("editor")
    review = start(reviews, project, editor=_editor(tools, "context", "syntax", "good"))
    review.answer("e")
    shown = review.reply(AGAIN, "y")
    assert "Your edit cannot be used: line 3 of the file was changed: it reads 'const ListQuery" in shown
    shown = review.reply(AGAIN, "y")
    assert "Your edit cannot be used: with this edit the file would have a syntax error at line" in shown
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  1 applied (edited), 1 skipped" in rest
    seen = (tools / "seen.diff").read_text()
    assert seen.startswith("# Edit the change at line 4 of src/a.ts") and "\n@@ -1,8 +1,8 @@\n" in seen
    expected = NEIGHBOURS.replace("z.number().int().min(1)", "z.coerce.number().int().min(1).max(500)")
    assert (project / "src" / "a.ts").read_bytes() == expected.encode()


def test_an_emptied_edit_is_aborted_and_the_hunk_asked_again(
    project: Path, tmp_path_factory: pytest.TempPathFactory, reviews: list[Review]
) -> None:
    (project / "src" / "a.ts").write_text(NEIGHBOURS)
    review = start(reviews, project, editor=_editor(tmp_path_factory.mktemp("editor"), "abort"))
    review.answer("e")
    shown = review.answer("n")
    assert "Edit discarded; the change is still undecided." in shown
    assert review.finish()[0] == 0
    assert (project / "src" / "a.ts").read_bytes() == NEIGHBOURS.encode()


def test_u_undoes_the_last_decision_even_in_the_previous_file(project: Path, reviews: list[Review]) -> None:
    first, second = schemas("page", "limit"), schemas("sort")
    (project / "src" / "a.ts").write_text(first)
    (project / "src" / "b.ts").write_text(second)
    review = start(reviews, project)
    review.answer("y")  # a.ts page
    review.answer("y")  # a.ts limit
    shown = review.answer("u")  # b.ts sort: go back to a.ts limit
    assert "src/b.ts" in shown
    shown = review.answer("n")
    assert "Undid applying line 12 of src/a.ts." in shown and "-const Limit" in shown
    assert "src/b.ts" in review.answer("y")
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  2 applied, 1 skipped" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(first, "page").encode()
    assert (project / "src" / "b.ts").read_bytes() == coerced(second, "sort").encode()


def test_i_adds_a_suppression_comment_and_the_finding_is_gone(project: Path, reviews: list[Review]) -> None:
    (project / "src" / "a.ts").write_text(NEIGHBOURS)
    review = start(reviews, project)
    review.answer("s")
    review.answer("i")
    shown = review.answer("y")
    assert "   // handrail-ignore: zod/coerce-number\n" in shown.replace("\r\n", "\n")  # now context
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  1 applied, 1 suppressed" in rest
    assert "wrote src/a.ts: 1 fixed, 1 suppressed" in rest
    expected = coerced(NEIGHBOURS, "limit").replace(
        "  page:", "  // handrail-ignore: zod/coerce-number\n  page:"
    )
    assert (project / "src" / "a.ts").read_bytes() == expected.encode()
    scan = run_handrail(["scan", "--no-cache", "--format", "json"], project)
    assert json.loads(scan.stdout)["findings"] == []


def test_i_on_a_line_with_two_rules_writes_one_comment_naming_both(
    project: Path, reviews: list[Review]
) -> None:
    source = 'import { z } from "zod";\n\nconst Q = z.object({ n: z.number(), d: z.date() });\n' + (
        "export const q = (req: { query: unknown }) => Q.parse(req.query);\n"
    )
    (project / "src" / "a.ts").write_text(source)
    review = start(reviews, project)
    review.answer("i")
    assert review.finish()[0] == 0
    expected = source.replace(
        "\nconst Q", "\n// handrail-ignore: zod/coerce-number, zod/coerce-date\nconst Q"
    )
    assert (project / "src" / "a.ts").read_bytes() == expected.encode()
    scan = run_handrail(["scan", "--no-cache", "--format", "json"], project)
    assert json.loads(scan.stdout)["findings"] == []


def test_ctrl_c_writes_nothing(project: Path, reviews: list[Review]) -> None:
    (project / "src" / "a.ts").write_text(schemas("page", "limit"))
    before = tree(project)
    review = start(reviews, project)
    review.answer("y")
    review.prompt()
    review.child.sendintr()
    status, rest = review.finish()
    assert status == 130
    assert "Interrupted: nothing was written." in rest
    assert tree(project) == before


def test_end_of_input_writes_nothing(project: Path, reviews: list[Review]) -> None:
    (project / "src" / "a.ts").write_text(schemas("page", "limit"))
    before = tree(project)
    review = start(reviews, project)
    review.answer("y")
    review.prompt()
    review.child.sendeof()
    status, rest = review.finish()
    assert status == 1
    assert "End of input: nothing was written." in rest
    assert tree(project) == before


def test_a_file_changed_on_disk_during_the_review_is_not_overwritten(
    project: Path, reviews: list[Review]
) -> None:
    first, second = schemas("page"), schemas("sort")
    (project / "src" / "a.ts").write_text(first)
    (project / "src" / "b.ts").write_text(second)
    review = start(reviews, project)
    review.answer("y")
    review.prompt()
    saved = first + "// saved by the editor meanwhile\n"
    (project / "src" / "a.ts").write_text(saved)
    review.child.send("y")
    status, rest = review.finish()
    assert status == 1
    assert "src/a.ts: not written: it changed on disk since handrail read it" in rest
    assert (project / "src" / "a.ts").read_bytes() == saved.encode()
    assert (project / "src" / "b.ts").read_bytes() == coerced(second, "sort").encode()


def test_crlf_and_bom_are_kept(project: Path, reviews: list[Review]) -> None:
    source = schemas("page", "limit")
    path = project / "src" / "a.ts"
    path.write_bytes(b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode())
    review = start(reviews, project)
    review.answer("n")
    review.answer("y")
    assert review.finish()[0] == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + coerced(source, "limit").replace("\n", "\r\n").encode()


def test_interactive_cannot_be_combined_with_diff(project: Path, reviews: list[Review]) -> None:
    (project / "src" / "a.ts").write_text(schemas("page"))
    before = tree(project)
    review = start(reviews, project, "--diff")
    status, rest = review.finish()
    assert status == 2
    assert "--interactive writes only the changes you accept; it cannot be combined with --diff" in rest
    assert tree(project) == before


def test_findings_left_out_by_a_baseline_stay_out_after_a_change(
    project: Path, reviews: list[Review]
) -> None:
    source = schemas("page")
    (project / "src" / "a.ts").write_text(source)
    assert run_handrail(["scan", "--no-cache", "--write-baseline", "baseline.json"], project).exit_code == 0
    source = schemas("page", "limit")
    (project / "src" / "a.ts").write_text(source)
    review = start(reviews, project, "--baseline", "baseline.json")
    assert "Limit" in review.answer("y")
    status, rest = review.finish()  # page, found again once limit changed, is not offered
    assert status == 0
    assert "zod/coerce-number  1 applied\r\n" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(source, "limit").encode()


BREAK_FIELD_NAMED_BROKEN = """\
from handrail.codemods.zod.coerce_number import CoerceNumber
from handrail.engine.model import Edit, Fix

resolve = CoerceNumber.resolve

def broken(self, finding, project):
    # A rule with a bug: the fix for the field `broken` leaves an unclosed parenthesis.
    finding = resolve(self, finding, project)
    if finding is None or "`broken`" not in finding.message:
        return finding
    edits = tuple(Edit(e.start, e.end, e.replacement + "number((") for e in finding.fix.edits)
    return finding.with_fix(Fix(finding.fix.applicability, edits, finding.fix.description))

CoerceNumber.resolve = broken
from handrail.engine.cli import main
main(prog_name="handrail")
"""


def test_a_change_that_would_not_parse_is_refused_and_explained(project: Path, reviews: list[Review]) -> None:
    source = schemas("broken", "page")
    (project / "src" / "a.ts").write_text(source)
    review = start(reviews, project, program=["-c", BREAK_FIELD_NAMED_BROKEN])
    review.answer("y")
    shown = review.answer("y")
    assert "src/a.ts line 3: not applied: the file would have a syntax error at line 3" in shown
    status, rest = review.finish()
    assert status == 0
    assert "zod/coerce-number  1 applied, 1 refused" in rest
    assert (project / "src" / "a.ts").read_bytes() == coerced(source, "page").encode()


def test_j_k_and_g_move_between_hunks_and_undecided_ones_come_back(
    project: Path, reviews: list[Review]
) -> None:
    source = schemas("page", "limit", "offset")
    (project / "src" / "a.ts").write_text(source)
    review = start(reviews, project)
    assert "Page" in review.answer("j")
    assert "Limit" in review.answer("k")
    assert "Page" in review.answer("?")
    shown = review.answer("g")
    assert "j - leave this hunk undecided, see the next one" in shown
    listing = review.expect("Go to which hunk\\? ")
    assert "3: line 21 zod/coerce-number" in listing
    review.child.send("3\r")
    assert "Offset" in review.answer("y")
    assert "Page" in review.answer("n")  # past the last hunk: back to the first undecided one
    assert "Limit" in review.answer("y")
    assert review.finish()[0] == 0
    assert (project / "src" / "a.ts").read_bytes() == coerced(source, "offset", "limit").encode()


def test_suggestions_are_offered_marked_and_colored(tmp_path: Path, reviews: list[Review]) -> None:
    route = (
        "export async function handler(ctx) {\n"
        "  try {\n    ctx.body = await load();\n  } catch (err) {\n"
        '    ctx.status = 500;\n    ctx.body = { error: "failed" };\n  }\n}\n'
    )
    (tmp_path / "koa.js").write_text(route)
    review = Review(tmp_path, "--select", "errors/unlogged-500")
    reviews.append(review)
    shown = review.answer("y")
    assert "\x1b[" in shown  # on a terminal, colors
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert "[SUGGESTION: `handrail fix` never applies it; check it first]" in plain
    assert "+    console.error(err);" in plain
    assert review.finish()[0] == 0
    expected = route.replace("    ctx.status = 500;", "    console.error(err);\n    ctx.status = 500;")
    assert (tmp_path / "koa.js").read_bytes() == expected.encode()


# The pieces, directly.


def _change(*edits: Edit) -> Change:
    own = edits[-1]
    fix = Fix(Applicability.SAFE, edits)
    finding = Finding("zod/coerce-number", "a.ts", own.start, own.end, "m", fix=fix)
    assert finding.fix is not None
    return Change((finding,), finding.fix.edits)


def test_shared_identical_edits_do_not_tie_changes_into_one_hunk() -> None:
    text = "".join(f"line {i}\n" for i in range(1, 31))
    at = text.index
    import_ = Edit(0, 0, "import x;\n")
    far = _change(import_, Edit(at("line 12"), at("line 12"), "x"))
    farther = _change(import_, Edit(at("line 25"), at("line 25"), "y"))
    near = _change(Edit(at("line 28"), at("line 28"), "z"))
    hunks = group([far, farther, near], text)
    assert [h.changes for h in hunks] == [(far,), (farther, near)]
    assert len(hunks[1].edits) == 3  # the shared import once, then both changes' own edits
    apart = group([far, farther, near], text, lambda c: c is near)
    assert [h.changes for h in apart] == [(far,), (farther,), (near,)]
    assert hunk_diff(text, hunks[0].edits, "\n").count("@@ -") == 2


def test_overlapping_changes_wait_for_the_earlier_one() -> None:
    first = _change(Edit(0, 0, "import a;\n"), Edit(10, 11, "x"))
    second = _change(Edit(0, 0, "import b;\n"), Edit(20, 21, "y"))
    same_import = _change(Edit(0, 0, "import a;\n"), Edit(30, 31, "z"))
    assert compatible([second, first, same_import]) == ([first, same_import], [second])


def test_blank_lines_an_editor_adds_or_strips_are_tolerated() -> None:
    text = "a\nb\n\nc\n"
    [section] = sections_of("@@ -1,3 +1,3 @@\n a\n-b\n+B\n \n")
    assert section == Section(1, ("a", "b", ""))
    for edited in ("@@\n a\n-b\n+B\n \n", "@@\n a\n-b\n+B\n\n", "@@\n a\n-b\n+B\n\n\n\n"):
        assert edits_from(text, [section], edited) == [Edit(2, 4, "B\n")]


def test_positions_follow_edits() -> None:
    edits = (Edit(2, 2, "ab"), Edit(5, 8, "x"))
    assert [shift(p, edits) for p in (0, 2, 5, 6, 8, 10)] == [0, 4, 7, None, 8, 10]
    assert moved(6, edits) == 8


def test_an_edited_patch_becomes_edits_of_the_changed_lines_only() -> None:
    text = "a\r\nb\r\nc\r\nd"
    body = "@@ -2,3 +2,3 @@\n b\r\n-c\r\n+C\r\n d\n\\ No newline at end of file\n"
    [section] = sections_of(body)
    assert section == Section(2, ("b", "c", "d"))
    assert edits_from(text, [section], "# note\n@@ x @@\n b\n-c\n+C1\n+C2\n d\n") == [Edit(6, 9, "C1\nC2\n")]
    assert edits_from(text, [section], "# only comments\n\n") is None
    with pytest.raises(BadEdit, match=r"line 3 of the file .* missing from the edit"):
        edits_from(text, [section], "@@ x @@\n b\n+C\n d\n")
    with pytest.raises(BadEdit, match="line 4 starts with '\\*'"):  # numbered as the editor shows it
        edits_from(text, [section], "# note\n@@ x @@\n b\n*c\n d\n")
    with pytest.raises(BadEdit, match="before the first '@@' line"):
        edits_from(text, [section], "b\n")
    with pytest.raises(BadEdit, match="the change has 1 '@@' section"):
        edits_from(text, [section], "@@ x @@\n b\n-c\n d\n@@ y @@\n")
