"""The `handrail` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from handrail.engine import __version__
from handrail.engine.cache import FOLDER_NAME
from handrail.engine.config import ConfigError, load_config, select_rules
from handrail.engine.console import stderr_console, stdout_console, wants_color
from handrail.engine.diff import unified_diff
from handrail.engine.model import Applicability, Finding
from handrail.engine.reporters import json as json_report
from handrail.engine.reporters import text as text_report
from handrail.engine.reporters.diffs import print_diff
from handrail.engine.rule import Rule
from handrail.engine.runner import ScanResult, Settings, fix, scan

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PROGRESS_MIN_FILES = 200

F = TypeVar("F", bound=Callable[..., Any])


def _catalog() -> tuple[type[Rule], ...]:
    from handrail.codemods import catalog

    return catalog()


def fail(message: str) -> NoReturn:
    click.echo(f"handrail: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def common_options(func: F) -> F:
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--select",
            multiple=True,
            metavar="RULES",
            help="Rule ids or prefixes (zod/); comma-separated or repeated.",
        ),
        click.option("--ignore", multiple=True, metavar="RULES", help="Rule ids or prefixes to leave out."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="pyproject.toml or handrail.toml to use.",
        ),
        click.option(
            "-j", "--jobs", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per CPU)."
        ),
        click.option("--no-color", is_flag=True, help="Never color the output."),
        click.option("-q", "--quiet", is_flag=True, help="Print only findings, diffs and errors."),
        click.option("-v", "--verbose", is_flag=True, help="Also list skipped files and why."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings or changes."),
        click.option("--no-cache", is_flag=True, help=f"Don't read or write {FOLDER_NAME}/."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _prepare(
    paths: Sequence[Path],
    select: Sequence[str],
    ignore: Sequence[str],
    config_file: Path | None,
    jobs: int,
    no_cache: bool = False,
) -> Settings:
    cwd = Path.cwd()
    catalog = _catalog()
    try:
        config = load_config(config_file, cwd, catalog)
        chosen = _split(select) or (list(config.select) if config.select is not None else None)
        ignored = [*config.ignore, *_split(ignore)]
        rules = select_rules(catalog, chosen, ignored)
    except ConfigError as exc:
        fail(str(exc))
    targets = list(paths) or [cwd]
    cache_dir = None if no_cache else config.base / FOLDER_NAME
    return Settings(paths=targets, cwd=cwd, config=config, rules=rules, jobs=jobs, cache_dir=cache_dir)


def _run_scan(settings: Settings, quiet: bool, verbose: bool, no_color: bool) -> ScanResult:
    err = stderr_console(no_color)
    progress: Progress | None = None
    task: Any = None

    def on_progress(done: int, total: int) -> None:
        nonlocal progress, task
        if progress is None:
            if quiet or total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
                return
            progress = Progress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            progress.start()
            task = progress.add_task("files", total=total)
        progress.update(task, completed=done)

    try:
        result = scan(settings, on_progress)
    finally:
        if progress is not None:
            progress.stop()
    if verbose:
        for skipped in result.skipped:
            err.print(f"skipped {skipped.path}: {skipped.reason}")
    return result


def _text_of(result: ScanResult) -> Callable[[str], str]:
    def text_of(display: str) -> str:
        source = result.source(display)
        return source.text if source else ""

    return text_of


def _exit(findings: bool, errors: bool, internal: bool, exit_zero: bool) -> NoReturn:
    if internal:
        sys.exit(EXIT_ERROR)
    if errors or (findings and not exit_zero):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="handrail")
def main() -> None:
    """Find the bugs AI assistants keep writing into backends, and fix them with codemods."""


@main.command("scan")
@common_options
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def scan_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    jobs: int,
    no_color: bool,
    quiet: bool,
    verbose: bool,
    exit_zero: bool,
    no_cache: bool,
    output_format: str,
) -> None:
    """Report findings in PATHS (default: the current folder)."""
    settings = _prepare(paths, select, ignore, config_file, jobs, no_cache)
    result = _run_scan(settings, quiet or output_format == "json", verbose, no_color)
    out, err = stdout_console(no_color), stderr_console(no_color)
    if output_format == "json":
        sys.stdout.write(json_report.render(result, _text_of(result)))
    else:
        text_report.render_findings(out, result.findings, _text_of(result))
        text_report.render_errors(err, [*result.errors, *result.internal_errors])
        if not quiet:
            if result.findings:
                out.print()
            out.print(text_report.scan_summary(result))
    _exit(bool(result.findings), bool(result.errors), bool(result.internal_errors), exit_zero)


@main.command("fix")
@common_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option(
    "--dry-run", "--diff", "dry_run", is_flag=True, help="Write nothing; print the changes as a unified diff."
)
@click.option(
    "-i", "--interactive", is_flag=True, help="Review every change hunk by hunk, like `git add -p`."
)
def fix_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_file: Path | None,
    jobs: int,
    no_color: bool,
    quiet: bool,
    verbose: bool,
    exit_zero: bool,
    no_cache: bool,
    unsafe_fixes: bool,
    dry_run: bool,
    interactive: bool,
) -> None:
    """Apply fixes in PATHS in place (safe ones unless --unsafe-fixes)."""
    if interactive and not sys.stdin.isatty():
        fail("--interactive needs a terminal, and stdin is not one (use --diff to review changes in a pipe)")
    settings = _prepare(paths, select, ignore, config_file, jobs, no_cache)
    result = _run_scan(settings, quiet, verbose, no_color)
    if interactive:
        from handrail.engine.interactive import review

        sys.exit(review(result, no_color=no_color))
    minimum = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    outcome = fix(result, minimum, write=not dry_run)
    out, err = stdout_console(no_color), stderr_console(no_color)
    # In a dry run stdout carries only the patch, so that `> x.patch; git apply x.patch` works.
    report = err if dry_run else out
    if dry_run:
        color = wants_color(sys.stdout, no_color)
        for file_fix in outcome.changed:
            source, plan = file_fix.result.source, file_fix.plan
            assert source is not None
            diff = unified_diff(
                source.on_disk(plan.original), source.on_disk(plan.text), file_fix.result.job.display
            )
            print_diff(diff, out, color)
    planned = {id(f.result) for f in outcome.files}
    remaining: list[Finding] = [f for ff in outcome.files for f in ff.plan.remaining]
    remaining += [f for r in result.results if id(r) not in planned for f in r.analysis.findings]
    if not quiet:
        text_report.render_fix_report(report, outcome, dry_run)
    internal = [*result.internal_errors, *outcome.internal_errors]
    text_report.render_errors(err, [*result.errors, *internal, *outcome.errors])
    if not quiet:
        report.print(text_report.fix_summary(outcome, remaining, minimum, dry_run))
    errors = bool(result.errors or outcome.errors)
    if dry_run:
        _exit(bool(outcome.changed), errors, bool(internal), exit_zero)
    _exit(bool(remaining), errors, bool(internal), exit_zero)


@main.command("rules")
@click.option("--no-color", is_flag=True, help="Never color the output.")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules_command(no_color: bool, output_format: str) -> None:
    """List the rule catalog."""
    from handrail.engine.reporters.catalog import render_json, render_table

    if output_format == "json":
        sys.stdout.write(render_json(_catalog()))
    else:
        render_table(stdout_console(no_color), _catalog())


@main.command("explain")
@click.argument("rule_id")
@click.option("--no-color", is_flag=True, help="Never color the output.")
def explain_command(rule_id: str, no_color: bool) -> None:
    """Show a rule's documentation with its before/after example."""
    from handrail.engine.reporters.catalog import render_explain

    by_id = {rule.id: rule for rule in _catalog()}
    if rule_id not in by_id:
        known = ", ".join(sorted(by_id)) or "none"
        fail(f"unknown rule '{rule_id}' (known rules: {known})")
    console = stdout_console(no_color)
    console.soft_wrap = False  # prose reads better wrapped, even in a pipe (80 columns)
    render_explain(console, by_id[rule_id])


__all__ = ["main"]
