"""Which files handrail looks at: the paths given, walked with .gitignore semantics.

Walking
    Folders are read with `os.scandir`, entries sorted by name, so runs are reproducible.
    Symbolic links met while walking are never followed (not even to files): a link can lead
    out of the project or back into it, and a fix written through it would change a file
    the user never pointed at. Ignored and always-skipped folders are pruned, never entered.

Which .gitignore files count
    Every `.gitignore` met while walking applies to its own folder and below; a deeper file
    overrides a shallower one, and `.git/info/exclude` ranks below all of them, as in git.
    A walk also starts with the `.gitignore` files of the folders above the scanned one:
    - inside a git repository (the nearest folder above holding `.git`, a folder or a
      worktree's file), those from the repository root down;
    - outside git there is no root to anchor on, so those from the working directory down
      when the scanned folder lies inside it, else only the scanned folder's own. A stray
      .gitignore in a home folder must not silently hide a project.
    A folder holding `.git` met while walking starts a new repository: the outer rules stop
    applying, as they do in git. handrail's own cache folder is passed over without a word.
    The user-wide `core.excludesFile` is not read, so what gets scanned does not depend on the
    machine. Matching itself is `pathspec.GitIgnoreSpec`.

Paths named on the command line
    A named file is scanned whatever ignores, always-skip names or config globs say, if its
    extension is supported and it fits the size limit (a guard against pathological input,
    not a choice of what to scan, so it still applies). A named folder is walked even if it
    is ignored, excluded or named like build output; the rules that hide the folder itself
    (or a folder above it) are set aside for its contents, every other rule still applies.

include / exclude
    Gitignore-style globs relative to `glob_base`. Exclude applies to folders too (pruning
    them); include only selects files, so `src/**` still walks the rest of the tree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from handrail.engine import inputs
from handrail.engine.cache import FOLDER_NAME
from handrail.engine.languages import EXTENSIONS, Language, language_for
from handrail.engine.model import FileError, Skipped
from handrail.engine.project import ROOT_MARKERS
from handrail.engine.source import NO_STAMP, Stamp, stamp_of

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

# Folders never worth scanning, and the reason --verbose gives for each.
ALWAYS_SKIPPED: dict[str, str] = {
    "node_modules": "dependencies",
    ".git": "version control",
    ".hg": "version control",
    ".svn": "version control",
    "dist": "build output",
    "build": "build output",
    ".next": "build output",
    "out": "build output",
    "coverage": "coverage report",
    "__pycache__": "cache",
    ".mypy_cache": "cache",
    ".pytest_cache": "cache",
    ".ruff_cache": "cache",
    ".venv": "virtual environment",
    "venv": "virtual environment",
    ".tox": "virtual environment",
}
VENV_MARKER = "pyvenv.cfg"  # any folder holding it is a virtual environment, whatever its name
MINIFIED_SUFFIXES = (".min.js", "-min.js", ".bundle.js", ".min.mjs", ".min.cjs")
DECLARATION_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")

UNSUPPORTED = "not a TypeScript, JavaScript or Python file"
DECLARATION = "TypeScript declaration file (no runtime code)"
NOT_FOUND = "no such file or directory"
EXCLUDED = "excluded by config"
NOT_INCLUDED = "not matched by the include globs"
MINIFIED = "minified bundle (by its name)"
SYMLINK = "symbolic link (not followed)"


@dataclass(frozen=True, slots=True)
class DiscoveredFile:
    file: str  # absolute, resolved (a string: a Path per file costs memory in a big tree)
    language: Language
    explicit: bool  # named on the command line
    stamp: Stamp = NO_STAMP  # when found: lets a warm run trust the file without reading it

    @property
    def path(self) -> Path:
        return Path(self.file)


@dataclass
class Discovery:
    files: list[DiscoveredFile]  # sorted by path, each file once
    skipped: list[Skipped]  # what was passed over and why (shown by --verbose)
    errors: list[FileError]  # paths that could not be looked at
    # Each folder walked -> whether it holds a project marker or `.git` (see project.find_root),
    # so that finding each file's project costs no more file system calls.
    roots: dict[str, bool] = field(default_factory=dict)
    # Each folder walked -> its stamp (taken before listing it) and `listing_signature`, so
    # that a warm run can tell the walk would find the same (see snapshot.py).
    folders: dict[str, tuple[Stamp, str]] = field(default_factory=dict)


def listing_signature(entries: Sequence[os.DirEntry[str]]) -> str:
    """What the walk's decisions in a folder depend on of its listing (see
    inputs.listing_signature): its folders and links but the cache folder (it changes with
    every run), its source files and the files the walk looks for by name. A backup or swap
    file coming and going changes nothing the walk finds."""
    return inputs.listing_signature([e for e in entries if e.name != FOLDER_NAME], _counts)


def _counts(name: str) -> bool:
    # As language_for, but keeping declaration files: more names than needed only costs a walk.
    return name in _NAMES_THAT_COUNT or os.path.splitext(name)[1].lower() in EXTENSIONS


_NAMES_THAT_COUNT = frozenset((*ROOT_MARKERS, ".git", ".gitignore", VENV_MARKER))


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


class _Rules:
    """Gitignore-style patterns, the folder they are relative to, and what a match means."""

    __slots__ = ("any_match", "base", "label", "prefix", "spec")

    def __init__(self, base: str, spec: GitIgnoreSpec, label: str) -> None:
        self.base = base
        self.prefix = base if base.endswith(os.sep) else base + os.sep
        self.spec = spec
        self.label = label
        # All patterns as one regex: most paths match none, and one search says so at the cost
        # of one (pathspec tries each pattern in turn). Group names would clash: unnamed here.
        alternatives = [
            _NAMED_GROUP.sub("(?:", p.regex.pattern)
            for p in spec.patterns
            if p.include is not None and isinstance(p.regex, re.Pattern)
        ]
        self.any_match = re.compile("|".join(f"(?:{a})" for a in alternatives)) if alternatives else None

    def relative(self, path: str) -> str | None:
        """`path` relative to the base in POSIX form, or None when it is not below it."""
        if not path.startswith(self.prefix):
            return None
        rel = path[len(self.prefix) :]
        return rel if os.sep == "/" else rel.replace(os.sep, "/")

    def decide(self, path: str, is_dir: bool) -> bool | None:
        """True: matched; False: re-included by a `!` pattern; None: no pattern speaks."""
        rel = self.relative(path)
        if rel is None:
            return None
        if self.any_match is None or self.any_match.search(rel + "/" if is_dir else rel) is None:
            return None  # no pattern speaks (a folder pattern tried on a file path still can)
        if is_dir:
            return self._decide_folder(rel + "/")  # the slash makes `build/` match folders only
        return self.spec.check_file(rel).include

    def _decide_folder(self, rel: str) -> bool | None:
        """The last pattern matching the folder itself decides.

        pathspec answers for a path as a whole: a pattern matching a folder above matches this
        one too, and its ranking lets `*` outvote a later `!*/`. The walk has already decided
        the folders above, so a match only counts when it is about this folder: for a pattern
        without a slash (git matches those against the name at any level), when it matches the
        name; for others, when it matches none of the folders above.
        """
        name = rel[:-1].rpartition("/")[2] + "/"
        parents = [rel[: i + 1] for i, char in enumerate(rel[:-1]) if char == "/"]
        decision: bool | None = None
        for pattern in self.spec.patterns:
            if pattern.include is None or pattern.match_file(rel) is None:
                continue
            if "/" not in str(pattern.pattern).strip().removeprefix("!").rstrip("/"):
                itself = pattern.match_file(name) is not None
            else:
                itself = not any(pattern.match_file(parent) is not None for parent in parents)
            if itself:
                decision = pattern.include
        return decision

    def set_aside(self, folders: Sequence[str]) -> _Rules:
        """These rules without the patterns matching any of `folders` (a named folder and its parents).

        pathspec matches a file below an excluded folder through that folder, so without this
        the rule hiding a named folder would hide everything inside it as well.
        """
        rels = [rel + "/" for folder in folders if (rel := self.relative(folder))]
        kept = [p for p in self.spec.patterns if not any(p.match_file(rel) is not None for rel in rels)]
        if len(kept) == len(self.spec.patterns):
            return self
        return _Rules(self.base, _spec(kept), self.label)


def _ignored_by(layers: Sequence[_Rules], path: str, is_dir: bool) -> _Rules | None:
    """The ignore file that excludes `path`: the deepest one with a say decides."""
    for rules in reversed(layers):
        decision = rules.decide(path, is_dir)
        if decision is not None:
            return rules if decision else None
    return None


def _find_repository(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if inputs.exists(folder / ".git"):
            return folder
    return None


def _git_dir(repository: Path) -> Path | None:
    """The folder holding `info/exclude`; worktrees and submodules point to it from a `.git` file."""
    dot_git = repository / ".git"
    if inputs.is_dir(dot_git):
        return dot_git
    try:
        first_line = inputs.read_text(dot_git).partition("\n")[0]
    except (OSError, UnicodeDecodeError):
        return None
    if not first_line.startswith("gitdir:"):
        return None
    git_dir = (repository / first_line.removeprefix("gitdir:").strip()).resolve()
    try:  # a worktree shares info/exclude with the main repository
        common = inputs.read_text(git_dir / "commondir").strip()
    except (OSError, UnicodeDecodeError):
        return git_dir
    return (git_dir / common).resolve()


class _Walker:
    def __init__(
        self,
        cwd: Path,
        include: _Rules | None,
        exclude: _Rules | None,
        max_file_size: int,
    ) -> None:
        self.cwd = cwd
        self.cwd_prefix = str(cwd).rstrip(os.sep) + os.sep
        self.include = include
        self.exclude = exclude
        self.max_file_size = max_file_size
        self.found: dict[str, DiscoveredFile] = {}
        self.roots: dict[str, bool] = {}
        self.folders: dict[str, tuple[Stamp, str]] = {}
        self.skipped: dict[str, Skipped] = {}
        self.errors: list[FileError] = []
        self.named_folders: set[str] = set()
        self._walked: set[str] = set()
        self._loaded: dict[Path, _Rules | None] = {}

    # -- bookkeeping --------------------------------------------------------------------

    def display(self, path: str, is_dir: bool = False) -> str:
        """POSIX path relative to the working directory when inside it (folders end in '/')."""
        shown = path[len(self.cwd_prefix) :] if path.startswith(self.cwd_prefix) else path
        shown = Path(shown).as_posix() if shown else "."
        return shown + "/" if is_dir and not shown.endswith("/") else shown

    def skip(self, path: str, is_dir: bool, reason: str) -> None:
        self.skipped.setdefault(path, Skipped(self.display(path, is_dir), reason))

    def fail(self, path: str, what: str, error: OSError) -> None:
        self.errors.append(FileError(self.display(path), f"{what}: {(error.strerror or str(error)).lower()}"))

    # -- ignore files -------------------------------------------------------------------

    def load(self, ignore_file: Path, base: Path) -> _Rules | None:
        if ignore_file in self._loaded:
            return self._loaded[ignore_file]
        rules: _Rules | None = None
        try:
            lines = inputs.read_text(ignore_file, errors="replace").splitlines()
        except FileNotFoundError:
            pass
        except OSError as error:
            self.fail(str(ignore_file), "cannot read", error)
        else:
            spec = _spec_of(lines)
            if any(p.include is not None for p in spec.patterns):  # not only comments
                rules = _Rules(str(base), spec, f"ignored by {self.display(str(ignore_file))}")
        self._loaded[ignore_file] = rules
        return rules

    def repository_rules(self, repository: Path) -> tuple[_Rules, ...]:
        git_dir = _git_dir(repository)
        rules = self.load(git_dir / "info" / "exclude", repository) if git_dir else None
        return (rules,) if rules else ()

    def layers_above(self, root: Path) -> tuple[_Rules, ...]:
        """The ignore rules in force at `root` from the folders above it (see the module doc)."""
        repository = _find_repository(root)
        if repository is not None:
            top, layers = repository, list(self.repository_rules(repository))
        else:
            top, layers = (self.cwd if root.is_relative_to(self.cwd) else root), []
        if root != top:
            for folder in reversed(root.parents):
                if folder.is_relative_to(top) and (rules := self.load(folder / ".gitignore", folder)):
                    layers.append(rules)
        return tuple(layers)

    # -- named paths --------------------------------------------------------------------

    def add_named_file(self, path: Path) -> None:
        name = path.name
        language = language_for(name)
        if language is None:
            reason = DECLARATION if name.endswith(DECLARATION_SUFFIXES) else UNSUPPORTED
            self.skip(str(path), False, reason)
            return
        try:
            stat = path.stat()
        except OSError as error:
            self.fail(str(path), "cannot read", error)
            return
        if stat.st_size > self.max_file_size:
            inputs.note_read(path, stamp_of(stat))  # its size decides: the snapshot must see it change
            self.skip(str(path), False, f"larger than {self.max_file_size} bytes")
            return
        self.found[str(path)] = DiscoveredFile(str(path), language, True, stamp_of(stat))

    def walk_named_folder(self, root: Path) -> None:
        root_str = str(root)
        self.named_folders.add(root_str)
        layers = self.layers_above(root)
        exclude = self.exclude
        # The named folder and every folder above it: if rules hide any of them, those rules
        # must not spill onto the contents the user explicitly asked for.
        chain = [root_str, *map(str, root.parents)]
        if any(_ignored_by(layers, folder, True) for folder in chain):
            layers = tuple(rules.set_aside(chain) for rules in layers)
        if exclude is not None and any(exclude.decide(folder, True) for folder in chain):
            exclude = exclude.set_aside(chain)
        self.walk(root_str, layers, exclude)

    # -- the walk -----------------------------------------------------------------------

    def walk(self, root: str, layers: tuple[_Rules, ...], exclude: _Rules | None) -> None:
        pending: list[tuple[str, tuple[_Rules, ...], bool]] = [(root, layers, True)]
        while pending:
            folder, layers, is_root = pending.pop()
            if folder in self._walked:  # overlapping named folders (`. src`) are walked once
                continue
            self._walked.add(folder)
            try:
                stamp = stamp_of(os.stat(folder))
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                self.fail(folder, "cannot read folder", error)
                continue
            self.folders[folder] = stamp, listing_signature(entries)
            names = {entry.name for entry in entries}
            self.roots[folder] = not names.isdisjoint(ROOT_MARKERS) or ".git" in names
            if not is_root:
                if VENV_MARKER in names:
                    self.skip(folder, True, "virtual environment")
                    continue
                if ".git" in names:  # a nested repository brings its own rules
                    layers = self.repository_rules(Path(folder))
            if ".gitignore" in names and (rules := self.load(Path(folder, ".gitignore"), Path(folder))):
                layers = (*layers, rules)
            subfolders = []
            for entry in entries:
                try:
                    # Follows links only to learn what they point to, which the listing does
                    # not show when it changes: a link's target is noted (see inputs.py).
                    is_dir = inputs.is_dir(entry.path) if entry.is_symlink() else entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if self.enter(entry, layers, exclude):
                        subfolders.append((entry.path, layers, False))
                else:
                    self.visit_file(entry, layers, exclude)
            pending.extend(reversed(subfolders))  # depth first, in name order

    def enter(self, entry: os.DirEntry[str], layers: Sequence[_Rules], exclude: _Rules | None) -> bool:
        if entry.name == FOLDER_NAME:
            return False  # handrail's own: not worth a line in --verbose
        path = entry.path
        reason = ALWAYS_SKIPPED.get(entry.name)
        if reason is None and (ignored := _ignored_by(layers, path, True)):
            reason = ignored.label
        if reason is None and exclude is not None and exclude.decide(path, True):
            reason = EXCLUDED
        if reason is None and entry.is_symlink():
            reason = SYMLINK
        if reason is not None:
            self.skip(path, True, reason)
            return False
        return True

    def visit_file(self, entry: os.DirEntry[str], layers: Sequence[_Rules], exclude: _Rules | None) -> None:
        name = entry.name
        language = language_for(name)
        if language is None:
            return  # not a source file handrail reads: not worth a line in --verbose
        path = entry.path
        reason: str | None = None
        stamp = NO_STAMP
        if ignored := _ignored_by(layers, path, False):
            reason = ignored.label
        elif exclude is not None and exclude.decide(path, False):
            reason = EXCLUDED
        elif self.include is not None and not self.include.decide(path, False):
            reason = NOT_INCLUDED
        elif name.lower().endswith(MINIFIED_SUFFIXES):
            reason = MINIFIED
        elif entry.is_symlink():
            reason = SYMLINK
        else:
            try:
                stat = entry.stat(follow_symlinks=False)
            except OSError as error:
                self.fail(path, "cannot read", error)
                return
            stamp = stamp_of(stat)
            if stat.st_size > self.max_file_size:
                inputs.note_read(path, stamp)  # as in add_named_file
                reason = f"larger than {self.max_file_size} bytes"
        if reason is not None:
            self.skip(path, False, reason)
            return
        # The walk starts from resolved folders and follows no links, so this is resolved too.
        self.found.setdefault(path, DiscoveredFile(path, language, False, stamp))

    def result(self) -> Discovery:
        files = sorted(self.found.values(), key=lambda f: f.file.split(os.sep))  # as Paths sort
        # A file or folder skipped by one walk but named on the command line was not skipped.
        skipped = [
            s
            for path, s in sorted(self.skipped.items())
            if path not in self.named_folders and path not in self.found
        ]
        return Discovery(files, skipped, self.errors, self.roots, self.folders)


def _globs(patterns: Sequence[str], base: Path) -> _Rules | None:
    return _Rules(str(base), _spec_of(patterns), EXCLUDED) if patterns else None


def _spec_of(lines: Sequence[str]) -> GitIgnoreSpec:
    # Imported here: pathspec costs a run ~10 ms, which one that reuses a snapshot (see
    # snapshot.py) need not pay.
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _spec(patterns: Sequence[GitIgnoreSpecPattern]) -> GitIgnoreSpec:
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec(patterns)


def discover(
    paths: Sequence[Path],
    *,
    cwd: Path,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    glob_base: Path | None = None,
    max_file_size: int = 1_000_000,
) -> Discovery:
    """The source files under `paths` (files or folders, relative to `cwd` unless absolute)."""
    cwd = cwd.resolve()
    base = (cwd / glob_base).resolve() if glob_base is not None else cwd
    walker = _Walker(cwd, _globs(include, base), _globs(exclude, base), max_file_size)
    for given in paths:
        full = cwd / given  # an absolute `given` replaces cwd
        try:
            is_dir, is_file = full.is_dir(), full.is_file()
            resolved = full.resolve(strict=True)
        except FileNotFoundError:
            walker.errors.append(FileError(str(given), NOT_FOUND))
            continue
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop
            walker.errors.append(FileError(str(given), f"cannot read: {error}"))
            continue
        if is_dir:
            walker.walk_named_folder(resolved)
        elif is_file:
            walker.add_named_file(resolved)
        else:
            walker.errors.append(FileError(str(given), "not a regular file or folder"))
    return walker.result()
