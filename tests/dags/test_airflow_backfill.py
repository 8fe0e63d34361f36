"""`airflow backfill create` over a range re-syncs the records modified inside each run's interval.

A stack of its own with schedules on (the workflow DAGs' CronDataIntervalTimetable gives every
backfill run an interval of real width), the local services seeded `tiny`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest

from emulators.serve import free_port
from include.state import StateStore
from plugins.netsuite_spp.hooks import NetSuiteHook
from runtime.embedded import EmbeddedStack

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    stack = EmbeddedStack(
        var_dir=Path(tmp_path_factory.mktemp("backfill")),
        api_port=free_port(),
        netsuite_port=free_port(),
        spp_port=free_port(),
        scale="tiny",
        schedules="on",
        extra_env={
            "NETSUITE_LATENCY_MS": "0",
            "NETSUITE_LATENCY_PER_RECORD_MS": "0",
            "SPP_LATENCY_MS": "0",
            "SPP_LATENCY_PER_RECORD_MS": "0",
            # only the workflow under test runs: the other eight would each start a scheduled run
            # (plan and loads at once) and crowd the scheduler and its SQLite metadata database
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        },
    )
    try:
        api = stack.start(wait_for_dags=["customers_import"])
        httpx.patch(
            f"{api.base_url}/api/v2/dags/customers_import",
            headers=api._headers(),
            json={"is_paused": False},
            timeout=30,
        ).raise_for_status()
        yield stack
    finally:
        stack.stop()


def _flagged_customers_modified(stack: EmbeddedStack) -> list[dt.datetime]:
    """Read NetSuite the way the product does: its hook on the connection the stack imported."""
    conn = stack.connections()["netsuite_default"]
    with mock.patch.dict(os.environ, {"AIRFLOW_CONN_NETSUITE_DEFAULT": json.dumps(conn)}):
        client = NetSuiteHook().client
    docs = client.search(
        "customer", is_inactive=False, custom_booleans={"custentity_oa_export_to_openair": True}
    )
    return sorted(d["lastModifiedDate"] for d in docs)


def _diagnosis(stack: EmbeddedStack, tis: dict[str, Any]) -> str:
    """Everything needed to tell why backfill runs did not finish: runs, the DAG's flags, log tails."""
    api = stack.api
    runs = [
        (r["dag_run_id"], r["run_type"], r["state"])
        for r in api.get("/dags/customers_import/dagRuns", limit=100)["dag_runs"]
    ]
    dag = api.get("/dags/customers_import")
    flags = {k: dag.get(k) for k in ("is_paused", "is_stale", "has_import_errors", "max_active_runs")}
    tails = []
    for name in ("scheduler.log", "dag-processor.log"):
        path = stack.var_dir / "logs" / name
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        tails.append(f"--- {name} (last 40 lines)\n" + "\n".join(lines[-40:]))
    return "\n".join([f"backfill runs did not finish: {tis}", f"all runs: {runs}", f"dag: {flags}", *tails])


def test_each_backfill_run_syncs_exactly_the_records_modified_in_its_interval(stack: EmbeddedStack) -> None:
    modified = _flagged_customers_modified(stack)
    # the hour holding the most recent change, and the hour before it (which holds none or some)
    last = modified[-1].astimezone(dt.UTC)
    end = last.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    start = end - dt.timedelta(hours=2)
    expected = {
        (start + dt.timedelta(hours=h)).isoformat(): sum(
            1 for m in modified if start + dt.timedelta(hours=h) < m <= start + dt.timedelta(hours=h + 1)
        )
        for h in range(2)
    }
    # A new hour brings a scheduled run of the hourly DAG; one arriving while the backfill's runs are
    # queued left them queued in a clean-clone CI run (20:00 UTC). Near the hour, let it pass first.
    now = dt.datetime.now(dt.UTC)
    if now.minute >= 54:
        next_hour = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        time.sleep((next_hour - now).total_seconds() + 20)
    # The scheduled run the unpausing started holds the DAG's one active run: let it end first, so
    # the backfill's runs are not queued behind it.
    api = stack.api
    began = time.monotonic()
    while time.monotonic() < began + 300:
        scheduled = api.get("/dags/customers_import/dagRuns", limit=100)["dag_runs"]
        settled = all(r["state"] in ("success", "failed") for r in scheduled)
        if settled and (scheduled or time.monotonic() > began + 30):
            break
        time.sleep(2)
    # Created through the REST API (what the UI's backfill form sends). On SQLite Airflow refuses a
    # backfill while another process writes ("not supported on SQLite under concurrent access", 503) and
    # rolls it back, so asking again is safe. (The CLI was worse: in two full-suite runs its runs
    # vanished under the scheduler, whose error handler then died on the deleted row, leaving the
    # backfill queued for good.) PostgreSQL, the cluster's database, has no such limit.
    body = {
        "dag_id": "customers_import",
        "from_date": start.isoformat(),
        "to_date": (end - dt.timedelta(hours=1)).isoformat(),
        "max_active_runs": 1,
        "reprocess_behavior": "completed",
    }
    for attempt in range(10):
        answer = httpx.post(f"{api.base_url}/api/v2/backfills", headers=api._headers(), json=body, timeout=60)
        if answer.status_code != 503:
            break
        time.sleep(1 + attempt)
    assert answer.status_code == 200, answer.text[-3000:]
    deadline = time.monotonic() + 300
    revived: list[str] = []
    while time.monotonic() < deadline:
        revived += stack.group.revive()  # the scheduler may die on a rolled-back SQLite backfill
        runs = [
            r
            for r in api.get("/dags/customers_import/dagRuns", limit=100)["dag_runs"]
            if r["run_type"] == "backfill"
        ]
        if len(runs) == 2 and all(r["state"] in ("success", "failed") for r in runs):
            break
        time.sleep(2)
    tis = {
        r["dag_run_id"]: sorted(
            (t["task_id"], t.get("map_index"), t["state"], t.get("try_number"))
            for t in api.get(f"/dags/customers_import/dagRuns/{r['dag_run_id']}/taskInstances")[
                "task_instances"
            ]
        )
        for r in runs
    }
    if sorted(r["state"] for r in runs) != ["success", "success"]:
        pytest.fail(f"restarted: {revived}\n" + _diagnosis(stack, tis), pytrace=False)
    store = StateStore(stack.env["INTEGRATION_STATE_DB_URL"])
    by_run = {r.run_id: r for r in store.runs("customers_import", limit=20)}
    for run in runs:
        interval_start = dt.datetime.fromisoformat(run["data_interval_start"].replace("Z", "+00:00"))
        assert by_run[run["dag_run_id"]].extracted == expected[interval_start.isoformat()], run["dag_run_id"]
    assert sum(expected.values()) >= 1  # the test looked at a window with changes in it
