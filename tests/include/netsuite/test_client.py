"""NetSuiteClient against the SuiteTalk emulator over real HTTP.

These read as the client's contract: idempotent writes, per-record results in input order,
paged incremental search, retries with a fresh TokenPassport, and no secrets in any text.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.serve import free_port, serve_in_thread
from emulators.settings import NetSuiteSettings
from include.netsuite import (
    NetSuiteAuthError,
    NetSuiteClient,
    NetSuiteOutcomeUnknownError,
    NetSuiteTransportError,
    WriteResult,
)
from tests.include.netsuite.conftest import VERSION, Emulator

FLAG = "custentity_oa_export_to_openair"


def _customers(prefix: str, count: int, **extra: object) -> list[dict]:
    return [
        {
            "externalId": f"{prefix}-{i}",
            "entityId": f"{prefix.upper()}-{i}",
            "companyName": f"{prefix} company {i}",
            **extra,
        }
        for i in range(count)
    ]


def _all_ok(results: list[WriteResult]) -> None:
    failed = [(r.index, r.code, r.message) for r in results if not r.ok]
    assert not failed, failed


def test_server_time_is_an_aware_utc_datetime(ns: NetSuiteClient) -> None:
    server_time = ns.server_time()
    assert server_time.tzinfo is not None
    assert abs((server_time - dt.datetime.now(dt.UTC)).total_seconds()) < 60


def test_upsert_creates_then_updates_the_same_records(ns: NetSuiteClient) -> None:
    docs = _customers("acme", 3)
    created = ns.upsert_list("customer", docs)
    _all_ok(created)
    assert [r.index for r in created] == [0, 1, 2]
    assert [r.external_id for r in created] == ["acme-0", "acme-1", "acme-2"]
    assert all(r.id for r in created)

    renamed = [{**doc, "companyName": doc["companyName"] + " (renamed)"} for doc in docs]
    updated = ns.upsert_list("customer", renamed)
    _all_ok(updated)
    assert [r.id for r in updated] == [r.id for r in created]
    fetched = ns.get_list("customer", internal_ids=[r.id for r in created])
    assert [f["companyName"] for f in fetched] == [d["companyName"] for d in renamed]


def test_upsert_requires_external_ids(ns: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="#1 has no externalId"):
        ns.upsert_list("customer", [{"externalId": "x", "companyName": "A"}, {"companyName": "B"}])


def test_one_bad_record_fails_alone_and_results_keep_input_order(ns: NetSuiteClient) -> None:
    [parent] = ns.upsert_list("customer", _customers("parent", 1))
    jobs = [
        {
            "externalId": "job-0",
            "entityId": "JOB-0",
            "companyName": "Job 0",
            "parent": {"internalId": parent.id},
        },
        {
            "externalId": "job-1",
            "entityId": "JOB-1",
            "companyName": "Job 1",
            "parent": {"internalId": "987654"},
        },
        {
            "externalId": "job-2",
            "entityId": "JOB-2",
            "companyName": "Job 2",
            "parent": {"internalId": parent.id},
        },
    ]
    results = ns.upsert_list("job", jobs)
    assert [r.index for r in results] == [0, 1, 2]
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].code in ("INVALID_KEY_OR_REF", "INVALID_REF_KEY")
    assert results[1].external_id == "job-1" and results[1].message


def test_incremental_search_pages_through_changed_flagged_records(
    netsuite: Emulator, ns: NetSuiteClient
) -> None:
    _all_ok(ns.upsert_list("customer", _customers("old", 4, customFieldList={FLAG: True})))
    mark = ns.server_time()
    time.sleep(0.02)  # the emulator's clock has millisecond resolution
    _all_ok(ns.upsert_list("customer", _customers("new", 12, customFieldList={FLAG: True})))
    _all_ok(ns.upsert_list("customer", _customers("skip", 3, customFieldList={FLAG: False})))

    found = list(ns.search("customer", modified_after=mark, custom_booleans={FLAG: True}, page_size=5))

    assert sorted(r["externalId"] for r in found) == sorted(f"new-{i}" for i in range(12))
    assert all(r["customFieldList"][FLAG] is True for r in found)
    assert all(r["lastModifiedDate"] > mark for r in found)
    requests_by_op = netsuite.stats()["requests"]
    assert requests_by_op.get("search") == 1
    assert requests_by_op.get("searchMoreWithId") == 2  # pages 2 and 3, never page 1 again


def test_search_window_and_id_filters(ns: NetSuiteClient) -> None:
    start = ns.server_time()
    time.sleep(0.02)
    created = ns.upsert_list("customer", _customers("win", 6))
    _all_ok(created)
    time.sleep(0.02)
    end = ns.server_time()
    in_window = list(ns.search("customer", modified_after=start, modified_before=end, page_size=5))
    assert len(in_window) == 6
    by_ext = list(ns.search("customer", external_ids=["win-1", "win-4"]))
    assert sorted(r["externalId"] for r in by_ext) == ["win-1", "win-4"]
    by_id = list(ns.search("customer", internal_ids=[created[2].id]))
    assert [r["internalId"] for r in by_id] == [created[2].id]


def test_get_list_by_external_ids_keeps_order_and_marks_missing(ns: NetSuiteClient) -> None:
    _all_ok(ns.upsert_list("customer", _customers("get", 3)))
    fetched = ns.get_list("customer", external_ids=["get-2", "does-not-exist", "get-0"])
    assert fetched[0]["externalId"] == "get-2"
    assert fetched[1] is None
    assert fetched[2]["companyName"] == "get company 0"


def test_document_values_round_trip_through_the_schema(ns: NetSuiteClient) -> None:
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    doc = {
        "externalId": "types-1",
        "entityId": "TYPES-1",
        "companyName": "Types Inc",
        "isInactive": False,
        "email": "types@example.test",
        "customFieldList": {
            FLAG: True,
            "custentity_spp_id": "17",
            "custentity_headcount": 42,
            "custentity_rate": 12.5,
            "custentity_since": when,
        },
    }
    _all_ok(ns.upsert_list("customer", [doc]))
    [got] = ns.get_list("customer", external_ids=["types-1"])
    assert (
        got["companyName"] == "Types Inc"
        and got["isInactive"] is False
        and got["email"] == "types@example.test"
    )
    custom = got["customFieldList"]
    assert custom[FLAG] is True and custom["custentity_spp_id"] == "17"
    assert custom["custentity_headcount"] == 42 and custom["custentity_rate"] == 12.5
    assert custom["custentity_since"] == when
    assert got["lastModifiedDate"].tzinfo is not None


def test_unknown_fields_are_refused_before_sending(ns: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="compnyName"):
        ns.upsert_list("customer", [{"externalId": "typo", "compnyName": "Oops"}])


def test_update_delete_and_get_deleted(ns: NetSuiteClient) -> None:
    created = ns.upsert_list("customer", _customers("del", 3))
    _all_ok(created)
    updated = ns.update_list("customer", [{"internalId": created[0].id, "companyName": "Updated"}])
    _all_ok(updated)
    assert ns.get_list("customer", internal_ids=[created[0].id])[0]["companyName"] == "Updated"

    before = ns.server_time() - dt.timedelta(seconds=1)
    deleted = ns.delete_list("customer", internal_ids=[created[1].id, "999999"])
    assert [r.ok for r in deleted] == [True, False]
    assert deleted[1].code == "RCRD_DSNT_EXIST"
    tombstones = ns.get_deleted(before, "customer")
    assert [t["internalId"] for t in tombstones] == [created[1].id]
    assert tombstones[0]["deletedDate"].tzinfo is not None


def test_concurrency_fault_is_retried_with_a_fresh_passport(
    netsuite: Emulator, ns: NetSuiteClient, caplog: pytest.LogCaptureFixture
) -> None:
    netsuite.faults({"kind": "concurrency", "operation": "getServerTime", "count": 2})
    with caplog.at_level(logging.WARNING, logger="include.netsuite"):
        ns.server_time()  # the emulator refuses a reused nonce, so success proves a new passport per attempt
    stats = netsuite.stats()
    assert stats["requests"]["getServerTime"] == 3
    assert stats["faults_injected"] == 2
    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2 and all("getServerTime" in m and "WS_REQUEST_BLOCKED" in m for m in retries)
    assert not any(
        netsuite.settings.token_secret in m or netsuite.settings.consumer_secret in m for m in retries
    )


def test_unexpected_error_is_retried(netsuite: Emulator, ns: NetSuiteClient) -> None:
    netsuite.faults({"kind": "unexpected_error", "operation": "upsertList", "count": 1})
    results = ns.upsert_list("customer", _customers("retry", 2))
    _all_ok(results)
    assert netsuite.stats()["requests"]["upsertList"] == 2


def test_lost_upsert_response_is_retried_without_duplicates(netsuite: Emulator, ns: NetSuiteClient) -> None:
    netsuite.faults({"kind": "drop_after_commit", "operation": "upsertList", "count": 1})
    results = ns.upsert_list("customer", _customers("drop", 4))
    _all_ok(results)
    assert netsuite.stats()["requests"]["upsertList"] == 2
    stored = list(ns.search("customer", external_ids=[f"drop-{i}" for i in range(4)]))
    assert len(stored) == 4
    assert sorted(r["internalId"] for r in stored) == sorted(r.id for r in results)


def test_lost_add_response_is_verified_not_resent(netsuite: Emulator, ns: NetSuiteClient) -> None:
    netsuite.faults({"kind": "drop_after_commit", "operation": "addList", "count": 1})
    results = ns.add_list("customer", _customers("add", 3))
    _all_ok(results)
    assert [r.external_id for r in results] == ["add-0", "add-1", "add-2"] and all(r.id for r in results)
    requests_by_op = netsuite.stats()["requests"]
    assert requests_by_op["addList"] == 1  # never re-sent: every record was found by externalId
    assert requests_by_op["getList"] == 1
    assert len(list(ns.search("customer", external_ids=["add-0", "add-1", "add-2"]))) == 3


def test_add_whose_outcome_is_unknown_is_checked_then_resent_only_for_what_is_missing(
    netsuite: Emulator, ns: NetSuiteClient
) -> None:
    # a 503 without a SOAP answer: NetSuite may or may not have run it (here it did not)
    netsuite.faults({"kind": "http_error", "operation": "addList", "status": 503, "count": 1})
    results = ns.add_list("customer", _customers("resend", 3))
    _all_ok(results)
    assert [r.external_id for r in results] == ["resend-0", "resend-1", "resend-2"] and all(
        r.id for r in results
    )
    requests_by_op = netsuite.stats()["requests"]
    assert requests_by_op["getList"] == 1  # looked up first: nothing had been created
    assert requests_by_op["addList"] == 2  # so all three were sent again, once
    assert len(list(ns.search("customer", external_ids=["resend-0", "resend-1", "resend-2"]))) == 3


def test_add_list_without_a_lost_response_is_a_plain_add(netsuite: Emulator, ns: NetSuiteClient) -> None:
    results = ns.add_list("customer", [{"entityId": "PLAIN-1", "companyName": "Plain"}])
    _all_ok(results)
    assert netsuite.stats()["requests"].get("getList") is None


def test_wsdl_is_loaded_once_per_url(netsuite: Emulator) -> None:
    first, second = netsuite.client(), netsuite.client()
    first.server_time()
    second.server_time()
    assert first._zeep.wsdl is second._zeep.wsdl


def test_unwritable_wsdl_cache_path_still_works(netsuite: Emulator, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    client = netsuite.client(wsdl_cache_path=str(blocker / "zeep.db"))
    assert client.server_time().tzinfo is not None


def test_bad_credentials_raise_auth_error_without_secrets(netsuite: Emulator) -> None:
    wrong = "WRONG-token-secret-value"
    s = netsuite.settings
    client = NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        wrong,
        endpoint=netsuite.endpoint,
        backoff_base_s=0.01,
        max_retries=2,
    )
    with pytest.raises(NetSuiteAuthError) as info:
        client.server_time()
    text = str(info.value) + repr(info.value) + repr(client)
    assert "Invalid login attempt." in str(info.value)
    assert wrong not in text and s.consumer_secret not in text
    assert netsuite.stats()["requests"]["getServerTime"] == 1  # auth failures are not retried


@pytest.fixture
def short_lived_search_ids() -> Iterator[Emulator]:
    """An emulator whose search ids expire 0.3 s after their last use."""
    from emulators.netsuite.app import create_app

    settings = NetSuiteSettings(
        latency_ms=0, latency_per_record_ms=0, db_url="sqlite://", search_id_ttl_s=0.3
    )
    server = serve_in_thread(create_app(settings))
    try:
        yield Emulator(server, settings)
    finally:
        server.stop()


def test_expired_search_id_restarts_the_search_once(short_lived_search_ids: Emulator) -> None:
    ns = short_lived_search_ids.client()
    _all_ok(ns.upsert_list("customer", _customers("page", 12)))
    seen = []
    for record in ns.search("customer", page_size=5):
        if not seen:
            time.sleep(0.5)  # a slow consumer lets the searchId expire before page 2 is asked for
        seen.append(record["externalId"])
    assert sorted(seen) == sorted(f"page-{i}" for i in range(12))  # complete, and page 1 not repeated
    assert short_lived_search_ids.stats()["requests"]["search"] == 2


def test_http_5xx_without_a_soap_answer_is_retried_for_reads(netsuite: Emulator, ns: NetSuiteClient) -> None:
    _all_ok(ns.upsert_list("customer", _customers("http", 1)))
    netsuite.faults({"kind": "http_error", "operation": "getList", "status": 503, "count": 1})
    assert ns.get_list("customer", external_ids=["http-0"])[0]["externalId"] == "http-0"
    assert netsuite.stats()["requests"]["getList"] == 2


def test_a_slow_answer_times_out_and_is_retried(netsuite: Emulator) -> None:
    ns = netsuite.client(operation_timeout_s=0.3)
    ns.server_time()  # load the WSDL before the fault applies
    netsuite.faults({"kind": "slow", "operation": "getServerTime", "delay_s": 1.0, "count": 1})
    assert ns.server_time().tzinfo is not None


def test_unreachable_service_raises_a_transport_error(netsuite: Emulator) -> None:
    dead = f"http://127.0.0.1:{free_port()}/services/NetSuitePort_{VERSION}"
    client = netsuite.client(endpoint=dead, max_retries=1)
    with pytest.raises(NetSuiteTransportError, match="could not connect") as info:
        client.server_time()
    assert info.value.outcome_unknown is False
    assert netsuite.settings.token_secret not in str(info.value)


def test_the_default_client_speaks_2025_2(netsuite: Emulator) -> None:
    s = netsuite.settings
    ns = NetSuiteClient(
        s.account, s.consumer_key, s.consumer_secret, s.token_id, s.token_secret, endpoint=netsuite.url
    )
    assert ns.version == "2025_2" and ns.wsdl_url == f"{netsuite.url}/wsdl/v2025_2_0/netsuite.wsdl"
    ns = netsuite.client(endpoint=f"{netsuite.url}/services/NetSuitePort_2025_2", version=None)
    assert ns.server_time().tzinfo is not None
    assert "urn:messages_2025_2" in str(ns.types.messages("SearchPreferences"))


def test_the_2023_2_endpoint_is_still_supported(netsuite: Emulator) -> None:
    ns = netsuite.client(version="2023_2", endpoint=f"{netsuite.url}/services/NetSuitePort_2023_2")
    assert ns.wsdl_url.endswith("/wsdl/v2023_2_0/netsuite.wsdl")
    _all_ok(ns.upsert_list("customer", _customers("v23", 2)))
    assert len(list(ns.search("customer", external_ids=["v23-0", "v23-1"]))) == 2
    assert "urn:messages_2023_2" in str(ns.types.messages("SearchPreferences"))


def test_lost_add_response_without_external_ids_is_not_resent(netsuite: Emulator, ns: NetSuiteClient) -> None:
    netsuite.faults({"kind": "drop_after_commit", "operation": "addList", "count": 1})
    with pytest.raises(NetSuiteOutcomeUnknownError, match="no externalId"):
        ns.add_list("customer", [{"entityId": "NOEXT-1", "companyName": "No external id"}])
    assert netsuite.stats()["requests"]["addList"] == 1
