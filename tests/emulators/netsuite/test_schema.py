"""The schema model: namespaces, record types in real XSD order, search model, closure."""

from __future__ import annotations

import pytest

from emulators.netsuite import schema
from emulators.netsuite.schema import (
    CUSTOM_FIELD_LIST,
    NAMESPACES,
    NULL_FIELD_LIST,
    RECORD_TYPES,
    SEARCH_BASICS,
    SEARCH_WRAPPERS,
    SUBLIST,
    ns,
)

SERVED = [
    "customer", "job", "vendor", "contact", "employee", "projectTask", "supportCase", "serviceSaleItem",
    "nonInventoryPurchaseItem", "otherChargeSaleItem", "expenseCategory",
    "salesOrder", "invoice", "creditMemo", "customerPayment", "vendorBill", "vendorCredit", "purchaseOrder",
    "purchaseRequisition", "expenseReport", "timeBill", "journalEntry", "opportunity", "customRecord",
]  # fmt: skip


def names(record_type: str) -> list[str]:
    return [f.name for f in RECORD_TYPES[record_type].fields]


def before(record_type: str, first: str, second: str) -> bool:
    order = names(record_type)
    return order.index(first) < order.index(second)


class TestNamespaces:
    def test_every_module_has_a_versioned_urn(self) -> None:
        assert len(NAMESPACES) == 28
        assert ns("platformCore", "2023_2") == "urn:core_2023_2.platform.webservices.netsuite.com"
        assert ns("listRel", "2025_2") == "urn:relationships_2025_2.lists.webservices.netsuite.com"
        assert ns("tranSalesTyp", "2023_2") == "urn:types.sales_2023_2.transactions.webservices.netsuite.com"

    def test_the_two_employees_namespaces_are_distinct(self) -> None:
        assert ns("listEmp", "2023_2") != ns("tranEmp", "2023_2")
        assert schema.namespace_keys("2023_2")[ns("tranEmp", "2023_2")] == "tranEmp"

    def test_unknown_version_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unsupported"):
            ns("platformCore", "2019_1")


class TestRecordTypes:
    def test_every_integration_record_type_is_served(self) -> None:
        assert sorted(RECORD_TYPES) == sorted(SERVED)

    @pytest.mark.parametrize("record_type", SERVED)
    def test_fields_start_with_null_field_list_and_end_with_custom_fields(self, record_type: str) -> None:
        fields = RECORD_TYPES[record_type].fields
        assert fields[0].kind == NULL_FIELD_LIST
        assert fields[-1].kind == CUSTOM_FIELD_LIST
        assert len({f.name for f in fields}) == len(fields)

    @pytest.mark.parametrize("record_type", SERVED)
    def test_declared_field_roles_point_at_real_fields(self, record_type: str) -> None:
        info = RECORD_TYPES[record_type]
        for name in (info.modified_field, info.created_field, info.unique_field):
            assert name is None or info.field(name) is not None
        for group in info.required_fields:
            assert group and all(info.field(name) is not None for name in group)
        basic = SEARCH_BASICS[info.search_basic_type]
        assert info.search_modified_field is None or basic.field(info.search_modified_field) is not None
        wrapper = SEARCH_WRAPPERS[info.search_type]
        assert wrapper.basic_type == info.search_basic_type and wrapper.ns_key == info.search_ns_key

    def test_real_order_surprises_are_kept(self) -> None:
        assert before("job", "lastModifiedDate", "dateCreated")
        assert before("employee", "lastModifiedDate", "dateCreated")
        assert before("salesOrder", "subsidiary", "lastModifiedDate")
        assert before("vendorBill", "expenseList", "itemList")
        assert before("purchaseOrder", "itemList", "expenseList")
        invoice_line = RECORD_TYPES["invoice"].field("itemList").line_fields
        assert [f.name for f in invoice_line].index("amount") < [f.name for f in invoice_line].index(
            "quantity"
        )

    def test_expense_report_lines_are_expenses_with_a_double_rate(self) -> None:
        expense_list = RECORD_TYPES["expenseReport"].field("expenseList")
        assert expense_list.kind == SUBLIST
        assert (expense_list.list_type, expense_list.line_element) == ("ExpenseReportExpenseList", "expense")
        line = {f.name: f.kind for f in expense_list.line_fields}
        assert line["rate"] == "double" and line["customer"] == "ref" and line["expenseDate"] == "dateTime"
        assert RECORD_TYPES["invoice"].field("itemList").sublist.line_field("rate").kind == "string"

    def test_irregular_line_element_names(self) -> None:
        assert RECORD_TYPES["purchaseRequisition"].field("itemList").line_element == "purchaseRequisitionItem"
        assert RECORD_TYPES["journalEntry"].field("lineList").line_element == "line"
        assert RECORD_TYPES["customerPayment"].field("applyList").line_element == "apply"

    def test_time_bill_hours_is_a_duration_and_its_search_says_last_modified(self) -> None:
        time_bill = RECORD_TYPES["timeBill"]
        assert time_bill.field("hours").kind == "duration"
        assert (time_bill.modified_field, time_bill.search_modified_field) == (
            "lastModifiedDate",
            "lastModified",
        )
        assert time_bill.record_field_for_search("lastModified") == "lastModifiedDate"

    def test_entities_are_unique_by_entity_id(self) -> None:
        for record_type in ("customer", "job", "employee"):
            info = RECORD_TYPES[record_type]
            assert (info.unique_field, info.duplicate_code) == ("entityId", "DUP_ENTITY")

    def test_transactions_map_to_transaction_type_literals(self) -> None:
        assert schema.TRANSACTION_TYPES["_requisition"] == "purchaseRequisition"
        assert schema.TRANSACTION_TYPES["_journal"] == "journalEntry"
        assert RECORD_TYPES["expenseReport"].is_transaction
        assert not RECORD_TYPES["timeBill"].is_transaction
        assert RECORD_TYPES["salesOrder"].search_ns_key == "tranSales"  # even for purchases
        assert set(schema.record_types_for_search("TransactionSearchBasic")) == {
            "salesOrder", "invoice", "creditMemo", "customerPayment", "vendorBill", "vendorCredit",
            "purchaseOrder", "purchaseRequisition", "expenseReport", "journalEntry",
        }  # fmt: skip


class TestSearchModel:
    def test_search_basics_end_with_custom_fields_and_know_their_kinds(self) -> None:
        for basic in SEARCH_BASICS.values():
            assert basic.fields[-1].kind == "SearchCustomFieldList"
            assert basic.field("internalId").kind == "SearchMultiSelectField"
            assert basic.field("externalId").kind == "SearchMultiSelectField"
        assert SEARCH_BASICS["TransactionSearchBasic"].field("type").kind == "SearchEnumMultiSelectField"
        assert SEARCH_BASICS["CustomerSearchBasic"].field("lastModifiedDate").kind == "SearchDateField"
        assert SEARCH_BASICS["CustomerSearchBasic"].field("isInactive").kind == "SearchBooleanField"
        assert SEARCH_BASICS["CustomerSearchBasic"].field("entityId").kind == "SearchStringField"

    def test_custom_record_search_requires_its_record_type_first(self) -> None:
        first = SEARCH_BASICS["CustomRecordSearchBasic"].fields[0]
        assert (first.name, first.kind, first.required) == ("recType", "RecordRef", True)


class TestSchemaModel:
    def test_every_referenced_type_is_declared(self) -> None:
        model = schema.schema_model()
        declared = {c.qname for c in model.complex_types} | {e.qname for e in model.enums}
        globals_ = {f"{g.ns_key}:{g.name}" for g in model.elements}
        referenced = {g.type for g in model.elements}
        for ct in model.complex_types:
            referenced |= {e.type for e in ct.elements} | {a.type for a in ct.attributes}
            referenced |= {ct.base} if ct.base else set()
            assert all(e.ref in globals_ for e in ct.elements if e.ref)
        missing = {t for t in referenced if not t.startswith("xsd:")} - declared
        assert missing == set()

    def test_flattened_sequence_puts_inherited_core_elements_first(self) -> None:
        flat = schema.flattened_elements("listRel:Customer")
        assert flat[0][0] == "platformCore" and flat[0][1].name == "nullFieldList"
        assert {key for key, _ in flat[1:]} == {"listRel"}
        status = schema.flattened_elements("platformMsgs:WriteResponse")[0]
        assert status[0] == "platformCore"  # declared by ref to platformCore:status

    def test_operations_declare_headers_in_binding_order(self) -> None:
        ops = schema.OPERATIONS
        assert len(ops) == 14
        assert ops["search"].headers[-1] == "searchPreferences"
        assert ops["upsertList"].headers == ("tokenPassport", "applicationInfo", "partnerInfo", "preferences")
        assert "preferences" not in ops["getServerTime"].headers
        assert "ExceededRecordCountFault" not in ops["getServerTime"].faults
