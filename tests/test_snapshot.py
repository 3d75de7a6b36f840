"""The whole-scan snapshot: a warm run over an unchanged tree returns the last scan's result
after stat-ing each file and folder, without walking or analysing; any change to what the
scan was made from (a source file, a folder's listing, an ignore file, package.json, a file
a rule read) makes it scan again."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import handrail.engine.runner as runner
from handrail.engine.cache import FOLDER_NAME
from handrail.engine.project import project_info
from handrail.engine.snapshot import KEEP, SUBFOLDER
from tests.conftest import run_handrail

FINDING = 'import { z } from "zod";\nconst Q = z.object({ n: z.number() });\nQ.parse(req.query);\n'
CLEAN = 'import { z } from "zod";\nconst Q = z.object({ n: z.string() });\nQ.parse(req.query);\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "package.json").write_text('{"dependencies": {"zod": "^3.23.0"}}\n')
    (tmp_path / ".gitignore").write_text("# nothing yet\n")
    (tmp_path / "finding.ts").write_text(FINDING)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "clean.ts").write_text(CLEAN)
    later = time.time_ns() + 60 * 10**9  # as files saved a while before the runs (see test_warm_index.py)
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    return tmp_path


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One item per run that did not reuse a snapshot's result: "walk" when it walked the
    tree, "no walk" when the snapshot told what the walk would find."""
    calls: list[str] = []
    real = runner._scan

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append("walk" if kwargs.get("walked") is None else "no walk")
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "_scan", counting)
    return calls


def scan(cwd: Path, *args: str) -> tuple[int, str]:
    result = run_handrail(["scan", "--jobs", "1", *args], cwd)
    return result.exit_code, result.stdout


def deny_reading(name: str, monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Make reading files named `name` fail as without permission; the callable undoes it."""
    real = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    return lambda: monkeypatch.setattr(Path, "read_bytes", real)


def scanned_again(
    project: Path, scans: list[str], change: Callable[[], object], how: str = "walk"
) -> tuple[int, str]:
    """Scan, make `change`, scan again: that second scan's outcome, once shown it ran `how`."""
    scan(project)
    change()
    scans.clear()
    outcome = scan(project)
    assert scans == [how], "the snapshot was trusted after the change"
    return outcome


def test_an_unchanged_tree_gives_the_last_result_without_a_walk(project: Path, scans: list[str]) -> None:
    first = scan(project)
    assert scans == ["walk"] and first[0] == 1 and "finding.ts" in first[1]
    # The first run created the cache folder inside the scanned one after listing it: that
    # folder's stamp moved, its listing (the cache aside) did not.
    second = scan(project)
    third = scan(project)
    assert scans == ["walk"]
    assert first == second == third == scan(project, "--no-cache")


def test_a_folder_whose_stamp_moved_is_listed_again_and_trusted(project: Path, scans: list[str]) -> None:
    scan(project)
    os.utime(project / "src", ns=(10**18, 10**18))
    assert scan(project) == scan(project)
    assert scans == ["walk"]


def test_a_changed_file_is_scanned_again_without_a_walk(project: Path, scans: list[str]) -> None:
    # The usual edit, contents only: what the walk found still holds, and the warm index
    # answers for the files that did not change.
    change = (project / "src" / "clean.ts").write_text
    code, out = scanned_again(project, scans, lambda: change(FINDING), how="no walk")
    assert "src/clean.ts" in out and code == 1
    assert (code, out) == scan(project, "--no-cache")
    scans.clear()
    assert scan(project) == (code, out) and scans == []  # and noted again


def test_a_file_grown_past_the_size_limit_is_walked_for(project: Path, scans: list[str]) -> None:
    (project / "handrail.toml").write_text("max-file-size = 200\n")
    code, out = scanned_again(project, scans, lambda: (project / "finding.ts").write_text(FINDING * 3))
    assert code == 0 and "finding.ts" not in out


def test_a_new_file_in_a_folder_is_scanned(project: Path, scans: list[str]) -> None:
    _, out = scanned_again(project, scans, lambda: (project / "src" / "new.ts").write_text(FINDING))
    assert "src/new.ts" in out


def test_a_removed_file_is_gone_from_the_result(project: Path, scans: list[str]) -> None:
    code, out = scanned_again(project, scans, (project / "finding.ts").unlink)
    assert code == 0 and "finding.ts" not in out


def test_a_file_of_another_kind_in_a_folder_counts_too(project: Path, scans: list[str]) -> None:
    # A new name is a new listing: a README is harmless, but a `pyvenv.cfg` or a
    # package.json changes what the walk decides there.
    (project / "src" / "clean.ts").write_text(FINDING)
    _, out = scanned_again(
        project, scans, lambda: (project / "src" / "pyvenv.cfg").write_text("home = /usr\n")
    )
    assert "src/clean.ts" not in out  # a virtual environment now


def test_an_edited_gitignore_is_seen(project: Path, scans: list[str]) -> None:
    code, out = scanned_again(project, scans, lambda: (project / ".gitignore").write_text("finding.ts\n"))
    assert code == 0 and "finding.ts" not in out


def test_an_edited_gitignore_above_the_scanned_folder_is_seen(project: Path, scans: list[str]) -> None:
    (project / ".git").mkdir()  # a repository: its .gitignore files above count
    (project / "src" / "clean.ts").write_text(FINDING)
    scan(project / "src")
    (project / ".gitignore").write_text("src/clean.ts\n")
    scans.clear()
    code, out = scan(project / "src")
    assert scans == ["walk"] and code == 0 and "clean.ts" not in out


def test_an_edited_package_json_is_seen(project: Path, scans: list[str]) -> None:
    # No Zod here, so no rule reads package.json: the project's dependencies are what count.
    for path in project.rglob("*.ts"):
        path.write_text("export const n = 1;\n")
    scanned_again(project, scans, lambda: (project / "package.json").write_text('{"dependencies": {}}\n'))


def test_a_file_saved_just_before_the_scan_is_not_trusted(tmp_path: Path, scans: list[str]) -> None:
    # Without the clock moved on (as in `project`), the files are younger than the run's
    # clock tick allowance: the next run cannot tell a later write from none, and scans them
    # again (what the walk found holds: the folder's listing is as it was).
    (tmp_path / "finding.ts").write_text(FINDING)
    scan(tmp_path)
    scan(tmp_path)
    assert scans == ["walk", "no walk"]


def test_named_paths_have_their_own_snapshot(project: Path, scans: list[str]) -> None:
    whole = scan(project)
    one = scan(project, "finding.ts")
    assert scan(project, "finding.ts") == one and scan(project) == whole
    assert scans == ["walk", "walk"]


def test_no_cache_and_a_failed_run_note_no_snapshot(project: Path, scans: list[str]) -> None:
    scan(project, "--no-cache")
    assert not (project / FOLDER_NAME).exists()
    scan(project, ".", "missing.ts")  # an error: a path that is not there
    assert not list((project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*"))


def test_a_corrupt_snapshot_is_ignored(project: Path, scans: list[str]) -> None:
    first = scan(project)
    [snapshot] = [p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]
    snapshot.write_bytes(snapshot.read_bytes()[:100])
    assert scan(project) == first and scans == ["walk", "walk"]


def test_a_file_that_could_not_be_read_is_not_remembered(
    project: Path, scans: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Permissions (a group joined, a policy changed) can change without the file's stamp.
    allow = deny_reading("finding.ts", monkeypatch)
    code, out = scan(project)
    assert code == 0 and "finding.ts" not in out
    allow()
    code, out = scan(project)
    assert scans == ["walk", "walk"] and code == 1 and "finding.ts" in out


def test_a_links_target_changing_kind_is_seen(project: Path, scans: list[str]) -> None:
    (project / "src" / "lib").symlink_to(project.parent / f"{project.name}-lib")  # nothing there yet
    scan(project, "--verbose")
    (project.parent / f"{project.name}-lib").mkdir()  # the link's folder does not change
    scans.clear()
    result = run_handrail(["scan", "--jobs", "1", "--verbose"], project)
    assert scans == ["walk"] and "skipped src/lib/: symbolic link" in result.stderr + result.stdout


def test_a_link_named_and_repointed_during_the_scan_is_not_taken_for_its_new_target(
    project: Path, scans: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "v1").mkdir()
    (project / "v1" / "a.ts").write_text(FINDING)
    (project / "v2").mkdir()
    (project / "current").symlink_to(project / "v1")
    real = runner.discover

    def then_repoint(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        (project / "current").unlink()
        (project / "current").symlink_to(project / "v2")  # as a deploy does
        return found

    monkeypatch.setattr(runner, "discover", then_repoint)
    assert scan(project, "current")[0] == 1  # v1's finding
    monkeypatch.setattr(runner, "discover", real)
    assert scan(project, "current") == scan(project, "current", "--no-cache")


def test_a_snapshot_keeps_no_file_text(project: Path, scans: list[str]) -> None:
    (project / "finding.ts").write_text(FINDING + "// a line only the file holds\n")
    scan(project)
    os.utime(project / "src", ns=(10**18, 10**18))
    scan(project)  # trusted, and noted again under the folder's new stamp
    [snapshot] = [p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]
    assert b"a line only the file holds" not in snapshot.read_bytes() and scans == ["walk"]


def test_the_snapshots_used_most_recently_are_kept(project: Path, scans: list[str]) -> None:
    for i in range(KEEP):
        (project / f"f{i}.ts").write_text(CLEAN)
    scan(project)
    scan(project)  # trusted, and written again (the cache folder moved the project's stamp)
    for i in range(KEEP):  # a pre-commit hook's runs, each on other files, among whole scans
        scan(project, f"f{i}.ts")
        scan(project)
    assert len(scans) == KEEP + 1  # each named run walked once; every whole scan after the first did not


def test_a_package_json_that_could_not_be_read_is_not_remembered(
    project: Path, scans: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in project.rglob("*.ts"):  # no Zod: no rule reads package.json, the engine does
        path.write_text("export const n = 1;\n")
    allow = deny_reading("package.json", monkeypatch)
    scan(project)
    allow()
    scan(project)
    assert scans == ["walk", "walk"]


def test_a_folder_listed_again_each_run_does_not_rewrite_the_snapshot(
    project: Path, scans: list[str]
) -> None:
    scan(project)
    scan(project)  # the cache folder moved the project's stamp: noted again, once
    [snapshot] = [p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]
    written = snapshot.stat().st_ino
    now = runner.time.time_ns()
    os.utime(project / "src", ns=(now, now))  # modified as the run starts: racy, listed each time
    for _ in range(3):
        scan(project)
    assert scans == ["walk"] and snapshot.stat().st_ino == written


def test_after_a_scan_without_a_walk_an_edited_gitignore_is_still_seen(
    project: Path, scans: list[str]
) -> None:
    # The walk's looks (here, at .gitignore) carry over to the snapshot of a scan that skipped it.
    scanned_again(
        project, scans, lambda: (project / "src" / "clean.ts").write_text(CLEAN + "// edited\n"), "no walk"
    )
    code, out = scanned_again(project, scans, lambda: (project / ".gitignore").write_text("finding.ts\n"))
    assert code == 0 and "finding.ts" not in out


def test_a_file_shrunk_below_the_size_limit_is_walked_for(project: Path, scans: list[str]) -> None:
    (project / "handrail.toml").write_text("max-file-size = 200\n")
    (project / "finding.ts").write_text(FINDING * 3)  # skipped: too large
    code, out = scanned_again(project, scans, lambda: (project / "finding.ts").write_text(FINDING))
    assert code == 1 and "finding.ts" in out


def test_no_more_than_keep_snapshots_stay(project: Path, scans: list[str]) -> None:
    for i in range(KEEP + 2):
        (project / f"f{i}.ts").write_text(CLEAN)
        scan(project, f"f{i}.ts")
    assert len([p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]) == KEEP


def test_verbose_says_nothing_of_the_cache_folder(project: Path) -> None:
    scan(project)
    (project / "src" / "clean.ts").write_text(CLEAN + "// edited\n")
    for args in (["--no-cache"], []):  # a walk that meets the cache folder, and one reusing the walk
        result = run_handrail(["scan", "--jobs", "1", "--verbose", *args], project)
        assert FOLDER_NAME not in result.stdout + result.stderr


def test_a_package_json_that_is_not_an_object_gives_no_dependencies(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("[1, 2]\n")
    info = project_info(tmp_path)
    assert info.package_json and info.dependencies == frozenset()
