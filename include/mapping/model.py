"""The workflow model: what one mapping file (``mappings/<workflow>.yaml``) says, as frozen dataclasses.

The loader builds these from YAML after validation and fills every default, so the rest of the integration
(extract, transform, plan, load) reads resolved values only. Nothing here imports pandas or jsonschema: the
DAG factory imports this module at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from include import registry
from include.mapping.paths import get_path, normalise, render_template, root_field, template_fields

Direction = Literal["import", "export", "oneview"]
System = Literal["netsuite", "spp"]

# Entities, record types and their defaults (NetSuite-ID field, name fields, external ids, linking
# workflows) are declared once, in include/registry.py; the loader fills a workflow's defaults from there.
ENTITIES = registry.ENTITY_NAMES  # cross-reference entity names
EXPORT_FLAG_FIELD = registry.EXPORT_FLAG_FIELD

DEFAULT_BATCH_SIZE = {"netsuite": 100, "spp": 1000}  # NetSuite upsertList takes <= 100, SPP writes <= 1000
MAX_BATCH_SIZE = DEFAULT_BATCH_SIZE
DEFAULT_SCHEDULE = "0 * * * *"
CLAIMED_SENTINEL = registry.CLAIMED_SENTINEL  # SPP NetSuite-ID value: "export started, outcome unknown"

MatchKind = Literal["netsuite_id", "external_id", "natural_key"]
FilterOp = Literal["equals", "not_equals", "in", "not_in", "empty", "greater_than", "less_than"]
EXTERNAL_ID_FIELDS = (registry.SPP_EXTERNAL_ID, registry.NETSUITE_EXTERNAL_ID)  # externalid / externalId


def id_field(system: str) -> str:
    """The identifier field of a document of ``system``: ``internalId`` (NetSuite) or ``id`` (SPP)."""
    return registry.id_field(system)


@dataclass(frozen=True)
class Via:
    """A related record a filter is evaluated on, e.g. a time entry's Timesheet."""

    type: str  # related record type (e.g. "Timesheet")
    key: str  # field of the source record holding the related record's id (e.g. "timesheetid")


@dataclass(frozen=True)
class Filter:
    """One record-level condition a source record must meet to be synchronised."""

    field: str
    op: FilterOp
    value: Any = None
    via: Via | None = None

    def matches(self, doc: Mapping[str, Any], related: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
        """Whether ``doc`` meets this condition; ``related`` maps a ``via`` type to the related record."""
        if self.via is not None:
            doc = (related or {}).get(self.via.type) or {}
        actual = get_path(doc, self.field)
        if isinstance(actual, Mapping) and "internalId" in actual:
            actual = actual["internalId"]
        if self.op == "empty":
            return (actual in (None, "")) == bool(self.value)
        if self.op in ("greater_than", "less_than"):
            number = _number(actual)
            if number is None:  # empty or not a number: never meets a comparison
                return False
            limit = Decimal(str(self.value))
            return number > limit if self.op == "greater_than" else number < limit
        if self.op in ("in", "not_in"):
            found = any(_same(actual, candidate) for candidate in self.value)
            return found if self.op == "in" else not found
        same = _same(actual, self.value)
        return same if self.op == "equals" else not same

    def describe(self) -> str:
        """The condition as a short text for logs, e.g. ``isInactive equals False``."""
        where = f" (on the {self.via.type} via {self.via.key})" if self.via else ""
        return f"{self.field} {self.op.replace('_', ' ')} {self.value!r}{where}"


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def _add(total: Any, value: Any) -> str:
    """``total + value`` for SPP's decimal strings (``"7.50" + "2.25" = "9.75"``); empty counts as 0."""
    try:
        return str(Decimal(str(total or 0)) + Decimal(str(value or 0)))
    except InvalidOperation:
        raise ValueError(f"cannot add {value!r} to {total!r}: a summed line field must be a number") from None


def _same(actual: Any, expected: Any) -> bool:
    # SPP values are strings ("1"), NetSuite booleans are bools: compare booleans by meaning.
    if isinstance(expected, bool):
        if isinstance(actual, bool):
            return actual is expected
        return str(actual).strip().lower() in (("1", "true") if expected else ("0", "false", ""))
    if actual is None:
        return expected is None
    return str(actual) == str(expected)


@dataclass(frozen=True)
class SourceSpec:
    """Where records come from: system, record type, filters, and which field names a record."""

    system: System
    type: str
    filters: tuple[Filter, ...] = ()
    export_flag_filter: bool = False
    name_field: str = "name"

    @property
    def id_field(self) -> str:
        """The field holding a source record's id."""
        return id_field(self.system)

    def matches(self, doc: Mapping[str, Any], related: Mapping[str, Mapping[str, Any]] | None = None) -> bool:
        """Whether ``doc`` passes every filter (for filters a server-side query could not express)."""
        return all(f.matches(doc, related) for f in self.filters)

    def equals_filters(self) -> dict[str, Any]:
        """``{field: value}`` of the plain equality filters on the record itself, for server-side criteria.

        NetSuite custom fields appear by bare scriptId (``custentity_oa_export_to_openair``). Filters with
        ``via`` (see :meth:`related_filters`) or other operators are left to :meth:`matches`.
        """
        return {root_field(f.field): f.value for f in self.filters if f.op == "equals" and f.via is None}

    def related_filters(self) -> tuple[Filter, ...]:
        """Filters evaluated on a related record (e.g. a time entry's Timesheet status)."""
        return tuple(f for f in self.filters if f.via is not None)


@dataclass(frozen=True)
class TargetSpec:
    """Where records go: system and record type."""

    system: System
    type: str

    @property
    def id_field(self) -> str:
        """The field holding a target record's id."""
        return id_field(self.system)


@dataclass(frozen=True)
class MatchRule:
    """One way to find the target record of a source record: target field == source value or template.

    ``kind`` tells the engine how to look: ``netsuite_id`` and ``external_id`` rules compare ids exactly;
    a ``natural_key`` rule (a customer's name, an employee's e-mail) compares business values, where two
    target records with the same value are a per-record error, never a guess.
    """

    target: str
    source: str | None = None
    template: str | None = None
    # The workflow's SPP NetSuite-ID field (set by the loader); rules that read or write it are id rules.
    netsuite_id_field: str | None = field(default=None, compare=False)

    @property
    def kind(self) -> MatchKind:
        """``netsuite_id``: the target is the SPP NetSuite-ID field (imports: ``source: internalId``) or
        NetSuite's ``internalId`` (exports: the source is the NetSuite-ID field); ``external_id``: the
        target is ``externalid`` (SPP) / ``externalId`` (NetSuite); ``natural_key``: any other field."""
        if self.target in EXTERNAL_ID_FIELDS:
            return "external_id"
        id_fields = {registry.NETSUITE_ID} | ({self.netsuite_id_field} if self.netsuite_id_field else set())
        if self.target in id_fields or (self.template is None and self.source in id_fields):
            return "netsuite_id"
        return "natural_key"

    @property
    def is_natural_key(self) -> bool:
        """A rule comparing business values (ambiguity possible), not ids."""
        return self.kind == "natural_key"

    def key(self, doc: Mapping[str, Any]) -> str | None:
        """The value to look for in the target field, or None when the source record has none."""
        if self.template is not None:
            return render_template(self.template, doc)
        value = get_path(doc, self.source or "")
        if isinstance(value, Mapping):
            value = value.get("internalId")
        if value in (None, "", CLAIMED_SENTINEL):  # "-1" is a claim, never an id
            return None
        return str(value)

    def describe(self) -> str:
        """The rule as a short text for logs and docs, e.g. ``company == companyName (natural key)``."""
        source = f"{{template {self.template!r}}}" if self.template is not None else self.source
        return f"{self.target} == {source} ({self.kind.replace('_', ' ')})"


@dataclass(frozen=True)
class ReferenceSpec:
    """A field whose value is the id of another linked record, translated through the cross-reference."""

    entity: str
    field: str  # source path holding the source-side id (a RecordRef's internalId or an SPP ``*id``)
    required: bool = True
    workflow: str | None = None  # the workflow that links this entity ("run X first"); None = default
    # may be empty, but an id that is set must be linked (else the record waits, rather than lose the link)
    when_set: bool = False


@dataclass(frozen=True)
class TransformSpec:
    """A named value transform with its arguments, bound to parameter names by the loader."""

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldMapping:
    """How one target field gets its value: from a source field, a constant, a reference, or transforms."""

    target: str
    source: str | None = None
    constant: Any = None
    has_constant: bool = False
    reference: ReferenceSpec | None = None
    transforms: tuple[TransformSpec, ...] = ()
    initial_only: bool = False
    type: str | None = None  # forced value kind of the target field (see field_types.KINDS)

    @property
    def kind(self) -> str:
        """``source``, ``constant``, ``reference`` or ``transform`` (a transform reading its own fields)."""
        if self.reference is not None:
            return "reference"
        if self.has_constant:
            return "constant"
        if self.source is not None:
            return "source"
        return "transform"

    def describe(self) -> str:
        """Where the value comes from, in words, for generated docs (e.g. the DAG's field table)."""
        if self.reference is not None:
            ref = self.reference
            optional = " (if set, linked)" if ref.when_set else " (optional)"
            text = f"`{ref.field}` via the {ref.entity} cross-reference" + ("" if ref.required else optional)
        elif self.has_constant:
            text = f"constant `{self.constant!r}`"
        elif self.source is not None:
            text = f"`{self.source}`"
        else:
            text = "computed"
        if self.transforms:
            text += " → " + ", ".join(t.name for t in self.transforms)
        return text

    def fields_read(self, transform_field_args: Mapping[str, tuple[str, ...]]) -> list[str]:
        """Source paths this mapping reads, given each transform's field-path arguments."""
        paths = [self.source] if self.source else []
        if self.reference is not None:
            paths.append(self.reference.field)
        for spec in self.transforms:
            for name in transform_field_args.get(spec.name, ()):
                paths.extend(spec.kwargs.get(name) or ())
        return paths


@dataclass(frozen=True)
class SublistSpec:
    """Line records mapped into a sublist of the target (e.g. SPP Tickets -> NetSuite ``expenseList``)."""

    target: str  # target sublist field, e.g. "expenseList"
    line: str  # line element name inside it, e.g. "expense"
    source: str = ""  # key of the source document holding the line documents, e.g. "tickets"
    source_type: str = ""  # line record type in the source system, e.g. "Ticket"
    parent_field: str = ""  # line field pointing at the parent record, e.g. "envelopeid" (for the extractor)
    fields: tuple[FieldMapping, ...] = ()
    # conditions a read line must meet to be sent (a project's tasks without a service are no WBS line)
    filters: tuple[Filter, ...] = ()
    required: bool = True  # a record without lines is an error (NetSuite rejects empty expense reports)
    # The connector's INVOICE_LINE_*_GROUP_BY: lines equal in every ``group_by`` field become one line
    # whose ``sum`` fields are added up (e.g. one invoice line per service and rate, hours summed).
    group_by: tuple[str, ...] = ()
    sums: tuple[str, ...] = ()
    # Lines built from the record itself instead of read (a journal's two sides): each entry's values are
    # templates filled from the record, e.g. {"account": "1200", "debit": "{total}"}.
    from_record: tuple[tuple[tuple[str, str], ...], ...] = ()
    balance: tuple[str, str] | None = None  # target fields whose sums must be equal (debit, credit)

    @property
    def built_from_record(self) -> bool:
        return bool(self.from_record)

    @property
    def line_keys(self) -> frozenset[str]:
        """The fields ``from_record`` gives each line (what its mappings read besides the record's)."""
        return frozenset(key for entry in self.from_record for key, _ in entry)

    def lines_of(self, record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The line documents of ``record``: built from it (``from_record``, each line the record plus
        its entry's filled templates) or read under ``source`` and grouped."""
        if self.from_record:
            return [
                {**record, **{key: render_template(value, record) for key, value in entry}}
                for entry in self.from_record
            ]
        lines = get_path(record, self.source) or ()
        return self.grouped([line for line in lines if all(f.matches(line) for f in self.filters)])

    def unbalanced(self, lines: Sequence[Mapping[str, Any]]) -> str | None:
        """Why the target ``lines`` do not balance (``balance`` fields' sums differ, or are both zero), or
        None."""
        if self.balance is None:
            return None
        sums = [sum(Decimal(str(line.get(f) or 0)) for line in lines) for f in self.balance]
        if sums[0] == sums[1] == 0:
            return f"lines carry no {self.balance[0]} or {self.balance[1]} amount"
        if sums[0] == sums[1]:
            return None
        return f"lines do not balance: {self.balance[0]} {sums[0]:.2f}, {self.balance[1]} {sums[1]:.2f}"

    @property
    def name(self) -> str:
        """The key under which the extractor attaches the line documents to their parent (= ``source``)."""
        return self.source

    def grouped(self, lines: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The lines as the target receives them: grouped by ``group_by`` (first-seen order), or as read.

        A grouped line keeps the first line's values, the sums of the ``sum`` fields and the ids of every
        line it stands for (``12+13``), so an error names the source lines.
        """
        if not self.group_by:
            return list(lines)
        groups: dict[tuple[str, ...], dict[str, Any]] = {}
        for line in lines:
            key = tuple(str(get_path(line, f) or "") for f in self.group_by)
            merged = groups.get(key)
            if merged is None:
                groups[key] = dict(line)
                continue
            for f in self.sums:
                merged[f] = _add(merged.get(f), get_path(line, f))
            merged["id"] = f"{merged.get('id')}+{line.get('id')}"
        return list(groups.values())


@dataclass(frozen=True)
class Expectation:
    """A data-quality check on a column, translated into a Great Expectations expectation."""

    check: Literal["not_null", "unique", "in_set", "between", "regex"]
    column: str
    on: Literal["target", "source"] = "target"
    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    mostly: float = 1.0

    GE_TYPES = {
        "not_null": "expect_column_values_to_not_be_null",
        "unique": "expect_column_values_to_be_unique",
        "in_set": "expect_column_values_to_be_in_set",
        "between": "expect_column_values_to_be_between",
        "regex": "expect_column_values_to_match_regex",
    }

    @property
    def ge_type(self) -> str:
        """The Great Expectations expectation type."""
        return self.GE_TYPES[self.check]

    def ge_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the Great Expectations expectation."""
        kwargs: dict[str, Any] = {"column": self.column}
        if self.check == "in_set":
            kwargs["value_set"] = list(self.values)
        elif self.check == "between":
            kwargs.update(min_value=self.min, max_value=self.max)
        elif self.check == "regex":
            kwargs["regex"] = self.pattern
        if self.mostly < 1.0:
            kwargs["mostly"] = self.mostly
        return kwargs


VanishedPolicy = Literal["keep", "inactivate", "delete"]
ReportKind = Literal["text", "decimal", "integer", "date", "datetime", "boolean"]
ROW_KEY = "id"  # the field of a report row holding its key (the key columns' values joined)
KEY_SEPARATOR = "~"


@dataclass(frozen=True)
class ReportColumn:
    """A column of a published report the OneView workflow reads, with the kind the mapping expects."""

    name: str
    kind: ReportKind


@dataclass(frozen=True)
class ReportSpec:
    """What a OneView workflow reads (a published OData report) and how its rows become custom records.

    A row's key is its ``key`` columns' values joined with ``~``: the custom record's externalId is
    made from it, so a row keeps its NetSuite record from one refresh to the next.
    """

    resource: str  # the report's OData resource, e.g. "report101"
    record_type: str  # the target custom record type's scriptId (customrecord_*)
    record_type_id: str  # its internalId (the recType written with every record)
    key: tuple[str, ...]
    columns: tuple[ReportColumn, ...]  # every column read, in mapping order
    vanished: VanishedPolicy = "inactivate"
    # A refresh that retires more than this share of the records written so far fails the plan
    # (an empty or mis-published report must not wipe the custom records out).
    vanished_limit: float = 0.5
    filter: str | None = None  # OData $filter sent with the read
    page_size: int | None = None

    def column(self, name: str) -> ReportColumn | None:
        """The declared column ``name`` (None when the mapping does not read it)."""
        return next((c for c in self.columns if c.name == name), None)

    def row_key(self, row: Mapping[str, Any]) -> str | None:
        """The row's key (its key columns' values joined), or None when a key column is empty."""
        parts = []
        for name in self.key:
            value = row.get(name)
            if value in (None, ""):
                return None
            parts.append(value.isoformat() if hasattr(value, "isoformat") else str(value))
        return KEY_SEPARATOR.join(parts)


@dataclass(frozen=True)
class Policy:
    """Which writes a workflow may make on the target."""

    create: bool = True
    update: bool = False


@dataclass(frozen=True)
class Workflow:
    """One synchronisation workflow, fully resolved from its mapping file."""

    id: str
    title: str
    direction: Direction
    entity: str
    source: SourceSpec
    target: TargetSpec
    match: tuple[MatchRule, ...]
    external_id: str
    netsuite_id_field: str
    policy: Policy
    fields: tuple[FieldMapping, ...]
    sublists: tuple[SublistSpec, ...] = ()
    monitored: tuple[str, ...] = ()  # explicit monitored_fields; empty = every mapped source field
    depends_on: tuple[str, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    schedule: str | None = DEFAULT_SCHEDULE
    # Keep running on its own schedule when a scheduled group runs it too (default: the group's only).
    own_schedule: bool = False
    batch_size: int = 100
    enabled: bool = True
    description: str = ""
    path: Path | None = None
    report: ReportSpec | None = None  # OneView workflows: the report read and the rows' keys
    # Exports: NetSuite fields written back into the SPP record after a create, beside the internalId
    # (NetSuite field path, SPP field), e.g. the invoice number NetSuite generated
    pullbacks: tuple[tuple[str, str], ...] = ()

    @property
    def stamps_external_id(self) -> bool:
        """Writes carry the workflow's external id. Not an update-only import: it writes onto records
        made elsewhere (an envelope SPP exported, marked reimbursed), needs no create key, and their
        externalid is not its to change."""
        return not (self.is_import and not self.policy.create)

    @property
    def is_oneview(self) -> bool:
        """A published SPP report (OData) into NetSuite custom records."""
        return self.direction == "oneview"

    @property
    def is_import(self) -> bool:
        """NetSuite -> SuiteProjects Pro."""
        return self.direction == "import"

    @property
    def is_export(self) -> bool:
        """SuiteProjects Pro -> NetSuite."""
        return self.direction == "export"

    @property
    def resolve_side(self) -> str:
        """The cross-reference side references are translated to: ``to_spp`` or ``to_netsuite``."""
        return "to_spp" if self.is_import else "to_netsuite"

    def mapped_source_paths(self) -> tuple[str, ...]:
        """Source paths read by field and sublist mappings (sublist paths prefixed ``<source>[].``)."""
        from include.mapping.transforms import TRANSFORMS  # light; kept local to avoid an import cycle

        field_args = {name: t.field_args for name, t in TRANSFORMS.items() if t.field_args}
        paths: list[str] = []
        for mapping in self.fields:
            paths.extend(normalise(self.source.system, p) for p in mapping.fields_read(field_args))
        for sublist in self.sublists:
            if sublist.built_from_record:  # its lines read the record itself (and its templates' fields)
                paths.extend(
                    normalise(self.source.system, p)
                    for mapping in sublist.fields
                    for p in mapping.fields_read(field_args)
                    if p not in sublist.line_keys
                )
                paths.extend(
                    normalise(self.source.system, p)
                    for entry in sublist.from_record
                    for _, template in entry
                    for p in template_fields(template)
                )
                continue
            for mapping in sublist.fields:
                paths.extend(
                    f"{sublist.source}[].{normalise(self.source.system, p)}"
                    for p in mapping.fields_read(field_args)
                )
        return tuple(dict.fromkeys(paths))

    @property
    def monitored_fields(self) -> tuple[str, ...]:
        """Source paths whose change makes a record worth syncing (hashed per record)."""
        if self.monitored:
            return self.monitored
        return self.mapped_source_paths()

    def source_paths(self) -> tuple[str, ...]:
        """Every source path the workflow reads: id, name, mappings, match keys, templates, filters."""
        system = self.source.system
        paths = [self.source.id_field, normalise(system, self.source.name_field)]
        paths.extend(p for p in self.mapped_source_paths() if "[]." not in p)
        for rule in self.match:
            if rule.source:
                paths.append(normalise(system, rule.source))
            if rule.template:
                paths.extend(normalise(system, p) for p in template_fields(rule.template))
        paths.extend(normalise(system, p) for p in template_fields(self.external_id))
        paths.extend(normalise(system, f.field) for f in self.source.filters if f.via is None)
        paths.extend(f.via.key for f in self.source.filters if f.via is not None)
        paths.extend(p for p in self.monitored if "[]." not in p)
        if self.is_export:
            paths.append(self.netsuite_id_field)
        return tuple(dict.fromkeys(paths))

    def source_fields(self) -> tuple[str, ...]:
        """Top-level source fields to request (SPP ``_Return`` names; NetSuite fields, custom scriptIds)."""
        return tuple(sorted({root_field(p) for p in self.source_paths()}))

    def sublist_fields(self, sublist: SublistSpec) -> tuple[str, ...]:
        """Top-level fields to request for the line records of ``sublist``."""
        prefix = f"{sublist.source}[]."
        paths = [p[len(prefix) :] for p in self.monitored_fields if p.startswith(prefix)]
        paths.extend(p[len(prefix) :] for p in self.mapped_source_paths() if p.startswith(prefix))
        paths.extend(f.field for f in sublist.filters)
        paths += ["id", sublist.parent_field]
        return tuple(sorted({root_field(p) for p in paths}))

    def mapped_targets(self) -> tuple[str, ...]:
        """Target fields the workflow writes (external id and NetSuite-id field included for imports)."""
        targets = [m.target for m in self.fields]
        targets.append("externalid" if self.is_import else "externalId")
        if self.is_oneview:
            targets.append("name")
        if self.is_import:
            targets.append(self.netsuite_id_field)
        targets.extend(s.target for s in self.sublists)
        return tuple(dict.fromkeys(targets))

    def external_id_for(self, source_id: str) -> str:
        """The target external id of the source record ``source_id`` (``external_id`` template filled in)."""
        rendered = render_template(self.external_id, {self.source.id_field: str(source_id)})
        if rendered is None:  # the loader only accepts templates built from the source id
            raise ValueError(f"{self.id}: external_id {self.external_id!r} needs more than the source id")
        return rendered

    def linking_workflow(self, reference: ReferenceSpec) -> str:
        """The workflow to run first when ``reference`` is not linked yet."""
        if reference.workflow:
            return reference.workflow
        try:
            if self.direction == "oneview":  # either direction links a record to NetSuite
                names = {registry.linking_workflow(reference.entity, d) for d in registry.DIRECTIONS}
                return " or ".join(sorted(names))
            return registry.linking_workflow(reference.entity, self.direction)
        except registry.UnknownEntity:  # the loader refuses these; a hand-built Workflow may not
            return f"the {reference.entity} workflow"
