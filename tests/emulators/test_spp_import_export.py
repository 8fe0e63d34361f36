"""ImportExport in the local SPP service, with raw XML over HTTP: Add marks objects exported (an
upsert on application, type, id), the ``not-exported`` filter and ``not exported`` method leave
marked objects out, and marking never touches the marked object's ``updated``."""

from __future__ import annotations

import datetime as dt
import time

from lxml import etree

from tests.emulators.spp import conftest as spp_service
from tests.emulators.spp.helpers import SppWire, date_xml, objects

# the SPP service fixtures live in spp/conftest.py, which does not reach this directory
service = spp_service.service
app = spp_service.app
spp = spp_service.spp


def add_customers(spp: SppWire, count: int) -> list[str]:
    body = "".join(f"<Customer><company>C{i}</company></Customer>" for i in range(count))
    answer = spp.command(f'<Add type="Customer">{body}</Add>')
    assert answer.get("status") == "0"
    return [c["id"] for c in objects(answer, "Customer")]


def mark(
    spp: SppWire, ids: list[str], *, rtype: str = "Customer", application: str = "netsuite", extra: str = ""
) -> etree._Element:
    body = "".join(
        f"<ImportExport><application>{application}</application><type>{rtype}</type><id>{i}</id>{extra}</ImportExport>"
        for i in ids
    )
    return spp.command(f'<Add type="ImportExport">{body}</Add>')


def read_ids(spp: SppWire, attrs: str, inner: str = "", rtype: str = "Customer") -> list[str]:
    answer = spp.command(f'<Read type="{rtype}" limit="1000" {attrs}>{inner}</Read>')
    assert answer.get("status") == "0", etree.tostring(answer)
    return [o["id"] for o in objects(answer, rtype)]


def marks(spp: SppWire) -> list[dict[str, str]]:
    return objects(spp.command('<Read type="ImportExport" method="all" limit="1000"/>'), "ImportExport")


def test_marked_objects_leave_the_not_exported_filter_and_method(spp: SppWire) -> None:
    ids = add_customers(spp, 3)
    assert read_ids(spp, 'method="all" filter="not-exported"') == ids

    answer = mark(spp, [ids[0], ids[2]])

    assert answer.get("status") == "0"
    assert [m["id"] for m in objects(answer, "ImportExport")] == [ids[0], ids[2]]  # the marked objects' ids
    assert read_ids(spp, 'method="all" filter="not-exported"') == [ids[1]]
    assert read_ids(spp, 'method="not exported"') == [ids[1]]
    assert read_ids(spp, 'method="all"') == ids  # marking hides nothing from other reads


def test_marking_leaves_the_marked_objects_updated_stamp_alone(spp: SppWire, app: object) -> None:
    ids = add_customers(spp, 2)
    store = app.state.store  # type: ignore[attr-defined]
    before = {i: store.get("Customer", int(i)).updated_at for i in ids}
    time.sleep(1.05)  # the wire shows whole seconds
    since = spp.command("<Time/>").find("Date")

    mark(spp, ids)

    assert {i: store.get("Customer", int(i)).updated_at for i in ids} == before
    assert (
        read_ids(spp, 'method="all" filter="newer-than" field="updated"', etree.tostring(since).decode())
        == []
    )


def test_re_marking_updates_the_one_import_export_object(spp: SppWire) -> None:
    (cid,) = add_customers(spp, 1)
    first = mark(spp, [cid], extra=f"<exported>{date_xml('2024-01-01 10:00:00')}</exported>")
    again = mark(spp, [cid, cid], extra=f"<exported>{date_xml('2024-02-01 10:00:00')}</exported>")

    assert first.get("status") == again.get("status") == "0"
    assert [m["id"] for m in objects(again, "ImportExport")] == [cid, cid]
    stored = marks(spp)
    assert len(stored) == 1
    assert stored[0]["exported"] == "2024-02-01 10:00:00"
    assert (stored[0]["application"], stored[0]["type"], stored[0]["id"]) == ("netsuite", "Customer", cid)


def test_exported_defaults_to_the_server_clock(spp: SppWire) -> None:
    (cid,) = add_customers(spp, 1)
    mark(spp, [cid])
    exported = dt.datetime.strptime(marks(spp)[0]["exported"], "%Y-%m-%d %H:%M:%S")
    assert abs((exported - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()) < 5


def test_unknown_marked_object_fails_with_601_and_the_others_are_written(spp: SppWire) -> None:
    ids = add_customers(spp, 2)
    deleted = add_customers(spp, 1)[0]
    spp.command(f'<Delete type="Customer"><Customer><id>{deleted}</id></Customer></Delete>')

    answer = mark(spp, [ids[0], "999999", deleted, ids[1]])

    assert answer.get("status") == "0"
    assert [m.get("@status") for m in objects(answer, "ImportExport")] == [None, "601", "601", None]
    assert sorted(m["id"] for m in marks(spp)) == sorted(ids)
    assert mark(spp, ["999999"]).get("status") == "601"  # nothing written: the first object's code


def test_invalid_marks_fail_per_object(spp: SppWire) -> None:
    (cid,) = add_customers(spp, 1)
    answer = spp.command(
        '<Add type="ImportExport">'
        f"<ImportExport><type>Customer</type><id>{cid}</id></ImportExport>"  # no application
        "<ImportExport><application>netsuite</application><type>Customer</type></ImportExport>"  # no id
        f"<ImportExport><application>netsuite</application><type>Costumer</type><id>{cid}</id></ImportExport>"
        "</Add>"
    )
    assert [m["@status"] for m in objects(answer, "ImportExport")] == ["1106", "4", "602"]
    assert marks(spp) == []


def test_a_write_command_holds_at_most_1000_marks(spp: SppWire) -> None:
    (cid,) = add_customers(spp, 1)
    assert mark(spp, [cid] * 1001).get("status") == "3"
    assert mark(spp, [cid] * 1000).get("status") == "0"
    assert len(marks(spp)) == 1


def test_any_application_counts_and_an_own_exported_date_still_counts(spp: SppWire) -> None:
    ids = add_customers(spp, 2)
    own = spp.command(
        f'<Add type="Customer"><Customer><company>Old</company><exported>{date_xml("2024-01-01 00:00:00")}'
        "</exported></Customer></Add>"
    ).findtext("Customer/id")

    mark(spp, [ids[0]], application="some-other-system")

    assert read_ids(spp, 'method="all" filter="not-exported"') == [ids[1]]
    assert own not in read_ids(spp, 'method="not exported"')


def test_newer_than_and_not_exported_combine_with_one_date(spp: SppWire) -> None:
    old = add_customers(spp, 2)
    time.sleep(1.05)
    since = etree.tostring(spp.command("<Time/>").find("Date")).decode()
    new = add_customers(spp, 3)
    mark(spp, [old[0], new[0]])

    both = read_ids(spp, 'method="all" filter="newer-than,not-exported" field="updated"', since)
    reversed_order = read_ids(spp, 'method="all" filter="not-exported,newer-than" field="updated"', since)

    assert both == reversed_order == new[1:]


def test_import_export_objects_read_by_equal_to(spp: SppWire) -> None:
    customers = add_customers(spp, 2)
    uid = spp.command("<Whoami><User/></Whoami>").findtext("User/id")
    mark(spp, customers)
    mark(spp, [uid], rtype="User")

    by_type = read_ids(
        spp, 'method="equal to"', "<ImportExport><type>User</type></ImportExport>", rtype="ImportExport"
    )
    by_id = read_ids(spp, 'method="equal to"', f"<ImportExport><id>{customers[1]}</id></ImportExport>",
                     rtype="ImportExport")  # fmt: skip

    assert by_type == [uid] and by_id == [customers[1]]
    assert read_ids(spp, 'method="not exported"', rtype="User") == []


def test_import_export_is_written_with_add_only(spp: SppWire) -> None:
    (cid,) = add_customers(spp, 1)
    mark(spp, [cid])
    body = f"<ImportExport><id>{cid}</id></ImportExport>"
    assert spp.command(f'<Modify type="ImportExport">{body}</Modify>').get("status") == "10"
    assert spp.command(f'<Delete type="ImportExport">{body}</Delete>').get("status") == "10"
