"""Every stack (make run/up, make cluster, the tests' stacks) points the product at NetSuite and
SuiteProjects Pro the way a user does: through the Airflow connections it renders from
include/config/connections.json. The Airflow processes get none of the variables those
connections are rendered with, so nothing in the product can lean on them.

No process is started here (no PostgreSQL, Redis or Airflow needed).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from runtime import cluster
from runtime.cluster import ClusterConfig, cluster_env
from runtime.embedded import EmbeddedStack
from runtime.stack import connection_variables, render_connections

REAL_ACCOUNT = {
    "NETSUITE_ACCOUNT": "7654321",
    "NETSUITE_CONSUMER_KEY": "ck-real",
    "NETSUITE_CONSUMER_SECRET": "cs-real-secret",
    "NETSUITE_TOKEN_ID": "tk-real",
    "NETSUITE_TOKEN_SECRET": "ts-real-secret",
    "NETSUITE_ENDPOINT": "https://7654321.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2",
    "SPP_BASE_URL": "https://acme.app.netsuitesuiteprojectspro.com",
    "SPP_COMPANY": "Acme",
    "SPP_USER": "integration",
    "SPP_PASSWORD": "pw-real-secret",
    "SPP_API_NAMESPACE": "default",
    "SPP_API_KEY": "key-real-secret",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in connection_variables() | {"INTEGRATION_USE_EMULATORS"}:
        monkeypatch.delenv(name, raising=False)


def _clients(connections: dict[str, dict[str, Any]]) -> tuple[Any, Any]:
    """The clients the product's hooks build from these connections (no network)."""
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

    env = {
        f"AIRFLOW_CONN_{c.upper()}": json.dumps(connections[c]) for c in ("netsuite_default", "spp_default")
    }
    with mock.patch.dict(os.environ, env):
        return NetSuiteHook().client, SppHook().client


def test_the_connections_read_the_endpoints_credentials_and_mail_settings() -> None:
    assert {
        "NETSUITE_ENDPOINT",
        "NETSUITE_WSDL_VERSION",
        "NETSUITE_TOKEN_SECRET",
        "SPP_BASE_URL",
        "SPP_PASSWORD",
        "SMTP_HOST",
    } <= connection_variables()


def test_the_embedded_stack_reaches_the_local_services_through_its_connections(tmp_path: Path) -> None:
    stack = EmbeddedStack(var_dir=tmp_path, api_port=18080, netsuite_port=18701, spp_port=18702)
    assert stack.local_services
    assert not connection_variables() & set(stack.env)  # the Airflow processes cannot see them
    netsuite, spp = _clients(stack.connections())
    assert netsuite.endpoint == "http://127.0.0.1:18701/services/NetSuitePort_2025_2"
    assert netsuite.version == "2025_2"
    assert spp.endpoint == "http://127.0.0.1:18702/api.pl"
    # the local services run with what the connections carry, so their credentials agree
    assert stack.connection_env["NETSUITE_EMULATOR_PORT"] == "18701"


def test_real_accounts_reach_the_connections_and_stay_out_of_every_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in REAL_ACCOUNT.items():
        monkeypatch.setenv(name, value)
    stack = EmbeddedStack(var_dir=tmp_path)
    assert not stack.local_services
    assert not connection_variables() & set(stack.env)
    assert "cs-real-secret" not in json.dumps(stack.env)
    connections = stack.connections()
    netsuite, spp = _clients(connections)
    assert (netsuite.account, netsuite.endpoint) == ("7654321", REAL_ACCOUNT["NETSUITE_ENDPOINT"])
    assert spp.endpoint == "https://acme.app.netsuitesuiteprojectspro.com/api.pl"
    assert json.loads(connections["spp_default"]["extra"])["api_key"] == "key-real-secret"


def test_a_test_stack_may_pass_credentials_as_extra_env_without_leaking_them(tmp_path: Path) -> None:
    stack = EmbeddedStack(var_dir=tmp_path, extra_env={"NETSUITE_ACCOUNT": "2222222", "SPP_COMPANY": "Beta"})
    assert "NETSUITE_ACCOUNT" not in stack.env and "SPP_COMPANY" not in stack.env
    assert stack.connection_env["NETSUITE_ACCOUNT"] == "2222222"  # the local services adopt them too
    netsuite, _ = _clients(stack.connections())
    assert netsuite.account == "2222222"


def test_the_cluster_renders_its_connections_for_its_own_ports(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env(
        {"CLUSTER_DIR": str(tmp_path), "NETSUITE_EMULATOR_PORT": "28701", "SPP_EMULATOR_PORT": "28702"}
    )
    for node in (None, "worker1"):
        assert not connection_variables() & set(cluster_env(cfg, node=node)), node
    netsuite, spp = _clients(cluster.connections(cfg))
    assert netsuite.endpoint == "http://127.0.0.1:28701/services/NetSuitePort_2025_2"
    assert spp.endpoint == "http://127.0.0.1:28702/api.pl"


def test_the_reports_connection_follows_the_spp_base_url_unless_set_apart() -> None:
    real = "https://acme.app.netsuitesuiteprojectspro.com"
    assert render_connections({"SPP_BASE_URL": real})["spp_odata_default"]["host"] == real
    apart = {"SPP_BASE_URL": real, "SPP_ODATA_BASE_URL": "https://reports.example"}
    assert render_connections(apart)["spp_odata_default"]["host"] == "https://reports.example"
    local = render_connections({})["spp_odata_default"]
    assert local["host"] == "http://127.0.0.1:8702" and local["login"] == "EmulatorCo\\integration"
