"""Claims that must rest on lines, each kind shown on a real log of tests/corpus or a faithful
reproduction: tracebacks of INFO/WARNING records, the lazy registry build of Odoo 17/18, the
legend of the HTML timeline, ranking by context."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import SAMPLES, records_of, run_cli, write_log

CORPUS = Path(__file__).parent / "corpus" / "real"


def analyze(path: str, capsys, *extra: str) -> dict:
    code, out, err = run_cli(["analyze", path, "--format", "json", *extra], capsys)
    assert code == 0 and err == "", err
    return json.loads(out)


def test_info_record_with_exc_info_keeps_its_traceback():
    text = (
        "2024-01-01 10:00:00,000 7 INFO db odoo.addons.base.models.ir_attachment: _read_file reading /x/filestore/db/d0/d0\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3/dist-packages/odoo/addons/base/models/ir_attachment.py", line 110, in _file_read\n'
        "    with open(full_path, 'rb') as f:\n"
        "FileNotFoundError: [Errno 2] No such file or directory: '/x/filestore/db/d0/d0'\n"
        '2024-01-01 10:00:01,000 7 INFO db werkzeug: 1.2.3.4 - - [x] "GET /web HTTP/1.1" 200 - 3 0.01 0.02\n'
    )
    recs = records_of(text)
    assert [(r.kind, r.level, r.first_line, r.last_line) for r in recs] == [
        ("record", "INFO", 1, 5),
        ("record", "INFO", 6, 6),
    ]
    assert recs[0].has_traceback


def test_info_tracebacks_of_a_real_log_are_not_console_output_nor_ci_errors(capsys):
    log = str(CORPUS / "mcafodoo__odoomoto__logs_odoo.log")
    d = analyze(log, capsys)
    assert not [f for f in d["findings"] if f["kind"] == "unclassified-console-traceback"]
    code, out, _ = run_cli(["ci", log, "--allow-no-tests"], capsys)
    errors = sum(
        1
        for line in Path(log).read_text(errors="replace").splitlines()
        if re.match(r"\S+ \S+ \d+ (ERROR|CRITICAL) ", line)
    )
    assert f"{errors} log record(s) at ERROR or above" in out


def test_lazy_registry_traceback_explains_the_module_failure_and_the_db_keyerror_is_not_a_failure(capsys):
    d = analyze(str(SAMPLES / "seed_ai_brain_odoo18.log"), capsys)
    (f,) = [f for f in d["findings"] if f["kind"] == "module-load-failure"]
    assert f["explained_by_line"] is not None and f["exception"]["type"] == "RuntimeError"
    assert not [
        g
        for g in d["findings"]
        if (g["exception"] or {}).get("type") == "KeyError" and (g["exception"] or {}).get("message") == "'ai_sam_db'"
    ]


def test_html_legend_names_only_the_end_reasons_drawn(tmp_path, capsys):
    code, out, _ = run_cli(
        ["analyze", str(CORPUS / "jacobsims214__odoo-gsm__log_odoo-server.log"), "--format", "html"], capsys
    )
    assert code == 0
    legend = out[out.index('<p class="legend">') :].split("</p>", 1)[0]
    assert "crash" not in legend and "forced" not in legend
    log = write_log(
        tmp_path,
        (
            "2025-01-01 10:00:00,000 10 INFO ? odoo: Odoo version 17.0 \n"
            "2025-01-01 10:00:01,000 10 INFO ? odoo.service.server: HTTP service (werkzeug) running on 0.0.0.0:8069 \n"
            "Segmentation fault (core dumped)\n"
            "2025-01-01 11:00:00,000 11 INFO ? odoo: Odoo version 17.0 \n"
        ),
    )
    code, out, _ = run_cli(["analyze", log, "--format", "html"], capsys)
    legend = out[out.index('<p class="legend">') :].split("</p>", 1)[0]
    assert "ended by a crash" in legend and "forced" not in legend


def test_scanner_junk_is_noise_and_the_backup_cron_is_first(capsys):
    import pytest

    from helpers import CORPUS_REAL

    log = CORPUS_REAL / "Metallerie__odoo16_metal__odoo-server.log"
    if not log.exists():
        pytest.skip("../shared/corpus/real is not beside the checkout")
    d = analyze(str(log), capsys)
    first = d["root_causes"][0]
    assert "auto_backup" in first["title"] and first["context"] is None
    noise = [rc for rc in d["root_causes"] if rc["context"] == "noise"]
    assert noise and all(d["root_causes"].index(rc) > 0 for rc in noise)
    assert "First because" in d["verdict"]


def test_a_data_file_under_a_folder_with_spaces_names_its_addon(tmp_path, capsys):
    """macOS and Windows paths hold spaces (`KeDA Tech Test`): the ParseError's file still names the
    addon being installed, not the framework addon whose code raised (base)."""
    root = "/Users/me/Desktop/KeDA Tech Test/odoo"
    text = (
        f"2025-07-10 10:32:40,073 15 INFO ? odoo: Odoo version 18.0 \n"
        f"2025-07-10 10:32:40,077 15 INFO ? odoo: addons paths: ['{root}/odoo/addons', '{root}/custom-addons'] \n"
        "2025-07-10 10:32:59,652 15 ERROR db odoo.http: Exception during request handling. \n"
        "Traceback (most recent call last):\n"
        f'  File "{root}/odoo/addons/base/models/ir_module.py", line 604, in _button_immediate_function\n'
        "    registry = modules.registry.Registry.new(self._cr.dbname, update_module=True)\n"
        f'  File "{root}/odoo/tools/convert.py", line 557, in _tag_root\n'
        "    raise ParseError('while parsing %s:%s, somewhere inside\\n%s' % (\n"
        f"odoo.tools.convert.ParseError: while parsing {root}/custom-addons/material_registration/views/mr_views.xml:2, somewhere inside\n"
        '<record id="view_mr_tree" model="ir.ui.view">\n'
    )
    d = analyze(write_log(tmp_path, text), capsys)
    assert {f["module"] for f in d["findings"]} == {"material_registration"}


def test_modules_not_loaded_follows_from_the_line_that_says_why(tmp_path, capsys):
    """`Some modules are not loaded` says neither why nor that the code is missing: when the same
    process said just before that the module's dependencies are unmet, that is the first thing to fix."""
    text = (
        "2024-11-13 20:58:32,900 1 INFO ? odoo: Odoo version 18.0 \n"
        "2024-11-13 20:59:16,282 1 INFO db odoo.modules.graph: module agenda: Unmet dependencies: contacts, calendar \n"
        "2024-11-13 20:59:16,983 1 ERROR db odoo.modules.loading: Some modules are not loaded, some dependencies or manifest may be missing: ['agenda'] \n"
    )
    d = analyze(write_log(tmp_path, text), capsys)
    first = d["root_causes"][0]
    assert 2 in first["evidence_lines"] and 3 in first["evidence_lines"]
    assert [f["linked_to"] is not None for f in d["findings"] if f["line"] == 3] == [True]
    alone = analyze(write_log(tmp_path, text.replace(text.splitlines(True)[1], ""), "alone.log"), capsys)
    assert alone["root_causes"][0]["evidence_lines"] == [2] and alone["root_causes"][0]["severity"] == "high"


def test_a_base_logger_names_no_culprit(tmp_path, capsys):
    """``ir.model`` logs for every module: a missing model's module is not known from the line."""
    log = write_log(
        tmp_path,
        (
            "2024-01-01 10:00:00,000 7 INFO db odoo.modules.loading: 40 modules loaded in 1.20s, 0 queries\n"
            "2024-01-01 10:00:01,000 7 ERROR db odoo.addons.base.models.ir_model: Missing model dms.dealer \n"
            "2024-01-01 10:00:02,000 7 ERROR db odoo.addons.sale_custom.models.order: Sync failed\n"
        ),
    )
    modules = {f["title"]: f["module"] for f in analyze(log, capsys)["findings"]}
    assert modules["Model registered in the database has no code"] is None
    assert "sale_custom" in modules.values()


def test_a_low_finding_is_seen_not_failing_in_the_last_process():
    from logsleuth.report.narrative import standing

    assert "still failing in the last process" in standing("high", 1, True, 1, None)
    low = standing("low", 1, True, 1, None)
    assert "seen in the last process" in low and "failing" not in low
