"""The XML API commands, each exercised with raw XML over HTTP: Read (methods, paging, date and
status filters, tombstones, custom fields, _Return), Add and its externalid upsert, parent
lookups, Modify, ModifyOnCondition, Delete, CreateUser, the approval commands, Time, Whoami."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from lxml import etree

from tests.emulators.spp.helpers import SppWire, date_xml, objects


def add_customers(spp: SppWire, count: int, *, start: int = 0) -> list[str]:
    body = "".join(
        f"<Customer><company>C{i}</company><externalid>NS-{i}</externalid>"
        f"<netsuite_customer_id__c>{i}</netsuite_customer_id__c></Customer>"
        for i in range(start, start + count)
    )
    answer = spp.command(f'<Add type="Customer" enable_custom="1">{body}</Add>')
    assert answer.get("status") == "0"
    return [c["id"] for c in objects(answer, "Customer")]


def read(spp: SppWire, attrs: str, inner: str = "", rtype: str = "Customer") -> etree._Element:
    return spp.command(f'<Read type="{rtype}" {attrs}>{inner}</Read>')


# -- Read -----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [None, "0", "1001", "0,1001", "abc", "-1,5"])
def test_read_needs_a_limit_between_1_and_1000(spp: SppWire, limit: str | None) -> None:
    attr = f'limit="{limit}"' if limit is not None else ""
    assert read(spp, f'method="all" {attr}').get("status") == "605"


def test_read_pages_with_offset_until_a_short_page(spp: SppWire) -> None:
    ids = add_customers(spp, 25)
    seen: list[str] = []
    offset = 0
    while True:
        page = objects(read(spp, f'method="all" limit="{offset},10"'), "Customer")
        seen += [c["id"] for c in page]
        if len(page) < 10:
            break
        offset += 10
    assert seen == ids and offset == 20
    assert [c["id"] for c in objects(read(spp, 'method="all" limit="3"'), "Customer")] == ids[:3]


def test_read_equal_to_and_not_equal_to(spp: SppWire) -> None:
    add_customers(spp, 3)
    same = read(spp, 'method="equal to" limit="10"', "<Customer><externalid>NS-1</externalid></Customer>")
    assert [c["company"] for c in objects(same, "Customer")] == ["C1"]
    other = read(spp, 'method="not equal to" limit="10"', "<Customer><company>C1</company></Customer>")
    assert [c["company"] for c in objects(other, "Customer")] == ["C0", "C2"]
    by_custom = read(spp, 'method="equal to" limit="10"',
                     "<Customer><netsuite_customer_id__c>2</netsuite_customer_id__c></Customer>")  # fmt: skip
    assert [c["company"] for c in objects(by_custom, "Customer")] == ["C2"]
    assert read(spp, 'method="equal to" limit="10"').get("status") == "4"  # no query object


def test_unknown_read_method_and_type_are_errors(spp: SppWire) -> None:
    assert read(spp, 'method="sideways" limit="10"').get("status") == "5"
    assert read(spp, 'method="all" limit="10"', rtype="Costumer").get("status") == "10"


def test_custom_fields_only_with_enable_custom(spp: SppWire) -> None:
    add_customers(spp, 1)
    plain = objects(read(spp, 'method="all" limit="10"'), "Customer")[0]
    assert "netsuite_customer_id__c" not in plain and plain["company"] == "C0"
    custom = objects(read(spp, 'method="all" limit="10" enable_custom="1"'), "Customer")[0]
    assert custom["netsuite_customer_id__c"] == "0"


def test_custom_fields_are_dropped_on_add_without_enable_custom(spp: SppWire) -> None:
    spp.command('<Add type="Customer"><Customer><company>A</company><x__c>1</x__c></Customer></Add>')
    assert "x__c" not in objects(read(spp, 'method="all" limit="1" enable_custom="1"'), "Customer")[0]


def test_return_restricts_the_fields(spp: SppWire) -> None:
    add_customers(spp, 2)
    answer = read(spp, 'method="all" limit="10" enable_custom="1"',
                  "<_Return><id/><netsuite_customer_id__c/><updated/></_Return>")  # fmt: skip
    assert [sorted(c) for c in objects(answer, "Customer")] == [
        ["id", "netsuite_customer_id__c", "updated"]
    ] * 2


def test_objects_carry_created_and_updated_as_padded_date_blocks(spp: SppWire) -> None:
    add_customers(spp, 1)
    customer = read(spp, 'method="all" limit="1"').find("Customer")
    date = customer.find("updated/Date")
    parts = [date.findtext(n) for n in ("year", "month", "day", "hour", "minute", "second")]
    assert [len(x) for x in parts] == [4, 2, 2, 2, 2, 2]
    assert customer.find("created/Date") is not None


def test_newer_than_on_updated_returns_only_later_writes(spp: SppWire) -> None:
    first = add_customers(spp, 2)
    time.sleep(1.05)  # the wire shows whole seconds
    server_now = spp.command("<Time/>").find("Date")
    spp.command(
        f'<Modify type="Customer"><Customer><id>{first[0]}</id><notes>changed</notes></Customer></Modify>'
    )
    newer = read(
        spp,
        'method="all" limit="100" filter="newer-than" field="updated"',
        etree.tostring(server_now).decode(),
    )
    assert [c["id"] for c in objects(newer, "Customer")] == [first[0]]
    older = read(
        spp,
        'method="all" limit="100" filter="older-than" field="updated"',
        etree.tostring(server_now).decode(),
    )
    assert [c["id"] for c in objects(older, "Customer")] == [first[1]]


def test_two_date_filters_bound_a_window_and_match_on_created(spp: SppWire) -> None:
    add_customers(spp, 1)
    today = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    lo = (today - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    hi = (today + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    window = read(spp, 'method="all" limit="10" filter="newer-than,older-than" field="created,created"',
                  date_xml(lo) + date_xml(hi))  # fmt: skip
    assert len(window.findall("Customer")) == 1
    empty = read(spp, 'method="all" limit="10" filter="newer-than" field="created"', date_xml(hi))
    assert empty.findall("Customer") == [] and empty.get("status") == "0"
    assert read(spp, 'method="all" limit="10" filter="newer-than"').get("status") == "4"  # no <Date>
    assert read(spp, 'method="all" limit="10" filter="sometimes"').get("status") == "10"


def test_deleted_reads_return_tombstones_and_include_nondeleted_returns_both(spp: SppWire) -> None:
    ids = add_customers(spp, 3)
    assert (
        spp.command(f'<Delete type="Customer"><Customer><id>{ids[1]}</id></Customer></Delete>').get("status")
        == "0"
    )
    live = [c["id"] for c in objects(read(spp, 'method="all" limit="10"'), "Customer")]
    gone = [c["id"] for c in objects(read(spp, 'method="all" limit="10" deleted="1"'), "Customer")]
    both = [
        c["id"]
        for c in objects(read(spp, 'method="all" limit="10" deleted="1" include_nondeleted="1"'), "Customer")
    ]
    assert live == [ids[0], ids[2]] and gone == [ids[1]] and both == ids


def test_status_filters_on_timesheets(spp: SppWire) -> None:
    user = create_user(spp, "jdoe")
    sheets = "".join(
        f"<Timesheet><userid>{user}</userid><starts>{date_xml('2024-01-0' + str(d))}</starts>"
        f"<status>{s}</status></Timesheet>"
        for d, s in ((1, "O"), (2, "S"), (3, "A"))
    )
    spp.command(f'<Add type="Timesheet">{sheets}</Add>')
    approved = read(spp, 'method="all" limit="10" filter="approved-timesheets"', rtype="Timesheet")
    assert [t["status"] for t in objects(approved, "Timesheet")] == ["A"]


def test_a_page_of_1000_objects_reads_in_one_command(spp: SppWire) -> None:
    # (the service's speed is measured by the benchmark, not asserted against a clock here)
    add_customers(spp, 1000)
    answer = spp.command('<Read type="Customer" method="all" limit="0,1000" enable_custom="1"/>')
    customers = answer.findall("Customer")
    assert len(customers) == 1000
    assert len({c.findtext("id") for c in customers}) == 1000


# -- Add, upsert, references ----------------------------------------------------------------


def test_add_creates_objects_with_new_ids_and_echoes_them(spp: SppWire) -> None:
    answer = spp.command(
        '<Add type="Customer"><Customer><company>Acme</company><addr><Address><email>a@acme.example</email>'
        "</Address></addr></Customer></Add>"
    )
    customer = answer.find("Customer")
    assert answer.get("status") == "0" and customer.findtext("id").isdigit()
    assert customer.findtext("addr/Address/email") == "a@acme.example"


def test_add_without_a_required_field_fails_that_object_with_1106(spp: SppWire) -> None:
    answer = spp.command('<Add type="Customer"><Customer><notes>no name</notes></Customer></Add>')
    assert answer.get("status") == "1106" and answer.find("Customer").get("status") == "1106"


def test_add_refuses_more_than_1000_objects(spp: SppWire) -> None:
    body = "<Customer><company>x</company></Customer>" * 1001
    assert spp.command(f'<Add type="Customer">{body}</Add>').get("status") == "3"
    assert spp.stats()["records_written"] == 0


def test_add_cannot_create_users_or_purchase_requests(spp: SppWire) -> None:
    assert spp.command('<Add type="User"><User><nickname>x</nickname></User></Add>').get("status") == "8"
    assert spp.command('<Add type="Purchaserequest"><Purchaserequest/></Add>').get("status") == "8"


def test_upsert_on_externalid_is_idempotent(spp: SppWire) -> None:
    upsert = (
        '<Add type="Customer" lookup="externalid" enable_custom="1"><Customer><company>Acme</company>'
        "<externalid>NS-42</externalid><netsuite_customer_id__c>42</netsuite_customer_id__c></Customer></Add>"
    )
    first = objects(spp.command(upsert), "Customer")[0]
    second = objects(spp.command(upsert.replace("Acme", "Acme Ltd")), "Customer")[0]
    assert first["id"] == second["id"] and second["company"] == "Acme Ltd"
    everything = objects(read(spp, 'method="all" limit="10" enable_custom="1"'), "Customer")
    assert len(everything) == 1 and everything[0]["netsuite_customer_id__c"] == "42"


def test_the_same_externalid_twice_in_one_upsert_makes_one_object(spp: SppWire) -> None:
    body = "<Customer><company>A</company><externalid>X</externalid></Customer>" \
           "<Customer><company>B</company><externalid>X</externalid></Customer>"  # fmt: skip
    answer = spp.command(f'<Add type="Customer" lookup="externalid">{body}</Add>')
    first, second = objects(answer, "Customer")
    assert first["id"] == second["id"] and second["company"] == "B"
    assert len(read(spp, 'method="all" limit="10"').findall("Customer")) == 1


def test_parent_reference_by_external_id_resolves_to_the_internal_id(spp: SppWire) -> None:
    customer_id = add_customers(spp, 1)[0]
    answer = spp.command(
        '<Add type="Project">'
        '<Project><name>P</name><customerid external="Customer">NS-0</customerid></Project>'
        '<Project><name>Q</name><customerid external="Customer">NS-missing</customerid></Project></Add>'
    )
    ok, missing = objects(answer, "Project")
    assert ok["customerid"] == customer_id
    assert missing["@status"] == "602"


def test_parent_reference_by_name_and_by_plain_id(spp: SppWire) -> None:
    customer_id = add_customers(spp, 1)[0]
    answer = spp.command(
        f'<Add type="Project"><Project><name>P</name><customerid name="Customer">C0</customerid></Project>'
        f"<Project><name>Q</name><customerid>{customer_id}</customerid></Project>"
        "<Project><name>R</name><customerid>999999</customerid></Project></Add>"
    )
    first, second, third = objects(answer, "Project")
    assert first["customerid"] == second["customerid"] == customer_id and third["@status"] == "602"


# -- Modify, ModifyOnCondition, Delete ------------------------------------------------------


def test_modify_merges_fields_and_clears_empty_ones(spp: SppWire) -> None:
    cid = spp.command(
        '<Add type="Customer"><Customer><company>A</company><notes>n</notes></Customer></Add>'
    ).findtext("Customer/id")
    answer = spp.command(
        f'<Modify type="Customer"><Customer><id>{cid}</id><notes/><code>C-1</code></Customer></Modify>'
    )
    changed = objects(answer, "Customer")[0]
    assert answer.get("status") == "0" and changed["company"] == "A" and changed["code"] == "C-1"
    assert "notes" not in changed


def test_modify_errors_unknown_id_missing_id_and_clearing_a_required_field(spp: SppWire) -> None:
    cid = add_customers(spp, 1)[0]
    answer = spp.command(
        '<Modify type="Customer"><Customer><id>999999</id><notes>x</notes></Customer>'
        "<Customer><notes>x</notes></Customer>"
        f"<Customer><id>{cid}</id><company/></Customer></Modify>"
    )
    assert [c["@status"] for c in objects(answer, "Customer")] == ["601", "4", "1106"]
    assert answer.get("status") == "601"


def test_modify_updates_are_seen_by_newer_than_reads(spp: SppWire, app: object) -> None:
    cid = add_customers(spp, 1)[0]
    store = app.state.store  # type: ignore[attr-defined]
    before = store.get("Customer", int(cid)).updated_at
    spp.command(f'<Modify type="Customer"><Customer><id>{cid}</id><notes>x</notes></Customer></Modify>')
    assert store.get("Customer", int(cid)).updated_at > before


def test_modify_on_condition_only_when_not_updated_since(spp: SppWire) -> None:
    cid = add_customers(spp, 1)[0]
    past, future = "2000-01-01 00:00:00", "2999-01-01 00:00:00"
    stale = spp.command(
        f'<ModifyOnCondition type="Customer" condition="if-not-updated">'
        f"<Customer><id>{cid}</id><notes>x</notes></Customer>{date_xml(past)}</ModifyOnCondition>"
    )
    fresh = spp.command(
        f'<ModifyOnCondition type="Customer" condition="if-not-updated">'
        f"<Customer><id>{cid}</id><notes>y</notes></Customer>{date_xml(future)}</ModifyOnCondition>"
    )
    assert stale.find("Customer").get("status") == "8"
    assert fresh.get("status") == "0" and objects(fresh, "Customer")[0]["notes"] == "y"


def test_delete_tombstones_and_a_second_delete_fails_with_703(spp: SppWire) -> None:
    cid = add_customers(spp, 1)[0]
    delete = f'<Delete type="Customer"><Customer><id>{cid}</id></Customer></Delete>'
    assert spp.command(delete).get("status") == "0"
    again = spp.command(delete)
    assert again.get("status") == "703" and again.find("Customer").get("status") == "703"


# -- CreateUser, approvals ------------------------------------------------------------------


def create_user(spp: SppWire, nickname: str, lookup: str = "") -> str:
    answer = spp.command(
        f"<CreateUser{lookup}><Company><nickname>AcmeCo</nickname></Company>"
        f"<User><nickname>{nickname}</nickname><externalid>E-{nickname}</externalid>"
        f"<netsuite_user_id__c>7</netsuite_user_id__c><addr><Address><email>{nickname}@acme.example</email>"
        "</Address></addr></User></CreateUser>"
    )
    assert answer.get("status") == "0", etree.tostring(answer)
    return answer.findtext("User/id")


def test_create_user_creates_and_with_lookup_upserts(spp: SppWire) -> None:
    uid = create_user(spp, "jdoe")
    assert create_user(spp, "jdoe", ' lookup="externalid"') == uid
    users = objects(read(spp, 'method="all" limit="10" enable_custom="1"', rtype="User"), "User")
    assert [(u["id"], u["nickname"], u["netsuite_user_id__c"]) for u in users] == [(uid, "jdoe", "7")]


def test_foreign_keys_to_users_are_checked(spp: SppWire) -> None:
    answer = spp.command(
        f'<Add type="Task"><Task><date>{date_xml("2024-01-02")}</date><userid>424242</userid>'
        "<decimal_hours>1.5</decimal_hours></Task></Add>"
    )
    assert answer.get("status") == "602"


def test_timesheet_submit_then_approve_sets_the_status(spp: SppWire) -> None:
    uid = create_user(spp, "jdoe")
    sid = spp.command(
        f'<Add type="Timesheet"><Timesheet><userid>{uid}</userid><status>O</status>'
        f"<starts>{date_xml('2024-01-01')}</starts></Timesheet></Add>"
    ).findtext("Timesheet/id")
    approve = (
        f'<Approve type="Timesheet"><Timesheet><id>{sid}</id></Timesheet>'
        "<Approval><cc/><notes/></Approval></Approve>"
    )
    assert spp.command(approve).find("Timesheet").get("status") == "8"  # not submitted yet
    submit = approve.replace("Approve", "Submit")
    assert objects(spp.command(submit), "Timesheet")[0]["status"] == "S"
    approved = objects(spp.command(approve), "Timesheet")[0]
    assert approved["status"] == "A" and approved["starts"].startswith("2024-01-01")


def test_approval_commands_are_limited_to_approvable_types(spp: SppWire) -> None:
    cid = add_customers(spp, 1)[0]
    answer = spp.command(f'<Submit type="Customer"><Customer><id>{cid}</id></Customer></Submit>')
    assert answer.get("status") == "10"


# -- Time, Whoami ---------------------------------------------------------------------------


def test_time_returns_the_server_clock(spp: SppWire) -> None:
    date = spp.command("<Time/>").find("Date")
    server = dt.datetime(
        *(int(date.findtext(n)) for n in ("year", "month", "day", "hour", "minute", "second"))
    )
    assert abs((server - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()) < 5


def test_whoami_returns_the_integration_user(spp: SppWire) -> None:
    first = spp.command("<Whoami><User/></Whoami>")
    second = spp.command("<Whoami><User/></Whoami>")
    assert first.findtext("User/nickname") == "api_user"
    assert first.findtext("User/id") == second.findtext("User/id")


def test_reset_wipes_the_objects(spp: SppWire) -> None:
    add_customers(spp, 2)
    assert spp.control("POST", "reset").json() == {"ok": True}
    assert read(spp, 'method="all" limit="10"').findall("Customer") == []
