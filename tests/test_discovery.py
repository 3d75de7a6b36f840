"""Which files handrail scans: .gitignore semantics, always-skipped folders, named paths, globs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from handrail.engine.discovery import (
    DECLARATION,
    EXCLUDED,
    MINIFIED,
    NOT_FOUND,
    NOT_INCLUDED,
    SYMLINK,
    UNSUPPORTED,
    Discovery,
    discover,
)
from handrail.engine.languages import Language
from handrail.engine.model import FileError

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def make(root: Path, files: dict[str, str] | list[str]) -> Path:
    """Write a tree: a list of paths (with placeholder content) or {path: content}."""
    contents = files if isinstance(files, dict) else dict.fromkeys(files, "x\n")
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root.resolve()


def scan(
    root: Path,
    *paths: str,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    max_file_size: int = 1_000_000,
) -> Discovery:
    """discover() from `root` as the working directory (`.` when no path is named)."""
    named = [Path(p) for p in paths or ["."]]
    return discover(named, cwd=root, include=include, exclude=exclude, max_file_size=max_file_size)


def found(discovery: Discovery, root: Path) -> list[str]:
    return [f.path.relative_to(root.resolve()).as_posix() for f in discovery.files]


def reasons(discovery: Discovery) -> dict[str, str]:
    return {s.path: s.reason for s in discovery.skipped}


def git(root: Path, *args: str) -> str:
    # A bare environment: the user's global excludes file must not change what git reports.
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "XDG_CONFIG_HOME": str(root),
    }
    result = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return result.stdout


# -- walking ----------------------------------------------------------------------------


def test_only_supported_source_files_are_listed_sorted_with_their_language(tmp_path: Path) -> None:
    root = make(
        tmp_path, ["src/b.ts", "src/a.tsx", "lib/x.py", "src/c.mjs", "README.md", "types.d.ts", "app.jsx"]
    )
    result = scan(root)
    assert found(result, root) == ["app.jsx", "lib/x.py", "src/a.tsx", "src/b.ts", "src/c.mjs"]
    assert [f.language for f in result.files] == [
        Language.JAVASCRIPT,
        Language.PYTHON,
        Language.TSX,
        Language.TYPESCRIPT,
        Language.JAVASCRIPT,
    ]
    assert all(f.path.is_absolute() and not f.explicit for f in result.files)
    # Files handrail does not read are not worth a line in --verbose.
    assert result.skipped == [] and result.errors == []


def test_dependencies_build_output_caches_and_virtualenvs_are_never_entered(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        [
            "src/ok.ts",
            "node_modules/zod/index.js",
            "packages/api/node_modules/x/index.ts",
            "dist/a.js",
            "build/b.js",
            ".next/c.js",
            "out/d.js",
            "coverage/e.js",
            "src/__pycache__/f.py",
            ".venv/lib/g.py",
            ".tox/py311/h.py",
            "env/pyvenv.cfg",  # a virtualenv with an unusual name is still one
            "env/lib/i.py",
            ".git/hooks/j.py",
        ],
    )
    result = scan(root)
    assert found(result, root) == ["src/ok.ts"]
    assert reasons(result) == {
        ".git/": "version control",
        ".next/": "build output",
        ".tox/": "virtual environment",
        ".venv/": "virtual environment",
        "build/": "build output",
        "coverage/": "coverage report",
        "dist/": "build output",
        "env/": "virtual environment",
        "node_modules/": "dependencies",
        "out/": "build output",
        "packages/api/node_modules/": "dependencies",
        "src/__pycache__/": "cache",
    }


def test_minified_bundles_are_skipped_by_name(tmp_path: Path) -> None:
    names = ["app.min.js", "vendor-min.js", "main.bundle.js", "esm.min.mjs", "cjs.min.cjs", "APP.MIN.JS"]
    root = make(tmp_path, [*names, "admin.js", "minimal.js"])
    result = scan(root)
    assert found(result, root) == ["admin.js", "minimal.js"]
    assert reasons(result) == dict.fromkeys(sorted(names), MINIFIED)


def test_files_above_the_size_limit_are_skipped(tmp_path: Path) -> None:
    root = make(tmp_path, {"small.ts": "x" * 10, "big.ts": "x" * 11})
    result = scan(root, max_file_size=10)
    assert found(result, root) == ["small.ts"]
    assert reasons(result) == {"big.ts": "larger than 10 bytes"}
    # The limit guards against pathological input, so it holds for named files too.
    assert reasons(scan(root, "big.ts", max_file_size=10)) == {"big.ts": "larger than 10 bytes"}


def test_symbolic_links_are_not_followed_so_a_loop_is_harmless(tmp_path: Path) -> None:
    root = make(tmp_path, ["src/a.ts"])
    (root / "src" / "loop").symlink_to(root, target_is_directory=True)
    (root / "alias.ts").symlink_to(root / "src" / "a.ts")
    (root / "dangling.ts").symlink_to(root / "missing.ts")
    result = scan(root)
    assert found(result, root) == ["src/a.ts"]
    assert reasons(result) == {"alias.ts": SYMLINK, "dangling.ts": SYMLINK, "src/loop/": SYMLINK}


# -- .gitignore -------------------------------------------------------------------------


def test_nested_gitignore_files_with_negation_anchoring_and_folders(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            ".gitignore": "*.gen.ts\nscratch/\n",
            "src/.gitignore": "!keep.gen.ts\n/local.ts\n",
            "a.gen.ts": "",
            "src/keep.gen.ts": "",  # re-included by the deeper file
            "src/other.gen.ts": "",
            "src/local.ts": "",  # anchored to src/
            "src/deeper/local.ts": "",  # ... so not this one
            "scratch/x.ts": "",
            "src/scratch/y.ts": "",  # no slash but the trailing one: any level
        },
    )
    result = scan(root)
    assert found(result, root) == ["src/deeper/local.ts", "src/keep.gen.ts"]
    assert reasons(result) == {
        "a.gen.ts": "ignored by .gitignore",
        "scratch/": "ignored by .gitignore",
        "src/local.ts": "ignored by src/.gitignore",
        "src/other.gen.ts": "ignored by .gitignore",
        "src/scratch/": "ignored by .gitignore",
    }


def test_a_pattern_ending_in_a_slash_matches_folders_only(tmp_path: Path) -> None:
    root = make(tmp_path, {".gitignore": "tool.py/\n", "tool.py": "", "lib/tool.py/inner.py": ""})
    result = scan(root)
    assert found(result, root) == ["tool.py"]
    assert reasons(result) == {"lib/tool.py/": "ignored by .gitignore"}


def test_an_ignored_folder_is_pruned_so_its_files_cannot_be_re_included(tmp_path: Path) -> None:
    # As in git: "It is not possible to re-include a file if a parent directory is excluded."
    root = make(tmp_path, {".gitignore": "gen/\n!gen/keep.ts\n", "gen/keep.ts": "", "gen/drop.ts": ""})
    assert found(scan(root), root) == []


def test_outside_git_gitignore_files_count_from_the_working_directory_down(tmp_path: Path) -> None:
    make(tmp_path, {".gitignore": "*.ts\n"})  # above the working directory: not ours
    project = make(
        tmp_path / "proj",
        {
            ".gitignore": "src/api/generated/\n",
            "src/api/routes.ts": "",
            "src/api/generated/client.ts": "",
        },
    )
    # Scanning a subfolder still honours the .gitignore between it and the working directory.
    result = scan(project, "src/api")
    assert found(result, project) == ["src/api/routes.ts"]
    assert reasons(result) == {"src/api/generated/": "ignored by .gitignore"}
    # A folder outside the working directory brings only its own .gitignore files.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = discover([Path("../proj/src/api")], cwd=elsewhere)
    assert found(outside, project) == ["src/api/generated/client.ts", "src/api/routes.ts"]


@needs_git
def test_in_a_git_repository_rules_come_from_its_root_and_info_exclude(tmp_path: Path) -> None:
    repo = make(
        tmp_path,
        {
            ".gitignore": "generated/\n",
            "packages/api/src/routes.ts": "",
            "packages/api/src/generated/client.ts": "",
            "packages/api/src/scratch.ts": "",
        },
    )
    git(repo, "init", "-q")
    (repo / ".git" / "info" / "exclude").write_text("# local only\nscratch.ts\n")
    assert found(scan(repo), repo) == ["packages/api/src/routes.ts"]
    assert reasons(scan(repo)) == {
        ".git/": "version control",
        "packages/api/src/generated/": "ignored by .gitignore",
        "packages/api/src/scratch.ts": "ignored by .git/info/exclude",
    }
    # Run from deep inside the repository, the root's rules still apply.
    inner = repo / "packages" / "api"
    result = scan(inner)
    assert found(result, repo) == ["packages/api/src/routes.ts"]
    assert reasons(result)["src/generated/"] == f"ignored by {repo / '.gitignore'}"


def test_a_nested_repository_brings_its_own_rules(tmp_path: Path) -> None:
    root = make(
        tmp_path, {".gitignore": "*.py\n", "app.py": "", "vendor/lib/.git/HEAD": "", "vendor/lib/a.py": ""}
    )
    assert found(scan(root), root) == ["vendor/lib/a.py"]


# Each tree is compared with `git ls-files --others --exclude-standard`: git is the reference.
GIT_CASES: dict[str, dict[str, str]] = {
    "allowlist": {".gitignore": "*\n!*/\n!*.ts\n"},
    "allowlist of a root folder": {".gitignore": "/*\n!/src/\n"},
    "folder contents with an exception": {".gitignore": "gen/*\n!gen/keep.ts\n"},
    "double star with folders re-included": {".gitignore": "deep/**\n!deep/**/\n!keep.py\n"},
    "everything but folders named src": {".gitignore": "*\n!src/\n!*.ts\n"},
    "folder rule then all folders back": {".gitignore": "lib/\n!*/\n"},
    "re-including a parent does not re-include the child": {".gitignore": "b/\n!a/\n"},
    "negation scoped to a path": {".gitignore": "build2\n!/foo/build2\n"},
    "nested files override outer ones": {
        ".gitignore": "*.js\ngen/\n",
        "src/.gitignore": "!*.js\n",
        "src/lib/.gitignore": "!gen/\n",
    },
    "info/exclude ranks below .gitignore": {".git/info/exclude": "!a.js\n*.py\n", ".gitignore": "*.js\n"},
    "escapes and character classes": {".gitignore": "\\!bang.ts\n\\#hash.ts\n*.[jt]s\n!src/**\n"},
    "anchored two levels": {".gitignore": "/*/*\n!/src/lib/\n"},
    "every folder (a pattern pathspec compiles without `^`)": {".gitignore": "*/\n"},
}
GIT_TREE = [
    "a.ts", "a.js", "!bang.ts", "#hash.ts", "src/a.ts", "src/a.js", "src/lib/b.ts", "src/lib/b.js",
    "src/lib/gen/g.ts", "gen/a.ts", "gen/keep.ts", "gen/sub/c.ts", "a/b/c.ts", "b/a.ts", "foo/build2/f.py",
    "build2/f.py", "deep/er/est/keep.py", "deep/er/est/drop.py", "pkg/y/z.py",
]  # fmt: skip


@needs_git
@pytest.mark.parametrize("ignores", GIT_CASES.values(), ids=GIT_CASES.keys())
def test_agrees_with_git(tmp_path: Path, ignores: dict[str, str]) -> None:
    repo = make(tmp_path, GIT_TREE)
    git(repo, "init", "-q")
    make(repo, ignores)
    listed = git(
        repo, "-c", "core.quotePath=false", "ls-files", "--others", "--exclude-standard"
    ).splitlines()
    expected = sorted(name for name in listed if not name.endswith(".gitignore"))
    assert sorted(found(scan(repo), repo)) == expected


# -- paths named on the command line ----------------------------------------------------


def test_a_named_file_is_scanned_even_if_ignored_excluded_or_under_build_output(tmp_path: Path) -> None:
    root = make(
        tmp_path, {".gitignore": "secret.ts\n", "secret.ts": "", "dist/bundle.min.js": "", "gen.ts": ""}
    )
    result = scan(root, "secret.ts", "dist/bundle.min.js", "gen.ts", exclude=("gen.ts",))
    assert found(result, root) == ["dist/bundle.min.js", "gen.ts", "secret.ts"]
    assert all(f.explicit for f in result.files)
    assert result.skipped == []


def test_a_named_file_handrail_cannot_read_is_reported(tmp_path: Path) -> None:
    root = make(tmp_path, ["notes.md", "types.d.ts"])
    assert reasons(scan(root, "notes.md", "types.d.ts")) == {
        "notes.md": UNSUPPORTED,
        "types.d.ts": DECLARATION,
    }


def test_a_missing_path_is_an_error_and_the_others_are_still_scanned(tmp_path: Path) -> None:
    root = make(tmp_path, ["a.ts"])
    result = scan(root, "nope.ts", "a.ts", "gone/")
    assert found(result, root) == ["a.ts"]
    assert result.errors == [FileError("nope.ts", NOT_FOUND), FileError("gone", NOT_FOUND)]


def test_a_named_folder_is_walked_even_if_ignored_but_ignores_apply_inside(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            ".gitignore": "dist/\n*.gen.js\n",
            "dist/a.js": "",
            "dist/b.gen.js": "",
            "dist/sub/c.js": "",
            "dist/node_modules/d.js": "",
        },
    )
    result = scan(root, "dist", exclude=("dist/",))
    assert found(result, root) == ["dist/a.js", "dist/sub/c.js"]
    assert all(not f.explicit for f in result.files)
    assert reasons(result) == {"dist/b.gen.js": "ignored by .gitignore", "dist/node_modules/": "dependencies"}


def test_a_folder_named_below_an_ignored_one_is_walked_too(tmp_path: Path) -> None:
    root = make(tmp_path, {".gitignore": "vendor\n", "vendor/lib/a.py": ""})
    assert found(scan(root, "vendor/lib"), root) == ["vendor/lib/a.py"]


def test_the_same_file_reached_twice_is_listed_once(tmp_path: Path) -> None:
    root = make(tmp_path, {".gitignore": "dist/\n", "src/a.ts": "", "src/b.ts": "", "dist/c.js": ""})
    result = scan(root, ".", "src", "src/a.ts", "./src/a.ts", "dist")
    assert found(result, root) == ["dist/c.js", "src/a.ts", "src/b.ts"]
    assert [f.explicit for f in result.files] == [False, True, False]
    # dist/ was ignored by the walk of `.`, but it was also named: it was not skipped.
    assert result.skipped == []


# -- include / exclude ------------------------------------------------------------------


def test_include_keeps_only_matching_files(tmp_path: Path) -> None:
    root = make(tmp_path, ["src/a.ts", "src/deep/b.py", "scripts/c.js", "d.ts"])
    result = scan(root, include=("src/**",))
    assert found(result, root) == ["src/a.ts", "src/deep/b.py"]
    assert reasons(result) == {"d.ts": NOT_INCLUDED, "scripts/c.js": NOT_INCLUDED}


def test_exclude_prunes_folders_and_drops_files(tmp_path: Path) -> None:
    root = make(tmp_path, ["src/a.ts", "src/a.test.ts", "src/generated/x/g.ts", "lib/generated/h.ts"])
    result = scan(root, exclude=("**/generated/**", "*.test.ts"))
    assert found(result, root) == ["src/a.ts"]
    assert reasons(result) == {
        "lib/generated/": EXCLUDED,
        "src/a.test.ts": EXCLUDED,
        "src/generated/": EXCLUDED,
    }


def test_globs_are_relative_to_their_base_not_the_working_directory(tmp_path: Path) -> None:
    root = make(tmp_path, ["packages/api/src/a.ts", "packages/api/test/b.ts"])
    api = root / "packages" / "api"
    result = discover([Path(".")], cwd=api, include=["packages/api/src/**"], glob_base=root)
    assert found(result, root) == ["packages/api/src/a.ts"]
    assert reasons(result) == {"test/b.ts": NOT_INCLUDED}
