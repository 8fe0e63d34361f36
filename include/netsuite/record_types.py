"""Where each NetSuite record type lives in the SuiteTalk schema, per WSDL version.

Types are always looked up by namespace URI (``{urn:relationships_2023_2.lists...}Customer``), never
by the ``nsN`` prefixes zeep invents, so the same code serves 2023_2 and 2025_2.
"""

from __future__ import annotations

from dataclasses import dataclass

# short key -> (schema module, schema group); URN = urn:<module>_<v>.<group>.webservices.netsuite.com
_MODULES: dict[str, tuple[str, str]] = {
    "core": ("core", "platform"),
    "messages": ("messages", "platform"),
    "faults": ("faults", "platform"),
    "common": ("common", "platform"),
    "listRel": ("relationships", "lists"),
    "listAcct": ("accounting", "lists"),
    "listEmp": ("employees", "lists"),
    "listSupport": ("support", "lists"),
    "actSched": ("scheduling", "activities"),
    "tranSales": ("sales", "transactions"),
    "tranCust": ("customers", "transactions"),
    "tranPurch": ("purchases", "transactions"),
    "tranEmp": ("employees", "transactions"),
    "tranGeneral": ("general", "transactions"),
    "setupCustom": ("customization", "setup"),
}


def namespace(key: str, version: str) -> str:
    """The namespace URN of a schema module (``key`` as in Oracle's prefixes, e.g. ``listRel``)."""
    module, group = _MODULES[key]
    return f"urn:{module}_{version}.{group}.webservices.netsuite.com"


def binding_qname(version: str) -> str:
    """The qualified name of the SOAP binding inside the WSDL."""
    return f"{{urn:platform_{version}.webservices.netsuite.com}}NetSuiteBinding"


def qname(key: str, local: str, version: str) -> str:
    """``{namespace}local`` for zeep's ``get_type``/``get_element``."""
    return f"{{{namespace(key, version)}}}{local}"


@dataclass(frozen=True)
class RecordTypeInfo:
    """One RecordType value: its complexType and how to search for it."""

    record_type: str  # RecordType enum value, e.g. "customer"
    module: str  # schema module key of the record type
    type_name: str  # complexType name, e.g. "Customer"
    search_module: str  # module of the search wrapper (TransactionSearch lives in tranSales)
    search_name: str  # wrapper type, e.g. "CustomerSearch"
    basic_name: str  # platformCommon SearchBasic type
    modified_field: str | None  # date field of the SearchBasic for incremental reads (None: full scan)
    search_type_values: tuple[str, ...] = ()  # default ``type anyOf`` filter (transactions, items)


def _entity(rt: str, module: str, name: str, search: str | None = None) -> RecordTypeInfo:
    search = search or name
    return RecordTypeInfo(
        rt, module, name, module, f"{search}Search", f"{search}SearchBasic", "lastModifiedDate"
    )


def _transaction(rt: str, module: str, name: str, tran_type: str) -> RecordTypeInfo:
    return RecordTypeInfo(
        rt,
        module,
        name,
        "tranSales",
        "TransactionSearch",
        "TransactionSearchBasic",
        "lastModifiedDate",
        (tran_type,),
    )


def _item(rt: str, name: str, item_type: str) -> RecordTypeInfo:
    return RecordTypeInfo(
        rt, "listAcct", name, "listAcct", "ItemSearch", "ItemSearchBasic", "lastModifiedDate", (item_type,)
    )


RECORD_TYPES: dict[str, RecordTypeInfo] = {
    info.record_type: info
    for info in (
        _entity("customer", "listRel", "Customer"),
        _entity("job", "listRel", "Job"),
        _entity("vendor", "listRel", "Vendor"),
        _entity("contact", "listRel", "Contact"),
        _entity("employee", "listEmp", "Employee"),
        _entity("projectTask", "actSched", "ProjectTask"),
        _entity("supportCase", "listSupport", "SupportCase"),
        _entity("subsidiary", "listAcct", "Subsidiary"),
        _entity("department", "listAcct", "Department"),
        _entity("classification", "listAcct", "Classification"),
        _entity("location", "listAcct", "Location"),
        _entity("account", "listAcct", "Account"),
        RecordTypeInfo(
            "expenseCategory",
            "listAcct",
            "ExpenseCategory",
            "listAcct",
            "ExpenseCategorySearch",
            "ExpenseCategorySearchBasic",
            None,
        ),
        _item("serviceSaleItem", "ServiceSaleItem", "_service"),
        _item("serviceResaleItem", "ServiceResaleItem", "_service"),
        _item("servicePurchaseItem", "ServicePurchaseItem", "_service"),
        _item("nonInventorySaleItem", "NonInventorySaleItem", "_nonInventoryItem"),
        _item("nonInventoryResaleItem", "NonInventoryResaleItem", "_nonInventoryItem"),
        _item("nonInventoryPurchaseItem", "NonInventoryPurchaseItem", "_nonInventoryItem"),
        _item("otherChargeSaleItem", "OtherChargeSaleItem", "_otherCharge"),
        _transaction("salesOrder", "tranSales", "SalesOrder", "_salesOrder"),
        _transaction("invoice", "tranSales", "Invoice", "_invoice"),
        _transaction("creditMemo", "tranCust", "CreditMemo", "_creditMemo"),
        _transaction("customerPayment", "tranCust", "CustomerPayment", "_customerPayment"),
        _transaction("vendorBill", "tranPurch", "VendorBill", "_vendorBill"),
        _transaction("vendorCredit", "tranPurch", "VendorCredit", "_vendorCredit"),
        _transaction("purchaseOrder", "tranPurch", "PurchaseOrder", "_purchaseOrder"),
        _transaction("purchaseRequisition", "tranPurch", "PurchaseRequisition", "_requisition"),
        _transaction("expenseReport", "tranEmp", "ExpenseReport", "_expenseReport"),
        _transaction("journalEntry", "tranGeneral", "JournalEntry", "_journal"),
        RecordTypeInfo(
            "opportunity",
            "tranSales",
            "Opportunity",
            "tranSales",
            "OpportunitySearch",
            "OpportunitySearchBasic",
            "lastModifiedDate",
        ),
        # TimeBillSearchBasic and CustomRecordSearchBasic name their date field lastModified
        RecordTypeInfo(
            "timeBill",
            "tranEmp",
            "TimeBill",
            "tranEmp",
            "TimeBillSearch",
            "TimeBillSearchBasic",
            "lastModified",
        ),
        RecordTypeInfo(
            "customRecord",
            "setupCustom",
            "CustomRecord",
            "setupCustom",
            "CustomRecordSearch",
            "CustomRecordSearchBasic",
            "lastModified",
        ),
    )
}


def record_type_info(record_type: str) -> RecordTypeInfo:
    """The catalogue entry of a RecordType value; ValueError names the known ones otherwise."""
    try:
        return RECORD_TYPES[record_type]
    except KeyError:
        known = ", ".join(sorted(RECORD_TYPES))
        raise ValueError(f"unsupported NetSuite record type {record_type!r}; known: {known}") from None
