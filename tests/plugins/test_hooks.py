"""Hooks: an Airflow connection in, a client out, built once, secrets masked; env fallback."""

from __future__ import annotations

import json

import pytest

from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

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


def _redacted(text: str) -> str:
    from airflow.sdk._shared.secrets_masker.secrets_masker import redact

    return str(redact(text))


def test_netsuite_hook_builds_its_client_from_the_connection_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NETSUITE_DEFAULT", json.dumps(NETSUITE_CONN))
    hook = NetSuiteHook()
    client = hook.get_conn()
    assert client is hook.client  # cached: one client (and one WSDL load) per hook
    assert client.account == "7654321_SB2" and client.version == "2025_2"
    assert "cs-very-secret-1" not in repr(client) and "ts-very-secret-2" not in repr(client)


def test_spp_hook_builds_its_client_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SPP_DEFAULT", json.dumps(SPP_CONN))
    client = SppHook().client
    assert client.endpoint == "http://127.0.0.1:9/api.pl"
    assert "pw-very-secret-3" not in repr(client) and "key-very-secret-4" not in repr(client)


def test_secrets_from_connections_are_masked_in_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_NETSUITE_DEFAULT", json.dumps(NETSUITE_CONN))
    monkeypatch.setenv("AIRFLOW_CONN_SPP_DEFAULT", json.dumps(SPP_CONN))
    NetSuiteHook().client  # noqa: B018 - building the client registers the secrets
    SppHook().client  # noqa: B018
    line = "token cs-very-secret-1 ts-very-secret-2 pw-very-secret-3 key-very-secret-4"
    redacted = _redacted(line)
    for secret in ("cs-very-secret-1", "ts-very-secret-2", "pw-very-secret-3", "key-very-secret-4"):
        assert secret not in redacted


def test_without_a_connection_the_hooks_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NETSUITE_DEFAULT", raising=False)
    for name, value in {
        "NETSUITE_ACCOUNT": "1111111",
        "NETSUITE_CONSUMER_KEY": "ck",
        "NETSUITE_CONSUMER_SECRET": "cs",
        "NETSUITE_TOKEN_ID": "tk",
        "NETSUITE_TOKEN_SECRET": "ts",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NETSUITE_ENDPOINT", "http://127.0.0.1:9/services/NetSuitePort_2023_2")
    assert NetSuiteHook("netsuite_missing").client.account == "1111111"
