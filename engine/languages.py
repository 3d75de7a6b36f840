"""Which parser a file gets, chosen by its extension."""

from __future__ import annotations

import enum
import os
from pathlib import PurePath


class Language(enum.Enum):
    TYPESCRIPT = "typescript"
    TSX = "tsx"
    JAVASCRIPT = "javascript"
    PYTHON = "python"

    @property
    def ast_grep_name(self) -> str:
        # ast-grep's `typescript` grammar rejects JSX and `tsx` misreads `<T>x` casts,
        # so the choice is made per file, never per project.
        return self.value

    @property
    def is_js_like(self) -> bool:
        return self is not Language.PYTHON

    @property
    def family(self) -> str:
        return "python" if self is Language.PYTHON else "js"


EXTENSIONS: dict[str, Language] = {
    ".ts": Language.TYPESCRIPT,
    ".mts": Language.TYPESCRIPT,
    ".cts": Language.TYPESCRIPT,
    ".tsx": Language.TSX,
    ".js": Language.JAVASCRIPT,
    ".jsx": Language.JAVASCRIPT,
    ".mjs": Language.JAVASCRIPT,
    ".cjs": Language.JAVASCRIPT,
    ".py": Language.PYTHON,
}

JS_LIKE: frozenset[Language] = frozenset({Language.TYPESCRIPT, Language.TSX, Language.JAVASCRIPT})
PYTHON: frozenset[Language] = frozenset({Language.PYTHON})


def language_for(path: PurePath | str) -> Language | None:
    name = str(path)
    if name.endswith(".d.ts") or name.endswith(".d.mts") or name.endswith(".d.cts"):
        return None  # declaration files hold no runtime code
    return EXTENSIONS.get(os.path.splitext(name)[1].lower())  # PurePath(name).suffix, cheaper


def describe(languages: frozenset[Language]) -> str:
    """Short label for the rules table: 'ts/js', 'python'."""
    if languages >= JS_LIKE and Language.PYTHON in languages:
        return "ts/js, python"
    if languages >= JS_LIKE:
        return "ts/js"
    return ", ".join(sorted(lang.value for lang in languages))
