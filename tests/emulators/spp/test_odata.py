"""The SPP OData v4 service for published reports, over real HTTP: service document, EDMX, query options,
server-driven paging, Basic auth, read-only methods, 410 on republish, refresh, control plane parity."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from lxml import etree

from emulators.seed import seed_spp
from emulators.serve import RunningServer, serve_in_thread
from emulators.spp import reports as rp
from emulators.spp.app import create_app
from emulators.spp.odata import GONE_MESSAGE
from emulators.store import RecordStore
from tests.emulators.spp.helpers import SppWire, date_xml, make_settings

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
SEEDED = {
    "report101": ("Project profitability by month", rp.PROFITABILITY_COLUMNS),
    "report102": ("Utilisation by employee and week", rp.UTILISATION_COLUMNS),
    "report103": ("Backlog by project", rp.BACKLOG_COLUMNS),
}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[RunningServer, Any]]:
    store = RecordStore("sqlite://")
    seed_spp(store, "tiny")
    app = create_app(make_settings(), store)
    server = serve_in_thread(app)
    yield server, app
    server.stop()


@pytest.fixture
def app(served: tuple[RunningServer, Any]) -> Any:
    return served[1]


@pytest.fixture
def http(served: tuple[RunningServer, Any]) -> Iterator[httpx.Client]:
    server, app = served
    s = app.state.settings
    client = httpx.Client(base_url=server.url, auth=(f"{s.company}\\{s.user}", s.password), timeout=30)
    # counters and rules back to zero, data kept; default paging
    assert client.post("/_emulator/reset", params={"data": "0"}).status_code == 200
    assert client.post("/_emulator/latency", json={"per_request_s": 0, "per_record_s": 0}).status_code == 200
    assert client.post("/_emulator/odata/config", json={"page_size": 1000, "server_paging": True}).is_success
    yield client
    client.close()


def get(http: httpx.Client, path: str, **params: str) -> httpx.Response:
    return http.get(f"/odata/v4/reports{path}", params=params)


def rows(http: httpx.Client, resource: str, **params: str) -> list[dict[str, Any]]:
    response = get(http, f"/{resource}", **params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "@odata.nextLink" not in body
    return body["value"]


def read_all(http: httpx.Client, resource: str, **params: str) -> tuple[list[dict[str, Any]], int]:
    """Every row, following @odata.nextLink; and the number of pages."""
    response = get(http, f"/{resource}", **params)
    pages, out = 0, []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        out.extend(body["value"])
        pages += 1
        if "@odata.nextLink" not in body:
            return out, pages
        response = http.get(body["@odata.nextLink"])


def synthetic(http: httpx.Client, rows_count: int, **params: str) -> dict[str, Any]:
    response = http.post("/_emulator/odata/synthetic", params={"rows": str(rows_count), **params})
    assert response.status_code == 200, response.text
    return response.json()


# -- service document, $metadata, list ------------------------------------------------------------


def test_service_document_lists_the_reports_the_user_may_read(http: httpx.Client) -> None:
    response = get(http, "")
    assert response.status_code == 200 and response.headers["OData-Version"] == "4.0"
    body = response.json()
    assert body["@odata.context"].endswith("/odata/v4/reports/$metadata")
    listed = {e["name"]: e for e in body["value"] if e["name"] in SEEDED}
    assert {n: e["title"] for n, e in listed.items()} == {n: t for n, (t, _) in SEEDED.items()}
    assert all(e["kind"] == "EntitySet" and e["url"] == e["name"] for e in listed.values())
    # published for another user only: neither listed nor readable
    assert "report104" not in {e["name"] for e in body["value"]}
    assert get(http, "/report104").status_code == 404
    assert get(http, "/report999").status_code == 404


def test_metadata_is_edmx_4_with_typed_properties_in_report_column_order(http: httpx.Client) -> None:
    response = get(http, "/$metadata")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{EDMX}Edmx" and root.get("Version") == "4.0"
    types = {t.get("Name"): t for t in root.iter(f"{EDM}EntityType")}
    seen_types = set()
    for resource, (_, columns) in SEEDED.items():
        properties = [(p.get("Name"), p.get("Type")) for p in types[resource].findall(f"{EDM}Property")]
        assert properties == [(c.name, c.edm_type) for c in columns]
        seen_types |= {t for _, t in properties}
        # the data carries the same columns in the same order
        assert list(rows(http, resource, **{"$top": "1"})[0]) == [c.name for c in columns]
    assert seen_types == set(rp.EDM_TYPES)
    sets = {s.get("Name"): s.get("EntityType") for s in root.iter(f"{EDM}EntitySet")}
    assert sets["report101"] == "SuiteProjectsPro.report101"


def test_list_shows_publication_scope_schedule_and_times(http: httpx.Client) -> None:
    body = get(http, "/list").json()
    entries = {e["resource"]: e for e in body["value"]}
    for resource, (title, columns) in SEEDED.items():
        entry = entries[resource]
        assert entry["title"] == title and isinstance(entry["publication_id"], int)
        assert "NetSuite Connector" in entry["scope"] and "Business Intelligence Connector" in entry["scope"]
        assert entry["refresh_schedule"] and entry["last_refreshed"].endswith("Z")
        assert [c["name"] for c in entry["columns"]] == [c.name for c in columns]
        assert entry["rows"] == len(rows(http, resource, **{"$top": "100000"})) > 0


def test_seeded_rows_are_computed_from_the_spp_objects(http: httpx.Client, app: Any) -> None:
    store: RecordStore = app.state.store
    projects = {r.id for r in store.scan("Project")}
    users = {r.id for r in store.scan("User")}
    entries = list(store.scan("Task"))
    profitability = rows(http, "report101", **{"$top": "100000"})
    assert {r["Project_ID"] for r in profitability} <= projects
    assert sum(r["Entries"] for r in profitability) == sum(1 for e in entries if e.data.get("projectid"))
    utilisation = rows(http, "report102", **{"$top": "100000"})
    assert {r["User_ID"] for r in utilisation} <= users
    assert round(sum(r["Hours"] for r in utilisation), 2) == round(
        sum(float(e.data["decimal_hours"]) for e in entries), 2
    )
    backlog = rows(http, "report103", **{"$top": "100000"})
    assert {r["Project_ID"] for r in backlog} == projects
    by_project = {r["Project_ID"]: r for r in backlog}
    some = next(iter(sorted(projects)))
    planned = sum(
        float(t.data.get("planned_hours") or 0)
        for t in store.scan("Projecttask")
        if t.data.get("projectid") == str(some)
    )
    assert by_project[some]["Planned_hours"] == round(planned, 2)


# -- paging -------------------------------------------------------------------------------------


def test_paging_through_10000_rows_with_next_links(http: httpx.Client) -> None:
    synthetic(http, 10_000)
    first = get(http, "/report900", **{"$count": "true"}).json()
    assert len(first["value"]) == 1000 and first["@odata.count"] == 10_000
    assert "$skiptoken=" in first["@odata.nextLink"] and first["@odata.nextLink"].startswith("http://")
    everything, pages = read_all(http, "report900")
    assert pages == 10
    assert [r["Row_ID"] for r in everything] == [f"S{i}" for i in range(1, 10_001)]
    stats = http.get("/_emulator/stats").json()["odata"]
    assert stats["rows_served"] >= 11_000 and stats["by_resource"]["report900"] >= 11


def test_page_size_is_configurable_and_prefer_maxpagesize_is_honoured(http: httpx.Client) -> None:
    synthetic(http, 2_500)
    assert http.post("/_emulator/odata/config", json={"page_size": 200}).json()["page_size"] == 200
    everything, pages = read_all(http, "report900")
    assert (len(everything), pages) == (2_500, 13)
    response = http.get("/odata/v4/reports/report900", headers={"Prefer": "odata.maxpagesize=50"})
    assert len(response.json()["value"]) == 50
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=50"


def test_top_limits_the_total_across_pages_and_skip_offsets(http: httpx.Client) -> None:
    synthetic(http, 5_000)
    taken, pages = read_all(http, "report900", **{"$top": "2500", "$skip": "100"})
    assert pages == 3 and [r["Seq"] for r in taken] == list(range(101, 2601))
    assert [r["Seq"] for r in rows(http, "report900", **{"$top": "3", "$skip": "4998"})] == [4999, 5000]


def test_without_server_paging_clients_page_with_top_and_skip(http: httpx.Client) -> None:
    synthetic(http, 3_000)
    http.post("/_emulator/odata/config", json={"server_paging": False})
    assert len(rows(http, "report900")) == 3_000
    seqs: list[int] = []
    for skip in range(0, 3_000, 700):
        seqs += [r["Seq"] for r in rows(http, "report900", **{"$top": "700", "$skip": str(skip)})]
    assert seqs == list(range(1, 3_001))


# -- query options ------------------------------------------------------------------------------


def test_filter_on_dates_strings_and_numbers(http: httpx.Client) -> None:
    synthetic(http, 1_000)
    all_rows = rows(http, "report900", **{"$top": "1000"})

    def expect(expression: str, predicate: Any) -> None:
        got = [r["Row_ID"] for r in rows(http, "report900", **{"$filter": expression, "$top": "1000"})]
        assert got == [r["Row_ID"] for r in all_rows if predicate(r)], expression

    expect("Name eq 'Row 17'", lambda r: r["Name"] == "Row 17")
    expect("Day eq 2026-02-01", lambda r: r["Day"] == "2026-02-01")
    expect("Day gt 2026-12-01", lambda r: r["Day"] > "2026-12-01")
    expect("Day ge 2026-03-01 and Day lt 2026-03-05", lambda r: "2026-03-01" <= r["Day"] < "2026-03-05")
    expect("Amount gt 9000 and Flag eq true", lambda r: r["Amount"] > 9000 and r["Flag"])
    expect("Seq le 3 or Seq eq 999", lambda r: r["Seq"] <= 3 or r["Seq"] == 999)
    expect("Name ne 'Row 1' and Seq lt 4", lambda r: r["Name"] != "Row 1" and r["Seq"] < 4)
    expect("Updated ge 2026-01-01T00:16:00Z", lambda r: r["Updated"] >= "2026-01-01T00:16:00Z")


def test_filter_on_a_seeded_report(http: httpx.Client) -> None:
    every = rows(http, "report101", **{"$top": "100000"})
    month = sorted({r["Month"] for r in every})[-1]
    customer = next(r["Customer"] for r in every if r["Customer"])
    got = rows(
        http, "report101", **{"$filter": f"Month ge {month} and Customer eq '{customer}'", "$top": "1000"}
    )
    assert got and got == [r for r in every if r["Month"] >= month and r["Customer"] == customer]


def test_select_orderby_count(http: httpx.Client) -> None:
    synthetic(http, 1_000)
    response = get(
        http,
        "/report900",
        **{
            "$select": "Row_ID,Amount",
            "$orderby": "Amount desc",
            "$filter": "Flag eq false",
            "$count": "true",
            "$top": "5",
        },  # fmt: skip
    )
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#report900(Row_ID,Amount)")
    assert body["@odata.count"] == 500
    assert all(list(r) == ["Row_ID", "Amount"] for r in body["value"])
    amounts = [r["Amount"] for r in body["value"]]
    odd = [r["Amount"] for r in rows(http, "report900", **{"$top": "1000"}) if not r["Flag"]]
    assert amounts == sorted(odd, reverse=True)[:5]
    by_day = rows(http, "report900", **{"$orderby": "Day asc,Seq desc", "$top": "3"})
    assert [(r["Day"], r["Seq"]) for r in by_day] == [
        ("2026-01-01", 730),
        ("2026-01-01", 365),
        ("2026-01-02", 731),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"$filter": "Nope eq 1"},
        {"$filter": "Name eq"},
        {"$select": "Row_ID,Nope"},
        {"$orderby": "Amount sideways"},
        {"$top": "-1"},
        {"$skip": "x"},
        {"$count": "maybe"},
        {"$skiptoken": "garbage"},
    ],
)
def test_bad_query_options_are_400_with_an_odata_error(http: httpx.Client, params: dict[str, str]) -> None:
    synthetic(http, 10)
    response = get(http, "/report900", **params)
    assert response.status_code == 400 and response.json()["error"]["message"]


# -- auth and methods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [None, ("AcmeCo\\api_user", "wrong"), ("OtherCo\\api_user", "s3cret"), ("api_user", "s3cret")],
)
def test_401_with_a_basic_challenge_without_valid_credentials(
    served: tuple[RunningServer, Any], auth: Any
) -> None:
    with httpx.Client(base_url=served[0].url, auth=auth) as client:
        for path in ("/odata/v4/reports", "/odata/v4/reports/$metadata", "/odata/v4/reports/report101"):
            response = client.get(path)
            assert response.status_code == 401
            assert response.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_company_and_user_are_case_insensitive_the_password_is_not(served: tuple[RunningServer, Any]) -> None:
    url = served[0].url
    assert httpx.get(f"{url}/odata/v4/reports", auth=("acmeco\\API_USER", "s3cret")).status_code == 200
    assert httpx.get(f"{url}/odata/v4/reports", auth=("AcmeCo\\api_user", "S3CRET")).status_code == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_get_is_allowed(http: httpx.Client, method: str) -> None:
    response = http.request(method, "/odata/v4/reports/report101", json={"Row_ID": "x"})
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


def test_listviews_collection_is_served_and_empty(http: httpx.Client) -> None:
    body = http.get("/odata/v4/listviews").json()
    assert body["value"] == [] and body["@odata.context"].endswith("/odata/v4/listviews/$metadata")


# -- publication lifecycle ----------------------------------------------------------------------


def test_republish_while_paging_answers_410_and_a_restart_reads_everything(http: httpx.Client) -> None:
    synthetic(http, 3_000)
    first = get(http, "/report900").json()
    second = http.get(first["@odata.nextLink"])
    assert second.status_code == 200
    before = http.get("/_emulator/odata/reports").json()
    republished = http.post("/_emulator/odata/republish", params={"report": "report900"}).json()
    old = next(r for r in before["reports"] if r["resource"] == "report900")["publication_id"]
    assert republished["publication_id"] != old
    gone = http.get(second.json()["@odata.nextLink"])
    assert gone.status_code == 410 and gone.json()["error"]["message"] == GONE_MESSAGE
    everything, pages = read_all(http, "report900")
    assert (len(everything), pages) == (3_000, 3)
    assert http.get("/_emulator/stats").json()["odata"]["gone"] == 1


def test_refresh_between_skip_windows_answers_410_until_the_read_starts_again(http: httpx.Client) -> None:
    synthetic(http, 3_000)
    assert len(rows(http, "report900", **{"$top": "1000"})) == 1_000
    assert len(rows(http, "report900", **{"$top": "1000", "$skip": "1000"})) == 1_000
    assert http.post("/_emulator/odata/refresh", params={"report": "report900"}).status_code == 200
    for _ in range(2):  # the same window again is still a read of the old publication
        gone = get(http, "/report900", **{"$top": "1000", "$skip": "2000"})
        assert gone.status_code == 410 and gone.json()["error"]["message"] == GONE_MESSAGE
    assert len(rows(http, "report900", **{"$top": "1000"})) == 1_000  # restart from the first page
    assert len(rows(http, "report900", **{"$top": "1000", "$skip": "2000"})) == 1_000


def test_republish_may_change_the_columns(http: httpx.Client) -> None:
    synthetic(http, 100)
    assert http.post(
        "/_emulator/odata/republish", params={"report": "report900", "drop": "Flag,Name"}
    ).is_success
    root = etree.fromstring(get(http, "/$metadata").content)
    entity = next(t for t in root.iter(f"{EDM}EntityType") if t.get("Name") == "report900")
    assert [p.get("Name") for p in entity.findall(f"{EDM}Property")] == [
        "Row_ID",
        "Seq",
        "Amount",
        "Day",
        "Updated",
    ]
    assert list(rows(http, "report900", **{"$top": "1"})[0]) == ["Row_ID", "Seq", "Amount", "Day", "Updated"]
    assert get(http, "/report900", **{"$select": "Flag"}).status_code == 400


def test_refresh_of_a_synthetic_report_changes_and_removes_rows(http: httpx.Client) -> None:
    synthetic(http, 10_000, change_pct="20", remove_pct="5")
    before = {r["Row_ID"]: r for r in read_all(http, "report900")[0]}
    refreshed = http.post("/_emulator/odata/refresh", params={"report": "Synthetic report"})
    assert refreshed.status_code == 200
    after = {r["Row_ID"]: r for r in read_all(http, "report900")[0]}
    assert set(after) < set(before) and 9_300 < len(after) < 9_700
    changed = sum(1 for k, r in after.items() if r["Amount"] != before[k]["Amount"])
    assert 1_500 < changed < 2_300


def test_refresh_recomputes_a_seeded_report_from_the_current_spp_data(
    http: httpx.Client, app: Any, served: tuple[RunningServer, Any]
) -> None:
    store: RecordStore = app.state.store
    entry = next(store.scan("Task"))
    project = int(entry.data["projectid"])

    def actual() -> float:
        (row,) = rows(http, "report103", **{"$filter": f"Project_ID eq {project}"})
        return float(row["Actual_hours"])

    before = actual()
    wire = SppWire(served[0], app.state.settings)
    added = wire.command(
        f'<Add type="Task"><Task><date>{date_xml("2026-06-15")}</date><userid>{entry.data["userid"]}</userid>'
        f"<projectid>{project}</projectid><projecttaskid>{entry.data['projecttaskid']}</projecttaskid>"
        "<decimal_hours>7.25</decimal_hours></Task></Add>"
    )
    assert added.get("status") == "0"
    assert actual() == before  # published data do not move until the report is refreshed
    old = get(http, "/list").json()["value"]
    response = http.post("/_emulator/odata/refresh", params={"report": "Backlog by project"})
    assert response.status_code == 200
    assert actual() == round(before + 7.25, 2)
    new = response.json()
    previous = next(r for r in old if r["resource"] == "report103")
    assert new["publication_id"] != previous["publication_id"]
    assert new["last_refreshed"] >= previous["last_refreshed"]
    wire.http.close()


# -- control plane parity -----------------------------------------------------------------------


def test_fault_rules_and_latency_apply_to_odata_requests(http: httpx.Client) -> None:
    synthetic(http, 100)
    http.post(
        "/_emulator/faults", json=[{"kind": "http_error", "operation": "OData", "status": 503, "count": 1}]
    )
    assert get(http, "/report900").status_code == 503
    assert get(http, "/report900").status_code == 200
    http.post(
        "/_emulator/faults", json=[{"kind": "rate_limit", "operation": "OData", "record_type": "report900"}]
    )
    assert get(http, "/report900").status_code == 429 and get(http, "/list").status_code == 200
    http.post("/_emulator/faults", json=[{"kind": "truncated", "operation": "OData", "count": 1}])
    with pytest.raises(ValueError):
        get(http, "/report900").json()
    http.post("/_emulator/faults", json=[])
    http.post("/_emulator/latency", json={"per_request_s": 0.2, "per_record_s": 0.002})
    started = time.monotonic()
    assert len(rows(http, "report900")) == 100
    assert time.monotonic() - started >= 0.39
    assert http.get("/_emulator/stats").json()["faults_by_kind"] == {
        "http_error": 1,
        "rate_limit": 1,
        "truncated": 1,
    }


def test_stats_count_odata_requests_rows_and_peak_concurrency(http: httpx.Client) -> None:
    synthetic(http, 500)
    http.post("/_emulator/reset", params={"data": "0"})
    http.post("/_emulator/latency", json={"per_request_s": 0.4, "per_record_s": 0})
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: get(http, "/report900", **{"$top": "100"}), range(6)))
    assert all(a.status_code == 200 for a in answers)
    get(http, "/$metadata")
    http.get("/odata/v4/reports")  # the service document
    http.post("/odata/v4/reports/report900")
    stats = http.get("/_emulator/stats").json()
    odata = stats["odata"]
    assert odata["requests"] == {"data": 7, "metadata": 1, "service": 1}
    assert odata["rows_served"] == 600 and odata["pages"] == 6
    assert odata["peak_concurrency"] >= 2 and stats["peak_concurrency"] >= 2
    assert stats["requests"]["OData"] == 9


def test_reset_and_seed_republish_the_seeded_reports(http: httpx.Client, app: Any) -> None:
    before = {r["resource"]: r for r in get(http, "/list").json()["value"]}
    assert http.post("/_emulator/seed", params={"scale": "tiny"}).status_code == 200
    after = {r["resource"]: r for r in get(http, "/list").json()["value"]}
    assert set(SEEDED) <= set(after)
    assert all(after[k]["publication_id"] != before[k]["publication_id"] for k in SEEDED)
    assert all(after[k]["rows"] == before[k]["rows"] for k in SEEDED)  # same scale, same rows
    assert "report900" not in after


def test_a_drop_fault_hangs_up_and_a_full_reset_republishes_from_the_data(http: httpx.Client) -> None:
    synthetic(http, 10)
    http.post("/_emulator/faults", json=[{"kind": "drop_after_commit", "operation": "OData", "count": 1}])
    with pytest.raises(httpx.TransportError):
        get(http, "/report900")
    assert get(http, "/report900").status_code == 200
    assert http.post("/_emulator/reset").status_code == 200  # wipes the SPP data and the publications
    names = {e["resource"]: e["rows"] for e in get(http, "/list").json()["value"]}
    assert names == {"report101": 0, "report102": 0, "report103": 0}
