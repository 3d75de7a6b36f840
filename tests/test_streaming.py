"""The file stream through worker processes: whatever mix of cache hits and misses, and
whether the misses go to workers or run in-process, a scan reports what a single process
without a cache reports, in the same order."""

from __future__ import annotations

import concurrent.futures
import json
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import handrail.engine.runner as runner
from tests.conftest import run_handrail

FINDING = (
    'import {{ z }} from "zod";\nexport const Q{n} = z.object({{ n: z.number() }});\nQ{n}.parse(req.query);\n'
)
CATCH = "try {{ run{n}(); }} catch (err) {{ console.log(err); }}\n"
PLAIN = "export const add{n} = (a: number, b: number) => a + b;\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "package.json").write_text('{"dependencies": {"zod": "^3.23.0"}}\n')
    for n in range(150):  # more than the pool threshold (64 files), in nested folders
        template = (FINDING, CATCH, PLAIN, PLAIN)[n % 4]
        path = tmp_path / f"src/part{n % 5}/f{n:03}.ts"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(n=n))
    # The runs happen a while after the saves, so that the warm index trusts the files.
    later = time.time_ns() + 60 * 10**9
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    return tmp_path


def _scan(project: Path, *args: str) -> tuple[list[tuple[str, int, str]], int]:
    result = run_handrail(["scan", "--format", "json", *args], project)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    found = [(f["path"], f["line"], f["rule"]) for f in document["findings"]]
    return found, document["summary"]["files_checked"]


@pytest.fixture
def chunks_to_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the chunks of files handed to worker processes."""
    sizes: list[int] = []
    real = concurrent.futures.ProcessPoolExecutor

    class Counting(real):  # type: ignore[misc, valid-type]
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            sizes.append(len(args[0]) if args else 0)
            return super().submit(fn, *args, **kwargs)

    # The runner imports it when it starts a pool (a warm run never does).
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counting)
    return sizes


def test_every_way_through_the_stream_gives_the_same_report(
    project: Path, chunks_to_workers: list[int]
) -> None:
    expected = _scan(project, "--jobs", "1", "--no-cache")
    assert len(expected[0]) == 76 and expected[1] == 150  # 38 + 38 findings; all files checked
    assert chunks_to_workers == []
    # Workers read the files: all 150, then the 112 without a Zod import again for the Zod
    # rules, once the other files have shown that the project uses Zod (a project gate).
    assert _scan(project, "--jobs", "2", "--no-cache") == expected
    assert sum(chunks_to_workers) == 150 + 112
    chunks_to_workers.clear()
    assert _scan(project, "--jobs", "2") == expected  # cold cache: misses go to workers
    assert sum(chunks_to_workers) == 150 + 112
    chunks_to_workers.clear()
    assert _scan(project, "--jobs", "2") == expected  # warm: no file is analysed again
    assert chunks_to_workers == []  # and no worker is started
    for n in range(0, 40, 4):  # fewer changes than pay for workers: analysed in-process
        path = project / f"src/part{n % 5}/f{n:03}.ts"
        path.write_text(path.read_text() + "// touched\n")
    assert _scan(project, "--jobs", "2") == expected
    assert chunks_to_workers == []
