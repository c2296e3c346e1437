"""Traceback parser: frames, exceptions, chains, import chains and the culprit frame.

Works on the continuation lines of one record. Each frame is classified as Odoo core, an
addon (with its module name), the standard library or a third-party package, so that the
*import chain* (the run of ``<module>`` frames) and its *culprit* (the addon frame that brought
the failure in) can be named without knowing the deployment's paths in advance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TRACEBACK_START = "Traceback (most recent call last):"
MAX_MESSAGE_LINES = 80
MAX_MESSAGE_CHARS = 4000
CHAIN_MARKERS = {
    "During handling of the above exception, another exception occurred:": "context",
    "The above exception was the direct cause of the following exception:": "cause",
}
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<func>.+?)\s*$')
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_EXC = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<msg>.*))?$")
_ADDON_IN_PATH = re.compile(r"[/\\][\w.-]*addons[\w.-]*[/\\](?P<module>[A-Za-z_]\w*)[/\\]", re.IGNORECASE)
_SITE = re.compile(r"[/\\](?:site|dist)-packages[/\\](?P<pkg>[A-Za-z_][\w]*)")
_STDLIB = re.compile(r"[/\\]lib[/\\]python\d(?:\.\d+)?[/\\]|[/\\]Lib[/\\]|^<frozen ", re.IGNORECASE)
_ODOO_CORE = re.compile(r"(?:^|[/\\])odoo[/\\](?!addons[/\\])")
_IMPORT_STMT = re.compile(r"^\s*(?:from\s+(?P<from>\.*[\w.]*)\s+import\s+(?P<names>.+)|import\s+(?P<mod>[\w.]+))")


@dataclass
class Frame:
    file: str
    line: int
    func: str
    code: str | None = None
    kind: str = "other"
    """``odoo``, ``addon``, ``stdlib``, ``third-party`` or ``other``."""
    module: str | None = None
    """The addon name for addon frames, the top-level package for third-party frames."""
    log_line: int | None = None

    @property
    def imports(self) -> str | None:
        """The module an import statement on this frame brings in (``None`` if not an import)."""
        return imported_module(self.code)


@dataclass
class ExceptionBlock:
    """One traceback of a chain: its frames and the exception it ended in."""

    frames: list[Frame] = field(default_factory=list)
    type: str | None = None
    message: str = ""
    line: int | None = None
    link: str | None = None
    """How the next block relates to this one: ``context`` or ``cause``."""


@dataclass
class Traceback:
    blocks: list[ExceptionBlock]

    @property
    def final(self) -> ExceptionBlock:
        """The block whose exception escaped last (the bottom of the log text)."""
        return self.blocks[-1]

    @property
    def exception_type(self) -> str | None:
        return self.final.type

    @property
    def exception_message(self) -> str:
        return self.final.message

    @property
    def short_type(self) -> str | None:
        t = self.final.type
        return t.rsplit(".", 1)[-1] if t else None

    def all_frames(self) -> list[Frame]:
        return [f for b in self.blocks for f in b.frames]

    def import_chain(self) -> list[Frame]:
        """The run of ``<module>`` frames (imports executing) of the final block, in order."""
        frames = self.final.frames
        start = next((i for i, f in enumerate(frames) if f.func == "<module>"), None)
        if start is None:
            return []
        return [f for f in frames[start:] if f.func == "<module>"]

    def addon_modules(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.all_frames():
            if f.kind == "addon" and f.module:
                seen.setdefault(f.module, None)
        return list(seen)

    def culprit(self) -> Frame | None:
        """The addon frame that brought the failure in.

        Searched in the first traceback of the chain that passes through addon code (later ones
        are raised while handling it, often by generic wrappers): the last addon frame before
        the stack leaves addon code for a third-party package or the standard library, or, when
        the failure is raised in addon code, the last addon frame.
        """
        for block in self.blocks:
            found = _block_culprit(block.frames)
            if found is not None:
                return found
        # an import chain through Odoo's own addons only (web, base): its last addon frame
        chain = [f for f in self.import_chain() if f.kind == "addon"]
        return chain[-1] if chain else None

    def loaded_addon(self) -> str | None:
        """The addon being imported by Odoo's module loader, if this is an import failure."""
        frames = self.final.frames
        for i, f in enumerate(frames):
            if _is_loader(f):
                nxt = frames[i + 1] if i + 1 < len(frames) else None
                if nxt is not None and nxt.module:
                    return nxt.module
        chain = [f for f in self.import_chain() if f.kind == "addon"]
        return chain[0].module if chain else None

    def raising_addon(self) -> str | None:
        """The addon whose code raised the final exception (its last addon frame), framework
        addons included: the module a failure concerns when no culprit is named."""
        return next((f.module for f in reversed(self.final.frames) if f.kind == "addon" and f.module), None)

    def stack_shape(self) -> tuple[tuple[str, str], ...]:
        """The addon and Odoo frames of the final traceback, without line numbers: the part of
        a fingerprint that survives edits elsewhere in the same files."""
        return tuple(
            (f.file.replace("\\", "/").rsplit("/", 1)[-1], f.func)
            for f in self.final.frames
            if f.kind in ("addon", "odoo")
        )

    def imports_an_addon(self) -> bool:
        """True when Odoo's module loader is on the stack (an addon import failed)."""
        return any(_is_loader(f) for f in self.final.frames)


def _is_loader(f: Frame) -> bool:
    return f.func == "load_openerp_module" or (f.code or "").startswith("__import__(qualname)")


_DISPATCH_WRAPPERS = frozenset(
    {("ir_http.py", "_dispatch"), ("ir_http.py", "_pre_dispatch"), ("ir_http.py", "_post_dispatch")}
)
"""``ir.http`` overrides that every HTTP request of their database passes through (website's, and
many custom addons'): on the stack of any failing request, so no culprit unless they raise."""


def _passes_through(f: Frame, is_last: bool) -> bool:
    return not is_last and (f.file.replace("\\", "/").rsplit("/", 1)[-1], f.func) in _DISPATCH_WRAPPERS


def _block_culprit(frames: list[Frame]) -> Frame | None:
    last_addon = None
    for i, f in enumerate(frames):
        if f.kind == "addon" and not _is_odoo_core_addon(f) and not _passes_through(f, i == len(frames) - 1):
            last_addon = f
            rest = frames[i + 1 :]
            if rest and all(r.kind in ("third-party", "stdlib") for r in rest) and f.imports:
                return f
    return last_addon


FRAMEWORK_ADDONS = frozenset({"base", "web", "bus", "http_routing", "web_editor"})
"""Odoo's own dispatching machinery: their frames carry requests, they are rarely the culprit."""


def _is_odoo_core_addon(f: Frame) -> bool:
    return f.module in FRAMEWORK_ADDONS


def imported_module(code: str | None) -> str | None:
    """``from sentence_transformers import X`` → ``sentence_transformers``; ``from . import x`` → ``.x``."""
    if not code:
        return None
    m = _IMPORT_STMT.match(code)
    if not m:
        return None
    if m.group("mod"):
        return m.group("mod")
    src = m.group("from")
    if src.strip(".") == "":
        names = m.group("names").split("#", 1)[0].strip().strip("()")
        first = names.split(",")[0].strip().split(" ")[0]
        return src + first
    return src


_CORE_ROOT = re.compile(
    r"^(.*[/\\])odoo[/\\](?:service|modules|tools|cli|orm|osv|tests|http\.py|models\.py|api\.py|sql_db\.py|fields\.py|netsvc\.py)"
)
_ODOO_ADDON_ROOT = re.compile(r"^(.*[/\\])odoo[/\\]addons[/\\]")


VENDORED_DIRS = frozenset(
    {"pylib", "lib", "libs", "vendor", "vendored", "_vendor", "third_party", "thirdparty", "external"}
)
"""Folders inside an addon that hold a copy of someone else's library: their frames are not the addon's."""


MAX_CLASSIFIED_PATHS = 4096
"""Paths whose classification is remembered (oldest forgotten first): a log's tracebacks pass
through the same few hundred files again and again."""
_classified: dict[tuple[str, tuple[str, ...]], tuple[str | None, bool, str | None]] = {}
"""(path, addons paths) → (kind or None to keep it, whether the module is set, the module)."""


def classify(frame: Frame, addons_paths: list[str] | tuple[str, ...] = ()) -> None:
    """Set ``kind`` and ``module`` of a frame from its path: the folder right under one of the
    lifetime's addons paths names the addon; without those, a folder under ``…addons…``.

    A pure function of the path and the addons paths: the answer is remembered (bounded)."""
    key = (frame.file, addons_paths if type(addons_paths) is tuple else tuple(addons_paths))
    found = _classified.get(key)
    if found is None:
        found = _classify(frame.file, key[1])
        if len(_classified) >= MAX_CLASSIFIED_PATHS:
            del _classified[next(iter(_classified))]
        _classified[key] = found
    kind, has_module, module = found
    if kind is not None:
        frame.kind = kind
    if has_module:
        frame.module = module


def _classify(path: str, addons_paths: tuple[str, ...]) -> tuple[str | None, bool, str | None]:
    site = _SITE.search(path)
    if site and site.group("pkg") not in ("odoo", "openerp"):
        return "third-party", True, site.group("pkg")
    norm = path.replace("\\", "/").lower()
    if _CORE_ROOT.match(path) and not _ODOO_ADDON_ROOT.match(path):
        # Odoo's own code, even when an addons path is the folder that holds the source tree
        return "odoo", False, None
    for root in addons_paths:
        r = root.replace("\\\\", "\\").replace("\\", "/").rstrip("/").lower()
        if r and norm.startswith(r + "/"):
            rest = path[len(r) + 1 :].replace("\\", "/").split("/")
            if len(rest) > 1:
                return _addon_frame_kind(rest)
    addon = _ADDON_IN_PATH.search(path)
    if addon:
        return _addon_frame_kind(path[addon.start("module") :].replace("\\", "/").split("/"))
    if _ODOO_CORE.search(path):
        return "odoo", False, None
    if _STDLIB.search(path):
        return "stdlib", False, None
    return None, False, None


def _addon_frame_kind(rest: list[str]) -> tuple[str, bool, str]:
    """``rest`` is the path from the addon's folder on: ``[addon, …, file]``."""
    if len(rest) > 2 and rest[1].lower() in VENDORED_DIRS:
        return "third-party", True, rest[2].removesuffix(".py")
    return "addon", True, rest[0]


def foreign_addons(tb: Traceback) -> list[tuple[str, str, str]]:
    """Addon frames under another Odoo installation's ``odoo/addons`` than the one whose core
    frames run the server (two installations on one host): ``(module, file, server root)``."""
    core = next((m.group(1) for f in tb.all_frames() if f.kind == "odoo" and (m := _CORE_ROOT.match(f.file))), None)
    if core is None:
        return []
    seen: dict[str, tuple[str, str, str]] = {}
    for f in tb.all_frames():
        m = _ODOO_ADDON_ROOT.match(f.file)
        # the server's own addons: <root>/odoo/addons (base, web…) and <root>/addons (a source checkout)
        if (
            f.kind == "addon"
            and f.module
            and m
            and not any(_same(m.group(0), core + d) for d in ("odoo/addons/", "addons/"))
        ):
            seen.setdefault(f.module, (f.module, f.file, core + "odoo"))
    return list(seen.values())


def _same(a: str, b: str) -> bool:
    return a.replace("\\", "/").lower() == b.replace("\\", "/").lower()


def _addon_root_from_loader(frames: list[Frame]) -> None:
    """The frame after Odoo's ``__import__(qualname)`` is an addon's ``__init__.py``: its folder is
    an addons directory even when the path says nothing about addons (custom Windows paths)."""
    for i, f in enumerate(frames[:-1]):
        if _is_loader(f):
            init = frames[i + 1]
            sep = "\\" if "\\" in init.file and "/" not in init.file else "/"
            parts = init.file.replace("\\", "/").split("/")
            if len(parts) >= 2 and parts[-1] == "__init__.py":
                root = sep.join(init.file.replace("\\", "/").split("/")[:-2])
                module = parts[-2]
                prefix = init.file[: len(root)].replace("\\", "/").lower() + "/" + module.lower() + "/"
                for g in frames:
                    if g.kind != "addon" and g.file.replace("\\", "/").lower().startswith(prefix):
                        g.kind, g.module = "addon", module


MAX_FRAME_LINES = 8192
"""Frame lines whose parse is remembered (oldest forgotten first): the same stacks repeat."""
_frame_lines: dict[str, tuple[str, int, str] | None] = {}


def _frame_line(text: str) -> tuple[str, int, str] | None:
    """``  File "x.py", line 3, in f`` → (file, line, function); None for another line."""
    found = _frame_lines.get(text, _NOT_SEEN)
    if found is _NOT_SEEN:
        m = _FRAME.match(text)
        found = (m.group("file"), int(m.group("line")), m.group("func")) if m else None
        if len(text) <= MAX_CACHED_LINE:
            if len(_frame_lines) >= MAX_FRAME_LINES:
                del _frame_lines[next(iter(_frame_lines))]
            _frame_lines[text] = found
    return found  # type: ignore[return-value]


_NOT_SEEN = object()
MAX_CACHED_LINE = 1000


def parse_traceback(
    lines: list[str], first_number: int | None = None, addons_paths: list[str] | tuple[str, ...] = ()
) -> Traceback | None:
    """Parse the traceback(s) in ``lines``; ``first_number`` is the log line of ``lines[0]``."""
    if type(addons_paths) is not tuple:
        addons_paths = tuple(addons_paths)  # once, not per frame (the key of classify's memory)
    blocks: list[ExceptionBlock] = []
    block: ExceptionBlock | None = None
    expecting_exc = False
    i, n = 0, len(lines)
    while i < n:
        text = lines[i]
        number = None if first_number is None else first_number + i
        if text == TRACEBACK_START or text.endswith(TRACEBACK_START):
            block = ExceptionBlock()
            blocks.append(block)
            expecting_exc = True
            i += 1
            continue
        if block is None:
            i += 1
            continue
        stripped = text.strip()
        if stripped in CHAIN_MARKERS:
            block.link = CHAIN_MARKERS[stripped]
            expecting_exc = False
            i += 1
            continue
        # a frame line holds 'File "': the substring test spares the regex on every other line
        m = _frame_line(text) if expecting_exc and 'File "' in text else None
        if m is not None:
            frame = Frame(m[0], m[1], m[2], log_line=number)
            nxt = lines[i + 1] if i + 1 < n else ""
            if nxt.startswith("    ") and not ('File "' in nxt and _frame_line(nxt) is not None):
                frame.code = nxt.strip()
                i += 1
            classify(frame, addons_paths)
            block.frames.append(frame)
            i += 1
            continue
        if expecting_exc and stripped and not _CARETS.match(text) and not text.startswith(" "):
            em = _EXC.match(stripped)
            if em:
                block.type = em.group("type")
                block.message = (em.group("msg") or "").strip()
                block.line = number
                expecting_exc = False
                i += 1
                # a multi-line message (blank lines included) runs until a chain marker
                extra: list[str] = []
                while i < n and lines[i].strip() not in CHAIN_MARKERS and not lines[i].startswith(TRACEBACK_START):
                    if len(extra) < MAX_MESSAGE_LINES:
                        extra.append(lines[i].rstrip())
                    i += 1
                while extra and not extra[-1].strip():
                    extra.pop()
                if extra:
                    block.message = (block.message + "\n" + "\n".join(extra))[:MAX_MESSAGE_CHARS]
                continue
        i += 1
    blocks = [b for b in blocks if b.frames or b.type]
    if not blocks:
        return None
    for b in blocks:
        _addon_root_from_loader(b.frames)
    return Traceback(blocks)
