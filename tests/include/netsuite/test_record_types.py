"""The record-type catalogue: namespaces per version and search metadata."""

from __future__ import annotations

import pytest

from include.netsuite.record_types import binding_qname, namespace, record_type_info


def test_namespaces_are_built_from_the_version() -> None:
    assert namespace("listRel", "2023_2") == "urn:relationships_2023_2.lists.webservices.netsuite.com"
    assert namespace("tranEmp", "2025_2") == "urn:employees_2025_2.transactions.webservices.netsuite.com"
    assert namespace("listEmp", "2025_2") == "urn:employees_2025_2.lists.webservices.netsuite.com"
    assert binding_qname("2023_2") == "{urn:platform_2023_2.webservices.netsuite.com}NetSuiteBinding"


def test_incremental_date_field_differs_per_type() -> None:
    assert record_type_info("customer").modified_field == "lastModifiedDate"
    assert record_type_info("timeBill").modified_field == "lastModified"
    assert record_type_info("customRecord").modified_field == "lastModified"
    assert record_type_info("expenseCategory").modified_field is None


def test_transactions_search_through_transaction_search_with_a_type_filter() -> None:
    info = record_type_info("vendorBill")
    assert (info.module, info.search_module, info.search_name) == (
        "tranPurch",
        "tranSales",
        "TransactionSearch",
    )
    assert info.search_type_values == ("_vendorBill",)
    assert record_type_info("purchaseRequisition").search_type_values == ("_requisition",)
    assert record_type_info("journalEntry").search_type_values == ("_journal",)


def test_unknown_types_are_named() -> None:
    with pytest.raises(ValueError, match="timeEntry"):
        record_type_info("timeEntry")
