"""Apply a workflow's field mappings to a batch of source documents, column by column with pandas.

Input: source documents (NetSuite form for imports, SPP form for exports; docs/CONTRACTS.md). Output: one
:class:`TransformedRecord` per input, in input order, holding the target document (in the target system's
document form), the initial-only fields kept apart for creates, or the record's error. A bad record never
fails the batch: missing required references and transform failures become that record's ``error``.

Column work: the source paths the mappings read become columns of an object DataFrame; each field mapping
is computed for the whole column (direct copy, constant broadcast, vectorised transforms where available),
and references are translated with one bulk ``resolve`` call per entity for the whole batch (lines too).

pandas is imported inside the functions only: the loader and the DAG factory import this package at parse
time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from include.mapping.field_types import netsuite_kind
from include.mapping.model import FieldMapping, Workflow
from include.mapping.paths import CUSTOM_FIELD_LIST, get_path, is_netsuite_custom, render_template
from include.mapping.transforms import (
    TRANSFORMS,
    duration_to_hours,
    hours_to_duration,
    spp_to_bool,
    to_datetime,
    to_float,
)

if TYPE_CHECKING:
    import pandas as pd

# resolve(entity, direction_side, source_side_ids) -> {source_side_id: target_side_id} for the linked ones.
Resolver = Callable[[str, str, list[str]], Mapping[str, str]]

_SYSTEM_NAMES = {"to_netsuite": "NetSuite", "to_spp": "SuiteProjects Pro"}


@dataclass
class TransformedRecord:
    """One source record after mapping: the target document, or why it could not be built."""

    source_id: str
    source_name: str | None
    target: dict[str, Any] = field(default_factory=dict)
    create_only: dict[str, Any] = field(default_factory=dict)  # initial_only fields, written on create only
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the record can be written."""
        return self.error is None

    def create_document(self) -> dict[str, Any]:
        """The document to send when the target record is created (target + initial-only fields)."""
        merged = {**self.target, **{k: v for k, v in self.create_only.items() if k != CUSTOM_FIELD_LIST}}
        customs = {**self.target.get(CUSTOM_FIELD_LIST, {}), **self.create_only.get(CUSTOM_FIELD_LIST, {})}
        if customs:
            merged[CUSTOM_FIELD_LIST] = customs
        return merged


@dataclass
class TransformOutput:
    """The transformed batch, in input order."""

    workflow: str
    rows: list[TransformedRecord]

    @property
    def ok_rows(self) -> list[TransformedRecord]:
        """Records ready to write."""
        return [row for row in self.rows if row.ok]

    @property
    def failed_rows(self) -> list[TransformedRecord]:
        """Records that could not be mapped (with their error)."""
        return [row for row in self.rows if not row.ok]

    def target_frame(self) -> pd.DataFrame:
        """Flat table of the mapped records (refs as ids, custom fields by scriptId) for quality checks."""
        import pandas as pd

        flat = []
        for row in self.ok_rows:
            values = {"_source_id": row.source_id}
            for key, value in row.create_document().items():
                if key == CUSTOM_FIELD_LIST:
                    values.update({k: _flat(v) for k, v in value.items()})
                elif not (
                    isinstance(value, Mapping)
                    and len(value) == 1
                    and isinstance(next(iter(value.values())), list)
                ):
                    values[key] = _flat(value)
            flat.append(values)
        return pd.DataFrame(flat, dtype=object)


def _flat(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value.get("internalId", value.get("timeSpan"))
    return value


def transform(workflow: Workflow, records: Sequence[Mapping[str, Any]], resolve: Resolver) -> TransformOutput:
    """Map ``records`` (source documents) to target documents following ``workflow``.

    ``resolve(entity, side, ids)`` translates source-side ids of linked records to target-side ids
    (``side`` is ``to_spp`` for imports, ``to_netsuite`` for exports); ids it leaves out are not linked.
    """
    import pandas as pd

    if not records:
        return TransformOutput(workflow.id, [])
    label = f"{workflow.report.resource} row" if workflow.report else workflow.entity.replace("_", " ")
    ids = [_id_text(get_path(r, workflow.source.id_field)) or f"#{i + 1}" for i, r in enumerate(records)]
    names = [_name_text(get_path(r, workflow.source.name_field)) for r in records]
    errors: list[list[str]] = [[] for _ in records]

    main = _frame(pd, records, workflow.fields)
    line_frames = []
    for sublist in workflow.sublists:
        parents, lines = [], []
        for position, record in enumerate(records):
            try:
                record_lines = sublist.lines_of(record)
            except ValueError as exc:  # a summed field that is not a number: this record fails, not the run
                errors[position].append(f"{sublist.target}: {exc}")
                continue
            for line in record_lines:
                parents.append(position)
                lines.append(line)
        line_frames.append((sublist, parents, lines, _frame(pd, lines, sublist.fields)))

    resolved = _resolve_all(workflow, main, [(s.fields, f) for s, _, _, f in line_frames], resolve)

    columns = _columns(workflow, workflow.fields, main, workflow.target.type, resolved, errors)
    documents = _assemble(workflow, workflow.fields, columns, len(records))

    for sublist, parents, lines, frame in line_frames:
        line_errors: list[list[str]] = [[] for _ in lines]
        line_type = f"{workflow.target.type}.{sublist.line}"
        line_columns = _columns(workflow, sublist.fields, frame, line_type, resolved, line_errors)
        line_docs = _assemble(workflow, sublist.fields, line_columns, len(lines))
        per_parent: dict[int, list[dict[str, Any]]] = {}
        for index, (parent, (target, create_only)) in enumerate(zip(parents, line_docs, strict=True)):
            number = len(per_parent.setdefault(parent, [])) + 1
            line_id = _id_text(get_path(lines[index], "id"))
            where = f"line {number} ({sublist.source_type} {line_id})" if line_id else f"line {number}"
            if line_errors[index]:
                errors[parent].append(f"{where}: {', '.join(line_errors[index])}")
            per_parent[parent].append({**target, **create_only})
        for position in range(len(records)):
            found = per_parent.get(position, [])
            problem = sublist.unbalanced(found) if found else None
            if problem:
                errors[position].append(f"{sublist.target}: {problem}")
            if found:
                documents[position][0][sublist.target] = {sublist.line: found}
            elif sublist.required:
                errors[position].append(
                    f"has no {sublist.source_type} lines ({sublist.target} must not be empty)"
                )

    rows = []
    for position, record in enumerate(records):
        target, create_only = documents[position]
        external_id = render_template(workflow.external_id, record)
        if external_id is None:
            errors[position].append(f"external id template {workflow.external_id!r} has an empty field")
        elif workflow.is_import:
            if workflow.stamps_external_id:
                target["externalid"] = external_id
            target[workflow.netsuite_id_field] = ids[position]
        else:
            target["externalId"] = external_id
        error = f"{label} {ids[position]}: " + "; ".join(errors[position]) if errors[position] else None
        rows.append(
            TransformedRecord(
                ids[position],
                names[position],
                {} if error else target,
                {} if error else create_only,
                error,
            )
        )
    return TransformOutput(workflow.id, rows)


# --- building blocks --------------------------------------------------------------------------------------


def _frame(pd: Any, docs: Sequence[Mapping[str, Any]], mappings: Sequence[FieldMapping]) -> pd.DataFrame:
    """One object column per source path the mappings read (None where a document lacks it)."""
    field_args = {name: t.field_args for name, t in TRANSFORMS.items() if t.field_args}
    paths = list(dict.fromkeys(p for m in mappings for p in m.fields_read(field_args)))
    data = {path: [get_path(doc, path) for doc in docs] for path in paths}
    return pd.DataFrame(data, index=range(len(docs)), dtype=object)


def _resolve_all(
    workflow: Workflow,
    main: pd.DataFrame,
    line_sets: Sequence[tuple[Sequence[FieldMapping], pd.DataFrame]],
    resolve: Resolver,
) -> dict[str, dict[str, str]]:
    """One ``resolve`` call per referenced entity, for every id of the batch (records and lines)."""
    wanted: dict[str, set[str]] = {}
    for mappings, frame in [(workflow.fields, main), *line_sets]:
        for mapping in mappings:
            if mapping.reference is not None:
                ids = _reference_ids(frame[mapping.reference.field], workflow.source.system)
                wanted.setdefault(mapping.reference.entity, set()).update(i for i in ids if i is not None)
    resolved: dict[str, dict[str, str]] = {}
    for entity, ids in wanted.items():
        answer = resolve(entity, workflow.resolve_side, sorted(ids)) if ids else {}
        resolved[entity] = {str(k): str(v) for k, v in answer.items() if v not in (None, "")}
    return resolved


def _columns(
    workflow: Workflow,
    mappings: Sequence[FieldMapping],
    frame: pd.DataFrame,
    target_type: str,
    resolved: Mapping[str, Mapping[str, str]],
    errors_of: list[list[str]],
) -> dict[str, list[Any]]:
    """Each mapping's target values for every row, as lists; row problems are added to ``errors_of``."""
    import pandas as pd

    rows = len(frame.index)
    columns: dict[str, list[Any]] = {}
    side = workflow.resolve_side
    for mapping in mappings:
        if mapping.reference is not None:
            ref = mapping.reference
            raw = _reference_ids(frame[ref.field], workflow.source.system)
            values = _objects(raw.map(resolved.get(ref.entity, {})))  # unlinked ids -> None
            if ref.required or ref.when_set:
                entity = ref.entity.replace("_", " ")
                run_first = workflow.linking_workflow(ref)
                for position, (source_id, target_id) in enumerate(
                    zip(raw.tolist(), values.tolist(), strict=True)
                ):
                    if source_id is None:
                        if ref.required:
                            errors_of[position].append(
                                f"{mapping.target}: no {entity} ({ref.field} is empty)"
                            )
                    elif target_id is None:
                        errors_of[position].append(
                            f"{entity} {source_id} is not linked to {_SYSTEM_NAMES[side]} yet "
                            f"(run {run_first} first)"
                        )
        elif mapping.has_constant:
            values = pd.Series([mapping.constant] * rows, index=frame.index, dtype=object)
        elif mapping.source is not None:
            values = frame[mapping.source]
        else:
            values = pd.Series([None] * rows, index=frame.index, dtype=object)
        for spec in mapping.transforms:
            values = _apply_transform(spec.name, spec.kwargs, values, frame, mapping.target, errors_of)
        kind = _target_kind(workflow, mapping, target_type)
        shape = _netsuite_value if workflow.target.system == "netsuite" else _spp_value
        out: list[Any] = []
        for position, value in enumerate(values.tolist()):
            try:
                out.append(shape(value, kind))
            except (TypeError, ValueError) as exc:
                errors_of[position].append(f"{mapping.target}: {exc}")
                out.append(None)
        columns[mapping.target] = out
    return columns


def _apply_transform(
    name: str,
    kwargs: Mapping[str, Any],
    values: pd.Series,
    frame: pd.DataFrame,
    target: str,
    errors_of: list[list[str]],
) -> pd.Series:
    """Run one transform over a column: vectorised when possible, else value by value with row errors."""
    import pandas as pd

    transform = TRANSFORMS[name]
    if transform.series is not None and not transform.field_args:
        try:
            return _objects(transform.series(values, **kwargs))
        except (TypeError, ValueError, AttributeError):
            pass  # fall back to value-by-value to find the rows at fault
    per_row_args: list[dict[str, Any]] | None = None
    if transform.field_args:
        per_row_args = [dict(kwargs) for _ in range(len(values))]
        for arg in transform.field_args:
            row_values = list(zip(*(frame[path].tolist() for path in kwargs[arg]), strict=True))
            for position, row in enumerate(row_values):
                per_row_args[position][arg] = list(row)
    out = []
    for position, value in enumerate(values.tolist()):
        try:
            out.append(transform.func(value, **(per_row_args[position] if per_row_args else kwargs)))
        except (TypeError, ValueError) as exc:
            errors_of[position].append(f"{target}: transform {name}: {exc}")
            out.append(None)
    return pd.Series(out, index=values.index, dtype=object)


def _target_kind(workflow: Workflow, mapping: FieldMapping, target_type: str) -> str:
    if mapping.type:
        return mapping.type
    if workflow.target.system == "spp":
        return "str"
    if mapping.reference is not None:
        return "ref"
    if is_netsuite_custom(mapping.target):
        return "any"  # custom field: the value's own type picks the CustomFieldRef type
    return netsuite_kind(target_type, mapping.target)


def _assemble(
    workflow: Workflow, mappings: Sequence[FieldMapping], columns: Mapping[str, list[Any]], rows: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Per row: (target document, initial-only fields), empty values omitted, custom fields grouped."""
    netsuite = workflow.target.system == "netsuite"
    documents: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, {}) for _ in range(rows)]
    for mapping in mappings:
        for position, value in enumerate(columns[mapping.target]):
            if value is None:
                continue
            document = documents[position][1 if mapping.initial_only else 0]
            if netsuite and is_netsuite_custom(mapping.target):
                document.setdefault(CUSTOM_FIELD_LIST, {})[mapping.target] = value
            else:
                _set_path(document, mapping.target, value)
    for target, create_only in documents:
        if CUSTOM_FIELD_LIST in target and CUSTOM_FIELD_LIST in create_only:
            # Callers may merge the two dicts shallowly for a create: carry every custom field in create_only.
            create_only[CUSTOM_FIELD_LIST] = {**target[CUSTOM_FIELD_LIST], **create_only[CUSTOM_FIELD_LIST]}
    return documents


def _set_path(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        document = document.setdefault(part, {})
    document[last] = value


# --- value shapes ----------------------------------------------------------------------------------------


def _objects(series: pd.Series) -> pd.Series:
    """The column as Python objects with None (not NaN) for missing cells."""
    series = series.astype(object)
    return series.where(series.notna(), None)


def _reference_ids(column: pd.Series, system: str) -> pd.Series:
    """Source-side ids of a reference column as text (RecordRefs read as their internalId), None if empty."""
    return _objects(column.map(lambda value: _ref_id(value, system)))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _id_text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("internalId")
    if _missing(value) or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _ref_id(value: Any, system: str) -> str | None:
    text = _id_text(value)
    # SPP writes "0" in an empty foreign key (no record has id 0); "-1" is the autorecovery claim.
    if text in ("-1",) or (system == "spp" and text == "0"):
        return None
    return text


def _name_text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("internalId")
    if _missing(value) or value == "":
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _netsuite_value(value: Any, kind: str) -> Any:
    """A value in NetSuite document form for a field of ``kind``."""
    if _missing(value) or value == "":
        return None
    if kind == "ref":
        ref_id = _id_text(value)
        return {**value, "internalId": ref_id} if isinstance(value, Mapping) else {"internalId": ref_id}
    if kind == "bool":
        return spp_to_bool(value)
    if kind in ("datetime", "date"):
        return to_datetime(value)
    if kind == "float":
        return to_float(value)
    if kind == "int":
        number = to_float(value)
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if kind == "duration":
        return hours_to_duration(value)
    if kind == "any":
        return (
            value.isoformat() if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else value
        )
    if isinstance(value, Mapping):
        return _id_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _spp_value(value: Any, kind: str) -> str | None:
    """A value in SPP document form (text): booleans "1"/"0", dates "YYYY-MM-DD", numbers without noise."""
    if _missing(value) or value == "":
        return None
    if kind == "bool" or isinstance(value, bool):
        return "1" if spp_to_bool(value) else "0"
    if isinstance(value, str) and kind in ("date", "datetime"):
        value = to_datetime(value)
    if isinstance(value, dt.datetime):
        if kind == "datetime":
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Mapping):
        if "timeSpan" in value:  # a Duration becomes decimal hours
            value = duration_to_hours(value)
        else:
            return _id_text(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        raise ValueError(f"a list cannot be written to a SuiteProjects Pro field: {value!r}")
    return str(value)
