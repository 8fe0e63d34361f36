"""The transform of each shipped workflow on small hand-written documents."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from include.mapping.loader import load_workflow, load_workflows
from include.mapping.transform import transform
from tests.include.mapping.conftest import MINIMAL_IMPORT

UTC = dt.UTC


@pytest.fixture(scope="module")
def workflows():
    loaded, errors = load_workflows(Path(__file__).resolve().parents[3] / "mappings")
    assert not errors
    return loaded


# --- imports: NetSuite documents -> SPP documents (all text) ----------------------------------------------


def test_customer_import_writes_spp_text_with_ids_and_keeps_initial_only_apart(workflows, linked) -> None:
    customer = {
        "internalId": "42",
        "entityId": "C-0042",
        "companyName": "  Acme Industries ",
        "isInactive": False,
        "email": "billing@acme.example",
        "lastModifiedDate": dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "customFieldList": {"custentity_oa_export_to_openair": True},
    }
    row = transform(workflows["customers_import"], [customer], linked({})).rows[0]
    assert row.error is None
    assert (row.source_id, row.source_name) == ("42", "  Acme Industries ")
    assert row.target == {
        "company": "Acme Industries",
        "name": "Acme Industries",
        "active": "1",
        "addr": {"email": "billing@acme.example"},
        "externalid": "42",
        "netsuite_customer_id__c": "42",
    }
    assert row.create_only == {"code": "C-0042"}
    assert row.create_document()["code"] == "C-0042"


def test_employee_import_concatenates_and_resolves_the_manager(workflows, linked) -> None:
    employees = [
        {
            "internalId": "7",
            "entityId": "jdoe",
            "firstName": "Jane",
            "lastName": "Doe",
            "email": " Jane@X.example ",
            "isInactive": True,
            "supervisor": {"internalId": "5", "name": "Boss"},
        },
        {"internalId": "8", "entityId": "solo", "lastName": "Solo", "supervisor": {"internalId": "999"}},
    ]
    rows = transform(
        workflows["employees_import"], employees, linked({("employee", "to_spp"): {"5": "105"}})
    ).rows
    assert rows[0].target["name"] == "Doe, Jane"
    assert rows[0].target["addr"]["email"] == "jane@x.example"
    assert rows[0].target["active"] == "0"
    assert rows[0].target["line_managerid"] == "105"
    assert rows[0].create_only == {"nickname": "jdoe"}
    # an optional reference that is not linked yet is left out, not an error
    assert (
        rows[1].error is None and "line_managerid" not in rows[1].target and rows[1].target["name"] == "Solo"
    )


def test_project_import_resolves_the_customer_in_bulk_and_formats_dates(workflows, linked) -> None:
    jobs = [
        {
            "internalId": "100",
            "companyName": "Apollo",
            "parent": {"internalId": "42"},
            "isInactive": False,
            "startDate": dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
            "projectManager": {"internalId": "7"},
        },
        {"internalId": "101", "companyName": "Gemini", "parent": {"internalId": "42"}},
        {"internalId": "102", "companyName": "Orphan", "parent": {"internalId": "43"}},
    ]
    calls: list = []
    resolve = linked({("customer", "to_spp"): {"42": "7"}, ("employee", "to_spp"): {"7": "3"}}, calls)
    output = transform(workflows["projects_import"], jobs, resolve)
    assert sorted(calls) == [
        ("customer", "to_spp", ["42", "43"]),
        ("employee", "to_spp", ["7"]),
    ]  # one call per entity
    first, second, orphan = output.rows
    assert first.target["customerid"] == "7" and first.target["userid"] == "3"
    assert first.target["start_date"] == "2026-01-05"
    assert second.ok and second.target["customerid"] == "7"
    assert orphan.error == (
        "project 102: customer 43 is not linked to SuiteProjects Pro yet (run customers_import first)"
    )
    assert orphan.target == {} and len(output.ok_rows) == 2 and output.failed_rows == [orphan]


def test_project_task_import_links_project_and_parent_task(workflows, linked) -> None:
    tasks = [
        {
            "internalId": "900",
            "title": "Design",
            "company": {"internalId": "100"},
            "parent": {"internalId": "899"},
            "plannedWork": 12.0,
            "startDate": dt.datetime(2026, 2, 1, tzinfo=UTC),
        }
    ]
    resolve = linked({("project", "to_spp"): {"100": "17"}, ("project_task", "to_spp"): {"899": "55"}})
    row = transform(workflows["project_tasks_import"], tasks, resolve).rows[0]
    assert row.target == {
        "name": "Design",
        "projectid": "17",
        "parentid": "55",
        "planned_hours": "12",
        "starts": "2026-02-01",
        "externalid": "900",
        "netsuite_projecttask_id__c": "900",
    }


def test_missing_required_reference_value_is_a_record_error(workflows, linked) -> None:
    row = transform(
        workflows["projects_import"], [{"internalId": "103", "companyName": "No customer"}], linked({})
    ).rows[0]
    assert row.error == "project 103: customerid: no customer (parent is empty)"


def test_customer_po_import_takes_a_set_project_only_once_it_is_linked(workflows, linked) -> None:
    orders = [
        {"internalId": "300", "tranId": "SO-1", "entity": {"internalId": "42"}, "total": 1200.0},
        {"internalId": "301", "tranId": "SO-2", "entity": {"internalId": "42"}, "job": {"internalId": "9"}},
        {"internalId": "302", "tranId": "SO-3", "entity": {"internalId": "42"}, "job": {"internalId": "8"}},
    ]
    resolve = linked({("customer", "to_spp"): {"42": "7"}, ("project", "to_spp"): {"9": "5"}})
    no_job, with_job, unlinked_job = transform(workflows["customer_pos_import"], orders, resolve).rows
    assert no_job.ok and "projectid" not in no_job.target and no_job.target["total"] == "1200"
    assert with_job.target["projectid"] == "5"
    # required: when_set: the PO waits for its project instead of landing without it for good
    assert unlinked_job.error == (
        "sales order 302: project 8 is not linked to SuiteProjects Pro yet (run projects_import first)"
    )


def test_payment_import_reads_the_invoice_of_its_first_applied_line(workflows, linked) -> None:
    payment = {
        "internalId": "500",
        "tranId": "PYMT-1",
        "customer": {"internalId": "42"},
        "payment": 99.5,
        "applyList": {"apply": [{"doc": 77, "apply": True, "amount": 99.5}]},
    }
    resolve = linked({("customer", "to_spp"): {"42": "7"}, ("invoice", "to_spp"): {"77": "12"}})
    [row] = transform(workflows["payments_import"], [payment], resolve).rows
    assert (row.target["invoiceid"], row.target["customerid"], row.target["total"]) == ("12", "7", "99.5")
    unlinked = {**payment, "applyList": {"apply": [{"doc": 78}]}}
    [row] = transform(workflows["payments_import"], [unlinked], resolve).rows
    assert row.error == (
        "payment 500: invoice 78 is not linked to SuiteProjects Pro yet (run invoices_export first)"
    )


# --- exports: SPP documents -> NetSuite documents (typed) -------------------------------------------------


def test_customer_export_builds_refs_custom_fields_and_the_external_id(workflows, linked) -> None:
    spp_customer = {"id": "7", "company": "Acme", "active": "1", "notes": "VIP"}
    row = transform(workflows["customers_export"], [spp_customer], linked({})).rows[0]
    assert row.target == {
        "companyName": "Acme",
        "isInactive": False,
        "comments": "VIP",
        "externalId": "spp-customer-7",
    }
    assert row.create_only == {
        "subsidiary": {"internalId": "1"},
        "customFieldList": {"custentity_oa_export_to_openair": True, "custentity_spp_id": "7"},
    }
    created = row.create_document()
    assert created["customFieldList"] == {"custentity_oa_export_to_openair": True, "custentity_spp_id": "7"}
    assert created["subsidiary"] == {"internalId": "1"}


def test_project_export_needs_a_linked_customer(workflows, linked) -> None:
    projects = [
        {
            "id": "17",
            "name": "Apollo",
            "customerid": "7",
            "userid": "3",
            "start_date": "2026-01-05 00:00:00",
            "active": "0",
        },
        {"id": "18", "name": "Gemini", "customerid": "42"},
    ]
    resolve = linked({("customer", "to_netsuite"): {"7": "1007"}, ("employee", "to_netsuite"): {"3": "3003"}})
    linked_row, unlinked = transform(workflows["projects_export"], projects, resolve).rows
    assert linked_row.target["projectManager"] == {"internalId": "3003"}
    assert linked_row.target["startDate"] == dt.datetime(2026, 1, 5, tzinfo=UTC)
    assert linked_row.target["isInactive"] is True
    assert linked_row.create_only["parent"] == {"internalId": "1007"}
    assert (
        unlinked.error == "project 18: customer 42 is not linked to NetSuite yet (run customers_export first)"
    )


def test_time_entry_export_sends_hours_as_a_duration(workflows, linked) -> None:
    entry = {
        "id": "55",
        "date": "2026-02-03 00:00:00",
        "decimal_hours": "7.5",
        "userid": "3",
        "projectid": "17",
        "projecttaskid": "0",
        "timesheetid": "4",
        "notes": "Workshop",
    }
    resolve = linked({("employee", "to_netsuite"): {"3": "3003"}, ("project", "to_netsuite"): {"17": "1017"}})
    row = transform(workflows["time_entries_export"], [entry], resolve).rows[0]
    assert row.target == {
        "employee": {"internalId": "3003"},
        "customer": {"internalId": "1017"},
        "tranDate": dt.datetime(2026, 2, 3, tzinfo=UTC),
        "hours": {"timeSpan": 7.5, "unit": "hour"},
        "memo": "Workshop",
        "externalId": "spp-task-55",
    }


def test_time_entry_with_bad_hours_fails_alone(workflows, linked) -> None:
    entries = [
        {"id": "56", "date": "2026-02-03", "decimal_hours": "lots", "userid": "3", "projectid": "17"},
        {"id": "57", "date": "2026-02-03", "decimal_hours": "1", "userid": "3", "projectid": "17"},
    ]
    resolve = linked({("employee", "to_netsuite"): {"3": "3003"}, ("project", "to_netsuite"): {"17": "1017"}})
    bad, good = transform(workflows["time_entries_export"], entries, resolve).rows
    assert bad.error == "time entry 56: hours: transform hours_to_duration: 'lots' is not a number"
    assert good.ok and good.target["hours"] == {"timeSpan": 1.0, "unit": "hour"}


def test_expense_report_export_maps_ticket_lines_into_the_expense_sublist(workflows, linked) -> None:
    envelope = {
        "id": "5",
        "name": "Client trip",
        "date": "2026-02-03 00:00:00",
        "userid": "3",
        "status": "A",
        "tickets": [
            {
                "id": "88",
                "envelopeid": "5",
                "date": "2026-02-01 00:00:00",
                "itemid": "9",
                "total": "12.50",
                "quantity": "1",
                "cost": "12.5",
                "projectid": "17",
                "reimbursable": "1",
                "notes": "Taxi",
            },
            {
                "id": "89",
                "envelopeid": "5",
                "date": "2026-02-02 00:00:00",
                "itemid": "9",
                "total": "40",
                "reimbursable": "0",
            },
        ],
    }
    resolve = linked(
        {
            ("employee", "to_netsuite"): {"3": "3003"},
            ("expense_item", "to_netsuite"): {"9": "209"},
            ("project", "to_netsuite"): {"17": "1017"},
        }
    )
    row = transform(workflows["expense_reports_export"], [envelope], resolve).rows[0]
    assert row.error is None
    assert row.target["entity"] == {"internalId": "3003"}
    assert row.target["externalId"] == "spp-envelope-5"
    assert row.target["expenseList"] == {
        "expense": [
            {
                "expenseDate": dt.datetime(2026, 2, 1, tzinfo=UTC),
                "category": {"internalId": "209"},
                "quantity": 1.0,
                "rate": 12.5,
                "amount": 12.5,
                "customer": {"internalId": "1017"},
                "isNonReimbursable": False,
                "memo": "Taxi",
            },
            {
                "expenseDate": dt.datetime(2026, 2, 2, tzinfo=UTC),
                "category": {"internalId": "209"},
                "amount": 40.0,
                "isNonReimbursable": True,
            },
        ]
    }


def test_expense_report_line_errors_name_the_line_and_empty_reports_are_refused(workflows, linked) -> None:
    envelopes = [
        {
            "id": "6",
            "date": "2026-02-03",
            "userid": "3",
            "tickets": [
                {"id": "90", "itemid": "9", "total": "5"},
                {"id": "91", "itemid": "10", "total": "x"},
            ],
        },
        {"id": "7", "date": "2026-02-03", "userid": "3", "tickets": []},
    ]
    calls: list = []
    resolve = linked(
        {("employee", "to_netsuite"): {"3": "3003"}, ("expense_item", "to_netsuite"): {"9": "209"}}, calls
    )
    bad_line, empty = transform(workflows["expense_reports_export"], envelopes, resolve).rows
    assert bad_line.error == (
        "expense report 6: line 2 (Ticket 91): expense item 10 is not linked to NetSuite yet "
        "(run expense_items_import first), amount: 'x' is not a number"
    )
    assert empty.error == "expense report 7: has no Ticket lines (expenseList must not be empty)"
    assert ("expense_item", "to_netsuite", ["10", "9"]) in calls  # lines resolved in the same bulk call


# --- engine details -------------------------------------------------------------------------------------


def test_constants_custom_fields_and_forced_types(write_mapping, linked) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"] += [
        {"target": "currency", "constant": "USD"},
        {
            "target": "tier__c",
            "source": "custentity_tier",
            "transform": {"name": "map", "args": {"values": {"1": "Gold"}, "default": "Std"}},
        },
        {"target": "since__c", "source": "dateCreated", "type": "datetime"},
        {"target": "vip__c", "source": "custentity_vip"},
    ]
    workflow = load_workflow(write_mapping("widgets_import", data))
    doc = {
        "internalId": "1",
        "companyName": "A",
        "dateCreated": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "customFieldList": {"custentity_tier": "1", "custentity_vip": True},
    }
    row = transform(
        workflow, [doc, {"internalId": "2", "customFieldList": {"custentity_tier": "3"}}], linked({})
    ).rows
    assert row[0].target["currency"] == "USD" and row[1].target["currency"] == "USD"
    assert row[0].target["tier__c"] == "Gold" and row[1].target["tier__c"] == "Std"
    assert row[0].target["since__c"] == "2026-01-02 03:04:05"
    assert row[0].target["vip__c"] == "1"


def test_an_empty_batch_gives_an_empty_output(workflows, linked) -> None:
    assert transform(workflows["customers_import"], [], linked({})).rows == []


def test_target_frame_flattens_refs_and_custom_fields_for_expectations(workflows, linked) -> None:
    output = transform(workflows["customers_export"], [{"id": "7", "company": "Acme"}], linked({}))
    frame = output.target_frame()
    assert frame.loc[0, "companyName"] == "Acme"
    assert frame.loc[0, "subsidiary"] == "1"
    assert frame.loc[0, "custentity_spp_id"] == "7"


def test_initial_only_custom_fields_survive_a_shallow_merge_for_creates(write_mapping, linked) -> None:
    data = {
        **MINIMAL_IMPORT,
        "direction": "export",
        "source": {"system": "spp", "type": "Customer"},
        "target": {"system": "netsuite", "type": "customer"},
        "fields": [
            {"target": "companyName", "source": "company"},
            {"target": "custentity_region", "source": "region__c"},
            {"target": "custentity_spp_id", "source": "id", "initial_only": True},
        ],
    }
    row = transform(
        load_workflow(write_mapping("widgets_export", data)),
        [{"id": "7", "company": "A", "region__c": "EU"}],
        linked({}),
    ).rows[0]
    assert row.target["customFieldList"] == {"custentity_region": "EU"}  # an update leaves the SPP id alone
    created = {**row.target, **row.create_only}
    assert created["customFieldList"] == {"custentity_region": "EU", "custentity_spp_id": "7"}
    assert row.create_document() == created
