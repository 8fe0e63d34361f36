"""Hooks: an Airflow connection in, a client out, built once, secrets masked; no fallback.

A missing connection, or one that lacks a required field, is an error naming the connection id
and the fields, even when the NETSUITE_* / SPP_* variables that used to stand in are set.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from emulators.netsuite.app import create_app as create_netsuite_app
from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings, SppSettings
from emulators.spp.app import create_app as create_spp_app
from plugins.netsuite_spp.hooks import ConnectionConfigError, NetSuiteHook, SppHook, SppODataHook

NETSUITE_CONN = {
    "conn_type": "netsuite",
    "extra": {
        "account": "7654321_SB2",
        "consumer_key": "ck-from-conn",
        "consumer_secret": "cs-very-secret-1",
        "token_id": "tk-from-conn",
        "token_secret": "ts-very-secret-2",
        "wsdl_version": "2025_2",
        "endpoint": "http://127.0.0.1:9/services/NetSuitePort_2025_2",
    },
}
SPP_CONN = {
    "conn_type": "suiteprojects_pro",
    "host": "http://127.0.0.1:9",
    "login": "api-user",
    "password": "pw-very-secret-3",
    "extra": {"company": "Acme", "api_namespace": "ns", "api_key": "key-very-secret-4"},
}
# what used to be read when a connection was missing
FALLBACK_ENV = {
    "NETSUITE_ACCOUNT": "1111111",
    "NETSUITE_CONSUMER_KEY": "ck",
    "NETSUITE_CONSUMER_SECRET": "cs",
    "NETSUITE_TOKEN_ID": "tk",
    "NETSUITE_TOKEN_SECRET": "ts",
    "NETSUITE_ENDPOINT": "http://127.0.0.1:9/services/NetSuitePort_2025_2",
    "SPP_BASE_URL": "http://127.0.0.1:9",
    "SPP_COMPANY": "Acme",
    "SPP_USER": "u",
    "SPP_PASSWORD": "p",
    "SPP_API_NAMESPACE": "ns",
    "SPP_API_KEY": "k",
}


def _connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, conn: dict[str, Any]) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def _with_extra(conn: dict[str, Any], **extra: Any) -> dict[str, Any]:
    merged = {**conn["extra"], **extra}
    return {**conn, "extra": {k: v for k, v in merged.items() if v is not None}}


def _redacted(text: str) -> str:
    from airflow.sdk._shared.secrets_masker.secrets_masker import redact

    return str(redact(text))


# -- building clients --------------------------------------------------------------------------
def test_netsuite_hook_builds_its_client_from_the_connection_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "netsuite_default", NETSUITE_CONN)
    hook = NetSuiteHook()
    client = hook.get_conn()
    assert client is hook.client  # cached: one client (and one WSDL load) per hook
    assert client.account == "7654321_SB2" and client.version == "2025_2"
    assert client.endpoint == "http://127.0.0.1:9/services/NetSuitePort_2025_2"
    assert "cs-very-secret-1" not in repr(client) and "ts-very-secret-2" not in repr(client)


def test_the_wsdl_version_defaults_to_2025_2_and_2023_2_stays_selectable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an endpoint without a path (a proxy, the local service) is completed for the version
    _connection(
        monkeypatch,
        "ns_default_version",
        _with_extra(NETSUITE_CONN, wsdl_version=None, endpoint="http://h:1"),
    )
    _connection(
        monkeypatch, "ns_2023", _with_extra(NETSUITE_CONN, wsdl_version="2023_2", endpoint="http://h:1/")
    )
    _connection(monkeypatch, "ns_account_domain", _with_extra(NETSUITE_CONN, endpoint=""))
    default = NetSuiteHook("ns_default_version").client
    assert (default.version, default.endpoint) == ("2025_2", "http://h:1/services/NetSuitePort_2025_2")
    assert default.wsdl_url == "http://h:1/wsdl/v2025_2_0/netsuite.wsdl"
    older = NetSuiteHook("ns_2023").client
    assert (older.version, older.endpoint) == ("2023_2", "http://h:1/services/NetSuitePort_2023_2")
    real = NetSuiteHook("ns_account_domain").client  # no endpoint: the account's own domain
    assert real.endpoint == "https://7654321-sb2.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2"


def test_an_endpoint_naming_another_version_than_the_connection_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _connection(
        monkeypatch,
        "ns_mismatch",
        _with_extra(NETSUITE_CONN, endpoint="http://h:1/services/NetSuitePort_2023_2", wsdl_version="2025_2"),
    )
    with pytest.raises(ConnectionConfigError) as err:
        NetSuiteHook("ns_mismatch").client  # noqa: B018
    assert "'ns_mismatch'" in str(err.value)
    assert "(endpoint)" in str(err.value) and "(wsdl_version)" in str(err.value)


def test_spp_hook_builds_its_client_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "spp_default", SPP_CONN)
    hook = SppHook()
    client = hook.get_conn()
    assert client is hook.client
    assert client.endpoint == "http://127.0.0.1:9/api.pl"
    assert "pw-very-secret-3" not in repr(client) and "key-very-secret-4" not in repr(client)


def test_a_host_without_scheme_means_https(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "spp_bare_host", {**SPP_CONN, "host": "acme.app.netsuitesuiteprojectspro.com"})
    assert SppHook("spp_bare_host").client.endpoint == "https://acme.app.netsuitesuiteprojectspro.com/api.pl"


def test_secrets_from_connections_are_masked_in_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "netsuite_default", NETSUITE_CONN)
    _connection(monkeypatch, "spp_default", SPP_CONN)
    NetSuiteHook().client  # noqa: B018 - building the client registers the secrets
    SppHook().client  # noqa: B018
    line = "token cs-very-secret-1 ts-very-secret-2 pw-very-secret-3 key-very-secret-4"
    redacted = _redacted(line)
    for secret in ("cs-very-secret-1", "ts-very-secret-2", "pw-very-secret-3", "key-very-secret-4"):
        assert secret not in redacted


# -- no fallback ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hook", "conn_type", "fields"),
    [
        (NetSuiteHook("netsuite_missing"), "netsuite", ["(account)", "(token_secret)"]),
        (SppHook("spp_missing"), "suiteprojects_pro", ["Base URL (host)", "(api_key)"]),
        (SppODataHook("odata_missing"), "spp_odata", ["Company\\User (login)", "(password)"]),
    ],
    ids=["netsuite", "suiteprojects_pro", "spp_odata"],
)
def test_a_missing_connection_is_an_error_naming_it_even_with_the_old_variables_set(
    monkeypatch: pytest.MonkeyPatch, hook: Any, conn_type: str, fields: list[str]
) -> None:
    for name, value in FALLBACK_ENV.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConnectionConfigError) as err:
        hook.client  # noqa: B018
    message = str(err.value)
    assert f"'{hook.conn_id}' does not exist" in message and f"'{conn_type}'" in message
    for field in fields:
        assert field in message
    ok, reported = hook.test_connection()  # the Test button reports it instead of raising
    assert not ok and "does not exist" in reported


def test_a_netsuite_connection_lacking_fields_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FALLBACK_ENV.items():
        monkeypatch.setenv(name, value)
    _connection(monkeypatch, "ns_partial", _with_extra(NETSUITE_CONN, consumer_secret="", token_secret=None))
    with pytest.raises(ConnectionConfigError) as err:
        NetSuiteHook("ns_partial").client  # noqa: B018
    message = str(err.value)
    assert message == (
        "Airflow connection 'ns_partial' (netsuite) lacks Consumer secret (consumer_secret), "
        "Token secret (token_secret)"
    )


def test_an_spp_connection_lacking_fields_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FALLBACK_ENV.items():
        monkeypatch.setenv(name, value)
    partial = {**SPP_CONN, "password": None, "extra": {"company": "Acme", "api_namespace": "ns"}}
    _connection(monkeypatch, "spp_partial", partial)
    with pytest.raises(ConnectionConfigError) as err:
        SppHook("spp_partial").client  # noqa: B018
    assert str(err.value) == (
        "Airflow connection 'spp_partial' (suiteprojects_pro) lacks Password (password), API key (api_key)"
    )


# -- Test button against the local services ----------------------------------------------------
@pytest.fixture(scope="module")
def local_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, RunningServer]]:
    data = tmp_path_factory.mktemp("services")
    ns = serve_in_thread(
        create_netsuite_app(
            NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url=f"sqlite:///{data}/ns.db")
        )
    )
    spp = serve_in_thread(
        create_spp_app(SppSettings(latency_ms=0, latency_per_record_ms=0, db_url=f"sqlite:///{data}/spp.db"))
    )
    yield ns, spp
    ns.stop()
    spp.stop()


def _local_connections(ns_url: str, spp_url: str) -> dict[str, dict[str, Any]]:
    """include/config/connections.json with its defaults, as the stacks render it for the local services."""
    from runtime.stack import render_connections

    return render_connections(
        {**os.environ, "NETSUITE_ENDPOINT": ns_url, "NETSUITE_WSDL_URL": "", "SPP_BASE_URL": spp_url}
    )


def test_test_connection_succeeds_against_the_local_services(
    monkeypatch: pytest.MonkeyPatch, local_services: tuple[RunningServer, RunningServer]
) -> None:
    ns, spp = local_services
    conns = _local_connections(ns.url, spp.url)
    for conn_id in ("netsuite_default", "spp_default"):
        _connection(monkeypatch, conn_id, conns[conn_id])
    netsuite = NetSuiteHook()
    ok, message = netsuite.test_connection()
    assert ok, message
    assert "server time" in message and netsuite.client.version == "2025_2"
    ok, message = SppHook().test_connection()
    assert ok and "server time" in message, message


def test_test_connection_reports_refused_credentials(
    monkeypatch: pytest.MonkeyPatch, local_services: tuple[RunningServer, RunningServer]
) -> None:
    ns, spp = local_services
    conns = _local_connections(ns.url, spp.url)
    wrong_ns = json.loads(conns["netsuite_default"]["extra"]) | {"token_secret": "not-the-secret"}
    _connection(monkeypatch, "ns_wrong", {**conns["netsuite_default"], "extra": wrong_ns})
    _connection(monkeypatch, "spp_wrong", {**conns["spp_default"], "password": "not-the-password"})
    ok, message = NetSuiteHook("ns_wrong").test_connection()
    assert not ok and message
    ok, message = SppHook("spp_wrong").test_connection()
    assert not ok and message


# -- OData -------------------------------------------------------------------------------------
class _ODataService(BaseHTTPRequestHandler):
    """A service document at /odata/v4/reports for ACME\\jdoe:secret-odata-5."""

    expected = "Basic " + base64.b64encode(b"ACME\\jdoe:secret-odata-5").decode()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.rstrip("/") != "/odata/v4/reports":
            self.send_response(404)
            self.end_headers()
            return
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="odata"')
            self.end_headers()
            return
        body = json.dumps(
            {
                "@odata.context": "$metadata",
                "value": [{"name": "report54", "url": "report54"}, {"name": "report279", "url": "report279"}],
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def odata_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ODataService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _odata(url: str, **fields: Any) -> dict[str, Any]:
    return {
        "conn_type": "spp_odata",
        "host": url,
        "login": "ACME\\jdoe",
        "password": "secret-odata-5",
        **fields,
    }


def test_odata_test_connection_gets_the_service_document(
    monkeypatch: pytest.MonkeyPatch, odata_url: str
) -> None:
    _connection(monkeypatch, "spp_odata_default", _odata(odata_url))
    hook = SppODataHook()
    assert hook.service_root == f"{odata_url}/odata/v4/reports"
    assert hook.test_connection() == (True, f"OData service {odata_url}/odata/v4/reports: 2 resources")
    assert hook.get_conn() is hook.client
    assert "secret-odata-5" not in _redacted("password secret-odata-5")


def test_odata_test_connection_reports_refused_credentials(
    monkeypatch: pytest.MonkeyPatch, odata_url: str
) -> None:
    _connection(monkeypatch, "odata_wrong", _odata(odata_url, password="wrong-password"))
    ok, message = SppODataHook("odata_wrong").test_connection()
    assert not ok and "HTTP 401" in message


def test_odata_login_must_be_company_backslash_user(monkeypatch: pytest.MonkeyPatch, odata_url: str) -> None:
    _connection(monkeypatch, "odata_no_company", _odata(odata_url, login="jdoe"))
    with pytest.raises(ConnectionConfigError) as err:
        SppODataHook("odata_no_company").client  # noqa: B018
    assert "'odata_no_company'" in str(err.value) and "Company\\User (login)" in str(err.value)


def test_odata_collection_and_an_explicit_service_root(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "odata_lists", _odata("https://acme.example", extra={"collection": "listviews"}))
    _connection(monkeypatch, "odata_root", _odata("https://acme.example/odata/v4/reports/"))
    assert SppODataHook("odata_lists").service_root == "https://acme.example/odata/v4/listviews"
    assert SppODataHook("odata_root").service_root == "https://acme.example/odata/v4/reports"


def test_the_hooks_never_read_the_old_environment_variables() -> None:
    """The fallback is gone from the code, not only from the paths the tests above take."""
    source = (Path(__file__).resolve().parents[2] / "plugins" / "netsuite_spp" / "hooks.py").read_text()
    for needle in (
        "os.environ",
        "getenv",
        "from_env",
        "NETSUITE_ACCOUNT",
        "NETSUITE_ENDPOINT",
        "SPP_BASE_URL",
    ):
        assert needle not in source, needle
