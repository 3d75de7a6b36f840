"""Human-readable output: findings grouped by file with a code frame, fix summaries, diffs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from handrail.engine.lines import LineIndex
from handrail.engine.model import Applicability, FileError, Finding, Severity
from handrail.engine.reporters import count
from handrail.engine.runner import FixResult, ScanResult

if TYPE_CHECKING:
    from rich.console import Console

# rich (~25 ms to import) is imported by the functions that print: the summaries and `count`
# serve runs that write JSON too.

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_FIX_LABEL = {
    Applicability.SAFE: ("safe fix", "green"),
    Applicability.UNSAFE: ("unsafe fix: --unsafe-fixes", "magenta"),
    Applicability.SUGGESTION: ("suggestion", "blue"),
}


def render_findings(
    console: Console, findings: Iterable[Finding], text_of: Callable[[str], str], frames: bool = True
) -> None:
    from rich.text import Text

    current: str | None = None
    lines: LineIndex | None = None
    for finding in findings:
        if finding.path != current:
            if current is not None:
                console.print()
            current = finding.path
            lines = LineIndex(text_of(finding.path))
            console.print(Text(finding.path, style="bold underline"))
        assert lines is not None
        line, column = lines.position(finding.start)
        head = Text("  ")
        head.append(f"{line}:{column}", style="dim")
        head.append("  ")
        head.append(finding.rule, style=_SEVERITY_STYLE[finding.severity])
        head.append("  ")
        head.append(finding.message)
        if finding.fix is not None:
            label, style = _FIX_LABEL[finding.fix.applicability]
            head.append(f"  [{label}]", style=style)
        console.print(head)
        if frames:
            _frame(console, lines, finding)


def _frame(console: Console, lines: LineIndex, finding: Finding) -> None:
    from rich.text import Text

    line, column = lines.position(finding.start)
    end_line, end_column = lines.position(finding.end)
    first = max(1, line - 1)
    last = min(lines.line_count, max(line, min(end_line, line + 2)))
    width = len(str(last))
    for number in range(first, last + 1):
        marker = ">" if line <= number <= end_line else " "
        row = Text(f"  {marker} {number:>{width}} | ", style="dim")
        row.append(lines.line_text(number).expandtabs(4))
        console.print(row)
        if number == line:
            source = lines.line_text(number)
            stop = end_column if end_line == line else len(source) + 1
            pad = len(source[: column - 1].expandtabs(4))
            carets = max(1, len(source[column - 1 : stop - 1].expandtabs(4)))
            console.print(Text(f"    {' ' * width} | " + " " * pad + "^" * carets, style="bold red"))


def scan_summary(scan: ScanResult) -> str:
    findings = scan.findings
    kinds = Counter(f.fix.applicability for f in findings if f.fix is not None)
    fixable = kinds[Applicability.SAFE] + kinds[Applicability.UNSAFE]
    files = len({f.path for f in findings})
    parts = [f"{count(len(findings), 'finding')} in {count(files, 'file')}, {fixable} fixable"]
    details = []
    if kinds[Applicability.SAFE]:
        details.append(f"{kinds[Applicability.SAFE]} safe")
    if kinds[Applicability.UNSAFE]:
        details.append(f"{kinds[Applicability.UNSAFE]} with --unsafe-fixes")
    if kinds[Applicability.SUGGESTION]:
        details.append(count(kinds[Applicability.SUGGESTION], "suggestion"))
    if details:
        parts.append(f" ({', '.join(details)})")
    parts.append(f"; {count(scan.files_checked, 'file')} checked")
    return "".join(parts) + "."


def render_errors(console: Console, errors: Iterable[FileError]) -> None:
    from rich.text import Text

    for error in errors:
        line = Text("error: ", style="bold red")
        line.append(f"{error.path}: {error.message}")
        console.print(line)


def render_fix_report(console: Console, result: FixResult, dry_run: bool) -> None:
    from rich.text import Text

    verb = "would fix" if dry_run else "fixed"
    for file_fix in result.changed:
        by_rule = Counter(f.rule for f in file_fix.plan.applied)
        detail = ", ".join(f"{n} x {rule}" for rule, n in sorted(by_rule.items()))
        line = Text(f"{verb} ", style="green")
        line.append(file_fix.result.job.display, style="bold")
        line.append(f": {detail}")
        console.print(line)
    for file_fix in result.files:
        for finding in file_fix.plan.dropped:
            warn = Text("warning: ", style="yellow")
            warn.append(
                f"{finding.path}: {finding.rule} fix not applied: it conflicts with other fixes "
                f"and did not settle within {file_fix.plan.passes} passes"
            )
            console.print(warn)


def fix_summary(result: FixResult, remaining: list[Finding], minimum: Applicability, dry_run: bool) -> str:
    applied = sum(len(f.plan.applied) for f in result.changed)
    files = len(result.changed)
    verb = "Would fix" if dry_run else "Fixed"
    text = f"{verb} {count(applied, 'finding')} in {count(files, 'file')}"
    unsafe = sum(1 for f in remaining if f.fix and f.fix.applicability is Applicability.UNSAFE)
    others = len(remaining)
    if others:
        text += f"; {others} remaining"
        if unsafe and minimum is Applicability.SAFE:
            text += f" ({unsafe} fixable with --unsafe-fixes)"
    return text + "."
