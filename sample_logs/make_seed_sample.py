"""Writes seed_ai_brain_odoo18.log: the incident of ../shared/seed rebuilt at the line numbers it cites."""

import random

random.seed(7)
L = []


def rec(ts, pid, level, db, logger, msg, trailing=" "):
    L.append(f"2025-10-18 {ts} {pid} {level} {db} {logger}: {msg}{trailing}")


def wz(ts, pid, db, method, path, status, perf):
    hh = ts.split(",")[0]
    L.append(
        f'2025-10-18 {ts} {pid} INFO {db} werkzeug: 127.0.0.1 - - [18/Oct/2025 {hh}] "{method} {path} HTTP/1.1" {status} - {perf}'
    )


ADDONS = r"['C:\\Program Files\\Odoo 18\\server\\odoo\\addons', 'c:\\users\\sam\\appdata\\local\\openerp s.a\\odoo\\addons\\18.0', 'c:\\working with ai\\ai_sam\\ai_sam']"


def banner(ts, pid):
    rec(ts, pid, "INFO", "?", "odoo", "Odoo version 18.0")
    rec(ts, pid, "INFO", "?", "odoo", r"Using configuration file at C:\Program Files\Odoo 18\server\odoo.conf")
    rec(ts, pid, "INFO", "?", "odoo", "addons paths: " + ADDONS)
    rec(ts, pid, "INFO", "?", "odoo", "database: openpg@localhost:5432")


P1 = 60412
banner("03:02:11,204", P1)
rec(
    "03:02:11,398",
    P1,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltopdf binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltopdf.exe",
)
rec(
    "03:02:11,399",
    P1,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltoimage binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltoimage.exe",
)
rec("03:02:11,712", P1, "INFO", "?", "odoo.service.server", "HTTP service (werkzeug) running on DESKTOP-SAM:8069")
rec("03:02:13,020", P1, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 1 modules...")
rec("03:02:13,031", P1, "INFO", "ai_sam_db", "odoo.modules.loading", "1 modules loaded in 0.01s, 0 queries (+0 extra)")
rec("03:02:13,090", P1, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 67 modules...")
rec("03:02:14,410", P1, "INFO", "ai_sam_db", "odoo.modules.loading", "67 modules loaded in 1.32s, 0 queries (+0 extra)")
rec("03:02:14,802", P1, "INFO", "ai_sam_db", "odoo.modules.loading", "Modules loaded.")
rec("03:02:14,811", P1, "INFO", "ai_sam_db", "odoo.modules.registry", "Registry loaded in 1.802s")
rec(
    "03:02:14,950",
    P1,
    "INFO",
    "ai_sam_db",
    "odoo.addons.ai_brain.models.ai_service",
    "[AI Service] Anthropic SDK loaded successfully (anthropic 0.71.0)",
)
paths = [
    ("POST", "/web/webclient/version_info", "200", "2 0.001 0.004"),
    ("GET", "/web", "200", "41 0.031 0.120"),
    ("POST", "/web/action/load", "200", "8 0.004 0.018"),
    ("POST", "/web/dataset/call_kw/res.partner/web_search_read", "200", "12 0.009 0.041"),
    ("POST", "/mail/data", "200", "23 0.015 0.052"),
    ("GET", "/web/image/res.users/2/avatar_128", "304", "5 0.002 0.010"),
    ("POST", "/web/dataset/call_kw/discuss.channel/channel_fetch_preview", "200", "9 0.006 0.021"),
    ("GET", "/websocket?version=18.0-3", "101", "2 0.001 0.006"),
]
sec = 20
while len(L) < 169:
    n = len(L) + 1
    sec += random.randint(1, 9)
    m, s = divmod(sec, 60)
    ts = f"03:{2 + m:02d}:{s:02d},{random.randint(0, 999):03d}"
    if n == 126:
        wz(ts, P1, "ai_sam_db", "POST", "/sam_ai/chat/stream", "200", "31 0.044 2.315")
    elif n == 125:
        rec(
            ts,
            P1,
            "INFO",
            "ai_sam_db",
            "odoo.addons.ai_sam.controllers.sam_ai_chat_controller",
            "Chat stream started for conversation 418 (claude-sonnet-4-5)",
        )
    elif n % 37 == 0:
        rec(
            ts,
            P1,
            "INFO",
            "ai_sam_db",
            "odoo.addons.base.models.ir_cron",
            "Job 'Mail: Email Queue Manager' (4) starting",
        )
    elif n % 37 == 1 and n > 1:
        rec(
            ts,
            P1,
            "INFO",
            "ai_sam_db",
            "odoo.addons.base.models.ir_cron",
            "Job 'Mail: Email Queue Manager' (4) fully done (#loop 1; done 0; remaining 0; duration 0.03s)",
        )
    else:
        m_, p_, st, perf = random.choice(paths)
        wz(ts, P1, "ai_sam_db", m_, p_, st, perf)
assert len(L) == 169
# 170-172: first restart
rec("03:24:03,444", P1, "INFO", "ai_sam_db", "odoo.service.server", "Initiating shutdown")
rec(
    "03:24:03,445",
    P1,
    "INFO",
    "ai_sam_db",
    "odoo.service.server",
    "Hit CTRL-C again or send a second signal to force the shutdown.",
)
rec(
    "03:24:04,512",
    P1,
    "INFO",
    "ai_sam_db",
    "odoo.sql_db",
    "ConnectionPool(read/write;used=0/count=0/max=64): Closed 5 connections ",
)
P2 = 68764
banner("03:24:05,854", P2)  # 173-176
rec(
    "03:24:06,051",
    P2,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltopdf binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltopdf.exe",
)
rec(
    "03:24:06,052",
    P2,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltoimage binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltoimage.exe",
)
rec(
    "03:24:06,380", P2, "INFO", "?", "odoo.service.server", "HTTP service (werkzeug) running on DESKTOP-SAM:8069"
)  # 179
wz("03:24:07,015", P2, "?", "POST", "/web/webclient/version_info", "200", "- - -")  # 180
wz("03:24:07,420", P2, "?", "GET", "/web/login", "200", "- - -")  # 181
rec("03:24:08,102", P2, "INFO", "?", "odoo.addons.base.models.ir_http", "Generating routing map for key None")  # 182
assert len(L) == 182
rec("03:24:08,674", P2, "INFO", "?", "odoo.service.server", "Initiating shutdown")  # 183
rec(
    "03:24:08,675",
    P2,
    "INFO",
    "?",
    "odoo.service.server",
    "Hit CTRL-C again or send a second signal to force the shutdown.",
)  # 184
wz("03:24:08,912", P2, "?", "POST", "/web/webclient/version_info", "200", "- - -")  # 185
rec(
    "03:24:09,746",
    P2,
    "INFO",
    "?",
    "odoo.sql_db",
    "ConnectionPool(read/write;used=0/count=0/max=64): Closed 2 connections ",
)  # 186
wz("03:24:09,812", P2, "?", "GET", "/web/webclient/load_menus", "303", "- - -")  # 187
wz("03:24:09,845", P2, "?", "GET", "/websocket?version=18.0-3", "101", "- - -")  # 188
for i, (ts, path, st) in enumerate(
    [
        ("03:24:09,902", "/web/static/lib/luxon/luxon.js", "200"),
        ("03:24:09,907", "/web/assets/1/web.assets_web.min.css", "200"),
        ("03:24:09,913", "/web/assets/1/web.assets_web.min.js", "200"),
        ("03:24:09,951", "/web/static/img/favicon.ico", "200"),
        ("03:24:10,004", "/web/login", "200"),
        ("03:24:10,120", "/web/webclient/version_info", "200"),
        ("03:24:10,133", "/web/static/src/libs/fontawesome/fonts/fontawesome-webfont.woff2", "200"),
        ("03:24:10,208", "/web/image/website/1/favicon", "200"),
        ("03:24:10,260", "/websocket?version=18.0-3", "101"),
    ]
):
    wz(ts, P2, "?", "POST" if "version_info" in path else "GET", path, st, "- - -")  # 189-197
assert len(L) == 197
P3 = 77812
banner("03:24:12,735", P3)  # 198-201
rec(
    "03:24:12,930",
    P3,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltopdf binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltopdf.exe",
)
rec(
    "03:24:12,931",
    P3,
    "INFO",
    "?",
    "odoo.addons.base.models.ir_actions_report",
    r"Will use the Wkhtmltoimage binary at C:\Program Files\Odoo 18\thirdparty\wkhtmltoimage.exe",
)
rec(
    "03:24:13,244", P3, "INFO", "?", "odoo.service.server", "HTTP service (werkzeug) running on DESKTOP-SAM:8069"
)  # 204
rec("03:24:13,501", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 1 modules...")
rec("03:24:13,512", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "1 modules loaded in 0.01s, 0 queries (+0 extra)")
rec("03:24:13,580", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 68 modules...")
wz("03:24:13,611", P3, "?", "GET", "/web/static/src/libs/fontawesome/css/font-awesome.css", "200", "- - -")
wz("03:24:14,002", P3, "?", "GET", "/web/static/img/favicon.ico", "200", "- - -")
wz("03:24:15,377", P3, "?", "GET", "/web/static/lib/luxon/luxon.js", "200", "- - -")
assert len(L) == 210
W = r"C:\Program Files\Odoo 18"
A = r"c:\working with ai\ai_sam\ai_sam"


def failure(ts, db="ai_sam_db"):
    rec(ts, P3, "CRITICAL", db, "odoo.modules.module", "Couldn't load module ai_brain")
    rec(ts, P3, "WARNING", db, "odoo.modules.loading", "Transient module states were reset")
    rec(ts, P3, "ERROR", db, "odoo.modules.registry", "Failed to load registry")
    ts2 = ts[:-3] + f"{int(ts[-3:]) + 9:03d}"
    rec(ts2, P3, "ERROR", db, "odoo.http", "Exception during request handling.")
    F = lambda path, line, fn, code, carets=None: (
        L.append(f'  File "{path}", line {line}, in {fn}'),
        L.append(f"    {code}"),
        carets and L.append("    " + carets),
    )
    L.append("Traceback (most recent call last):")
    F(
        W + r"\server\odoo\modules\registry.py",
        106,
        "__new__",
        "return cls.registries[db_name]",
        "~~~~~~~~~~~~~~^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\tools\func.py",
        97,
        "locked",
        "return func(inst, *args, **kwargs)",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(W + r"\server\odoo\tools\lru.py", 33, "__getitem__", "a = self.d[obj]", "~~~~~~^^^^^")
    L.append("KeyError: 'ai_sam_db'")
    L.append("")
    L.append("During handling of the above exception, another exception occurred:")
    L.append("")
    L.append("Traceback (most recent call last):")
    F(W + r"\server\odoo\http.py", 2577, "__call__", "response = request._serve_db()", "^^^^^^^^^^^^^^^^^^^")
    F(
        W + r"\server\odoo\http.py",
        2081,
        "_serve_db",
        "self.registry, cr_readwrite = self._open_registry()",
        "^^^^^^^^^^^^^^^^^^^^^",
    )
    F(W + r"\server\odoo\http.py", 1690, "_open_registry", "registry = Registry(self.db)", "^^^^^^^^^^^^^^^^^")
    F(W + r"\server\odoo\modules\registry.py", 108, "__new__", "return cls.new(db_name)", "^^^^^^^^^^^^^^^^")
    F(
        W + r"\python\Lib\site-packages\decorator.py",
        232,
        "fun",
        "return caller(func, *(extras + args), **kw)",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\tools\func.py",
        97,
        "locked",
        "return func(inst, *args, **kwargs)",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\modules\registry.py",
        129,
        "new",
        "odoo.modules.load_modules(registry, force_demo, status, update_module)",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\modules\loading.py",
        485,
        "load_modules",
        "processed_modules += load_marked_modules(env, graph,",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\modules\loading.py",
        365,
        "load_marked_modules",
        "loaded, processed = load_module_graph(",
        "^^^^^^^^^^^^^^^^^^",
    )
    F(
        W + r"\server\odoo\modules\loading.py",
        186,
        "load_module_graph",
        "load_openerp_module(package.name)",
        "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    )
    F(W + r"\server\odoo\modules\module.py", 384, "load_openerp_module", "__import__(qualname)", "^^^^^^^^^^^^^^^^^^^^")
    assert len(L) in (262, 365), len(L)
    F(A + r"\ai_brain\__init__.py", 6, "<module>", "from . import models")
    F(
        A + r"\ai_brain\models\__init__.py",
        109,
        "<module>",
        "from . import ai_vector_service         # Vector database service (ChromaDB)",
    )
    F(
        A + r"\ai_brain\models\ai_vector_service.py",
        4,
        "<module>",
        "from sentence_transformers import SentenceTransformer",
    )
    S = W + r"\python\Lib\site-packages"
    F(S + r"\sentence_transformers\__init__.py", 10, "<module>", "from sentence_transformers.backend import (")
    F(
        S + r"\sentence_transformers\backend\__init__.py",
        3,
        "<module>",
        "from .load import load_onnx_model, load_openvino_model",
    )
    F(
        S + r"\sentence_transformers\backend\load.py",
        7,
        "<module>",
        "from transformers.configuration_utils import PretrainedConfig",
    )
    F(
        S + r"\transformers\configuration_utils.py",
        29,
        "<module>",
        "from .modeling_gguf_pytorch_utils import load_gguf_checkpoint",
    )
    F(S + r"\transformers\modeling_gguf_pytorch_utils.py", 22, "<module>", "from .integrations import (")
    F(S + r"\transformers\integrations\__init__.py", 21, "<module>", "from .sklearn import *")
    F(
        S + r"\sentence_transformers\evaluation\__init__.py",
        3,
        "<module>",
        "from .BinaryClassificationEvaluator import BinaryClassificationEvaluator",
    )
    F(
        S + r"\sentence_transformers\evaluation\BinaryClassificationEvaluator.py",
        10,
        "<module>",
        "from sklearn.metrics import average_precision_score, matthews_corrcoef",
    )
    F(S + r"\sklearn\__init__.py", 73, "<module>", "from .base import clone  # noqa: E402")
    F(
        S + r"\sklearn\base.py",
        19,
        "<module>",
        "from .utils._estimator_html_repr import _HTMLDocumentationLinkMixin, estimator_html_repr",
    )
    F(S + r"\sklearn\utils\__init__.py", 9, "<module>", "from ._joblib import *")
    F(S + r"\sklearn\utils\_joblib.py", 7, "<module>", "import joblib")
    F(S + r"\joblib\__init__.py", 129, "<module>", "from .parallel import Parallel")
    F(S + r"\joblib\parallel.py", 31, "<module>", "from ._parallel_backends import (")
    F(S + r"\joblib\_parallel_backends.py", 14, "<module>", "from .pool import MemmappingPool")
    F(S + r"\joblib\pool.py", 31, "<module>", "from ._memmapping_reducer import get_memmapping_reducers")
    F(
        S + r"\joblib\externals\loky\__init__.py",
        18,
        "<module>",
        "from concurrent.futures import ProcessPoolExecutor as _ProcessPoolExecutor",
    )
    F(
        W + r"\python\Lib\concurrent\futures\__init__.py",
        44,
        "__getattr__",
        "from .process import ProcessPoolExecutor as pe",
    )
    F(W + r"\python\Lib\concurrent\futures\process.py", 108, "<module>", "threading._register_atexit(_python_exit)")
    F(
        W + r"\python\Lib\threading.py",
        1559,
        "_register_atexit",
        'raise RuntimeError("can\'t register atexit after shutdown")',
    )
    L.append("RuntimeError: can't register atexit after shutdown")


failure("03:24:17,943")  # 211
assert len(L) == 309, len(L)
wz("03:24:17,958", P3, "ai_sam_db", "POST", "/sam_ai/chat/stream", "500", "3 0.002 4.412")  # 310
rec("03:24:21,301", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 1 modules...")
rec("03:24:21,310", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "1 modules loaded in 0.01s, 0 queries (+0 extra)")
rec("03:24:21,366", P3, "INFO", "ai_sam_db", "odoo.modules.loading", "loading 68 modules...")
failure("03:24:21,402")  # 314
wz("03:24:21,420", P3, "ai_sam_db", "POST", "/sam_ai/chat/stream", "500", "3 0.002 0.121")
rec(
    "03:24:21,436",
    P3,
    "ERROR",
    "ai_sam_db",
    "odoo.addons.ai_sam.controllers.sam_ai_chat_controller",
    "Chat stream failed: Anthropic SDK not available. Please install: pip install anthropic",
)
wz("03:24:29,880", P3, "?", "GET", "/web/static/img/favicon.ico", "200", "- - -")
rec(
    "03:24:34,120",
    P3,
    "ERROR",
    "ai_sam_db",
    "odoo.addons.ai_sam.controllers.sam_ai_chat_controller",
    "Chat stream failed: Anthropic SDK not available. Please install: pip install anthropic",
)
wz("03:24:34,131", P3, "ai_sam_db", "POST", "/sam_ai/chat/stream", "500", "3 0.002 0.098")
open(__import__("pathlib").Path(__file__).with_name("seed_ai_brain_odoo18.log"), "w", newline="\n").write(
    "\n".join(L) + "\n"
)
print(len(L))
