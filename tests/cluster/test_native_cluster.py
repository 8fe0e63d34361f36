"""Specification: the integration runs unchanged on a cluster (CeleryExecutor, two workers,
PostgreSQL for Airflow and the state store, Redis as broker), started by ``runtime.cluster``.

One export run with ~60 batches (one record each, claimed by the mapped load tasks) is driven
through the cluster while a worker that is loading is SIGKILLed and restarted; the tests below
then read what that run left behind.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import httpx
import pytest

from emulators.store import RecordStore
from runtime.cluster import Cluster, ClusterConfig, cluster_env, connections

from .conftest import POOL_SLOTS

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

WORKFLOW = "time_entries_export"
PREREQUISITES = [
    "employees_import",
    "customers_import",
    "projects_import",
]  # the references a time bill needs


@dataclass
class ExportRun:
    """What one cluster run of the export left behind."""

    run_id: str
    state: str
    task_instances: list[dict[str, Any]]
    stats: dict[str, Any]
    killed_worker: str
    retried_by_clearing: int
    created: int
    batches: int
    worker_hostnames: list[str] = field(default_factory=list)
    approved_external_ids: set[str] = field(default_factory=set)
    timebill_external_ids: list[str] = field(default_factory=list)
    spp_links: dict[str, str] = field(default_factory=dict)

    @property
    def loads(self) -> list[dict[str, Any]]:
        return [ti for ti in self.task_instances if ti["task_id"] == "load"]


def _netsuite(cfg: ClusterConfig) -> str:
    return f"http://127.0.0.1:{cfg.netsuite_port}"


def _stats(cfg: ClusterConfig) -> dict[str, Any]:
    return httpx.get(f"{_netsuite(cfg)}/_emulator/stats", timeout=10).json()


def _run_prerequisites(cfg: ClusterConfig) -> None:
    """Link employees, customers and projects (in this process: the export is what is under test).

    The clients come from the connections the cluster imported, through the product's hooks.
    """
    from include.engine.run import WorkflowRunner
    from include.mapping.loader import load_workflows
    from include.state import StateStore
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

    conns = connections(cfg)
    env = {f"AIRFLOW_CONN_{c.upper()}": json.dumps(conns[c]) for c in ("netsuite_default", "spp_default")}
    with mock.patch.dict(os.environ, env):
        netsuite, spp = NetSuiteHook().client, SppHook().client
    workflows, _ = load_workflows(cfg.extra_env["INTEGRATION_MAPPINGS_DIR"])
    with StateStore(cfg.state_db_url) as state:
        for wf_id in PREREQUISITES:
            summary = WorkflowRunner(
                workflows[wf_id], state, netsuite=netsuite, spp=spp, run_id=f"setup-{wf_id}"
            ).run()
            assert summary.status == "success", summary.line()


def _wait_for_loading(cluster: Cluster, run_id: str, written: int, timeout_s: float = 240) -> str:
    """Until ``written`` records reached NetSuite and a load is running; returns that load's worker."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _stats(cluster.cfg)["records_written"] >= written:
            loads = [ti for ti in cluster.api.task_instances(WORKFLOW, run_id) if ti["task_id"] == "load"]
            running = [
                ti["hostname"].split(".")[0]
                for ti in loads
                if ti["state"] == "running" and ti.get("hostname")
            ]
            if running:
                return running[0]
        time.sleep(0.2)
    raise TimeoutError(f"no load running after {written} records were written ({timeout_s:.0f}s)")


def _batches(cluster: Cluster, run_id: str) -> int:
    """Batches the plan staged (its return value holds the plan's counts)."""
    xcom = cluster.api.get(f"/dags/{WORKFLOW}/dagRuns/{run_id}/taskInstances/plan/xcomEntries/return_value")
    value = xcom["value"]
    return int((value if isinstance(value, dict) else json.loads(value))["batches"])


def _worker_hostnames(cluster: Cluster, run_id: str) -> list[str]:
    """The hostname of every try of every task instance of the run (a retry keeps only its own)."""
    names = []
    for ti in cluster.api.task_instances(WORKFLOW, run_id):
        tries = cluster.api.get(
            f"/dags/{WORKFLOW}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/{ti['map_index']}/tries"
        )
        names += [t["hostname"] for t in tries["task_instances"] if t.get("hostname")]
    return names


def _emulator_records(cfg: ClusterConfig) -> tuple[set[str], list[str], dict[str, str]]:
    """Approved SPP time entries (as externalIds), NetSuite time bill externalIds, SPP -> NetSuite links."""
    env = cluster_env(cfg)
    spp = RecordStore(env["SPP_EMULATOR_DB"])
    netsuite = RecordStore(env["NETSUITE_EMULATOR_DB"])
    try:
        approved_sheets = {str(r.id) for r in spp.scan("Timesheet") if r.data.get("status") == "A"}
        entries = [r for r in spp.scan("Task") if str(r.data.get("timesheetid")) in approved_sheets]
        approved = {f"spp-task-{r.id}" for r in entries}
        links = {f"spp-task-{r.id}": str(r.data.get("netsuite_timebill_id__c") or "") for r in entries}
        bills = [
            r.external_id for r in netsuite.scan("timeBill") if (r.external_id or "").startswith("spp-task-")
        ]
        return approved, bills, links
    finally:
        spp.engine.dispose()
        netsuite.engine.dispose()


@pytest.fixture(scope="module")
def export_run(native_cluster: Cluster) -> ExportRun:
    cluster, cfg = native_cluster, native_cluster.cfg
    cluster.api.wait_for_dags([WORKFLOW])
    _run_prerequisites(cfg)
    httpx.post(f"{_netsuite(cfg)}/_emulator/reset", params={"data": "0"}, timeout=10).raise_for_status()

    run_id = cluster.api.trigger(WORKFLOW)
    victim = _wait_for_loading(cluster, run_id, written=10)
    cluster.kill_worker(victim)  # mid-run: its running loads die with it
    time.sleep(2)
    cluster.start_worker(victim)

    cleared = 0
    state = cluster.api.wait_for_run(WORKFLOW, run_id, timeout_s=420, on_poll=cluster.group.check)
    while state == "failed" and cleared < 2:  # retries were not enough: clear and let the scheduler rerun
        cluster.api.clear_failed(WORKFLOW, run_id)
        cleared += 1
        state = cluster.api.wait_for_run(WORKFLOW, run_id, timeout_s=300, on_poll=cluster.group.check)

    from include.state import StateStore

    with StateStore(cfg.state_db_url) as store:
        last = store.last_run(WORKFLOW)
    approved, bills, links = _emulator_records(cfg)
    run = ExportRun(
        run_id=run_id,
        state=state,
        task_instances=cluster.api.task_instances(WORKFLOW, run_id),
        stats=_stats(cfg),
        killed_worker=victim,
        retried_by_clearing=cleared,
        created=last.created if last else -1,
        batches=_batches(cluster, run_id),
        worker_hostnames=_worker_hostnames(cluster, run_id),
        approved_external_ids=approved,
        timebill_external_ids=bills,
        spp_links=links,
    )
    print(  # the figures behind the assertions, for `pytest -s`
        f"\ncluster export: {run.state}, {run.batches} batches, created {run.created}, killed {victim}, "
        f"cleared {cleared}x, peak NetSuite concurrency {run.stats['peak_concurrency']} (pool {POOL_SLOTS}), "
        f"hosts {dict(Counter(h.split('.')[0] for h in run.worker_hostnames))}"
    )
    return run


def test_an_export_with_at_least_40_batches_runs_to_success(export_run: ExportRun) -> None:
    assert export_run.batches >= 40
    assert export_run.state == "success"
    assert {ti["state"] for ti in export_run.task_instances} == {"success"}


def test_both_celery_workers_executed_task_instances(export_run: ExportRun) -> None:
    nodes = Counter(name.split(".")[0] for name in export_run.worker_hostnames)
    assert {"worker1", "worker2"} <= set(nodes), nodes


def test_netsuite_concurrency_never_exceeded_the_pool(export_run: ExportRun) -> None:
    assert export_run.stats["records_written"] > 0
    assert 1 <= export_run.stats["peak_concurrency"] <= POOL_SLOTS
    assert export_run.stats["rejected_concurrency"] == 0


def test_cross_references_and_run_log_are_in_postgres(native_cluster: Cluster, export_run: ExportRun) -> None:
    from include.state import StateStore

    assert native_cluster.cfg.state_db_url.startswith("postgresql")
    with StateStore(native_cluster.cfg.state_db_url) as store:
        created_links = store.xref_count("time_entry")
        last = store.last_run(WORKFLOW)
    assert last is not None and last.status == "success"
    assert created_links >= export_run.batches  # one time entry per batch, each linked


def test_a_worker_killed_mid_run_leaves_no_duplicate_and_no_lost_record(export_run: ExportRun) -> None:
    duplicates = {k: n for k, n in Counter(export_run.timebill_external_ids).items() if n > 1}
    assert duplicates == {}
    assert export_run.approved_external_ids <= set(export_run.timebill_external_ids)  # nothing lost
    unlinked = [k for k, v in export_run.spp_links.items() if v in ("", "-1")]
    assert unlinked == []


def test_a_second_run_writes_nothing(native_cluster: Cluster, export_run: ExportRun) -> None:
    from include.state import StateStore

    cfg = native_cluster.cfg
    written_before = _stats(cfg)["records_written"]
    run_id = native_cluster.api.trigger(WORKFLOW)
    assert native_cluster.api.wait_for_run(WORKFLOW, run_id, timeout_s=180) == "success"
    assert _stats(cfg)["records_written"] == written_before
    with StateStore(cfg.state_db_url) as store:
        last = store.last_run(WORKFLOW)
    assert last is not None and last.run_id == run_id and last.created == 0
