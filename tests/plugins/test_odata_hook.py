"""SppODataHook.reader: the library's OData v4 reader built from an ``spp_odata`` connection.

A tiny OData feed on a local socket (service document, ``$metadata``, one report) checks that the reader
the hook builds authenticates as ``Company\\User`` with the connection's password and reads typed rows.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from include.spp.odata import SppODataAuthError, SppODataReader
from plugins.netsuite_spp.hooks import ConnectionConfigError, SppODataHook

PASSWORD = "secret-odata-reader-7"
EDMX = b"""<?xml version="1.0"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0"><edmx:DataServices>
<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="R">
<EntityType Name="t"><Property Name="ID" Type="Edm.Int32"/>
<Property Name="Hours" Type="Edm.Decimal"/></EntityType>
<EntityContainer Name="C"><EntitySet Name="report54" EntityType="R.t"/></EntityContainer>
</Schema></edmx:DataServices></edmx:Edmx>"""


class _Feed(BaseHTTPRequestHandler):
    expected = "Basic " + base64.b64encode(f"ACME\\jdoe:{PASSWORD}".encode()).decode()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?")[0].rstrip("/")
        if self.headers.get("Authorization") != self.expected:
            body, status, kind = b"Unauthorized", 401, "text/plain"
        elif path == "/odata/v4/reports":
            body, status, kind = (
                json.dumps({"value": [{"name": "report54", "url": "report54"}]}).encode(),
                200,
                "json",
            )
        elif path == "/odata/v4/reports/$metadata":
            body, status, kind = EDMX, 200, "application/xml"
        elif path == "/odata/v4/reports/report54":
            body, status, kind = (
                b'{"value": [{"ID": 1, "Hours": 7.25}, {"ID": 2, "Hours": null}]}',
                200,
                "json",
            )
        else:
            body, status, kind = b"not found", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if kind == "json" else kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, host: str, **fields: Any) -> None:
    conn = {"conn_type": "spp_odata", "host": host, "login": "ACME\\jdoe", "password": PASSWORD, **fields}
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def _redacted(text: str) -> str:
    from airflow.sdk._shared.secrets_masker.secrets_masker import redact

    return str(redact(text))


def test_the_reader_is_built_from_the_connection_once(monkeypatch: pytest.MonkeyPatch, feed_url: str) -> None:
    _connection(monkeypatch, "spp_odata_default", feed_url)
    hook = SppODataHook()
    reader = hook.reader
    assert isinstance(reader, SppODataReader) and reader is hook.reader
    assert reader.service_root == f"{feed_url}/odata/v4/reports"
    assert (reader.company, reader.user) == ("ACME", "jdoe")
    assert PASSWORD not in repr(reader)
    assert PASSWORD not in _redacted(f"password {PASSWORD}")  # registered with the masker
    assert [r.name for r in reader.list_resources()] == ["report54"]
    assert list(reader.iter_rows("report54")) == [
        {"ID": 1, "Hours": Decimal("7.25")},
        {"ID": 2, "Hours": None},
    ]
    assert hook.test_connection() == (True, f"OData service {feed_url}/odata/v4/reports: 1 resources")


def test_the_reader_of_a_listviews_connection_reads_that_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    _connection(monkeypatch, "odata_lists", "acme.example", extra={"collection": "listviews"})
    assert SppODataHook("odata_lists").reader.service_root == "https://acme.example/odata/v4/listviews"


def test_refused_credentials_through_the_hook_name_user_and_company(
    monkeypatch: pytest.MonkeyPatch, feed_url: str
) -> None:
    _connection(monkeypatch, "odata_bad", feed_url, password="not-the-password-8")
    with pytest.raises(SppODataAuthError) as err:
        SppODataHook("odata_bad").reader.list_resources()
    assert "'jdoe'" in str(err.value) and "'ACME'" in str(err.value)
    assert "not-the-password-8" not in str(err.value)


def test_a_connection_without_company_builds_no_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_ODATA_NO_COMPANY",
        json.dumps({"conn_type": "spp_odata", "host": "acme.example", "login": "jdoe", "password": "p"}),
    )
    with pytest.raises(ConnectionConfigError, match="Company\\\\User"):
        SppODataHook("odata_no_company").reader  # noqa: B018
