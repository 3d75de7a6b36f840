"""The analysis cache: a warm run skips unchanged files, and nothing in the cache folder can be
trusted unless handrail itself signed it."""

from __future__ import annotations

import pickle
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import handrail.engine.analyze as analyze
import handrail.engine.cache as cache_module
import handrail.engine.runner as runner
from handrail.engine.cache import FOLDER_NAME, KEEP_GENERATIONS, AnalysisCache
from handrail.engine.snapshot import SUBFOLDER as SNAPSHOTS
from handrail.engine.warm_index import SUBFOLDER
from tests.conftest import run_handrail

SOURCE = 'import { z } from "zod";\nconst Q = z.object({ n: z.number() });\nQ.parse(req.query);\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text("{}\n")
    for i in range(3):
        (tmp_path / f"m{i}.ts").write_text(SOURCE)
    return tmp_path


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files that really got parsed and matched (not served from the cache)."""
    calls: list[str] = []
    real = analyze.analyze_text

    def counting(path: Path, *args: object, **kwargs: object) -> analyze.Analysis:
        calls.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze, "analyze_text", counting)
    return calls


def test_a_warm_run_reuses_every_unchanged_file(project: Path, analysed: list[str]) -> None:
    first = run_handrail(["scan", "--jobs", "1"], project)
    assert sorted(analysed) == ["m0.ts", "m1.ts", "m2.ts"]
    analysed.clear()
    second = run_handrail(["scan", "--jobs", "1"], project)
    assert analysed == []
    assert second.stdout == first.stdout and second.exit_code == first.exit_code == 1
    (project / "m1.ts").write_text(SOURCE + "// changed\n")
    run_handrail(["scan", "--jobs", "1"], project)
    assert analysed == ["m1.ts"]


def test_options_and_rule_selection_are_part_of_the_key(project: Path, analysed: list[str]) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    analysed.clear()
    run_handrail(["scan", "--jobs", "1", "--select", "zod/"], project)
    assert len(analysed) == 3
    analysed.clear()
    (project / "handrail.toml").write_text('[rules."zod/coerce-number"]\nunknown-use = "ignore"\n')
    run_handrail(["scan", "--jobs", "1", "--select", "zod/"], project)
    assert len(analysed) == 3


def test_no_cache_neither_reads_nor_writes(project: Path, analysed: list[str]) -> None:
    run_handrail(["scan", "--no-cache"], project)
    assert not (project / FOLDER_NAME).exists()
    run_handrail(["scan"], project)
    assert (project / FOLDER_NAME / ".gitignore").read_text().splitlines()[-1] == "*"
    analysed.clear()
    run_handrail(["scan", "--no-cache"], project)
    assert len(analysed) == 3


def test_each_version_and_option_set_has_a_generation_and_old_ones_are_pruned(
    project: Path, analysed: list[str]
) -> None:
    # An upgrade or an option change starts a new generation of entries; only the most
    # recently used few stay, so the cache does not grow with every version.
    cache = project / FOLDER_NAME
    legacy = [cache / "ab" / ("ab" + "0" * 62), cache / SUBFOLDER / "cd" / ("cd" + "0" * 62)]
    for path in legacy:  # entries of the layout before generations
        path.parent.mkdir(parents=True)
        path.write_bytes(b"old")
    seen: list[str] = []
    for n in range(KEEP_GENERATIONS + 2):
        config = f'[rules."zod/coerce-number"]\nstring-sources = ["source{n}"]\n'
        (project / "handrail.toml").write_text(config)
        run_handrail(["scan", "--jobs", "1"], project)
        generations = sorted(p.name for p in cache.iterdir() if p.is_dir())
        new = [name for name in generations if name not in seen]
        assert len(new) == 1 and len(generations) == min(n + 1, KEEP_GENERATIONS)
        seen.extend(new)
    assert not any(path.exists() for path in legacy) and (cache / ".gitignore").is_file()
    assert sorted(seen[-KEEP_GENERATIONS:]) == generations  # the oldest went first
    analysed.clear()
    run_handrail(["scan", "--jobs", "1"], project)  # the last options again: all cached
    assert analysed == []


def test_a_run_that_writes_nothing_still_keeps_its_generation_recent(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = time.time_ns() + 60 * 10**9  # the files were saved well before: the index trusts them
    monkeypatch.setattr(runner, "time", SimpleNamespace(time_ns=lambda: later))
    cache = project / FOLDER_NAME

    def run(n: int) -> str:
        config = f'[rules."zod/coerce-number"]\nstring-sources = ["source{n}"]\n'
        (project / "handrail.toml").write_text(config)
        run_handrail(["scan", "--jobs", "1"], project)
        return max((p for p in cache.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns).name

    names = [run(n) for n in range(KEEP_GENERATIONS)]
    assert run(0) == names[0]  # warm: nothing written, but the generation marked used
    run(KEEP_GENERATIONS)  # a new one: the least recently used goes, which is no longer the first
    remaining = {p.name for p in cache.iterdir() if p.is_dir()}
    assert names[0] in remaining and names[1] not in remaining


def test_only_parsed_files_get_entries_and_a_touched_file_keeps_its_analysis(
    tmp_path: Path, analysed: list[str]
) -> None:
    # No rule parses these files (no console.log, no 500, no zod in the project): writing an
    # entry for each costs more than reading them again. A touch (or a checkout) moves their
    # stamp but not their bytes: the warm index still answers for them, by digest.
    (tmp_path / "package.json").write_text("{}\n")
    for i in range(3):
        (tmp_path / f"p{i}.ts").write_text(f"export const n{i} = {i};\n")
    run_handrail(["scan", "--jobs", "1"], tmp_path)
    entries = [p for p in (tmp_path / FOLDER_NAME).rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert sorted(p.parent.parent.name for p in entries) == [SUBFOLDER, SNAPSHOTS]  # no per-file entry
    time.sleep(0.01)
    for path in tmp_path.glob("*.ts"):
        path.touch()
    analysed.clear()
    result = run_handrail(["scan", "--jobs", "1"], tmp_path)
    assert analysed == [] and result.exit_code == 0


def test_corrupt_and_forged_entries_are_ignored_and_rebuilt(project: Path, analysed: list[str]) -> None:
    run_handrail(["scan", "--jobs", "1"], project)
    entries = [
        p
        for p in (project / FOLDER_NAME).rglob("*")
        if p.is_file()
        and p.name != ".gitignore"
        and {SUBFOLDER, SNAPSHOTS}.isdisjoint(p.relative_to(project).parts)
    ]
    assert len(entries) == 3
    entries[0].write_bytes(entries[0].read_bytes()[:20])  # truncated
    planted = project / "pwned"
    # An attacker's pickle that would create a file when loaded, without handrail's signature.
    payload = pickle.dumps(_Exploit(str(planted)))
    entries[1].write_bytes(b"handrail-cache-1\n" + b"\0" * 32 + payload)
    for index in [
        *(project / FOLDER_NAME).glob(f"*/{SUBFOLDER}"),
        *(project / FOLDER_NAME).glob(f"*/{SNAPSHOTS}"),
    ]:
        shutil.rmtree(index)  # else they answer for the unchanged bytes (see test_warm_index.py)
    analysed.clear()
    result = run_handrail(["scan", "--jobs", "1"], project)
    assert result.exit_code == 1
    assert len(analysed) == 2
    assert not planted.exists()


class _Exploit:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (Path(self.path), "owned"))  # type: ignore[return-value]


def test_store_and_load_round_trip(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path / "c")
    key = AnalysisCache.key("a", 1)
    assert cache.load(key) is None
    cache.store(key, {"x": [1, 2]})
    assert cache.load(key) == {"x": [1, 2]}


def test_an_upgraded_parser_starts_a_new_generation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The parsers decide every finding: analyses made with another release must not be reused.
    site = tmp_path / "site"
    (site / "fakeparser").mkdir(parents=True)
    (site / "fakeparser" / "__init__.py").write_text("")
    (site / "fakeparser-1.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert cache_module._installed("fakeparser") == "fakeparser-1.0.dist-info"
    (site / "fakeparser-1.0.dist-info").rename(site / "fakeparser-2.0.dist-info")
    cache_module._names_in.cache_clear()
    assert cache_module._installed("fakeparser") == "fakeparser-2.0.dist-info"
    assert cache_module._installed("no_such_parser") == "no_such_parser: none"

    def fingerprint(release: str) -> str:
        monkeypatch.setattr(cache_module, "_installed", lambda name: f"{name}-{release}")
        cache_module.code_fingerprint.cache_clear()
        return cache_module.code_fingerprint()

    try:
        assert fingerprint("1.0") != fingerprint("2.0")
    finally:
        cache_module.code_fingerprint.cache_clear()
