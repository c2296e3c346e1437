"""Traceback parser: frames, chains, Windows paths, classification, import chain and culprit."""

from __future__ import annotations

from helpers import SAMPLES
from logsleuth.analysis.tracebacks import Frame, classify, imported_module, parse_traceback

SEED = SAMPLES / "seed_ai_brain_odoo18.log"


def seed_traceback():
    lines = SEED.read_text().splitlines()
    return parse_traceback(lines[214:309], first_number=215)


def test_seed_chain_final_exception_and_line():
    tb = seed_traceback()
    assert [b.type for b in tb.blocks] == ["KeyError", "RuntimeError"]
    assert tb.blocks[0].link == "context"
    assert tb.final.message == "can't register atexit after shutdown" and tb.final.line == 309


def test_seed_frames_are_classified_with_windows_paths():
    tb = seed_traceback()
    kinds = {(f.file.rsplit("\\", 1)[-1], f.kind, f.module) for f in tb.final.frames}
    assert ("ai_vector_service.py", "addon", "ai_brain") in kinds
    assert ("process.py", "stdlib", None) in kinds
    assert ("configuration_utils.py", "third-party", "transformers") in kinds
    assert ("http.py", "odoo", None) in kinds


def test_seed_import_chain_and_culprit():
    tb = seed_traceback()
    addon_chain = [(f.file.rsplit("\\", 1)[-1], f.line) for f in tb.import_chain() if f.kind == "addon"]
    assert addon_chain == [("__init__.py", 6), ("__init__.py", 109), ("ai_vector_service.py", 4)]
    culprit = tb.culprit()
    assert culprit.line == 4 and culprit.imports == "sentence_transformers" and culprit.log_line == 267
    assert tb.loaded_addon() == "ai_brain"


def test_culprit_when_the_addon_raises_itself():
    tb = parse_traceback(
        [
            "Traceback (most recent call last):",
            '  File "/srv/odoo/odoo/odoo/modules/module.py", line 384, in load_openerp_module',
            "    __import__(qualname)",
            '  File "/srv/odoo/custom_addons/ai_brain/models/vector_pool.py", line 20, in <module>',
            "    _register_shutdown_hook()",
            '  File "/srv/odoo/custom_addons/ai_brain/models/vector_pool.py", line 17, in _register_shutdown_hook',
            '    raise RuntimeError("can\'t register atexit after shutdown")',
            "RuntimeError: can't register atexit after shutdown",
        ]
    )
    assert tb.culprit().line == 17 and tb.culprit().imports is None


def test_multiline_exception_message_and_direct_cause():
    tb = parse_traceback(
        [
            "Traceback (most recent call last):",
            '  File "/a/odoo/tools/convert.py", line 698, in _tag_root',
            "    f(rec)",
            "ValueError: inner",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            '  File "/a/odoo/tools/convert.py", line 700, in parse',
            "    raise ParseError(msg) from e",
            "odoo.tools.convert.ParseError: while parsing /x/views.xml:3",
            'Field "loyalty_tier" does not exist in model "res.partner"',
        ]
    )
    assert tb.blocks[0].link == "cause"
    assert tb.exception_type == "odoo.tools.convert.ParseError"
    assert tb.exception_message.splitlines() == [
        "while parsing /x/views.xml:3",
        'Field "loyalty_tier" does not exist in model "res.partner"',
    ]


def test_classification_rules():
    cases = {
        "/usr/lib/python3/dist-packages/odoo/addons/sale/models/sale.py": ("addon", "sale"),
        "/usr/lib/python3/dist-packages/odoo/models.py": ("odoo", None),
        "/usr/lib/python3/dist-packages/psycopg2/__init__.py": ("third-party", "psycopg2"),
        "/usr/lib/python3.11/threading.py": ("stdlib", None),
        "/mnt/extra-addons/my_mod/models/x.py": ("addon", "my_mod"),
        "/home/u/project/random.py": ("other", None),
    }
    for path, expected in cases.items():
        f = Frame(path, 1, "f")
        classify(f)
        assert (f.kind, f.module) == expected, path
    f = Frame(r"D:\custom\shop\models\x.py", 1, "f")
    classify(f, [r"D:\\custom"])
    assert (f.kind, f.module) == ("addon", "shop")


def test_imported_module():
    assert imported_module("from sentence_transformers import SentenceTransformer") == "sentence_transformers"
    assert imported_module("import cv2") == "cv2"
    assert imported_module("from . import ai_vector_service  # comment") == ".ai_vector_service"
    assert imported_module("x = 1") is None


def _tb(*files: str):
    from logsleuth.analysis.tracebacks import parse_traceback

    lines = ["Traceback (most recent call last):"]
    for f in files:
        lines += [f'  File "{f}", line 1, in <module>', "    from . import x"]
    lines.append("ImportError: cannot import name 'crop_image'")
    return parse_traceback(lines, 1)


def test_addon_from_another_installation_is_named():
    from logsleuth.analysis.tracebacks import foreign_addons

    tb = _tb(
        "/home/dev/odoo/odoo/service/server.py",
        "/home/dev/odoo/odoo/modules/module.py",
        "/usr/lib/python3/dist-packages/odoo/addons/web/__init__.py",
    )
    assert foreign_addons(tb) == [
        ("web", "/usr/lib/python3/dist-packages/odoo/addons/web/__init__.py", "/home/dev/odoo/odoo")
    ]
    own = _tb(
        "/home/dev/odoo/odoo/service/server.py",
        "/home/dev/odoo/odoo/addons/web/__init__.py",
        "/home/dev/odoo/addons/sale/__init__.py",
    )
    assert foreign_addons(own) == []


def test_addons_paths_name_the_module_and_vendored_code_is_not_an_addon():
    from logsleuth.analysis.tracebacks import Frame, classify

    paths = ["/srv/custom_addons/repo1", "/usr/lib/python3/dist-packages/odoo/addons"]
    f = Frame("/srv/custom_addons/repo1/my_module/models/x.py", 1, "f")
    classify(f, paths)
    assert (f.kind, f.module) == ("addon", "my_module")
    v = Frame("/srv/custom_addons/repo1/my_module/pylib/fastlib/core.py", 1, "f")
    classify(v, paths)
    assert (v.kind, v.module) == ("third-party", "fastlib")


def test_culprit_is_never_empty_when_the_import_chain_shows_an_addon():
    from logsleuth.analysis.tracebacks import parse_traceback

    lines = [
        "Traceback (most recent call last):",
        '  File "/opt/odoo/odoo/modules/module.py", line 385, in load_openerp_module',
        "    __import__('odoo.addons.' + module_name)",
        '  File "/opt/odoo/addons/web/__init__.py", line 4, in <module>',
        "    from . import controllers",
        '  File "/opt/odoo/addons/web/controllers/main.py", line 12, in <module>',
        "    from odoo.tools import crop_image",
        "ImportError: cannot import name 'crop_image'",
    ]
    tb = parse_traceback(lines, 1)
    culprit = tb.culprit()
    assert culprit is not None and culprit.file.endswith("web/controllers/main.py") and culprit.line == 12


def test_an_ir_http_dispatch_override_on_the_request_path_is_not_the_culprit():
    """website's ``ir.http._dispatch`` wraps every request of its database: a websocket opened on an
    HTTP worker fails in ``bus``, not in website."""
    tb = parse_traceback(
        [
            "Traceback (most recent call last):",
            '  File "/root/odoo/addons/bus/websocket.py", line 818, in open_connection',
            "    socket = request.httprequest._HTTPRequest__environ['socket']",
            "KeyError: 'socket'",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            '  File "/root/odoo/odoo/http.py", line 1773, in dispatch',
            "    return self.request.registry['ir.http']._dispatch(endpoint)",
            '  File "/root/odoo/addons/website/models/ir_http.py", line 237, in _dispatch',
            "    response = super()._dispatch(endpoint)",
            '  File "/root/odoo/odoo/addons/base/models/ir_http.py", line 154, in _dispatch',
            "    result = endpoint(**request.params)",
            '  File "/root/odoo/addons/bus/websocket.py", line 830, in open_connection',
            "    raise RuntimeError(",
            "RuntimeError: Couldn't bind the websocket. Is the connection opened on the evented port (8072)?",
        ]
    )
    assert tb.culprit() is None and tb.raising_addon() == "bus"
    raising = parse_traceback(
        [
            "Traceback (most recent call last):",
            '  File "/root/odoo/odoo/http.py", line 1773, in dispatch',
            "    return self.request.registry['ir.http']._dispatch(endpoint)",
            '  File "/srv/custom_addons/my_gate/models/ir_http.py", line 12, in _dispatch',
            '    raise UserError("closed")',
            "odoo.exceptions.UserError: closed",
        ]
    )
    assert raising.culprit().module == "my_gate"
