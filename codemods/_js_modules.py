"""Which project file a JS/TS import specifier names: relative paths, index files, and
TypeScript's `paths` / `baseUrl` (tsconfig.json or jsconfig.json).

It works on absolute POSIX path strings only, so a rule can resolve the facts its `collect`
gathered in worker processes once, in `resolve`, without touching the file system again.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from handrail.engine import inputs

EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
_JS_SUFFIX = re.compile(r"\.(?:[mc]?js|jsx)$")


def package_name(specifier: str) -> str:
    """The npm package a bare specifier imports from: `@scope/pkg/sub` -> `@scope/pkg`."""
    parts = specifier.split("/")
    return "/".join(parts[:2]) if specifier.startswith("@") else parts[0]


def may_be_project_module(specifier: str, dependencies: Collection[str]) -> bool:
    """Whether a specifier can name a file of the project (relative, absolute, or a path
    alias) rather than an npm package or a Node built-in."""
    if specifier.startswith("node:"):
        return False
    if specifier.startswith((".", "/")):
        return True
    return package_name(specifier) not in dependencies


class ModuleResolver:
    """Import specifiers -> files among `files` (relative paths and tsconfig `paths`)."""

    def __init__(self, files: Iterable[str], root: Path | None = None) -> None:
        self.files = set(files)
        self.aliases: list[tuple[str, str, list[str]]] = []  # (prefix, suffix, targets)
        self.base: str | None = None
        self._cache: dict[tuple[str, str], str | None] = {}
        if root is not None:
            self._load_tsconfig(root)

    def resolve(self, importer: str, module: str) -> str | None:
        key = (posixpath.dirname(importer), module)
        if key not in self._cache:
            self._cache[key] = self._resolve(key[0], module)
        return self._cache[key]

    def _resolve(self, folder: str, module: str) -> str | None:
        if module.startswith("."):
            return self._file(posixpath.normpath(posixpath.join(folder, module)))
        for prefix, suffix, targets in self.aliases:
            if module.startswith(prefix) and module.endswith(suffix) and len(module) >= len(prefix + suffix):
                star = module[len(prefix) : len(module) - len(suffix)]
                for target in targets:
                    found = self._file(posixpath.normpath(target.replace("*", star, 1)))
                    if found is not None:
                        return found
        if self.base is not None:
            return self._file(posixpath.normpath(posixpath.join(self.base, module)))
        return None

    def _file(self, base: str) -> str | None:
        stems = [base]
        if _JS_SUFFIX.search(base):
            stems.append(_JS_SUFFIX.sub("", base))  # `./user.js` written for `./user.ts`
        for stem in stems:
            for candidate in (
                stem,
                *(stem + e for e in EXTENSIONS),
                *(f"{stem}/index{e}" for e in EXTENSIONS),
            ):
                if candidate in self.files:
                    return candidate
        return None

    def _load_tsconfig(self, root: Path) -> None:
        for name in ("tsconfig.json", "jsconfig.json"):
            config = read_jsonc(root / name)
            if isinstance(config, dict):
                break
        else:
            return
        options = config.get("compilerOptions")
        if not isinstance(options, dict):
            return
        base_url = options.get("baseUrl")
        base = posixpath.normpath(posixpath.join(root.as_posix(), str(base_url or ".")))
        if isinstance(base_url, str):
            self.base = base
        paths = options.get("paths")
        if not isinstance(paths, dict):
            return
        for pattern, targets in paths.items():
            if not isinstance(targets, list):
                continue
            prefix, _, suffix = str(pattern).partition("*")
            resolved = [posixpath.join(base, str(t)) for t in targets]
            self.aliases.append((prefix, suffix if "*" in pattern else "", resolved))
        self.aliases.sort(key=lambda a: -len(a[0]))  # the most specific pattern wins


# A string (kept whole, so `"http://x"` survives), a comment, or a trailing comma.
_JSONC_TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/|,(?=\s*[}\]])', re.S)


def read_jsonc(path: Path) -> Any:
    """A JSON-with-comments file (tsconfig.json), or None when it is missing or broken."""
    try:
        text = inputs.read_text(path)
    except (OSError, UnicodeDecodeError):
        return None
    cleaned = _JSONC_TOKEN.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    try:
        return json.loads(cleaned)
    except ValueError:
        return None
