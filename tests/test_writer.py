"""Writing fixed files: atomic, same bytes outside the edits, never over somebody else's change."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from handrail.engine.languages import Language
from handrail.engine.source import Unreadable, decode, read_source
from handrail.engine.writer import WriteRefused, write_fixed


def test_bom_and_crlf_survive_a_rewrite(tmp_path: Path) -> None:
    path = tmp_path / "a.ts"
    path.write_bytes(b"\xef\xbb\xbfconst a = 1;\r\nconst b = 2;\r\n")
    source = read_source(path, Language.TYPESCRIPT)
    assert source.bom and source.newline == "\r\n"
    assert source.text == "const a = 1;\r\nconst b = 2;\r\n"
    write_fixed(path, source, source.text.replace("2", "3"))
    assert path.read_bytes() == b"\xef\xbb\xbfconst a = 1;\r\nconst b = 3;\r\n"


def test_permissions_are_kept_and_no_temp_file_is_left(tmp_path: Path) -> None:
    path = tmp_path / "run.js"
    path.write_text("x\n")
    path.chmod(0o751)
    source = read_source(path, Language.JAVASCRIPT)
    write_fixed(path, source, "y\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.js"]


def test_a_file_changed_since_it_was_read_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("print(1)\n")
    source = read_source(path, Language.PYTHON)
    path.write_text("print(2)  # the user's edit\n")
    with pytest.raises(WriteRefused, match="changed on disk"):
        write_fixed(path, source, "print(3)\n")
    assert path.read_text() == "print(2)  # the user's edit\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_symlinks_are_written_through_not_replaced(tmp_path: Path) -> None:
    real = tmp_path / "real.ts"
    real.write_text("a\n")
    link = tmp_path / "link.ts"
    link.symlink_to(real)
    source = read_source(link, Language.TYPESCRIPT)
    write_fixed(link, source, "b\n")
    assert link.is_symlink() and real.read_text() == "b\n"


def test_a_failed_write_leaves_the_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.ts"
    path.write_text("a\n")
    source = read_source(path, Language.TYPESCRIPT)

    def disk_full(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(WriteRefused, match="No space left"):
        write_fixed(path, source, "b\n")
    assert path.read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ts"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"caf\xe9 = 1\n", "not UTF-8"),
        (b"var a=1;" * 2000, "minified bundle"),
    ],
)
def test_unreadable_inputs_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(Unreadable, match=reason):
        decode(data, Language.JAVASCRIPT)


def test_mixed_line_endings_keep_the_dominant_style() -> None:
    assert decode(b"a\r\nb\r\nc\n", Language.TYPESCRIPT).newline == "\r\n"
    assert decode(b"a\nb\nc\r\n", Language.TYPESCRIPT).newline == "\n"
