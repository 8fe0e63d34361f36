"""Vendors, contacts, non-inventory purchase items and other charge items over real HTTP, written and
read by the product's own client (``include.netsuite``): add, get, update, upsert, incremental and
externalId searches, duplicate keys and required fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from include.netsuite import NetSuiteClient, WriteResult
from tests.emulators.netsuite.suitetalk_harness import SuiteTalk

pytestmark = pytest.mark.usefixtures("fresh")


@dataclass(frozen=True)
class Case:
    record_type: str
    key: str  # the unique field
    duplicate_code: str
    make: Callable[[int], dict[str, Any]]  # a valid document, without externalId
    change: tuple[str, Any]  # a field an update sets
    incomplete: dict[str, Any]  # a document missing its required field(s)
    required: str  # what the MISSING_REQD_FLD message names

    def doc(self, n: int) -> dict[str, Any]:
        return {"externalId": f"{self.record_type}-{n}", **self.make(n)}


CASES = [
    Case(
        "vendor",
        "entityId",
        "DUP_ENTITY",
        lambda n: {
            "entityId": f"V-{n}",
            "companyName": f"Supplier {n}",
            "email": f"ap{n}@supplier.test",
            "isInactive": False,
            "subsidiary": {"internalId": "1"},
            "laborCost": 42.5,
            "customFieldList": {"custentity_vendor_code": f"S{n}"},
        },
        ("companyName", "Supplier renamed"),
        {"email": "nobody@supplier.test", "phone": "555-0100"},
        "companyName or entityId or lastName",
    ),
    Case(
        "contact",
        "entityId",
        "DUP_ENTITY",
        lambda n: {
            "entityId": f"Contact {n}",
            "firstName": "Ada",
            "lastName": f"Lovelace {n}",
            "company": {"internalId": "7"},
            "title": "Buyer",
            "isPrivate": False,
        },
        ("title", "Head of purchasing"),
        {"firstName": "Ada", "email": "ada@example.test"},  # no entityId, no lastName
        "entityId or lastName",
    ),
    Case(
        "nonInventoryPurchaseItem",
        "itemId",
        "DUP_ITEM",
        lambda n: {
            "itemId": f"NIP-{n}",
            "displayName": f"Purchased part {n}",
            "cost": 12.75,
            "vendorName": "Part supplier",
            "expenseAccount": {"internalId": "58"},
            "isInactive": False,
            "subsidiaryList": {"recordRef": [{"internalId": "1"}]},
        },
        ("cost", 13.5),
        {"displayName": "No item id", "cost": 1.0},
        "itemId",
    ),
    Case(
        "otherChargeSaleItem",
        "itemId",
        "DUP_ITEM",
        lambda n: {
            "itemId": f"OC-{n}",
            "displayName": f"Travel surcharge {n}",
            "salesDescription": "Billed at cost",
            "rate": 80.0,
            "incomeAccount": {"internalId": "54"},
            "isInactive": False,
        },
        ("rate", 95.0),
        {"displayName": "No item id", "rate": 1.0},
        "itemId",
    ),
]
IDS = [c.record_type for c in CASES]


@pytest.fixture
def client(st: SuiteTalk) -> NetSuiteClient:
    """The product's client, pointed at the emulator of this module."""
    s = st.settings
    return NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        s.token_secret,
        version=st.version,
        endpoint=st.endpoint,
        operation_timeout_s=10,
        max_retries=0,
    )


def _ok(results: list[WriteResult]) -> list[str]:
    failed = [(r.index, r.code, r.message) for r in results if not r.ok]
    assert not failed, failed
    return [str(r.id) for r in results]


def _subset(doc: dict[str, Any], got: dict[str, Any] | None) -> None:
    assert got is not None
    assert {k: got.get(k) for k in doc} == doc


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_add_then_get_list_reads_the_records_back(client: NetSuiteClient, case: Case) -> None:
    docs = [case.doc(0), case.doc(1)]
    ids = _ok(client.add_list(case.record_type, docs))
    got = client.get_list(case.record_type, internal_ids=ids)
    for doc, record, internal_id in zip(docs, got, ids, strict=True):
        _subset(doc, record)
        assert record is not None and record["internalId"] == internal_id
        assert record["lastModifiedDate"].tzinfo is not None  # the server's own stamps
        created = "dateCreated" if case.record_type in ("vendor", "contact") else "createdDate"
        assert created in record
    [by_external] = client.get_list(case.record_type, external_ids=[docs[1]["externalId"]])
    assert by_external is not None and by_external["internalId"] == ids[1]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_update_changes_the_sent_field_and_keeps_the_others(client: NetSuiteClient, case: Case) -> None:
    doc = case.doc(0)
    [internal_id] = _ok(client.add_list(case.record_type, [doc]))
    field, value = case.change
    _ok(client.update_list(case.record_type, [{"internalId": internal_id, field: value}]))
    [got] = client.get_list(case.record_type, internal_ids=[internal_id])
    _subset(doc | {field: value}, got)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_upsert_creates_then_updates_by_external_id(client: NetSuiteClient, case: Case) -> None:
    doc = case.doc(0)
    [created] = _ok(client.upsert_list(case.record_type, [doc]))
    field, value = case.change
    [updated] = _ok(client.upsert_list(case.record_type, [doc | {field: value}]))
    assert updated == created
    [got] = client.get_list(case.record_type, external_ids=[doc["externalId"]])
    _subset(doc | {field: value}, got)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_search_modified_since_returns_only_the_changed_record(client: NetSuiteClient, case: Case) -> None:
    first, second = _ok(client.add_list(case.record_type, [case.doc(0), case.doc(1)]))
    [latest] = client.get_list(case.record_type, internal_ids=[second])
    assert latest is not None
    since = latest["lastModifiedDate"]  # every later write is stamped after it
    assert [r["internalId"] for r in client.search(case.record_type, modified_after=since)] == []
    field, value = case.change
    _ok(client.update_list(case.record_type, [{"internalId": first, field: value}]))
    found = list(client.search(case.record_type, modified_after=since))
    assert [r["internalId"] for r in found] == [first]
    assert found[0][field] == value
    everything = client.search(case.record_type, modified_on_or_after=since)
    assert sorted(r["internalId"] for r in everything) == sorted([first, second])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_search_by_external_id(client: NetSuiteClient, case: Case) -> None:
    docs = [case.doc(n) for n in range(3)]
    ids = _ok(client.add_list(case.record_type, docs))
    found = list(client.search(case.record_type, external_ids=[docs[2]["externalId"], "nobody"]))
    assert [(r["internalId"], r["externalId"]) for r in found] == [(ids[2], docs[2]["externalId"])]
    _subset(docs[2], found[0])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_duplicate_key_is_refused_with_the_netsuite_code(client: NetSuiteClient, case: Case) -> None:
    original = case.doc(0)
    _ok(client.add_list(case.record_type, [original]))
    copy = case.doc(1) | {case.key: original[case.key]}
    [refused] = client.add_list(case.record_type, [copy])
    assert not refused.ok and refused.code == case.duplicate_code
    assert original[case.key] in (refused.message or "")
    # an update onto another record's key is refused the same way; its own key is fine
    [other] = _ok(client.add_list(case.record_type, [case.doc(2)]))
    [clash] = client.update_list(case.record_type, [{"internalId": other, case.key: original[case.key]}])
    assert not clash.ok and clash.code == case.duplicate_code
    _ok(client.update_list(case.record_type, [{"internalId": other, case.key: case.doc(2)[case.key]}]))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_missing_required_field_is_refused_naming_it(client: NetSuiteClient, case: Case) -> None:
    [refused] = client.add_list(case.record_type, [{"externalId": "incomplete", **case.incomplete}])
    assert not refused.ok and refused.code == "MISSING_REQD_FLD"
    assert case.required in (refused.message or "")
    assert client.get_list(case.record_type, external_ids=["incomplete"]) == [None]


def test_a_contact_with_first_and_last_name_needs_no_entity_id(client: NetSuiteClient) -> None:
    _ok(client.add_list("contact", [{"externalId": "c-1", "firstName": "Grace", "lastName": "Hopper"}]))


def test_each_item_search_returns_only_its_own_item_type(client: NetSuiteClient) -> None:
    added = {
        "serviceSaleItem": _ok(client.add_list("serviceSaleItem", [{"externalId": "s", "itemId": "SVC"}])),
        "nonInventoryPurchaseItem": _ok(
            client.add_list("nonInventoryPurchaseItem", [{"externalId": "n", "itemId": "NIP"}])
        ),
        "otherChargeSaleItem": _ok(
            client.add_list("otherChargeSaleItem", [{"externalId": "o", "itemId": "OC"}])
        ),
    }
    for record_type, ids in added.items():
        assert [r["internalId"] for r in client.search(record_type)] == ids, record_type
    # the same itemId in two item types is not a duplicate: uniqueness is per record type
    _ok(client.add_list("otherChargeSaleItem", [{"externalId": "o2", "itemId": "NIP"}]))


def test_vendor_and_contact_searches_stay_apart_from_customers(client: NetSuiteClient) -> None:
    [customer] = _ok(
        client.add_list("customer", [{"externalId": "cu", "entityId": "E-1", "companyName": "C"}])
    )
    [vendor] = _ok(client.add_list("vendor", [{"externalId": "ve", "entityId": "E-2", "companyName": "V"}]))
    [contact] = _ok(client.add_list("contact", [{"externalId": "co", "entityId": "E-3"}]))
    assert [r["internalId"] for r in client.search("customer")] == [customer]
    assert [r["internalId"] for r in client.search("vendor", is_inactive=False)] == [vendor]
    assert [r["internalId"] for r in client.search("contact")] == [contact]
