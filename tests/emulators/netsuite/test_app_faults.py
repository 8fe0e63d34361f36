"""Injected faults, hostile or broken inputs, WSDL serving and the second WSDL version."""

from __future__ import annotations

import time

import httpx
import pytest
import requests
from lxml import etree
from zeep.exceptions import Fault

from tests.emulators.netsuite.suitetalk_harness import SuiteTalk, raw_envelope, start

FAULTS_NS = "urn:faults_2023_2.platform.webservices.netsuite.com"
MSGS = "urn:messages_2023_2.platform.webservices.netsuite.com"
SERVER_TIME = f'<m:getServerTime xmlns:m="{MSGS}"/>'


pytestmark = pytest.mark.usefixtures("fresh")


def customer(st: SuiteTalk, n: int, **fields: object) -> object:
    return st.rel.Customer(externalId=f"c{n}", entityId=f"C-{n}", companyName=f"Co {n}", **fields)


def still_up(st: SuiteTalk) -> bool:
    return st.call("getServerTime").getServerTimeResult.status.isSuccess is True


# -- fault rules ------------------------------------------------------------------------------------


def test_concurrency_rule_answers_ws_request_blocked(st: SuiteTalk) -> None:
    st.set_faults({"kind": "concurrency", "operation": "upsertList", "count": 1})
    with pytest.raises(Fault) as caught:
        st.call("upsertList", record=[customer(st, 1)])
    assert caught.value.detail[0].findtext(f"{{{FAULTS_NS}}}code") == "WS_REQUEST_BLOCKED"
    assert st.call("upsertList", record=[customer(st, 1)]).writeResponseList.writeResponse[0].status.isSuccess
    assert st.stats()["faults_by_kind"] == {"concurrency": 1}


def test_unexpected_error_rule(st: SuiteTalk) -> None:
    st.set_faults({"kind": "unexpected_error", "operation": "*"})
    with pytest.raises(Fault) as caught:
        st.call("getServerTime")
    assert caught.value.message == "An unexpected error occurred."
    assert caught.value.detail[0].tag == f"{{{FAULTS_NS}}}unexpectedErrorFault"
    assert caught.value.detail[0].findtext(f"{{{FAULTS_NS}}}code") == "UNEXPECTED_ERROR"


def test_slow_rule_delays_the_answer(st: SuiteTalk) -> None:
    st.set_faults({"kind": "slow", "delay_s": 0.3})
    started = time.perf_counter()
    assert still_up(st)
    assert time.perf_counter() - started >= 0.3


def test_http_error_rule_answers_a_plain_status(st: SuiteTalk) -> None:
    st.set_faults({"kind": "http_error", "status": 503, "count": 1})
    response = st.raw(raw_envelope(st, SERVER_TIME), "getServerTime")
    assert response.status_code == 503
    assert still_up(st)


def test_drop_after_commit_commits_the_write_then_drops_the_connection(st: SuiteTalk) -> None:
    st.set_faults({"kind": "drop_after_commit", "operation": "upsertList", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        st.call("upsertList", record=[customer(st, 1)])
    assert st.app.state.store.get_by_external_id("customer", "c1") is not None
    retry = st.call("upsertList", record=[customer(st, 1)]).writeResponseList.writeResponse[0]
    assert retry.status.isSuccess  # the idempotent retry finds the committed record
    assert st.app.state.store.count("customer") == 1
    assert st.stats()["faults_by_kind"] == {"drop_after_commit": 1}


def test_record_error_rule_fails_only_the_matching_records(st: SuiteTalk) -> None:
    st.set_faults(
        {
            "kind": "record_error",
            "operation": "addList",
            "record_type": "customer",
            "field": "companyName",
            "value": "Co 2",
            "message": "Invalid subsidiary reference key 9.",
        }
    )
    responses = st.call(
        "addList", record=[customer(st, n) for n in range(1, 4)]
    ).writeResponseList.writeResponse
    assert [r.status.isSuccess for r in responses] == [True, False, True]
    assert responses[1].status.statusDetail[0].code == "USER_ERROR"
    assert responses[1].status.statusDetail[0].message == "Invalid subsidiary reference key 9."


def test_rules_filter_on_record_type(st: SuiteTalk) -> None:
    st.set_faults({"kind": "unexpected_error", "record_type": "job"})
    assert st.call("add", record=customer(st, 1)).writeResponse.status.isSuccess
    assert st.stats()["faults_by_kind"] == {}


# -- hostile and broken input -----------------------------------------------------------------------


def _assert_client_fault(response: httpx.Response) -> None:
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/xml")
    assert b"<faultcode>soapenv:Client</faultcode>" in response.content


def test_malformed_xml_is_a_client_fault(st: SuiteTalk) -> None:
    _assert_client_fault(st.raw(b"<soapenv:Envelope><unclosed>", "getServerTime"))
    assert still_up(st)


def test_a_doctype_with_entities_is_refused_unparsed(st: SuiteTalk) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        + raw_envelope(st, f'<m:getServerTime xmlns:m="{MSGS}">&lol2;</m:getServerTime>').split("?>", 1)[1]
    )
    response = st.raw(bomb, "getServerTime")
    _assert_client_fault(response)
    assert b"DTD" in response.content
    assert still_up(st)


def test_an_oversized_body_is_refused_with_exceeded_request_size(st: SuiteTalk) -> None:
    padding = "x" * (300 * 1024)  # the harness caps bodies at 256 KiB
    response = st.raw(
        raw_envelope(st, f'<m:getServerTime xmlns:m="{MSGS}"><!-- {padding} --></m:getServerTime>')
    )
    assert response.status_code == 500
    assert b"exceededRequestSizeFault" in response.content
    assert still_up(st)


def test_a_non_soap_document_and_an_empty_body_are_client_faults(st: SuiteTalk) -> None:
    _assert_client_fault(st.raw(b"<hello/>"))
    _assert_client_fault(st.raw(raw_envelope(st, "")))


def test_an_operation_the_service_does_not_offer_is_refused(st: SuiteTalk) -> None:
    response = st.raw(raw_envelope(st, f'<m:getAll xmlns:m="{MSGS}"/>'), "getAll")
    _assert_client_fault(response)
    assert b"Unsupported operation: getAll" in response.content


def test_soap_action_names_the_operation_when_the_body_is_not_namespaced(st: SuiteTalk) -> None:
    response = st.raw(raw_envelope(st, "<getServerTime/>"), "getServerTime")
    assert response.status_code == 200
    assert b"getServerTimeResult" in response.content


def test_a_record_that_breaks_the_schema_fails_alone(st: SuiteTalk) -> None:
    message = st.client.create_message(
        st.service,
        "addList",
        record=[customer(st, 1), customer(st, 2)],
        _soapheaders={"tokenPassport": st.passport()},
    )
    second = message.findall(f".//{{{MSGS}}}record")[1]
    second.insert(0, second[-1])  # companyName before entityId: out of schema order
    response = st.raw(etree.tostring(message), "addList")
    assert response.status_code == 200
    assert response.content.count(b'isSuccess="true"') == 2  # list status + first record
    assert b"INVALID_FLD_VALUE" in response.content


# -- WSDL and versions ------------------------------------------------------------------------------


def test_the_wsdl_points_at_this_server_and_its_xsds_are_served(st: SuiteTalk) -> None:
    wsdl = httpx.get(f"{st.server.url}/wsdl/v2023_2_0/netsuite.wsdl")
    assert wsdl.status_code == 200
    assert f'location="{st.server.url}/services/NetSuitePort_2023_2"'.encode() in wsdl.content
    xsd = httpx.get(f"{st.server.url}/wsdl/v2023_2_0/xsd/platform.core.xsd")
    assert xsd.status_code == 200 and b"TokenPassport" in xsd.content
    assert httpx.get(f"{st.server.url}/wsdl/v2023_2_0/xsd/nope.xsd").status_code == 404
    assert httpx.get(f"{st.server.url}/wsdl/v2019_1_0/netsuite.wsdl").status_code == 404


def test_the_2025_2_endpoint_serves_the_same_operations() -> None:
    service = start()
    try:
        v25 = SuiteTalk(service.server, service.app, service.settings, service.clock, version="2025_2")
        rel = v25.types("relationships", "lists")
        written = v25.call("upsert", record=rel.Customer(externalId="v25", entityId="V-1", companyName="New"))
        assert written.writeResponse.status.isSuccess
        record = v25.call(
            "get", baseRef=v25.core.RecordRef(externalId="v25", type="customer")
        ).readResponse.record
        assert record.companyName == "New"
    finally:
        service.stop()
