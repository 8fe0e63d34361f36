"""Both local services over real HTTP, reseeded per test, and a helper that runs workflows.

The two servers (zero latency, in-memory SQLite) and the protocol clients live for the whole
session: starting them and loading the NetSuite WSDL is the expensive part. Every test that asks
for ``world`` gets fresh data instead: both stores are wiped and seeded with the deterministic
``tiny`` world, counters and fault rules are cleared, and the integration's state lives in a new
SQLite file. So no test depends on another's leftovers.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from emulators.netsuite.app import create_app as netsuite_app
from emulators.seed import seed_both
from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings, SppSettings
from emulators.spp.app import create_app as spp_app
from include.engine.run import RunSummary, WorkflowRunner
from include.mapping.loader import execution_order, load_workflows
from include.mapping.model import Workflow
from include.netsuite.client import NetSuiteClient
from include.paths import MAPPINGS_DIR
from include.spp.client import SppClient
from include.spp.odata import SppODataReader
from include.state import StateStore

NETSUITE_VERSION = "2025_2"


@dataclass
class Service:
    """One running emulator and its ``/_emulator`` control endpoints."""

    app: Any
    server: RunningServer

    @property
    def url(self) -> str:
        return self.server.url

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_emulator/stats", timeout=10).json()

    def written(self) -> int:
        """Records written so far (the emulator's own counter)."""
        return int(self.stats()["records_written"])

    def faults(self, *rules: dict[str, Any]) -> None:
        """Replace the fault rules (no rules = clear them)."""
        requests.post(f"{self.url}/_emulator/faults", json=list(rules), timeout=10).raise_for_status()

    def wipe(self) -> None:
        requests.post(f"{self.url}/_emulator/reset", timeout=10).raise_for_status()

    def reset_counters(self) -> None:
        requests.post(f"{self.url}/_emulator/reset", params={"data": "0"}, timeout=10).raise_for_status()

    def ui_add(self, object_type: str, records: list[dict[str, Any]]) -> list[str]:
        """SPP only: objects a user creates in SPP's web UI (also those the XML API cannot add)."""
        body = {"type": object_type, "records": records}
        answer = requests.post(f"{self.url}/_emulator/spp/ui/records", json=body, timeout=10)
        answer.raise_for_status()
        return [str(i) for i in answer.json()["ids"]]

    def ui_approve(self, object_type: str, ids: list[str]) -> None:
        """SPP only: a manager approves the objects in SPP's web UI."""
        body = {"type": object_type, "ids": ids}
        requests.post(f"{self.url}/_emulator/spp/ui/approve", json=body, timeout=10).raise_for_status()


@dataclass
class Services:
    """The session's two servers and clients (normal ones and ones that never retry)."""

    netsuite: Service
    spp: Service
    ns_settings: NetSuiteSettings
    spp_settings: SppSettings
    ns_client: NetSuiteClient
    spp_client: SppClient
    ns_client_no_retry: NetSuiteClient
    spp_client_no_retry: SppClient
    workflows: dict[str, Workflow]
    # world just before a workflow runs, upstream linked: workflow id -> (netsuite, spp, state, runs)
    snapshots: dict[str, tuple[sqlite3.Connection, sqlite3.Connection, sqlite3.Connection, int]] = field(
        default_factory=dict
    )


def _netsuite_client(settings: NetSuiteSettings, url: str, **overrides: Any) -> NetSuiteClient:
    kwargs: dict[str, Any] = dict(
        version=NETSUITE_VERSION,
        endpoint=f"{url}/services/NetSuitePort_{NETSUITE_VERSION}",
        operation_timeout_s=20,
        backoff_base_s=0.01,
        backoff_max_s=0.05,
    )
    kwargs.update(overrides)
    s = settings
    return NetSuiteClient(s.account, s.consumer_key, s.consumer_secret, s.token_id, s.token_secret, **kwargs)


def _spp_client(settings: SppSettings, url: str, **overrides: Any) -> SppClient:
    kwargs: dict[str, Any] = dict(timeout_s=20, backoff_base_s=0.01)
    kwargs.update(overrides)
    s = settings
    return SppClient(url, s.company, s.user, s.password, s.api_namespace, s.api_key, **kwargs)


@pytest.fixture(scope="session")
def services() -> Iterator[Services]:
    """Both emulators on loopback ports, zero latency, in-memory stores."""
    # GX and the clients log a line per page/run; tests only care about warnings
    for name in ("great_expectations", "include", "zeep"):
        logging.getLogger(name).setLevel(logging.WARNING)
    ns_settings = NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    spp_settings = SppSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    ns = Service(netsuite_app(ns_settings), None)  # type: ignore[arg-type]
    sp = Service(spp_app(spp_settings), None)  # type: ignore[arg-type]
    ns.server = serve_in_thread(ns.app)
    sp.server = serve_in_thread(sp.app)
    workflows, errors = load_workflows(MAPPINGS_DIR)
    assert not errors, errors
    try:
        yield Services(
            netsuite=ns,
            spp=sp,
            ns_settings=ns_settings,
            spp_settings=spp_settings,
            ns_client=_netsuite_client(ns_settings, ns.url),
            spp_client=_spp_client(spp_settings, sp.url),
            ns_client_no_retry=_netsuite_client(ns_settings, ns.url, max_retries=0),
            spp_client_no_retry=_spp_client(spp_settings, sp.url, max_retries=0),
            workflows=workflows,
        )
    finally:
        ns.server.stop()
        sp.server.stop()


@dataclass
class World:
    """Freshly seeded services, a fresh state store, and a way to run workflows against them."""

    services: Services
    state: StateStore
    state_path: Path
    runs: int = 0
    summaries: list[RunSummary] = field(default_factory=list)

    # -- the parts ---------------------------------------------------------------------------
    @property
    def netsuite(self) -> NetSuiteClient:
        return self.services.ns_client

    @property
    def spp(self) -> SppClient:
        return self.services.spp_client

    @property
    def ns_service(self) -> Service:
        return self.services.netsuite

    @property
    def spp_service(self) -> Service:
        return self.services.spp

    def odata(self, **overrides: Any) -> SppODataReader:
        """A reader of the local SPP's published reports (fast retries and restarts)."""
        s = self.services.spp_settings
        kwargs: dict[str, Any] = dict(backoff_base_s=0.01, backoff_max_s=0.05, restart_wait_s=0.0)
        kwargs.update(overrides)
        return SppODataReader(
            f"{self.spp_service.url}/odata/v4/reports", company=s.company, user=s.user, password=s.password,
            **kwargs,
        )  # fmt: skip

    def workflow(self, workflow_id: str) -> Workflow:
        return self.services.workflows[workflow_id]

    def target_service(self, workflow_id: str) -> Service:
        """The service a workflow writes to."""
        return self.spp_service if self.workflow(workflow_id).is_import else self.ns_service

    # -- running -----------------------------------------------------------------------------
    def run(
        self,
        workflow_id: str,
        *,
        netsuite: NetSuiteClient | None = None,
        spp: SppClient | None = None,
        odata: SppODataReader | None = None,
        **params: Any,
    ) -> RunSummary:
        """One complete run (plan, load, finish) with a new run id."""
        self.runs += 1
        workflow = self.workflow(workflow_id)
        runner = WorkflowRunner(
            workflow,
            self.state,
            netsuite=netsuite or self.netsuite,
            spp=spp or self.spp,
            run_id=f"run-{self.runs:03d}-{workflow_id}",
            params=params,
            odata=odata or (self.odata() if workflow.is_oneview else None),
        )
        summary = runner.run()
        self.summaries.append(summary)
        return summary

    def run_upstream(self, workflow_id: str) -> None:
        """Bring the world to where every workflow before ``workflow_id`` (execution order) ran once.

        Imports link the employees/customers/projects/tasks the later workflows reference;
        exports link the SPP-only customers and projects. The upstream runs are deterministic, so
        the first test that needs them runs them and snapshots both services and the state
        store before each workflow; later tests restore the snapshot (milliseconds, not seconds).
        """
        order = execution_order(self.services.workflows)
        target = order.index(workflow_id)
        snapshots = self.services.snapshots
        start = max((i for i in range(target + 1) if order[i] in snapshots), default=None)
        if start is not None:
            self._restore(snapshots[order[start]])
        else:
            start = 0
            snapshots[order[0]] = self._snapshot()  # the freshly seeded world, empty state
        for index in range(start, target):
            summary = self.run(order[index])
            assert summary.status == "success", summary
            snapshots[order[index + 1]] = self._snapshot()

    def _stores(self) -> tuple[Any, Any]:
        return self.services.netsuite.app.state.store, self.services.spp.app.state.store

    def _snapshot(self) -> tuple[sqlite3.Connection, sqlite3.Connection, sqlite3.Connection, int]:
        copies = []
        for store in self._stores():
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            with store.engine.connect() as conn:
                conn.connection.driver_connection.backup(copy)
            copies.append(copy)
        state_copy = sqlite3.connect(":memory:", check_same_thread=False)
        self.state.close()
        with sqlite3.connect(self.state_path) as source:
            source.backup(state_copy)
        return copies[0], copies[1], state_copy, self.runs

    def _restore(
        self, snapshot: tuple[sqlite3.Connection, sqlite3.Connection, sqlite3.Connection, int]
    ) -> None:
        ns_copy, spp_copy, state_copy, runs = snapshot
        for store, copy in zip(self._stores(), (ns_copy, spp_copy), strict=True):
            with store.engine.connect() as conn:
                copy.backup(conn.connection.driver_connection)
        self.services.netsuite.app.state.sessions.clear()
        self.state.close()
        with sqlite3.connect(self.state_path) as target:
            state_copy.backup(target)
        self.runs = runs

    def watermark(self, workflow_id: str) -> dt.datetime | None:
        return self.state.get_watermark(workflow_id)


@pytest.fixture
def world(services: Services, tmp_path: Path) -> Iterator[World]:
    """The ``tiny`` world in both services, counters and fault rules cleared, an empty state store."""
    for service in (services.netsuite, services.spp):
        service.wipe()
    seeded = seed_both(services.netsuite.app.state.store, services.spp.app.state.store, "tiny")
    assert seeded["seeded"]
    for service in (services.netsuite, services.spp):
        service.reset_counters()
    state = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        yield World(services, state, tmp_path / "state.db")
    finally:
        for service in (services.netsuite, services.spp):
            service.faults()
        state.close()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Any]:
    """A migrated state database of its own (the staging tables come from its Alembic migrations)."""
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        yield store.engine
    finally:
        store.close()
