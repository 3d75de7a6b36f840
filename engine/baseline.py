"""Baselines: today's findings recorded by fingerprint, so that later runs report only new ones.

The file is JSON meant to be committed: entries sorted by path, rule and fingerprint, with no
line numbers, so re-recording after unrelated edits changes nothing. Paths are as handrail
shows them (relative to the working directory), so record and check from the same folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from handrail.engine.fingerprint import fingerprints
from handrail.engine.model import Finding

VERSION = 1


class BaselineError(Exception):
    """The baseline cannot be read or written; the message is one line naming the file."""


@dataclass(frozen=True)
class Baseline:
    path: Path
    fingerprints: frozenset[str]

    def __len__(self) -> int:
        return len(self.fingerprints)


def load(path: Path) -> Baseline:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {path}: no such file (record one with `handrail scan --write-baseline {path}`)"
        ) from None
    except OSError as exc:
        raise BaselineError(f"baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path}: not JSON ({exc})") from None
    if not (
        isinstance(data, dict) and data.get("tool") == "handrail" and isinstance(data.get("findings"), list)
    ):
        raise BaselineError(f"baseline {path}: not a handrail baseline")
    if data.get("version") != VERSION:
        raise BaselineError(f"baseline {path}: version {data.get('version')!r} is not {VERSION}")
    try:
        found = frozenset(str(entry["fingerprint"]) for entry in data["findings"])
    except (TypeError, KeyError):
        raise BaselineError(f"baseline {path}: an entry has no fingerprint") from None
    return Baseline(path, found)


def render(findings: Sequence[Finding], text_of: Callable[[str], str]) -> str:
    entries = [
        {"path": f.path, "rule": f.rule, "fingerprint": fp, "message": f.message}
        for f, fp in zip(findings, fingerprints(findings, text_of), strict=True)
    ]
    entries.sort(key=lambda e: (e["path"], e["rule"], e["fingerprint"]))
    document = {"tool": "handrail", "version": VERSION, "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(path: Path, findings: Sequence[Finding], text_of: Callable[[str], str]) -> None:
    try:
        path.write_text(render(findings, text_of), encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot write: {exc.strerror or exc}") from None
