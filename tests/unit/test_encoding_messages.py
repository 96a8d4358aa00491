"""tester4: a non-UTF-8 file without a coding line is "not valid UTF-8 at byte N", not a "bad
encoding declaration"; the byte offset and position are those of the first bad byte."""

from __future__ import annotations

from decompose.parse import _read_source


def test_no_declaration_and_not_utf8_says_so_with_the_offset() -> None:
    _, msg, line, col = _read_source(b'x = "\xe9t\xe9"\n')
    assert msg.startswith("not valid UTF-8 at byte 5 (0xe9) and no encoding declaration")
    assert "bad encoding declaration" not in msg
    assert (line, col) == (1, 5)


def test_later_line_not_utf8_gets_the_same_advice() -> None:
    _, msg, line, col = _read_source(b'x = 1\ny = "\xe9"\n')
    assert msg.startswith("not valid UTF-8 at byte 11 (0xe9) and no encoding declaration")
    assert (line, col) == (2, 5)


def test_bom_file_offsets_count_the_bom() -> None:
    _, msg, line, col = _read_source(b'\xef\xbb\xbfx = 1\ny = "\xe9"\n')
    assert "at byte 14 (0xe9)" in msg and "byte-order mark" in msg
    assert (line, col) == (2, 5)


def test_declared_encoding_that_does_not_fit_names_the_declaration() -> None:
    _, msg, _, _ = _read_source(b'# coding: utf-8\ny = "\xe9"\n')
    assert "although line 1 or 2 declares utf-8" in msg


def test_unknown_codec_is_still_a_bad_declaration() -> None:
    _, msg, line, _ = _read_source(b"# coding: nosuchcodec\nx = 1\n")
    assert msg.startswith("bad encoding declaration") and "nosuchcodec" in msg and line == 1


def test_declared_latin1_is_clean() -> None:
    text, msg, _, _ = _read_source(b'# -*- coding: latin-1 -*-\nx = "\xe9"\n')
    assert msg == "" and "é" in text
