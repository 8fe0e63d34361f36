"""Airflow hooks: an Airflow connection in, a protocol client out (built once per hook).

Connection ``netsuite_default`` (type ``netsuite``), all fields in *Extra* (JSON):
``account``, ``consumer_key``, ``consumer_secret``, ``token_id``, ``token_secret``,
``wsdl_version`` (default ``2023_2``), optional ``endpoint`` (SOAP URL override, e.g. the local
service) and ``wsdl_url``.

Connection ``spp_default`` (type ``suiteprojects_pro``): *Host* = base URL (``https://<company>.app.
netsuitesuiteprojectspro.com`` or the local service), *Login* = user, *Password* = password, *Extra*:
``company``, ``api_namespace``, ``api_key``.

When the connection does not exist, the hooks fall back to the ``NETSUITE_*`` / ``SPP_*``
environment variables, so the same environment configures the local services and the
integration. Every secret is registered with Airflow's masker before it can reach a log.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from typing import Any

from airflow.sdk import BaseHook


def _mask(*values: Any) -> None:
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - older task SDKs
        return
    for value in values:
        if value:
            mask_secret(str(value))


def _connection_or_none(conn_id: str) -> Any:
    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001 - Airflow raises different types per backend for "not found"
        return None


def _extra(conn: Any) -> dict[str, Any]:
    raw = getattr(conn, "extra", None) or "{}"
    return raw if isinstance(raw, dict) else json.loads(raw)


class NetSuiteHook(BaseHook):
    """NetSuite SuiteTalk SOAP (token-based authentication) through ``NetSuiteClient``."""

    conn_name_attr = "netsuite_conn_id"
    default_conn_name = "netsuite_default"
    conn_type = "netsuite"
    hook_name = "NetSuite SuiteTalk (TBA)"

    def __init__(self, netsuite_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.netsuite_conn_id = netsuite_conn_id

    @cached_property
    def client(self) -> Any:
        """The SOAP client, built on first use (never at DAG parse time)."""
        from include.netsuite.client import NetSuiteClient

        conn = _connection_or_none(self.netsuite_conn_id)
        if conn is None:
            client = NetSuiteClient.from_env()
            _mask(os.environ.get("NETSUITE_CONSUMER_SECRET"), os.environ.get("NETSUITE_TOKEN_SECRET"))
            return client
        extra = _extra(conn)
        _mask(extra.get("consumer_secret"), extra.get("token_secret"), conn.password)
        return NetSuiteClient(
            account=extra["account"],
            consumer_key=extra.get("consumer_key") or conn.login,
            consumer_secret=extra.get("consumer_secret") or conn.password,
            token_id=extra["token_id"],
            token_secret=extra["token_secret"],
            version=extra.get("wsdl_version", "2023_2"),
            endpoint=extra.get("endpoint") or conn.host or None,
            wsdl_url=extra.get("wsdl_url"),
        )

    def get_conn(self) -> Any:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        """Backs the UI's Test button: a getServerTime round trip."""
        return self.client.test_connection()


class SppHook(BaseHook):
    """SuiteProjects Pro XML API through ``SppClient``."""

    conn_name_attr = "spp_conn_id"
    default_conn_name = "spp_default"
    conn_type = "suiteprojects_pro"
    hook_name = "SuiteProjects Pro XML API"

    def __init__(self, spp_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.spp_conn_id = spp_conn_id

    @cached_property
    def client(self) -> Any:
        from include.spp.client import SppClient

        conn = _connection_or_none(self.spp_conn_id)
        if conn is None:
            _mask(os.environ.get("SPP_PASSWORD"), os.environ.get("SPP_API_KEY"))
            return SppClient.from_env()
        extra = _extra(conn)
        _mask(conn.password, extra.get("api_key"))
        host = conn.host or ""
        base_url = (
            host
            if "://" in host
            else f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        )
        return SppClient(
            base_url=base_url,
            company=extra["company"],
            user=conn.login,
            password=conn.password,
            api_namespace=extra["api_namespace"],
            api_key=extra["api_key"],
        )

    def get_conn(self) -> Any:
        return self.client

    def test_connection(self) -> tuple[bool, str]:
        try:
            return True, f"SuiteProjects Pro server time {self.client.server_time().isoformat()}"
        except Exception as exc:  # noqa: BLE001
            return False, str(exc)
