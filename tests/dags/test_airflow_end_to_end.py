"""The integration through Airflow itself: API server, scheduler, DAG processor, LocalExecutor.

One stack for the module (starting Airflow costs ~30 s): the local services seeded `tiny`, a
NetSuite latency so mapped loads overlap, a pool of 4 NetSuite threads, and a copy of part of the
mappings where time entries go in batches of 2 so the export fans out to several load tasks
that each send many requests (250 ms each), long enough to overlap on a loaded machine.

The copy holds one workflow of each kind and what they depend on (``SCHEDULED``), not the whole
catalogue: every task of a DAG run is a process on this 2-core machine, and the catalogue through
the scheduler took 255 s. Every shipped mapping still runs end to end through the engine's run path
(``tests/include/engine/test_workflows_end_to_end.py``) and parses as a DAG (``test_dag_integrity``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulators.serve import free_port
from include.state import StateStore
from runtime.embedded import EmbeddedStack
from runtime.stack import connection_variables

ROOT = Path(__file__).resolve().parents[2]
POOL_SIZE = 4
# An import, an update-only import, exports with lines and pullbacks, the OneView reports, and the
# workflows whose links they reference (the copy must be closed under depends_on: a missing one is an
# error).
SCHEDULED = (
    "customers_import",
    "employees_import",
    "projects_import",
    "project_tasks_import",
    "services_import",
    "expense_items_import",
    "reimbursements_import",
    "customers_export",
    "projects_export",
    "time_entries_export",
    "invoices_export",
    "expense_reports_export",
    "oneview_project_profitability",
    "oneview_utilisation",
    "oneview_backlog",
)

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    var_dir = tmp_path_factory.mktemp("stack")
    mappings = var_dir / "mappings"
    (mappings / "groups").mkdir(parents=True)
    for name in SCHEDULED:
        shutil.copy(ROOT / "mappings" / f"{name}.yaml", mappings)
    shutil.copy(ROOT / "mappings" / "groups" / "oneview_reports.yaml", mappings / "groups")
    time_entries = mappings / "time_entries_export.yaml"
    spec = yaml.safe_load(time_entries.read_text())
    spec["batch_size"] = 2
    time_entries.write_text(yaml.safe_dump(spec, sort_keys=False))
    stack = EmbeddedStack(
        var_dir=var_dir,
        api_port=free_port(),
        netsuite_port=free_port(),
        spp_port=free_port(),
        scale="tiny",
        extra_env={
            "INTEGRATION_MAPPINGS_DIR": str(mappings),
            "INTEGRATION_NETSUITE_THREADS": str(POOL_SIZE),
            "NETSUITE_LATENCY_MS": "250",
            "NETSUITE_LATENCY_PER_RECORD_MS": "0",
            "SPP_LATENCY_MS": "0",
            "SPP_LATENCY_PER_RECORD_MS": "0",
            "AIRFLOW__CORE__PARALLELISM": "12",
        },
    )
    try:
        stack.start(wait_for_dags=["integration_all", "customers_import", "time_entries_export"])
        yield stack
    finally:
        stack.stop()


def _stats(stack: EmbeddedStack, system: str) -> dict[str, Any]:
    port = stack.netsuite_port if system == "netsuite" else stack.spp_port
    return httpx.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=10).json()


def _run(stack: EmbeddedStack, dag_id: str, conf: dict[str, Any] | None = None) -> tuple[str, str]:
    api = stack.api
    run_id = api.trigger(dag_id, conf or {})
    return run_id, api.wait_for_run(dag_id, run_id, timeout_s=600, on_poll=stack.group.check)


def _state(stack: EmbeddedStack) -> StateStore:
    return StateStore(stack.env["INTEGRATION_STATE_DB_URL"])


def test_the_dag_files_parse_without_import_errors(stack: EmbeddedStack) -> None:
    assert stack.api.import_errors() == []


def test_the_product_reaches_the_local_services_through_its_connections_only(stack: EmbeddedStack) -> None:
    assert not connection_variables() & set(stack.env)  # no NETSUITE_* / SPP_* in any Airflow process
    conn = stack.api.get("/connections/netsuite_default")
    assert conn["conn_type"] == "netsuite"
    assert json.loads(conn["extra"])["endpoint"] == f"http://127.0.0.1:{stack.netsuite_port}"
    assert stack.api.get("/connections/spp_default")["host"] == f"http://127.0.0.1:{stack.spp_port}"


def test_the_ui_knows_the_connection_types_and_their_test_buttons_pass(stack: EmbeddedStack) -> None:
    api = stack.api
    meta = httpx.get(f"{api.base_url}/ui/connections/hook_meta", headers=api._headers(), timeout=60)
    meta.raise_for_status()
    forms = {m["connection_type"]: m for m in meta.json()}
    assert {"netsuite", "suiteprojects_pro", "spp_odata"} <= set(forms)
    assert forms["netsuite"]["extra_fields"]["wsdl_version"]["value"] == "2025_2"
    for conn_id, conn_type in (("netsuite_default", "netsuite"), ("spp_default", "suiteprojects_pro")):
        resp = httpx.post(
            f"{api.base_url}/api/v2/connections/test",
            headers=api._headers(),
            json={"connection_id": conn_id, "conn_type": conn_type},
            timeout=120,
        )
        resp.raise_for_status()
        result = resp.json()
        assert result["status"] is True and "server time" in result["message"], (conn_id, result)
    # the OneView reports connection reaches the local SPP's OData v4 service the same way
    resp = httpx.post(
        f"{api.base_url}/api/v2/connections/test",
        headers=api._headers(),
        json={"connection_id": "spp_odata_default", "conn_type": "spp_odata"},
        timeout=120,
    )
    resp.raise_for_status()
    assert resp.json()["status"] is True, resp.json()


def test_integration_all_runs_every_workflow_through_the_scheduler(stack: EmbeddedStack) -> None:
    _, state = _run(stack, "integration_all")
    assert state == "success"
    store = _state(stack)
    for name in SCHEDULED:
        last = store.last_run(name)
        assert last is not None and last.status == "success", name
    exported = store.last_run("time_entries_export")
    assert exported.created > 2 * POOL_SIZE  # more batches than shards, so every shard sent several
    # the OneView DAGs read the reports through the spp_odata_default connection, after the exports
    for report in ("oneview_project_profitability", "oneview_utilisation", "oneview_backlog"):
        run = store.last_run(report)
        assert run.created > 0 and run.failed == 0, (report, run)
        assert run.started_at >= store.last_run("projects_export").finished_at


def test_a_workflow_group_runs_its_members_and_its_summary(stack: EmbeddedStack) -> None:
    store = _state(stack)
    before = {w: store.last_run(w).run_id for w in ("oneview_backlog", "oneview_utilisation")}
    run_id, state = _run(stack, "group_oneview_reports")
    assert state == "success"
    tasks = stack.api.get(f"/dags/group_oneview_reports/dagRuns/{run_id}/taskInstances")["task_instances"]
    assert {t["task_id"]: t["state"] for t in tasks} == {
        "run_oneview_backlog": "success",
        "run_oneview_project_profitability": "success",
        "run_oneview_utilisation": "success",
        "summary": "success",
    }
    for workflow, earlier in before.items():
        again = store.last_run(workflow)
        assert again.run_id != earlier and again.status == "success"
        assert (again.created, again.updated) == (0, 0)  # the reports did not change


def test_netsuite_concurrency_stayed_within_the_pool_and_loads_overlapped(stack: EmbeddedStack) -> None:
    peak = _stats(stack, "netsuite")["peak_concurrency"]
    assert 1 < peak <= POOL_SIZE


def test_a_second_run_writes_nothing_to_netsuite(stack: EmbeddedStack) -> None:
    before = _stats(stack, "netsuite")["records_written"]
    _, state = _run(stack, "time_entries_export")
    assert state == "success"
    assert _stats(stack, "netsuite")["records_written"] == before
    last = _state(stack).last_run("time_entries_export")
    assert (last.created, last.updated) == (0, 0)


def test_dry_run_plans_but_writes_nothing(stack: EmbeddedStack) -> None:
    before = (_stats(stack, "netsuite")["records_written"], _stats(stack, "spp")["records_written"])
    _, state = _run(stack, "customers_import", {"dry_run": True, "full_sync": True})
    assert state == "success"
    assert (_stats(stack, "netsuite")["records_written"], _stats(stack, "spp")["records_written"]) == before


def test_a_single_record_is_synced_on_demand(stack: EmbeddedStack) -> None:
    store = _state(stack)
    with store.engine.connect() as conn:
        from sqlalchemy import text

        netsuite_id = conn.execute(
            text("select netsuite_id from xref where entity = 'customer' and spp_id is not null limit 1")
        ).scalar()
    before = _stats(stack, "spp")["records_written"]
    _, state = _run(stack, "customers_import", {"record_ids": [str(netsuite_id)]})
    assert state == "success"
    last = store.last_run("customers_import")
    assert (last.created, last.updated, last.extracted) == (0, 1, 1)
    assert _stats(stack, "spp")["records_written"] == before + 1


def test_invalid_params_are_refused_by_the_trigger_form_schema(stack: EmbeddedStack) -> None:
    api = stack.api
    resp = httpx.post(
        f"{api.base_url}/api/v2/dags/customers_import/dagRuns",
        headers=api._headers(),
        json={"logical_date": None, "conf": {"full_sync": "yes please"}},
        timeout=30,
    )
    assert resp.status_code in (400, 422)
