"""Specification of the seed generator: a deterministic, coherent company caught mid-integration."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from emulators.control import EmulatorControl, FaultBook, LatencyModel, Stats
from emulators.netsuite.schema import RECORD_TYPES
from emulators.netsuite.storage import from_stored
from emulators.seed import (
    BASE_DATE,
    EXPORT_CLAIMED,
    EXPORT_FLAG,
    LAST_SYNC,
    NETSUITE_ID_FIELDS,
    NETSUITE_LOAD_ORDER,
    SCALES,
    SPP_LOAD_ORDER,
    seed_both,
    seed_netsuite,
    seed_spp,
    spp_external_id,
)
from emulators.seeding.crossref import exported_as
from emulators.seeding.model import State
from emulators.seeding.scales import get_scale
from emulators.seeding.timeline import SEED_HORIZON
from emulators.seeding.world import build_world
from emulators.serve import serve_in_thread
from emulators.store import RecordStore, StoredRecord

ENTITY_TYPES = {"customer": "Customer", "employee": "User", "job": "Project", "projectTask": "Projecttask"}

# NetSuite reference fields -> the record type they point at ((record type or "*", field name))
NS_REF_TARGETS = {
    ("job", "parent"): "customer",
    ("job", "projectManager"): "employee",
    ("projectTask", "company"): "job",
    ("timeBill", "employee"): "employee",
    ("timeBill", "customer"): "job",
    ("timeBill", "caseTaskEvent"): "projectTask",
    ("timeBill", "item"): "serviceSaleItem",
    ("expenseReport", "entity"): "employee",
    ("expenseReport", "category"): "expenseCategory",
    ("expenseReport", "customer"): "job",
    ("invoice", "entity"): "customer",
    ("invoice", "job"): "job",
    ("invoice", "item"): "serviceSaleItem",
    ("creditMemo", "entity"): "customer",
    ("creditMemo", "job"): "job",
    ("creditMemo", "item"): "serviceSaleItem",
    ("salesOrder", "entity"): "customer",
    ("salesOrder", "job"): "job",
    ("customerPayment", "customer"): "customer",
    ("contact", "company"): "customer",
    ("supportCase", "company"): "job",
    ("purchaseRequisition", "entity"): "employee",
    ("purchaseRequisition", "item"): "nonInventoryPurchaseItem",
    ("purchaseRequisition", "poVendor"): "vendor",
    ("journalEntry", "entity"): "job",
    ("opportunity", "entity"): "customer",
    ("opportunity", "job"): "job",
    ("opportunity", "item"): "serviceSaleItem",
    ("vendorBill", "entity"): "vendor",
    ("vendorBill", "category"): "expenseCategory",
    ("vendorBill", "customer"): "job",
    ("vendorBill", "recordRef"): "purchaseOrder",  # purchaseOrderList: the orders a bill pays
    ("vendorBill", "item"): "nonInventoryPurchaseItem",
    ("purchaseOrder", "entity"): "vendor",
    ("purchaseOrder", "createdFrom"): "purchaseRequisition",
    ("purchaseOrder", "item"): "nonInventoryPurchaseItem",
    ("vendorCredit", "entity"): "vendor",
    ("vendorCredit", "createdFrom"): "vendorBill",
    ("customRecord", "custrecord_oa_arm_project"): "job",  # ARM revenue transactions
}
NS_REFS_WITHOUT_RECORDS = {
    "subsidiary",
    "recType",
    "expenseAcct",
    "account",
}  # no subsidiaries or accounts are seeded;
# recType names a custom record *type*
SPP_REF_TARGETS = {
    "customerid": "Customer",
    "projectid": "Project",
    "userid": "User",
    "projecttaskid": "Projecttask",
    "timesheetid": "Timesheet",
    "categoryid": "Category",
    "envelopeid": "Envelope",
    "itemid": "Item",
    "cost_centerid": "Costcenter",
    "invoiceid": "Invoice",
    "purchaserequestid": "Purchaserequest",
    "productid": "Product",
    "vendorid": "Vendor",
}


def dump(store: RecordStore, rtypes: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Every stored byte that matters: type, id, external id, document, timestamps."""
    return [
        (r.rtype, r.id, r.external_id, json.dumps(r.data, sort_keys=True), r.created_at, r.updated_at)
        for rtype in rtypes
        for r in store.scan(rtype)
    ]


def by_id(store: RecordStore, rtype: str) -> dict[int, StoredRecord]:
    return {r.id: r for r in store.scan(rtype)}


def netsuite_by_id(store: RecordStore, rtype: str) -> dict[int, StoredRecord]:
    """NetSuite records with their documents as the NetSuite service reads them back (contract form)."""
    modified = RECORD_TYPES[rtype].modified_field
    return {r.id: dataclasses.replace(r, data=from_stored(r, modified)) for r in store.scan(rtype)}


def refs(value: Any, name: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(field name, RecordRef) pairs anywhere in a NetSuite document, sublists included."""
    if isinstance(value, dict):
        if "internalId" in value and name:
            yield name, value
            return
        for key, child in value.items():
            yield from refs(child, key)
    elif isinstance(value, list):
        for child in value:
            yield from refs(child, name)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def about(part: int, whole: int, expected: float) -> bool:
    """``part`` of ``whole`` is ``expected``, give or take one record (tiny scales) or 3 points."""
    return abs(part - expected * whole) <= max(1.0, 0.03 * whole)


class Seeded:
    """A NetSuite store and an SPP store holding one seeded scale, indexed for the checks below."""

    def __init__(
        self, scale: str, ns: RecordStore, spp: RecordStore, counts: dict[str, dict[str, int]]
    ) -> None:
        self.scale = get_scale(scale)
        self.ns, self.spp, self.counts = ns, spp, counts
        self.ns_records = {rtype: netsuite_by_id(ns, rtype) for rtype in NETSUITE_LOAD_ORDER}
        self.spp_records = {rtype: by_id(spp, rtype) for rtype in SPP_LOAD_ORDER}

    def linked_ns_ids(self, spp_type: str) -> set[int]:
        field = NETSUITE_ID_FIELDS[spp_type]
        return {
            int(r.data[field])
            for r in self.spp_records[spp_type].values()
            if r.data.get(field) not in (None, EXPORT_CLAIMED)
        }


@pytest.fixture(scope="module")
def tiny() -> Seeded:
    ns, spp = RecordStore(), RecordStore()
    result = seed_both(ns, spp, "tiny", only_if_empty=False)
    return Seeded("tiny", ns, spp, {"netsuite": result["netsuite"], "spp": result["spp"]})


@pytest.fixture(scope="module")
def small_timed() -> tuple[Seeded, float]:
    ns, spp = RecordStore(), RecordStore()
    started = time.perf_counter()
    counts = {"netsuite": seed_netsuite(ns, "small"), "spp": seed_spp(spp, "small")}
    elapsed = time.perf_counter() - started
    return Seeded("small", ns, spp, counts), elapsed


@pytest.fixture(scope="module", params=["tiny", "small"])
def seeded(request: pytest.FixtureRequest, tiny: Seeded, small_timed: tuple[Seeded, float]) -> Seeded:
    return tiny if request.param == "tiny" else small_timed[0]


# -- determinism -------------------------------------------------------------------------------


def test_the_same_scale_seeds_byte_identical_stores(tiny: Seeded) -> None:
    ns, spp = RecordStore(), RecordStore()
    seed_netsuite(ns, "tiny")
    seed_spp(spp, "tiny")
    assert dump(ns, NETSUITE_LOAD_ORDER) == dump(tiny.ns, NETSUITE_LOAD_ORDER)
    assert dump(spp, SPP_LOAD_ORDER) == dump(tiny.spp, SPP_LOAD_ORDER)


def test_reseeding_a_store_replaces_its_contents_with_the_same_data() -> None:
    store = RecordStore()
    first = seed_spp(store, "tiny")
    before = dump(store, SPP_LOAD_ORDER)
    store.insert("Customer", {"company": "Added by a test"})
    assert seed_spp(store, "tiny") == first
    assert dump(store, SPP_LOAD_ORDER) == before


def test_unknown_scales_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed scale 'huge'"):
        seed_netsuite(RecordStore(), "huge")


# -- counts ------------------------------------------------------------------------------------


def test_reported_counts_match_the_stores(seeded: Seeded) -> None:
    for rtype, count in seeded.counts["netsuite"].items():
        assert seeded.ns.count(rtype) == count, rtype
    for rtype, count in seeded.counts["spp"].items():
        assert seeded.spp.count(rtype) == count, rtype
    # the records, and the custom record types the account declares (OneView targets)
    assert set(seeded.counts["netsuite"]) == {*NETSUITE_LOAD_ORDER, "customRecordType"}
    assert set(seeded.counts["spp"]) == set(SPP_LOAD_ORDER)


def test_counts_follow_the_scale(seeded: Seeded) -> None:
    scale, ns, spp = seeded.scale, seeded.counts["netsuite"], seeded.counts["spp"]
    assert ns["customer"] == scale.customers
    assert ns["employee"] == scale.employees
    assert ns["job"] == scale.jobs
    assert ns["projectTask"] == scale.tasks
    assert spp["Task"] == scale.time_entries
    # employees' expense reports, and two of each contractor the last sync made a user
    contractors = sum(1 for u in seeded.spp_records["User"].values() if u.data.get("netsuite_vendor_id__c"))
    assert contractors > 0
    assert spp["Envelope"] == scale.expense_reports + 2 * contractors
    assert spp["Invoice"] == scale.invoices
    assert scale.expense_reports <= spp["Ticket"] <= 4 * scale.expense_reports + 4 * contractors
    # NetSuite holds only what was exported: about 30% (+1.5% interrupted exports) of SPP's transactions
    assert 0.2 * scale.time_entries <= ns["timeBill"] <= 0.45 * scale.time_entries
    assert 0.2 * scale.expense_reports <= ns["expenseReport"] <= 0.4 * scale.expense_reports
    # credit memos SPP exported name their origin; those raised in NetSuite have no externalId
    credits = sum(1 for r in seeded.ns_records["creditMemo"].values() if r.external_id)
    assert 0 < ns["creditMemo"] - credits <= scale.jobs / 4
    assert 0.2 * scale.invoices <= ns["invoice"] + credits <= 0.4 * scale.invoices
    assert 0.15 * ns["invoice"] <= credits <= 0.5 * ns["invoice"]  # a quarter of exports: credits


@pytest.mark.parametrize("name", ["tiny", "small", "medium"])
def test_every_scale_plans_its_target_sizes(name: str) -> None:
    world = build_world(get_scale(name))
    scale = world.scale
    assert sum(e.in_netsuite for e in world.customers) == scale.customers
    assert sum(e.in_netsuite for e in world.projects) == scale.jobs
    assert sum(e.in_netsuite for e in world.tasks) == scale.tasks
    assert sum(s.entries for s in world.timesheets) == scale.time_entries
    assert len(world.expense_reports) == scale.expense_reports
    assert len(world.invoices) == scale.invoices


def test_scales_grow_as_documented() -> None:
    large, medium = SCALES["large"], SCALES["medium"]
    assert (large.customers, large.employees, large.jobs, large.tasks) == (10_000, 1_000, 20_000, 100_000)
    assert (large.time_entries, large.expense_reports, large.invoices) == (200_000, 20_000, 10_000)
    assert medium.time_entries * 5 == large.time_entries and medium.customers * 5 == large.customers
    assert SCALES["small"].time_entries == 5_000


# -- referential integrity ---------------------------------------------------------------------


def test_every_netsuite_reference_points_at_an_existing_record_of_the_right_type(seeded: Seeded) -> None:
    checked = 0
    for rtype, records in seeded.ns_records.items():
        for record in records.values():
            for field, ref in refs(record.data):
                if field in NS_REFS_WITHOUT_RECORDS:
                    continue
                target = NS_REF_TARGETS[(rtype, field)]
                assert int(ref["internalId"]) in seeded.ns_records[target], (rtype, record.id, field)
                checked += 1
    assert checked > seeded.scale.tasks


def test_every_spp_reference_points_at_an_existing_record_of_the_right_type(seeded: Seeded) -> None:
    checked = 0
    for spp_type, records in seeded.spp_records.items():
        for record in records.values():
            for field, value in record.data.items():
                if field in SPP_REF_TARGETS:
                    assert int(value) in seeded.spp_records[SPP_REF_TARGETS[field]], (
                        spp_type,
                        record.id,
                        field,
                    )
                    checked += 1
    assert checked > seeded.scale.time_entries


def test_time_entries_agree_with_their_timesheet_and_task(seeded: Seeded) -> None:
    sheets, tasks = seeded.spp_records["Timesheet"], seeded.spp_records["Projecttask"]
    for entry in seeded.spp_records["Task"].values():
        sheet = sheets[int(entry.data["timesheetid"])].data
        assert entry.data["userid"] == sheet["userid"]
        assert sheet["starts"] <= entry.data["date"] <= sheet["ends"]
        assert tasks[int(entry.data["projecttaskid"])].data["projectid"] == entry.data["projectid"]


def test_every_netsuite_id_field_points_at_a_netsuite_record_of_the_paired_type(seeded: Seeded) -> None:
    for spp_type, field in NETSUITE_ID_FIELDS.items():
        for record in seeded.spp_records.get(spp_type, {}).values():  # a type seeded with none: skip
            value = record.data.get(field)
            if value is None or value == EXPORT_CLAIMED:
                continue
            entity = exported_as(spp_type, record.data)
            target = seeded.ns_records[entity.netsuite_type]
            assert int(value) in target, (spp_type, record.id, field, value)
            if "externalid" in record.data:  # imported records: externalid is the internalId too
                assert record.data["externalid"] == value
            else:  # exported records: NetSuite names the SPP record in its externalId
                assert target[int(value)].external_id == spp_external_id(spp_type, record.id, entity)


def test_exported_netsuite_transactions_name_their_spp_origin(seeded: Seeded) -> None:
    origins = {
        "timeBill": "Task",
        "expenseReport": "Envelope",
        "invoice": "Invoice",
        "creditMemo": "Invoice",
        "purchaseRequisition": "Purchaserequest",
        "journalEntry": "Revenue_recognition_transaction",
    }
    for rtype, spp_type in origins.items():
        field = NETSUITE_ID_FIELDS[spp_type]
        assert seeded.ns_records[rtype], rtype
        for record in seeded.ns_records[rtype].values():
            if rtype == "creditMemo" and record.external_id is None:
                continue  # raised in NetSuite (Credit Memos import), not sent by SPP
            spp_id = int(record.external_id.rsplit("-", 1)[1])
            origin = seeded.spp_records[spp_type][spp_id].data
            entity = exported_as(spp_type, origin)
            assert entity.netsuite_type == rtype
            expected = spp_external_id(spp_type, spp_id, entity)
            assert record.external_id == record.data["externalId"] == expected
            assert origin[field] in (str(record.id), EXPORT_CLAIMED)


def test_identifiers_are_unique_where_netsuite_enforces_it(seeded: Seeded) -> None:
    entity_ids = [
        r.data["entityId"] for t in ("customer", "employee", "job") for r in seeded.ns_records[t].values()
    ]
    assert len(entity_ids) == len(set(entity_ids))
    for rtype, records in seeded.ns_records.items():
        external = [r.external_id for r in records.values() if r.external_id]
        assert len(external) == len(set(external)), rtype


# -- the integration's state -------------------------------------------------------------------


def test_about_seventy_percent_of_netsuite_entities_are_linked(seeded: Seeded) -> None:
    for rtype, spp_type in ENTITY_TYPES.items():
        total = len(seeded.ns_records[rtype])
        linked = seeded.linked_ns_ids(spp_type)
        assert 0.65 <= share(len(linked), total) <= 0.8, rtype
        assert 0.2 <= share(total - len(linked), total) <= 0.35, rtype  # NetSuite only, not imported yet


def test_linked_records_carry_what_the_last_import_wrote(seeded: Seeded) -> None:
    for rtype, spp_type in ENTITY_TYPES.items():
        for ns_id in seeded.linked_ns_ids(spp_type):
            data = seeded.ns_records[rtype][ns_id].data
            assert data.get("isInactive") is not True
            if "customFieldList" in data:
                assert data["customFieldList"][EXPORT_FLAG] is True


def test_about_a_tenth_of_linked_records_changed_in_netsuite_after_the_last_sync(seeded: Seeded) -> None:
    comparisons = {
        "customer": ("companyName", "company"),
        "job": ("companyName", "name"),
        "projectTask": ("plannedWork", "planned_hours"),
        "employee": ("email", "addr.email"),
    }
    for rtype, spp_type in ENTITY_TYPES.items():
        ns_field, spp_field = comparisons[rtype]
        spp_by_ns_id = {
            int(r.data[NETSUITE_ID_FIELDS[spp_type]]): r
            for r in seeded.spp_records[spp_type].values()
            if r.data.get(NETSUITE_ID_FIELDS[spp_type])  # (support cases are tasks too, with their own)
        }
        changed = 0
        for ns_id, spp_record in spp_by_ns_id.items():
            ns_record = seeded.ns_records[rtype][ns_id]
            assert spp_record.created_at < LAST_SYNC
            if ns_record.updated_at > LAST_SYNC:
                changed += 1
                ns_value = ns_record.data[ns_field]
                shown = f"{ns_value:g}" if isinstance(ns_value, float) else ns_value
                assert shown != spp_record.data[spp_field], (rtype, ns_id)  # SPP still shows the old value
            else:
                assert spp_record.created_at > ns_record.updated_at  # imported after its last edit
        assert changed >= 1 and 0.05 <= share(changed, len(spp_by_ns_id)) <= 0.16, rtype


def test_netsuite_only_records_explain_why_they_are_not_imported(seeded: Seeded) -> None:
    for rtype, spp_type in ENTITY_TYPES.items():
        linked = seeded.linked_ns_ids(spp_type)
        for ns_id, record in seeded.ns_records[rtype].items():
            if ns_id in linked:
                continue
            eligible = not record.data.get("isInactive") and record.data.get("customFieldList", {}).get(
                EXPORT_FLAG, True
            )
            parent = record.data.get("parent") or record.data.get("company")
            parent_type = "customer" if rtype == "job" else "job"
            parent_imported = parent is None or int(parent["internalId"]) in seeded.linked_ns_ids(
                ENTITY_TYPES[parent_type]
            )
            # new since the last sync, or not eligible for import, or its parent is not imported
            assert record.updated_at > LAST_SYNC or not eligible or not parent_imported, (rtype, ns_id)


def test_export_flag_and_inactive_shares(seeded: Seeded) -> None:
    for rtype in ("customer", "employee", "job"):
        records = list(seeded.ns_records[rtype].values())
        flagged = sum(r.data["customFieldList"][EXPORT_FLAG] for r in records)
        inactive = sum(r.data["isInactive"] for r in records)
        assert about(flagged, len(records), 0.90), rtype
        assert about(inactive, len(records), 0.05), rtype


def test_a_few_customers_and_projects_exist_only_in_spp(seeded: Seeded) -> None:
    for spp_type in ("Customer", "Project"):
        spp_only = [
            r for r in seeded.spp_records[spp_type].values() if NETSUITE_ID_FIELDS[spp_type] not in r.data
        ]
        assert 1 <= len(spp_only) <= max(2, 0.05 * len(seeded.spp_records[spp_type]))
        assert all("externalid" not in r.data and r.created_at > LAST_SYNC for r in spp_only)


def _export_states(records: list[StoredRecord], field: str, approved: Any) -> Counter[str]:
    states: Counter[str] = Counter()
    for r in records:
        if not approved(r):
            states["not approved"] += 1
        elif field not in r.data:
            states["approved"] += 1
        elif r.data[field] == EXPORT_CLAIMED:
            states["claimed"] += 1
        else:
            states["exported"] += 1
    return states


def test_about_sixty_percent_of_transactions_are_approved_and_half_of_those_exported(seeded: Seeded) -> None:
    sheets = seeded.spp_records["Timesheet"]
    kinds = {
        "Task": lambda r: sheets[int(r.data["timesheetid"])].data["status"] == "A",
        "Envelope": lambda r: r.data["status"] == "A" and r.data["approved"] == "1",
        "Invoice": lambda r: r.data["status"] == "A",
        "Purchaserequest": lambda r: r.data["approval_status"] == "A",
        "Revenue_recognition_transaction": lambda r: r.data["status"] == "A",
    }
    for spp_type, approved in kinds.items():
        records = list(seeded.spp_records[spp_type].values())
        states = _export_states(records, NETSUITE_ID_FIELDS[spp_type], approved)
        n_approved = len(records) - states["not approved"]
        assert 0.5 <= share(n_approved, len(records)) <= 0.7, (spp_type, states)
        assert 0.4 <= share(states["exported"], n_approved) <= 0.6, (spp_type, states)
        assert states["claimed"] >= 1 and states["approved"] >= 1, (spp_type, states)


def test_exports_happened_before_the_last_sync_and_approvals_since_are_pending(seeded: Seeded) -> None:
    for spp_type in ("Task", "Envelope", "Invoice", "Purchaserequest", "Revenue_recognition_transaction"):
        field = NETSUITE_ID_FIELDS[spp_type]
        for r in seeded.spp_records[spp_type].values():
            if r.data.get(field) not in (None, EXPORT_CLAIMED):
                assert r.updated_at < LAST_SYNC, (spp_type, r.id)
            elif field in r.data:  # interrupted exports are recent
                assert r.updated_at > LAST_SYNC, (spp_type, r.id)


def test_exported_transactions_refer_to_the_linked_employee_and_project(seeded: Seeded) -> None:
    users = seeded.spp_records["User"]
    projects = seeded.spp_records["Project"]
    for bill in seeded.ns_records["timeBill"].values():
        entry = seeded.spp_records["Task"][int(bill.external_id.rsplit("-", 1)[1])].data
        assert bill.data["employee"]["internalId"] == users[int(entry["userid"])].data["netsuite_user_id__c"]
        assert (
            bill.data["customer"]["internalId"]
            == projects[int(entry["projectid"])].data["netsuite_project_id__c"]
        )
        assert bill.data["hours"] == {"timeSpan": float(entry["decimal_hours"]), "unit": "hour"}
    for rtype, sign in (("invoice", 1), ("creditMemo", -1)):  # credit memos: positive amounts
        for invoice in seeded.ns_records[rtype].values():
            if invoice.external_id is None:
                continue  # a credit memo raised in NetSuite: no SPP origin
            origin = seeded.spp_records["Invoice"][int(invoice.external_id.rsplit("-", 1)[1])].data
            assert (
                invoice.data["job"]["internalId"]
                == projects[int(origin["projectid"])].data["netsuite_project_id__c"]
            )
            assert f"{sign * invoice.data['total']:.2f}" == origin["total"]
            lines = invoice.data["itemList"]["item"]
            assert invoice.data["total"] > 0 and all(line["amount"] > 0 for line in lines)


def test_imported_sales_orders_and_payments_agree_with_netsuite_and_new_ones_await_import(
    seeded: Seeded,
) -> None:
    customers, invoices = seeded.spp_records["Customer"], seeded.spp_records["Invoice"]
    for spp_type, rtype, field in (
        ("Customerpo", "salesOrder", "netsuite_sales_order_id__c"),
        ("Payment", "customerPayment", "netsuite_payment_id__c"),
    ):
        netsuite = seeded.ns_records[rtype]
        imported = {int(r.data[field]): r.data for r in seeded.spp_records[spp_type].values()}
        assert 0 < len(imported) < len(netsuite), rtype  # some new since the last sync
        for ns_id, record in netsuite.items():
            copy = imported.get(ns_id)
            assert (copy is None) == (record.created_at > LAST_SYNC), (rtype, ns_id)
            customer = record.data["entity" if rtype == "salesOrder" else "customer"]["internalId"]
            if copy is not None:
                assert customers[int(copy["customerid"])].data["netsuite_customer_id__c"] == customer
            if rtype == "customerPayment":  # pays one exported invoice in full
                [applied] = record.data["applyList"]["apply"]
                assert int(applied["doc"]) in seeded.ns_records["invoice"]
                assert applied["amount"] == record.data["payment"]
                if copy is not None:
                    assert invoices[int(copy["invoiceid"])].data["netsuite_invoice_id__c"] == str(
                        applied["doc"]
                    )


def test_half_of_the_interrupted_exports_reached_netsuite() -> None:
    world = build_world(get_scale("small"))
    for documents in (world.timesheets, world.expense_reports, world.invoices):
        states = Counter(d.state for d in documents)
        assert states[State.CLAIMED] >= 1 and states[State.CLAIMED_LOST] >= 1
        assert abs(states[State.CLAIMED] - states[State.CLAIMED_LOST]) <= 1


# -- timestamps --------------------------------------------------------------------------------


def test_netsuite_reads_back_the_store_timestamps_as_created_and_last_modified(seeded: Seeded) -> None:
    for rtype, records in seeded.ns_records.items():
        info = RECORD_TYPES[rtype]
        for r in records.values():
            if info.modified_field is None:  # projectTask, expenseCategory: no such body fields
                assert info.created_field is None
                continue
            assert r.data[info.modified_field] == r.updated_at.replace(tzinfo=dt.UTC), (rtype, r.id)
            assert r.data[info.created_field] == r.created_at.replace(tzinfo=dt.UTC), (rtype, r.id)


def test_documents_are_stored_the_way_each_service_stores_them(seeded: Seeded) -> None:
    for rtype in NETSUITE_LOAD_ORDER:
        for r in seeded.ns.scan(rtype):
            # server-owned and column-held values are not repeated in the JSON document
            assert not {"internalId", "externalId", "lastModifiedDate", "lastModified"} & set(r.data), (
                rtype,
                r.id,
            )
    for rtype in SPP_LOAD_ORDER:
        for r in seeded.spp.scan(rtype):
            assert not {"id", "created", "updated"} & set(r.data), (rtype, r.id)
            assert r.external_id == r.data.get("externalid"), (rtype, r.id)
    start = seeded.ns_records["job"][min(seeded.ns_records["job"])].data["startDate"]
    assert isinstance(start, dt.datetime) and start.tzinfo is not None and start.time() == dt.time()


def test_timestamps_are_fixed_instants_in_the_first_half_of_2026(seeded: Seeded) -> None:
    for records in (*seeded.ns_records.values(), *seeded.spp_records.values()):
        for r in records.values():
            assert BASE_DATE <= r.created_at <= r.updated_at < SEED_HORIZON


def test_spp_values_are_strings(seeded: Seeded) -> None:
    for records in seeded.spp_records.values():
        for r in records.values():
            assert all(isinstance(v, str) and v != "" for v in r.data.values()), r


# -- seed_both and speed -----------------------------------------------------------------------


def test_seed_both_leaves_stores_with_data_alone() -> None:
    ns, spp = RecordStore(), RecordStore()
    ns.insert("customer", {"companyName": "Kept"})
    result = seed_both(ns, spp, "tiny")
    assert result["seeded"] is False and ns.count() == 1 and spp.count() == 0
    result = seed_both(ns, spp, "tiny", only_if_empty=False)
    assert result["seeded"] is True and result["netsuite"]["customer"] == ns.count("customer") == 20


def test_small_scale_loads_in_a_few_seconds(small_timed: tuple[Seeded, float]) -> None:
    _, elapsed = small_timed
    assert elapsed < 10.0


def test_a_service_seeds_itself_through_its_control_endpoint() -> None:
    store = RecordStore()
    control = EmulatorControl(
        latency=LatencyModel(),
        faults=FaultBook(),
        stats=Stats(),
        reset_data=store.clear,
        seed_data=lambda scale: seed_spp(store, scale),
    )
    server = serve_in_thread(Starlette(routes=control.routes()))
    try:
        response = httpx.post(f"{server.url}/_emulator/seed", params={"scale": "tiny"}, timeout=30)
    finally:
        server.stop()
    assert response.status_code == 200
    body = response.json()
    assert body["counts"]["Task"] == 200 == store.count("Task")
    assert body["counts"]["Customer"] == store.count("Customer")


# -- end to end: the seeded services as the integration sees them -------------------------------


@dataclasses.dataclass
class Services:
    ns_url: str
    ns_settings: Any
    ns_store: RecordStore
    spp_url: str
    spp_settings: Any
    spp_store: RecordStore
    counts: dict[str, Any]


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    """Both real services (zero latency, in-memory), seeded with tiny the way ``make emulators`` does."""
    from emulators.netsuite.app import create_app as create_netsuite_app
    from emulators.settings import NetSuiteSettings, SppSettings
    from emulators.spp.app import create_app as create_spp_app

    ns_settings = NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    spp_settings = SppSettings(
        latency_ms=0, latency_per_record_ms=0, requests_per_minute=0, db_url="sqlite://"
    )
    ns_app, spp_app = create_netsuite_app(ns_settings), create_spp_app(spp_settings)
    counts = seed_both(ns_app.state.store, spp_app.state.store, "tiny")
    ns_server, spp_server = serve_in_thread(ns_app), serve_in_thread(spp_app)
    try:
        yield Services(ns_server.url, ns_settings, ns_app.state.store, spp_server.url, spp_settings,
                       spp_app.state.store, counts)  # fmt: skip
    finally:
        ns_server.stop()
        spp_server.stop()


def test_the_spp_service_serves_the_seed_to_the_spp_client(services: Services) -> None:
    from include.spp.client import SppClient

    s = services.spp_settings
    with SppClient(
        services.spp_url, s.company, s.user, s.password, s.api_namespace, s.api_key, max_retries=0
    ) as client:
        users = list(client.read("User"))
        assert len(users) == services.counts["spp"]["User"]
        # employees (netsuite_user_id__c) and contractors (netsuite_vendor_id__c, externalid vendor-<id>)
        for u in users:
            if "netsuite_vendor_id__c" in u:
                assert u["externalid"] == f"vendor-{u['netsuite_vendor_id__c']}"
            else:
                assert u["netsuite_user_id__c"] == u["externalid"]
            assert "@" in u["addr.email"]
        pending = list(client.read("Envelope", updated_after=LAST_SYNC, equal_to={"status": "A"}))
        assert pending and all(
            e.get("netsuite_expense_report_id__c") in (None, EXPORT_CLAIMED) for e in pending
        )


def test_the_netsuite_service_serves_the_seed_to_the_netsuite_client(services: Services) -> None:
    from include.netsuite.client import NetSuiteClient

    s = services.ns_settings
    client = NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        s.token_secret,
        endpoint=f"{services.ns_url}/services/NetSuitePort_2023_2",
        max_retries=0,
    )
    changed = list(client.search("customer", modified_after=LAST_SYNC))
    assert 0 < len(changed) < services.counts["netsuite"]["customer"]
    assert all(c["lastModifiedDate"] > LAST_SYNC.replace(tzinfo=dt.UTC) for c in changed)
    exported = next(
        r
        for r in services.spp_store.scan("Task")
        if r.data.get("netsuite_timebill_id__c") not in (None, EXPORT_CLAIMED)
    )
    [bill] = client.get_list("timeBill", external_ids=[spp_external_id("Task", exported.id)])
    assert bill is not None and bill["internalId"] == exported.data["netsuite_timebill_id__c"]
    assert bill["hours"] == {"timeSpan": float(exported.data["decimal_hours"]), "unit": "hour"}
