"""The benchmark's data generator: what it loads can be moved by the real workflows.

Both local services run over real HTTP (zero latency, in-memory stores); the generator writes into
their stores, and the engine runs the two benchmark workflows in this process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.data import custom_record_count, load_customers, load_report_rows, load_time_entries
from bench.harness import BENCH_MAPPINGS
from emulators.netsuite.app import create_app as netsuite_app
from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings, SppSettings
from emulators.spp.app import create_app as spp_app
from include.engine.run import WorkflowRunner
from include.mapping.loader import load_workflow, load_workflows
from include.netsuite.client import NetSuiteClient
from include.paths import MAPPINGS_DIR
from include.spp.client import SppClient
from include.spp.odata import SppODataReader
from include.state import StateStore


@pytest.fixture(scope="module")
def services() -> Iterator[dict[str, Any]]:
    for name in ("great_expectations", "include", "zeep"):
        logging.getLogger(name).setLevel(logging.WARNING)
    ns_settings = NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    spp_settings = SppSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    ns_app, sp_app = netsuite_app(ns_settings), spp_app(spp_settings)
    servers: list[RunningServer] = [serve_in_thread(ns_app), serve_in_thread(sp_app)]
    s = ns_settings
    netsuite = NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        s.token_secret,
        endpoint=f"{servers[0].url}/services/NetSuitePort_2023_2",
        operation_timeout_s=20,
    )
    p = spp_settings
    spp = SppClient(servers[1].url, p.company, p.user, p.password, p.api_namespace, p.api_key, timeout_s=20)
    workflows, errors = load_workflows(MAPPINGS_DIR)
    assert not errors, errors
    workflows["oneview_synthetic"] = load_workflow(BENCH_MAPPINGS / "oneview_synthetic.yaml")
    odata = SppODataReader(
        f"{servers[1].url}/odata/v4/reports", company=p.company, user=p.user, password=p.password,
        backoff_base_s=0.01, backoff_max_s=0.05, restart_wait_s=0.0,
    )  # fmt: skip
    try:
        yield {
            "ns_store": ns_app.state.store,
            "spp_store": sp_app.state.store,
            "netsuite": netsuite,
            "spp": spp,
            "odata": odata,
            "workflows": workflows,
        }
    finally:
        for server in servers:
            server.stop()


def _run(services: dict[str, Any], state_url: str, workflow_id: str, attempt: int = 1) -> Any:
    state = StateStore(state_url)
    try:
        runner = WorkflowRunner(
            services["workflows"][workflow_id],
            state,
            netsuite=services["netsuite"],
            spp=services["spp"],
            run_id=f"bench-test-{workflow_id}-{attempt}",
            params={},
            odata=services["odata"] if workflow_id.startswith("oneview") else None,
        )
        return runner.run()
    finally:
        state.close()


def test_time_entries_load_as_approved_unexported_entries_that_export_completely(
    services: dict[str, Any], tmp_path: Path
) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    counts = load_time_entries(services["ns_store"], services["spp_store"], state_url, 130)

    assert counts["Task"] == 130
    assert counts["Timesheet"] == 4  # 40 entries per weekly timesheet
    summary = _run(services, state_url, "time_entries_export")
    assert (summary.status, summary.extracted, summary.created, summary.failed) == ("success", 130, 130, 0)
    assert services["ns_store"].count("timeBill") == 130


def test_loading_again_starts_from_a_clean_slate(services: dict[str, Any], tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    load_time_entries(services["ns_store"], services["spp_store"], state_url, 20)
    _run(services, state_url, "time_entries_export")

    load_time_entries(services["ns_store"], services["spp_store"], state_url, 30)

    assert services["ns_store"].count("timeBill") == 0
    summary = _run(services, state_url, "time_entries_export")
    assert (summary.created, summary.failed) == (30, 0)


def test_customers_load_as_flagged_netsuite_customers_that_import_completely(
    services: dict[str, Any], tmp_path: Path
) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    counts = load_customers(services["ns_store"], services["spp_store"], state_url, 75)

    assert counts == {"customer": 75}
    summary = _run(services, state_url, "customers_import")
    assert (summary.status, summary.extracted, summary.created, summary.failed) == ("success", 75, 75, 0)
    assert services["spp_store"].count("Customer") == 75


def test_report_rows_load_as_a_synthetic_report_that_oneview_writes_completely(
    services: dict[str, Any], tmp_path: Path
) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    ns = services["ns_store"]
    counts = load_report_rows(ns, services["spp_store"], state_url, 250)

    assert counts == {"report900": 250}
    assert ns.count("customRecordType") >= 1  # the account's custom record types are declared again
    summary = _run(services, state_url, "oneview_synthetic")
    assert (summary.status, summary.extracted, summary.created, summary.failed) == ("success", 250, 250, 0)
    assert custom_record_count(ns, "104") == 250
    assert custom_record_count(ns, "104", active_only=True) == 250
    assert custom_record_count(ns, "999") == 0

    again = _run(services, state_url, "oneview_synthetic", 2)  # nothing changed: nothing written
    assert (again.status, again.created, again.updated, again.failed) == ("success", 0, 0, 0)


def test_every_loader_declares_the_custom_record_types(services: dict[str, Any], tmp_path: Path) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    for loader in (load_time_entries, load_customers):
        loader(services["ns_store"], services["spp_store"], state_url, 5)
        assert services["ns_store"].count("customRecordType") >= 1
