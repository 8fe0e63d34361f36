"""SppClient.mark_exported and read(not_exported=True) against the local SPP service over real HTTP,
plus the shape of the Read they send."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from emulators.serve import RunningServer
from emulators.store import RecordStore
from include.spp import SppClient, xml
from include.spp import client as client_module
from tests.include.spp import test_client as base

# the module-scoped emulator and client fixtures of the client tests (one service per module)
store = base.store
server = base.server
service = base.service
spp = base.spp


def test_marked_objects_drop_out_of_not_exported_reads(spp: SppClient) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(3))]

    results = spp.mark_exported("Customer", [created[2], created[0]])

    assert [(r.ok, r.id, r.index) for r in results] == [(True, created[2], 0), (True, created[0], 1)]
    assert [c["id"] for c in spp.read("Customer", not_exported=True)] == [created[1]]
    assert len(list(spp.read("Customer"))) == 3


def test_marking_does_not_make_the_next_incremental_read_see_the_objects(
    spp: SppClient, store: RecordStore
) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(2))]
    old = dt.datetime(2024, 1, 1, 12, 0, 0)
    for cid in created:
        store.set_timestamps("Customer", int(cid), created=old, updated=old)

    assert all(r.ok for r in spp.mark_exported("Customer", created))

    assert list(spp.read("Customer", updated_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))) == []
    assert {c["updated"] for c in spp.read("Customer")} == {"2024-01-01 12:00:00"}


def test_re_marking_keeps_one_import_export_per_object(spp: SppClient) -> None:
    (cid,) = [r.id for r in spp.add("Customer", base.customers(1))]

    first = spp.mark_exported("Customer", [cid])
    second = spp.mark_exported("Customer", [cid])

    assert first[0].ok and second[0].ok
    marks = list(spp.read("ImportExport"))
    assert [(m["application"], m["type"], m["id"]) for m in marks] == [("netsuite", "Customer", cid)]


def test_unknown_id_fails_that_record_and_the_others_are_marked(spp: SppClient) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(2))]

    results = spp.mark_exported("Customer", [created[0], "999999", created[1]])

    assert [r.ok for r in results] == [True, False, True]
    assert (results[1].code, results[1].id, results[1].index) == ("601", "999999", 1)
    assert results[1].message
    assert list(spp.read("Customer", not_exported=True)) == []


def test_updated_after_combines_with_not_exported(spp: SppClient, store: RecordStore) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(4))]
    old = dt.datetime(2024, 1, 1, 12, 0, 0)
    store.set_timestamps("Customer", int(created[0]), created=old, updated=old)
    spp.mark_exported("Customer", [created[1]])

    found = list(
        spp.read("Customer", updated_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), not_exported=True)
    )

    assert sorted(c["id"] for c in found) == sorted(created[2:])


def test_marks_are_chunked_into_commands_of_one_request(spp: SppClient, service: RunningServer) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(5))]
    client = base.make_client(service.url, objects_per_command=2)
    before = base.stats(service)["requests"]

    results = client.mark_exported("Customer", created)

    after = base.stats(service)["requests"]
    assert [r.index for r in results] == list(range(5)) and all(r.ok for r in results)
    assert after["Add"] - before.get("Add", 0) == 3  # 2+2+1 marks
    assert after["Auth"] - before.get("Auth", 0) == 1


def test_a_dropped_mark_request_is_retried_without_duplicates(spp: SppClient, service: RunningServer) -> None:
    created = [r.id for r in spp.add("Customer", base.customers(2))]
    base.set_faults(service, {"kind": "drop_after_commit", "operation": "Add", "count": 1})

    results = spp.mark_exported("Customer", created)

    assert all(r.ok for r in results)
    assert base.stats(service)["faults_by_kind"].get("drop_after_commit") == 1
    assert sorted(m["id"] for m in spp.read("ImportExport")) == sorted(created)


def test_mark_exported_with_no_ids_sends_nothing_and_empty_ids_are_refused() -> None:
    client = base.make_client("http://127.0.0.1:9")  # nothing listens: any request would fail
    assert client.mark_exported("Task", []) == []
    with pytest.raises(ValueError, match="id 1 is empty"):
        client.mark_exported("Task", ["1", " "])


def test_mark_command_keeps_the_ids_and_names_the_application() -> None:
    command = xml.import_export_command("netsuite", "Task", ["7", "8"])
    assert command.tag == "Add" and command.get("type") == "ImportExport"
    assert [(m.findtext("application"), m.findtext("type"), m.findtext("id")) for m in command] == [
        ("netsuite", "Task", "7"),
        ("netsuite", "Task", "8"),
    ]
    dated = xml.import_export_command("netsuite", "Task", ["7"], exported=dt.datetime(2024, 3, 5, 14, 7))
    assert dated.findtext("ImportExport/exported/Date/minute") == "07"


def test_not_exported_read_lists_a_field_per_date_filter_only() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5)
    both = xml.read_command("Task", date_filters=[("newer-than", "updated", when)], not_exported=True)
    alone = xml.read_command("Task", not_exported=True)

    assert (both.get("filter"), both.get("field"), len(both.findall("Date"))) == (
        "newer-than,not-exported",
        "updated",
        1,
    )
    assert (alone.get("filter"), alone.get("field"), alone.findall("Date")) == ("not-exported", None, [])
    assert etree.tostring(xml.read_command("Task")).count(b"filter") == 0


def test_client_read_passes_not_exported_to_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[etree._Element] = []

    def fake_call(self: SppClient, commands: list[etree._Element], **_: object) -> list[xml.CommandReply]:
        sent.extend(commands)
        return [xml.CommandReply(name="Read", status=0)]

    monkeypatch.setattr(client_module.SppClient, "_call", fake_call)
    client = base.make_client("http://127.0.0.1:9")
    assert list(client.read("Task", updated_after=dt.datetime(2024, 1, 1), not_exported=True)) == []
    assert (sent[0].get("filter"), sent[0].get("field")) == ("newer-than,not-exported", "updated")
