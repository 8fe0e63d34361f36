"""The web-UI stand-in routes of the local SPP service: ``POST /_emulator/spp/ui/records`` creates
objects the XML API refuses to write (purchase requests and their items) as a person would in the
UI, ``POST /_emulator/spp/ui/approve`` approves them as a manager would; both then read like any
object through the XML API."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from lxml import etree

from emulators.netsuite.app import create_app as create_netsuite_app
from emulators.store import RecordStore
from include.spp.client import SppClient
from tests.emulators.spp.helpers import SppWire, date_xml, objects


def ui(spp: SppWire, action: str, body: Any = None, *, content: bytes | None = None) -> httpx.Response:
    if content is not None:
        return spp.control(
            "POST", f"spp/ui/{action}", content=content, headers={"Content-Type": "application/json"}
        )
    return spp.control("POST", f"spp/ui/{action}", json=body)


def create_user(spp: SppWire, nickname: str = "buyer") -> str:
    answer = spp.command(
        f"<CreateUser><Company><nickname>AcmeCo</nickname></Company><User><nickname>{nickname}</nickname>"
        "</User></CreateUser>"
    )
    return answer.findtext("User/id")


def add_one(spp: SppWire, rtype: str, inner: str) -> str:
    answer = spp.command(f'<Add type="{rtype}"><{rtype}>{inner}</{rtype}></Add>')
    assert answer.get("status") == "0", etree.tostring(answer)
    return answer.findtext(f"{rtype}/id")


def read_all(spp: SppWire, rtype: str, attrs: str = "", inner: str = "") -> list[dict[str, str]]:
    answer = spp.command(
        f'<Read type="{rtype}" method="all" limit="1000" enable_custom="1" {attrs}>{inner}</Read>'
    )
    assert answer.get("status") == "0", etree.tostring(answer)
    return objects(answer, rtype)


def make_request(spp: SppWire) -> tuple[str, str, list[str]]:
    """A Purchaserequest of the user ``buyer`` with two Purchase_item lines: (user, request, items)."""
    uid = create_user(spp)
    vendor = add_one(spp, "Vendor", "<name>Parts Ltd</name>")
    product = add_one(spp, "Product", "<name>Bolt</name>")
    created = ui(spp, "records", {
        "type": "Purchaserequest",
        "fields": {"name": "PR-1", "userid": uid, "date": "2024-05-02", "approval_status": "O",
                   "externalid": "UI-PR-1", "netsuite_purchase_request_id__c": None,
                   "notes": "  spare parts "},
    })  # fmt: skip
    assert created.status_code == 200, created.text
    (request_id,) = created.json()["ids"]
    lines = ui(spp, "records", {
        "type": "Purchase_item",
        "records": [
            {"purchaserequestid": request_id, "productid": product, "vendorid": vendor, "quantity": 10,
             "cost": "1.25", "date": {"year": 2024, "month": 5, "day": 3}},
            {"purchaserequestid": int(request_id), "vendorid": vendor, "quantity": 2.5, "cost": 4,
             "ship_date": "2024-05-10T09:30:00+02:00", "taxable": True},
        ],
    })  # fmt: skip
    assert lines.status_code == 200, lines.text
    return uid, request_id, lines.json()["ids"]


# -- records -------------------------------------------------------------------------------


def test_a_request_and_its_lines_read_back_through_the_xml_api(spp: SppWire) -> None:
    uid, request_id, item_ids = make_request(spp)
    (request,) = read_all(spp, "Purchaserequest")
    assert request["id"] == request_id and request["userid"] == uid and request["name"] == "PR-1"
    assert request["date"] == "2024-05-02 00:00:00" and request["approval_status"] == "O"
    assert request["notes"] == "spare parts" and "netsuite_purchase_request_id__c" not in request
    assert request["created"] == request["updated"] and request["created"].startswith("20")
    lines = read_all(spp, "Purchase_item")
    assert [line["id"] for line in lines] == item_ids
    assert [line["purchaserequestid"] for line in lines] == [request_id, request_id]
    first, second = lines
    assert (first["quantity"], first["cost"], first["date"]) == ("10", "1.25", "2024-05-03 00:00:00")
    assert (second["quantity"], second["cost"], second["taxable"]) == ("2.5", "4", "1")
    assert second["ship_date"] == "2024-05-10 00:00:00"  # date-only field: 07:30 UTC, shown without a time
    assert all(line["created"] and line["updated"] for line in lines)
    by_external = spp.command(
        '<Read type="Purchaserequest" method="equal to" limit="10">'
        "<Purchaserequest><externalid>UI-PR-1</externalid></Purchaserequest></Read>"
    )
    assert [o["id"] for o in objects(by_external, "Purchaserequest")] == [request_id]


def test_ids_come_from_the_same_sequence_as_api_adds(spp: SppWire, app: object) -> None:
    before = int(add_one(spp, "Customer", "<company>Before</company>"))
    uid, request_id, item_ids = make_request(spp)
    after = int(add_one(spp, "Customer", "<company>After</company>"))
    ui_ids = [int(request_id), *map(int, item_ids)]
    assert before < int(uid) < ui_ids[0] < ui_ids[1] < ui_ids[2] < after
    store = app.state.store  # type: ignore[attr-defined]
    stored = store.get("Purchase_item", int(item_ids[1]))
    assert stored.data["ship_date"] == "2024-05-10 07:30:00" and stored.created_at == stored.updated_at
    assert spp.stats()["records_written"] == 5  # the API's writes only: user, vendor, product, two customers


def test_the_product_client_reads_them(spp: SppWire) -> None:
    uid, request_id, item_ids = make_request(spp)
    s = spp.settings
    with SppClient(
        spp.url, s.company, s.user, s.password, s.api_namespace, s.api_key, max_retries=0
    ) as client:
        requests = list(client.read("Purchaserequest"))
        lines = list(client.read("Purchase_item", equal_to_any={"purchaserequestid": [request_id]}))
    assert [(r["id"], r["userid"]) for r in requests] == [(request_id, uid)]
    assert sorted(line["id"] for line in lines) == sorted(item_ids)


def test_xml_api_writes_of_the_read_only_types_are_still_refused(spp: SppWire) -> None:
    _, request_id, item_ids = make_request(spp)
    add = spp.command('<Add type="Purchaserequest"><Purchaserequest><name>X</name></Purchaserequest></Add>')
    assert add.get("status") == "8" and "read-only" in etree.tostring(add).decode()
    line = spp.command(
        '<Add type="Purchase_item"><Purchase_item><quantity>1</quantity></Purchase_item></Add>'
    )
    assert line.get("status") == "8"
    modify = spp.command(
        f'<Modify type="Purchaserequest"><Purchaserequest><id>{request_id}</id><name>Y</name>'
        "</Purchaserequest></Modify>"
    )
    assert modify.find("Purchaserequest").get("status") == "8"
    assert [r["name"] for r in read_all(spp, "Purchaserequest")] == ["PR-1"]
    assert len(read_all(spp, "Purchase_item")) == len(item_ids)


def test_users_can_be_created_although_add_refuses_them(spp: SppWire) -> None:
    response = ui(
        spp, "records", {"type": "User", "fields": {"nickname": "manager", "addr": {"email": "m@x.example"}}}
    )
    assert response.status_code == 200, response.text
    (user,) = read_all(spp, "User", inner="")
    assert user["id"] == response.json()["ids"][0] and user["nickname"] == "manager"
    answer = spp.command('<Read type="User" method="all" limit="10"></Read>')
    assert answer.findtext("User/addr/Address/email") == "m@x.example"


def test_required_fields_and_server_fields_as_on_add(spp: SppWire) -> None:
    missing = ui(spp, "records", {"type": "Customer", "records": [{"company": "A"}, {"notes": "no name"}]})
    assert (
        missing.status_code == 400
        and missing.json()["error"] == "records[1]: required field missing: company"
    )
    assert read_all(spp, "Customer") == []  # all or nothing
    echoed = ui(
        spp, "records", {"type": "Customer", "fields": {"id": "999", "created": "2000-01-01", "company": "B"}}
    )
    assert echoed.status_code == 200
    (customer,) = read_all(spp, "Customer")
    assert customer["id"] == echoed.json()["ids"][0] != "999" and not customer["created"].startswith("2000")


# -- approve -------------------------------------------------------------------------------


def test_approve_sets_the_status_and_moves_updated_for_incremental_reads(spp: SppWire, app: object) -> None:
    _, request_id, _ = make_request(spp)
    _, other_id, _ = make_request(spp)
    time.sleep(1.05)  # the wire shows whole seconds
    server_now = etree.tostring(spp.command("<Time/>").find("Date")).decode()
    approved = ui(spp, "approve", {"type": "Purchaserequest", "ids": [request_id], "notes": "ok"})
    assert approved.status_code == 200, approved.text
    assert approved.json() == {"ids": [request_id]}
    newer = read_all(spp, "Purchaserequest", 'filter="newer-than" field="updated"', server_now)
    assert [(r["id"], r["approval_status"], r["approval_notes"]) for r in newer] == [(request_id, "A", "ok")]
    assert newer[0]["updated"] > newer[0]["created"]
    store = app.state.store  # type: ignore[attr-defined]
    assert store.get("Purchaserequest", int(other_id)).data["approval_status"] == "O"
    again = ui(spp, "approve", {"type": "Purchaserequest", "ids": [request_id]})
    assert again.status_code == 400 and "in status 'A'" in again.json()["error"]


def test_approve_follows_the_api_workflow_of_approvable_types(spp: SppWire) -> None:
    uid = create_user(spp)
    open_id = add_one(
        spp, "Timesheet", f"<userid>{uid}</userid><status>O</status><starts>{date_xml('2024-01-01')}</starts>"
    )
    rejected_id = add_one(spp, "Timesheet", f"<userid>{uid}</userid><status>R</status>")
    odd_id = add_one(spp, "Timesheet", f"<userid>{uid}</userid><status>X</status>")
    answer = ui(spp, "approve", {"type": "Timesheet", "ids": [int(open_id), rejected_id]})
    assert answer.status_code == 200, answer.text
    statuses = {t["id"]: t["status"] for t in read_all(spp, "Timesheet")}
    assert statuses == {open_id: "A", rejected_id: "A", odd_id: "X"}
    stuck = ui(spp, "approve", {"type": "Timesheet", "ids": [odd_id]})
    assert stuck.status_code == 400 and f"Timesheet {odd_id} in status 'X'" in stuck.json()["error"]


def test_approve_of_a_missing_id_names_it_and_writes_nothing(spp: SppWire) -> None:
    _, request_id, _ = make_request(spp)
    answer = ui(spp, "approve", {"type": "Purchaserequest", "ids": [request_id, "999999"]})
    assert answer.status_code == 400 and "no Purchaserequest with id 999999" in answer.json()["error"]
    assert read_all(spp, "Purchaserequest")[0]["approval_status"] == "O"


# -- errors --------------------------------------------------------------------------------


def test_an_unknown_type_is_named_with_the_known_ones(spp: SppWire) -> None:
    for action, body in (
        ("records", {"type": "Purchasereqest", "fields": {}}),
        ("approve", {"type": "Purchasereqest", "ids": ["1"]}),
    ):
        answer = ui(spp, action, body)
        error = answer.json()["error"]
        assert answer.status_code == 400 and "'Purchasereqest'" in error
        assert "known types:" in error and "Purchaserequest" in error and "Purchase_item" in error
    marks = ui(spp, "records", {"type": "ImportExport", "fields": {"application": "x", "type": "Customer"}})
    assert marks.status_code == 400 and "unknown object type 'ImportExport'" in marks.json()["error"]


def test_a_missing_foreign_key_names_the_field_and_the_id(spp: SppWire) -> None:
    _, request_id, _ = make_request(spp)
    answer = ui(spp, "records", {"type": "Purchase_item", "records": [
        {"purchaserequestid": request_id, "quantity": 1},
        {"purchaserequestid": "424242", "quantity": 1},
    ]})  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["error"] == "records[1]: purchaserequestid: no Purchaserequest with id '424242'"
    assert len(read_all(spp, "Purchase_item")) == 2  # the two of make_request, nothing new
    user = ui(spp, "records", {"type": "Purchaserequest", "fields": {"name": "PR", "userid": "777777"}})
    assert user.status_code == 400 and user.json()["error"] == "userid: no User with id '777777'"


@pytest.mark.parametrize(
    ("action", "content", "fragment"),
    [
        ("records", b'{"type": "Purchaserequest", "fields": {', "malformed JSON"),
        ("records", b"", "empty body"),
        ("records", b'["Purchaserequest"]', "expected a JSON object"),
        ("records", b'{"fields": {"name": "x"}}', "'type'"),
        ("records", b'{"type": "Purchaserequest"}', "either 'fields'"),
        ("records", b'{"type": "Purchaserequest", "fields": {}, "records": []}', "either 'fields'"),
        ("records", b'{"type": "Purchaserequest", "records": []}', "non-empty list"),
        ("records", b'{"type": "Purchaserequest", "records": ["x"]}', "records[0] must be a JSON object"),
        ("records", b'{"type": "Purchaserequest", "fields": {"name": ["a"]}}', "lists are not field values"),
        (
            "records",
            b'{"type": "Purchaserequest", "fields": {"bad name": "a"}}',
            "'bad name' is not a field name",
        ),
        ("records", b'{"type": "Purchaserequest", "fields": {"date": "next week"}}', "date: not a date"),
        (
            "records",
            b'{"type": "Purchaserequest", "fields": {"date": {"year": 2024, "month": 13, "day": 1}}}',
            "invalid Date",
        ),
        ("approve", b'{"type": "Purchaserequest"}', "'ids'"),
        ("approve", b'{"type": "Purchaserequest", "ids": ["abc"]}', "not an object id: 'abc'"),
        ("approve", b'{"type": "Purchaserequest", "ids": ["1"], "notes": 5}', "'notes'"),
        ("approve", b"not json", "malformed JSON"),
    ],
)
def test_bad_bodies_are_400_naming_the_problem(
    spp: SppWire, action: str, content: bytes, fragment: str
) -> None:
    answer = ui(spp, action, content=content)
    assert answer.status_code == 400, answer.text
    assert fragment in answer.json()["error"]
    assert read_all(spp, "Purchaserequest") == []


def test_the_routes_are_spp_only_and_post_only(spp: SppWire) -> None:
    assert spp.control("GET", "spp/ui/records").status_code == 405
    netsuite = create_netsuite_app(store=RecordStore("sqlite://"))
    netsuite_paths = {getattr(route, "path", "") for route in netsuite.routes}
    assert not any(path.startswith("/_emulator/spp/") for path in netsuite_paths)
