"""Loading mapping files: the shipped workflows, defaults, and precise errors for broken files."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from include.mapping.loader import MappingError, execution_order, load_workflow, load_workflows
from include.mapping.model import Filter, Via
from tests.include.mapping.conftest import MINIMAL_IMPORT

SHIPPED = {
    "employees_import": ("Employees (Employees)", "import", "employee", "employee", "User"),
    "customers_import": ("Customers (Customers)", "import", "customer", "customer", "Customer"),
    "projects_import": ("Projects (Projects)", "import", "project", "job", "Project"),
    "project_tasks_import": ("Tasks (Project Tasks)", "import", "project_task", "projectTask", "Projecttask"),
    "customers_export": ("Customers (Customers)", "export", "customer", "Customer", "customer"),
    "projects_export": ("Projects (Projects)", "export", "project", "Project", "job"),
    "time_entries_export": ("Time Entries (Time)", "export", "time_entry", "Task", "timeBill"),
    "expense_reports_export": (
        "Expense Reports (Expense Reports)",
        "export",
        "expense_report",
        "Envelope",
        "expenseReport",
    ),
    "expense_items_import": (
        "Expense Items (Expense Categories)",
        "import",
        "expense_item",
        "expenseCategory",
        "Item",
    ),
    "services_import": ("Services (Service Items)", "import", "service", "serviceSaleItem", "Category"),
    "projects_update_export": (
        "Update NetSuite Projects with SuiteProjects Pro Project Data",
        "export",
        "project",
        "Project",
        "job",
    ),
    "project_tasks_update_export": (
        "Update NetSuite Tasks with SuiteProjects Pro Task Data",
        "export",
        "project_task",
        "Projecttask",
        "projectTask",
    ),
    "cost_centers_import": (
        "Cost Centers (Cost Centers)",
        "import",
        "cost_center",
        "customRecord",
        "Costcenter",
    ),
    "invoices_export": ("Invoices (Invoices)", "export", "invoice", "Invoice", "invoice"),
    "customer_pos_import": (
        "Customer POs (Sales Orders)",
        "import",
        "sales_order",
        "salesOrder",
        "Customerpo",
    ),
    "payments_import": ("Payments (Invoice Payments)", "import", "payment", "customerPayment", "Payment"),
    "vendors_import": ("Vendors (Vendors)", "import", "vendor", "vendor", "Vendor"),
    "contacts_import": ("Contacts (Contacts)", "import", "contact", "contact", "Contact"),
    "products_import": (
        "Products (Purchase Items)",
        "import",
        "product",
        "nonInventoryPurchaseItem",
        "Product",
    ),
    "support_cases_import": ("Tasks (Support Cases)", "import", "support_case", "supportCase", "Projecttask"),
    "purchase_requests_export": (
        "Purchase Requests (Purchase Requisitions)",
        "export",
        "purchase_request",
        "Purchaserequest",
        "purchaseRequisition",
    ),
    "revenue_recognition_export": (
        "Recognition Transactions (Revenue Recognition Transactions)",
        "export",
        "revenue_transaction",
        "Revenue_recognition_transaction",
        "journalEntry",
    ),
    "other_charge_items_import": (
        "Expense Items (Other Charge Items)",
        "import",
        "other_charge_item",
        "otherChargeSaleItem",
        "Item",
    ),
    "vendor_users_import": ("Employees (Vendors)", "import", "vendor_user", "vendor", "User"),
    "vendor_bills_export": (
        "Expense Reports (Vendor Bills)",
        "export",
        "vendor_bill",
        "Envelope",
        "vendorBill",
    ),
    "arm_revenue_transactions_export": (
        "Recognition Transactions (Custom Record: Revenue Transactions for ARM)",
        "export",
        "arm_revenue_transaction",
        "Revenue_recognition_transaction",
        "customRecord",
    ),
    "wbs_export": ("WBS (Opportunity)", "export", "wbs", "Project", "opportunity"),
    "credit_memos_import": ("Credit Memos (Credit Memos)", "import", "credit_memo", "creditMemo", "Invoice"),
    "purchase_orders_import": (
        "POs (Purchase Orders)",
        "import",
        "purchase_order",
        "purchaseOrder",
        "Purchaserequest",
    ),
    "purchase_bills_import": (
        "POs (Vendor Bills)",
        "import",
        "purchase_bill",
        "vendorBill",
        "Purchaserequest",
    ),
    "vendor_credits_import": (
        "Vendor Credits (Vendor Credits)",
        "import",
        "vendor_credit",
        "vendorCredit",
        "Purchaserequest",
    ),
    "reimbursements_import": (
        "Reimbursements (Expense Report Reimbursements)",
        "import",
        "expense_report",
        "expenseReport",
        "Envelope",
    ),
    "revenue_rules_import": (
        "Revenue Recognition Rules (Sales Orders)",
        "import",
        "revenue_rule",
        "salesOrder",
        "Revenue_recognition_rule",
    ),
    "credit_memos_export": (
        "Send SPP Credits (Negative Invoices) as NetSuite Credit Memos",
        "export",
        "credit_memo",
        "Invoice",
        "creditMemo",
    ),
    "rate_cards_import": (
        "Project Rate Cards (Project Rate Cards)",
        "import",
        "rate_card",
        "customRecord",
        "Ratecard",
    ),
}


# --- the shipped mapping files ----------------------------------------------------------------------------


ONEVIEW_SHIPPED = {"oneview_project_profitability", "oneview_utilisation", "oneview_backlog"}


# imports of what NetSuite did with records SPP exported: they run after those exports
IMPORTS_AFTER_EXPORTS = {
    "payments_import",
    "reimbursements_import",
    "purchase_orders_import",
    "purchase_bills_import",
    "vendor_credits_import",
}


def test_every_shipped_mapping_loads_without_errors(mappings_dir: Path) -> None:
    workflows, errors = load_workflows(mappings_dir)
    assert errors == {}
    assert set(workflows) == set(SHIPPED) | ONEVIEW_SHIPPED
    assert {w for w, wf in workflows.items() if wf.is_oneview} == ONEVIEW_SHIPPED


@pytest.mark.parametrize("workflow_id", sorted(SHIPPED))
def test_shipped_mapping_declares_its_connector_workflow(mappings_dir: Path, workflow_id: str) -> None:
    workflow = load_workflow(mappings_dir / f"{workflow_id}.yaml")
    title, direction, entity, source_type, target_type = SHIPPED[workflow_id]
    assert (workflow.title, workflow.direction, workflow.entity) == (title, direction, entity)
    assert (workflow.source.type, workflow.target.type) == (source_type, target_type)
    assert workflow.is_import == (direction == "import") and workflow.is_export == (direction == "export")
    assert workflow.enabled and workflow.schedule


def test_imports_create_and_update_while_exports_are_create_only(mappings_dir: Path) -> None:
    workflows, _ = load_workflows(mappings_dir)
    # "Update NetSuite Projects / Tasks with SPP data"; reimbursements mark envelopes SPP exported
    updates_only = {
        "projects_update_export",
        "project_tasks_update_export",
        *IMPORTS_AFTER_EXPORTS,
    } - {"payments_import"}
    for workflow in workflows.values():
        if workflow.id in updates_only:
            assert (workflow.policy.create, workflow.policy.update) == (False, True), workflow.id
            continue
        assert workflow.policy.create
        # a OneView report row is upserted: created once, updated when it changes
        assert workflow.policy.update == (workflow.is_import or workflow.is_oneview), workflow.id


def test_entity_imports_filter_on_active_records_flagged_for_export(mappings_dir: Path) -> None:
    workflows, _ = load_workflows(mappings_dir)
    for workflow_id in ("employees_import", "customers_import", "projects_import"):
        filters = workflows[workflow_id].source.filters
        assert Filter("isInactive", "equals", False) in filters
        assert Filter("customFieldList.custentity_oa_export_to_openair", "equals", True) in filters
    assert workflows["project_tasks_import"].source.filters == ()


def test_exports_take_approved_records_only(mappings_dir: Path) -> None:
    workflows, _ = load_workflows(mappings_dir)
    # employees' envelopes as expense reports, contractors' (users who are vendors) as vendor bills
    contractor = Via("User", "userid")
    assert workflows["expense_reports_export"].source.filters == (
        Filter("status", "equals", "A"),
        Filter("netsuite_vendor_id__c", "empty", True, contractor),
    )
    assert workflows["vendor_bills_export"].source.filters == (
        Filter("status", "equals", "A"),
        Filter("netsuite_vendor_id__c", "empty", False, contractor),
    )
    assert workflows["time_entries_export"].source.filters == (
        Filter("status", "equals", "A", Via("Timesheet", "timesheetid")),
    )
    assert workflows["invoices_export"].source.filters == (
        Filter("status", "equals", "A"),
        Filter("total", "greater_than", 0),  # negative invoices are credit memos
    )
    assert workflows["credit_memos_export"].source.filters == (
        Filter("status", "equals", "A"),
        Filter("total", "less_than", 0),
    )


def test_dependencies_put_entities_before_their_children(mappings_dir: Path) -> None:
    workflows, _ = load_workflows(mappings_dir)
    order = execution_order(workflows)
    assert (
        order.index("customers_import") < order.index("projects_import") < order.index("project_tasks_import")
    )
    assert order.index("employees_import") < order.index("projects_import")
    assert (
        order.index("customers_export") < order.index("projects_export") < order.index("time_entries_export")
    )
    # imports first, except those that need an export's links: payments are of invoices exported from
    # SPP, reimbursements of its expense reports
    assert order.index("invoices_export") < order.index("payments_import")
    assert order.index("expense_reports_export") < order.index("reimbursements_import")
    assert (
        order.index("purchase_requests_export")
        < order.index("purchase_orders_import")
        < order.index("purchase_bills_import")
        < order.index("vendor_credits_import")
    )
    assert all(
        order.index(w) < order.index("customers_export")
        for w in workflows
        if workflows[w].is_import and w not in IMPORTS_AFTER_EXPORTS
    )


def test_source_fields_list_everything_the_query_must_return(mappings_dir: Path) -> None:
    projects = load_workflow(mappings_dir / "projects_import.yaml")
    assert set(projects.source_fields()) >= {
        "internalId",
        "companyName",
        "parent",
        "projectManager",
        "startDate",
        "endDate",
        "isInactive",
        "comments",
        "custentity_oa_export_to_openair",
    }
    time_entries = load_workflow(mappings_dir / "time_entries_export.yaml")
    assert set(time_entries.source_fields()) >= {
        "id",
        "userid",
        "projectid",
        "projecttaskid",
        "decimal_hours",
        "date",
        "timesheetid",
        "netsuite_timebill_id__c",
    }


def test_monitored_fields_default_to_every_mapped_source_field(mappings_dir: Path) -> None:
    customers = load_workflow(mappings_dir / "customers_import.yaml")
    assert set(customers.monitored_fields) == {"companyName", "entityId", "isInactive", "email", "comments"}
    employees = load_workflow(mappings_dir / "employees_import.yaml")
    assert {"lastName", "firstName", "supervisor"} <= set(
        employees.monitored_fields
    )  # concat and reference inputs


def test_explicit_monitored_fields_replace_the_default(write_mapping) -> None:
    path = write_mapping("widgets_import", monitored_fields=["companyName", "custentity_tier"])
    assert load_workflow(path).monitored_fields == ("companyName", "customFieldList.custentity_tier")


def test_defaults_fill_match_external_id_batch_size_and_schedule(write_mapping) -> None:
    workflow = load_workflow(write_mapping("widgets_import"))
    assert [(r.target, r.source) for r in workflow.match] == [
        ("netsuite_customer_id__c", "internalId"),
        ("externalid", "internalId"),
    ]
    assert workflow.external_id == "{internalId}"
    assert workflow.batch_size == 1000 and workflow.schedule == "0 * * * *"
    assert workflow.policy.create and workflow.policy.update


def test_export_defaults_use_a_deterministic_external_id_and_netsuite_batches(write_mapping) -> None:
    data = {
        **MINIMAL_IMPORT,
        "direction": "export",
        "source": {"system": "spp", "type": "Customer"},
        "target": {"system": "netsuite", "type": "customer"},
        "fields": [{"target": "companyName", "source": "company"}],
    }
    workflow = load_workflow(write_mapping("widgets_export", data))
    assert workflow.external_id == "spp-customer-{id}"
    assert workflow.batch_size == 100
    assert not workflow.policy.update
    assert workflow.match[0].key({"netsuite_customer_id__c": "-1"}) is None  # a claim is no id
    assert workflow.match[1].key({"id": "7"}) == "spp-customer-7"


# --- broken files: each error names file, key path and problem --------------------------------------------


def _error(path: Path) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load_workflow(path)
    return caught.value


def test_yaml_syntax_error_names_line_and_column(write_mapping) -> None:
    path = write_mapping("broken_import", "workflow: broken_import\ntitle: [unclosed\ndirection: import\n")
    error = _error(path)
    assert error.file.endswith("broken_import.yaml")
    assert error.key_path.startswith("line ")
    assert "YAML syntax error" in str(error)


def test_duplicate_yaml_key_is_an_error_not_a_silent_override(write_mapping) -> None:
    path = write_mapping("dup_import", "workflow: dup_import\ntitle: a\ntitle: b\n")
    assert "duplicate key 'title'" in str(_error(path))


def test_unknown_key_is_reported_with_a_suggestion(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"][1]["intial_only"] = True
    error = _error(write_mapping("widgets_import", data))
    assert error.key_path == "fields[1].intial_only"
    assert "unknown key 'intial_only'" in error.message and "did you mean 'initial_only'" in error.message


def test_wrong_type_is_reported_at_its_key(write_mapping) -> None:
    error = _error(write_mapping("widgets_import", batch_size="lots"))
    assert (error.key_path, error.message) == ("batch_size", "'lots' is not of type 'integer'")


def test_unknown_reference_entity_is_named_with_a_suggestion(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"].append({"target": "userid", "reference": {"entity": "custmer", "field": "salesRep"}})
    error = _error(write_mapping("widgets_import", data))
    assert str(error).endswith(
        "fields[2].reference.entity: unknown entity 'custmer' (did you mean 'customer'?)"
    )
    assert error.file.endswith("widgets_import.yaml")


def test_unknown_transform_name_is_reported_with_a_suggestion(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"][0]["transform"] = ["strip", {"name": "uper"}]
    error = _error(write_mapping("widgets_import", data))
    assert error.key_path == "fields[0].transform[1].name"
    assert "unknown transform 'uper'" in error.message and "did you mean 'upper'" in error.message


def test_transform_arguments_are_checked_against_its_signature(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"][0]["transform"] = {"name": "truncate", "args": {"lenght": 5}}
    error = _error(write_mapping("widgets_import", data))
    assert error.key_path == "fields[0].transform.args"
    assert "truncate(length)" in error.message


def test_transform_argument_values_are_checked_by_a_dry_run(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"][0]["transform"] = {"name": "truncate", "args": ["ten"]}
    assert "positive integer" in _error(write_mapping("widgets_import", data)).message


def test_duplicate_target_names_the_first_mapping(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"].append({"target": "company", "constant": "x"})
    error = _error(write_mapping("widgets_import", data))
    assert (error.key_path, error.message) == ("fields[2].target", "'company' is already mapped by fields[0]")


def test_a_field_takes_one_value_source(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"][0]["constant"] = "Acme"
    assert "use one of source, constant, reference" in _error(write_mapping("widgets_import", data)).message


def test_update_policy_without_any_updatable_field_is_refused(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    for field in data["fields"]:
        field["initial_only"] = True
    error = _error(write_mapping("widgets_import", data))
    assert error.key_path == "policy.update" and "every field is initial_only" in error.message


def test_direction_must_match_the_systems(write_mapping) -> None:
    error = _error(write_mapping("widgets_import", direction="export"))
    assert error.key_path == "source.system" and "export reads from spp" in error.message


def test_workflow_id_must_equal_the_file_name(write_mapping, tmp_path: Path) -> None:
    path = write_mapping("widgets_import")
    renamed = path.rename(tmp_path / "gadgets_import.yaml")
    assert _error(renamed).key_path == "workflow"


def test_export_flag_filter_is_refused_where_netsuite_has_no_such_checkbox(write_mapping) -> None:
    data = {
        **MINIMAL_IMPORT,
        "entity": "project_task",
        "source": {"system": "netsuite", "type": "projectTask", "export_flag_filter": True},
        "target": {"system": "spp", "type": "Projecttask"},
        "fields": [{"target": "name", "source": "title"}],
    }
    assert _error(write_mapping("widgets_import", data)).key_path == "source.export_flag_filter"


def test_export_flag_filter_can_be_switched_off(write_mapping) -> None:
    data = {
        **MINIMAL_IMPORT,
        "source": {"system": "netsuite", "type": "customer", "export_flag_filter": False},
    }
    workflow = load_workflow(write_mapping("widgets_import", data))
    assert workflow.source.filters == (Filter("isInactive", "equals", False),)


def test_invalid_cron_schedule_is_refused(write_mapping) -> None:
    assert _error(write_mapping("widgets_import", schedule="every hour")).key_path == "schedule"


def test_netsuite_batch_size_is_capped_at_its_list_limit(write_mapping) -> None:
    data = {
        **MINIMAL_IMPORT,
        "direction": "export",
        "source": {"system": "spp", "type": "Customer"},
        "target": {"system": "netsuite", "type": "customer"},
        "fields": [{"target": "companyName", "source": "company"}],
    }
    assert "limit of 100" in _error(write_mapping("widgets_export", data, batch_size=500)).message


def test_expectation_on_an_unmapped_column_is_refused(write_mapping) -> None:
    path = write_mapping("widgets_import", expectations=[{"check": "not_null", "column": "compnay"}])
    error = _error(path)
    assert error.key_path == "expectations[0].column" and "did you mean 'company'" in error.message


# --- many files: one bad file never stops the others ------------------------------------------------------


def test_bad_files_are_reported_per_file_and_good_ones_still_load(write_mapping, tmp_path: Path) -> None:
    write_mapping("widgets_import")
    write_mapping("syntax_import", "workflow: [\n")
    write_mapping("typo_import", lookup=True)
    write_mapping("orphan_import", depends_on=["widgets_import", "gizmos_import"])
    workflows, errors = load_workflows(tmp_path)
    assert set(workflows) == {"widgets_import"}
    assert {Path(name).name for name in errors} == {
        "syntax_import.yaml",
        "typo_import.yaml",
        "orphan_import.yaml",
    }
    orphan = next(e for name, e in errors.items() if name.endswith("orphan_import.yaml"))
    assert orphan.key_path == "depends_on[1]" and "'gizmos_import' is not a workflow" in orphan.message


def test_dependency_cycles_are_reported_for_each_member(write_mapping, tmp_path: Path) -> None:
    write_mapping("a_import", depends_on=["b_import"])
    write_mapping("b_import", depends_on=["a_import"])
    write_mapping("c_import", depends_on=["a_import"])
    workflows, errors = load_workflows(tmp_path)
    assert set(workflows) == {"c_import"}
    assert all("dependency cycle" in e.message for e in errors.values()) and len(errors) == 2


def test_error_text_reads_file_key_path_message() -> None:
    error = MappingError(
        "mappings/customers_import.yaml", "fields[2].reference.entity", "'custmer' is not one of [...]"
    )
    assert (
        str(error)
        == "mappings/customers_import.yaml: fields[2].reference.entity: 'custmer' is not one of [...]"
    )


def test_importing_the_loader_stays_light() -> None:
    code = "import sys, include.mapping.loader; print('pandas' in sys.modules, 'jsonschema' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.stdout.split() == ["False", "False"]


def test_external_id_is_built_from_the_source_id_only(write_mapping) -> None:
    error = _error(write_mapping("widgets_import", external_id="{entityId}"))
    assert error.key_path == "external_id" and "{internalId}" in error.message


def test_external_id_for_a_source_id(mappings_dir: Path) -> None:
    assert load_workflow(mappings_dir / "customers_export.yaml").external_id_for("7") == "spp-customer-7"
    assert load_workflow(mappings_dir / "customers_import.yaml").external_id_for("42") == "42"
