"""The registry: every entity the integration links, and each system's record types, declared once.

An **entity** is one kind of linked record (``customer``, ``employee``, ``time_entry``, ...): a pair of
record types, one per system, whose records the cross-reference pairs by id. Its declaration says
everything the rest of the integration needs to know about it: the NetSuite record type and the SPP
object type, the SPP field that holds the NetSuite internalId, the default external id written per
direction, the workflow that links it per direction, the entities it refers to (link those first), and
the natural keys a first-time match may compare (a customer's name, an employee's e-mail).

A **record type** is declared once per system: :data:`RECORD_TYPES` for NetSuite (the RecordType value,
where SuiteTalk declares it and how to search it; the SOAP client uses it) and :data:`SPP_OBJECT_TYPES`
for SuiteProjects Pro (the object tag with its id, name, updated and NetSuite-ID fields).

Lookups (:func:`entity`, :func:`netsuite_record_type`, :func:`spp_object_type`, :func:`record_type`)
raise :class:`UnknownEntity` / :class:`UnknownRecordType` naming the close matches. This module is the
lowest layer of the library: it imports nothing of the project, so the protocol clients, the mapping
loader and the local services can all read it.

Adding an entity: declare its record types below if they are new, then one :class:`Entity` in
:data:`ENTITIES`. The mapping loader then accepts it; the local services learn what else they must.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

System = Literal["netsuite", "spp"]
Direction = Literal["import", "export"]
SYSTEMS: tuple[System, ...] = ("netsuite", "spp")
DIRECTIONS: tuple[Direction, ...] = ("import", "export")

NETSUITE_ID = "internalId"  # the id field of a NetSuite record
NETSUITE_EXTERNAL_ID = "externalId"
SPP_ID = "id"  # the id field of an SPP object
SPP_EXTERNAL_ID = "externalid"
SPP_UPDATED = "updated"

# The NetSuite checkbox "Export to SuiteProjects Pro" (SuiteBundle custom field) on customers, projects
# and employees; the connector's default import filter (connector-semantics.md §5.4).
EXPORT_FLAG_FIELD = "custentity_oa_export_to_openair"

# A "NetSuite ID" value meaning "export started, outcome unknown" (connector autorecovery); never an id.
CLAIMED_SENTINEL = "-1"


# --- errors --------------------------------------------------------------------------------------------


class UnknownName(KeyError, ValueError):
    """A name the registry does not declare; a KeyError and a ValueError, so either ``except`` works.

    ``kind`` says what was looked up ("entity", "NetSuite record type", "SPP object type"), ``suggestions``
    are the close matches (difflib), ``known`` every declared name.
    """

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(sorted(known))
        self.suggestions = tuple(difflib.get_close_matches(name, self.known, n=3))
        super().__init__(name)

    @property
    def message(self) -> str:
        """``unknown entity 'custmer' (did you mean 'customer'?)``, or the known names without a close one."""
        text = f"unknown {self.kind} {self.name!r}"
        if self.suggestions:
            return text + f" (did you mean {' or '.join(repr(s) for s in self.suggestions)}?)"
        return text + f"; known: {', '.join(self.known)}"

    def __str__(self) -> str:  # KeyError would show the repr of the name only
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (e.g. across task processes) despite __init__
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[UnknownName], state: dict[str, Any]) -> UnknownName:
    error = cls.__new__(cls)
    KeyError.__init__(error, state["name"])
    error.__dict__.update(state)
    return error


class UnknownEntity(UnknownName):
    """An entity name the registry does not declare."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__("entity", name, known)


class UnknownRecordType(UnknownName):
    """A record type (NetSuite RecordType value or SPP object tag) the registry does not declare."""

    def __init__(self, system: str, name: str, known: Iterable[str]) -> None:
        self.system = system
        what = "NetSuite record type" if system == "netsuite" else "SPP object type"
        super().__init__(what, name, known)


# --- NetSuite record types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordTypeInfo:
    """One NetSuite RecordType value: its complexType, how to search it, and how its records are named.

    ``module``/``search_module`` are schema module keys as in Oracle's prefixes (``listRel``, ``tranSales``;
    ``include.netsuite.record_types.namespace`` turns them into URNs per WSDL version).
    """

    record_type: str  # RecordType enum value, e.g. "customer"
    module: str  # schema module key of the record type
    type_name: str  # complexType name, e.g. "Customer"
    search_module: str  # module of the search wrapper (TransactionSearch lives in tranSales)
    search_name: str  # wrapper type, e.g. "CustomerSearch"
    basic_name: str  # platformCommon SearchBasic type
    modified_field: str | None  # date field of the SearchBasic for incremental reads (None: full scan)
    search_type_values: tuple[str, ...] = ()  # default ``type anyOf`` filter (transactions, items)
    name_field: str = "name"  # the body field that names a record (logs, errors)
    export_flag: bool = False  # has isInactive and the "Export to SuiteProjects Pro" checkbox
    # Text body fields a natural-key match may compare (the basic search returns them); None = not
    # declared, any field accepted. Custom fields (custentity_...) are always accepted.
    key_fields: tuple[str, ...] | None = None

    system: System = "netsuite"

    @property
    def name(self) -> str:
        """The RecordType value (what mappings write as ``type``)."""
        return self.record_type

    @property
    def id_field(self) -> str:
        """``internalId``."""
        return NETSUITE_ID

    @property
    def external_id_field(self) -> str:
        """``externalId``."""
        return NETSUITE_EXTERNAL_ID


def _entity(
    rt: str,
    module: str,
    name: str,
    *,
    name_field: str = "entityId",
    export_flag: bool = False,
    key_fields: tuple[str, ...] | None = None,
) -> RecordTypeInfo:
    return RecordTypeInfo(
        rt,
        module,
        name,
        module,
        f"{name}Search",
        f"{name}SearchBasic",
        "lastModifiedDate",
        name_field=name_field,
        export_flag=export_flag,
        key_fields=key_fields,
    )


def _transaction(
    rt: str, module: str, name: str, tran_type: str, key_fields: tuple[str, ...] | None = None
) -> RecordTypeInfo:
    return RecordTypeInfo(
        rt,
        module,
        name,
        "tranSales",
        "TransactionSearch",
        "TransactionSearchBasic",
        "lastModifiedDate",
        (tran_type,),
        name_field="tranId",
        key_fields=key_fields,
    )


def _item(rt: str, name: str, item_type: str, key_fields: tuple[str, ...] | None = None) -> RecordTypeInfo:
    return RecordTypeInfo(
        rt,
        "listAcct",
        name,
        "listAcct",
        "ItemSearch",
        "ItemSearchBasic",
        "lastModifiedDate",
        (item_type,),
        name_field="itemId",
        key_fields=key_fields,
    )


# Text body fields from the SuiteTalk schema (netsuite-schema-facts.md §3), where a workflow may match.
_CUSTOMER_KEYS = ("entityId", "altName", "companyName", "firstName", "lastName", "email", "phone", "url")
_JOB_KEYS = ("entityId", "altName", "companyName", "email", "phone", "accountNumber")
_EMPLOYEE_KEYS = ("entityId", "altName", "firstName", "lastName", "email", "initials", "phone", "title")

RECORD_TYPES: Mapping[str, RecordTypeInfo] = MappingProxyType(
    {
        info.record_type: info
        for info in (
            _entity(
                "customer",
                "listRel",
                "Customer",
                name_field="companyName",
                export_flag=True,
                key_fields=_CUSTOMER_KEYS,
            ),
            _entity(
                "job", "listRel", "Job", name_field="companyName", export_flag=True, key_fields=_JOB_KEYS
            ),
            _entity("vendor", "listRel", "Vendor"),
            _entity("contact", "listRel", "Contact"),
            _entity("employee", "listEmp", "Employee", export_flag=True, key_fields=_EMPLOYEE_KEYS),
            _entity("projectTask", "actSched", "ProjectTask", name_field="title", key_fields=("title",)),
            _entity("supportCase", "listSupport", "SupportCase", name_field="title"),
            _entity("subsidiary", "listAcct", "Subsidiary", name_field="name"),
            _entity("department", "listAcct", "Department", name_field="name"),
            _entity("classification", "listAcct", "Classification", name_field="name"),
            _entity("location", "listAcct", "Location", name_field="name"),
            _entity("account", "listAcct", "Account", name_field="acctName"),
            RecordTypeInfo(
                "expenseCategory",
                "listAcct",
                "ExpenseCategory",
                "listAcct",
                "ExpenseCategorySearch",
                "ExpenseCategorySearchBasic",
                None,  # ExpenseCategorySearchBasic has no date field: every read is a full scan
                key_fields=("name",),
            ),
            _item("serviceSaleItem", "ServiceSaleItem", "_service", ("itemId", "displayName", "upcCode")),
            _item("serviceResaleItem", "ServiceResaleItem", "_service"),
            _item("servicePurchaseItem", "ServicePurchaseItem", "_service"),
            _item("nonInventorySaleItem", "NonInventorySaleItem", "_nonInventoryItem"),
            _item("nonInventoryResaleItem", "NonInventoryResaleItem", "_nonInventoryItem"),
            _item("nonInventoryPurchaseItem", "NonInventoryPurchaseItem", "_nonInventoryItem"),
            _item("otherChargeSaleItem", "OtherChargeSaleItem", "_otherCharge"),
            _transaction("salesOrder", "tranSales", "SalesOrder", "_salesOrder"),
            _transaction("invoice", "tranSales", "Invoice", "_invoice", ("tranId", "otherRefNum", "memo")),
            _transaction("creditMemo", "tranCust", "CreditMemo", "_creditMemo"),
            _transaction("customerPayment", "tranCust", "CustomerPayment", "_customerPayment"),
            _transaction("vendorBill", "tranPurch", "VendorBill", "_vendorBill"),
            _transaction("vendorCredit", "tranPurch", "VendorCredit", "_vendorCredit"),
            _transaction("purchaseOrder", "tranPurch", "PurchaseOrder", "_purchaseOrder"),
            _transaction("purchaseRequisition", "tranPurch", "PurchaseRequisition", "_requisition"),
            _transaction("expenseReport", "tranEmp", "ExpenseReport", "_expenseReport", ("tranId", "memo")),
            _transaction("journalEntry", "tranGeneral", "JournalEntry", "_journal"),
            RecordTypeInfo(
                "opportunity",
                "tranSales",
                "Opportunity",
                "tranSales",
                "OpportunitySearch",
                "OpportunitySearchBasic",
                "lastModifiedDate",
                name_field="tranId",
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
                name_field="tranDate",
                key_fields=("memo",),
            ),
            RecordTypeInfo(
                "customRecord",
                "setupCustom",
                "CustomRecord",
                "setupCustom",
                "CustomRecordSearch",
                "CustomRecordSearchBasic",
                "lastModified",
                key_fields=("name", "altName", "customRecordId"),
            ),
        )
    }
)


# --- SuiteProjects Pro object types --------------------------------------------------------------------


@dataclass(frozen=True)
class SppObjectType:
    """One SPP object tag (case-sensitive): its id, name and updated fields and its "NetSuite ID" field.

    ``netsuite_id_field`` is the custom field the connector keeps the paired NetSuite internalId in
    (suiteprojects-xml-api.md §10: partly assumed names, hence overridable per workflow).
    """

    name: str  # object tag, e.g. "Customer"
    name_field: str = "name"  # the field that names an object (logs, errors)
    netsuite_id_field: str | None = None
    updated_field: str = SPP_UPDATED  # what ``newer-than`` filters on
    # Fields a natural-key match may compare; None = not declared, any field accepted (Read "equal to"
    # filters on any stored field).
    key_fields: tuple[str, ...] | None = None

    system: System = "spp"

    @property
    def record_type(self) -> str:
        """The object tag (what mappings write as ``type``)."""
        return self.name

    @property
    def id_field(self) -> str:
        """``id``."""
        return SPP_ID

    @property
    def external_id_field(self) -> str:
        """``externalid``."""
        return SPP_EXTERNAL_ID


def _spp(name: str, netsuite_id_field: str | None = None, name_field: str = "name") -> SppObjectType:
    return SppObjectType(name, name_field=name_field, netsuite_id_field=netsuite_id_field)


# suiteprojects-xml-api.md §9 (object names, key fields, NetSuite pairing) and §10 (NetSuite ID fields).
SPP_OBJECT_TYPES: Mapping[str, SppObjectType] = MappingProxyType(
    {
        t.name: t
        for t in (
            _spp("Customer", "netsuite_customer_id__c", name_field="company"),
            _spp("User", "netsuite_user_id__c", name_field="nickname"),
            _spp("Project", "netsuite_project_id__c"),
            _spp("Projecttask", "netsuite_projecttask_id__c"),
            _spp("Projecttaskassign"),
            _spp("Timesheet", "netsuite_timesheet_id__c"),
            _spp("Task", "netsuite_timebill_id__c", name_field="date"),  # a time entry
            _spp("Envelope", "netsuite_expense_report_id__c"),  # an expense report
            _spp("Ticket", name_field="date"),  # a receipt: a line of an envelope
            _spp("Invoice", "netsuite_invoice_id__c", name_field="number"),
            _spp("Slip", name_field="date"),  # a charge
            _spp("Payment", "netsuite_payment_id__c"),
            _spp("Revenue_recognition_transaction", "netsuite_revenue_recognition_transaction_id"),
            _spp("Revenue_recognition_rule", "netsuite_sales_order_id__c"),  # from a sales order
            _spp("Purchaserequest", "netsuite_purchase_request_id__c"),
            _spp("Purchase_item"),
            _spp("Category", "netsuite_service_id__c"),  # a service
            _spp("Item", "netsuite_expense_item_id__c"),  # an expense item
            _spp("Product", "netsuite_product_id__c"),  # a purchase item
            _spp("Costcenter", "netsuite_cost_center_id__c"),
            _spp("Customerpo", "netsuite_sales_order_id__c", name_field="number"),
            _spp("Ratecard", "netsuite_rate_card_id__c"),
            _spp("Contact", "netsuite_contact_id__c"),
            _spp("Vendor", "netsuite_vendor_id__c"),
            _spp("Projectassign"),  # project team membership
            _spp("ImportExport", name_field="type"),  # marks objects exported/imported by an application
        )
    }
)


# --- entities ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NaturalKey:
    """A pair of fields holding the same business value in both systems, e.g. a customer's name.

    Usable for first-time matching in ``directions`` (a key is export-capable only where NetSuite returns
    the field in a basic search).
    """

    netsuite: str  # NetSuite field path, e.g. "companyName"
    spp: str  # SPP field path, e.g. "company" or "addr.email"
    directions: tuple[Direction, ...] = DIRECTIONS

    def target(self, direction: Direction) -> str:
        """The field looked up in the target system (SPP for imports, NetSuite for exports)."""
        return self.spp if direction == "import" else self.netsuite

    def source(self, direction: Direction) -> str:
        """The field read from the source record."""
        return self.netsuite if direction == "import" else self.spp


@dataclass(frozen=True)
class Entity:
    """One kind of linked record: a NetSuite record type paired with an SPP object type."""

    name: str  # cross-reference entity, e.g. "customer"
    netsuite_type: str  # NetSuite RecordType value, e.g. "customer"
    spp_type: str  # SPP object tag, e.g. "Customer"
    import_workflow: str  # the workflow that links it NetSuite -> SPP (named in "run X first")
    export_workflow: str  # the workflow that links it SPP -> NetSuite
    depends_on: tuple[str, ...] = ()  # entities its records refer to: link those first
    natural_keys: tuple[NaturalKey, ...] = ()  # for first-time matching, most reliable first
    import_external_id: str = "{internalId}"  # SPP externalid written by imports
    export_external_id: str | None = None  # NetSuite externalId of exports; None = spp-<spp type>-{id}
    description: str = ""
    # NetSuite customRecord entities: the custom record type (scriptId, in CUSTOM_RECORD_TYPES)
    custom_record_type: str | None = None
    # its own "NetSuite ID" field, where its SPP type's holds another entity's (support cases as tasks)
    own_netsuite_id_field: str | None = None
    # its SPP records are another entity's export too (a project is a job and a WBS opportunity): SPP's
    # exported mark (ImportExport, one per object) belongs to that one, so this export sets none
    shares_source_records: bool = False

    @property
    def netsuite(self) -> RecordTypeInfo:
        """The NetSuite record type."""
        return netsuite_record_type(self.netsuite_type)

    @property
    def spp(self) -> SppObjectType:
        """The SPP object type."""
        return spp_object_type(self.spp_type)

    @property
    def netsuite_id_field(self) -> str:
        """The SPP field holding the NetSuite internalId (the SPP object type's "NetSuite ID" field)."""
        field = self.own_netsuite_id_field or self.spp.netsuite_id_field
        if field is None:  # registry self-check: every entity's SPP type has one
            raise ValueError(f"entity {self.name!r}: SPP {self.spp_type} declares no NetSuite ID field")
        return field

    def record_type(self, system: System) -> str:
        """The entity's record type in ``system``."""
        return self.netsuite_type if system == "netsuite" else self.spp_type

    def id_field(self, system: System) -> str:
        """``internalId`` (NetSuite) or ``id`` (SPP)."""
        return id_field(system)

    def name_field(self, system: System) -> str:
        """The field naming a record of the entity in ``system``."""
        return self.netsuite.name_field if system == "netsuite" else self.spp.name_field

    def external_id(self, direction: Direction) -> str:
        """The default template of the external id a workflow of ``direction`` writes to the target.

        Imports write SPP ``externalid`` = the NetSuite internalId; exports write NetSuite ``externalId``
        ``spp-<spp type>-{id}`` (e.g. ``spp-task-{id}``), which makes ``upsert`` idempotent.
        """
        if direction == "import":
            return self.import_external_id
        return self.export_external_id or f"spp-{self.spp_type.lower()}-{{{SPP_ID}}}"

    def linking_workflow(self, direction: Direction) -> str:
        """The workflow that links records of the entity in ``direction``."""
        return self.import_workflow if direction == "import" else self.export_workflow

    def natural_keys_for(self, direction: Direction) -> tuple[NaturalKey, ...]:
        """The natural keys usable for first-time matching in ``direction``."""
        return tuple(k for k in self.natural_keys if direction in k.directions)


ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {
        e.name: e
        for e in (
            Entity(
                "employee",
                "employee",
                "User",
                import_workflow="employees_import",  # NetSuite masters employees
                export_workflow="employees_import",
                natural_keys=(NaturalKey("email", "addr.email"), NaturalKey("entityId", "nickname")),
                description="NetSuite employee <-> SPP user",
            ),
            Entity(
                "customer",
                "customer",
                "Customer",
                import_workflow="customers_import",
                export_workflow="customers_export",
                natural_keys=(NaturalKey("companyName", "company"),),
                description="NetSuite customer <-> SPP customer",
            ),
            Entity(
                "project",
                "job",
                "Project",
                import_workflow="projects_import",
                export_workflow="projects_export",
                depends_on=("customer", "employee"),
                natural_keys=(NaturalKey("companyName", "name"),),
                description="NetSuite project (job) <-> SPP project",
            ),
            Entity(
                "project_task",
                "projectTask",
                "Projecttask",
                import_workflow="project_tasks_import",
                export_workflow="project_tasks_import",
                depends_on=("project",),
                description="NetSuite project task <-> SPP project task (names repeat across projects)",
            ),
            Entity(
                "time_entry",
                "timeBill",
                "Task",
                import_workflow="time_entries_export",  # SPP masters time
                export_workflow="time_entries_export",
                depends_on=("employee", "project", "project_task", "service"),
                description="SPP time entry (Task) -> NetSuite time bill",
            ),
            Entity(
                "expense_report",
                "expenseReport",
                "Envelope",
                import_workflow="reimbursements_import",  # marks exported envelopes reimbursed
                export_workflow="expense_reports_export",
                depends_on=("employee", "expense_item", "project"),
                description="SPP expense report (Envelope, Ticket lines) -> NetSuite expense report",
            ),
            Entity(
                "service",
                "serviceSaleItem",
                "Category",
                import_workflow="services_import",
                export_workflow="services_import",
                natural_keys=(NaturalKey("itemId", "code"),),
                description="NetSuite service item -> SPP service (Category)",
            ),
            Entity(
                "expense_item",
                "expenseCategory",
                "Item",
                import_workflow="expense_items_import",
                export_workflow="expense_items_import",
                natural_keys=(NaturalKey("name", "name"),),
                description="NetSuite expense category -> SPP expense item (Item)",
            ),
            Entity(
                "invoice",
                "invoice",
                "Invoice",
                import_workflow="invoices_export",
                export_workflow="invoices_export",
                depends_on=("customer", "project"),
                description="SPP invoice -> NetSuite invoice",
            ),
            Entity(
                "credit_memo",
                "creditMemo",
                "Invoice",
                import_workflow="credit_memos_import",  # credit memos raised in NetSuite
                export_workflow="credit_memos_export",
                depends_on=("customer", "project"),
                # SPP invoices hold NetSuite invoices too: a credit memo's externalid must never equal one's
                import_external_id="creditmemo-{internalId}",
                export_external_id="spp-credit-{id}",
                description="SPP credit (negative invoice) <-> NetSuite credit memo",
            ),
            Entity(
                "cost_center",
                "customRecord",
                "Costcenter",
                import_workflow="cost_centers_import",
                export_workflow="cost_centers_import",
                natural_keys=(NaturalKey("name", "name"),),
                description='NetSuite custom record "SuiteProjects Pro: Cost Center" -> SPP cost center',
                custom_record_type="customrecord_oa_cost_center",
            ),
            Entity(
                "rate_card",
                "customRecord",
                "Ratecard",
                import_workflow="rate_cards_import",
                export_workflow="rate_cards_import",
                natural_keys=(NaturalKey("name", "name"),),
                description='NetSuite custom record "SuiteProjects Pro: Project Rate Card" -> SPP rate card',
                custom_record_type="customrecord_oa_rate_card",
            ),
            Entity(
                "sales_order",
                "salesOrder",
                "Customerpo",
                import_workflow="customer_pos_import",
                export_workflow="customer_pos_import",
                depends_on=("customer", "project"),
                description="NetSuite sales order -> SPP customer PO (Customerpo)",
            ),
            Entity(
                "payment",
                "customerPayment",
                "Payment",
                import_workflow="payments_import",
                export_workflow="payments_import",
                depends_on=("customer", "invoice"),
                description="NetSuite customer payment -> SPP payment of the invoice it pays",
            ),
            Entity(
                "vendor",
                "vendor",
                "Vendor",
                import_workflow="vendors_import",
                export_workflow="vendors_import",
                description="NetSuite vendor -> SPP vendor",
            ),
            Entity(
                "contact",
                "contact",
                "Contact",
                import_workflow="contacts_import",
                export_workflow="contacts_import",
                depends_on=("customer",),
                description="NetSuite contact of a customer -> SPP contact",
            ),
            Entity(
                "product",
                "nonInventoryPurchaseItem",
                "Product",
                import_workflow="products_import",
                export_workflow="products_import",
                description="NetSuite purchase item (non-inventory) -> SPP product",
            ),
            Entity(
                "support_case",
                "supportCase",
                "Projecttask",
                import_workflow="support_cases_import",
                export_workflow="support_cases_import",
                depends_on=("project",),
                # SPP project tasks hold project tasks too: a case's externalid must never equal a task's
                import_external_id="case-{internalId}",
                export_external_id="spp-case-task-{id}",
                own_netsuite_id_field="netsuite_support_case_id__c",
                description="NetSuite support case -> SPP project task (Tasks (Support Cases))",
            ),
            Entity(
                "purchase_request",
                "purchaseRequisition",
                "Purchaserequest",
                import_workflow="purchase_requests_export",
                export_workflow="purchase_requests_export",
                depends_on=("employee", "product", "vendor"),
                description="SPP purchase request (Purchase_item lines) -> NetSuite purchase requisition",
            ),
            Entity(
                "revenue_transaction",
                "journalEntry",
                "Revenue_recognition_transaction",
                import_workflow="revenue_recognition_export",
                export_workflow="revenue_recognition_export",
                depends_on=("project",),
                description="SPP revenue recognition transaction -> NetSuite journal entry (balanced lines)",
            ),
            Entity(
                "other_charge_item",
                "otherChargeSaleItem",
                "Item",
                import_workflow="other_charge_items_import",
                export_workflow="other_charge_items_import",
                # SPP expense items hold expense categories too: their own externalid and NetSuite ID field
                import_external_id="charge-{internalId}",
                export_external_id="spp-charge-item-{id}",
                own_netsuite_id_field="netsuite_other_charge_id__c",
                description="NetSuite other charge item -> SPP expense item (Item)",
            ),
            Entity(
                "vendor_user",
                "vendor",
                "User",
                import_workflow="vendor_users_import",
                export_workflow="vendor_users_import",
                # SPP users hold employees too: their own externalid and NetSuite ID field
                import_external_id="vendor-{internalId}",
                export_external_id="spp-vendor-user-{id}",
                own_netsuite_id_field="netsuite_vendor_id__c",
                description="NetSuite vendor (individual contractor) -> SPP user (Employees (Vendors))",
            ),
            Entity(
                "vendor_bill",
                "vendorBill",
                "Envelope",
                import_workflow="vendor_bills_export",
                export_workflow="vendor_bills_export",
                depends_on=("vendor_user", "expense_item", "project"),
                # SPP envelopes of employees are expense reports: a bill's externalId and id field differ
                export_external_id="spp-vendorbill-{id}",
                own_netsuite_id_field="netsuite_vendor_bill_id__c",
                description="SPP expense report of a vendor (contractor) -> NetSuite vendor bill",
            ),
            # Purchase fulfilment: what NetSuite did with a requisition SPP sent lands on the SPP purchase
            # request (custom fields: the API writes nothing else of a request, nor its items)
            Entity(
                "purchase_order",
                "purchaseOrder",
                "Purchaserequest",
                import_workflow="purchase_orders_import",
                export_workflow="purchase_orders_import",
                depends_on=("purchase_request",),
                export_external_id="spp-purchase-order-{id}",
                own_netsuite_id_field="netsuite_purchase_order_id__c",
                description="NetSuite purchase order of an SPP requisition -> fulfilment on the SPP request",
            ),
            Entity(
                "purchase_bill",
                "vendorBill",
                "Purchaserequest",
                import_workflow="purchase_bills_import",
                export_workflow="purchase_bills_import",
                depends_on=("purchase_order",),
                export_external_id="spp-purchase-bill-{id}",
                own_netsuite_id_field="netsuite_purchase_bill_id__c",
                description="NetSuite vendor bill of that purchase order -> billed on the SPP request",
            ),
            Entity(
                "vendor_credit",
                "vendorCredit",
                "Purchaserequest",
                import_workflow="vendor_credits_import",
                export_workflow="vendor_credits_import",
                depends_on=("purchase_bill",),
                export_external_id="spp-vendor-credit-{id}",
                own_netsuite_id_field="netsuite_vendor_credit_id__c",
                description="NetSuite vendor credit against that bill -> credited on the SPP request",
            ),
            Entity(
                "arm_revenue_transaction",
                "customRecord",
                "Revenue_recognition_transaction",
                import_workflow="arm_revenue_transactions_export",
                export_workflow="arm_revenue_transactions_export",
                depends_on=("project",),
                export_external_id="spp-arm-revenue-{id}",
                own_netsuite_id_field="netsuite_arm_revenue_transaction_id__c",
                # the same transactions may go to journal entries too (revenue_recognition_export)
                shares_source_records=True,
                custom_record_type="customrecord_oa_arm_revenue_transaction",
                description='SPP revenue recognition transaction -> "Revenue Transactions for ARM" record',
            ),
            Entity(
                "wbs",
                "opportunity",
                "Project",
                import_workflow="wbs_export",
                export_workflow="wbs_export",
                depends_on=("customer", "project", "service"),
                export_external_id="spp-wbs-{id}",
                own_netsuite_id_field="netsuite_opportunity_id__c",
                shares_source_records=True,
                description="SPP project and its task structure -> NetSuite opportunity (WBS (Opportunity))",
            ),
            Entity(
                "revenue_rule",
                "salesOrder",
                "Revenue_recognition_rule",
                import_workflow="revenue_rules_import",
                export_workflow="revenue_rules_import",
                depends_on=("project",),
                # a sales order is an SPP customer PO too: the rule's externalid must differ from the PO's
                import_external_id="revrec-{internalId}",
                export_external_id="spp-revenue-rule-{id}",
                description="NetSuite sales order -> SPP revenue recognition rule of its project",
            ),
        )
    }
)
ENTITY_NAMES: tuple[str, ...] = tuple(ENTITIES)


# --- custom record types (OneView targets) ----------------------------------------------------------

CustomFieldKind = Literal["text", "decimal", "integer", "date", "checkbox", "select"]
CUSTOM_FIELD_KINDS: tuple[CustomFieldKind, ...] = ("text", "decimal", "integer", "date", "checkbox", "select")


@dataclass(frozen=True)
class CustomFieldInfo:
    """One custom field (``custrecord_*``) of a custom record type, as the account defines it."""

    script_id: str
    kind: CustomFieldKind
    required: bool = False
    references: str | None = None  # the NetSuite record type a select field points at (job, employee…)


@dataclass(frozen=True)
class CustomRecordTypeInfo:
    """A custom record type (``customrecord_*``) of the account: its ids and its custom fields.

    Real accounts create these in the NetSuite UI (Customization > Lists, Records & Fields); the
    integration declares the ones it writes here, once: the OneView mapping loader checks field names
    and kinds against them, and the local NetSuite service is seeded with them.
    """

    script_id: str
    internal_id: str
    name: str
    fields: tuple[CustomFieldInfo, ...]

    def field(self, script_id: str) -> CustomFieldInfo:
        """The custom field ``script_id``; :class:`UnknownName` naming the close matches otherwise."""
        for f in self.fields:
            if f.script_id == script_id:
                return f
        raise UnknownName(f"custom field of {self.script_id}", script_id, (f.script_id for f in self.fields))


def _field(
    script_id: str, kind: CustomFieldKind, *, required: bool = False, references: str | None = None
) -> CustomFieldInfo:
    return CustomFieldInfo(script_id, kind, required, references)


CUSTOM_RECORD_TYPES: Mapping[str, CustomRecordTypeInfo] = MappingProxyType(
    {
        t.script_id: t
        for t in (
            # SuiteProjects Pro's own bundle: cost centers and project rate cards (imported into SPP)
            CustomRecordTypeInfo("customrecord_oa_cost_center", "1", "SuiteProjects Pro: Cost Center", ()),
            CustomRecordTypeInfo(
                "customrecord_oa_rate_card", "2", "SuiteProjects Pro: Project Rate Card", ()
            ),
            CustomRecordTypeInfo(
                "customrecord_spp_project_profitability",
                "101",
                "SuiteProjects Pro: Project Profitability by Month",
                (
                    _field("custrecord_spp_pp_project", "select", required=True, references="job"),
                    _field("custrecord_spp_pp_period", "date", required=True),
                    _field("custrecord_spp_pp_revenue", "decimal"),
                    _field("custrecord_spp_pp_cost", "decimal"),
                    _field("custrecord_spp_pp_margin", "decimal"),
                    _field("custrecord_spp_pp_margin_pct", "decimal"),
                    _field("custrecord_spp_pp_hours", "decimal"),
                    _field("custrecord_spp_pp_entries", "integer"),
                    _field("custrecord_spp_pp_currency", "text"),
                    _field("custrecord_spp_pp_final", "checkbox"),
                ),
            ),
            CustomRecordTypeInfo(
                "customrecord_spp_utilisation",
                "102",
                "SuiteProjects Pro: Utilisation by Employee and Week",
                (
                    _field("custrecord_spp_ut_employee", "select", required=True, references="employee"),
                    _field("custrecord_spp_ut_week_start", "date", required=True),
                    _field("custrecord_spp_ut_week_end", "date"),
                    _field("custrecord_spp_ut_billable_hours", "decimal"),
                    _field("custrecord_spp_ut_nonbillable_hours", "decimal"),
                    _field("custrecord_spp_ut_capacity_hours", "decimal"),
                    _field("custrecord_spp_ut_utilisation_pct", "decimal"),
                    _field("custrecord_spp_ut_projects", "integer"),
                    _field("custrecord_spp_ut_over_allocated", "checkbox"),
                ),
            ),
            CustomRecordTypeInfo(
                "customrecord_spp_backlog",
                "103",
                "SuiteProjects Pro: Backlog by Project",
                (
                    _field("custrecord_spp_bl_project", "select", required=True, references="job"),
                    _field("custrecord_spp_bl_customer", "select", references="customer"),
                    _field("custrecord_spp_bl_as_of", "date"),
                    _field("custrecord_spp_bl_contract_value", "decimal"),
                    _field("custrecord_spp_bl_billed", "decimal"),
                    _field("custrecord_spp_bl_backlog", "decimal"),
                    _field("custrecord_spp_bl_remaining_hours", "decimal"),
                    _field("custrecord_spp_bl_open_tasks", "integer"),
                    _field("custrecord_spp_bl_status", "text"),
                    _field("custrecord_spp_bl_at_risk", "checkbox"),
                ),
            ),
            # SuiteProjects Pro's bundle for Advanced Revenue Management: what NetSuite's revenue
            # arrangements and plans are built from (written by the ARM export workflow)
            CustomRecordTypeInfo(
                "customrecord_oa_arm_revenue_transaction",
                "3",
                "SuiteProjects Pro: Revenue Transactions for ARM",
                (
                    _field("custrecord_oa_arm_project", "select", required=True, references="job"),
                    _field("custrecord_oa_arm_date", "date", required=True),
                    _field("custrecord_oa_arm_amount", "decimal", required=True),
                    _field("custrecord_oa_arm_spp_id", "text"),
                ),
            ),
            # One row of any report kept as it is: what the benchmark and the tests write the local
            # SPP's synthetic report (report900) into.
            CustomRecordTypeInfo(
                "customrecord_spp_report_row",
                "104",
                "SuiteProjects Pro: Report Row",
                (
                    _field("custrecord_spp_rr_seq", "integer", required=True),
                    _field("custrecord_spp_rr_name", "text"),
                    _field("custrecord_spp_rr_amount", "decimal"),
                    _field("custrecord_spp_rr_day", "date"),
                    _field("custrecord_spp_rr_updated", "date"),
                    _field("custrecord_spp_rr_flag", "checkbox"),
                ),
            ),
        )
    }
)
"""The account's custom record types the integration reads or writes, by scriptId."""


# --- lookups -------------------------------------------------------------------------------------------


def entity(name: str) -> Entity:
    """The entity called ``name``; :class:`UnknownEntity` (with close matches) otherwise."""
    try:
        return ENTITIES[name]
    except (KeyError, TypeError):
        raise UnknownEntity(str(name), ENTITIES) from None


def netsuite_record_type(name: str) -> RecordTypeInfo:
    """The NetSuite record type ``name`` (RecordType value); :class:`UnknownRecordType` otherwise."""
    try:
        return RECORD_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownRecordType("netsuite", str(name), RECORD_TYPES) from None


def spp_object_type(name: str) -> SppObjectType:
    """The SPP object type ``name`` (case-sensitive tag); :class:`UnknownRecordType` otherwise."""
    try:
        return SPP_OBJECT_TYPES[name]
    except (KeyError, TypeError):
        raise UnknownRecordType("spp", str(name), SPP_OBJECT_TYPES) from None


def custom_record_type(script_id: str) -> CustomRecordTypeInfo:
    """The declared custom record type ``script_id``; :class:`UnknownName` (close matches) otherwise."""
    try:
        return CUSTOM_RECORD_TYPES[script_id]
    except (KeyError, TypeError):
        raise UnknownName("custom record type", str(script_id), CUSTOM_RECORD_TYPES) from None


def custom_record_type_id(entity_name: str) -> str | None:
    """The internalId of the custom record type an entity's NetSuite records are of (the ``recType``
    every search and write of them names); None for an entity of another record type, or a name the
    registry does not declare (OneView rows)."""
    declared = ENTITIES.get(entity_name)
    if declared is None or declared.custom_record_type is None:
        return None
    return custom_record_type(declared.custom_record_type).internal_id


def record_type(system: str, name: str) -> RecordTypeInfo | SppObjectType:
    """The record type ``name`` of ``system`` ("netsuite" or "spp")."""
    if system == "netsuite":
        return netsuite_record_type(name)
    if system == "spp":
        return spp_object_type(name)
    raise ValueError(f"unknown system {system!r}; known: {', '.join(SYSTEMS)}")


def entities_for(system: str, record_type_name: str) -> tuple[Entity, ...]:
    """The entities whose record type in ``system`` is ``record_type_name`` (NetSuite customRecord: two)."""
    record_type(system, record_type_name)  # an unknown type is an error, not "no entity"
    side = "netsuite_type" if system == "netsuite" else "spp_type"
    return tuple(e for e in ENTITIES.values() if getattr(e, side) == record_type_name)


def id_field(system: str) -> str:
    """The id field of a record of ``system``: ``internalId`` (NetSuite) or ``id`` (SPP)."""
    return NETSUITE_ID if system == "netsuite" else SPP_ID


def name_field(system: str, record_type_name: str) -> str:
    """The field naming a record of ``record_type_name`` in ``system``."""
    return record_type(system, record_type_name).name_field


def linking_workflow(entity_name: str, direction: Direction) -> str:
    """The workflow that links ``entity_name`` records in ``direction`` (named in "run X first")."""
    return entity(entity_name).linking_workflow(direction)


def netsuite_types_with_export_flag() -> tuple[str, ...]:
    """NetSuite record types carrying isInactive and the "Export to SuiteProjects Pro" checkbox."""
    return tuple(name for name, info in RECORD_TYPES.items() if info.export_flag)


def dependency_order(names: Iterable[str] | None = None) -> tuple[str, ...]:
    """Entity names with every entity after the ones it depends on (declaration order on ties)."""
    order: list[str] = []
    seen: set[str] = set()

    def place(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for parent in entity(name).depends_on:
            place(parent)
        order.append(name)

    for name in ENTITY_NAMES if names is None else names:
        place(name)
    return tuple(order)


def problems() -> list[str]:
    """What is inconsistent in the declarations above (empty when all is well; a test asserts it)."""
    found: list[str] = []
    for e in ENTITIES.values():
        if e.netsuite_type not in RECORD_TYPES:
            found.append(f"entity {e.name!r}: {UnknownRecordType('netsuite', e.netsuite_type, RECORD_TYPES)}")
        if e.spp_type not in SPP_OBJECT_TYPES:
            found.append(f"entity {e.name!r}: {UnknownRecordType('spp', e.spp_type, SPP_OBJECT_TYPES)}")
        elif SPP_OBJECT_TYPES[e.spp_type].netsuite_id_field is None:
            found.append(f"entity {e.name!r}: SPP {e.spp_type} declares no NetSuite ID field")
        found.extend(
            f"entity {e.name!r}: depends on unknown entity {p!r}" for p in e.depends_on if p not in ENTITIES
        )
        keys = RECORD_TYPES[e.netsuite_type].key_fields if e.netsuite_type in RECORD_TYPES else None
        found.extend(
            f"entity {e.name!r}: natural key {k.netsuite!r} is not a key field of NetSuite {e.netsuite_type}"
            for k in e.natural_keys
            if "export" in k.directions and keys is not None and k.netsuite not in keys
        )
    # one SPP type may feed two entities (Invoice: invoices and credits, split by the workflows' filters)
    # only if their NetSuite externalIds differ: otherwise two workflows would upsert the same record
    exports = [(e.spp_type, e.external_id("export")) for e in ENTITIES.values()]
    found.extend(
        f"SPP {t} belongs to more than one entity with export externalId {x!r}"
        for t, x in sorted(set(exports))
        if exports.count((t, x)) > 1
    )
    found.extend(f"entity dependency cycle: {' -> '.join(c)}" for c in _dependency_cycles())
    return found


def _dependency_cycles() -> list[list[str]]:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for parent in ENTITIES[name].depends_on:
            if parent not in ENTITIES:
                continue
            if state.get(parent) == 1:
                cycles.append([*trail[trail.index(parent) :], parent])
            elif parent not in state:
                visit(parent, [*trail, parent])
        state[name] = 2

    for name in ENTITY_NAMES:
        if name not in state:
            visit(name, [name])
    return cycles
