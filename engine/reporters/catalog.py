"""`handrail rules` and `handrail explain`: the catalog as a table and one rule's documentation."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import PurePath

from rich.console import Console
from rich.padding import Padding
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from handrail.engine.languages import Language, describe, language_for
from handrail.engine.rule import Rule

_LEXER = {
    Language.TYPESCRIPT: "typescript",
    Language.TSX: "tsx",
    Language.JAVASCRIPT: "javascript",
    Language.PYTHON: "python",
}


def render_table(console: Console, rules: Sequence[type[Rule]]) -> None:
    if not console.is_terminal:
        console.width = 160  # a pipe has no width: keep one rule per line for grep
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("rule", no_wrap=True)
    table.add_column("languages", no_wrap=True)
    table.add_column("fix", no_wrap=True)
    table.add_column("summary", overflow="fold")
    for rule in rules:
        table.add_row(rule.id, describe(rule.languages), rule.fix_safety.label, rule.summary)
    console.print(table)
    console.print(f"\n{len(rules)} rules. `handrail explain RULE` shows one in full.")


def render_json(rules: Sequence[type[Rule]]) -> str:
    rows = [
        {
            "id": rule.id,
            "languages": sorted(lang.value for lang in rule.languages),
            "fix_safety": rule.fix_safety.label,
            "severity": rule.severity.value,
            "summary": rule.summary,
        }
        for rule in rules
    ]
    return json.dumps(rows, indent=2) + "\n"


def _paragraphs(console: Console, body: str) -> None:
    # textwrap rather than rich's wrapping, which pads every line to the console width.
    width = max(40, min(console.width, 100) - 2)
    for paragraph in body.strip().split("\n\n"):
        for line in textwrap.wrap(" ".join(paragraph.split()), width):
            console.print(Text("  " + line))
        console.print()


def render_explain(console: Console, rule: type[Rule]) -> None:
    console.print(Text(rule.id, style="bold"), Text(f"  ({describe(rule.languages)})", style="dim"))
    console.print()
    _paragraphs(console, rule.summary)
    console.print(Text("Why is this bad?", style="bold"))
    _paragraphs(console, rule.why)
    console.print(Text("Example", style="bold"))
    language = language_for(PurePath(rule.example.path)) or Language.TYPESCRIPT
    for title, code in (("before", rule.example.before), ("after", rule.example.after)):
        console.print(Text(f"  {title} ({rule.example.path}):", style="dim"))
        code = code.rstrip("\n")
        if console.no_color:
            for line in code.splitlines():
                console.print(Text(f"    {line}".rstrip()))
            console.print()
            continue
        width = max(len(line) for line in code.splitlines())
        syntax = Syntax(
            code, _LEXER[language], theme="ansi_dark", background_color="default", code_width=width
        )
        console.print(Padding(syntax, (0, 0, 1, 4), expand=False))
    console.print(Text(f"Fix safety: {rule.fix_safety.label}", style="bold"))
    _paragraphs(console, rule.fix_safety_notes)
    if rule.notes:
        console.print(Text("Notes", style="bold"))
        _paragraphs(console, rule.notes)
    if rule.options:
        console.print(Text("Options", style="bold"))
        table = Table(box=None, pad_edge=False, padding=(0, 2))
        table.add_column("option")
        table.add_column("default")
        table.add_column("description", overflow="fold")
        for name, option in rule.options.items():
            table.add_row(name, json.dumps(option.default), option.description)
        console.print(Padding(table, (0, 0, 0, 2), expand=False))
        console.print(Text(f'  Set them under [tool.handrail.rules."{rule.id}"].', style="dim"))
