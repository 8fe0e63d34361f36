"""Document form <-> zeep records, checked by serialising with the emulator's schema subset and
parsing back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from include.netsuite.client import NetSuiteClient
from include.netsuite.documents import to_document


@pytest.fixture(scope="module")
def offline_client(tmp_path_factory: pytest.TempPathFactory) -> NetSuiteClient:
    """A client whose WSDL is a local file (rendered by the emulator's schema); nothing is sent."""
    wsdl = pytest.importorskip("emulators.netsuite.wsdl")
    root = tmp_path_factory.mktemp("wsdl")
    endpoint = "http://127.0.0.1:9/services/NetSuitePort_2023_2"
    (root / "netsuite.wsdl").write_text(wsdl.wsdl_document("2023_2", endpoint))
    for name, text in wsdl.xsd_files("2023_2").items():
        target = root / (name if name.startswith("xsd/") else f"xsd/{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return NetSuiteClient(
        "1234567_SB1", "ck", "cs", "tk", "ts", endpoint=endpoint, wsdl_url=(root / "netsuite.wsdl").as_uri()
    )


def round_trip(client: NetSuiteClient, record_type: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Build the record, render it as zeep would send it, parse it back strictly, normalise."""
    record = client.codec.to_record(record_type, doc)
    message = client._zeep.create_message(client._service, "add", record=record)
    element = message.find(".//{*}record")
    parsed = client.types.record(record_type).parse_xmlelement(element, client._zeep.wsdl.types)
    return to_document(parsed)


def test_custom_field_types_follow_the_python_value(offline_client: NetSuiteClient) -> None:
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    fields = {
        "custentity_flag": True,
        "custentity_text": "17",
        "custentity_count": 3,
        "custentity_rate": 1.25,
        "custentity_when": when,
        "custentity_select": {"internalId": "7", "typeId": "12"},
        "custentity_multi": [{"internalId": "1"}, {"internalId": "2"}],
    }
    record = offline_client.codec.to_record("customer", {"externalId": "c1", "customFieldList": fields})
    kinds = {f.scriptId: type(f).__name__ for f in record.customFieldList.customField}
    assert kinds == {
        "custentity_flag": "BooleanCustomFieldRef",
        "custentity_text": "StringCustomFieldRef",
        "custentity_count": "LongCustomFieldRef",
        "custentity_rate": "DoubleCustomFieldRef",
        "custentity_when": "DateCustomFieldRef",
        "custentity_select": "SelectCustomFieldRef",
        "custentity_multi": "MultiSelectCustomFieldRef",
    }
    assert (
        round_trip(offline_client, "customer", {"externalId": "c1", "customFieldList": fields})[
            "customFieldList"
        ]
        == fields
    )


def test_references_durations_and_scalars_round_trip(offline_client: NetSuiteClient) -> None:
    doc = {
        "externalId": "tb-1",
        "employee": {"internalId": "5"},
        "customer": {"externalId": "job-9"},
        "hours": {"timeSpan": 7.5, "unit": "hour"},
        "isBillable": True,
        "memo": "design review",
    }
    assert round_trip(offline_client, "timeBill", doc) == doc


def test_sublists_are_dicts_keyed_by_the_line_element(offline_client: NetSuiteClient) -> None:
    doc = {
        "externalId": "er-1",
        "entity": {"internalId": "5"},
        "expenseList": {
            "expense": [
                {"category": {"internalId": "3"}, "amount": 12.5, "memo": "taxi"},
                {"category": "4", "amount": 3.0},  # a bare id stands for a reference
            ]
        },
    }
    got = round_trip(offline_client, "expenseReport", doc)
    assert got["expenseList"]["expense"] == [
        {"category": {"internalId": "3"}, "amount": 12.5, "memo": "taxi"},
        {"category": {"internalId": "4"}, "amount": 3.0},
    ]


def test_unknown_fields_and_values_are_named(offline_client: NetSuiteClient) -> None:
    with pytest.raises(ValueError, match="Customer has no field 'compnyName'"):
        offline_client.codec.to_record("customer", {"compnyName": "Oops"})
    with pytest.raises(ValueError, match="custentity_bad"):
        offline_client.codec.to_record("customer", {"customFieldList": {"custentity_bad": object()}})


def test_search_record_uses_the_type_specific_date_field(offline_client: NetSuiteClient) -> None:
    from include.netsuite.record_types import record_type_info
    from include.netsuite.search import SearchCriteria, build_search

    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    time_bills = build_search(
        offline_client.types, record_type_info("timeBill"), SearchCriteria(modified_after=since)
    )
    assert time_bills.basic.lastModified.operator == "after"
    bills = build_search(
        offline_client.types, record_type_info("vendorBill"), SearchCriteria(modified_on_or_after=since)
    )
    assert bills.basic.lastModifiedDate.operator == "onOrAfter"
    assert bills.basic.type.searchValue == ["_vendorBill"]
    with pytest.raises(ValueError, match="recType"):
        build_search(offline_client.types, record_type_info("customRecord"), SearchCriteria())
    with pytest.raises(ValueError, match="expenseCategory has no modification date"):
        build_search(
            offline_client.types, record_type_info("expenseCategory"), SearchCriteria(modified_after=since)
        )


def test_passport_header_is_fresh_for_every_request(offline_client: NetSuiteClient) -> None:
    first, second = offline_client._passport(), offline_client._passport()
    assert first.nonce != second.nonce
    assert first.signature.algorithm == "HMAC-SHA256"
    assert first.account == "1234567_SB1"


def test_wsdl_file_path_is_accepted(tmp_path: Path) -> None:
    assert NetSuiteClient(
        "1", "a", "b", "c", "d", wsdl_url=(tmp_path / "x.wsdl").as_uri()
    ).wsdl_url.startswith("file://")
