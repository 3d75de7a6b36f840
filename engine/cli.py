"""The `handrail` command line: a group that imports a command's module only when it runs.

`handrail --help` and `--version` must start fast (they run in pre-commit hooks and shell
completions), and the commands pull in ast-grep, tree-sitter, rich and the rule catalog.
"""

from __future__ import annotations

import gc
import importlib

import click

from handrail.engine import __version__

# A run makes many objects that live until it ends (modules, the warm index, findings); with
# the default threshold the collector walks them every 700 allocations, ~12% of a warm scan.
# Set when the command line loads, before the engine is imported (mypy does the same).
gc.set_threshold(100_000, 50, 100)

# name -> (module:attribute, one-line help shown by `handrail --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "scan": (
        "handrail.engine.commands:scan_command",
        "Report findings in PATHS (default: the current folder).",
    ),
    "fix": (
        "handrail.engine.commands:fix_command",
        "Apply fixes in PATHS in place (safe ones unless --unsafe-fixes).",
    ),
    "ci": (
        "handrail.engine.commands:ci_command",
        "Scan PATHS once and write what a CI pipeline needs: the report, a patch, SARIF, a review.",
    ),
    "rules": ("handrail.engine.commands:rules_command", "List the rule catalog."),
    "explain": (
        "handrail.engine.commands:explain_command",
        "Show a rule's documentation with its before/after example.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Click would import every command to read its help; the table above has it.
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handrail")
def main() -> None:
    """Find the bugs AI assistants keep writing into backends, and fix them with codemods."""
