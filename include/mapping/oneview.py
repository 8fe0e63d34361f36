"""OneView mappings: a SuiteProjects Pro published report (OData v4) into NetSuite custom records.

A OneView mapping file (``direction: oneview``) names the report's OData resource, the target custom
record type, the key columns that identify a row, and each column it reads with the kind of value the
column holds (``text``, ``decimal``, ``integer``, ``date``, ``datetime``, ``boolean``) and the custom
field it fills. The builder turns it into the same :class:`~include.mapping.model.Workflow` the engine
runs for every other workflow (plan, load, finish), with a :class:`~include.mapping.model.ReportSpec`.

Checked when the file is loaded (no I/O: the DAG factory loads mappings at parse time): the custom
record type and every custom field against ``include.registry.CUSTOM_RECORD_TYPES``, the column kind
against the field kind, references against the field's record type, required fields mapped, keys and
name columns declared. Checked when a run starts (:func:`check_report_layout`): every column the
mapping reads exists in the report's ``$metadata`` with the declared kind, so a republished report
whose layout changed fails the run before anything is written, naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from include import registry
from include.mapping.loader import Builder, MappingError, _did_you_mean, _display
from include.mapping.model import (
    ROW_KEY,
    FieldMapping,
    Policy,
    ReferenceSpec,
    ReportColumn,
    ReportKind,
    ReportSpec,
    SourceSpec,
    TargetSpec,
    TransformSpec,
    Workflow,
)
from include.mapping.paths import template_fields, template_problem

DEFAULT_SCHEDULE = "0 6 * * *"  # reports refresh overnight in SPP; once a day after that

# The report column kinds a custom field of each kind accepts without a transform.
ACCEPTS: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "integer", "decimal", "date", "datetime", "boolean"}),
    "decimal": frozenset({"decimal", "integer"}),
    "integer": frozenset({"integer"}),
    "date": frozenset({"date", "datetime"}),
    "checkbox": frozenset({"boolean"}),
    "select": frozenset({"integer", "text"}),
}
# The value kind the mapping engine shapes each custom field kind to (include.mapping.field_types.KINDS).
VALUE_KIND = {
    "text": "str",
    "decimal": "float",
    "integer": "int",
    "date": "date",
    "checkbox": "bool",
    "select": "ref",
}

EDM_KINDS: dict[str, ReportKind] = {
    "Edm.String": "text",
    "Edm.Guid": "text",
    "Edm.Decimal": "decimal",
    "Edm.Double": "decimal",
    "Edm.Single": "decimal",
    "Edm.Int16": "integer",
    "Edm.Int32": "integer",
    "Edm.Int64": "integer",
    "Edm.Byte": "integer",
    "Edm.SByte": "integer",
    "Edm.Date": "date",
    "Edm.DateTimeOffset": "datetime",
    "Edm.Boolean": "boolean",
}


def oneview_entity(workflow_id: str) -> str:
    """The cross-reference entity of a OneView workflow's rows (row key ↔ custom record internalId).

    The entity column holds 64 characters: the schema caps OneView workflow ids at 56."""
    return f"oneview.{workflow_id}"


class OneViewBuilder(Builder):
    """Turns a validated OneView mapping into a Workflow (defaults filled, semantic checks made)."""

    def build(self) -> Workflow:
        data = self.data
        workflow_id = data["workflow"]
        if workflow_id != self.path.stem:
            raise self.fail("workflow", f"{workflow_id!r} must equal the file name {self.path.stem!r}")
        record_type = self.custom_record_type()
        columns = self.columns()
        declared = {c.name: i for i, c in enumerate(columns)}
        key = tuple(data["key"])
        for index, name in enumerate(key):
            self.declared(name, declared, f"key[{index}]")
        fields = self.fields_of(record_type, columns)
        fields.append(self.name_field(declared, key))
        resource = data["report"]["resource"]
        external_id = data.get("external_id") or f"spp-{resource}-{{{ROW_KEY}}}"
        problem = template_problem(external_id)
        if problem:
            raise self.fail("external_id", problem)
        if any(name != ROW_KEY for name in template_fields(external_id)):
            raise self.fail(
                "external_id",
                f"{external_id!r} may only use {{{ROW_KEY}}}, the row's key, so it never changes",
            )
        report = ReportSpec(
            resource=resource,
            record_type=record_type.script_id,
            record_type_id=record_type.internal_id,
            key=key,
            columns=columns,
            vanished=data.get("vanished", "inactivate"),
            vanished_limit=float(data.get("vanished_limit", 0.5)),
            filter=data["report"].get("filter"),
            page_size=data["report"].get("page_size"),
        )
        workflow = Workflow(
            id=workflow_id,
            title=data["title"],
            direction="oneview",
            entity=oneview_entity(workflow_id),
            source=SourceSpec("spp", resource, name_field=ROW_KEY),
            target=TargetSpec("netsuite", "customRecord"),
            match=(),
            external_id=external_id,
            netsuite_id_field="",
            policy=Policy(create=True, update=True),
            fields=tuple(fields),
            schedule=self.schedule(DEFAULT_SCHEDULE),
            batch_size=data.get("batch_size", 100),
            enabled=data.get("enabled", True),
            own_schedule=data.get("own_schedule", False),
            description=data.get("description", ""),
            path=self.path,
            report=report,
        )
        return replace(workflow, expectations=self.expectations(workflow))

    # --- sections -----------------------------------------------------------------------------------

    def custom_record_type(self) -> registry.CustomRecordTypeInfo:
        name = self.data["target"]["record_type"]
        try:
            return registry.custom_record_type(name)
        except registry.UnknownName as exc:
            raise self.fail(
                "target.record_type",
                f"{exc.message}; declare the account's custom record types in include/registry.py "
                "(CUSTOM_RECORD_TYPES)",
            ) from None

    def columns(self) -> tuple[ReportColumn, ...]:
        seen: dict[str, int] = {}
        out = []
        for index, raw in enumerate(self.data["columns"]):
            name = raw["column"]
            if name in seen:
                raise self.fail(
                    f"columns[{index}].column", f"{name!r} is already read by columns[{seen[name]}]"
                )
            if name == ROW_KEY:
                raise self.fail(
                    f"columns[{index}].column", f"{ROW_KEY!r} is the row key's own name; rename it"
                )
            seen[name] = index
            out.append(ReportColumn(name, raw["type"]))
        return tuple(out)

    def declared(self, name: str, declared: Mapping[str, int], where: str) -> None:
        if name not in declared:
            raise self.fail(
                where,
                f"{name!r} is not one of the columns this mapping reads{_did_you_mean(name, declared)}; "
                "declare it under columns (with its type)",
            )

    def fields_of(
        self, record_type: registry.CustomRecordTypeInfo, columns: Sequence[ReportColumn]
    ) -> list[FieldMapping]:
        mappings: list[FieldMapping] = []
        written: dict[str, int] = {}
        for index, raw in enumerate(self.data["columns"]):
            where = f"columns[{index}]"
            column = columns[index]
            script_id = raw.get("field")
            if script_id is None:
                for key in ("reference", "transform"):
                    if key in raw:
                        raise self.fail(f"{where}.{key}", "needs a field to write")
                continue
            if script_id in written:
                raise self.fail(
                    f"{where}.field", f"{script_id!r} is already written by columns[{written[script_id]}]"
                )
            written[script_id] = index
            try:
                custom = record_type.field(script_id)
            except registry.UnknownName as exc:
                raise self.fail(f"{where}.field", f"{exc.message}") from None
            transforms = self.transforms(raw.get("transform"), f"{where}.transform")
            reference = self.reference(raw, custom, where)
            if not transforms and column.kind not in ACCEPTS[custom.kind]:
                raise self.fail(
                    f"{where}.type",
                    f"a {column.kind} column cannot fill {script_id!r}, a {custom.kind} field (it takes "
                    f"{', '.join(sorted(ACCEPTS[custom.kind]))} columns; or add a transform)",
                )
            mappings.append(
                FieldMapping(
                    target=script_id,
                    source=column.name,
                    reference=reference,
                    transforms=transforms,
                    type=VALUE_KIND[custom.kind],
                )
            )
        missing = [f.script_id for f in record_type.fields if f.required and f.script_id not in written]
        if missing:
            raise self.fail(
                "columns",
                f"{record_type.script_id} requires {', '.join(missing)}: map a column to "
                f"{'it' if len(missing) == 1 else 'each'}",
            )
        return mappings

    def reference(
        self, raw: Mapping[str, Any], custom: registry.CustomFieldInfo, where: str
    ) -> ReferenceSpec | None:
        if "required" in raw and "reference" not in raw:
            raise self.fail(f"{where}.required", "only applies with reference (an unlinked id)")
        if "reference" not in raw:
            if custom.kind == "select":
                raise self.fail(
                    f"{where}.reference",
                    f"{custom.script_id!r} is a select field: name the entity whose SPP id the column holds "
                    "(e.g. reference: project)",
                )
            return None
        entity = self.entity(raw["reference"], f"{where}.reference")
        if custom.kind != "select":
            raise self.fail(
                f"{where}.reference", f"{custom.script_id!r} is a {custom.kind} field, not a select"
            )
        if custom.references and entity.netsuite_type != custom.references:
            raise self.fail(
                f"{where}.reference",
                f"{custom.script_id!r} points at NetSuite {custom.references} records; entity "
                f"{entity.name!r} links {entity.netsuite_type} records",
            )
        return ReferenceSpec(entity.name, raw["column"], raw.get("required", True))

    def name_field(self, declared: Mapping[str, int], key: tuple[str, ...]) -> FieldMapping:
        """The custom record's ``name``: the name columns (or the key columns) joined."""
        raw = self.data.get("name") or {}
        names = list(raw.get("columns") or key)
        for index, name in enumerate(names):
            self.declared(name, declared, f"name.columns[{index}]")
        spec = TransformSpec("concat", {"sep": raw.get("separator", " "), "fields": names})
        return FieldMapping(target="name", transforms=(spec,))


def check_report_layout(workflow: Workflow, columns: Iterable[Any]) -> None:
    """Refuse a run whose report does not have the columns the mapping reads, of the declared kinds.

    ``columns`` are the report's ``$metadata`` columns (``name`` and ``edm_type``). Raises
    :class:`MappingError` naming the mapping file and the key.
    """
    report = workflow.report
    if report is None:
        raise ValueError(f"{workflow.id} is not a OneView workflow")
    file = _display(workflow.path) if workflow.path else workflow.id
    live = {c.name: c.edm_type for c in columns}
    for index, column in enumerate(report.columns):
        where = f"columns[{index}]"
        if column.name not in live:
            raise MappingError(
                file,
                f"{where}.column",
                f"{column.name!r} is not a column of report {report.resource}"
                f"{_did_you_mean(column.name, live)}; its columns: {', '.join(live)}",
            )
        kind = EDM_KINDS.get(live[column.name])
        if kind != column.kind and not (column.kind == "decimal" and kind == "integer"):
            raise MappingError(
                file,
                f"{where}.type",
                f"report {report.resource} column {column.name!r} is {live[column.name]} "
                f"({kind or 'unsupported'}), not {column.kind}",
            )
