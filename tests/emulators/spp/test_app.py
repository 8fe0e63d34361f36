"""The /api.pl envelope: request attributes, Auth, the request budget, hostile or broken input,
fault rules and statistics — all over real HTTP."""

from __future__ import annotations

import concurrent.futures
import time

import httpx
import pytest
from lxml import etree

from tests.emulators.spp.helpers import SppWire, objects

CUSTOMER = (
    '<Add type="Customer"><Customer><company>Acme</company><externalid>NS-1</externalid></Customer></Add>'
)


def statuses(root: etree._Element) -> list[tuple[str, str | None]]:
    return [(child.tag, child.get("status")) for child in root]


# -- envelope and Auth ----------------------------------------------------------------------


@pytest.mark.parametrize("version_attr", ["API_ver", "API_version"])
def test_both_spellings_of_the_api_version_attribute_are_accepted(spp: SppWire, version_attr: str) -> None:
    root = spp.call("<Time/>", version_attr=version_attr)
    assert statuses(root) == [("Auth", "0"), ("Time", "0")]


def test_a_request_without_api_version_is_refused_as_a_whole(spp: SppWire) -> None:
    body = spp.envelope("<Time/>").replace('API_ver="1.0" ', "")
    root = etree.fromstring(spp.post(body).content)
    assert root.tag == "response" and root.get("status") == "1" and "API_ver" in root.text


def test_commands_are_answered_in_request_order_each_with_its_own_status(spp: SppWire) -> None:
    root = spp.call(
        f'<Time/>{CUSTOMER}<Read type="Customer" method="all"/>'
        '<Read type="Customer" method="all" limit="5"/><Frobnicate/>'
    )
    assert statuses(root) == [
        ("Auth", "0"),
        ("Time", "0"),
        ("Add", "0"),
        ("Read", "605"),
        ("Read", "0"),
        ("Frobnicate", "5"),
    ]
    # an error does not roll back the earlier Add, and a later Read sees it
    assert [c["company"] for c in objects(root[4], "Customer")] == ["Acme"]


def test_without_auth_every_command_reports_not_logged_in(spp: SppWire) -> None:
    root = spp.call(f"<Time/>{CUSTOMER}", auth="")
    assert statuses(root) == [("Time", "2"), ("Add", "2")]
    assert spp.command('<Read type="Customer" method="all" limit="10"/>').findall("Customer") == []


@pytest.mark.parametrize(
    "login",
    [
        "<company>AcmeCo</company><user>api_user</user><password>wrong</password>",
        "<company>OtherCo</company><user>api_user</user><password>s3cret</password>",
        "<company>AcmeCo</company><user>someone</user><password>s3cret</password>",
    ],
)
def test_bad_credentials_fail_auth_with_401_and_block_later_commands(spp: SppWire, login: str) -> None:
    root = spp.call(CUSTOMER, auth=f"<Auth><Login>{login}</Login></Auth>")
    assert statuses(root) == [("Auth", "401"), ("Add", "2")]
    assert "s3cret" not in etree.tostring(root).decode()


def test_company_and_user_match_case_insensitively_but_the_password_does_not(spp: SppWire) -> None:
    login = "<company>acmeco</company><user>API_USER</user><password>s3cret</password>"
    assert statuses(spp.call("<Time/>", auth=f"<Auth><Login>{login}</Login></Auth>"))[0] == ("Auth", "0")
    login = "<company>AcmeCo</company><user>api_user</user><password>S3CRET</password>"
    assert statuses(spp.call("<Time/>", auth=f"<Auth><Login>{login}</Login></Auth>"))[0] == ("Auth", "401")


def test_a_wrong_api_namespace_or_key_fails_auth(spp: SppWire) -> None:
    root = spp.call("<Time/>", key="not-the-key")
    assert statuses(root) == [("Auth", "401"), ("Time", "2")]


def test_oauth_access_token_login(spp: SppWire) -> None:
    good = "<Auth><Login><access_token>emulator-access-token</access_token></Login></Auth>"
    assert statuses(spp.call("<Time/>", auth=good)) == [("Auth", "0"), ("Time", "0")]
    bad = "<Auth><Login><access_token>expired</access_token><company>AcmeCo</company>" \
          "<user>api_user</user><password>s3cret</password></Login></Auth>"  # fmt: skip
    # an invalid token fails outright: no fallback to the password
    assert statuses(spp.call("<Time/>", auth=bad)) == [("Auth", "9"), ("Time", "2")]


def test_error_texts_can_be_read_without_auth(spp: SppWire) -> None:
    root = spp.call(
        '<Read type="Error" method="equal to" limit="1"><Error><code>605</code></Error></Read>', auth=""
    )
    error = root[0].find("Error")
    assert (
        root[0].get("status") == "0" and error.findtext("code") == "605" and "limit" in error.findtext("text")
    )


# -- request budget -------------------------------------------------------------------------


def test_over_the_per_minute_budget_auth_answers_556_and_nothing_runs(spp: SppWire, app: object) -> None:
    app.state.settings.requests_per_minute = 2  # type: ignore[attr-defined]
    assert statuses(spp.call("<Time/>"))[0] == ("Auth", "0")
    assert statuses(spp.call("<Time/>"))[0] == ("Auth", "0")
    root = spp.call(CUSTOMER)
    assert statuses(root) == [("Auth", "556"), ("Add", "2")]
    assert spp.stats()["records_written"] == 0


def test_rate_limit_read_reports_the_remaining_daily_calls(spp: SppWire) -> None:
    first = spp.command('<Read type="RateLimit" method="all" limit="1"/>')
    second = spp.command('<Read type="RateLimit" method="all" limit="1"/>')
    remaining = [int(a.findtext("RateLimit/remain_24h_error")) for a in (first, second)]
    assert remaining[0] - remaining[1] == 1  # the read itself consumes a call


# -- hostile and broken input ---------------------------------------------------------------


def test_malformed_xml_gets_a_top_level_status_1_and_the_service_stays_up(spp: SppWire) -> None:
    response = spp.post(b"<request API_ver='1.0'><Auth><Login>")
    root = etree.fromstring(response.content)
    assert response.status_code == 200 and root.tag == "response" and root.get("status") == "1"
    assert statuses(spp.call("<Time/>")) == [("Auth", "0"), ("Time", "0")]


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE request [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<request API_ver="1.0"><Time>&b;</Time></request>',
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><request API_ver="1.0"/>',
    ],
    ids=["entity-expansion", "external-dtd"],
)
def test_dtd_and_entity_payloads_are_refused_unparsed(spp: SppWire, payload: bytes) -> None:
    root = etree.fromstring(spp.post(payload).content)
    assert root.get("status") == "1" and "DTD" in root.text
    assert "root:" not in root.text


def test_an_oversized_body_is_refused_before_parsing(spp: SppWire, app: object) -> None:
    service = app.state.service  # type: ignore[attr-defined]
    limit, service.body_limit = service.body_limit, 2048
    try:
        response = spp.post(spp.envelope("<Time/>" + "<!-- padding -->" * 200))
    finally:
        service.body_limit = limit
    assert response.status_code == 413 and etree.fromstring(response.content).get("status") == "1"
    assert statuses(spp.call("<Time/>"))[1] == ("Time", "0")


def test_a_document_that_is_not_a_request_is_refused(spp: SppWire) -> None:
    root = etree.fromstring(spp.post(b"<response/>").content)
    assert root.get("status") == "1"


# -- fault rules ----------------------------------------------------------------------------


def set_faults(spp: SppWire, *rules: dict) -> None:
    assert spp.control("POST", "faults", json=list(rules)).status_code == 200


def test_http_error_fault_answers_the_status_without_running_the_commands(spp: SppWire) -> None:
    set_faults(spp, {"kind": "http_error", "operation": "Add", "status": 502, "count": 1})
    response = spp.post(spp.envelope(CUSTOMER))
    assert response.status_code == 502
    assert spp.command('<Read type="Customer" method="all" limit="10"/>').findall("Customer") == []
    assert spp.command(CUSTOMER).get("status") == "0"  # count=1: the next request passes
    assert spp.stats()["faults_by_kind"] == {"http_error": 1}


def test_slow_fault_delays_the_answer(spp: SppWire) -> None:
    set_faults(spp, {"kind": "slow", "operation": "Time", "delay_s": 0.3})
    started = time.perf_counter()
    spp.command("<Time/>")
    assert time.perf_counter() - started >= 0.3


def test_drop_after_commit_commits_the_write_but_the_client_sees_a_connection_error(spp: SppWire) -> None:
    set_faults(spp, {"kind": "drop_after_commit", "operation": "Add", "record_type": "Customer", "count": 1})
    with pytest.raises(httpx.TransportError):
        spp.post(spp.envelope(CUSTOMER))
    found = spp.command('<Read type="Customer" method="equal to" limit="10"><Customer>'
                        "<externalid>NS-1</externalid></Customer></Read>")  # fmt: skip
    assert [c["company"] for c in objects(found, "Customer")] == ["Acme"]


def test_rate_limit_fault_answers_556_on_auth(spp: SppWire) -> None:
    set_faults(spp, {"kind": "rate_limit", "count": 2})
    assert statuses(spp.call(CUSTOMER)) == [("Auth", "556"), ("Add", "2")]
    assert statuses(spp.call(CUSTOMER)) == [("Auth", "556"), ("Add", "2")]
    assert statuses(spp.call(CUSTOMER)) == [("Auth", "0"), ("Add", "0")]


def test_record_error_fault_fails_matching_objects_only(spp: SppWire) -> None:
    set_faults(spp, {"kind": "record_error", "operation": "Add", "field": "company", "value": "Bad",
                     "message": "company name rejected", "code": 602})  # fmt: skip
    answer = spp.command(
        '<Add type="Customer"><Customer><company>Good</company></Customer>'
        "<Customer><company>Bad</company></Customer></Add>"
    )
    good, bad = answer.findall("Customer")
    assert answer.get("status") == "0" and good.findtext("id")
    assert bad.get("status") == "602" and "company name rejected" in etree.tostring(bad).decode()
    assert spp.stats()["records_written"] == 1


def test_record_error_on_every_object_sets_the_command_status(spp: SppWire) -> None:
    set_faults(spp, {"kind": "record_error", "record_type": "Customer"})
    answer = spp.command(CUSTOMER)
    assert answer.get("status") == "602" and answer.find("Customer").get("status") == "602"


# -- statistics -----------------------------------------------------------------------------


def test_stats_count_commands_objects_and_concurrency(spp: SppWire, app: object) -> None:
    spp.command(CUSTOMER)
    spp.command('<Read type="Customer" method="all" limit="10"/>')
    latency = app.state.control.latency  # type: ignore[attr-defined]
    latency.per_request_s = 0.2
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: spp.post(spp.envelope("<Time/>")), range(4)))
    finally:
        latency.per_request_s = 0.0
    stats = spp.stats()
    assert stats["requests"]["Auth"] == 6 and stats["requests"]["Add"] == 1 and stats["requests"]["Read"] == 1
    assert stats["records_written"] == 1 and stats["records_read"] == 1
    assert stats["peak_concurrency"] >= 2 and stats["in_flight"] == 0
