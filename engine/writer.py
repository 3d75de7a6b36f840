"""Writing a fixed file without ever leaving it half-written, re-encoded or stale."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from handrail.engine.source import Source, digest


class WriteRefused(Exception):
    """The file was not written; str(exc) says why."""


def write_fixed(path: Path, source: Source, text: str) -> None:
    """Atomically replace `path` with `text`, encoded the way the file was read.

    The bytes on disk must still be the ones that were analysed: an editor or another tool
    may have saved the file in the meantime, and its change must win over ours.
    """
    target = Path(os.path.realpath(path))  # write through symlinks, never replace them
    try:
        current = target.read_bytes()
        info = target.stat()
    except OSError as exc:
        raise WriteRefused(f"cannot read it back before writing ({exc.strerror})") from None
    if digest(current) != source.digest:
        raise WriteRefused("it changed on disk since handrail read it; run handrail again")
    data = source.encode(text)
    import tempfile  # a scan never writes: imported by the runs that do

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".handrail", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(OSError):  # only possible as root or as the owner
            os.chown(tmp_name, info.st_uid, info.st_gid)
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise WriteRefused(f"cannot write it ({exc.strerror})") from None
        raise
