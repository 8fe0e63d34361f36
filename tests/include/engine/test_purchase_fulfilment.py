"""Purchase fulfilment: POs (Purchase Orders), POs (Vendor Bills) and Vendor Credits, update-only imports
over HTTP against both services.

NetSuite makes a purchase order of a requisition SPP sent, bills the order and credits the bill; each
import records that on the SPP purchase request (custom fields), found through the step before. None
creates anything in SPP.
"""

from __future__ import annotations

from typing import Any

import pytest

from include.engine.run import WorkflowRunner

from .changes import source_records
from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# workflow -> (its NetSuite ID field on the request, a field it records, the NetSuite field it comes from)
FULFILMENT = {
    "purchase_orders_import": ("netsuite_purchase_order_id__c", "po_number__c", "tranId"),
    "purchase_bills_import": ("netsuite_purchase_bill_id__c", "bill_number__c", "tranId"),
    "vendor_credits_import": ("netsuite_vendor_credit_id__c", "credit_number__c", "tranId"),
}
# the request field holding the NetSuite record each step's source was made from
PARENT = {
    "purchase_orders_import": ("netsuite_purchase_request_id__c", "createdFrom"),
    "purchase_bills_import": ("netsuite_purchase_order_id__c", "purchaseOrderList"),
    "vendor_credits_import": ("netsuite_purchase_bill_id__c", "createdFrom"),
}


def requests(world: World) -> dict[str, dict[str, Any]]:
    return {str(d["id"]): d for d in world.spp.read("Purchaserequest")}


def _parent_id(doc: dict[str, Any], field: str) -> str:
    value = doc[field]
    if field == "purchaseOrderList":
        value = value["recordRef"][0]
    return str(value["internalId"] if isinstance(value, dict) else value)


@pytest.mark.parametrize("workflow_id", list(FULFILMENT))
def test_each_step_is_recorded_on_the_request_it_was_made_from_and_nothing_else_is_written(
    world: World, workflow_id: str
) -> None:
    world.run_upstream(workflow_id)
    before = requests(world)
    id_field, recorded, netsuite_field = FULFILMENT[workflow_id]
    parent_field, made_from = PARENT[workflow_id]
    sources = source_records(world, workflow_id)
    assert sources
    by_parent = {str(r[parent_field]): i for i, r in before.items() if r.get(parent_field)}
    expected = {by_parent[_parent_id(doc, made_from)]: nid for nid, doc in sources.items()}
    assert expected  # the seed has fulfilment for SPP's own requisitions

    summary = world.run(workflow_id)

    assert summary.status == "success"
    assert (summary.created, summary.updated, summary.failed) == (0, len(expected), 0)
    after = requests(world)
    assert set(after) == set(before)  # nothing created in SPP
    for spp_id, netsuite_id in expected.items():
        assert after[spp_id][id_field] == netsuite_id
        assert after[spp_id][recorded] == sources[netsuite_id][netsuite_field]
        assert after[spp_id].get("externalid") == before[spp_id].get("externalid")
    untouched = set(after) - set(expected)
    assert all(not after[i].get(recorded) for i in untouched)

    written = world.spp_service.written()
    again = world.run(workflow_id)
    assert (again.created, again.updated, world.spp_service.written()) == (0, 0, written)


def test_a_purchase_order_not_made_from_an_spp_requisition_records_nothing(world: World) -> None:
    world.run_upstream("purchase_orders_import")
    assert world.run("purchase_orders_import").status == "success"
    like = next(iter(source_records(world, "purchase_orders_import").values()))
    added = world.netsuite.add_list(
        "purchaseOrder", [{"entity": like["entity"], "tranId": "PO-BYHAND", "itemList": like["itemList"]}]
    )
    assert added[0].ok, added
    wf = world.workflow("purchase_orders_import")
    runner = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, run_id="p", params={})
    reasons = {r.source_id: r.reason for r in runner.plan().skipped}
    assert reasons[str(added[0].id)] == "not in target; workflow does not create"
    written = world.spp_service.written()

    summary = world.run("purchase_orders_import")

    assert (summary.created, summary.updated, summary.failed) == (0, 0, 0)
    assert world.spp_service.written() == written
    assert not any(r.get("po_number__c") == "PO-BYHAND" for r in requests(world).values())


def test_a_changed_bill_updates_its_request_and_only_that(world: World) -> None:
    world.run_upstream("purchase_bills_import")
    assert world.run("purchase_bills_import").status == "success"
    bill_id = next(iter(source_records(world, "purchase_bills_import")))
    assert world.netsuite.update_list("vendorBill", [{"internalId": bill_id, "userTotal": 999.5}])[0].ok
    written = world.spp_service.written()

    summary = world.run("purchase_bills_import")

    assert (summary.created, summary.updated, summary.failed) == (0, 1, 0)
    assert world.spp_service.written() == written + 1
    [request] = [r for r in requests(world).values() if r.get("netsuite_purchase_bill_id__c") == bill_id]
    assert request["bill_total__c"] == "999.5"
