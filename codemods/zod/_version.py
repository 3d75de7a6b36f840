"""Which major version of Zod an import gets: the one its subpath pins (`zod/v4`), else the
project's (package.json's range for `zod`, or the installed package's version)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from handrail.codemods._js_modules import read_jsonc
from handrail.codemods.zod._zod import ZOD_MODULES

if TYPE_CHECKING:
    from handrail.engine.project import ProjectFacts

_MAJOR = re.compile(r"(\d+)")


def zod_major(project: ProjectFacts, module: str) -> int | None:
    """Zod's major version for an import of `module` (None: unknown)."""
    pinned = ZOD_MODULES.get(module)
    if pinned is not None:
        return pinned
    return project.memo("zod-major", lambda: installed_zod_major(project.root))


def installed_zod_major(root: Path) -> int | None:
    manifest = read_jsonc(root / "package.json")
    if isinstance(manifest, dict):
        for section in ("dependencies", "devDependencies", "peerDependencies"):
            deps = manifest.get(section)
            spec = deps.get("zod") if isinstance(deps, dict) else None
            if isinstance(spec, str):
                found = _MAJOR.search(spec.rpartition("@")[2])  # `npm:zod@^4.0.0` is an alias
                if found is not None:
                    return int(found.group(1))
    installed = read_jsonc(root / "node_modules" / "zod" / "package.json")
    version = installed.get("version") if isinstance(installed, dict) else None
    found = _MAJOR.search(version) if isinstance(version, str) else None
    return int(found.group(1)) if found is not None else None
