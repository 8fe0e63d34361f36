"""Governance: the account's concurrency limit, list-size limits and search page sizes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from zeep.exceptions import Fault

from tests.emulators.netsuite.suitetalk_harness import SuiteTalk, raw_envelope, start

FAULTS_NS = "urn:faults_2023_2.platform.webservices.netsuite.com"
SERVER_TIME = '<m:getServerTime xmlns:m="urn:messages_2023_2.platform.webservices.netsuite.com"/>'


@pytest.fixture(scope="module")
def st() -> Iterator[SuiteTalk]:
    service = start(concurrency_limit=10)
    yield service
    service.stop()


@pytest.fixture(autouse=True)
def _fresh(st: SuiteTalk) -> Iterator[None]:
    st.reset()
    yield
    st.set_latency(0, 0)
    st.app.state.endpoint.gate.limit = 10


def _concurrent_server_times(st: SuiteTalk, n: int) -> list[httpx.Response]:
    envelopes = [raw_envelope(st, SERVER_TIME) for _ in range(n)]  # each with its own nonce
    start_together = threading.Barrier(n)

    def send(body: str) -> httpx.Response:
        start_together.wait()  # a loaded machine must not stagger the requests past the latency
        return st.raw(body, "getServerTime")

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(send, envelopes))


def test_the_eleventh_concurrent_request_is_blocked_when_the_limit_is_ten(st: SuiteTalk) -> None:
    st.set_latency(per_request_s=1.5)  # long enough for all eleven to overlap
    responses = _concurrent_server_times(st, 11)
    blocked = [r for r in responses if b"WS_REQUEST_BLOCKED" in r.content]
    assert len(blocked) == 1
    assert blocked[0].status_code == 500
    assert b"SuiteTalk concurrent request limit exceeded. Request blocked." in blocked[0].content
    assert b"exceededConcurrentRequestLimitFault" in blocked[0].content
    assert sum(r.status_code == 200 for r in responses) == 10
    stats = st.stats()
    assert (stats["peak_concurrency"], stats["rejected_concurrency"], stats["in_flight"]) == (10, 1, 0)


def test_fifty_concurrent_connections_are_held_when_the_limit_allows(st: SuiteTalk) -> None:
    st.app.state.endpoint.gate.limit = 60
    st.set_latency(per_request_s=2.0)
    responses = _concurrent_server_times(st, 50)
    assert all(r.status_code == 200 for r in responses)
    assert st.stats()["peak_concurrency"] == 50


def test_the_concurrency_fault_reaches_zeep_as_a_fault_with_the_code(st: SuiteTalk) -> None:
    st.app.state.endpoint.gate.limit = 0
    with pytest.raises(Fault) as caught:
        st.call("getServerTime")
    assert caught.value.message == "SuiteTalk concurrent request limit exceeded. Request blocked."
    assert caught.value.detail[0].tag == f"{{{FAULTS_NS}}}exceededConcurrentRequestLimitFault"
    assert caught.value.detail[0].findtext(f"{{{FAULTS_NS}}}code") == "WS_REQUEST_BLOCKED"


@pytest.mark.parametrize(
    ("operation", "limit"),
    [("addList", 200), ("updateList", 100), ("upsertList", 100), ("deleteList", 200), ("getList", 1000)],
)
def test_list_operations_over_their_record_limit_are_refused(
    st: SuiteTalk, operation: str, limit: int
) -> None:
    if operation in ("deleteList", "getList"):
        kwargs = {
            "baseRef": [st.core.RecordRef(internalId=str(i + 1), type="customer") for i in range(limit + 1)]
        }
    else:
        kwargs = {"record": [st.rel.Customer(externalId=f"x{i}", entityId=f"C{i}") for i in range(limit + 1)]}
    with pytest.raises(Fault) as caught:
        st.call(operation, **kwargs)
    assert caught.value.detail[0].tag == f"{{{FAULTS_NS}}}exceededRecordCountFault"
    assert st.app.state.store.count() == 0


def test_a_list_at_its_limit_is_accepted(st: SuiteTalk) -> None:
    records = [st.rel.Customer(externalId=f"x{i}", entityId=f"C{i}") for i in range(100)]
    responses = st.call("upsertList", record=records).writeResponseList.writeResponse
    assert len(responses) == 100 and all(r.status.isSuccess for r in responses)


@pytest.mark.parametrize("page_size", [4, 1001])
def test_a_page_size_outside_5_to_1000_fails_the_search(st: SuiteTalk, page_size: int) -> None:
    result = st.call(
        "search",
        searchRecord=st.common.CustomerSearchBasic(),
        search_preferences=st.search_preferences(page_size),
    ).searchResult
    assert result.status.isSuccess is False
    assert result.status.statusDetail[0].code == "INVALID_SEARCH_PAGE_SIZE"
