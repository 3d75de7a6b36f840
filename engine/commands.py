"""The commands behind `handrail` (loaded only when one of them runs; see cli.py)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from handrail.engine.cache import FOLDER_NAME
from handrail.engine.config import ConfigError, load_config, select_rules
from handrail.engine.console import stderr_console, stdout_console, wants_color
from handrail.engine.diff import unified_diff
from handrail.engine.model import Applicability, Finding
from handrail.engine.narrowing import Narrowed, Narrowing, fix_narrowed, left_out_note, narrow
from handrail.engine.reporters import count
from handrail.engine.reporters import text as text_report
from handrail.engine.reporters.diffs import print_diff
from handrail.engine.rule import Rule
from handrail.engine.runner import ScanResult, Settings, scan

if TYPE_CHECKING:
    from rich.console import Console

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
CONTEXT = {"help_option_names": ["-h", "--help"]}
PROGRESS_MIN_FILES = 200
# Machine-readable findings on stdout: format -> (reporter module, its render function), imported
# only when that format is asked for.
RENDERERS = {
    "json": ("json", "render"),
    "github": ("github", "render_annotations"),
    "rdjsonl": ("rdjsonl", "render"),
    "gitlab": ("gitlab", "render"),
}
FORMATS = ["text", *RENDERERS]


def _renderer(output_format: str) -> Callable[[ScanResult, Callable[[str], str]], str]:
    module, function = RENDERERS[output_format]
    render: Callable[[ScanResult, Callable[[str], str]], str]
    render = getattr(importlib.import_module(f"handrail.engine.reporters.{module}"), function)
    return render


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


def narrowing_options(func: F) -> F:
    options = [
        click.option(
            "--diff-base",
            metavar="REF",
            help="Only findings on lines added or changed since the merge-base with git revision REF.",
        ),
        click.option(
            "--baseline",
            "baseline_file",
            type=click.Path(dir_okay=False, path_type=Path),
            metavar="FILE",
            help="Leave out the findings recorded in FILE (see scan --write-baseline).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def format_option(func: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="github: workflow annotations; rdjsonl: reviewdog; gitlab: Code Quality report.",
    )(func)


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
    progress: Any = None  # a rich Progress, once one is shown
    task: Any = None

    def on_progress(done: int, total: int) -> None:
        nonlocal progress, task
        if progress is None:
            if quiet or total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
                return
            # Imported only when a bar is drawn (a terminal): it costs a scan in CI 10 ms.
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(
                TextColumn("checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=stderr_console(no_color),
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
    if verbose and result.skipped:
        err = stderr_console(no_color)
        for skipped in result.skipped:
            err.print(f"skipped {skipped.path}: {skipped.reason}")
    return result


def _text_of(result: ScanResult) -> Callable[[str], str]:
    def text_of(display: str) -> str:
        source = result.source(display)
        return source.text if source else ""

    return text_of


def _narrowing(diff_ref: str | None, baseline_file: Path | None, cwd: Path) -> Narrowing:
    if diff_ref is None and baseline_file is None:
        return Narrowing()
    # Imported only when asked for (git's client and the baseline format are not free).
    from handrail.engine import baseline as baselines
    from handrail.engine.baseline import BaselineError
    from handrail.engine.gitdiff import GitError, diff_base

    try:
        diff = diff_base(diff_ref, cwd) if diff_ref is not None else None
        baseline = baselines.load(baseline_file) if baseline_file is not None else None
    except (GitError, BaselineError) as exc:
        fail(str(exc))
    return Narrowing(diff, baseline)


def _report(result: ScanResult, output_format: str, quiet: bool, no_color: bool, note: str | None) -> None:
    errors = [*result.errors, *result.internal_errors]
    if output_format != "text":  # no console unless something goes to stderr (rich is slow to import)
        sys.stdout.write(_renderer(output_format)(result, _text_of(result)))
        if output_format in ("rdjsonl", "gitlab") and errors:  # these formats have no place for errors
            text_report.render_errors(stderr_console(no_color), errors)
        if note and not quiet:
            stderr_console(no_color).print(note)
        return
    out, err = stdout_console(no_color), stderr_console(no_color)
    text_report.render_findings(out, result.findings, _text_of(result))
    text_report.render_errors(err, errors)
    if not quiet:
        if result.findings:
            out.print()
        out.print(text_report.scan_summary(result))
        if note:
            out.print(note)


def _exit(findings: bool, errors: bool, internal: bool, exit_zero: bool) -> NoReturn:
    if internal:
        sys.exit(EXIT_ERROR)
    if errors or (findings and not exit_zero):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


@click.command("scan", context_settings=CONTEXT)
@common_options
@format_option
@narrowing_options
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Record the findings in FILE for --baseline, instead of reporting them.",
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
    diff_base: str | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
) -> None:
    """Report findings in PATHS (default: the current folder)."""
    if write_baseline is not None and (diff_base is not None or baseline_file is not None):
        # Recording a narrowed set would silently drop the findings it left out.
        fail("--write-baseline records every finding: leave out --diff-base and --baseline")
    settings = _prepare(paths, select, ignore, config_file, jobs, no_cache)
    narrowing = _narrowing(diff_base, baseline_file, settings.cwd)
    result = _run_scan(settings, quiet or output_format != "text", verbose, no_color)
    if write_baseline is not None:
        _record_baseline(result, write_baseline, quiet, no_color)
    narrowed = narrow(result, narrowing, settings.cwd)
    result = narrowed.scan
    _report(result, output_format, quiet, no_color, left_out_note(narrowed))
    _exit(bool(result.findings), bool(result.errors), bool(result.internal_errors), exit_zero)


def _record_baseline(result: ScanResult, path: Path, quiet: bool, no_color: bool) -> NoReturn:
    from handrail.engine import baseline as baselines
    from handrail.engine.baseline import BaselineError

    try:
        baselines.write(path, result.findings, _text_of(result))
    except BaselineError as exc:
        fail(str(exc))
    err = stderr_console(no_color)
    text_report.render_errors(err, [*result.errors, *result.internal_errors])
    if not quiet:
        err.print(f"Recorded {count(len(result.findings), 'finding')} in {path}.")
    _exit(False, bool(result.errors), bool(result.internal_errors), exit_zero=True)


@click.command("fix", context_settings=CONTEXT)
@common_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour.")
@click.option(
    "--dry-run", "--diff", "dry_run", is_flag=True, help="Write nothing; print the changes as a unified diff."
)
@click.option(
    "-i", "--interactive", is_flag=True, help="Review every change hunk by hunk, like `git add -p`."
)
@narrowing_options
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
    diff_base: str | None,
    baseline_file: Path | None,
) -> None:
    """Apply fixes in PATHS in place (safe ones unless --unsafe-fixes)."""
    if interactive and not sys.stdin.isatty():
        fail("--interactive needs a terminal, and stdin is not one (use --diff to review changes in a pipe)")
    settings = _prepare(paths, select, ignore, config_file, jobs, no_cache)
    narrowing = _narrowing(diff_base, baseline_file, settings.cwd)
    narrowed = narrow(_run_scan(settings, quiet, verbose, no_color), narrowing, settings.cwd)
    result = narrowed.scan
    if interactive:
        if dry_run:
            fail("--interactive writes only the changes you accept; it cannot be combined with --diff")
        from handrail.engine.interactive import review

        sys.exit(review(result, no_color=no_color, left_out=narrowed.left_out))
    minimum = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    outcome = fix_narrowed(narrowed, minimum, write=not dry_run)
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
        note = left_out_note(narrowed, "left alone")
        if note:
            report.print(note)
    errors = bool(result.errors or outcome.errors)
    if dry_run:
        _exit(bool(outcome.changed), errors, bool(internal), exit_zero)
    _exit(bool(remaining), errors, bool(internal), exit_zero)


@click.command("ci", context_settings=CONTEXT)
@common_options
@format_option
@narrowing_options
@click.option("--unsafe-fixes", is_flag=True, help="Also put fixes that may change behaviour in --patch.")
@click.option(
    "--patch",
    "patch_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the fixes as one patch for `git apply`.",
)
@click.option(
    "--sarif",
    "sarif_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the findings as SARIF 2.1.0 (GitHub code scanning).",
)
@click.option(
    "--github-review",
    "review_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write a pull request review with one-click suggestions (GitHub's JSON).",
)
@click.option(
    "--post", is_flag=True, help="Post the review to the pull request (GitHub Actions; needs --diff-base)."
)
def ci_command(
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
    diff_base: str | None,
    baseline_file: Path | None,
    unsafe_fixes: bool,
    patch_file: Path | None,
    sarif_file: Path | None,
    review_file: Path | None,
    post: bool,
) -> None:
    """Scan PATHS once and write what a CI pipeline needs: the report, a patch, SARIF, a review."""
    # Here, not at the top: the GitHub client and the reporters are for this command only.
    from handrail.engine import github_api
    from handrail.engine.ci import Outputs, produce
    from handrail.engine.github_api import PostError

    pull_request = None
    if post:
        if diff_base is None:
            fail("--post needs --diff-base REF: GitHub takes review comments only on the pull request's diff")
        try:
            pull_request = github_api.pull_request(os.environ)
        except PostError as exc:
            fail(str(exc))
    settings = _prepare(paths, select, ignore, config_file, jobs, no_cache)
    narrowing = _narrowing(diff_base, baseline_file, settings.cwd)
    narrowed = narrow(
        _run_scan(settings, quiet or output_format != "text", verbose, no_color), narrowing, settings.cwd
    )
    result = narrowed.scan
    _report(result, output_format, quiet, no_color, left_out_note(narrowed))
    err = stderr_console(no_color)
    commit = github_api.head_commit(github_api.read_event(os.environ))
    if pull_request is not None:
        _check_checkout(narrowed, commit, err)
    outputs = Outputs(patch_file, sarif_file, review_file, pull_request)
    minimum = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    try:
        produced = produce(narrowed, outputs, settings.rules, minimum, settings.cwd, commit)
    except OSError as exc:
        fail(f"cannot write {exc.filename}: {exc.strerror}")
    except PostError as exc:
        fail(str(exc))
    text_report.render_errors(err, [*produced.errors, *produced.internal_errors])
    if not quiet:
        for message in produced.messages:
            err.print(message)
    errors = bool(result.errors or produced.errors)
    internal = bool(result.internal_errors or produced.internal_errors)
    _exit(bool(result.findings), errors, internal, exit_zero)


def _check_checkout(narrowed: Narrowed, head: str | None, err: Console) -> None:
    diff = narrowed.narrowing.diff
    if diff is not None and head is not None and diff.head != head:
        # actions/checkout checks out a merge commit by default: its line numbers can differ
        # from the pull request head's, which GitHub anchors comments to.
        err.print(
            f"warning: HEAD ({diff.head[:12]}) is not the pull request's head ({head[:12]}); "
            "comments may land on the wrong lines. Check out the head commit "
            "(actions/checkout with ref: ${{ github.event.pull_request.head.sha }})."
        )


@click.command("rules", context_settings=CONTEXT)
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


@click.command("explain", context_settings=CONTEXT)
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
