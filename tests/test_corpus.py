"""Every real and generated log in ../shared/corpus, through every command; and what a person
reading those files concludes, checked against the report."""

from __future__ import annotations

import json
import re

import pytest

from helpers import CORPUS_GENERATED, CORPUS_REAL, needs_shared, run_cli

pytestmark = needs_shared

ALL = sorted(CORPUS_REAL.glob("*.log")) + sorted(CORPUS_GENERATED.glob("*.log")) if CORPUS_REAL.is_dir() else []
BANNER = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (\d+) INFO \S+ odoo: Odoo version ")


run = run_cli


_cache: dict[str, dict] = {}


def report(path, capsys) -> dict:
    key = str(path)
    if key not in _cache:
        code, out, err = run(["analyze", key, "--format", "json"], capsys)
        assert code == 0 and err == ""
        _cache[key] = json.loads(out)
    return _cache[key]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_command_and_format_runs_clean(path, capsys):
    for args in (
        ["lifetimes", str(path)],
        ["lifetimes", str(path), "-f", "json"],
        ["analyze", str(path), "-f", "markdown"],
        ["analyze", str(path), "-f", "text"],
        ["ci", str(path)],
    ):
        code, out, err = run(args, capsys)
        assert code in (0, 1), args
        assert err == "", (args, err)
        assert out
    data = report(path, capsys)
    assert data["schema"] == 1 and data["summary"]["lines"] == sum(1 for _ in path.open("rb"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_lifetimes_agree_with_the_banners(path, capsys):
    lts = report(path, capsys)["lifetimes"]
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        m = BANNER.match(line)
        if not m:
            continue
        pid = int(m.group(2))
        owner = [
            lt
            for lt in lts
            if lt["start_line"] <= number <= lt["end_line"] and (lt["pid"] == pid or pid in lt["gevent_pids"])
        ]
        assert owner, f"banner of PID {pid} at line {number} has no lifetime"
        if owner[0]["pid"] == pid:
            assert owner[0]["version"] is not None and owner[0]["started_by_banner"]
    indexes = [lt["index"] for lt in lts]
    assert indexes == list(range(1, len(lts) + 1))


def G(name):
    return CORPUS_GENERATED / name


def kinds(data, kind):
    return [f for f in data["findings"] if f["kind"] == kind]


def test_generated_clean(capsys):
    d = report(G("clean.log"), capsys)
    (lt,) = d["lifetimes"]
    assert (lt["pid"], lt["end_reason"], lt["requests"]) == (13457, "shutdown", 8)
    assert not d["shutdown_window_requests"]
    assert all(rc["severity"] in ("low", "info") for rc in d["root_causes"])


def test_generated_init_db(capsys):
    d = report(G("init_db.log"), capsys)
    assert [lt["end_reason"] for lt in d["lifetimes"]] == ["stop-after-init"]
    assert d["summary"]["errors"] == d["summary"]["warnings"] == 0


def test_generated_module_import_failure(capsys):
    d = report(G("module_import_failure.log"), capsys)
    assert [(lt["pid"], lt["end_reason"]) for lt in d["lifetimes"]] == [(13524, "shutdown")]
    (f,) = kinds(d, "module-load-failure")
    assert f["module"] == "ai_brain" and len(f["occurrences"]) == 6
    assert f["exception"]["type"] == "ModuleNotFoundError" and "sentence_transformers" in f["exception"]["message"]
    assert f["culprit"]["file"].endswith("ai_brain/models/embeddings.py") and f["culprit"]["line"] == 3
    (dep,) = kinds(d, "missing-python-dependency")
    assert dep["values"]["package"] == "sentence_transformers"
    rc = next(r for r in d["root_causes"] if dep["id"] in r["finding_ids"])
    assert "pip install sentence-transformers" in rc["fix"]
    assert any("answered 5 request(s) with HTTP 5xx" in n["text"] for n in d["notes"])


def test_generated_module_import_failure_atexit_is_not_a_shutdown(capsys):
    d = report(G("module_import_failure_atexit.log"), capsys)
    (f,) = kinds(d, "module-load-failure")
    assert f["exception"]["type"] == "RuntimeError" and f["culprit"]["file"].endswith("vector_pool.py")
    assert len(f["occurrences"]) == 6 and not f["in_shutdown_window"]
    assert not kinds(d, "missing-python-dependency")
    assert any(n["kind"] == "contradiction" and "13628" in n["text"] for n in d["notes"])


def test_generated_shutdown_window(capsys):
    d = report(G("shutdown_window.log"), capsys)
    assert [(lt["pid"], lt["end_reason"]) for lt in d["lifetimes"]] == [
        (13989, "shutdown"),
        (14258, "shutdown"),
        (14295, "forced"),
    ]
    reqs = [(r["pid"], r["path"], r["status"]) for r in d["shutdown_window_requests"]]
    assert reqs == [(13989, "/forensic/slow?secs=3", 500), (13989, "/forensic/slow?secs=6", 500)]
    crashes = kinds(d, "thread-crash")
    assert sum(f["count"] for f in crashes) == 2 and all(f["in_shutdown_window"] for f in crashes)
    (http,) = kinds(d, "http-request-exception")
    assert http["in_shutdown_window"] and http["exception"]["message"] == "cursor already closed" and http["count"] == 2
    assert not [f for f in d["findings"] if f["lifetime"] == 2]
    assert kinds(d, "forced-shutdown")[0]["lifetime"] == 3


def test_generated_prefork(capsys):
    d = report(G("prefork.log"), capsys)
    (lt,) = d["lifetimes"]
    assert lt["pid"] == 27314 and lt["gevent_pids"] == [27328] and lt["worker_count"] == 11
    assert {27425, 27330, 27448, 27452} <= set(lt["worker_pids"])
    assert {(k["pid"], k["line"]) for k in lt["killed_workers"]} == {(27330, 82), (27425, 84)}
    assert lt["requests"] == 35 and lt["end_reason"] == "shutdown"
    assert {f["values"]["worker"] for f in kinds(d, "worker-timeout")} == {"WorkerHTTP", "WorkerCron"}


def test_generated_xml_view_error(capsys):
    d = report(G("xml_view_parse_error.log"), capsys)
    (f,) = kinds(d, "xml-view-error")
    assert f["values"]["file"].endswith("broken_view/views/res_partner_views.xml") and f["values"]["xml_line"] == "3"
    assert (
        "loyalty_tier" in f["exception"]["message"]
        and f["values"]["detail"] == 'Field "loyalty_tier" does not exist in model "res.partner"'
    )
    assert d["lifetimes"][0]["end_reason"] == "stop-after-init"


def test_generated_missing_dependency(capsys):
    d = report(G("missing_dependency.log"), capsys)
    (f,) = kinds(d, "missing-module-dependency")
    assert (f["values"]["module"], f["values"]["dependency"]) == ("missing_dep", "sale_ai_connector")
    assert d["root_causes"][0]["finding_ids"] == [f["id"]]


def test_generated_wrong_db_is_not_an_error_but_is_said(capsys):
    d = report(G("wrong_db.log"), capsys)
    assert d["summary"]["errors"] == 0
    assert "odoo_prod" in d["verdict"] and "created" in d["verdict"]


def test_generated_testrun(capsys):
    t = report(G("testrun.log"), capsys)["tests"]
    assert (t["total"], t["passed"], t["failed"], t["errors"]) == (3, 1, 1, 1)


R = lambda name: next(CORPUS_REAL.glob(name + "*"))  # noqa: E731


# What a person reading each real file sees, checked: module, exception, culprit.
def test_real_web_module_missing_twice_across_restarts(capsys):
    d = report(R("NHBKhang"), capsys)
    (f,) = kinds(d, "module-load-failure")
    assert f["module"] == "web" and f["occurrences"] == [7, 27] and f["recurring_across_restarts"]
    assert f["exception"]["message"] == "No module named 'odoo.addons.web'"


def test_real_odoo_db_missing_after_create_denied(capsys):
    d = report(R("odoo__odoo"), capsys)
    assert kinds(d, "database-missing")[0]["values"]["db"] == "odoo_db"
    assert kinds(d, "database-create-denied")[0]["line"] == 5
    assert len(kinds(d, "module-load-failure")[0]["occurrences"]) == 3


def test_real_windows_addons_path_missing(capsys):
    d = report(R("HuseynliIlqar"), capsys)
    (f,) = kinds(d, "addons-path-missing")
    assert f["values"]["path"].endswith("custom_addons") and f["occurrences"] == [10, 30]


def test_real_ir_http_keyerror_follows_missing_database(capsys):
    d = report(R("kareem-dev-del"), capsys)
    (db,) = kinds(d, "database-missing")
    (model,) = kinds(d, "missing-model")
    assert model["values"]["model"] == "ir.http" and model["linked_to"] == db["id"]


def test_real_cron_backup_permission_error_culprit(capsys):
    d = report(R("Metallerie__odoo16"), capsys)
    (f,) = kinds(d, "cron-failure")
    assert f["values"]["job"] == "Backup scheduler" and f["module"] == "auto_backup"
    assert f["culprit"]["file"].endswith("auto_backup/models/db_backup.py") and f["culprit"]["line"] == 123
    assert kinds(d, "missing-model-definition")[0]["values"]["model"] == "supplier.ocr.config"


def test_real_xml_view_error_in_custom_addon(capsys):
    d = report(R("Metallerie__odoo18"), capsys)
    (f,) = kinds(d, "xml-view-error")
    assert (
        "mindee_ai/views/account_move.xml" in f["values"]["file"]
        and f["exception"]["type"] == "odoo.tools.convert.ParseError"
    )


def test_real_database_not_initialised(capsys):
    d = report(R("LucasLei"), capsys)
    assert kinds(d, "database-missing")[0]["values"]["db"] == "odoo13"
    assert any(
        f["values"].get("pg_error") == 'relation "ir_module_module" does not exist' for f in kinds(d, "bad-query")
    )


def test_real_postgres_refused_and_localised_collation_error(capsys):
    d = report(R("DennisPalacios503"), capsys)
    reasons = {
        (f["values"]["port"], f["values"]["reason"])
        for f in kinds(d, "database-connection-failure")
        if "port" in f["values"]
    }
    assert any(r[0] == "5433" and "ordenamientos" in r[1] for r in reasons)
    # nothing listening is its own signature (transient when the process goes on working)
    (refused,) = kinds(d, "database-unreachable")
    assert (refused["values"]["port"], refused["values"]["reason"]) == ("5432", "Connection refused")


@pytest.mark.parametrize("name", ["chat2004", "dipodaimary"])
def test_real_peer_authentication_failed(name, capsys):
    d = report(R(name), capsys)
    (f,) = kinds(d, "database-connection-failure")
    assert f["values"]["reason"] == 'Peer authentication failed for user "odoo"'
    assert all(h["linked_to"] == f["id"] for h in kinds(d, "http-request-exception"))


def test_real_password_authentication_failed(capsys):
    d = report(R("smolporgamer"), capsys)
    assert any(
        'password authentication failed for user "odoo_dev"' in f["values"]["reason"]
        for f in kinds(d, "database-connection-failure")
    )


def test_real_not_installable_modules(capsys):
    d = report(R("agcopley"), capsys)
    assert {"mass_editing", "report_xlsx"} <= {f["module"] for f in kinds(d, "module-not-installable")}


def test_real_custom_exception_culprit(capsys):
    d = report(R("AbdelrehmanElhaj"), capsys)
    f = d["findings"][0]
    assert f["module"] == "l10n_sa_ejar" and f["exception"]["type"].endswith("EjarForbiddenError")
    assert f["culprit"]["file"].endswith("l10n_sa_ejar/services/exceptions.py")


def test_real_bare_traceback_before_logging(capsys):
    d = report(R("presidentofyes12__agu-odoo__logs_install"), capsys)
    assert d["findings"][0]["exception"]["message"] == "too many values to unpack (expected 2)"
    assert d["lifetimes"] == []
