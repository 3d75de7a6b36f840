"""`handrail fix --interactive`: review every proposed change, hunk by hunk, like `git add -p`.

What is asked about. A finding's fix is the unit that is applied or not, never in part: its
edits only work together (an import at the top and the call below that needs it), so it is
shown as one change whose diff may have several `@@` sections, and `s` cannot split it. Fixes
whose edits lie within a few lines of each other are asked about together, as one hunk, the
way git merges nearby changes into one; `s` splits such a hunk into its fixes. Unsafe fixes and
suggestions are offered too, labelled as such. See engine/hunks.py.

The walk goes file by file. Each decision updates the file's state (engine/review.py): an
accepted change is applied to the file's text in memory and the file is analysed again, so the
hunks that follow reflect it. Undo puts back the state saved before the last decision, in
whichever file it was made; splitting and moving between hunks are not decisions.

Nothing is written before the walk ends or the user quits. Each accepted change is verified on
the file's accumulated text, so a change that would leave a syntax error is refused and
explained at once; each file is verified again before its atomic write. Ctrl-C or end of input
ends the program and writes nothing.

Keys are single keypresses (like git's interactive.singleKey): the terminal leaves canonical
mode only while a key is read, so Ctrl-C still interrupts and the editor gets a normal terminal;
Ctrl-D reads as end of input.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import sys
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.text import Text

from handrail.codemods import catalog
from handrail.engine.console import stderr_console, stdout_console, wants_color
from handrail.engine.editor import EditorFailed, edit_change
from handrail.engine.hunks import Hunk, hunk_diff
from handrail.engine.model import Applicability, FileError, Finding
from handrail.engine.reporters import count
from handrail.engine.reporters.diffs import print_diff
from handrail.engine.reporters.text import render_errors
from handrail.engine.review import Action, FileReview, FileState
from handrail.engine.rule import Rule
from handrail.engine.runner import ScanResult, reanalyzer
from handrail.engine.syntax import first_problem
from handrail.engine.writer import WriteRefused, write_fixed

try:
    import termios

    SINGLE_KEYS = True
except ImportError:  # no termios (Windows): keys are read as lines
    SINGLE_KEYS = False

EXIT_OK, EXIT_PROBLEMS, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 130

LABELS = {
    Applicability.SAFE: ("safe fix", "green"),
    Applicability.UNSAFE: ("UNSAFE fix: may change behaviour", "bold magenta"),
    Applicability.SUGGESTION: ("SUGGESTION: `handrail fix` never applies it; check it first", "bold yellow"),
}

HELP = {
    "y": "apply this change",
    "n": "do not apply this change",
    "q": "quit; write the changes accepted so far and nothing else",
    "a": "apply this change and all later changes in this file",
    "d": "do not apply this change or any later change in this file",
    "s": "split this hunk into its separate changes",
    "e": "edit this change in $EDITOR, then apply it",
    "u": "undo the last decision",
    "i": "do not apply it; add a `handrail-ignore` comment so it is not reported again",
    "j": "leave this hunk undecided, see the next one",
    "k": "leave this hunk undecided, see the previous one",
    "g": "go to a hunk of this file by number",
    "?": "print help",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"(])")
_WHY_WIDTH = 140


class Keys:
    """Keypresses from the terminal on `fd`, one at a time."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.single = SINGLE_KEYS and os.isatty(fd)

    def key(self) -> str:
        if not self.single:
            return self.line()[:1]
        saved = termios.tcgetattr(self.fd)
        mode = list(saved)
        mode[3] &= ~(termios.ICANON | termios.ECHO)  # ISIG stays: Ctrl-C raises KeyboardInterrupt
        mode[6] = list(saved[6])
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        # TCSANOW, not tty.setcbreak's TCSAFLUSH: keys typed ahead must not be thrown away.
        termios.tcsetattr(self.fd, termios.TCSANOW, mode)
        try:
            data = os.read(self.fd, 1)
            if data == b"\x1b":  # an escape sequence (arrow keys): swallow it whole
                while select.select([self.fd], [], [], 0.05)[0]:
                    os.read(self.fd, 16)
            elif data and data[0] >= 0xC0:  # the rest of a UTF-8 character
                data += os.read(self.fd, 3 if data[0] >= 0xF0 else 2 if data[0] >= 0xE0 else 1)
        except OSError:  # the terminal went away
            raise EOFError from None
        finally:
            with contextlib.suppress(termios.error):  # it cannot be restored if it is gone
                termios.tcsetattr(self.fd, termios.TCSADRAIN, saved)
        if data in (b"", b"\x04"):  # Ctrl-D: the terminal's end of input
            raise EOFError
        return data.decode("utf-8", "replace")

    def line(self) -> str:
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            raise EOFError from None
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace").strip()


class Session:
    """The walk over all files: shows each hunk, reads a key, carries out the decision."""

    def __init__(self, files: list[FileReview], console: Console, keys: Keys, color: bool) -> None:
        self.files, self.console, self.keys, self.color = files, console, keys, color
        self.rules: dict[str, type[Rule]] = {rule.id: rule for rule in catalog()}
        self.index = 0  # the file under review
        self.history: list[tuple[int, FileState, str]] = []  # (file, state before, what was done)
        self.announced: int | None = None
        self.quit = False
        self.refusals: list[str] = []

    def run(self) -> None:
        while not self.quit and self.index < len(self.files):
            file = self.files[self.index]
            hunks = file.hunks()
            position = file.position(hunks)
            if position is None:
                self.index += 1
                continue
            file.state = file.look_at(hunks, position)
            if self.announced != self.index:
                self.console.print()
                self.console.print(Text(file.display, style="bold underline"))
                self.announced = self.index
            self.show(file, hunks[position])
            self.ask(file, hunks, position)

    def show(self, file: FileReview, hunk: Hunk) -> None:
        self.console.print()
        for finding in hunk.findings:
            assert finding.fix is not None
            label, style = LABELS[finding.fix.applicability]
            head = Text(f"line {file.line_of(finding)}  ", style="dim")
            head.append(finding.rule, style="bold")
            head.append(f"  [{label}]", style=style)
            self.console.print(head)
            self.console.print(Text(f"  {finding.message}"))
            if finding.fix.description:
                self.console.print(Text(f"  fix: {finding.fix.description}", style="dim"))
        for rule in dict.fromkeys(f.rule for f in hunk.findings):
            why = Text("  why: ", style="cyan")
            why.append(self._why(rule))
            self.console.print(why)
        print_diff(hunk_diff(file.state.text, hunk.edits, file.source.newline), self.console, self.color)

    def ask(self, file: FileReview, hunks: list[Hunk], position: int) -> None:
        hunk = hunks[position]
        keys = "ynqad" + ("s" if len(hunk.changes) > 1 else "") + "e" + ("u" if self.history else "")
        keys += "i" + ("jkg" if len(hunks) > 1 else "") + "?"
        what = "this change" if len(hunk.changes) == 1 else f"these {len(hunk.changes)} changes"
        prompt = f"({position + 1}/{len(hunks)}) Apply {what} [{','.join(keys)}]? "
        while True:
            key = self._key(prompt)
            if key in ("", "\r", "\n"):
                continue
            if key not in keys:
                self._unavailable(key, keys)
            elif key == "?":
                self._help(keys)
            elif self._act(key, file, hunks, position):
                return

    def _key(self, prompt: str) -> str:
        self.console.print(Text(prompt, style="bold blue"), end="")
        key = self.keys.key()
        self.console.print(key if key.isprintable() else "")  # echo it, as git does
        return key

    def _act(self, key: str, file: FileReview, hunks: list[Hunk], position: int) -> bool:
        """Carry out a key; False when the same hunk is to be asked about again."""
        hunk = hunks[position]
        where = f"line {file.line_of(hunk.findings[0])} of {file.display}"
        if key == "y":
            self._decide(file, self._applied(file, hunk, file.apply(hunk)), f"applying {where}")
        elif key == "n":
            self._decide(file, file.skip(hunk.findings), f"skipping {where}")
        elif key == "a":
            self._apply_rest(file, hunk, where)
        elif key == "d":
            later = [f for f in file.pending() if f.start >= hunk.anchor]
            self._decide(file, file.skip([*dict.fromkeys([*hunk.findings, *later])]), f"d at {where}")
        elif key == "s":
            file.state = file.split(hunk)
            self.console.print(f"Split into {len(hunk.changes)} changes.")
        elif key == "e":
            return self._edit(file, hunk, where)
        elif key == "i":
            return self._suppress(file, hunk, where)
        elif key == "u":
            self._undo()
        elif key == "q":
            self.quit = True
        elif key == "g":
            target = self._choose(file, hunks)
            if target is None:
                return False
            file.state = file.look_at(hunks, target)
        else:  # j, k
            file.state = file.look_at(hunks, (position + (1 if key == "j" else -1)) % len(hunks))
        return True

    def _decide(self, file: FileReview, state: FileState, description: str) -> None:
        self.history.append((self.index, file.state, description))
        file.state = state

    def _applied(self, file: FileReview, hunk: Hunk, outcome: FileState | str) -> FileState:
        """The state after applying; a refused change is explained and counted as refused."""
        if isinstance(outcome, FileState):
            return outcome
        lines = ", ".join(str(file.line_of(f)) for f in hunk.findings)
        message = f"{file.display} line {lines}: not applied: {outcome}"
        self.console.print(Text(message, style="bold red"))
        self.refusals.append(message)
        return file.skip(hunk.findings, Action.REFUSED)

    def _apply_rest(self, file: FileReview, hunk: Hunk, where: str) -> None:
        before = file.state
        # Each step decides at least one finding; changes that depend on earlier ones add a few.
        budget = 2 * len(file.pending()) + 10
        current: Hunk | None = hunk
        while current is not None and budget:
            budget -= 1
            line = file.line_of(current.findings[0])
            file.state = self._applied(file, current, file.apply(current))
            if file.state.decisions[-1].action is Action.APPLIED:
                rules = ", ".join(dict.fromkeys(f.rule for f in current.findings))
                self.console.print(Text(f"  applied line {line}: {rules}", style="green"))
            hunks = file.hunks()
            position = file.position(hunks, wrap=False)
            current = None if position is None else hunks[position]
        if current is not None:
            self.console.print("Stopped: the same changes keep coming back; check this rule's fixes.")
        self.history.append((self.index, before, f"a at {where}"))

    def _edit(self, file: FileReview, hunk: Hunk, where: str) -> bool:
        diff = hunk_diff(file.state.text, hunk.edits, file.source.newline)
        title = f"Edit the change at {where}; it is applied when you save and quit."
        try:
            edits = edit_change(
                file.state.text, diff, title, file.job.language, file.source.newline, self._edit_again
            )
        except EditorFailed as exc:
            self.console.print(Text(f"{exc}; the change is still undecided.", style="bold red"))
            return False
        if edits is None:
            self.console.print("Edit discarded; the change is still undecided.")
            return False
        self._decide(file, self._applied(file, hunk, file.apply(hunk, edits)), f"editing {where}")
        return True

    def _edit_again(self, reason: str) -> bool:
        self.console.print(Text(f"Your edit cannot be used: {reason}", style="bold red"))
        return self._key("Edit again (n discards the edit) [y,n]? ") == "y"

    def _suppress(self, file: FileReview, hunk: Hunk, where: str) -> bool:
        outcome = file.suppress(hunk)
        if isinstance(outcome, str):
            self.console.print(Text(f"Cannot suppress: {outcome}.", style="bold red"))
            return False
        self._decide(file, outcome, f"suppressing {where}")
        return True

    def _undo(self) -> None:
        if not self.history:
            self.console.print("Nothing to undo.")
            return
        index, state, description = self.history.pop()
        self.index = index
        self.files[index].state = state
        self.console.print(f"Undid {description}.")

    def _choose(self, file: FileReview, hunks: list[Hunk]) -> int | None:
        for number, hunk in enumerate(hunks, 1):
            first = hunk.findings[0]
            more = f" and {len(hunk.findings) - 1} more" if len(hunk.findings) > 1 else ""
            self.console.print(f"  {number:>3}: line {file.line_of(first)} {first.rule}{more}")
        self.console.print(Text("Go to which hunk? ", style="bold blue"), end="")
        answer = self.keys.line()
        if not answer.isdigit() or not 1 <= int(answer) <= len(hunks):
            self.console.print(f"No hunk {answer!r}: pick a number from 1 to {len(hunks)}.")
            return None
        return int(answer) - 1

    def _unavailable(self, key: str, keys: str) -> None:
        if key == "s":
            self.console.print(
                "This change cannot be split: its edits belong to one fix and work only together."
            )
        elif key == "u":
            self.console.print("Nothing to undo.")
        elif key in ("j", "k", "g"):
            self.console.print("There is no other hunk in this file.")
        else:
            self._help(keys)

    def _help(self, keys: str) -> None:
        for key in keys:
            self.console.print(Text(f"{key} - {HELP[key]}", style="red"))

    def _why(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return f"{why_line(rule)} (handrail explain {rule_id})" if rule else ""


def why_line(rule: type[Rule]) -> str:
    """The first sentence of the rule's `why`, cut at a clause or a word to fit one line."""
    prose = " ".join(textwrap.dedent(rule.why).split())
    sentence = _SENTENCE_END.split(prose, maxsplit=1)[0] if prose else rule.summary
    if len(sentence) <= _WHY_WIDTH:
        return sentence
    clause = max(sentence.rfind(": ", 0, _WHY_WIDTH), sentence.rfind("; ", 0, _WHY_WIDTH))
    if clause > _WHY_WIDTH // 2:
        return sentence[:clause] + " …"
    return sentence[: sentence.rfind(" ", 0, _WHY_WIDTH)] + " …"


def _summary(console: Console, files: Sequence[FileReview], refusals: Sequence[str], quit: bool) -> None:
    counts: dict[str, Counter[str]] = {}
    for file in files:
        for decision in file.state.decisions:
            counts.setdefault(decision.rule, Counter())[decision.action.value] += 1
        for finding in file.pending() if quit else ():
            counts.setdefault(finding.rule, Counter())["not reviewed"] += 1
    if not counts:
        return
    console.print()
    console.print(Text("Summary", style="bold"))
    width = max(map(len, counts))
    order = [*(action.value for action in Action), "not reviewed"]
    for rule in sorted(counts):
        parts = [f"{counts[rule][name]} {name}" for name in order if counts[rule][name]]
        console.print(f"  {rule:<{width}}  {', '.join(parts)}")
    for message in refusals:
        console.print(Text(f"  {message}", style="red"))


def _write(console: Console, files: Sequence[FileReview]) -> list[FileError]:
    errors: list[FileError] = []
    written = 0
    for file in files:
        if not file.changed:
            continue
        problem = first_problem(file.state.text, file.job.language)
        if problem is not None:  # each change was checked; this guards the combination
            errors.append(FileError(file.display, f"not written: the result would have a {problem}"))
            continue
        try:
            write_fixed(file.job.path, file.source, file.state.text)
        except WriteRefused as exc:
            errors.append(FileError(file.display, f"not written: {exc}"))
            continue
        written += 1
        done = Counter(d.action for d in file.state.decisions)
        parts = [
            f"{done[Action.APPLIED] + done[Action.EDITED]} fixed",
            f"{done[Action.SUPPRESSED]} suppressed",
        ]
        line = Text("wrote ", style="green")
        line.append(file.display, style="bold")
        line.append(f": {', '.join(p for p in parts if not p.startswith('0 '))}")
        console.print(line)
    if not written and not errors:
        console.print("Nothing written.")
    return errors


def review(
    result: ScanResult, *, no_color: bool, left_out: Mapping[str, Sequence[Finding]] | None = None
) -> int:
    """Run the interactive review on the terminal; returns the exit status.

    `left_out` (display path -> findings) are findings the scan result no longer holds (narrowed
    by --baseline or --diff-base) and that re-analysis must not bring back.
    """
    out, err = stdout_console(no_color), stderr_console(no_color)
    internal: list[FileError] = []
    left_out = left_out or {}
    files = [
        FileReview(r, reanalyzer(result, r, internal), left_out.get(r.job.display, ()))
        for r in result.results
        if r.source is not None
        and not r.analysis.syntax_error  # reported by the scan; a broken file is left alone
        and any(f.fix is not None for f in r.analysis.findings)
    ]
    without_fix = sum(1 for f in result.findings if f.fix is None)
    if without_fix:
        out.print(f"{count(without_fix, 'finding')} without a proposed change (see `handrail scan`).")
    if not files:
        out.print("Nothing to review: no finding has a proposed change.")
    session = Session(files, out, Keys(sys.stdin.fileno()), wants_color(sys.stdout, no_color))
    try:
        session.run()
    except KeyboardInterrupt:
        out.print()
        out.print(Text("Interrupted: nothing was written.", style="bold red"))
        return EXIT_INTERRUPTED
    except EOFError:
        out.print()
        out.print(Text("End of input: nothing was written.", style="bold red"))
        return EXIT_PROBLEMS
    _summary(out, files, session.refusals, session.quit)
    write_errors = _write(out, files) if files else []
    internal = [*result.internal_errors, *internal]
    render_errors(err, [*result.errors, *internal, *write_errors])
    if internal:
        return EXIT_INTERNAL
    return EXIT_PROBLEMS if result.errors or write_errors else EXIT_OK
