"""Workflow model helpers: filters, match rules and linking hints."""

from __future__ import annotations

from pathlib import Path

from include.mapping.loader import load_workflow
from include.mapping.model import Filter, MatchRule, Via

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"


def test_boolean_filters_compare_by_meaning_across_systems() -> None:
    active = Filter("isInactive", "equals", False)
    assert active.matches({"isInactive": False}) and not active.matches({"isInactive": True})
    assert Filter("active", "equals", True).matches({"active": "1"})
    assert not Filter("active", "equals", True).matches({"active": "0"})


def test_custom_field_filters_read_the_custom_field_list() -> None:
    flag = Filter("customFieldList.custentity_oa_export_to_openair", "equals", True)
    assert flag.matches({"customFieldList": {"custentity_oa_export_to_openair": True}})
    assert not flag.matches({"customFieldList": {}})


def test_set_and_empty_filters() -> None:
    assert Filter("status", "in", ("A", "S")).matches({"status": "S"})
    assert Filter("status", "not_in", ("R",)).matches({"status": "A"})
    assert Filter("netsuite_customer_id__c", "empty", True).matches({"name": "x"})


def test_via_filters_are_evaluated_on_the_related_record() -> None:
    approved = Filter("status", "equals", "A", Via("Timesheet", "timesheetid"))
    entry = {"id": "55", "timesheetid": "4"}
    assert approved.matches(entry, {"Timesheet": {"id": "4", "status": "A"}})
    assert not approved.matches(entry, {"Timesheet": {"id": "4", "status": "O"}})
    assert not approved.matches(entry)


def test_time_entries_pass_only_when_their_timesheet_is_approved() -> None:
    workflow = load_workflow(MAPPINGS / "time_entries_export.yaml")
    assert workflow.source.matches({"id": "1"}, {"Timesheet": {"status": "A"}})
    assert not workflow.source.matches({"id": "1"}, {"Timesheet": {"status": "S"}})


def test_match_rules_read_ids_and_templates() -> None:
    assert (
        MatchRule("internalId", source="netsuite_customer_id__c").key({"netsuite_customer_id__c": "42"})
        == "42"
    )
    assert MatchRule("internalId", source="netsuite_customer_id__c").key({}) is None
    assert MatchRule("externalId", template="spp-customer-{id}").key({"id": "7"}) == "spp-customer-7"
    assert MatchRule("externalid", source="internalId").key({"internalId": "9"}) == "9"


def test_references_name_the_workflow_to_run_first() -> None:
    workflow = load_workflow(MAPPINGS / "projects_export.yaml")
    parent = next(m.reference for m in workflow.fields if m.target == "parent")
    assert workflow.linking_workflow(parent) == "customers_export"
    assert workflow.resolve_side == "to_netsuite"


def test_expectations_translate_to_great_expectations() -> None:
    workflow = load_workflow(MAPPINGS / "time_entries_export.yaml")
    between = next(e for e in workflow.expectations if e.check == "between")
    assert between.ge_type == "expect_column_values_to_be_between"
    assert between.ge_kwargs() == {"column": "hours", "min_value": 0, "max_value": 24}


def test_equality_filters_are_offered_for_server_side_criteria() -> None:
    customers = load_workflow(MAPPINGS / "customers_import.yaml")
    assert customers.source.equals_filters() == {"isInactive": False, "custentity_oa_export_to_openair": True}
    time_entries = load_workflow(MAPPINGS / "time_entries_export.yaml")
    assert time_entries.source.equals_filters() == {}
    assert [f.via.type for f in time_entries.source.related_filters()] == ["Timesheet"]
    expenses = load_workflow(MAPPINGS / "expense_reports_export.yaml")
    assert expenses.source.equals_filters() == {"status": "A"}
    assert expenses.sublists[0].name == "tickets"


def test_match_rules_tell_their_kind() -> None:
    # imports: SPP NetSuite-ID field, SPP externalid, then natural keys
    assert MatchRule("netsuite_customer_id__c", source="internalId").kind == "netsuite_id"
    assert MatchRule("externalid", source="internalId").kind == "external_id"
    assert MatchRule("company", source="companyName").kind == "natural_key"
    assert MatchRule("addr.email", source="email").kind == "natural_key"
    # exports: NetSuite internalId from the NetSuite-ID field, externalId template, natural keys
    assert MatchRule("internalId", source="netsuite_customer_id__c").kind == "netsuite_id"
    assert MatchRule("externalId", template="spp-customer-{id}").kind == "external_id"
    assert MatchRule("companyName", source="company").kind == "natural_key"
    # a workflow's own NetSuite-ID field (set by the loader) is an id wherever it appears
    assert MatchRule("ns_id__c", source="nsid", netsuite_id_field="ns_id__c").kind == "netsuite_id"
    assert MatchRule("ns_id__c", source="nsid").kind == "natural_key"
    assert MatchRule("name", source="companyName").is_natural_key
    assert MatchRule("company", source="companyName").describe() == "company == companyName (natural key)"
