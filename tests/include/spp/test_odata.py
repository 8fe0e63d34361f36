"""SppODataReader against a scripted OData v4 feed (httpx.MockTransport; no emulator, no sockets).

``FakeFeed`` serves one collection like SPP's Business Intelligence Connector: a service document,
``$metadata`` (EDMX 4.0), and reports paged by ``$top``/``$skip`` windows and, optionally, server-driven
pages (``@odata.nextLink`` with a ``$skiptoken``) of at most ``cap`` rows. Faults are scripted per
request: a status to answer, a body to send, an exception to raise.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from include.spp.odata import (
    Page,
    SppODataAuthError,
    SppODataError,
    SppODataMetadataError,
    SppODataPayloadError,
    SppODataReader,
    SppODataRepublished,
)

ROOT = "https://acme.app.example/odata/v4/reports"
COMPANY, USER, PASSWORD = "ACME", "jdoe", "pw-Very-Secret-9"

EDMX = b"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="SPP.Reports" Alias="R">
      <EntityType Name="report54Type">
        <Property Name="ID" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="typesType">
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="Hours" Type="Edm.Decimal" Precision="18" Scale="4"/>
        <Property Name="Count" Type="Edm.Int32"/>
        <Property Name="BigId" Type="Edm.Int64"/>
        <Property Name="Day" Type="Edm.Date"/>
        <Property Name="Updated" Type="Edm.DateTimeOffset"/>
        <Property Name="Approved" Type="Edm.Boolean"/>
        <Property Name="Rate" Type="Edm.Double"/>
      </EntityType>
      <EntityContainer Name="Container">
        <EntitySet Name="report54" EntityType="SPP.Reports.report54Type"/>
        <EntitySet Name="types" EntityType="R.typesType"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""

Handler = Callable[[httpx.Request], httpx.Response]


def _rows(n: int) -> list[dict[str, Any]]:
    return [{"ID": i, "Name": f"row {i}"} for i in range(n)]


class FakeFeed:
    """One collection. ``honours_top=False`` plays a server that ignores ``$top``/``$skip`` and pages
    only by itself; ``cap=None`` one without server-driven paging (SPP's documented behaviour)."""

    def __init__(
        self,
        reports: dict[str, list[dict[str, Any]]] | None = None,
        *,
        cap: int | None = None,
        honours_top: bool = True,
        metadata: bytes = EDMX,
    ) -> None:
        self.reports = reports if reports is not None else {"report54": _rows(10)}
        self.cap = cap
        self.honours_top = honours_top
        self.metadata = metadata
        self.requests: list[httpx.Request] = []
        self.data_requests = 0
        # data request number (1-based) → a status, bytes, or an exception to raise
        self.faults: dict[int, int | bytes | Exception] = {}
        self.metadata_requests = 0
        self.auth = "Basic " + base64.b64encode(f"{COMPANY}\\{USER}:{PASSWORD}".encode()).decode()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != self.auth:
            return httpx.Response(
                401, headers={"WWW-Authenticate": 'Basic realm="odata"'}, text="Unauthorized"
            )
        path = request.url.path.removeprefix(urlsplit(ROOT).path).strip("/")
        if path == "":
            value = [{"name": n, "kind": "EntitySet", "url": n} for n in self.reports]
            return httpx.Response(200, json={"@odata.context": f"{ROOT}/$metadata", "value": value})
        if path == "list":  # undocumented format: here, bare names
            return httpx.Response(200, json={"value": list(self.reports)})
        if path == "$metadata":
            self.metadata_requests += 1
            return httpx.Response(200, content=self.metadata, headers={"Content-Type": "application/xml"})
        if path not in self.reports:
            return httpx.Response(404, text="Resource not found")
        self.data_requests += 1
        fault = self.faults.get(self.data_requests)
        if isinstance(fault, Exception):
            raise fault
        if isinstance(fault, int):
            text = "Report has been republished. You need to reload the report." if fault == 410 else "busy"
            return httpx.Response(fault, text=text)
        if isinstance(fault, bytes):
            return httpx.Response(200, content=fault, headers={"Content-Type": "application/json"})
        return self._page(request, path)

    def _page(self, request: httpx.Request, name: str) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        rows = self.reports[name]
        if self.honours_top:
            skip = int(query.get("$skip", 0))
            top = int(query["$top"]) if "$top" in query else len(rows)
            window = rows[skip : skip + top]
        else:
            window = rows
        if "$select" in query and self.honours_top:
            keep = query["$select"].split(",")
            window = [{k: v for k, v in row.items() if k in keep} for row in window]
        token = int(query.get("$skiptoken", 0))
        cap = self.cap or len(window) or 1
        body: dict[str, Any] = {
            "@odata.context": f"{ROOT}/$metadata#{name}",
            "value": window[token : token + cap],
        }
        if self.cap is not None and token + cap < len(window):
            params = dict(query, **{"$skiptoken": str(token + cap)})
            body["@odata.nextLink"] = str(httpx.URL(f"{ROOT}/{name}", params=params))
        return httpx.Response(
            200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )


def _reader(
    feed: FakeFeed, *, password: str = PASSWORD, sleeps: list[float] | None = None, **kw: Any
) -> SppODataReader:
    waits = sleeps if sleeps is not None else []
    return SppODataReader(
        ROOT,
        company=COMPANY,
        user=USER,
        password=password,
        transport=feed.transport(),
        sleep=waits.append,
        max_retries=kw.pop("max_retries", 3),
        backoff_base_s=0.01,
        restart_wait_s=0.0,
        **kw,
    )


def _query(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}


# -- listing and metadata ------------------------------------------------------------------------
def test_lists_resources_and_reads_metadata_once() -> None:
    feed = FakeFeed({"report54": _rows(3), "types": []})
    reader = _reader(feed)
    resources = reader.list_resources()
    assert [(r.name, r.url) for r in resources] == [
        ("report54", f"{ROOT}/report54"),
        ("types", f"{ROOT}/types"),
    ]
    assert [c.name for c in reader.columns("report54")] == ["ID", "Name"]
    assert [c.edm_type for c in reader.columns("types")][:3] == ["Edm.String", "Edm.Decimal", "Edm.Int32"]
    assert reader.columns("report54")[0].nullable is False
    list(reader.iter_rows("report54"))
    list(reader.iter_rows("types"))
    assert feed.metadata_requests == 1
    with pytest.raises(SppODataMetadataError, match="'report99'.*report54, types"):
        reader.columns("report99")
    assert [(r.name, r.url) for r in reader.list_resources(source="list")] == [
        ("report54", f"{ROOT}/report54"),
        ("types", f"{ROOT}/types"),
    ]


# -- paging ----------------------------------------------------------------------------------------
def test_pages_through_many_next_links_in_order_and_lazily() -> None:
    feed = FakeFeed({"report54": _rows(2_345)}, cap=100)
    reader = _reader(feed, page_size=500)
    pages = reader.iter_pages("report54")
    first = next(pages)
    assert [r["ID"] for r in first.rows] == list(range(100))
    assert feed.data_requests == 1  # one page read, nothing ahead: memory stays flat
    rest = list(pages)
    ids = [r["ID"] for p in [first, *rest] for r in p.rows]
    assert ids == list(range(2_345))
    assert len(rest) + 1 == feed.data_requests == 24  # 5 windows of 500 → 24 pages of at most 100
    assert [p.number for p in [first, *rest]] == list(range(1, 25))
    data = [r for r in feed.requests if r.url.path.endswith("report54")]
    assert sum("$skiptoken" in _query(r) for r in data) == 19  # links followed inside each window
    assert {_query(r)["$skip"] for r in data} == {"0", "500", "1000", "1500", "2000"}
    assert all(r.headers["Prefer"] == "odata.maxpagesize=500" for r in data)


def test_client_driven_paging_ends_on_a_short_page() -> None:
    feed = FakeFeed({"report54": _rows(1_000)})  # no nextLink at all: $top/$skip only
    rows = list(_reader(feed, page_size=250).iter_rows("report54"))
    assert [r["ID"] for r in rows] == list(range(1_000))
    # four full windows, then an empty one says it is over
    assert [_query(r)["$skip"] for r in feed.requests if r.url.path.endswith("report54")] == [
        "0", "250", "500", "750", "1000",
    ]  # fmt: skip


def test_a_server_that_ignores_top_and_pages_by_itself_is_read_once() -> None:
    feed = FakeFeed({"report54": _rows(730)}, cap=200, honours_top=False)
    rows = list(_reader(feed, page_size=100).iter_rows("report54"))
    assert [r["ID"] for r in rows] == list(range(730))  # no duplicates from a second window
    assert feed.data_requests == 4


def test_query_options_and_top_are_sent_and_top_caps_the_rows() -> None:
    feed = FakeFeed({"report54": _rows(50)}, cap=7)
    reader = _reader(feed, page_size=20)
    rows = list(
        reader.iter_rows(
            "report54", select=["ID", "Name"], filter="Name eq 'row 3'", orderby="ID desc", top=25
        )
    )
    assert len(rows) == 25 and rows[-1]["ID"] == 24
    first = feed.requests[-1 - (feed.data_requests - 1)]
    raw = first.url.query.decode()
    assert "$select=ID,Name" in raw and "$filter=Name%20eq%20'row%203'" in raw and "$orderby=ID%20desc" in raw
    assert _query(first)["$top"] == "20"
    assert {_query(r)["$top"] for r in feed.requests if "$skip=20" in r.url.query.decode()} == {"5"}


def test_a_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("$metadata"):
            return httpx.Response(200, content=EDMX)
        return httpx.Response(200, json={"value": _rows(2), "@odata.nextLink": "https://evil.example/steal"})

    reader = SppODataReader(
        ROOT, company=COMPANY, user=USER, password=PASSWORD, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(SppODataPayloadError, match="leaves"):
        list(reader.iter_rows("report54"))


def test_a_next_link_back_to_the_same_page_is_not_followed_forever() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("$metadata"):
            return httpx.Response(200, content=EDMX)
        return httpx.Response(200, json={"value": _rows(2), "@odata.nextLink": str(request.url)})

    reader = SppODataReader(
        ROOT, company=COMPANY, user=USER, password=PASSWORD, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(SppODataPayloadError, match="same page"):
        list(reader.iter_rows("report54"))


# -- typed values ------------------------------------------------------------------------------
def test_every_value_gets_its_edm_type_and_nulls_stay_none() -> None:
    full = {
        "Name": "Smith",
        "Hours": 12345678901234.1234,  # a JSON number with more digits than a float holds
        "Count": 42,
        "BigId": "9007199254740993",  # Int64 as a string (IEEE754Compatible)
        "Day": "2026-02-28",
        "Updated": "2026-03-01T10:15:30.123Z",
        "Approved": True,
        "Rate": 1.5,
        "@odata.etag": "W/1",
    }
    offset = {"Name": "x", "Hours": "0.10", "Updated": "2026-03-01T10:15:30+02:00", "Approved": False}
    nulls = dict.fromkeys(["Name", "Hours", "Count", "BigId", "Day", "Updated", "Approved", "Rate"])
    feed = FakeFeed({"types": [full, offset, nulls]})
    # the fake re-encodes through json.dumps: send the decimal as written
    feed.faults[1] = (
        json.dumps({"value": [{**full, "Hours": "__H__"}, offset, nulls]}).replace(
            '"__H__"', "12345678901234.1234"
        )
    ).encode()
    a, b, c = _reader(feed).iter_rows("types")
    assert a == {
        "Name": "Smith",
        "Hours": Decimal("12345678901234.1234"),
        "Count": 42,
        "BigId": 9007199254740993,
        "Day": dt.date(2026, 2, 28),
        "Updated": dt.datetime(2026, 3, 1, 10, 15, 30, 123000, tzinfo=dt.UTC),
        "Approved": True,
        "Rate": 1.5,
    }
    assert list(a) == [
        "Name",
        "Hours",
        "Count",
        "BigId",
        "Day",
        "Updated",
        "Approved",
        "Rate",
    ]  # $metadata order
    assert type(a["Hours"]) is Decimal and type(a["Count"]) is int and type(a["Rate"]) is float
    assert b["Hours"] == Decimal("0.10") and b["Approved"] is False
    assert b["Updated"] == dt.datetime(2026, 3, 1, 8, 15, 30, tzinfo=dt.UTC)
    assert b["Updated"].utcoffset() == dt.timedelta(hours=2)
    assert c == nulls


def test_a_value_that_does_not_fit_its_type_names_column_and_url() -> None:
    feed = FakeFeed({"types": [{"Day": "28/02/2026"}]})
    with pytest.raises(SppODataPayloadError, match=r"types\.Day \(Edm\.Date\) holds '28/02/2026'") as err:
        list(_reader(feed).iter_rows("types"))
    assert f"{ROOT}/types?" in str(err.value)


# -- failures ------------------------------------------------------------------------------------
def test_refused_credentials_name_user_and_company_never_the_password() -> None:
    feed = FakeFeed()
    with pytest.raises(SppODataAuthError) as err:
        _reader(feed, password="wrong-Pass-1").list_resources()
    message = str(err.value)
    assert "'jdoe'" in message and "'ACME'" in message and "HTTP 401" in message
    assert "wrong-Pass-1" not in message and PASSWORD not in message
    assert len(feed.requests) == 1  # not retried
    assert "wrong-Pass-1" not in repr(_reader(feed, password="wrong-Pass-1"))


def test_a_503_is_retried_with_backoff_then_the_read_goes_on() -> None:
    feed = FakeFeed({"report54": _rows(30)}, cap=10)
    feed.faults = {2: 503, 3: 429, 4: httpx.ConnectError("refused")}
    sleeps: list[float] = []
    rows = list(_reader(feed, sleeps=sleeps).iter_rows("report54"))
    assert [r["ID"] for r in rows] == list(range(30))
    assert len(sleeps) == 3 and all(s > 0 for s in sleeps)
    assert sleeps[2] > sleeps[0]  # exponential


def test_retries_run_out_with_the_last_failure() -> None:
    feed = FakeFeed()
    feed.faults = dict.fromkeys(range(1, 10), 503)
    with pytest.raises(SppODataError, match=r"HTTP 503 at .*report54") as err:
        list(_reader(feed, max_retries=2).iter_rows("report54"))
    assert err.value.code == 503 and feed.data_requests == 3


def test_410_restarts_the_read_from_the_first_page_once() -> None:
    feed = FakeFeed({"report54": _rows(35)}, cap=10)
    feed.faults = {3: 410}
    restarts: list[int] = []
    pages: list[Page] = list(_reader(feed).iter_pages("report54", on_restart=lambda: restarts.append(1)))
    assert restarts == [1]
    assert [p.attempt for p in pages] == [1, 1, 2, 2, 2, 2]
    assert [r["ID"] for p in pages if p.attempt == 2 for r in p.rows] == list(range(35))
    assert _query(feed.requests[-4]).get("$skiptoken") is None  # the restart began at the first page
    assert feed.metadata_requests == 2  # the republished report's layout is read again


def test_a_second_410_fails_naming_the_report() -> None:
    feed = FakeFeed({"report54": _rows(35)}, cap=10)
    feed.faults = {2: 410, 4: 410}
    rows: list[dict[str, Any]] = []
    with pytest.raises(SppODataRepublished, match="'report54'.*republished again") as err:
        rows.extend(_reader(feed).iter_rows("report54"))
    assert err.value.code == 410 and feed.data_requests == 4
    assert len(rows) == 20  # page 1, then page 1 again: what the consumer must drop on_restart


def test_hostile_metadata_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">&b;</edmx:Edmx>'
    )
    external = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>'
    for payload in (bomb, external):
        with pytest.raises(SppODataMetadataError, match=r"\$metadata: metadata refused: DTDs and entity"):
            _reader(FakeFeed(metadata=payload)).columns("report54")


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (
            b"<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx' Version='4.0'>",
            "not well-formed",
        ),
        (b"<Edmx Version='4.0'/>", "not an EDMX document"),
        (b"<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx' Version='1.0'/>", "not 4.x"),
    ],
    ids=["malformed", "not-edmx", "v2"],
)
def test_malformed_metadata_is_refused(payload: bytes, why: str) -> None:
    with pytest.raises(SppODataMetadataError, match=why):
        _reader(FakeFeed(metadata=payload)).metadata()


@pytest.mark.parametrize(
    "body",
    [b'{"value": [{"ID": 1}', b"<html>maintenance</html>", b'{"rows": []}'],
    ids=["truncated", "html", "shape"],
)
def test_a_malformed_json_page_is_refused_naming_the_url(body: bytes) -> None:
    feed = FakeFeed({"report54": _rows(30)}, cap=10)
    feed.faults = {2: body}
    rows: list[dict[str, Any]] = []
    with pytest.raises(SppODataPayloadError) as err:
        rows.extend(_reader(feed).iter_rows("report54"))
    assert f"{ROOT}/report54?" in str(err.value) and "skiptoken=10" in str(err.value)
    assert len(rows) == 10 and feed.data_requests == 2  # not retried


def test_an_unknown_report_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("$metadata"):
            return httpx.Response(200, content=EDMX)
        return httpx.Response(404, text="not found")

    reader = SppODataReader(
        ROOT, company=COMPANY, user=USER, password=PASSWORD, transport=httpx.MockTransport(handler)
    )
    with pytest.raises(SppODataError, match="HTTP 404 at .*report54.*BI Connector scope"):
        list(reader.iter_rows("report54"))
