"""Airflow hooks: an Airflow connection in, a protocol client out (built once per hook).

The connection is the only source of a hook's settings: a missing connection, or one that lacks a
required field, is a :class:`ConnectionConfigError` naming the connection id and the fields. There
is no fallback to environment variables or to the local services' credentials. The fields and
their forms are declared once, in :mod:`plugins.netsuite_spp.provider`.

``netsuite`` (``netsuite_default``), every value a field of its own, stored in *Extra*:
``account``, ``consumer_key``, ``consumer_secret``, ``token_id``, ``token_secret`` (required);
``wsdl_version`` (``2025_2`` by default, ``2023_2`` selectable); optional ``endpoint`` (SOAP URL;
a URL without a path gets ``/services/NetSuitePort_<version>``) and ``wsdl_url``.

``suiteprojects_pro`` (``spp_default``): *Host* = base URL (``https://<company>.app.
netsuitesuiteprojectspro.com``), *Login* = user, *Password*; fields ``company``, ``api_namespace``,
``api_key`` (all required).

``spp_odata`` (``spp_odata_default``), SuiteProjects Pro's OData v4 published reports: *Host* = base
URL, *Login* = ``Company\\User``, *Password*; field ``collection`` (``reports`` or ``listviews``).

Every secret is registered with Airflow's masker before it can reach a log; each hook's
``test_connection()`` backs the Test button of Admin → Connections.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from airflow.sdk import BaseHook
from airflow.sdk.exceptions import AirflowException, AirflowNotFoundException

from plugins.netsuite_spp import provider

_STANDARD_LABELS = {"host": "Host", "login": "Login", "password": "Password", "port": "Port"}
_WSDL_VERSION = re.compile(r"^\d{4}_\d$")
_ENDPOINT_VERSION = re.compile(r"/NetSuitePort_(\d{4}_\d)/?$")


class ConnectionConfigError(AirflowException):
    """An Airflow connection a hook needs does not exist, or lacks (or has a wrong) field."""


def _mask(*values: Any) -> None:
    from airflow.sdk.log import mask_secret

    for value in values:
        if value:
            mask_secret(str(value))


def _value(raw: Any) -> str | None:
    """A field's value, or None when it is unset or blank (a rendered ``${VAR:-}`` is blank)."""
    if raw is None:
        return None
    text = str(raw)
    return text if text.strip() else None


def _label(conn_type: str, field: str) -> str:
    """``Label (field)`` as the form shows it, so an error points at what to fill in."""
    spec = provider.CONNECTION_TYPES[conn_type]
    if field in spec["conn-fields"]:
        label = spec["conn-fields"][field]["label"]
    else:
        label = spec["ui-field-behaviour"]["relabeling"].get(field, _STANDARD_LABELS.get(field, field))
    return f"{label} ({field})"


class _ConnectionHook(BaseHook):
    """Reads one connection and checks it; subclasses turn its fields into a client."""

    conn_name_attr: str
    conn_type: str
    hook_name: str
    required_fields: tuple[str, ...] = ()

    @property
    def conn_id(self) -> str:
        return str(getattr(self, self.conn_name_attr))

    def _connection(self) -> Any:
        try:
            return self.get_connection(self.conn_id)
        except AirflowNotFoundException:
            fields = ", ".join(_label(self.conn_type, f) for f in self.required_fields)
            raise ConnectionConfigError(
                f"Airflow connection {self.conn_id!r} does not exist: create it (Admin -> Connections, "
                f"or include/config/connections.json for make run/up/cluster) with type "
                f"{self.conn_type!r} ({self.hook_name}) and the fields {fields}"
            ) from None

    def _fields(self, conn: Any) -> dict[str, str | None]:
        """Every standard and extra field of the connection, blank ones as None."""
        extra = conn.extra_dejson
        values = {
            name: _value(extra.get(name)) for name in provider.CONNECTION_TYPES[self.conn_type]["conn-fields"]
        }
        for name in ("host", "login", "password"):
            values[name] = _value(getattr(conn, name, None))
        return values

    def _require(self, values: dict[str, str | None]) -> None:
        missing = [f for f in self.required_fields if values.get(f) is None]
        if missing:
            raise ConnectionConfigError(
                f"Airflow connection {self.conn_id!r} ({self.conn_type}) lacks "
                + ", ".join(_label(self.conn_type, f) for f in missing)
            )

    def _invalid(self, fields: tuple[str, ...], why: str) -> ConnectionConfigError:
        names = ", ".join(_label(self.conn_type, f) for f in fields)
        return ConnectionConfigError(
            f"Airflow connection {self.conn_id!r} ({self.conn_type}): {names}: {why}"
        )

    def _base_url(self, conn: Any, host: str) -> str:
        """The Host field as a URL: kept when it has a scheme, else ``https://host[:port]``."""
        if "://" not in host:
            return f"https://{host}" + (f":{conn.port}" if conn.port else "")
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self._invalid(("host",), f"{host!r} is not an http(s) URL")
        return host.rstrip("/")

    def get_conn(self) -> Any:
        return self.client

    @cached_property
    def client(self) -> Any:
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """Backs the UI's Test button: a cheap round trip; any failure is reported, not raised."""
        try:
            return self._round_trip()
        except Exception as exc:  # noqa: BLE001 - the Test button shows the message
            return False, str(exc)

    def _round_trip(self) -> tuple[bool, str]:
        raise NotImplementedError


class NetSuiteHook(_ConnectionHook):
    """NetSuite SuiteTalk SOAP (token-based authentication) through ``NetSuiteClient``.

    :param netsuite_conn_id: connection of type ``netsuite`` holding the account, the TBA
        credentials and the WSDL version.
    """

    conn_name_attr = "netsuite_conn_id"
    default_conn_name = "netsuite_default"
    conn_type = provider.NETSUITE
    hook_name = provider.CONNECTION_TYPES[provider.NETSUITE]["hook-name"]
    required_fields = ("account", "consumer_key", "consumer_secret", "token_id", "token_secret")

    def __init__(self, netsuite_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.netsuite_conn_id = netsuite_conn_id

    @cached_property
    def client(self) -> Any:
        """The SOAP client, built on first use (never at DAG parse time)."""
        from include.netsuite.client import NetSuiteClient

        values = self._fields(self._connection())
        _mask(values["consumer_secret"], values["token_secret"])
        self._require(values)
        version = values["wsdl_version"] or provider.NETSUITE_DEFAULT_WSDL_VERSION
        if not _WSDL_VERSION.match(version):
            raise self._invalid(("wsdl_version",), f"{version!r} is not a version like 2025_2")
        return NetSuiteClient(
            account=str(values["account"]),
            consumer_key=str(values["consumer_key"]),
            consumer_secret=str(values["consumer_secret"]),
            token_id=str(values["token_id"]),
            token_secret=str(values["token_secret"]),
            version=version,
            endpoint=self._endpoint(values["endpoint"], version),
            wsdl_url=values["wsdl_url"],
        )

    def _endpoint(self, endpoint: str | None, version: str) -> str | None:
        """The SOAP URL: the account's default (None), a given one, or a base URL completed."""
        if endpoint is None:
            return None
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self._invalid(("endpoint",), f"{endpoint!r} is not an http(s) URL")
        if parts.path in ("", "/"):
            return f"{endpoint.rstrip('/')}/services/NetSuitePort_{version}"
        named = _ENDPOINT_VERSION.search(parts.path)
        if named and named.group(1) != version:
            raise self._invalid(
                ("endpoint", "wsdl_version"),
                f"the endpoint is NetSuitePort_{named.group(1)} but the WSDL version is {version}",
            )
        return endpoint

    def _round_trip(self) -> tuple[bool, str]:
        ok, message = self.client.test_connection()  # getServerTime
        return bool(ok), str(message)


class SppHook(_ConnectionHook):
    """SuiteProjects Pro XML API through ``SppClient``.

    :param spp_conn_id: connection of type ``suiteprojects_pro`` holding the account's base URL,
        the integration user and the API namespace and key.
    """

    conn_name_attr = "spp_conn_id"
    default_conn_name = "spp_default"
    conn_type = provider.SUITEPROJECTS_PRO
    hook_name = provider.CONNECTION_TYPES[provider.SUITEPROJECTS_PRO]["hook-name"]
    required_fields = ("host", "login", "password", "company", "api_namespace", "api_key")

    def __init__(self, spp_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.spp_conn_id = spp_conn_id

    @cached_property
    def client(self) -> Any:
        """The XML API client, built on first use."""
        from include.spp.client import SppClient

        conn = self._connection()
        values = self._fields(conn)
        _mask(values["password"], values["api_key"])
        self._require(values)
        return SppClient(
            base_url=self._base_url(conn, str(values["host"])),
            company=str(values["company"]),
            user=str(values["login"]),
            password=str(values["password"]),
            api_namespace=str(values["api_namespace"]),
            api_key=str(values["api_key"]),
        )

    def _round_trip(self) -> tuple[bool, str]:
        return True, f"SuiteProjects Pro server time {self.client.server_time().isoformat()}"


class SppODataHook(_ConnectionHook):
    """SuiteProjects Pro's OData v4 feed of published reports (Business Intelligence Connector).

    ``reader`` is the library's :class:`include.spp.odata.SppODataReader` on the service root
    ``<base URL>/odata/v4/<collection>`` (HTTP Basic as ``Company\\User``, typed rows, paging, retries,
    410 restart); ``client`` is a bare ``httpx.Client`` on the same root, for the Test button.

    :param spp_odata_conn_id: connection of type ``spp_odata``.
    """

    conn_name_attr = "spp_odata_conn_id"
    default_conn_name = "spp_odata_default"
    conn_type = provider.SPP_ODATA
    hook_name = provider.CONNECTION_TYPES[provider.SPP_ODATA]["hook-name"]
    required_fields = ("host", "login", "password")
    timeout_s = 60.0

    def __init__(self, spp_odata_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.spp_odata_conn_id = spp_odata_conn_id

    @cached_property
    def service_root(self) -> str:
        """``<base URL>/odata/v4/<collection>``, or the Host as given when it already names one."""
        return self._settings[0]

    @cached_property
    def _settings(self) -> tuple[str, str, str]:
        conn = self._connection()
        values = self._fields(conn)
        _mask(values["password"])
        self._require(values)
        login = str(values["login"])
        company, _, user = login.partition("\\")
        if not company or not user:
            raise self._invalid(("login",), "must be <company ID>\\<user ID>, e.g. YourCompany\\jdoe")
        collection = values["collection"] or provider.ODATA_COLLECTIONS[0]
        if collection not in provider.ODATA_COLLECTIONS:
            raise self._invalid(("collection",), f"must be one of {', '.join(provider.ODATA_COLLECTIONS)}")
        base = self._base_url(conn, str(values["host"]))
        root = base if "/odata/v4" in urlsplit(base).path else f"{base}/odata/v4/{collection}"
        return root, login, str(values["password"])

    @cached_property
    def reader(self) -> Any:
        """The OData v4 reader (:class:`include.spp.odata.SppODataReader`), built on first use."""
        from include.spp.odata import SppODataReader

        root, login, password = self._settings
        company, _, user = login.partition("\\")
        return SppODataReader(
            root,
            company=company,
            user=user,
            password=password,
            timeout_s=self.timeout_s,
            credentials_from=f"Airflow connection {self.spp_odata_conn_id!r}",
        )

    @cached_property
    def client(self) -> Any:
        """An ``httpx.Client`` on the service root (JSON, Basic authentication), built on first use."""
        import httpx

        root, login, password = self._settings
        return httpx.Client(
            base_url=f"{root}/",
            auth=(login, password),
            headers={"Accept": "application/json"},
            timeout=self.timeout_s,
        )

    def _round_trip(self) -> tuple[bool, str]:
        """GET the service document: the resources the user may read."""
        response = self.client.get("")
        if response.status_code != 200:
            return False, f"OData service {self.service_root} answered HTTP {response.status_code}"
        try:
            resources = response.json().get("value", [])
        except ValueError:
            return False, f"OData service {self.service_root} answered with no JSON service document"
        return True, f"OData service {self.service_root}: {len(resources)} resources"
