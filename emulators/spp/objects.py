"""The SuiteProjects Pro object types the local service knows: required fields, foreign keys,
date fields, approval workflow and the "NetSuite ID" custom field of each.

The object types themselves and their "NetSuite ID" fields are declared once, in
:mod:`include.registry`; this module adds what the service enforces.

Required fields and key fields come from suiteprojects-xml-api.md §9 (``*`` there); fields
marked "assumption" in that table are accepted but not enforced. Unknown fields are stored
as given: the emulator is a faithful store, not a schema validator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from include.registry import SPP_OBJECT_TYPES, spp_object_type

# Fields the server owns; refused silently on writes (clients echo read objects back).
SERVER_FIELDS = frozenset({"id", "created", "updated"})

# Fields whose values are <Date> blocks on the wire. Date-only ones come back with empty
# hour/minute/second (reference §7).
DATE_ONLY_FIELDS = frozenset(
    {"date", "starts", "ends", "start_date", "finish_date", "due", "date_due", "ship_date"}
)
DATETIME_FIELDS = frozenset(
    {"created", "updated", "exported", "imported", "submitted", "approved_date", "date_submitted"}
)
DATE_FIELDS = DATE_ONLY_FIELDS | DATETIME_FIELDS

# ImportExport records that an external application exported/imported an object (reference §7).
# Its <id> names the marked object, not the ImportExport itself, so the store keeps that id under
# IMPORT_EXPORT_REF and the wire shows it as <id>.
IMPORT_EXPORT = "ImportExport"
IMPORT_EXPORT_REF = "ref_id"

# Status values of approvable objects (O open, S submitted, A approved, R rejected).
APPROVAL_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "Submit": (frozenset({"O", "R", ""}), "S"),
    "Approve": (frozenset({"S"}), "A"),
    "Reject": (frozenset({"S"}), "R"),
    "Unapprove": (frozenset({"A"}), "O"),
}


@dataclass(frozen=True)
class ObjectType:
    """What the service enforces for one object tag."""

    name: str
    required: tuple[str, ...] = ()
    foreign_keys: Mapping[str, str] = field(default_factory=dict)  # field -> parent object type
    approvals: frozenset[str] = frozenset()  # Submit/Approve/Reject/Unapprove allowed
    status_field: str = "status"
    add_allowed: bool = True  # User objects come from CreateUser only
    read_only: bool = False  # Purchaserequest: read-only through the API (custom fields excepted)
    netsuite_id_field: str | None = None  # the connector's "NetSuite <Record> ID" field (from the registry)
    name_field: str = "name"  # what a name="Type" lookup matches


_APPROVABLE = frozenset(APPROVAL_TRANSITIONS)

# What the service enforces beyond the registry's declaration, per object tag (a tag the registry does not
# declare is an error at import).
_RULES: dict[str, ObjectType] = {
    spp_object_type(t.name).name: t
    for t in (
        ObjectType(
            "Customer",
            required=("company",),
            foreign_keys={"cost_centerid": "Costcenter"},
            name_field="company",
        ),
        ObjectType(
            "User",
            required=("nickname",),
            foreign_keys={"line_managerid": "User", "cost_centerid": "Costcenter"},
            add_allowed=False,
            name_field="nickname",
        ),
        ObjectType(
            "Project",
            required=("name",),
            foreign_keys={"customerid": "Customer", "userid": "User", "cost_centerid": "Costcenter"},
        ),
        ObjectType(
            "Projecttask",
            foreign_keys={"projectid": "Project", "parentid": "Projecttask", "categoryid": "Category"},
        ),
        ObjectType(
            "Projecttaskassign",
            required=("projecttaskid",),
            foreign_keys={"projecttaskid": "Projecttask", "userid": "User"},
        ),
        ObjectType(
            "Timesheet",
            foreign_keys={"userid": "User"},
            approvals=_APPROVABLE,
        ),
        ObjectType(
            "Task",
            required=("date",),
            foreign_keys={
                "userid": "User",
                "projectid": "Project",
                "projecttaskid": "Projecttask",
                "timesheetid": "Timesheet",
                "categoryid": "Category",
            },
            approvals=frozenset({"Reject"}),
        ),
        ObjectType(
            "Envelope",
            required=("date",),
            foreign_keys={"userid": "User"},
            approvals=_APPROVABLE,
        ),
        ObjectType(
            "Ticket",
            required=("date",),
            foreign_keys={
                "envelopeid": "Envelope",
                "itemid": "Item",
                "projectid": "Project",
                "userid": "User",
            },
            approvals=frozenset({"Reject"}),
        ),
        ObjectType(
            "Invoice",
            foreign_keys={"customerid": "Customer", "projectid": "Project"},
            approvals=_APPROVABLE,
        ),
        ObjectType(
            "Slip",
            required=("date",),
            foreign_keys={
                "customerid": "Customer",
                "projectid": "Project",
                "invoiceid": "Invoice",
                "userid": "User",
                "categoryid": "Category",
            },
        ),
        ObjectType(
            "Payment",
            foreign_keys={"invoiceid": "Invoice", "customerid": "Customer"},
        ),
        ObjectType(
            "Revenue_recognition_transaction",
            foreign_keys={"projectid": "Project"},
        ),
        ObjectType("Revenue_recognition_rule", foreign_keys={"projectid": "Project"}),
        ObjectType(
            "Purchaserequest",
            foreign_keys={"userid": "User"},
            read_only=True,
            status_field="approval_status",
        ),
        ObjectType(
            "Purchase_item",
            foreign_keys={
                "purchaserequestid": "Purchaserequest",
                "productid": "Product",
                "vendorid": "Vendor",
            },
            read_only=True,
        ),
        ObjectType("Category", required=("name",)),
        ObjectType("Item"),
        ObjectType("Product"),
        ObjectType("Costcenter"),
        ObjectType(
            "Customerpo",
            foreign_keys={"customerid": "Customer", "projectid": "Project"},
        ),
        ObjectType("Ratecard"),
        ObjectType("Contact", foreign_keys={"customerid": "Customer"}),
        ObjectType("Vendor"),
        # project team membership; note the underscored foreign keys (reference §9)
        ObjectType("Projectassign", foreign_keys={"project_id": "Project", "user_id": "User"}),
        # written with Add only (an upsert on application, type, id); see commands.add_import_exports
        ObjectType(IMPORT_EXPORT, required=("application", "type")),
    )
}

# Every SPP object type the registry declares (include/registry.py), with its "NetSuite ID" field from there.
OBJECT_TYPES: dict[str, ObjectType] = {
    name: replace(_RULES.get(name, ObjectType(name)), netsuite_id_field=declared.netsuite_id_field)
    for name, declared in SPP_OBJECT_TYPES.items()
}


def object_type(name: str) -> ObjectType | None:
    """The registered type for an XML tag (tags are case-sensitive), or None."""
    return OBJECT_TYPES.get(name)


def is_custom(field_name: str) -> bool:
    """Custom fields end in ``__c`` (the NetSuite ID fields among them)."""
    return field_name.endswith("__c")


def missing_required(otype: ObjectType, document: Mapping[str, str]) -> list[str]:
    """Required fields that are absent or empty in ``document``."""
    return [name for name in otype.required if not document.get(name)]
