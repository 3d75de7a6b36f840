"""Benchmark: handrail against ast-grep's own CLI on real code no one here wrote.

    python benchmarks/run.py [--jobs 2] [--repeat 5]

Corpus (reproducible on a fresh machine): the TypeScript and JavaScript sources shipped in a
pinned set of npm packages (installed with `npm install --ignore-scripts` into .bench/), and the
Python standard library of the interpreter running this script. Prints, per corpus:
- cold: median wall time of `handrail scan --no-cache` vs `ast-grep scan` with the YAML rules in
  benchmarks/ast-grep-rules/ (the structural part of each built-in rule), same thread count,
  runs alternating; the ratio handrail/ast-grep (goal: <= 1.0);
- first run with the cache: as cold, but with the cache (the default), which it fills;
- warm: median of a second handrail run over unchanged files (cache) and cold/warm;
- after an edit: a run with the cache after one file's content changed (a line appended,
  then the file restored), the usual run while working;
- startup: `handrail --version` and `--help`;
- peak RSS of handrail at 1x and 4x the corpus (the corpus copied four times).
Numbers come from one run on one machine; compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
RULES = Path(__file__).resolve().parent / "ast-grep-rules" / "sgconfig.yml"
NPM_PACKAGES = [
    "rxjs@7.8.1",
    "effect@3.10.0",
    "fp-ts@2.16.9",
    "@tanstack/query-core@5.59.0",
    "date-fns@3.6.0",
    "lodash-es@4.17.21",
    "typeorm@0.3.20",
    "@nestjs/core@10.3.0",
]
JS_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")


def _bin(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: pip install -e '.[dev]' ast-grep-cli")
    return found


def prepare_ts() -> Path:
    corpus = WORK / "ts"
    if corpus.is_dir():
        return corpus
    npm_root = WORK / "npm"
    npm_root.mkdir(parents=True, exist_ok=True)
    (npm_root / "package.json").write_text('{"private": true}\n')
    install = ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", *NPM_PACKAGES]
    subprocess.run(install, cwd=npm_root, check=True)
    for path in sorted((npm_root / "node_modules").rglob("*")):
        name = path.name
        if not path.is_file() or not name.endswith(JS_SUFFIXES) or ".d." in name or ".min." in name:
            continue
        rel = path.relative_to(npm_root / "node_modules")
        if "node_modules" in rel.parts:
            continue
        target = corpus / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (corpus / "package.json").write_text("{}\n")
    return corpus


def prepare_py() -> Path:
    corpus = WORK / "py"
    if corpus.is_dir():
        return corpus
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib)
        if rel.parts[0] in ("site-packages", "test", "lib2to3", "idlelib") or "tests" in rel.parts:
            continue
        target = corpus / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (corpus / "pyproject.toml").write_text("[project]\nname = 'stdlib-corpus'\n")
    return corpus


def quadruple(corpus: Path) -> Path:
    big = corpus.with_name(corpus.name + "-x4")
    if not big.is_dir():
        for i in range(4):
            shutil.copytree(corpus, big / f"copy{i}", ignore=shutil.ignore_patterns(".handrail_cache"))
        for marker in ("package.json", "pyproject.toml"):
            if (corpus / marker).is_file():
                shutil.copyfile(corpus / marker, big / marker)
    return big


def timed(cmd: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {code}")
    return elapsed, usage.ru_maxrss


def files_in(corpus: Path, suffixes: tuple[str, ...]) -> int:
    return sum(1 for p in corpus.rglob("*") if p.suffix in suffixes)


def bench(name: str, corpus: Path, jobs: int, repeat: int, suffixes: tuple[str, ...]) -> None:
    handrail = [_bin("handrail"), "scan", "--jobs", str(jobs), "--format", "json", "--exit-zero"]
    sg = [_bin("ast-grep"), "scan", "-c", str(RULES), "--threads", str(jobs), "--json=compact", "."]
    cold_h, cold_sg = [], []
    for _ in range(repeat):
        cold_h.append(timed([*handrail, "--no-cache", "."], corpus)[0])
        cold_sg.append(timed(sg, corpus)[0])
    first = []  # a first run with the cache (the default): it writes the cache too
    for _ in range(repeat):
        shutil.rmtree(corpus / ".handrail_cache", ignore_errors=True)
        first.append(timed([*handrail, "."], corpus)[0])
    warm = [timed([*handrail, "."], corpus)[0] for _ in range(repeat)]
    edited = after_an_edit([*handrail, "."], corpus, repeat, suffixes)
    # One process (--jobs 1), so that its peak RSS is the whole run's.
    single = [*handrail[:2], "--jobs", "1", *handrail[4:], "--no-cache", "."]
    rss1 = timed(single, corpus)[1]
    rss4 = timed(single, quadruple(corpus))[1]
    h, s, w = statistics.median(cold_h), statistics.median(cold_sg), statistics.median(warm)
    print(f"\n{name}: {files_in(corpus, suffixes)} files, {jobs} jobs, median of {repeat}")
    print(f"  cold   handrail {h:7.2f} s   ast-grep {s:7.2f} s   ratio {h / s:5.2f}  (goal <= 1.0)")
    f = statistics.median(first)
    print(f"  first run with the cache (writing it) {f:7.2f} s   ratio to ast-grep {f / s:5.2f}")
    print(f"  warm   handrail {w:7.2f} s   cold/warm {h / w:6.1f}x  (goal >= 10x)")
    print(f"  after an edit to one file {statistics.median(edited):7.2f} s")
    print(f"  peak RSS  1x {rss1 / 1024:6.0f} MiB   4x {rss4 / 1024:6.0f} MiB")


def after_an_edit(cmd: list[str], corpus: Path, repeat: int, suffixes: tuple[str, ...]) -> list[float]:
    target = min(p for p in corpus.rglob("*") if p.suffix in suffixes and p.is_file())
    original = target.read_bytes()
    comment = "#" if target.suffix == ".py" else "//"
    runs = []
    try:
        for i in range(repeat):
            target.write_bytes(original + f"\n{comment} edit {i}\n".encode())
            runs.append(timed(cmd, corpus)[0])
    finally:
        target.write_bytes(original)
    timed(cmd, corpus)  # the cache as it was
    return runs


def compile_bytecode() -> None:
    """Compile handrail's modules as installing a wheel does: an editable checkout run under
    PYTHONDONTWRITEBYTECODE would otherwise compile every changed module on every run."""
    import handrail.codemods
    import handrail.engine

    for package in (handrail.engine, handrail.codemods):
        for folder in package.__path__:
            compileall.compile_dir(folder, quiet=1)


def startup(repeat: int) -> None:
    for args in (["--version"], ["--help"]):
        runs = [timed([_bin("handrail"), *args], ROOT)[0] for _ in range(repeat * 2)]
        median_ms = statistics.median(runs) * 1000
        print(f"startup handrail {' '.join(args):9} {median_ms:6.0f} ms  (goal < 150 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    compile_bytecode()
    startup(args.repeat)
    bench("TypeScript/JavaScript (npm packages)", prepare_ts(), args.jobs, args.repeat, JS_SUFFIXES)
    bench("Python (standard library)", prepare_py(), args.jobs, args.repeat, (".py",))


if __name__ == "__main__":
    main()
