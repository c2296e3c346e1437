"""Input layer: compression by magic bytes, stdin, prefixes, encodings, long lines, rotation."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

import pytest

from helpers import text_source
from logsleuth.errors import InputError
from logsleuth.reading.sources import MAX_LINE_BYTES, Source, check_path, group_sources, read_lines

LOG = (
    "2025-10-18 03:24:05,854 68764 INFO ? odoo: Odoo version 18.0 \n"
    "2025-10-18 03:24:06,380 68764 INFO ? odoo.service.server: HTTP service (werkzeug) running on host:8069 \n"
)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compression_is_recognised_by_magic_bytes_not_name(tmp_path: Path, compress):
    path = tmp_path / "odoo.log"  # no compression suffix on purpose
    path.write_bytes(compress(LOG.encode()))
    src = Source(str(path))
    assert list(read_lines(src)) == LOG.splitlines()
    assert src.compression is not None and src.lines == 2


def test_stdin_with_gzip():
    src = Source("-", _stdin=io.BytesIO(gzip.compress(LOG.encode())))
    assert list(read_lines(src)) == LOG.splitlines()


def test_crlf_and_invalid_utf8_and_nul():
    raw = b"line one\r\nbad \xff\xfe bytes\r\nnul\x00here\n"
    src = Source("-", _stdin=io.BytesIO(raw))
    assert list(read_lines(src)) == ["line one", "bad \ufffd\ufffd bytes", "nulhere"]


def test_ansi_colour_codes_are_stripped():
    line = "2025-10-18 03:24:05,854 1 \x1b[1;31m\x1b[1;49mERROR\x1b[0m db odoo.http: boom"
    assert list(read_lines(text_source(line))) == ["2025-10-18 03:24:05,854 1 ERROR db odoo.http: boom"]


def test_docker_compose_prefix_removed_also_on_continuation_lines():
    text = (
        "web-1  | 2025-10-18 03:24:05,854 1 ERROR db odoo.http: boom\n"
        "web-1  | Traceback (most recent call last):\n"
        'web-1  |   File "/x.py", line 1, in f\n'
    )
    assert list(read_lines(text_source(text))) == [
        "2025-10-18 03:24:05,854 1 ERROR db odoo.http: boom",
        "Traceback (most recent call last):",
        '  File "/x.py", line 1, in f',
    ]


def test_docker_timestamps_prefix_removed():
    text = "2025-10-18T03:24:05.854123456Z 2025-10-18 03:24:05,854 1 INFO ? odoo: Odoo version 17.0\n"
    assert list(read_lines(text_source(text))) == ["2025-10-18 03:24:05,854 1 INFO ? odoo: Odoo version 17.0"]


def test_compose_and_timestamps_together():
    text = "odoo_1  | 2025-10-18T03:24:05.854Z 2025-10-18 03:24:05,854 1 INFO ? odoo: Odoo version 17.0\n"
    assert list(read_lines(text_source(text))) == ["2025-10-18 03:24:05,854 1 INFO ? odoo: Odoo version 17.0"]


def test_over_long_line_is_cut_and_counted():
    long = "x" * (MAX_LINE_BYTES * 3 + 17)
    src = text_source(f"a\n{long}\nb\n")
    lines = list(read_lines(src))
    assert lines[0] == "a" and lines[2] == "b"
    assert len(lines[1]) == MAX_LINE_BYTES
    assert src.cut_lines == 1 and src.cut_bytes == len(long) + 1 - MAX_LINE_BYTES
    assert src.lines == 3


def test_file_without_newline_at_all():
    src = text_source("y" * (MAX_LINE_BYTES + 5))
    assert [len(x) for x in read_lines(src)] == [MAX_LINE_BYTES]
    assert src.cut_lines == 1


def test_truncated_gzip_keeps_lines_before_the_damage(tmp_path: Path):
    data = gzip.compress((LOG * 2000).encode())
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) // 2])
    src = Source(str(path))
    lines = list(read_lines(src))
    assert 0 < len(lines) < 4000
    assert src.damage and "gzip" in src.damage


def test_binary_input_is_refused(tmp_path: Path):
    path = tmp_path / "a.bin"
    path.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary"):
        list(read_lines(Source(str(path))))


def test_missing_file_and_directory(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        check_path(str(tmp_path / "nope.log"))
    with pytest.raises(InputError, match="directory"):
        check_path(str(tmp_path))


def test_rotated_set_is_read_oldest_first_whatever_the_order():
    groups = group_sources(["odoo.log", "odoo.log.1", "odoo.log.3.gz", "odoo.log.2"])
    assert [[s.path for s in g] for g in groups] == [["odoo.log.3.gz", "odoo.log.2", "odoo.log.1", "odoo.log"]]


def test_unrelated_files_stay_separate_streams_in_given_order():
    groups = group_sources(["web2/odoo.log", "web1/odoo.log"])
    assert [[s.path for s in g] for g in groups] == [["web2/odoo.log"], ["web1/odoo.log"]]


@pytest.fixture(params=["installed", "zlib"])
def inflater(request, monkeypatch):
    """Gzip input through the accelerated inflater where installed, and through zlib."""
    import zlib

    import logsleuth.reading.sources as sources

    if request.param == "zlib":
        monkeypatch.setattr(sources, "_inflater", zlib)
    return request.param


def test_gzip_members_padding_and_damage(tmp_path: Path, inflater):
    body = LOG * 3000
    whole = gzip.compress(body.encode())
    path = tmp_path / "multi.log.gz"
    path.write_bytes(gzip.compress(body.encode()) + gzip.compress(body.encode()) + b"\0" * 300)
    src = Source(str(path))
    assert list(read_lines(src)) == (body * 2).splitlines() and src.damage is None
    corrupt = bytearray(whole)
    corrupt[-6] ^= 0xFF  # the CRC
    path.write_bytes(bytes(corrupt))
    src = Source(str(path))
    list(read_lines(src))
    assert src.damage and "gzip" in src.damage
    path.write_bytes(whole + b"garbage after the member")
    src = Source(str(path))
    assert list(read_lines(src)) == body.splitlines()
    assert src.damage and "gzip" in src.damage


@pytest.mark.parametrize("engine", ["rust", "python"])
@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress])
def test_a_utf8_byte_order_mark_does_not_hide_the_first_line(tmp_path: Path, capsys, monkeypatch, engine, compress):
    import json

    from helpers import run_cli

    monkeypatch.setenv("LOGSLEUTH_ENGINE", engine)
    text = (
        "2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0-20250101\n"
        "2025-01-01 10:00:01,000 7 INFO ? odoo.service.server: HTTP service (werkzeug) running on 0.0.0.0:8069\n"
    )
    log = tmp_path / "odoo.log"
    log.write_bytes(compress(b"\xef\xbb\xbf" + text.encode()))
    code, out, _ = run_cli(["lifetimes", str(log), "--format", "json"], capsys)
    lifetimes = json.loads(out)["lifetimes"]
    assert code == 0 and len(lifetimes) == 1
    assert lifetimes[0]["version"] == "17.0-20250101" and lifetimes[0]["start_line"] == 1


@pytest.mark.parametrize("engine", ["rust", "python"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress])
def test_utf16_logs_read_as_their_utf8_text(tmp_path: Path, monkeypatch, engine, encoding, compress):
    """PowerShell 5's ``>`` writes UTF-16 with a byte-order mark: the records are those of the
    same text in UTF-8, non-ASCII letters included (not the text with its zero bytes dropped)."""
    import codecs

    from logsleuth.reading.records import parse_records

    monkeypatch.setenv("LOGSLEUTH_ENGINE", engine)
    text = (
        "python : 2025-01-01 10:00:00,000 7 INFO ? odoo: Odoo version 17.0\r\n"
        "2025-01-01 10:00:01,000 7 ERROR db odoo.addons.nhân_sự.models: Lỗi khi tính lương 😀 ✓\r\n"
        "Traceback (most recent call last):\r\n"
        '  File "C:\\odoo\\addons\\nhân_sự\\models.py", line 3, in f\r\n'
        "ValueError: giá trị không hợp lệ\r\n"
    )
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    utf8, utf16 = tmp_path / "utf8.log", tmp_path / "utf16.log"
    utf8.write_bytes(compress(text.encode()))
    utf16.write_bytes(compress(bom + text.encode(encoding)))

    def records(path: Path) -> list[tuple]:
        return [
            (r.first_line, r.last_line, r.logger, r.message, r.continuation) for r in parse_records([Source(str(path))])
        ]

    got = records(utf16)
    assert got == records(utf8)
    assert got[1][3] == "Lỗi khi tính lương 😀 ✓" and got[1][4][-1] == "ValueError: giá trị không hợp lệ"


def test_a_truncated_utf16_log_keeps_its_text(tmp_path: Path):
    """An odd last byte (a file cut mid-character) becomes U+FFFD, the lines before stay."""
    log = tmp_path / "odoo.log"
    log.write_bytes(b"\xff\xfe" + "2025-01-01 10:00:00,000 7 INFO ? odoo: é\nx".encode("utf-16-le")[:-1])
    assert list(read_lines(Source(str(log)))) == ["2025-01-01 10:00:00,000 7 INFO ? odoo: é", "\ufffd"]
