"""The subset of the NetSuite SuiteTalk SOAP schema the emulator serves, as Python data.

This module is the single source of truth for three consumers: ``wsdl.py`` renders it as
WSDL/XSD text that zeep loads, ``codec.py`` reads and writes XML by it, and the SOAP server
uses it for validation (required fields, duplicate keys) and search evaluation.

Everything is written from the facts in ``netsuite-schema-facts.md`` (names, namespaces,
types, element order); no Oracle schema text is reproduced. Records carry a *subset* of the
real fields, but always in their real relative order, so whatever zeep serialises against
this subset is also valid against the real schema and vice versa for the fields we model.

Type references are written ``"<prefixKey>:<Name>"`` where the prefix key is a key of
:data:`NAMESPACES` (``"platformCore:RecordRef"``) or ``xsd`` for XML Schema built-ins.
Namespaces depend on the WSDL version (``2023_2``, ``2025_2``); the model itself does not.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

from include.registry import UnknownRecordType, netsuite_record_type

VERSIONS: tuple[str, ...] = ("2023_2", "2025_2")
DEFAULT_VERSION = "2025_2"  # the codec's default; the routes serve every version of VERSIONS by URL

XSD_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

NAMESPACES: dict[str, str] = {
    "platformCore": "urn:core_{v}.platform.webservices.netsuite.com",
    "platformCoreTyp": "urn:types.core_{v}.platform.webservices.netsuite.com",
    "platformMsgs": "urn:messages_{v}.platform.webservices.netsuite.com",
    "platformFaults": "urn:faults_{v}.platform.webservices.netsuite.com",
    "platformFaultTyp": "urn:types.faults_{v}.platform.webservices.netsuite.com",
    "platformCommon": "urn:common_{v}.platform.webservices.netsuite.com",
    "platformCommonTyp": "urn:types.common_{v}.platform.webservices.netsuite.com",
    "listRel": "urn:relationships_{v}.lists.webservices.netsuite.com",
    "listRelTyp": "urn:types.relationships_{v}.lists.webservices.netsuite.com",
    "listAcct": "urn:accounting_{v}.lists.webservices.netsuite.com",
    "listAcctTyp": "urn:types.accounting_{v}.lists.webservices.netsuite.com",
    "listEmp": "urn:employees_{v}.lists.webservices.netsuite.com",
    "listEmpTyp": "urn:types.employees_{v}.lists.webservices.netsuite.com",
    "listSupport": "urn:support_{v}.lists.webservices.netsuite.com",
    "listSupportTyp": "urn:types.support_{v}.lists.webservices.netsuite.com",
    "actSched": "urn:scheduling_{v}.activities.webservices.netsuite.com",
    "actSchedTyp": "urn:types.scheduling_{v}.activities.webservices.netsuite.com",
    "tranSales": "urn:sales_{v}.transactions.webservices.netsuite.com",
    "tranSalesTyp": "urn:types.sales_{v}.transactions.webservices.netsuite.com",
    "tranCust": "urn:customers_{v}.transactions.webservices.netsuite.com",
    "tranCustTyp": "urn:types.customers_{v}.transactions.webservices.netsuite.com",
    "tranPurch": "urn:purchases_{v}.transactions.webservices.netsuite.com",
    "tranPurchTyp": "urn:types.purchases_{v}.transactions.webservices.netsuite.com",
    "tranEmp": "urn:employees_{v}.transactions.webservices.netsuite.com",
    "tranEmpTyp": "urn:types.employees_{v}.transactions.webservices.netsuite.com",
    "tranGeneral": "urn:general_{v}.transactions.webservices.netsuite.com",
    "setupCustom": "urn:customization_{v}.setup.webservices.netsuite.com",
    "setupCustomTyp": "urn:types.customization_{v}.setup.webservices.netsuite.com",
}

# File names as in the real set (the Types files are named irregularly, e.g. saleTypes).
XSD_FILES: dict[str, str] = {
    "platformCore": "platform.core.xsd",
    "platformCoreTyp": "platform.coreTypes.xsd",
    "platformMsgs": "platform.messages.xsd",
    "platformFaults": "platform.faults.xsd",
    "platformFaultTyp": "platform.faultTypes.xsd",
    "platformCommon": "platform.common.xsd",
    "platformCommonTyp": "platform.commonTypes.xsd",
    "listRel": "lists.relationships.xsd",
    "listRelTyp": "lists.relationshipTypes.xsd",
    "listAcct": "lists.accounting.xsd",
    "listAcctTyp": "lists.accountingTypes.xsd",
    "listEmp": "lists.employees.xsd",
    "listEmpTyp": "lists.employeeTypes.xsd",
    "listSupport": "lists.support.xsd",
    "listSupportTyp": "lists.supportTypes.xsd",
    "actSched": "activities.scheduling.xsd",
    "actSchedTyp": "activities.schedulingTypes.xsd",
    "tranSales": "transactions.sales.xsd",
    "tranSalesTyp": "transactions.saleTypes.xsd",
    "tranCust": "transactions.customers.xsd",
    "tranCustTyp": "transactions.customerTypes.xsd",
    "tranPurch": "transactions.purchases.xsd",
    "tranPurchTyp": "transactions.purchaseTypes.xsd",
    "tranEmp": "transactions.employees.xsd",
    "tranEmpTyp": "transactions.employeeTypes.xsd",
    "tranGeneral": "transactions.general.xsd",
    "setupCustom": "setup.customization.xsd",
    "setupCustomTyp": "setup.customizationTypes.xsd",
}


def ns(key: str, version: str) -> str:
    """The namespace URI of prefix key ``key`` (e.g. ``"listRel"``) for WSDL ``version``."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported SuiteTalk version {version!r}; expected one of {VERSIONS}")
    return NAMESPACES[key].format(v=version)


@cache
def namespace_keys(version: str) -> dict[str, str]:
    """Reverse of :func:`ns`: namespace URI -> prefix key, for one version."""
    return {ns(key, version): key for key in NAMESPACES}


def platform_ns(version: str) -> str:
    """The WSDL's own target namespace (portType, binding and message names)."""
    ns("platformCore", version)  # validates the version
    return f"urn:platform_{version}.webservices.netsuite.com"


def split_qname(qualified: str) -> tuple[str, str]:
    """``"platformCore:RecordRef"`` -> ``("platformCore", "RecordRef")``."""
    prefix, _, local = qualified.partition(":")
    return prefix, local


# ---------------------------------------------------------------------------------------------
# Generic schema building blocks (platform types, messages, faults, search types)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """A local element of a complexType's sequence (``ref`` set when declared by reference)."""

    name: str
    type: str
    min_occurs: int = 0
    max_occurs: int | None = 1  # None = unbounded
    ref: str | None = None  # "platformCore:status": the element lives in the ref's namespace
    default: str | None = None


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str = "xsd:string"
    required: bool = False
    default: str | None = None


@dataclass(frozen=True)
class ComplexType:
    """A named complexType. ``elements``/``attributes`` are the *declared* ones (not inherited)."""

    ns_key: str
    name: str
    elements: tuple[Element, ...] = ()
    attributes: tuple[Attribute, ...] = ()
    base: str | None = None  # complexContent extension of this qualified type
    abstract: bool = False
    simple_content: str | None = None  # simpleContent extension of this built-in (TokenPassportSignature)

    @property
    def qname(self) -> str:
        return f"{self.ns_key}:{self.name}"


@dataclass(frozen=True)
class EnumType:
    """A string restriction with enumeration values (often a subset of the real one)."""

    ns_key: str
    name: str
    values: tuple[str, ...]

    @property
    def qname(self) -> str:
        return f"{self.ns_key}:{self.name}"


@dataclass(frozen=True)
class GlobalElement:
    ns_key: str
    name: str
    type: str


def _el(name: str, type_: str, min_occurs: int = 0, max_occurs: int | None = 1, **kw: str) -> Element:
    return Element(name, type_, min_occurs, max_occurs, **kw)


def _ref(qualified_element: str, type_: str, min_occurs: int = 1, max_occurs: int | None = 1) -> Element:
    return Element(split_qname(qualified_element)[1], type_, min_occurs, max_occurs, ref=qualified_element)


def _attrs(*names: str) -> tuple[Attribute, ...]:
    return tuple(Attribute(n) for n in names)


UNBOUNDED = None

# ---------------------------------------------------------------------------------------------
# Enumerations
# ---------------------------------------------------------------------------------------------

_ENUM_LIST: list[EnumType] = [
    EnumType(
        "platformCoreTyp",
        "RecordType",
        # Every record type we serve plus the list records their references usually point at.
        (
            "account",
            "accountingPeriod",
            "classification",
            "contact",
            "creditMemo",
            "currency",
            "customRecord",
            "customRecordType",
            "customer",
            "customerPayment",
            "customerStatus",
            "department",
            "employee",
            "expenseCategory",
            "expenseReport",
            "invoice",
            "job",
            "jobStatus",
            "jobType",
            "journalEntry",
            "location",
            "nonInventoryPurchaseItem",
            "opportunity",
            "otherChargeSaleItem",
            "partner",
            "paymentMethod",
            "priceLevel",
            "projectTask",
            "purchaseOrder",
            "purchaseRequisition",
            "salesOrder",
            "serviceSaleItem",
            "subsidiary",
            "supportCase",
            "supportCasePriority",
            "supportCaseStatus",
            "task",
            "term",
            "timeBill",
            "timeSheet",
            "vendor",
            "vendorBill",
            "vendorCredit",
        ),
    ),
    EnumType(
        "platformCoreTyp",
        "SearchRecordType",
        (
            "contact",
            "customer",
            "customRecord",
            "employee",
            "expenseCategory",
            "item",
            "job",
            "opportunity",
            "projectTask",
            "supportCase",
            "timeBill",
            "transaction",
            "vendor",
        ),
    ),
    EnumType(
        "platformCoreTyp",
        "DeletedRecordType",
        (
            "contact",
            "creditMemo",
            "customRecord",
            "customer",
            "customerPayment",
            "employee",
            "expenseReport",
            "invoice",
            "job",
            "journalEntry",
            "nonInventoryPurchaseItem",
            "opportunity",
            "otherChargeSaleItem",
            "projectTask",
            "purchaseOrder",
            "purchaseRequisition",
            "salesOrder",
            "serviceSaleItem",
            "supportCase",
            "vendor",
            "vendorBill",
            "vendorCredit",
        ),
    ),
    EnumType(
        "platformCoreTyp",
        "SearchDateFieldOperator",
        (
            "after",
            "before",
            "empty",
            "notAfter",
            "notBefore",
            "notEmpty",
            "notOn",
            "notOnOrAfter",
            "notOnOrBefore",
            "notWithin",
            "on",
            "onOrAfter",
            "onOrBefore",
            "within",
        ),
    ),
    EnumType(
        "platformCoreTyp",
        "SearchStringFieldOperator",
        (
            "contains",
            "doesNotContain",
            "doesNotStartWith",
            "empty",
            "hasKeywords",
            "is",
            "isNot",
            "notEmpty",
            "startsWith",
        ),
    ),
    EnumType("platformCoreTyp", "SearchMultiSelectFieldOperator", ("anyOf", "noneOf")),
    EnumType("platformCoreTyp", "SearchEnumMultiSelectFieldOperator", ("anyOf", "noneOf")),
    EnumType(
        "platformCoreTyp",
        "SearchLongFieldOperator",
        (
            "between",
            "empty",
            "equalTo",
            "greaterThan",
            "greaterThanOrEqualTo",
            "lessThan",
            "lessThanOrEqualTo",
            "notBetween",
            "notEmpty",
            "notEqualTo",
            "notGreaterThan",
            "notGreaterThanOrEqualTo",
            "notLessThan",
            "notLessThanOrEqualTo",
        ),
    ),
    EnumType(
        "platformCoreTyp",
        "SearchDoubleFieldOperator",
        (
            "between",
            "empty",
            "equalTo",
            "greaterThan",
            "greaterThanOrEqualTo",
            "lessThan",
            "lessThanOrEqualTo",
            "notBetween",
            "notEmpty",
            "notEqualTo",
            "notGreaterThan",
            "notGreaterThanOrEqualTo",
            "notLessThan",
            "notLessThanOrEqualTo",
        ),
    ),
    # SearchDate has 167 values; these are the relative windows an integration plausibly uses.
    EnumType(
        "platformCoreTyp",
        "SearchDate",
        (
            "lastMonth",
            "lastWeek",
            "previousOneDay",
            "thirtyDaysAgo",
            "thisMonth",
            "thisWeek",
            "thisYear",
            "today",
            "yesterday",
        ),
    ),
    EnumType("platformCoreTyp", "DurationUnit", ("hour",)),
    EnumType("platformFaultTyp", "StatusDetailType", ("ERROR", "WARN", "INFO")),
    EnumType(
        "platformFaultTyp",
        "StatusDetailCodeType",
        (
            "ABORT_SEARCH_EXCEEDED_MAX_TIME",
            "CONCURRENCY_LIMIT_EXCEEDED",
            "DUP_ENTITY",
            "DUP_ITEM",
            "DUP_RCRD",
            "EXCEEDED_RQST_SIZE_LIMIT",
            "EXTERNALID_REQD",
            "FIELD_REQD",
            "INSUFFICIENT_PERMISSION",
            "INVALID_CSTM_FIELD_DATA_TYP",
            "INVALID_CSTM_FIELD_RCRD_TYP",
            "INVALID_CSTM_FIELD_REF",
            "INVALID_CSTM_RCRD_QUERY",
            "INVALID_CSTM_RCRD_TYPE_KEY",
            "INVALID_FLD_VALUE",
            "INVALID_INTERNALID",
            "INVALID_JOB_ID",
            "INVALID_KEY_OR_REF",
            "INVALID_LOGIN_ATTEMPT",
            "INVALID_LOGIN_CREDENTIALS",
            "INVALID_PAGE_INDEX",
            "INVALID_RCRD_TYPE",
            "INVALID_REF_KEY",
            "INVALID_REQUEST",
            "INVALID_SEARCH",
            "INVALID_SEARCH_MORE",
            "INVALID_SEARCH_PAGE_SIZE",
            "INVALID_SRCH_CRITERIA",
            "MAX_RCRDS_EXCEEDED",
            "MISSING_REQD_FLD",
            "NONEXISTENT_EXTERNAL_ID",
            "RCRD_DSNT_EXIST",
            "RCRD_HAS_BEEN_CHANGED",
            "RCRD_NOT_FOUND",
            "SEARCH_TIMED_OUT",
            "SESSION_TIMED_OUT",
            "SSS_REQUEST_LIMIT_EXCEEDED",
            "UNEXPECTED_ERROR",
            "UNIQUE_CUST_ID_REQD",
            "USER_ERROR",
            "WS_CONCUR_SESSION_DISALLWD",
            "WS_EXCEEDED_CONCUR_USERS_ALLWD",
            "WS_REQUEST_BLOCKED",
        ),
    ),
    EnumType(
        "platformFaultTyp",
        "FaultCodeType",
        (
            "ACCT_TEMP_UNAVAILABLE",
            "EMAIL_ADDRS_REQD",
            "INSUFFICIENT_PERMISSION",
            "INVALID_ACCT",
            "INVALID_JOB_ID",
            "INVALID_LOGIN_CREDENTIALS",
            "INVALID_PAGE_INDEX",
            "INVALID_ROLE",
            "INVALID_WS_VERSION",
            "JOB_NOT_COMPLETE",
            "LOGIN_DISABLED",
            "MAX_RCRDS_EXCEEDED",
            "OI_FEATURE_REQD",
            "OI_PERMISSION_REQD",
            "PSWD_REQD",
            "ROLE_REQUIRED",
            "SESSION_TIMED_OUT",
            "UNEXPECTED_ERROR",
            "UNSUPPORTED_WS_VERSION",
            "USER_ERROR",
            "WS_CONCUR_SESSION_DISALLWD",
            "WS_FEATURE_REQD",
            "WS_PERMISSION_REQD",
            "WS_LOG_IN_REQD",
            "WS_REQUEST_BLOCKED",
        ),
    ),
    EnumType("listRelTyp", "CustomerStage", ("_customer", "_lead", "_prospect")),
    EnumType(
        "listRelTyp",
        "JobBillingType",
        ("_none", "_chargeBased", "_fixedBidInterval", "_fixedBidMilestone", "_timeAndMaterials"),
    ),
    EnumType(
        "listAcctTyp",
        "ItemType",
        (
            "_assembly",
            "_description",
            "_discount",
            "_downloadItem",
            "_giftCertificateItem",
            "_inventoryItem",
            "_itemGroup",
            "_kit",
            "_markup",
            "_nonInventoryItem",
            "_otherCharge",
            "_payment",
            "_service",
            "_subtotal",
        ),
    ),
    EnumType("actSchedTyp", "ProjectTaskConstraintType", ("_asSoonAsPossible", "_fixedStart")),
    EnumType("actSchedTyp", "ProjectTaskStatus", ("_completed", "_inProgress", "_notStarted")),
    EnumType(
        "tranSalesTyp",
        "SalesOrderOrderStatus",
        (
            "_pendingApproval",
            "_pendingFulfillment",
            "_cancelled",
            "_partiallyFulfilled",
            "_pendingBillingPartFulfilled",
            "_pendingBilling",
            "_fullyBilled",
            "_closed",
            "_undefined",
        ),
    ),
    # Declared in transactions.saleTypes but referenced by no element; its literals are what
    # TransactionSearchBasic.type (a SearchEnumMultiSelectField of xsd:string) carries.
    EnumType(
        "tranSalesTyp",
        "TransactionType",
        (
            "_assemblyBuild",
            "_assemblyUnbuild",
            "_binTransfer",
            "_binWorksheet",
            "_cashRefund",
            "_cashSale",
            "_check",
            "_creditMemo",
            "_custom",
            "_customPurchase",
            "_customSale",
            "_customerDeposit",
            "_customerPayment",
            "_customerRefund",
            "_deposit",
            "_depositApplication",
            "_estimate",
            "_expenseReport",
            "_inboundShipment",
            "_inventoryAdjustment",
            "_inventoryCostRevaluation",
            "_inventoryTransfer",
            "_invoice",
            "_itemFulfillment",
            "_itemReceipt",
            "_journal",
            "_opportunity",
            "_paycheck",
            "_paycheckJournal",
            "_periodEndJournal",
            "_purchaseOrder",
            "_requisition",
            "_returnAuthorization",
            "_salesOrder",
            "_transferOrder",
            "_vendorBill",
            "_vendorCredit",
            "_vendorPayment",
            "_vendorReturnAuthorization",
            "_workOrder",
            "_workOrderClose",
            "_workOrderCompletion",
            "_workOrderIssue",
        ),
    ),
    EnumType(
        "tranPurchTyp",
        "PurchaseOrderOrderStatus",
        (
            "_closed",
            "_fullyBilled",
            "_partiallyReceived",
            "_pendingBillingPartiallyReceived",
            "_pendingBilling",
            "_pendingReceipt",
            "_pendingSupervisorApproval",
            "_rejectedBySupervisor",
        ),
    ),
    EnumType("tranEmpTyp", "TimeBillTimeType", ("_actualTime", "_allocatedTime", "_plannedTime")),
]

ENUMS: dict[str, EnumType] = {e.qname: e for e in _ENUM_LIST}

# ---------------------------------------------------------------------------------------------
# Platform types: platform.core, platform.messages, platform.faults (real element order)
# ---------------------------------------------------------------------------------------------

_C = "platformCore"
_SEARCH_OPERATOR = {
    "SearchDateField": "platformCoreTyp:SearchDateFieldOperator",
    "SearchStringField": "platformCoreTyp:SearchStringFieldOperator",
    "SearchMultiSelectField": "platformCoreTyp:SearchMultiSelectFieldOperator",
    "SearchEnumMultiSelectField": "platformCoreTyp:SearchEnumMultiSelectFieldOperator",
    "SearchBooleanField": None,  # the only Search*Field without an operator attribute
    "SearchLongField": "platformCoreTyp:SearchLongFieldOperator",
    "SearchDoubleField": "platformCoreTyp:SearchDoubleFieldOperator",
}

# Content of each Search*Field (the matching Search*CustomField has the same content).
_SEARCH_CONTENT: dict[str, tuple[Element, ...]] = {
    "SearchDateField": (
        _el("predefinedSearchValue", "platformCoreTyp:SearchDate"),
        _el("searchValue", "xsd:dateTime"),
        _el("searchValue2", "xsd:dateTime"),
    ),
    "SearchStringField": (_el("searchValue", "xsd:string"),),
    "SearchMultiSelectField": (_el("searchValue", "platformCore:RecordRef", 0, UNBOUNDED),),
    "SearchEnumMultiSelectField": (_el("searchValue", "xsd:string", 0, UNBOUNDED),),
    "SearchBooleanField": (_el("searchValue", "xsd:boolean"),),
    "SearchLongField": (_el("searchValue", "xsd:long"), _el("searchValue2", "xsd:long")),
    "SearchDoubleField": (_el("searchValue", "xsd:double"), _el("searchValue2", "xsd:double")),
}

SEARCH_CUSTOM_FIELD_TYPES: dict[str, str] = {
    # Search*CustomField type -> the Search*Field whose content and operators it shares
    "SearchStringCustomField": "SearchStringField",
    "SearchLongCustomField": "SearchLongField",
    "SearchDoubleCustomField": "SearchDoubleField",
    "SearchBooleanCustomField": "SearchBooleanField",
    "SearchDateCustomField": "SearchDateField",
    "SearchMultiSelectCustomField": "SearchMultiSelectField",
    "SearchEnumMultiSelectCustomField": "SearchEnumMultiSelectField",
}


def _search_custom_content(field_kind: str) -> tuple[Element, ...]:
    if field_kind == "SearchMultiSelectField":
        # custom multi-selects take ListOrRecordRef values (select lists), not RecordRefs
        return (_el("searchValue", "platformCore:ListOrRecordRef", 0, UNBOUNDED),)
    return _SEARCH_CONTENT[field_kind]


CUSTOM_FIELD_REF_TYPES: dict[str, tuple[str, int, int | None]] = {
    # concrete CustomFieldRef -> (type of its `value`, minOccurs, maxOccurs)
    "StringCustomFieldRef": ("xsd:string", 1, 1),
    "LongCustomFieldRef": ("xsd:long", 1, 1),
    "DoubleCustomFieldRef": ("xsd:double", 1, 1),
    "BooleanCustomFieldRef": ("xsd:boolean", 1, 1),
    "DateCustomFieldRef": ("xsd:dateTime", 1, 1),
    "SelectCustomFieldRef": ("platformCore:ListOrRecordRef", 1, 1),
    "MultiSelectCustomFieldRef": ("platformCore:ListOrRecordRef", 1, UNBOUNDED),
}

_CORE_TYPES: list[ComplexType] = [
    ComplexType(_C, "Record", (_el("nullFieldList", "platformCore:NullField"),), abstract=True),
    ComplexType(_C, "NullField", (_el("name", "xsd:string", 0, UNBOUNDED),)),
    ComplexType(_C, "BaseRef", (_el("name", "xsd:string"),), abstract=True),
    ComplexType(
        _C,
        "RecordRef",
        attributes=(
            Attribute("internalId"),
            Attribute("externalId"),
            Attribute("type", "platformCoreTyp:RecordType"),
        ),
        base="platformCore:BaseRef",
    ),
    # derived from RecordRef: names a customization (e.g. a custom record type) by scriptId
    ComplexType(_C, "CustomizationRef", attributes=_attrs("scriptId"), base="platformCore:RecordRef"),
    ComplexType(
        _C,
        "CustomRecordRef",
        attributes=_attrs("internalId", "externalId", "typeId", "scriptId"),
        base="platformCore:BaseRef",
    ),
    ComplexType(
        _C, "ListOrRecordRef", (_el("name", "xsd:string"),), _attrs("internalId", "externalId", "typeId")
    ),
    ComplexType(_C, "RecordRefList", (_el("recordRef", "platformCore:RecordRef", 0, UNBOUNDED),)),
    ComplexType(
        _C,
        "Status",
        (_el("statusDetail", "platformCore:StatusDetail", 0, UNBOUNDED),),
        (Attribute("isSuccess", "xsd:boolean"),),
    ),
    ComplexType(
        _C,
        "StatusDetail",
        (
            _el("code", "platformFaultTyp:StatusDetailCodeType"),
            _el("message", "xsd:string"),
            _el("afterSubmitFailed", "xsd:boolean"),
        ),
        (Attribute("type", "platformFaultTyp:StatusDetailType", default="ERROR"),),
    ),
    ComplexType(_C, "CustomFieldList", (_el("customField", "platformCore:CustomFieldRef", 0, UNBOUNDED),)),
    ComplexType(_C, "CustomFieldRef", attributes=_attrs("internalId", "scriptId"), abstract=True),
    *[
        ComplexType(_C, name, (_el("value", vtype, lo, hi),), base="platformCore:CustomFieldRef")
        for name, (vtype, lo, hi) in CUSTOM_FIELD_REF_TYPES.items()
    ],
    ComplexType(
        _C,
        "SearchResult",
        (
            _ref("platformCore:status", "platformCore:Status"),
            _el("totalRecords", "xsd:int"),
            _el("pageSize", "xsd:int"),
            _el("totalPages", "xsd:int"),
            _el("pageIndex", "xsd:int"),
            _el("searchId", "xsd:string"),
            _ref("platformCore:recordList", "platformCore:RecordList", 0),
            _ref("platformCore:searchRowList", "platformCore:SearchRowList", 0),
        ),
    ),
    ComplexType(_C, "RecordList", (_el("record", "platformCore:Record", 0, UNBOUNDED),)),
    ComplexType(_C, "SearchRowList", (_el("searchRow", "platformCore:SearchRow", 0, UNBOUNDED),)),
    ComplexType(_C, "SearchRow", abstract=True),
    ComplexType(_C, "SearchRecord", abstract=True),
    ComplexType(_C, "SearchRecordBasic", base="platformCore:SearchRecord", abstract=True),
    *[
        ComplexType(_C, kind, content, (Attribute("operator", op),) if op else ())
        for kind, content in _SEARCH_CONTENT.items()
        for op in [_SEARCH_OPERATOR[kind]]
    ],
    ComplexType(
        _C, "SearchCustomFieldList", (_el("customField", "platformCore:SearchCustomField", 0, UNBOUNDED),)
    ),
    ComplexType(_C, "SearchCustomField", attributes=_attrs("internalId", "scriptId"), abstract=True),
    *[
        ComplexType(
            _C,
            name,
            _search_custom_content(kind),
            (Attribute("operator", _SEARCH_OPERATOR[kind]),) if _SEARCH_OPERATOR[kind] else (),
            base="platformCore:SearchCustomField",
        )
        for name, kind in SEARCH_CUSTOM_FIELD_TYPES.items()
    ],
    ComplexType(
        _C,
        "TokenPassport",
        (
            _el("account", "xsd:string", 1),
            _el("consumerKey", "xsd:string", 1),
            _el("token", "xsd:string", 1),
            _el("nonce", "xsd:string", 1),
            _el("timestamp", "xsd:long", 1),
            _el("signature", "platformCore:TokenPassportSignature", 1),
        ),
    ),
    ComplexType(
        _C,
        "TokenPassportSignature",
        attributes=(Attribute("algorithm", required=True),),
        simple_content="xsd:string",
    ),
    ComplexType(
        _C,
        "GetDeletedFilter",
        (
            _el("deletedDate", "platformCore:SearchDateField"),
            _el("type", "platformCore:SearchEnumMultiSelectField"),
            _el("scriptId", "platformCore:SearchStringField"),
        ),
    ),
    ComplexType(
        _C,
        "GetDeletedResult",
        (
            _ref("platformCore:status", "platformCore:Status"),
            _el("totalRecords", "xsd:int"),
            _el("pageSize", "xsd:int"),
            _el("totalPages", "xsd:int"),
            _el("pageIndex", "xsd:int"),
            _ref("platformCore:deletedRecordList", "platformCore:DeletedRecordList", 0),
        ),
    ),
    ComplexType(_C, "DeletedRecordList", (_el("deletedRecord", "platformCore:DeletedRecord", 0, UNBOUNDED),)),
    ComplexType(
        _C, "DeletedRecord", (_el("deletedDate", "xsd:dateTime"), _el("record", "platformCore:BaseRef"))
    ),
    ComplexType(
        _C,
        "GetServerTimeResult",
        (_ref("platformCore:status", "platformCore:Status"), _el("serverTime", "xsd:dateTime", 1)),
    ),
    ComplexType(
        _C,
        "DeletionReason",
        (_el("deletionReasonCode", "platformCore:RecordRef", 1), _el("deletionReasonMemo", "xsd:string")),
    ),
    ComplexType(
        _C, "Duration", (_el("timeSpan", "xsd:double", 1), _el("unit", "platformCoreTyp:DurationUnit", 1))
    ),
]

_M = "platformMsgs"


@dataclass(frozen=True)
class OperationInfo:
    """One SOAP operation we bind: its header parts (binding order) and declared faults."""

    name: str
    request: tuple[Element, ...]
    response: Element  # the single child of <op>Response
    headers: tuple[str, ...]
    faults: tuple[str, ...]


_WRITE_HEADERS = ("tokenPassport", "applicationInfo", "partnerInfo", "preferences")
_SEARCH_HEADERS = ("tokenPassport", "applicationInfo", "partnerInfo", "searchPreferences")
_PLAIN_HEADERS = ("tokenPassport", "applicationInfo", "partnerInfo")
_STANDARD_FAULTS = (
    "InsufficientPermissionFault",
    "InvalidSessionFault",
    "InvalidCredentialsFault",
    "ExceededConcurrentRequestLimitFault",
    "ExceededRequestLimitFault",
    "ExceededUsageLimitFault",
    "ExceededRecordCountFault",
    "ExceededRequestSizeFault",
    "UnexpectedErrorFault",
)
_SERVER_TIME_FAULTS = (
    "InsufficientPermissionFault",
    "InvalidSessionFault",
    "InvalidCredentialsFault",
    "ExceededConcurrentRequestLimitFault",
    "ExceededRequestLimitFault",
    "ExceededUsageLimitFault",
    "UnexpectedErrorFault",
)

_RECORD_1 = (_el("record", "platformCore:Record", 1),)
_RECORD_N = (_el("record", "platformCore:Record", 1, UNBOUNDED),)
_WRITE_RESPONSE = _ref("platformMsgs:writeResponse", "platformMsgs:WriteResponse")
_WRITE_RESPONSE_LIST = _ref("platformMsgs:writeResponseList", "platformMsgs:WriteResponseList")
_SEARCH_RESULT = _ref("platformCore:searchResult", "platformCore:SearchResult")

OPERATIONS: dict[str, OperationInfo] = {
    op.name: op
    for op in [
        OperationInfo("add", _RECORD_1, _WRITE_RESPONSE, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo("addList", _RECORD_N, _WRITE_RESPONSE_LIST, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo("update", _RECORD_1, _WRITE_RESPONSE, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo("updateList", _RECORD_N, _WRITE_RESPONSE_LIST, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo("upsert", _RECORD_1, _WRITE_RESPONSE, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo("upsertList", _RECORD_N, _WRITE_RESPONSE_LIST, _WRITE_HEADERS, _STANDARD_FAULTS),
        OperationInfo(
            "delete",
            (_el("baseRef", "platformCore:BaseRef", 1), _el("deletionReason", "platformCore:DeletionReason")),
            _WRITE_RESPONSE,
            _WRITE_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "deleteList",
            (
                _el("baseRef", "platformCore:BaseRef", 1, UNBOUNDED),
                _el("deletionReason", "platformCore:DeletionReason"),
            ),
            _WRITE_RESPONSE_LIST,
            _WRITE_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "get",
            (_el("baseRef", "platformCore:BaseRef", 1),),
            _ref("platformMsgs:readResponse", "platformMsgs:ReadResponse"),
            _WRITE_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "getList",
            (_el("baseRef", "platformCore:BaseRef", 1, UNBOUNDED),),
            _ref("platformMsgs:readResponseList", "platformMsgs:ReadResponseList"),
            _WRITE_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "search",
            (_el("searchRecord", "platformCore:SearchRecord", 1),),
            _SEARCH_RESULT,
            _SEARCH_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "searchMoreWithId",
            (_el("searchId", "xsd:string", 1), _el("pageIndex", "xsd:int", 1)),
            _SEARCH_RESULT,
            _SEARCH_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "getDeleted",
            (_el("getDeletedFilter", "platformCore:GetDeletedFilter", 1), _el("pageIndex", "xsd:int", 1)),
            _ref("platformCore:getDeletedResult", "platformCore:GetDeletedResult"),
            _WRITE_HEADERS,
            _STANDARD_FAULTS,
        ),
        OperationInfo(
            "getServerTime",
            (),
            _ref("platformCore:getServerTimeResult", "platformCore:GetServerTimeResult"),
            _PLAIN_HEADERS,
            _SERVER_TIME_FAULTS,
        ),
    ]
}

# header part name -> global element (all in platformMsgs), in the WSDL `headers` message order
HEADER_ELEMENTS: dict[str, str] = {
    "applicationInfo": "platformMsgs:ApplicationInfo",
    "partnerInfo": "platformMsgs:PartnerInfo",
    "documentInfo": "platformMsgs:DocumentInfo",
    "preferences": "platformMsgs:Preferences",
    "searchPreferences": "platformMsgs:SearchPreferences",
    "tokenPassport": "platformCore:TokenPassport",
}


def _request_type_name(op: str) -> str:
    return op[0].upper() + op[1:] + "Request"


def _response_type_name(op: str) -> str:
    return op[0].upper() + op[1:] + "Response"


_MSG_TYPES: list[ComplexType] = [
    ComplexType(
        _M,
        "WriteResponse",
        (_ref("platformCore:status", "platformCore:Status"), _el("baseRef", "platformCore:BaseRef")),
    ),
    ComplexType(
        _M,
        "WriteResponseList",
        (
            _ref("platformCore:status", "platformCore:Status", 0),
            _ref("platformMsgs:writeResponse", "platformMsgs:WriteResponse", 1, UNBOUNDED),
        ),
    ),
    ComplexType(
        _M,
        "ReadResponse",
        (_ref("platformCore:status", "platformCore:Status"), _el("record", "platformCore:Record")),
    ),
    ComplexType(
        _M,
        "ReadResponseList",
        (
            _ref("platformCore:status", "platformCore:Status", 0),
            _ref("platformMsgs:readResponse", "platformMsgs:ReadResponse", 0, UNBOUNDED),
        ),
    ),
    ComplexType(
        _M,
        "Preferences",
        tuple(
            _el(n, "xsd:boolean")
            for n in (
                "warningAsError",
                "disableMandatoryCustomFieldValidation",
                "disableSystemNotesForCustomFields",
                "ignoreReadOnlyFields",
                "runServerSuiteScriptAndTriggerWorkflows",
            )
        ),
    ),
    ComplexType(
        _M,
        "SearchPreferences",
        (
            _el("bodyFieldsOnly", "xsd:boolean", default="true"),
            _el("returnSearchColumns", "xsd:boolean", default="true"),
            _el("pageSize", "xsd:int"),
        ),
    ),
    ComplexType(_M, "ApplicationInfo", (_el("applicationId", "xsd:string", 1),)),
    ComplexType(_M, "PartnerInfo", (_el("partnerId", "xsd:string"),)),
    ComplexType(_M, "DocumentInfo", (_el("nsId", "xsd:string", 1),)),
    *[
        t
        for op in OPERATIONS.values()
        for t in (
            ComplexType(_M, _request_type_name(op.name), op.request),
            ComplexType(_M, _response_type_name(op.name), (op.response,)),
        )
    ],
]

FAULT_TYPES: tuple[str, ...] = (
    "InsufficientPermissionFault",
    "InvalidAccountFault",
    "InvalidCredentialsFault",
    "InvalidSessionFault",
    "ExceededConcurrentRequestLimitFault",
    "ExceededRequestLimitFault",
    "ExceededUsageLimitFault",
    "ExceededRecordCountFault",
    "ExceededRequestSizeFault",
    "InvalidVersionFault",
    "AsyncFault",
    "UnexpectedErrorFault",
)


def fault_element_name(fault_type: str) -> str:
    """Detail element of a fault type: the name with a lower-case first letter."""
    return fault_type[0].lower() + fault_type[1:]


_FAULT_TYPES: list[ComplexType] = [
    ComplexType(
        "platformFaults",
        "SoapFault",
        (_el("code", "platformFaultTyp:FaultCodeType", 1), _el("message", "xsd:string", 1)),
    ),
    *[ComplexType("platformFaults", name, base="platformFaults:SoapFault") for name in FAULT_TYPES],
]

_PLATFORM_GLOBALS: list[GlobalElement] = (
    [
        GlobalElement(_C, name, f"platformCore:{type_}")
        for name, type_ in [
            ("baseRef", "BaseRef"),
            ("deletedRecordList", "DeletedRecordList"),
            ("getDeletedResult", "GetDeletedResult"),
            ("getServerTimeResult", "GetServerTimeResult"),
            ("record", "Record"),
            ("recordList", "RecordList"),
            ("recordRefList", "RecordRefList"),
            ("searchRecord", "SearchRecord"),
            ("searchRecordBasic", "SearchRecordBasic"),
            ("searchResult", "SearchResult"),
            ("searchRowList", "SearchRowList"),
            ("status", "Status"),
        ]
    ]
    + [
        GlobalElement(_M, name, type_)
        for name, type_ in [
            ("writeResponse", "platformMsgs:WriteResponse"),
            ("writeResponseList", "platformMsgs:WriteResponseList"),
            ("readResponse", "platformMsgs:ReadResponse"),
            ("readResponseList", "platformMsgs:ReadResponseList"),
            *[(part, type_) for part, type_ in HEADER_ELEMENTS.items()],
            *[
                pair
                for op in OPERATIONS
                for pair in (
                    (op, f"platformMsgs:{_request_type_name(op)}"),
                    (f"{op}Response", f"platformMsgs:{_response_type_name(op)}"),
                )
            ],
        ]
    ]
    + [
        GlobalElement("platformFaults", fault_element_name(name), f"platformFaults:{name}")
        for name in FAULT_TYPES
    ]
)

# ---------------------------------------------------------------------------------------------
# Record types
# ---------------------------------------------------------------------------------------------

STRING, BOOLEAN, LONG, DOUBLE, DATETIME = "string", "boolean", "long", "double", "dateTime"
REF, LIST_OR_RECORD_REF, RECORD_REF_LIST, DURATION = "ref", "listOrRecordRef", "recordRefList", "duration"
CUSTOM_FIELD_LIST, SUBLIST, ENUM, NULL_FIELD_LIST = "customFieldList", "sublist", "enum", "nullFieldList"

FIELD_KINDS: tuple[str, ...] = (
    STRING, BOOLEAN, LONG, DOUBLE, DATETIME, REF, LIST_OR_RECORD_REF, RECORD_REF_LIST, DURATION,
    CUSTOM_FIELD_LIST, SUBLIST, ENUM, NULL_FIELD_LIST,
)  # fmt: skip

_KIND_XSD_TYPE = {
    STRING: "xsd:string",
    BOOLEAN: "xsd:boolean",
    LONG: "xsd:long",
    DOUBLE: "xsd:double",
    DATETIME: "xsd:dateTime",
    REF: "platformCore:RecordRef",
    LIST_OR_RECORD_REF: "platformCore:ListOrRecordRef",
    RECORD_REF_LIST: "platformCore:RecordRefList",
    DURATION: "platformCore:Duration",
    CUSTOM_FIELD_LIST: "platformCore:CustomFieldList",
    NULL_FIELD_LIST: "platformCore:NullField",
}


@dataclass(frozen=True)
class SublistInfo:
    """A line sublist: wrapper type (with ``replaceAll``), line element name and line type."""

    list_type: str  # "ExpenseReportExpenseList"
    line_element: str  # "expense"
    line_type: str  # "ExpenseReportExpense"
    line_fields: tuple[FieldInfo, ...]

    def line_field(self, name: str) -> FieldInfo | None:
        return next((f for f in self.line_fields if f.name == name), None)


@dataclass(frozen=True)
class FieldInfo:
    """One element of a record (or line) sequence. All are ``[0..1]``, in the record's namespace
    except ``nullFieldList`` (inherited from ``platformCore:Record``, core namespace)."""

    name: str
    kind: str
    enum_type: str | None = None  # qualified EnumType name for kind == "enum"
    sublist: SublistInfo | None = None  # for kind == "sublist"

    @property
    def list_type(self) -> str | None:
        return self.sublist.list_type if self.sublist else None

    @property
    def line_element(self) -> str | None:
        return self.sublist.line_element if self.sublist else None

    @property
    def line_fields(self) -> tuple[FieldInfo, ...]:
        return self.sublist.line_fields if self.sublist else ()

    def xsd_type(self, module_ns_key: str) -> str:
        """Qualified XSD type of this element inside a record of module ``module_ns_key``."""
        if self.kind == ENUM:
            assert self.enum_type
            return self.enum_type
        if self.kind == SUBLIST:
            assert self.sublist
            return f"{module_ns_key}:{self.sublist.list_type}"
        return _KIND_XSD_TYPE[self.kind]


def _fields(
    spec: str, enums: dict[str, str] | None = None, sublists: dict[str, SublistInfo] | None = None
) -> tuple[FieldInfo, ...]:
    """Parse ``"name:kind name:kind ..."`` (schema order) into FieldInfos."""
    enums, sublists = enums or {}, sublists or {}
    out = []
    for token in spec.split():
        name, _, kind = token.partition(":")
        if kind not in FIELD_KINDS:
            raise ValueError(f"bad field kind in {token!r}")
        out.append(FieldInfo(name, kind, enum_type=enums.get(name), sublist=sublists.get(name)))
        if kind == ENUM and name not in enums or kind == SUBLIST and name not in sublists:
            raise ValueError(f"{name}: enum/sublist details missing")
    return tuple(out)


def _sublist(list_type: str, line_element: str, line_type: str, spec: str) -> SublistInfo:
    return SublistInfo(list_type, line_element, line_type, _fields(spec))


NULL_FIELD = FieldInfo("nullFieldList", NULL_FIELD_LIST)


@dataclass(frozen=True)
class RecordTypeInfo:
    """One record type we serve, keyed by its ``RecordType`` enum value.

    ``fields`` is the flattened XSD sequence (``nullFieldList`` first). ``modified_field`` /
    ``created_field`` are the *body* elements the emulator maintains (None when the real record
    has none); ``search_modified_field`` is the SearchBasic date field an incremental sync filters
    on (it differs from the body name for timeBill, and exists for projectTask which has no body
    field). ``required_fields`` is a tuple of groups: an ``add`` must set at least one field of
    every group (else ``MISSING_REQD_FLD``). ``unique_field`` must be unique among live records of
    the type (else ``duplicate_code``).
    """

    record_type: str
    soap_type: str
    ns_key: str
    own_fields: tuple[FieldInfo, ...]
    search_basic_type: str
    search_type: str
    search_ns_key: str
    search_record_type: str
    global_element: str
    modified_field: str | None
    created_field: str | None
    search_modified_field: str | None
    required_fields: tuple[tuple[str, ...], ...] = ()
    unique_field: str | None = None
    duplicate_code: str | None = None
    transaction_type: str | None = None  # TransactionType literal (TransactionSearchBasic.type)
    deletable_tracking: bool = True  # in DeletedRecordType, i.e. getDeleted can report it
    search_aliases: dict[str, str] = dataclasses.field(
        default_factory=dict
    )  # SearchBasic field -> body field

    @property
    def fields(self) -> tuple[FieldInfo, ...]:
        return (NULL_FIELD, *self.own_fields)

    @property
    def is_transaction(self) -> bool:
        """Searched through ``TransactionSearch``/``TransactionSearchBasic`` (type filter)."""
        return self.search_basic_type == "TransactionSearchBasic"

    @property
    def qname(self) -> str:
        return f"{self.ns_key}:{self.soap_type}"

    def field(self, name: str) -> FieldInfo | None:
        return _field_index(self.record_type).get(name)

    def position(self, name: str) -> int:
        """0-based position of a field in the sequence (raises KeyError when unknown)."""
        return [f.name for f in self.fields].index(name)

    @property
    def sublists(self) -> tuple[FieldInfo, ...]:
        return tuple(f for f in self.fields if f.kind == SUBLIST)

    def record_field_for_search(self, search_field: str) -> str | None:
        """The body field a SearchBasic field filters on (None when the body has no such field)."""
        name = self.search_aliases.get(search_field, search_field)
        return name if self.field(name) is not None else None


@cache
def _field_index(record_type: str) -> dict[str, FieldInfo]:
    return {f.name: f for f in RECORD_TYPES[record_type].fields}


_ITEM_LINE = "job:ref item:ref quantity:double description:string rate:string amount:double"

_RECORDS: list[RecordTypeInfo] = [
    RecordTypeInfo(
        "customer",
        "Customer",
        "listRel",
        _fields(
            "entityId:string isPerson:boolean firstName:string lastName:string companyName:string"
            " entityStatus:ref parent:ref phone:string email:string url:string isInactive:boolean"
            " comments:string dateCreated:dateTime subsidiary:ref salesRep:ref terms:ref creditLimit:double"
            " currency:ref startDate:dateTime endDate:dateTime lastModifiedDate:dateTime stage:enum"
            " customFieldList:customFieldList",
            enums={"stage": "listRelTyp:CustomerStage"},
        ),
        "CustomerSearchBasic",
        "CustomerSearch",
        "listRel",
        "customer",
        "Customer",
        modified_field="lastModifiedDate",
        created_field="dateCreated",
        search_modified_field="lastModifiedDate",
        # A company customer needs a name; entityId alone is accepted (auto-numbering off).
        required_fields=(("companyName", "entityId", "lastName"),),
        unique_field="entityId",
        duplicate_code="DUP_ENTITY",
    ),
    RecordTypeInfo(
        "job",
        "Job",
        "listRel",
        _fields(
            "entityId:string altName:string companyName:string entityStatus:ref parent:ref isInactive:boolean"
            " lastModifiedDate:dateTime dateCreated:dateTime comments:string currency:ref startDate:dateTime"
            " endDate:dateTime jobType:ref percentComplete:double estimatedCost:double"
            " estimatedRevenue:double estimatedTime:duration email:string subsidiary:ref jobBillingType:enum"
            " billingSchedule:ref jobItem:ref actualTime:duration allowTime:boolean timeRemaining:duration"
            " limitTimeToAssignees:boolean allowAllResourcesForTasks:boolean jobPrice:double"
            " allowExpenses:boolean projectManager:ref customFieldList:customFieldList",
            enums={"jobBillingType": "listRelTyp:JobBillingType"},
        ),
        "JobSearchBasic",
        "JobSearch",
        "listRel",
        "job",
        "Job",
        modified_field="lastModifiedDate",
        created_field="dateCreated",
        search_modified_field="lastModifiedDate",
        required_fields=(("companyName", "entityId"),),
        unique_field="entityId",
        duplicate_code="DUP_ENTITY",
        search_aliases={"customer": "parent", "status": "entityStatus", "type": "jobType"},
    ),
    RecordTypeInfo(
        "vendor",
        "Vendor",
        "listRel",
        _fields(
            "entityId:string isPerson:boolean companyName:string firstName:string lastName:string"
            " email:string phone:string altEmail:string url:string isInactive:boolean dateCreated:dateTime"
            " lastModifiedDate:dateTime subsidiary:ref currency:ref terms:ref category:ref comments:string"
            " legalName:string accountNumber:string laborCost:double customFieldList:customFieldList"
        ),
        "VendorSearchBasic",
        "VendorSearch",
        "listRel",
        "vendor",
        "Vendor",
        modified_field="lastModifiedDate",
        created_field="dateCreated",
        search_modified_field="lastModifiedDate",
        # as customer: a company vendor needs a name, a person a last name; entityId alone is accepted
        required_fields=(("companyName", "entityId", "lastName"),),
        unique_field="entityId",
        duplicate_code="DUP_ENTITY",
    ),
    RecordTypeInfo(
        "contact",
        "Contact",
        "listRel",
        _fields(
            "entityId:string firstName:string middleName:string lastName:string company:ref title:string"
            " email:string phone:string mobilePhone:string isInactive:boolean isPrivate:boolean"
            " dateCreated:dateTime lastModifiedDate:dateTime subsidiary:ref comments:string"
            " customFieldList:customFieldList"
        ),
        "ContactSearchBasic",
        "ContactSearch",
        "listRel",
        "contact",
        "Contact",
        modified_field="lastModifiedDate",
        created_field="dateCreated",
        search_modified_field="lastModifiedDate",
        # as employee: an entityId, or else both a first and a last name
        required_fields=(("entityId", "firstName"), ("entityId", "lastName")),
        unique_field="entityId",
        duplicate_code="DUP_ENTITY",
    ),
    RecordTypeInfo(
        "employee",
        "Employee",
        "listEmp",
        _fields(
            "entityId:string firstName:string middleName:string lastName:string altName:string phone:string"
            " email:string isInactive:boolean lastModifiedDate:dateTime dateCreated:dateTime initials:string"
            " mobilePhone:string department:ref class:ref location:ref subsidiary:ref currency:ref"
            " supervisor:ref approver:ref timeApprover:ref employeeType:ref isJobResource:boolean"
            " laborCost:double hireDate:dateTime releaseDate:dateTime title:string isJobManager:boolean"
            " targetUtilization:double customFieldList:customFieldList"
        ),
        "EmployeeSearchBasic",
        "EmployeeSearch",
        "listEmp",
        "employee",
        "Employee",
        modified_field="lastModifiedDate",
        created_field="dateCreated",
        search_modified_field="lastModifiedDate",
        required_fields=(("firstName", "entityId"), ("lastName", "entityId")),
        unique_field="entityId",
        duplicate_code="DUP_ENTITY",
    ),
    RecordTypeInfo(
        "projectTask",
        "ProjectTask",
        "actSched",
        _fields(
            "title:string company:ref contact:ref owner:ref parent:ref priority:ref estimatedWork:double"
            " constraintType:enum startDate:dateTime endDate:dateTime actualWork:duration"
            " remainingWork:duration message:string isMilestone:boolean status:enum nonBillableTask:boolean"
            " plannedWork:double customFieldList:customFieldList",
            enums={
                "constraintType": "actSchedTyp:ProjectTaskConstraintType",
                "status": "actSchedTyp:ProjectTaskStatus",
            },
        ),
        "ProjectTaskSearchBasic",
        "ProjectTaskSearch",
        "actSched",
        "projectTask",
        "projectTask",
        modified_field=None,  # no body element; searchable via ProjectTaskSearchBasic.lastModifiedDate
        created_field=None,
        search_modified_field="lastModifiedDate",
        required_fields=(("title",), ("company",)),
    ),
    RecordTypeInfo(
        "supportCase",
        "SupportCase",
        "listSupport",
        _fields(
            "title:string caseNumber:string startDate:dateTime createdDate:dateTime lastModifiedDate:dateTime"
            " company:ref subsidiary:ref contact:ref email:string phone:string item:ref status:ref"
            " isInactive:boolean priority:ref origin:ref category:ref assigned:ref"
            " customFieldList:customFieldList"
        ),
        "SupportCaseSearchBasic",
        "SupportCaseSearch",
        "listSupport",
        "supportCase",
        "SupportCase",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=(("title",), ("company",)),
    ),
    RecordTypeInfo(
        "serviceSaleItem",
        "ServiceSaleItem",
        "listAcct",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime salesDescription:string incomeAccount:ref"
            " isTaxable:boolean itemId:string displayName:string parent:ref isInactive:boolean department:ref"
            " class:ref location:ref subsidiaryList:recordRefList rate:double customFieldList:customFieldList"
        ),
        "ItemSearchBasic",
        "ItemSearch",
        "listAcct",
        "item",
        "ServiceSaleItem",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=(("itemId",),),
        unique_field="itemId",
        duplicate_code="DUP_ITEM",
        search_aliases={"created": "createdDate", "subsidiary": "subsidiaryList", "account": "incomeAccount"},
    ),
    # ItemSearchBasic.type _nonInventoryItem: only the purchase variant is served (see ITEM_TYPES)
    RecordTypeInfo(
        "nonInventoryPurchaseItem",
        "NonInventoryPurchaseItem",
        "listAcct",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime itemId:string displayName:string"
            " purchaseDescription:string cost:double vendorName:string expenseAccount:ref isInactive:boolean"
            " subsidiaryList:recordRefList department:ref class:ref location:ref"
            " customFieldList:customFieldList"
        ),
        "ItemSearchBasic",
        "ItemSearch",
        "listAcct",
        "item",
        "NonInventoryPurchaseItem",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=(("itemId",),),
        unique_field="itemId",
        duplicate_code="DUP_ITEM",
        search_aliases={
            "created": "createdDate",
            "subsidiary": "subsidiaryList",
            "account": "expenseAccount",
        },
    ),
    RecordTypeInfo(
        "otherChargeSaleItem",
        "OtherChargeSaleItem",
        "listAcct",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime itemId:string displayName:string"
            " salesDescription:string rate:double incomeAccount:ref isInactive:boolean"
            " subsidiaryList:recordRefList customFieldList:customFieldList"
        ),
        "ItemSearchBasic",
        "ItemSearch",
        "listAcct",
        "item",
        "OtherChargeSaleItem",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=(("itemId",),),
        unique_field="itemId",
        duplicate_code="DUP_ITEM",
        search_aliases={"created": "createdDate", "subsidiary": "subsidiaryList", "account": "incomeAccount"},
    ),
    RecordTypeInfo(
        "expenseCategory",
        "ExpenseCategory",
        "listAcct",
        _fields(
            "name:string description:string expenseAcct:ref isInactive:boolean rateRequired:boolean"
            " subsidiaryList:recordRefList defaultRate:double customFieldList:customFieldList"
        ),
        "ExpenseCategorySearchBasic",
        "ExpenseCategorySearch",
        "listAcct",
        "expenseCategory",
        "ExpenseCategory",
        modified_field=None,  # no timestamps at all: incremental syncs must full-scan
        created_field=None,
        search_modified_field=None,
        required_fields=(("name",), ("expenseAcct",)),
        deletable_tracking=False,
        search_aliases={"account": "expenseAcct", "subsidiary": "subsidiaryList"},
    ),
]

_TRANSACTION_ALIASES = {"dateCreated": "createdDate"}


def _transaction(
    record_type: str,
    soap_type: str,
    ns_key: str,
    fields: tuple[FieldInfo, ...],
    transaction_type: str,
    required: tuple[tuple[str, ...], ...] = (("entity",),),
    global_element: str | None = None,
    aliases: dict[str, str] | None = None,
) -> RecordTypeInfo:
    return RecordTypeInfo(
        record_type,
        soap_type,
        ns_key,
        fields,
        "TransactionSearchBasic",
        "TransactionSearch",
        "tranSales",  # TransactionSearch is declared in transactions.sales for every transaction
        "transaction",
        global_element or soap_type,
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=required,
        transaction_type=transaction_type,
        search_aliases={**_TRANSACTION_ALIASES, **(aliases or {})},
    )


_RECORDS += [
    _transaction(
        "salesOrder",
        "SalesOrder",
        "tranSales",
        _fields(
            "createdDate:dateTime entity:ref job:ref currency:ref tranDate:dateTime tranId:string"
            " orderStatus:enum startDate:dateTime endDate:dateTime otherRefNum:string memo:string"
            " exchangeRate:double subTotal:double total:double class:ref department:ref subsidiary:ref"
            " lastModifiedDate:dateTime location:ref status:string terms:ref itemList:sublist"
            " customFieldList:customFieldList",
            enums={"orderStatus": "tranSalesTyp:SalesOrderOrderStatus"},
            sublists={
                "itemList": _sublist(
                    "SalesOrderItemList",
                    "item",
                    "SalesOrderItem",
                    f"{_ITEM_LINE} isTaxable:boolean department:ref class:ref location:ref"
                    " customFieldList:customFieldList",
                )
            },
        ),
        "_salesOrder",
    ),
    _transaction(
        "invoice",
        "Invoice",
        "tranSales",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime entity:ref tranDate:dateTime tranId:string"
            " createdFrom:ref postingPeriod:ref department:ref class:ref terms:ref location:ref"
            " subsidiary:ref currency:ref dueDate:dateTime otherRefNum:string memo:string amountPaid:double"
            " amountRemaining:double exchangeRate:double subTotal:double total:double status:string job:ref"
            " itemList:sublist approvalStatus:ref customFieldList:customFieldList",
            sublists={
                "itemList": _sublist(
                    "InvoiceItemList",
                    "item",
                    "InvoiceItem",
                    # InvoiceItem puts amount (#5) before quantity (#10), unlike the other item lines
                    "job:ref item:ref description:string amount:double quantity:double rate:string"
                    " department:ref class:ref location:ref customFieldList:customFieldList",
                )
            },
        ),
        "_invoice",
    ),
    _transaction(
        "creditMemo",
        "CreditMemo",
        "tranCust",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime currency:ref entity:ref tranDate:dateTime"
            " tranId:string createdFrom:ref postingPeriod:ref department:ref class:ref location:ref"
            " subsidiary:ref job:ref memo:string amountRemaining:double unapplied:double applied:double"
            " total:double status:string itemList:sublist customFieldList:customFieldList",
            sublists={
                "itemList": _sublist(
                    "CreditMemoItemList",
                    "item",
                    "CreditMemoItem",
                    f"{_ITEM_LINE} department:ref class:ref location:ref customFieldList:customFieldList",
                )
            },
        ),
        "_creditMemo",
    ),
    _transaction(
        "customerPayment",
        "CustomerPayment",
        "tranCust",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime arAcct:ref customer:ref currency:ref"
            " payment:double autoApply:boolean tranDate:dateTime tranId:string postingPeriod:ref"
            " paymentMethod:ref memo:string checkNum:string exchangeRate:double account:ref total:double"
            " subsidiary:ref applied:double unapplied:double class:ref department:ref location:ref"
            " status:string applyList:sublist customFieldList:customFieldList",
            sublists={
                "applyList": _sublist(
                    "CustomerPaymentApplyList",
                    "apply",
                    "CustomerPaymentApply",
                    "apply:boolean doc:long line:long applyDate:dateTime job:string type:string refNum:string"
                    " total:double due:double currency:string amount:double",
                )
            },
        ),
        "_customerPayment",
        required=(("customer",),),  # the payer is `customer`, not `entity`
        aliases={"entity": "customer"},
    ),
    _transaction(
        "vendorBill",
        "VendorBill",
        "tranPurch",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime account:ref entity:ref subsidiary:ref"
            " approvalStatus:ref postingPeriod:ref tranDate:dateTime exchangeRate:double terms:ref"
            " dueDate:dateTime tranId:string userTotal:double memo:string currency:ref class:ref"
            " department:ref location:ref status:string expenseList:sublist itemList:sublist"
            " purchaseOrderList:recordRefList customFieldList:customFieldList",
            sublists={
                "expenseList": _sublist(
                    "VendorBillExpenseList",
                    "expense",
                    "VendorBillExpense",
                    "line:long category:ref account:ref amount:double memo:string department:ref class:ref"
                    " location:ref customer:ref isBillable:boolean projectTask:ref"
                    " customFieldList:customFieldList",
                ),
                "itemList": _sublist(
                    "VendorBillItemList",
                    "item",
                    "VendorBillItem",
                    "item:ref line:long quantity:double description:string rate:string amount:double"
                    " department:ref class:ref location:ref customer:ref isBillable:boolean"
                    " customFieldList:customFieldList",
                ),
            },
        ),
        "_vendorBill",
    ),
    _transaction(
        "vendorCredit",
        "VendorCredit",
        "tranPurch",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime account:ref applied:double tranId:string"
            " createdFrom:ref entity:ref total:double currency:ref tranDate:dateTime postingPeriod:ref"
            " memo:string department:ref class:ref location:ref subsidiary:ref expenseList:sublist"
            " itemList:sublist customFieldList:customFieldList",
            sublists={
                "expenseList": _sublist(
                    "VendorCreditExpenseList",
                    "expense",
                    "VendorCreditExpense",
                    "line:long category:ref account:ref amount:double memo:string department:ref class:ref"
                    " location:ref customer:ref isBillable:boolean customFieldList:customFieldList",
                ),
                "itemList": _sublist(
                    "VendorCreditItemList",
                    "item",
                    "VendorCreditItem",
                    "item:ref line:long quantity:double description:string rate:string amount:double"
                    " department:ref class:ref location:ref customer:ref isBillable:boolean"
                    " customFieldList:customFieldList",
                ),
            },
        ),
        "_vendorCredit",
        global_element="vendorCredit",
    ),
    _transaction(
        "purchaseOrder",
        "PurchaseOrder",
        "tranPurch",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime entity:ref employee:ref"
            " supervisorApproval:boolean tranDate:dateTime tranId:string createdFrom:ref terms:ref"
            " dueDate:dateTime otherRefNum:string memo:string approvalStatus:ref currency:ref total:double"
            " class:ref department:ref location:ref subsidiary:ref status:string orderStatus:enum"
            " itemList:sublist expenseList:sublist customFieldList:customFieldList",
            enums={"orderStatus": "tranPurchTyp:PurchaseOrderOrderStatus"},
            sublists={
                "itemList": _sublist(
                    "PurchaseOrderItemList",
                    "item",
                    "PurchaseOrderItem",
                    "item:ref line:long quantityReceived:double quantityBilled:double quantity:double"
                    " description:string rate:string amount:double department:ref class:ref location:ref"
                    " customer:ref isBillable:boolean expectedReceiptDate:dateTime isClosed:boolean"
                    " customFieldList:customFieldList",
                ),
                "expenseList": _sublist(
                    "PurchaseOrderExpenseList",
                    "expense",
                    "PurchaseOrderExpense",
                    "line:long category:ref account:ref amount:double memo:string department:ref class:ref"
                    " location:ref customer:ref isClosed:boolean isBillable:boolean"
                    " customFieldList:customFieldList",
                ),
            },
        ),
        "_purchaseOrder",
    ),
    _transaction(
        "purchaseRequisition",
        "PurchaseRequisition",
        "tranPurch",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime estimatedTotal:double status:string currency:ref"
            " entity:ref dueDate:dateTime tranDate:dateTime tranId:string memo:string approvalStatus:ref"
            " subsidiary:ref department:ref class:ref location:ref total:double itemList:sublist"
            " expenseList:sublist customFieldList:customFieldList",
            sublists={
                # requisition lines have their own element names and no customFieldList
                "itemList": _sublist(
                    "PurchaseRequisitionItemList",
                    "purchaseRequisitionItem",
                    "PurchaseRequisitionItem",
                    "line:long item:ref vendorName:string poVendor:ref quantity:double description:string"
                    " estimatedRate:double estimatedAmount:double rate:string amount:double department:ref"
                    " class:ref customer:ref isBillable:boolean expectedReceiptDate:dateTime"
                    " isClosed:boolean",
                ),
                "expenseList": _sublist(
                    "PurchaseRequisitionExpenseList",
                    "purchaseRequisitionExpense",
                    "PurchaseRequisitionExpense",
                    "line:long category:ref location:ref isClosed:boolean account:ref poVendor:ref"
                    " estimatedAmount:double amount:double memo:string department:ref class:ref customer:ref"
                    " isBillable:boolean",
                ),
            },
        ),
        "_requisition",
        global_element="purchaseRequisition",
    ),
    _transaction(
        "expenseReport",
        "ExpenseReport",
        "tranEmp",
        _fields(
            "createdDate:dateTime lastModifiedDate:dateTime status:string account:ref entity:ref"
            " expenseReportCurrency:ref subsidiary:ref tranId:string postingPeriod:ref tranDate:dateTime"
            " dueDate:dateTime approvalStatus:ref total:double advance:double amount:double memo:string"
            " complete:boolean supervisorApproval:boolean accountingApproval:boolean useMultiCurrency:boolean"
            " department:ref class:ref location:ref expenseList:sublist customFieldList:customFieldList",
            sublists={
                "expenseList": _sublist(
                    "ExpenseReportExpenseList",
                    "expense",
                    "ExpenseReportExpense",
                    # rate is xsd:double here (xsd:string on item lines)
                    "line:long expenseDate:dateTime category:ref quantity:double rate:double"
                    " foreignAmount:double currency:ref exchangeRate:double amount:double memo:string"
                    " department:ref class:ref customer:ref location:ref isBillable:boolean"
                    " isNonReimbursable:boolean receipt:boolean refNumber:long"
                    " customFieldList:customFieldList",
                )
            },
        ),
        "_expenseReport",
        required=(("entity",), ("expenseList",)),
        global_element="expenseReport",
        aliases={"employee": "entity"},
    ),
    RecordTypeInfo(
        "timeBill",
        "TimeBill",
        "tranEmp",
        _fields(
            "employee:ref tranDate:dateTime approvalStatus:ref customer:ref caseTaskEvent:ref"
            " isBillable:boolean paidExternally:boolean item:ref department:ref class:ref location:ref"
            " hours:duration price:ref timeType:enum rate:double overrideRate:boolean memo:string"
            " rejectionNote:string subsidiary:ref supervisorApproval:boolean createdDate:dateTime"
            " lastModifiedDate:dateTime timeSheet:ref status:string customFieldList:customFieldList",
            enums={"timeType": "tranEmpTyp:TimeBillTimeType"},
        ),
        "TimeBillSearchBasic",
        "TimeBillSearch",
        "tranEmp",
        "timeBill",
        "TimeBill",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        # TimeBillSearchBasic says lastModified, the body lastModifiedDate
        search_modified_field="lastModified",
        required_fields=(("employee",), ("hours",)),
        deletable_tracking=False,
        search_aliases={"date": "tranDate", "dateCreated": "createdDate", "lastModified": "lastModifiedDate"},
    ),
    _transaction(
        "journalEntry",
        "JournalEntry",
        "tranGeneral",
        _fields(
            "postingPeriod:ref tranDate:dateTime currency:ref exchangeRate:double tranId:string"
            " reversalDate:dateTime reversalDefer:boolean createdFrom:ref department:ref class:ref"
            " location:ref subsidiary:ref memo:string approved:boolean createdDate:dateTime"
            " lastModifiedDate:dateTime lineList:sublist customFieldList:customFieldList",
            sublists={
                "lineList": _sublist(
                    "JournalEntryLineList",
                    "line",
                    "JournalEntryLine",
                    "account:ref line:long debit:double credit:double memo:string entity:ref department:ref"
                    " class:ref location:ref customFieldList:customFieldList",
                )
            },
        ),
        "_journal",
        required=(("lineList",),),
    ),
    RecordTypeInfo(
        "opportunity",
        "Opportunity",
        "tranSales",
        _fields(
            "currency:ref entity:ref job:ref title:string tranId:string entityStatus:ref probability:double"
            " tranDate:dateTime expectedCloseDate:dateTime projectedTotal:double memo:string"
            " closeDate:dateTime createdDate:dateTime lastModifiedDate:dateTime department:ref location:ref"
            " subsidiary:ref status:string itemList:sublist customFieldList:customFieldList",
            sublists={
                "itemList": _sublist(
                    "OpportunityItemList",
                    "item",
                    "OpportunityItem",
                    f"{_ITEM_LINE} customFieldList:customFieldList",
                )
            },
        ),
        "OpportunitySearchBasic",
        "OpportunitySearch",
        "tranSales",
        "opportunity",
        "Opportunity",
        modified_field="lastModifiedDate",
        created_field="createdDate",
        search_modified_field="lastModifiedDate",
        required_fields=(("entity",),),
        # also reachable as TransactionSearch type _opportunity
        transaction_type="_opportunity",
        search_aliases=dict(_TRANSACTION_ALIASES),
    ),
    RecordTypeInfo(
        "customRecord",
        "CustomRecord",
        "setupCustom",
        _fields(
            "customRecordId:string isInactive:boolean parent:ref created:dateTime lastModified:dateTime"
            " name:string altName:string owner:ref recType:ref description:string scriptId:string"
            " customFieldList:customFieldList"
        ),
        "CustomRecordSearchBasic",
        "CustomRecordSearch",
        "setupCustom",
        "customRecord",
        "CustomRecord",
        modified_field="lastModified",
        created_field="created",
        search_modified_field="lastModified",
        required_fields=(("recType",),),
    ),
]

RECORD_TYPES: dict[str, RecordTypeInfo] = {r.record_type: r for r in _RECORDS}


def registry_mismatches() -> list[str]:
    """Where a record type served here disagrees with its declaration in :mod:`include.registry` (the
    integration's one list of NetSuite record types), or is not declared there; empty when they agree."""
    found: list[str] = []
    for r in _RECORDS:
        try:
            declared = netsuite_record_type(r.record_type)
        except UnknownRecordType as exc:
            found.append(str(exc))
            continue
        pairs = {
            "module": (r.ns_key, declared.module),
            "complexType": (r.soap_type, declared.type_name),
            "search wrapper": (r.search_type, declared.search_name),
            "search module": (r.search_ns_key, declared.search_module),
            "SearchBasic": (r.search_basic_type, declared.basic_name),
            "modified field": (r.search_modified_field, declared.modified_field),
            "type filter": ((r.transaction_type,) if r.transaction_type else (), declared.search_type_values)
            if r.is_transaction
            else (None, None),
        }
        found.extend(
            f"{r.record_type}: {what} {ours!r} here, {theirs!r} in the registry"
            for what, (ours, theirs) in pairs.items()
            if ours != theirs
        )
    # ITEM_TYPES maps each ItemSearchBasic.type literal to one record type, but the registry gives
    # several item types one literal (_service, _nonInventoryItem): serve at most one per literal
    sharing: dict[str, list[str]] = {}
    for r in _RECORDS:
        if r.search_basic_type == "ItemSearchBasic":  # declared, or ITEM_TYPES fails at import
            for value in netsuite_record_type(r.record_type).search_type_values:
                sharing.setdefault(value, []).append(r.record_type)
    found.extend(
        f"ItemSearchBasic type {value!r} would return {' and '.join(types)}; serve one of them"
        for value, types in sharing.items()
        if len(types) > 1
    )
    return found


# TransactionType literal -> RecordType value, for the record types we serve
TRANSACTION_TYPES: dict[str, str] = {
    r.transaction_type: r.record_type for r in _RECORDS if r.transaction_type
}

# ItemSearchBasic.type literal -> RecordType value (a ServiceSaleItem is `_service`), from the registry.
# One type per literal: `_nonInventoryItem` is declared by three item types, only nonInventoryPurchaseItem
# is served (registry_mismatches reports a second served type for one literal).
ITEM_TYPES: dict[str, str] = {
    value: r.record_type
    for r in _RECORDS
    if r.search_basic_type == "ItemSearchBasic"
    for value in netsuite_record_type(r.record_type).search_type_values
}


@cache
def record_type_by_soap_type(ns_key: str, soap_type: str) -> RecordTypeInfo | None:
    """The record type whose XSD type is ``{ns_key}:{soap_type}`` (None when not served)."""
    return next((r for r in _RECORDS if r.ns_key == ns_key and r.soap_type == soap_type), None)


# ---------------------------------------------------------------------------------------------
# Search side: SearchBasic types (platformCommon) and XxxSearch wrappers
# ---------------------------------------------------------------------------------------------

SEARCH_FIELD_KINDS: dict[str, str] = {
    # short spec kind -> platformCore type
    "date": "SearchDateField",
    "string": "SearchStringField",
    "multi": "SearchMultiSelectField",
    "enumMulti": "SearchEnumMultiSelectField",
    "bool": "SearchBooleanField",
    "long": "SearchLongField",
    "double": "SearchDoubleField",
    "custom": "SearchCustomFieldList",
    "recordRef": "RecordRef",
}


@dataclass(frozen=True)
class SearchFieldInfo:
    """One element of a SearchBasic (platformCommon namespace); ``kind`` is the platformCore type."""

    name: str
    kind: str
    required: bool = False


@dataclass(frozen=True)
class SearchBasicInfo:
    name: str  # "CustomerSearchBasic"
    fields: tuple[SearchFieldInfo, ...]

    def field(self, name: str) -> SearchFieldInfo | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class SearchWrapperInfo:
    """``XxxSearch`` (extends core:SearchRecord): only its ``basic`` element is modelled (no joins)."""

    name: str  # "CustomerSearch"
    ns_key: str
    basic_type: str
    global_element: str


def _search_basic(name: str, spec: str) -> SearchBasicInfo:
    out = []
    for token in spec.split():
        fname, _, kind = token.partition(":")
        required = kind.endswith("!")
        out.append(SearchFieldInfo(fname, SEARCH_FIELD_KINDS[kind.rstrip("!")], required))
    return SearchBasicInfo(name, tuple(out))


# Selected fields in the real (case-insensitive alphabetical) order, customFieldList last.
SEARCH_BASICS: dict[str, SearchBasicInfo] = {
    b.name: b
    for b in [
        _search_basic(
            "CustomerSearchBasic",
            "companyName:string dateCreated:date email:string entityId:string externalId:multi"
            " externalIdString:string firstName:string internalId:multi internalIdNumber:long isInactive:bool"
            " isPerson:bool lastModifiedDate:date lastName:string parent:multi stage:enumMulti"
            " subsidiary:multi title:string customFieldList:custom",
        ),
        _search_basic(
            "JobSearchBasic",
            "customer:multi dateCreated:date email:string entityId:string externalId:multi"
            " externalIdString:string internalId:multi internalIdNumber:long isInactive:bool"
            " lastModifiedDate:date parent:multi status:multi subsidiary:multi type:multi"
            " customFieldList:custom",
        ),
        _search_basic(
            "VendorSearchBasic",
            "category:multi companyName:string dateCreated:date email:string entityId:string"
            " externalId:multi externalIdString:string firstName:string internalId:multi"
            " internalIdNumber:long isInactive:bool isPerson:bool lastModifiedDate:date lastName:string"
            " phone:string subsidiary:multi customFieldList:custom",
        ),
        _search_basic(
            "ContactSearchBasic",
            "company:multi dateCreated:date email:string entityId:string externalId:multi"
            " externalIdString:string firstName:string internalId:multi internalIdNumber:long"
            " isInactive:bool isPrivate:bool lastModifiedDate:date lastName:string middleName:string"
            " mobilePhone:string phone:string subsidiary:multi title:string customFieldList:custom",
        ),
        _search_basic(
            "EmployeeSearchBasic",
            "dateCreated:date email:string entityId:string externalId:multi externalIdString:string"
            " firstName:string internalId:multi internalIdNumber:long isInactive:bool lastModifiedDate:date"
            " lastName:string subsidiary:multi title:string customFieldList:custom",
        ),
        _search_basic(
            "ProjectTaskSearchBasic",
            "company:multi createdDate:date externalId:multi externalIdString:string id:long internalId:multi"
            " internalIdNumber:long lastModifiedDate:date parent:multi status:enumMulti title:string"
            " customFieldList:custom",
        ),
        _search_basic(
            "SupportCaseSearchBasic",
            "caseNumber:string company:string createdDate:date email:string externalId:multi"
            " externalIdString:string internalId:multi internalIdNumber:long isInactive:bool"
            " lastModifiedDate:date number:long stage:enumMulti status:multi subsidiary:multi title:string"
            " customFieldList:custom",
        ),
        _search_basic(
            "ItemSearchBasic",
            "account:multi created:date externalId:multi externalIdString:string internalId:multi"
            " internalIdNumber:long isInactive:bool itemId:string lastModifiedDate:date parent:multi"
            " subsidiary:multi type:enumMulti customFieldList:custom",
        ),
        _search_basic(
            "ExpenseCategorySearchBasic",
            "account:multi externalId:multi externalIdString:string internalId:multi internalIdNumber:long"
            " isInactive:bool name:string subsidiary:multi customFieldList:custom",
        ),
        _search_basic(
            "TransactionSearchBasic",
            "account:multi createdFrom:multi dateCreated:date email:string employee:multi entity:multi"
            " externalId:multi externalIdString:string internalId:multi internalIdNumber:long"
            " lastModifiedDate:date mainLine:bool number:long parent:long recordType:string status:enumMulti"
            " subsidiary:multi title:string tranDate:date tranId:string transactionNumber:string"
            " type:enumMulti customFieldList:custom",
        ),
        _search_basic(
            "TimeBillSearchBasic",
            "customer:multi date:date dateCreated:date employee:multi externalId:multi"
            " externalIdString:string internalId:multi internalIdNumber:long lastModified:date status:bool"
            " subsidiary:multi timeModified:bool type:enumMulti customFieldList:custom",
        ),
        _search_basic(
            "CustomRecordSearchBasic",
            # recType comes first and is the only [1..1] field of any SearchBasic
            "recType:recordRef! created:date externalId:multi externalIdString:string id:long"
            " internalId:multi internalIdNumber:long isInactive:bool lastModified:date lastModifiedBy:multi"
            " name:string parent:multi customFieldList:custom",
        ),
        _search_basic(
            "OpportunitySearchBasic",
            "dateCreated:date entity:multi externalId:multi externalIdString:string internalId:multi"
            " internalIdNumber:long lastModifiedDate:date number:long status:enumMulti subsidiary:multi"
            " title:string tranDate:date tranId:string customFieldList:custom",
        ),
    ]
}

SEARCH_WRAPPERS: dict[str, SearchWrapperInfo] = {
    w.name: w
    for w in [
        SearchWrapperInfo("CustomerSearch", "listRel", "CustomerSearchBasic", "customerSearch"),
        SearchWrapperInfo("JobSearch", "listRel", "JobSearchBasic", "jobSearch"),
        SearchWrapperInfo("VendorSearch", "listRel", "VendorSearchBasic", "vendorSearch"),
        SearchWrapperInfo("ContactSearch", "listRel", "ContactSearchBasic", "contactSearch"),
        SearchWrapperInfo("EmployeeSearch", "listEmp", "EmployeeSearchBasic", "employeeSearch"),
        SearchWrapperInfo("ProjectTaskSearch", "actSched", "ProjectTaskSearchBasic", "projectTaskSearch"),
        SearchWrapperInfo("SupportCaseSearch", "listSupport", "SupportCaseSearchBasic", "supportCaseSearch"),
        SearchWrapperInfo("ItemSearch", "listAcct", "ItemSearchBasic", "itemSearch"),
        SearchWrapperInfo(
            "ExpenseCategorySearch", "listAcct", "ExpenseCategorySearchBasic", "expenseCategorySearch"
        ),
        SearchWrapperInfo("TransactionSearch", "tranSales", "TransactionSearchBasic", "transactionSearch"),
        SearchWrapperInfo("TimeBillSearch", "tranEmp", "TimeBillSearchBasic", "timeBillSearch"),
        SearchWrapperInfo(
            "CustomRecordSearch", "setupCustom", "CustomRecordSearchBasic", "customRecordSearch"
        ),
        SearchWrapperInfo("OpportunitySearch", "tranSales", "OpportunitySearchBasic", "opportunitySearch"),
    ]
}

# SearchBasic type -> the search record kind it answers (SearchRecordType value)
SEARCH_RECORD_TYPES: dict[str, str] = {
    "CustomerSearchBasic": "customer",
    "JobSearchBasic": "job",
    "VendorSearchBasic": "vendor",
    "ContactSearchBasic": "contact",
    "EmployeeSearchBasic": "employee",
    "ProjectTaskSearchBasic": "projectTask",
    "SupportCaseSearchBasic": "supportCase",
    "ItemSearchBasic": "item",
    "ExpenseCategorySearchBasic": "expenseCategory",
    "TransactionSearchBasic": "transaction",
    "TimeBillSearchBasic": "timeBill",
    "CustomRecordSearchBasic": "customRecord",
    "OpportunitySearchBasic": "opportunity",
}


def record_types_for_search(basic_type: str) -> list[str]:
    """RecordType values a SearchBasic can return (before any ``type`` filter)."""
    return [r.record_type for r in _RECORDS if r.search_basic_type == basic_type]


# ---------------------------------------------------------------------------------------------
# The whole model as schema components, for the XSD generator
# ---------------------------------------------------------------------------------------------


def _record_complex_types(info: RecordTypeInfo) -> list[ComplexType]:
    types = [
        ComplexType(
            info.ns_key,
            info.soap_type,
            tuple(_el(f.name, f.xsd_type(info.ns_key)) for f in info.own_fields),
            _attrs("internalId", "externalId"),
            base="platformCore:Record",
        )
    ]
    for sub in info.sublists:
        assert sub.sublist
        types.append(
            ComplexType(
                info.ns_key,
                sub.sublist.list_type,
                (_el(sub.sublist.line_element, f"{info.ns_key}:{sub.sublist.line_type}", 0, UNBOUNDED),),
                (Attribute("replaceAll", "xsd:boolean", default="true"),),
            )
        )
        types.append(
            ComplexType(
                info.ns_key,
                sub.sublist.line_type,
                tuple(_el(f.name, f.xsd_type(info.ns_key)) for f in sub.sublist.line_fields),
            )
        )
    return types


@dataclass(frozen=True)
class SchemaModel:
    """Every component of the served subset, grouped for rendering."""

    complex_types: tuple[ComplexType, ...]
    enums: tuple[EnumType, ...]
    elements: tuple[GlobalElement, ...]

    def namespace_keys(self) -> list[str]:
        """Prefix keys that own at least one component, in NAMESPACES order."""
        used = {c.ns_key for c in (*self.complex_types, *self.enums, *self.elements)}
        return [k for k in NAMESPACES if k in used]


@cache
def schema_model() -> SchemaModel:
    """The complete served subset (version-independent; see :func:`ns` for URIs)."""
    complex_types: list[ComplexType] = [*_CORE_TYPES, *_MSG_TYPES, *_FAULT_TYPES]
    elements: list[GlobalElement] = list(_PLATFORM_GLOBALS)
    seen: set[str] = set()
    for info in _RECORDS:
        for ct in _record_complex_types(info):
            if ct.qname not in seen:  # a module may declare a line type once for several records
                seen.add(ct.qname)
                complex_types.append(ct)
        elements.append(GlobalElement(info.ns_key, info.global_element, info.qname))
    for basic in SEARCH_BASICS.values():
        complex_types.append(
            ComplexType(
                "platformCommon",
                basic.name,
                tuple(_el(f.name, f"platformCore:{f.kind}", 1 if f.required else 0) for f in basic.fields),
                base="platformCore:SearchRecordBasic",
            )
        )
    for wrapper in SEARCH_WRAPPERS.values():
        complex_types.append(
            ComplexType(
                wrapper.ns_key,
                wrapper.name,
                (_el("basic", f"platformCommon:{wrapper.basic_type}"),),
                base="platformCore:SearchRecord",
            )
        )
        elements.append(
            GlobalElement(wrapper.ns_key, wrapper.global_element, f"{wrapper.ns_key}:{wrapper.name}")
        )
    return SchemaModel(tuple(complex_types), tuple(_ENUM_LIST), tuple(elements))


@cache
def complex_type(qualified: str) -> ComplexType | None:
    """Look a complexType up by qualified name (``"platformCore:Status"``)."""
    return next((c for c in schema_model().complex_types if c.qname == qualified), None)


def flattened_elements(qualified: str) -> list[tuple[str, Element]]:
    """The full element sequence of a complexType (base first) as ``(ns_key, element)`` pairs,
    where ``ns_key`` is the namespace the element is qualified with on the wire."""
    ct = complex_type(qualified)
    if ct is None:
        raise KeyError(qualified)
    inherited = flattened_elements(ct.base) if ct.base else []
    own = [((split_qname(e.ref)[0] if e.ref else ct.ns_key), e) for e in ct.elements]
    return inherited + own
