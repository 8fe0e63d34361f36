"""The registry of entities and record types: consistent, looked up with clear errors, and the one list the
SOAP client, the mapping loader and the local services read."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from include import registry
from include.registry import UnknownEntity, UnknownRecordType

ROOT = Path(__file__).resolve().parents[2]


def test_the_declarations_are_consistent() -> None:
    assert registry.problems() == []


def test_two_entities_of_one_spp_type_need_distinct_netsuite_external_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    credit = registry.entity("credit_memo")
    assert credit.spp_type == registry.entity("invoice").spp_type  # distinct templates: allowed
    clash = dataclasses.replace(credit, export_external_id=None)  # spp-invoice-{id}, like invoices
    monkeypatch.setattr(registry, "ENTITIES", {**registry.ENTITIES, "credit_memo": clash})
    assert registry.problems() == [
        "SPP Invoice belongs to more than one entity with export externalId 'spp-invoice-{id}'"
    ]


def test_the_registry_imports_nothing_of_the_project() -> None:
    code = "import sys, include.registry; print(sorted(m for m in sys.modules if m.startswith('include')))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "['include', 'include.registry']"


# --- lookups ------------------------------------------------------------------------------------------------


def test_an_entity_declares_both_sides_once() -> None:
    customer = registry.entity("customer")
    assert (customer.netsuite_type, customer.spp_type) == ("customer", "Customer")
    assert customer.netsuite.type_name == "Customer" and customer.spp.name == "Customer"
    assert customer.netsuite_id_field == "netsuite_customer_id__c"
    assert (customer.id_field("netsuite"), customer.id_field("spp")) == ("internalId", "id")
    assert (customer.name_field("netsuite"), customer.name_field("spp")) == ("companyName", "company")
    assert (customer.external_id("import"), customer.external_id("export")) == (
        "{internalId}",
        "spp-customer-{id}",
    )
    assert (customer.linking_workflow("import"), customer.linking_workflow("export")) == (
        "customers_import",
        "customers_export",
    )
    [key] = customer.natural_keys
    assert (key.target("import"), key.source("import")) == ("company", "companyName")
    assert (key.target("export"), key.source("export")) == ("companyName", "company")


def test_employees_match_by_e_mail_first() -> None:
    employee = registry.entity("employee")
    assert [(k.netsuite, k.spp) for k in employee.natural_keys] == [
        ("email", "addr.email"),
        ("entityId", "nickname"),
    ]
    assert employee.linking_workflow("export") == "employees_import"  # NetSuite masters employees


# entities declared after another of the same SPP type, with their own NetSuite ID field
SECOND = (
    "credit_memo",
    "support_case",
    "other_charge_item",
    "vendor_user",
    "wbs",
    "vendor_bill",
    "purchase_order",
    "purchase_bill",
    "vendor_credit",
    "arm_revenue_transaction",
)


def test_the_entities_the_shipped_mappings_and_the_local_services_know() -> None:
    assert set(registry.ENTITY_NAMES) == {
        "employee",
        "customer",
        "project",
        "project_task",
        "time_entry",
        "expense_report",
        "service",
        "expense_item",
        "invoice",
        "credit_memo",
        "cost_center",
        "rate_card",
        "sales_order",
        "payment",
        "vendor",
        "contact",
        "product",
        "support_case",
        "purchase_request",
        "revenue_transaction",
        "revenue_rule",
        *SECOND,
    }
    assert registry.entity("time_entry").external_id("export") == "spp-task-{id}"
    assert registry.entity("expense_report").external_id("export") == "spp-envelope-{id}"
    assert registry.entity("project").depends_on == ("customer", "employee")


def test_dependency_order_puts_parents_first() -> None:
    order = registry.dependency_order()
    assert sorted(order) == sorted(registry.ENTITY_NAMES)
    for name in order:
        for parent in registry.entity(name).depends_on:
            assert order.index(parent) < order.index(name), (parent, name)
    assert registry.dependency_order(["time_entry"]) == (
        "employee",
        "customer",
        "project",
        "project_task",
        "service",
        "time_entry",
    )


def test_unknown_names_are_key_and_value_errors_with_close_matches() -> None:
    with pytest.raises(UnknownEntity) as caught:
        registry.entity("custmer")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)
    assert str(caught.value) == "unknown entity 'custmer' (did you mean 'customer'?)"
    assert caught.value.suggestions == ("customer",) and "employee" in caught.value.known

    with pytest.raises(UnknownRecordType) as type_error:
        registry.netsuite_record_type("timeEntry")
    assert type_error.value.system == "netsuite" and "known: account, " in str(type_error.value)

    with pytest.raises(KeyError, match="did you mean 'Projecttask'"):
        registry.spp_object_type("ProjectTask")  # SPP tags are case-sensitive
    with pytest.raises(ValueError, match="unknown system"):
        registry.record_type("sap", "customer")


def test_record_types_of_both_systems() -> None:
    assert registry.record_type("netsuite", "timeBill").modified_field == "lastModified"
    assert registry.record_type("spp", "Task").name_field == "date"
    assert registry.name_field("spp", "User") == "nickname"
    assert registry.spp_object_type("Revenue_recognition_transaction").netsuite_id_field == (
        "netsuite_revenue_recognition_transaction_id"  # the one confirmed name without __c
    )
    assert registry.netsuite_types_with_export_flag() == ("customer", "job", "employee")
    assert [e.name for e in registry.entities_for("netsuite", "customRecord")] == [
        "cost_center",
        "rate_card",
        "arm_revenue_transaction",
    ]
    assert registry.entities_for("spp", "Timesheet") == ()
    with pytest.raises(UnknownRecordType):
        registry.entities_for("spp", "Timesheets")


# --- the one list: the SOAP client, the mapping loader, the local services ----------------------------------


def test_the_netsuite_client_reads_the_registrys_record_types() -> None:
    from include.netsuite import record_types

    assert record_types.RECORD_TYPES is registry.RECORD_TYPES
    assert record_types.record_type_info("customer") is registry.netsuite_record_type("customer")
    with pytest.raises(ValueError, match="timeEntry"):
        record_types.record_type_info("timeEntry")


def test_every_shipped_mapping_names_registry_entities_and_types() -> None:
    from include.mapping.loader import load_workflows

    workflows, errors = load_workflows(ROOT / "mappings")
    assert errors == {}
    for workflow in workflows.values():
        if workflow.is_oneview:  # a report into a declared custom record type
            assert workflow.report is not None
            assert registry.custom_record_type(workflow.report.record_type).internal_id == (
                workflow.report.record_type_id
            )
            continue
        entity = registry.entity(workflow.entity)
        assert entity.record_type(workflow.source.system) == workflow.source.type
        assert entity.record_type(workflow.target.system) == workflow.target.type
        assert workflow.netsuite_id_field == entity.netsuite_id_field
        assert workflow.external_id == entity.external_id(workflow.direction)
        if workflow.policy.create:  # an update-only workflow links nothing new
            assert entity.linking_workflow(workflow.direction) == workflow.id


def test_the_local_netsuite_service_serves_only_declared_record_types_as_declared() -> None:
    from emulators.netsuite import schema

    assert schema.registry_mismatches() == []
    assert set(schema.RECORD_TYPES) <= set(registry.RECORD_TYPES)
    # one served record type per ItemSearchBasic.type literal (three declare _nonInventoryItem)
    assert schema.ITEM_TYPES == {
        "_service": "serviceSaleItem",
        "_nonInventoryItem": "nonInventoryPurchaseItem",
        "_otherCharge": "otherChargeSaleItem",
    }


def test_the_local_spp_service_knows_every_declared_object_type() -> None:
    from emulators.spp.objects import OBJECT_TYPES

    assert list(OBJECT_TYPES) == list(registry.SPP_OBJECT_TYPES)
    for name, otype in OBJECT_TYPES.items():
        assert otype.netsuite_id_field == registry.spp_object_type(name).netsuite_id_field


def test_the_seeds_pair_the_registrys_entities() -> None:
    from emulators.seeding.crossref import (
        NETSUITE_ID_FIELDS,
        NETSUITE_RECORD_TYPES,
        exported_as,
        spp_external_id,
    )

    # an SPP type's entity, not the second ones sharing it (credits, support cases, charge items, contractors)
    entities = [e for e in registry.ENTITIES.values() if e.name not in SECOND]
    assert NETSUITE_RECORD_TYPES == {e.spp_type: e.netsuite_type for e in entities}
    assert NETSUITE_ID_FIELDS == {e.spp_type: e.netsuite_id_field for e in entities}
    assert spp_external_id("Task", 7) == "spp-task-7"
    assert spp_external_id("Envelope", "3") == "spp-envelope-3"
    assert exported_as("Invoice", {"total": "120.00"}).name == "invoice"
    credit = exported_as("Invoice", {"total": "-120.00"})
    assert (credit.name, spp_external_id("Invoice", 9, credit)) == ("credit_memo", "spp-credit-9")


def test_lookup_errors_survive_pickling() -> None:
    import pickle

    with pytest.raises(UnknownRecordType) as caught:
        registry.spp_object_type("Custmer")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), str(copy), copy.system) == (UnknownRecordType, str(caught.value), "spp")


def test_an_entitys_custom_record_type_id_is_the_declared_types() -> None:
    assert registry.custom_record_type_id("cost_center") == "1"
    assert registry.custom_record_type_id("arm_revenue_transaction") == (
        registry.custom_record_type("customrecord_oa_arm_revenue_transaction").internal_id
    )
    assert registry.custom_record_type_id("customer") is None  # not a custom record entity
    assert registry.custom_record_type_id("oneview_backlog") is None  # no registry entity
