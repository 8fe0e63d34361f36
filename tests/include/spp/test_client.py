"""SppClient against the local SuiteProjects Pro service over real HTTP.

One emulator per module (in-memory store, zero latency); every test starts from an empty,
fault-free service. Backoff is shrunk to milliseconds so retry tests stay fast.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulators.serve import RunningServer, free_port, serve_in_thread
from emulators.settings import SppSettings
from emulators.spp.app import create_app
from emulators.store import RecordStore
from include.spp import (
    OUTCOME_UNKNOWN,
    SppAuthError,
    SppClient,
    SppRateLimited,
    SppRequestError,
    SppWriteOutcomeUnknown,
)
from include.spp import client as client_module

SETTINGS = SppSettings(
    company="TestCo",
    user="integration",
    password="pw-Sup3rSecret",
    api_namespace="default",
    api_key="key-T0pSecret",
    latency_ms=0,
    latency_per_record_ms=0,
    db_url="sqlite://",
)
SECRETS = (SETTINGS.password, SETTINGS.api_key)


@pytest.fixture(scope="module")
def store() -> RecordStore:
    return RecordStore("sqlite://")


@pytest.fixture(scope="module")
def server(store: RecordStore) -> Iterator[RunningServer]:
    running = serve_in_thread(create_app(SETTINGS, store=store))
    yield running
    running.stop()


@pytest.fixture
def service(server: RunningServer) -> RunningServer:
    """The module's service, wiped and without fault rules."""
    requests.post(f"{server.url}/_emulator/reset", timeout=10).raise_for_status()
    return server


def make_client(url: str, **overrides: Any) -> SppClient:
    params: dict[str, Any] = {
        "base_url": url,
        "company": SETTINGS.company,
        "user": SETTINGS.user,
        "password": SETTINGS.password,
        "api_namespace": SETTINGS.api_namespace,
        "api_key": SETTINGS.api_key,
        "backoff_base_s": 0.001,
        "max_retries": 3,
        "timeout_s": 10,
    }
    params.update(overrides)
    return SppClient(**params)


@pytest.fixture
def spp(service: RunningServer) -> Iterator[SppClient]:
    with make_client(service.url) as client:
        yield client


def set_faults(server: RunningServer, *rules: dict[str, Any]) -> None:
    requests.post(f"{server.url}/_emulator/faults", json=list(rules), timeout=10).raise_for_status()


def stats(server: RunningServer) -> dict[str, Any]:
    return requests.get(f"{server.url}/_emulator/stats", timeout=10).json()


def customers(count: int, prefix: str = "C") -> list[dict[str, str]]:
    return [{"company": f"{prefix}{i}", "externalid": f"{prefix}-ext-{i}"} for i in range(count)]


# -- authentication -----------------------------------------------------------------------------


def test_login_succeeds_and_whoami_names_the_integration_user(spp: SppClient) -> None:
    me = spp.whoami()
    assert me["nickname"].lower() == SETTINGS.user


def test_server_time_is_the_service_clock(spp: SppClient) -> None:
    now = dt.datetime.now(dt.UTC)
    assert abs((spp.server_time() - now).total_seconds()) < 60


def test_wrong_password_raises_auth_error_without_leaking_secrets(service: RunningServer) -> None:
    wrong = "pw-Wr0ngButSecret"
    with make_client(service.url, password=wrong) as client, pytest.raises(SppAuthError) as caught:
        client.whoami()
    assert caught.value.code == 401
    text = str(caught.value) + repr(caught.value)
    assert wrong not in text and SETTINGS.api_key not in text


def test_wrong_api_key_is_refused(service: RunningServer) -> None:
    with make_client(service.url, api_key="not-the-key") as client, pytest.raises(SppAuthError):
        client.whoami()


def test_repr_shows_where_and_who_but_no_secrets(spp: SppClient) -> None:
    text = repr(spp)
    assert SETTINGS.company in text and SETTINGS.user in text
    assert all(secret not in text for secret in SECRETS)


def test_from_env_reads_the_base_url_and_credentials(
    service: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPP_BASE_URL", service.url)
    for name, value in (
        ("SPP_COMPANY", SETTINGS.company),
        ("SPP_USER", SETTINGS.user),
        ("SPP_PASSWORD", SETTINGS.password),
        ("SPP_API_NAMESPACE", SETTINGS.api_namespace),
        ("SPP_API_KEY", SETTINGS.api_key),
    ):
        monkeypatch.setenv(name, value)
    with SppClient.from_env(backoff_base_s=0.001) as client:
        assert client.endpoint == f"{service.url}/api.pl"
        assert client.whoami()["nickname"].lower() == SETTINGS.user


# -- reads --------------------------------------------------------------------------------------


def test_read_pages_until_a_short_page_and_yields_each_object_once(
    spp: SppClient, service: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    spp.add("Customer", customers(12))

    with caplog.at_level(logging.INFO, logger="include.spp.client"):
        found = list(spp.read("Customer", page_size=5))

    assert sorted(c["company"] for c in found) == sorted(f"C{i}" for i in range(12))
    assert len({c["id"] for c in found}) == 12
    pages = [r.getMessage() for r in caplog.records if "page" in r.getMessage()]
    assert len(pages) == 3 and pages[-1].endswith("12 so far")
    assert all(secret not in caplog.text for secret in SECRETS)


def test_read_with_a_full_last_page_asks_once_more_and_stops(spp: SppClient) -> None:
    spp.add("Customer", customers(10))
    assert len(list(spp.read("Customer", page_size=5))) == 10


def test_updated_after_and_before_select_on_the_updated_timestamp(spp: SppClient, store: RecordStore) -> None:
    results = spp.add("Customer", customers(4))
    old = dt.datetime(2024, 1, 1, 12, 0, 0)
    for result in results[:2]:
        store.set_timestamps("Customer", int(result.id), created=old, updated=old)
    cutoff = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    recent = list(spp.read("Customer", updated_after=cutoff))
    earlier = list(spp.read("Customer", updated_before=cutoff))

    assert sorted(c["id"] for c in recent) == sorted(r.id for r in results[2:])
    assert sorted(c["id"] for c in earlier) == sorted(r.id for r in results[:2])
    assert {c["updated"] for c in earlier} == {"2024-01-01 12:00:00"}


def test_read_by_ids_batches_lookups_and_skips_unknown_ids(
    spp: SppClient, service: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "LOOKUPS_PER_REQUEST", 2)
    ids = [r.id for r in spp.add("Customer", customers(5))]
    before = stats(service)["requests"]  # counted per command

    found = list(spp.read("Customer", ids=[ids[0], ids[3], ids[4], "999999", ids[0]]))

    assert sorted(c["id"] for c in found) == sorted([ids[0], ids[3], ids[4]])
    after = stats(service)["requests"]
    assert after["Read"] - before.get("Read", 0) == 4  # one Read per distinct id
    assert after["Auth"] - before.get("Auth", 0) == 2  # two look-ups per HTTP request


def test_equal_to_and_returned_fields(spp: SppClient) -> None:
    spp.add("Customer", [{"company": "Acme", "externalid": "a", "notes": "n1"}, {"company": "Other"}])

    found = list(spp.read("Customer", equal_to={"company": "Acme"}, fields=["company"]))

    assert len(found) == 1
    assert found[0]["company"] == "Acme" and "id" in found[0] and "notes" not in found[0]


def test_equal_to_any_finds_objects_by_any_of_several_key_values(spp: SppClient) -> None:
    spp.add(
        "Customer",
        [{"company": c, "netsuite_customer_id__c": n} for c, n in (("A", "11"), ("B", "12"), ("C", "13"))],
    )

    found = list(spp.read("Customer", equal_to_any={"netsuite_customer_id__c": ["11", "13", "99"]}))

    assert sorted(c["company"] for c in found) == ["A", "C"]


# -- writes -------------------------------------------------------------------------------------


def test_upsert_on_externalid_twice_leaves_one_record(spp: SppClient) -> None:
    first = spp.add("Customer", [{"company": "Acme", "externalid": "NS-1"}], lookup_external=True)
    second = spp.add("Customer", [{"company": "Acme Ltd", "externalid": "NS-1"}], lookup_external=True)

    assert first[0].ok and second[0].ok
    assert first[0].id == second[0].id and second[0].external_id == "NS-1"
    found = list(spp.read("Customer", equal_to={"externalid": "NS-1"}))
    assert [c["company"] for c in found] == ["Acme Ltd"]


def test_parent_referenced_by_external_id(spp: SppClient) -> None:
    customer = spp.add("Customer", [{"company": "Acme", "externalid": "NS-9"}])[0]

    project = spp.add("Project", [{"name": "Rollout", "customerid": {"external": "NS-9"}}])[0]

    assert project.ok, project.message
    assert next(spp.read("Project", ids=[project.id]))["customerid"] == customer.id


def test_writes_are_split_into_commands_and_requests(
    spp: SppClient, service: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "MAX_COMMANDS_PER_REQUEST", 2)
    client = make_client(service.url, objects_per_command=2, write_batch_size=100)
    before = stats(service)["requests"]

    results = client.add("Customer", customers(9))

    after = stats(service)["requests"]
    assert [r.index for r in results] == list(range(9)) and all(r.ok for r in results)
    assert after["Add"] - before.get("Add", 0) == 5  # 2+2+2+2+1 objects
    assert after["Auth"] - before.get("Auth", 0) == 3  # at most 2 commands per request
    assert sorted(c["company"] for c in spp.read("Customer")) == sorted(f"C{i}" for i in range(9))


def test_modify_changes_fields_and_reports_unknown_ids_per_record(spp: SppClient) -> None:
    created = spp.add("Customer", customers(2))

    results = spp.modify(
        "Customer", [{"id": created[0].id, "company": "Renamed"}, {"id": "999999", "company": "Ghost"}]
    )

    assert results[0].ok and results[0].id == created[0].id
    assert not results[1].ok and results[1].code and results[1].index == 1 and results[1].message
    assert next(spp.read("Customer", ids=[created[0].id]))["company"] == "Renamed"


def test_modify_needs_ids() -> None:
    client = make_client("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="no 'id'"):
        client.modify("Customer", [{"company": "x"}])


def test_delete_then_read_deleted_returns_the_tombstone(spp: SppClient) -> None:
    created = spp.add("Customer", customers(3))

    results = spp.delete("Customer", [created[1].id])

    assert results[0].ok
    assert sorted(c["id"] for c in spp.read("Customer")) == sorted([created[0].id, created[2].id])
    assert [c["id"] for c in spp.read("Customer", deleted=True)] == [created[1].id]


def test_submit_and_approve_a_timesheet(spp: SppClient) -> None:
    user = spp.whoami()
    sheet = spp.add("Timesheet", [{"userid": user["id"], "starts": "2026-11-23", "ends": "2026-11-29"}])[0]
    assert sheet.ok, sheet.message

    assert spp.submit("Timesheet", [sheet.id])[0].ok
    assert spp.approve("Timesheet", [sheet.id])[0].ok
    assert next(spp.read("Timesheet", ids=[sheet.id]))["status"] == "A"


def test_dates_are_sent_as_date_blocks_and_read_back_flattened(spp: SppClient) -> None:
    entry = spp.add("Task", [{"date": dt.date(2026, 11, 23), "decimal_hours": 7.5, "notes": "2026-11-24"}])[0]

    found = next(spp.read("Task", ids=[entry.id]))

    assert found["date"] == "2026-11-23 00:00:00" and found["decimal_hours"] == "7.5"
    assert found["notes"] == "2026-11-24 00:00:00"  # date-shaped text is sent as a date (documented)
    assert set(found) >= {"id", "created", "updated"}


def test_create_user_upserts_on_externalid(spp: SppClient) -> None:
    record = {"nickname": "jdoe", "externalid": "EMP-1", "addr.email": "jdoe@example.com"}

    first = spp.create_user([record], lookup_external=True)
    second = spp.create_user([{**record, "addr.email": "john@example.com"}], lookup_external=True)

    assert first[0].ok and second[0].ok and first[0].id == second[0].id
    found = list(spp.read("User", equal_to={"externalid": "EMP-1"}))
    assert len(found) == 1 and found[0]["addr.email"] == "john@example.com"


# -- failures and retries -----------------------------------------------------------------------


@pytest.mark.parametrize("objects_per_command", [1, 200])
def test_record_error_fails_that_record_and_the_rest_succeed(
    service: RunningServer, objects_per_command: int
) -> None:
    set_faults(service, {"kind": "record_error", "operation": "Add", "field": "company", "value": "C1"})
    spp = make_client(service.url, objects_per_command=objects_per_command)

    results = spp.add("Customer", customers(3))

    assert [r.ok for r in results] == [True, False, True]
    assert [r.index for r in results] == [0, 1, 2]
    assert results[1].code and results[1].message and results[1].external_id == "C-ext-1"
    assert sorted(c["company"] for c in spp.read("Customer")) == ["C0", "C2"]


def test_rate_limit_is_retried_with_backoff_then_succeeds(spp: SppClient, service: RunningServer) -> None:
    set_faults(service, {"kind": "rate_limit", "count": 2})

    results = spp.add("Customer", customers(1))

    assert results[0].ok
    assert stats(service)["faults_by_kind"].get("rate_limit") == 2
    assert len(list(spp.read("Customer"))) == 1


def test_rate_limit_beyond_the_retry_budget_raises(service: RunningServer) -> None:
    set_faults(service, {"kind": "rate_limit"})
    with make_client(service.url, max_retries=2) as client, pytest.raises(SppRateLimited) as caught:
        list(client.read("Customer"))
    assert caught.value.code == 556
    assert all(secret not in str(caught.value) for secret in SECRETS)


def test_http_5xx_is_retried_for_reads(spp: SppClient, service: RunningServer) -> None:
    spp.add("Customer", customers(2))
    set_faults(service, {"kind": "http_error", "status": 503, "count": 1})

    assert len(list(spp.read("Customer"))) == 2


def test_http_5xx_on_a_modify_is_not_retried(spp: SppClient, service: RunningServer) -> None:
    created = spp.add("Customer", customers(1))[0]
    set_faults(service, {"kind": "http_error", "status": 502, "operation": "Modify", "count": 1})

    with pytest.raises(SppWriteOutcomeUnknown) as caught:
        spp.modify("Customer", [{"id": created.id, "company": "Renamed"}])

    assert caught.value.code == 502
    assert [(r.ok, r.id, r.code) for r in caught.value.results or []] == [
        (False, created.id, OUTCOME_UNKNOWN)
    ]


def test_dropped_upsert_is_retried_without_duplicates(spp: SppClient, service: RunningServer) -> None:
    set_faults(service, {"kind": "drop_after_commit", "operation": "Add", "count": 1})

    results = spp.add("Customer", [{"company": "Acme", "externalid": "NS-7"}], lookup_external=True)

    assert results[0].ok and results[0].id
    assert stats(service)["faults_by_kind"].get("drop_after_commit") == 1
    assert len(list(spp.read("Customer", equal_to={"externalid": "NS-7"}))) == 1


def test_upsert_with_a_record_lacking_externalid_is_not_replayed(
    spp: SppClient, service: RunningServer
) -> None:
    set_faults(service, {"kind": "drop_after_commit", "operation": "Add", "count": 1})

    with pytest.raises(SppWriteOutcomeUnknown):
        spp.add("Customer", [{"company": "A", "externalid": "NS-1"}, {"company": "B"}], lookup_external=True)

    assert sorted(c["company"] for c in spp.read("Customer")) == ["A", "B"]


def test_dropped_plain_add_is_not_retried_and_reports_unknown_outcome(
    spp: SppClient, service: RunningServer
) -> None:
    spp.add("Customer", [{"company": "Before"}])
    set_faults(service, {"kind": "drop_after_commit", "operation": "Add", "count": 1})

    with pytest.raises(SppWriteOutcomeUnknown) as caught:
        spp.add("Customer", [{"company": "Acme"}])

    assert [r.code for r in caught.value.results or []] == [OUTCOME_UNKNOWN]
    # the service did commit it once; a blind retry would have made two
    assert len(list(spp.read("Customer", equal_to={"company": "Acme"}))) == 1


def test_partial_failure_keeps_the_results_of_committed_requests(
    spp: SppClient, service: RunningServer
) -> None:
    # two records per command and per request: the fault skips the first request's command
    set_faults(service, {"kind": "drop_after_commit", "operation": "Add", "after": 1, "count": 1})
    client = make_client(service.url, write_batch_size=2, objects_per_command=2)

    with pytest.raises(SppWriteOutcomeUnknown) as caught:
        client.add("Customer", customers(5))

    results = caught.value.results or []
    assert [r.ok for r in results] == [True, True, False, False, False]
    assert [r.code for r in results[2:]] == [OUTCOME_UNKNOWN, OUTCOME_UNKNOWN, "NOT_SENT"]
    assert all(r.id for r in results[:2])


def test_unreachable_service_is_retried_then_reported() -> None:
    client = make_client(f"http://127.0.0.1:{free_port()}", max_retries=2)
    with pytest.raises(SppRequestError) as caught:
        client.add("Customer", customers(1))
    assert not isinstance(caught.value, SppWriteOutcomeUnknown)  # never sent, so safe to say "not done"
    assert all(secret not in str(caught.value) for secret in SECRETS)
