"""Input layer: open files, archives and stdin, and yield clean text lines.

Compression is recognised by magic bytes, not by name. Lines are read in bounded chunks so a
50 MB line or a file without newlines never sits whole in memory; what is cut is counted.
Console prefixes (ANSI colour, ``docker compose logs``, ``docker logs --timestamps``) are
removed here so later stages only ever see Odoo's own text.
"""

from __future__ import annotations

import bz2
import codecs
import io
import lzma
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from logsleuth.errors import InputError

MAX_LINE_BYTES = 64 * 1024
"""Bytes kept of one physical line; the rest is read and dropped (counted in ``cut_bytes``)."""

_READ_CHUNK = 1024 * 1024
_PREFIX_PROBE_LINES = 200

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_COMPOSE_PREFIX = re.compile(r"^[A-Za-z0-9][\w.-]*\s*\| ?")
_DOCKER_TS_PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) ")
_LOOKS_ODOO = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ")

_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
)
_ROTATION = re.compile(r"^(?P<base>.+?)(?:[.-](?P<num>\d{1,4})|[.-](?P<date>\d{8}|\d{4}-\d\d-\d\d))?$")
_COMPRESSED_EXT = re.compile(r"\.(gz|bz2|xz)$")


@dataclass
class Source:
    """One input: a path or stdin. Counters are filled while it is read."""

    path: str
    lines: int = 0
    bytes: int = 0
    compression: str | None = None
    cut_lines: int = 0
    cut_bytes: int = 0
    damage: str | None = None
    prefix: str | None = None
    echo: bool = False
    start_offset: int = 0
    """Byte offset to start reading at (a time window on a plain file seeks there)."""
    first_line: int = 1
    """Line number of the line at ``start_offset``."""
    _stdin: BinaryIO | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return "<stdin>" if self.path == "-" else self.path

    def open_binary(self) -> BinaryIO:
        """Open the raw byte stream, decompressing by magic bytes."""
        if self.path == "-":
            raw: BinaryIO = self._stdin or sys.stdin.buffer
            buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
        else:
            try:
                buffered = open(self.path, "rb")
                if self.start_offset:
                    buffered.seek(self.start_offset)
            except PermissionError:
                raise InputError("permission denied", self.path) from None
            except OSError as exc:
                raise InputError(exc.strerror or "cannot open", self.path) from None
        head = buffered.peek(8)[:8]
        for magic, kind in _MAGIC:
            if head.startswith(magic):
                self.compression = kind
                if kind == "gzip":
                    return io.BufferedReader(Gunzip(buffered), buffer_size=_READ_CHUNK)  # type: ignore[return-value]
                if kind == "bz2":
                    return bz2.BZ2File(buffered)  # type: ignore[return-value]
                return lzma.LZMAFile(buffered)  # type: ignore[return-value]
        return buffered


_UTF16 = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
"""UTF-16 text (what PowerShell 5's ``>`` and ``Out-File`` write) is read as the same text in
UTF-8: both engines then read it as any other log, non-ASCII text included."""


class Utf16(io.RawIOBase):
    """UTF-16 bytes in, UTF-8 bytes out, decoded a block at a time (invalid code units become
    U+FFFD, as invalid UTF-8 does elsewhere)."""

    def __init__(self, raw: io.BufferedIOBase, encoding: str) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)("replace")
        self.pending = b""
        self.at = 0
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while self.at == len(self.pending) and not self.ended:
            data = self.raw.read(_READ_CHUNK)
            self.ended = not data
            self.pending, self.at = self.decoder.decode(data, final=self.ended).encode("utf-8"), 0
        n = min(len(buffer), len(self.pending) - self.at)
        buffer[:n] = self.pending[self.at : self.at + n]
        self.at += n
        return n

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()


try:  # ISA-L inflates gzip about three times faster than zlib (benchmarks/README.md)
    from isal import isal_zlib as _inflater

    _INFLATE_ERRORS: tuple[type[Exception], ...] = (_inflater.error,)  # type: ignore[assignment]
except ImportError:  # pragma: no cover - platforms without an isal wheel
    _inflater = zlib  # type: ignore[misc]
    _INFLATE_ERRORS = ()


class Gunzip(io.RawIOBase):
    """A gzip file (concatenated members and zero padding too) inflated in large steps.

    The gzip module inflates about 128 KiB of input per call and runs Python code between
    calls; here each step is one call over 1 MiB of input, with ISA-L where it is installed.
    The inflater checks each member's CRC and length; a truncated file raises EOFError, as the
    gzip module does."""

    _INPUT = 1024 * 1024
    _OUTPUT = 4 * 1024 * 1024

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._chunks = self._inflate()
        self._rest = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not len(self._rest):
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = memoryview(chunk)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n

    def _inflate(self) -> Iterator[bytes]:
        member = _inflater.decompressobj(31)
        started = False  # the current member has been given input
        data = b""
        while True:
            if not data:
                data = self._raw.read(self._INPUT)
                if not data:
                    if started:
                        raise EOFError("Compressed file ended before the end-of-stream marker was reached")
                    return
            if not started:
                data = data.lstrip(b"\0")  # padding after the last member
                if not data:
                    continue
                started = True
            out = member.decompress(data, self._OUTPUT)
            data = member.unconsumed_tail
            if out:
                yield out
            if member.eof:
                data = member.unused_data
                member = _inflater.decompressobj(31)
                started = False

    def close(self) -> None:
        self._raw.close()
        super().close()


def check_path(path: str) -> None:
    """Fail early, before any output, on paths that cannot be read."""
    if path == "-":
        return
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(exc.strerror or "cannot open", path) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a log file", path)
    if not os.access(path, os.R_OK):
        raise InputError("permission denied", path)


def _rotation_key(path: str) -> tuple[str, int, str]:
    """Sort key within a rotated set: higher numbers are older, the bare name is newest."""
    stem = _COMPRESSED_EXT.sub("", path)
    m = _ROTATION.match(stem)
    assert m is not None
    if m.group("num") is not None:
        return (m.group("base"), -int(m.group("num")), "")
    if m.group("date") is not None:
        return (m.group("base"), 0, m.group("date"))
    return (stem, 1, "")


def group_sources(paths: list[str]) -> list[list[Source]]:
    """Group paths into streams: a rotated set is one stream read oldest first.

    Unrelated files keep the order they were given in; each stream keeps its own lifetimes.
    """
    groups: dict[str, list[str]] = {}
    for path in paths:
        base = "-" if path == "-" else _rotation_key(path)[0]
        groups.setdefault(base, []).append(path)
    out = []
    for members in groups.values():
        if members != ["-"]:
            members = sorted(dict.fromkeys(members), key=_rotation_key)
        out.append([Source(p) for p in members])
    return out


def _strip_prefix(text: str, mode: str) -> str:
    if mode in ("compose", "compose+ts"):
        m = _COMPOSE_PREFIX.match(text)
        if m:
            text = text[m.end() :]
    if mode in ("timestamps", "compose+ts"):
        m = _DOCKER_TS_PREFIX.match(text)
        if m:
            text = text[m.end() :]
    return text


_COMPOSE_PREFIX_LINES = re.compile(r"\n[A-Za-z0-9][\w.-]*[^\S\n]*\| ?")
_DOCKER_TS_PREFIX_LINES = re.compile("\n" + _DOCKER_TS_PREFIX.pattern[1:])


def strip_prefixes(text: str, mode: str) -> str:
    """``_strip_prefix`` on every line of a text at once (the hot path's blocks). The patterns
    start with a newline rather than ``^`` in MULTILINE mode: sre then skips to each newline at
    C speed instead of trying every position (7x faster)."""
    text = "\n" + text
    if mode in ("compose", "compose+ts"):
        text = _COMPOSE_PREFIX_LINES.sub("\n", text)
    if mode in ("timestamps", "compose+ts"):
        text = _DOCKER_TS_PREFIX_LINES.sub("\n", text)
    return text[1:]


def _detect_prefix(text: str) -> str | None:
    """Name the console prefix on a line whose remainder is an Odoo header, if any."""
    m = _COMPOSE_PREFIX.match(text)
    if m:
        rest = text[m.end() :]
        if _LOOKS_ODOO.match(rest):
            return "compose"
        t = _DOCKER_TS_PREFIX.match(rest)
        if t and _LOOKS_ODOO.match(rest[t.end() :]):
            return "compose+ts"
    t = _DOCKER_TS_PREFIX.match(text)
    if t and _LOOKS_ODOO.match(text[t.end() :]):
        return "timestamps"
    return None


_BINARY_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x7fELF",
    b"7z\xbc\xaf\x27\x1c",
)
"""Formats recognised by their first bytes (images, PDF, zip, ELF, 7z)."""


def _looks_binary(head: bytes) -> bool:
    """Known binary formats (magic bytes, a tar header), or mostly undecodable or control bytes.
    NUL runs alone do not count: logrotate's copytruncate leaves a file that starts with zeros,
    and it is still a log (``_only_zeros`` looks at the end of such a file)."""
    if head.startswith(_BINARY_MAGIC) or head[257:262] == b"ustar":
        return True
    text = head.replace(b"\x00", b"").decode("utf-8", "replace")
    if len(text) < 64:
        return False
    bad = text.count("\ufffd") + sum(1 for ch in text if ch < "\t" or "\r" < ch < " ")
    return bad > len(text) * 0.3


class LineCleaner:
    """Bytes of one physical line → clean text: decoded (invalid UTF-8 replaced), without the
    line end, ANSI codes, NUL bytes and console prefixes. The prefix kind is detected on the
    first lines of a source and then applied to all of them."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.mode: str | None = None
        self.probing = True
        self.seen = 0

    def __call__(self, raw: bytes) -> str:
        text = raw.decode("utf-8", "replace").rstrip("\r\n")
        if "\x1b" in text:
            text = _ANSI.sub("", text)
        if "\x00" in text:
            text = text.replace("\x00", "")
        if self.probing:
            self.seen += 1
            found = _detect_prefix(text)
            if found:
                self.mode = self.source.prefix = found
                self.probing = False
            elif self.seen >= _PREFIX_PROBE_LINES:
                self.probing = False
        if self.mode:
            text = _strip_prefix(text, self.mode)
        return text


def read_bounded_line(readline: Callable[[int], bytes], source: Source) -> bytes:
    """One physical line of at most MAX_LINE_BYTES; the rest of a longer line is read and
    dropped (counted on ``source``). Returns b"" at the end of the input."""
    raw = readline(MAX_LINE_BYTES)
    if raw[-1:] != b"\n" and len(raw) == MAX_LINE_BYTES:
        dropped = 0
        while True:
            more = readline(_READ_CHUNK)
            if not more:
                break
            dropped += len(more)
            if more[-1:] == b"\n":
                break
        source.cut_lines += 1
        source.cut_bytes += dropped
        source.bytes += dropped
    return raw


DAMAGE_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError, *_INFLATE_ERRORS)


def note_damage(source: Source, exc: BaseException) -> None:
    """A truncated or corrupt archive: say where, keep what was read before."""
    where = f" after line {source.lines}" if source.lines else ""
    source.damage = f"damaged {source.compression or 'input'}{where}: {exc}"


def check_head(source: Source, stream: BinaryIO) -> BinaryIO | None:
    """Refuse binary data; the stream to read its text from (UTF-16 transcoded, a byte-order
    mark skipped), or None when the input is damaged before its first line."""
    try:
        head = stream.peek(4096)[:4096] if hasattr(stream, "peek") else b""
    except DAMAGE_ERRORS as exc:
        note_damage(source, exc)
        return None
    for bom, encoding in _UTF16:
        if head.startswith(bom) and not head.startswith(codecs.BOM_UTF32_LE):
            stream.read(len(bom))
            return check_head(source, io.BufferedReader(Utf16(stream, encoding), buffer_size=_READ_CHUNK))  # type: ignore[arg-type]
    if _looks_binary(head) or (head and not head.strip(b"\x00") and _only_zeros(source)):
        raise InputError("binary data, not a text log", source.name)
    if head.startswith(_BOM):  # Windows editors and PowerShell's Out-File -Encoding utf8 write one
        stream.read(len(_BOM))
    return stream


_BOM = b"\xef\xbb\xbf"
"""UTF-8's byte-order mark: skipped before the first line, or the first header would not parse."""


def _only_zeros(source: Source) -> bool:
    """A plain file that starts with zeros is a copytruncate'd log when text follows them; one
    whose last bytes are zeros too is zeros (sampled at the end: a 2 GB file is not read)."""
    if source.path == "-" or source.compression is not None:
        return False
    try:
        with open(source.path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 65536))
            tail = fh.read(65536)
    except OSError:
        return False
    return not tail.strip(b"\x00")


def bounded_lines(readline: Callable[[int], bytes], source: Source, clean: LineCleaner, echo=None) -> Iterator[str]:
    """Clean lines one by one, each cut to MAX_LINE_BYTES, counted on ``source``."""
    while True:
        try:
            raw = read_bounded_line(readline, source)
        except DAMAGE_ERRORS as exc:
            note_damage(source, exc)
            return
        if not raw:
            return
        source.lines += 1
        source.bytes += len(raw)
        if echo is not None:
            echo(raw.decode("utf-8", "replace").rstrip("\r\n") + "\n")
        yield clean(raw)


BLOCK = 1024 * 1024


def read_blocks(source: Source) -> Iterator[bytes]:
    """The raw bytes of ``source`` (decompressed), a block at a time, cut anywhere: what the
    compiled scanner reads. A damaged archive ends the blocks and sets ``source.damage``
    (the caller drops the partial line it holds, as ``read_lines`` does)."""
    stream = source.open_binary()
    try:
        checked = check_head(source, stream)
        if checked is None:
            return
        stream = checked
        read = getattr(stream, "read1", stream.read)
        while True:
            try:
                data = read(BLOCK)
            except DAMAGE_ERRORS as exc:
                note_damage(source, exc)
                return
            if not data:
                return
            yield data
    finally:
        if source.path != "-":
            stream.close()


def read_lines(source: Source) -> Iterator[str]:
    """Yield the physical lines of ``source`` as text, without line ends or console prefixes.

    A damaged archive stops the source cleanly: the lines before the damage are yielded and
    ``source.damage`` says what happened.
    """
    stream = source.open_binary()
    try:
        checked = check_head(source, stream)
        if checked is not None:
            stream = checked
            echo = sys.stdout.write if source.echo else None
            yield from bounded_lines(stream.readline, source, LineCleaner(source), echo)
    finally:
        if source.path != "-":
            stream.close()
