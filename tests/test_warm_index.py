"""The warm index: a warm run trusts a file whose stamp (size, modification and change times,
inode) is unchanged without reading it, except a file modified just before the run that
indexed it (it could have changed again within the same clock tick)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import handrail.engine.analyze as analyze
import handrail.engine.discovery as discovery
import handrail.engine.runner as runner
import handrail.engine.snapshot as snapshot
import handrail.engine.source as source
from handrail.engine.cache import FOLDER_NAME
from handrail.engine.source import Source
from handrail.engine.warm_index import SUBFOLDER
from tests.conftest import run_handrail

FINDING = 'import { z } from "zod";\nconst Q = z.object({ n: z.number() });\nQ.parse(req.query);\n'
CLEAN = 'import { z } from "zod";\nconst Q = z.object({ n: z.string() });\nQ.parse(req.query);\n'
PLAIN = "export const add = (a: number, b: number) => a + b;\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "package.json").write_text("{}\n")
    (tmp_path / "finding.ts").write_text(FINDING)
    (tmp_path / "clean.ts").write_text(CLEAN)
    (tmp_path / "plain.ts").write_text(PLAIN)
    # As files a developer saved a while before running handrail (a change time cannot be
    # set back: the runs happen later instead).
    later = time.time_ns() + 60 * 10**9
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    # These tests are about the per-file index, which a warm run falls back on when the
    # whole scan's snapshot does not hold (see test_snapshot.py): no snapshot answers here.
    monkeypatch.setattr(snapshot, "recall", lambda *args: None)
    return tmp_path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files handrail read from disk, by name (whether or not it then analysed them)."""
    names: list[str] = []
    real = analyze.read_source

    def counting(path: Path, *args: object) -> Source:
        names.append(path.name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "read_source", counting)
    monkeypatch.setattr(source, "read_source", counting)  # as read_unchanged reads
    return names


def test_a_warm_run_reads_only_the_files_whose_findings_it_shows(project: Path, reads: list[str]) -> None:
    first = run_handrail(["scan", "--jobs", "1"], project)
    # plain.ts twice: its deferred Zod rules run once finding.ts has shown the project uses Zod.
    assert sorted(reads) == ["clean.ts", "finding.ts", "plain.ts", "plain.ts"]
    reads.clear()
    second = run_handrail(["scan", "--jobs", "1"], project)
    assert reads == ["finding.ts"]  # its text is shown; the other two are taken on trust
    assert second.stdout == first.stdout and second.exit_code == first.exit_code == 1


def test_a_changed_stamp_means_the_file_is_read_and_analysed_again(project: Path, reads: list[str]) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    (project / "clean.ts").write_text(FINDING + "// now it has one\n")
    reads.clear()
    result = run_handrail(["scan", "--jobs", "1"], project)
    assert sorted(reads) == ["clean.ts", "finding.ts"]  # plain.ts is taken on trust
    assert "clean.ts\n  2:25" in result.stdout and "finding.ts\n  2:25" in result.stdout


def test_a_touched_file_is_read_once_then_trusted_under_its_new_stamp(
    project: Path, reads: list[str]
) -> None:
    # No rule parses settings.py, so it has no cache entry of its own: the index, by digest,
    # is what keeps its analysis across the touch.
    (project / "settings.py").write_text("DEBUG = False\n")
    run_handrail(["scan", "--jobs", "1"], project)
    stamp = (project / "settings.py").stat()
    os.utime(project / "settings.py", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))  # a touch
    reads.clear()
    run_handrail(["scan", "--jobs", "1"], project)
    assert sorted(reads) == ["finding.ts", "settings.py"]  # read for its digest: the same bytes
    reads.clear()
    run_handrail(["scan", "--jobs", "1"], project)
    assert reads == ["finding.ts"]  # the index took the new stamp


def _rewrite_keeping_mtime(path: Path, text: str) -> None:
    """Other content of the same size and modification time (as `cp -p` leaves it)."""
    stamp = path.stat()
    path.write_text(text)
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert path.stat().st_size == stamp.st_size


def test_a_file_replaced_with_the_same_size_and_mtime_is_read_again(project: Path, reads: list[str]) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    _rewrite_keeping_mtime(project / "clean.ts", CLEAN.replace("z.string()", "z.number()"))
    reads.clear()
    result = run_handrail(["scan", "--jobs", "1"], project)
    assert "clean.ts" in reads  # its change time moved
    assert "clean.ts\n  2:25" in result.stdout


def test_a_file_saved_just_before_the_indexing_run_is_not_trusted(
    project: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a clock so coarse that a second save falls in the tick of the first: the change
    # time and the inode do not move either, and only the time of the save can tell.
    monkeypatch.setattr(discovery, "stamp_of", lambda stat: (stat.st_size, stat.st_mtime_ns, 0, 0))
    monkeypatch.setattr(runner, "time", time)  # the indexing run follows the save at once
    run_handrail(["scan", "--jobs", "1"], project)
    _rewrite_keeping_mtime(project / "clean.ts", CLEAN.replace("z.string()", "z.number()"))
    reads.clear()
    result = run_handrail(["scan", "--jobs", "1"], project)
    assert "clean.ts" in reads
    assert "clean.ts\n  2:25" in result.stdout


def test_no_cache_leaves_the_index_alone(project: Path, reads: list[str]) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    reads.clear()
    run_handrail(["scan", "--jobs", "1", "--no-cache"], project)
    assert sorted(set(reads)) == ["clean.ts", "finding.ts", "plain.ts"]


def test_a_corrupt_index_is_ignored_and_rebuilt(project: Path, reads: list[str]) -> None:
    first = run_handrail(["scan", "--jobs", "1"], project)
    [index] = [p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]
    index.write_bytes(index.read_bytes()[:100])  # truncated, as by a crash or a full disk
    reads.clear()
    second = run_handrail(["scan", "--jobs", "1"], project)
    assert second.stdout == first.stdout
    assert "plain.ts" in reads  # read again: the index was not trusted
    reads.clear()
    run_handrail(["scan", "--jobs", "1"], project)
    assert reads == ["finding.ts"]  # and it was written anew


def test_a_run_on_some_files_keeps_what_the_index_knows_of_the_others(
    project: Path, reads: list[str]
) -> None:
    # A pre-commit hook scans the files it is given; the next whole scan still trusts the rest.
    run_handrail(["scan", "--jobs", "1"], project)
    (project / "finding.ts").write_text(FINDING + "// edited\n")
    run_handrail(["scan", "--jobs", "1", "finding.ts"], project)  # rewrites the index
    reads.clear()
    run_handrail(["scan", "--jobs", "1"], project)
    assert reads == ["finding.ts"]  # shown; clean.ts and plain.ts taken on trust


def test_a_whole_scan_forgets_files_that_are_gone(project: Path) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    (project / "plain.ts").unlink()
    (project / "clean.ts").write_text(CLEAN + "// edited\n")  # so that the index is rewritten
    run_handrail(["scan", "--jobs", "1"], project)
    [index] = [p for p in (project / FOLDER_NAME).glob(f"*/{SUBFOLDER}/*/*") if p.is_file()]
    assert b"plain.ts" not in index.read_bytes()
