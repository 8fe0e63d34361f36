"""Load workflow mapping files (``mappings/*.yaml``) into :class:`Workflow` objects, with precise errors.

Validation runs in two stages: the JSON Schema (:mod:`include.mapping.schema`) checks shape and types, then
semantic checks cover what a schema cannot (one value source per field, known transform names and
arguments, duplicate targets, direction/system consistency, update policy, dependencies). Every problem is
reported as ``<file>: <key path>: <message>`` so a user can find and fix it in the YAML.

The DAG factory imports this module at parse time, so it imports nothing heavy at module level: jsonschema
and croniter are imported on first validation, pandas never.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from include import registry
from include.mapping.model import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_SCHEDULE,
    EXPORT_FLAG_FIELD,
    MAX_BATCH_SIZE,
    Expectation,
    FieldMapping,
    Filter,
    FilterOp,
    MatchRule,
    Policy,
    ReferenceSpec,
    SourceSpec,
    SublistSpec,
    TargetSpec,
    TransformSpec,
    Via,
    Workflow,
)
from include.mapping.paths import (
    is_netsuite_custom,
    is_valid_path,
    normalise,
    root_field,
    template_fields,
    template_problem,
)
from include.mapping.transforms import TRANSFORMS

MAPPING_SUFFIXES = (".yaml", ".yml")
_SCHEDULE_PRESETS = {
    "@once",
    "@continuous",
    "@hourly",
    "@daily",
    "@weekly",
    "@monthly",
    "@quarterly",
    "@yearly",
}
_FILTER_OPS: tuple[FilterOp, ...] = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "empty",
    "greater_than",
    "less_than",
)

# Default "approved only" filters of export workflows, per SPP source type (connector-semantics.md §5.4).
# A time entry (Task) has no approval of its own: it is approved when its Timesheet is (status "A").
_DEFAULT_EXPORT_FILTERS: dict[str, tuple[Filter, ...]] = {
    "Envelope": (Filter("status", "equals", "A"),),
    "Task": (Filter("status", "equals", "A", Via("Timesheet", "timesheetid")),),
}


class MappingError(Exception):
    """A problem in a mapping file: which file, where in it (key path), and what is wrong."""

    def __init__(self, file: str | Path, key_path: str, message: str) -> None:
        self.file = str(file)
        self.key_path = key_path
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.key_path, self.message) if part)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """safe_load semantics, but a key repeated in one mapping is an error instead of silently winning."""


def _construct_unique_mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1}, column {mark.column + 1})", mark
            )
        seen[key] = True
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _display(path: Path) -> str:
    """The file name as the user knows it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _did_you_mean_entity(system: str, record_type: str) -> str:
    """`` (entity 'project' pairs it)`` when another entity pairs ``record_type``."""
    others = [e.name for e in registry.entities_for(system, record_type)]
    return f"; entity {' or '.join(repr(o) for o in others)} pairs it" if others else ""


_validators: dict[str, Any] = {}


def _schema_validator(kind: str = "workflow") -> Any:
    """The schema validator of a mapping kind: ``workflow`` (imports, exports) or ``oneview``."""
    if kind not in _validators:
        from jsonschema import Draft202012Validator  # imported on first use: keeps DAG parsing fast

        from include.mapping.schema import ONEVIEW_SCHEMA, WORKFLOW_SCHEMA

        schema = ONEVIEW_SCHEMA if kind == "oneview" else WORKFLOW_SCHEMA
        _validators[kind] = Draft202012Validator(schema)
    return _validators[kind]


def mapping_kind(data: Mapping[str, Any]) -> str:
    """``oneview`` for a OneView mapping (``direction: oneview``), ``workflow`` for the others."""
    return "oneview" if data.get("direction") == "oneview" else "workflow"


def _schema_error(file: str, data: Any) -> MappingError | None:
    """The most useful schema violation in ``data`` as a MappingError, or None when it conforms."""
    from jsonschema.exceptions import best_match

    error = best_match(_schema_validator(mapping_kind(data)).iter_errors(data), key=_error_rank)
    if error is None:
        return None
    path = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = list(schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in allowed)[0]
        return MappingError(
            file,
            _key_path([*path, unknown]),
            f"unknown key {unknown!r}{_did_you_mean(unknown, allowed)}; allowed keys: {', '.join(allowed)}",
        )
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        return MappingError(file, _key_path([*path, *missing[:1]]), "required key is missing")
    if error.validator in ("minProperties", "maxProperties") and "field" in schema.get("properties", {}):
        return MappingError(
            file,
            _key_path(path),
            "a filter needs 'field' and exactly one of equals, not_equals, in, not_in, empty",
        )
    if error.validator in ("minProperties", "maxProperties") and "template" in schema.get("properties", {}):
        return MappingError(
            file, _key_path(path), "a match rule needs 'target' and exactly one of source, template"
        )
    if error.validator in ("oneOf", "type") and "transform" in [p for p in path if isinstance(p, str)]:
        # The transform key accepts several shapes; jsonschema would name just one branch that failed.
        if isinstance(data_at(data, path), Mapping) and not isinstance(
            data_at(data, path).get("args", []), list | dict
        ):
            return MappingError(
                file, _key_path([*path, "args"]), "args must be a list (positional) or a mapping (named)"
            )
        return MappingError(
            file, _key_path(path), "must be a transform name, {name, args}, or a list of those"
        )
    return MappingError(file, _key_path(path), error.message)


def data_at(data: Any, path: Sequence[Any]) -> Any:
    """The value at a key path (list of keys and indexes) in loaded YAML data, or None."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _error_rank(error: Any) -> tuple[int, bool, bool]:
    # best_match keeps the maximum: prefer errors deep in the document (closest to the mistake), then an
    # unknown key (a typo explains the "missing" key next to it), and concrete errors over oneOf summaries.
    return (
        len(error.path),
        error.validator == "additionalProperties",
        error.validator not in ("oneOf", "anyOf"),
    )


def read_mapping_file(path: str | Path) -> dict[str, Any]:
    """The YAML of a mapping file as a dict (syntax and top-level shape checked, nothing else)."""
    path = Path(path)
    file = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(file, "", f"cannot read the file: {exc.strerror or exc}") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingError(file, where, f"YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise MappingError(file, "", "the file must hold a mapping of keys (workflow, title, direction, ...)")
    return data


def load_workflow(path: str | Path) -> Workflow:
    """Load and validate one mapping file; raises :class:`MappingError` on the first problem found.

    Dependencies (``depends_on``) are checked against other files only by :func:`load_workflows`.
    """
    path = Path(path)
    file = _display(path)
    data = read_mapping_file(path)
    problem = _schema_error(file, data)
    if problem is not None:
        raise problem
    if mapping_kind(data) == "oneview":
        from include.mapping.oneview import OneViewBuilder

        return OneViewBuilder(file, path, data).build()
    return Builder(file, path, data).build()


def load_workflows(directory: str | Path) -> tuple[dict[str, Workflow], dict[str, MappingError]]:
    """Load every mapping file of ``directory``: the good workflows by id, and the error of each bad file.

    One bad file never stops the others. A workflow whose ``depends_on`` names no mapping file, or that
    sits on a dependency cycle, is reported as an error too. A dependency whose own file has errors keeps
    its dependents loaded (that file's error is already reported).
    """
    directory = Path(directory)
    workflows: dict[str, Workflow] = {}
    errors: dict[str, MappingError] = {}
    files = sorted(p for p in directory.iterdir() if p.suffix in MAPPING_SUFFIXES and p.is_file())
    for path in files:
        file = _display(path)
        try:
            workflow = load_workflow(path)
        except MappingError as exc:
            errors[file] = exc
            continue
        except Exception as exc:  # a loader bug must not hide the other files (nor break DAG parsing)
            errors[file] = MappingError(file, "", f"could not be loaded: {type(exc).__name__}: {exc}")
            continue
        if workflow.id in workflows:
            errors[file] = MappingError(file, "workflow", f"{workflow.id!r} is also defined by another file")
            continue
        workflows[workflow.id] = workflow
    known = set(workflows) | {p.stem for p in files}
    for workflow_id, workflow in list(workflows.items()):
        for index, dependency in enumerate(workflow.depends_on):
            if dependency not in known:
                file = _display(workflow.path) if workflow.path else workflow_id
                errors[file] = MappingError(
                    file,
                    f"depends_on[{index}]",
                    f"{dependency!r} is not a workflow{_did_you_mean(dependency, known)}; "
                    f"known: {', '.join(sorted(known))}",
                )
                del workflows[workflow_id]
                break
    for cycle in _cycles(workflows):
        for workflow_id in cycle:
            member = workflows.pop(workflow_id, None)
            if member is not None:
                file = _display(member.path) if member.path else workflow_id
                errors[file] = MappingError(
                    file, "depends_on", f"dependency cycle: {' -> '.join([*cycle, cycle[0]])}"
                )
    return workflows, errors


def _cycles(workflows: Mapping[str, Workflow]) -> list[list[str]]:
    """Dependency cycles among ``workflows`` (each as the list of its members)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dependency in workflows[node].depends_on:
            if dependency not in workflows:
                continue
            if state.get(dependency) == 1:
                cycles.append(trail[trail.index(dependency) :])
            elif dependency not in state:
                visit(dependency, [*trail, dependency])
        state[node] = 2

    for node in sorted(workflows):
        if node not in state:
            visit(node, [node])
    return cycles


def execution_order(workflows: Mapping[str, Workflow]) -> list[str]:
    """Workflow ids with every dependency before its dependents and, among those ready to run, imports
    before exports before OneView reports (exports and reports reference what the imports link), then by
    id. An import that needs an export's links (payments of exported invoices) waits for that export
    without pulling the other exports ahead of the remaining imports."""

    def key(workflow_id: str) -> tuple[bool, bool, str]:
        workflow = workflows[workflow_id]
        return (not workflow.is_import, workflow.is_oneview, workflow_id)

    waiting = {w: {d for d in workflows[w].depends_on if d in workflows and d != w} for w in workflows}
    ready = [key(w) for w, deps in waiting.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = heapq.heappop(ready)[2]
        order.append(node)
        for other, deps in waiting.items():
            if node in deps:
                deps.discard(node)
                if not deps:
                    heapq.heappush(ready, key(other))
    # a dependency cycle (reported by the loader) leaves its members out above: keep them, in key order
    return order + sorted((w for w in workflows if w not in order), key=key)


class Builder:
    """Turns validated YAML data into a Workflow, applying defaults and semantic checks."""

    def __init__(self, file: str, path: Path, data: dict[str, Any]) -> None:
        self.file = file
        self.path = path
        self.data = data

    def fail(self, key_path: str, message: str) -> MappingError:
        return MappingError(self.file, key_path, message)

    def build(self) -> Workflow:
        data = self.data
        workflow_id = data["workflow"]
        if workflow_id != self.path.stem:
            raise self.fail("workflow", f"{workflow_id!r} must equal the file name {self.path.stem!r}")
        direction = data["direction"]
        expected = ("netsuite", "spp") if direction == "import" else ("spp", "netsuite")
        systems = (data["source"]["system"], data["target"]["system"])
        if systems != expected:
            raise self.fail(
                "source.system" if systems[0] != expected[0] else "target.system",
                f"an {direction} reads from {expected[0]} and writes to {expected[1]}",
            )
        entity = self.entity(data["entity"], "entity")
        self.record_type(entity, "source", direction)
        self.record_type(entity, "target", direction)
        source = self.source(direction)
        target = TargetSpec(data["target"]["system"], data["target"]["type"])
        fields = self.fields(data["fields"], "fields", target)
        sublists = self.sublists(source, target)
        netsuite_id_field = data.get("netsuite_id_field") or entity.netsuite_id_field
        external_id = data.get("external_id") or entity.external_id(direction)
        problem = template_problem(external_id)
        if problem:
            raise self.fail("external_id", problem)
        id_name = source.id_field
        if any(name != id_name for name in template_fields(external_id)):
            # An external id that changes with the data would make upserts create duplicates.
            raise self.fail(
                "external_id",
                f"{external_id!r} may only use {{{id_name}}}, the source id, so it never changes",
            )
        match = self.match(direction, target, netsuite_id_field, external_id)
        policy = self.policy(direction, fields)
        self.check_reserved_targets(direction, fields, netsuite_id_field)
        depends_on = tuple(data.get("depends_on", ()))
        if workflow_id in depends_on:
            raise self.fail(
                f"depends_on[{depends_on.index(workflow_id)}]", "a workflow cannot depend on itself"
            )
        schedule = self.schedule()
        batch_size = data.get("batch_size", DEFAULT_BATCH_SIZE[target.system])
        if batch_size > MAX_BATCH_SIZE[target.system]:
            raise self.fail(
                "batch_size",
                f"{batch_size} exceeds the {target.system} limit of {MAX_BATCH_SIZE[target.system]} "
                "records per write",
            )
        monitored = self.monitored(source)
        pullbacks = self.pullbacks(direction, netsuite_id_field)
        workflow = Workflow(
            id=workflow_id,
            title=data["title"],
            direction=direction,
            entity=entity.name,
            source=source,
            target=target,
            match=match,
            external_id=external_id,
            netsuite_id_field=netsuite_id_field,
            policy=policy,
            fields=fields,
            sublists=sublists,
            monitored=monitored,
            depends_on=depends_on,
            expectations=(),
            schedule=schedule,
            batch_size=batch_size,
            enabled=data.get("enabled", True),
            own_schedule=data.get("own_schedule", False),
            description=data.get("description", ""),
            path=self.path,
            pullbacks=pullbacks,
        )
        expectations = self.expectations(workflow)
        return replace(workflow, expectations=expectations)

    # --- sections -----------------------------------------------------------------------------------
    def pullbacks(self, direction: str, netsuite_id_field: str) -> tuple[tuple[str, str], ...]:
        items = self.data.get("pullbacks", [])
        if items and direction != "export":
            raise self.fail("pullbacks", "pullbacks write NetSuite values back to SPP: export workflows only")
        out: list[tuple[str, str]] = []
        for index, raw in enumerate(items):
            where = f"pullbacks[{index}]"
            if raw["target"] == netsuite_id_field or raw["target"] in ("id", "externalid"):
                raise self.fail(f"{where}.target", f"{raw['target']!r} is written by the engine itself")
            if raw["target"] in {t for _, t in out}:
                raise self.fail(f"{where}.target", f"{raw['target']!r} is already pulled back")
            out.append((raw["source"], raw["target"]))
        return tuple(out)

    def entity(self, name: str, key: str) -> registry.Entity:
        """The registry entity ``name``; an unknown one is an error at ``key`` with the close matches."""
        try:
            return registry.entity(name)
        except registry.UnknownEntity as exc:
            raise self.fail(key, exc.message) from None

    def known_type(
        self, system: str, name: str, key: str
    ) -> registry.RecordTypeInfo | registry.SppObjectType:
        """The registry record type ``name`` of ``system``; an unknown one is an error at ``key``."""
        try:
            return registry.record_type(system, name)
        except registry.UnknownRecordType as exc:
            raise self.fail(key, exc.message) from None

    def record_type(self, entity: registry.Entity, side: str, direction: str) -> None:
        """``source.type`` / ``target.type`` must be known and be the entity's type in that system."""
        system, name = self.data[side]["system"], self.data[side]["type"]
        self.known_type(system, name, f"{side}.type")
        expected = entity.record_type(system)
        if name != expected:
            label = "NetSuite" if system == "netsuite" else "SPP"
            raise self.fail(
                f"{side}.type",
                f"entity {entity.name!r} pairs {label} {expected!r} records, not {name!r}"
                f"{_did_you_mean_entity(system, name)}",
            )

    def source(self, direction: str) -> SourceSpec:
        raw = self.data["source"]
        system, record_type = raw["system"], raw["type"]
        flagged = registry.netsuite_types_with_export_flag()
        supports_flag = system == "netsuite" and record_type in flagged
        export_flag = raw.get("export_flag_filter", direction == "import" and supports_flag)
        if export_flag and not supports_flag:
            raise self.fail(
                "source.export_flag_filter",
                f"the {EXPORT_FLAG_FIELD} checkbox exists only on NetSuite {', '.join(flagged)}"
                f" records, not on {system} {record_type!r}; set it to false",
            )
        if "filters" in raw:
            filters = [self.filter(item, f"source.filters[{i}]") for i, item in enumerate(raw["filters"])]
        elif direction == "import":
            filters = [Filter("isInactive", "equals", False)] if supports_flag else []
        else:
            filters = list(_DEFAULT_EXPORT_FILTERS.get(record_type, ()))
        flag_path = normalise("netsuite", EXPORT_FLAG_FIELD)
        if export_flag and not any(normalise(system, f.field) == flag_path for f in filters):
            filters.append(Filter(flag_path, "equals", True))
        name_field = raw.get("name_field") or registry.name_field(system, record_type)
        return SourceSpec(system, record_type, tuple(filters), bool(export_flag), name_field)

    def filter(self, raw: Mapping[str, Any], key: str) -> Filter:
        ops = [op for op in _FILTER_OPS if op in raw]
        if len(ops) != 1:
            raise self.fail(
                key, f"a filter needs exactly one of {', '.join(_FILTER_OPS)}, found {ops or 'none'}"
            )
        via = None
        if "via" in raw:
            self.known_type(self.data["source"]["system"], raw["via"]["type"], f"{key}.via.type")
            via = Via(raw["via"]["type"], raw["via"]["key"])
        value = raw[ops[0]]
        return Filter(raw["field"], ops[0], tuple(value) if ops[0] in ("in", "not_in") else value, via)

    def line_filter(self, raw: Mapping[str, Any], key: str) -> Filter:
        """A condition on a line record; ``via`` is for source records only."""
        if "via" in raw:
            raise self.fail(f"{key}.via", "line filters test the line itself: remove via")
        return self.filter(raw, key)

    def fields(
        self, items: Sequence[Mapping[str, Any]], key: str, target: TargetSpec
    ) -> tuple[FieldMapping, ...]:
        mappings: list[FieldMapping] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(items):
            where = f"{key}[{index}]"
            mapping = self.field(raw, where)
            canonical = normalise(target.system, mapping.target)
            if canonical in seen:
                raise self.fail(
                    f"{where}.target", f"{mapping.target!r} is already mapped by {key}[{seen[canonical]}]"
                )
            seen[canonical] = index
            mappings.append(mapping)
        return tuple(mappings)

    def field(self, raw: Mapping[str, Any], where: str) -> FieldMapping:
        origins = [name for name in ("source", "constant", "reference") if name in raw]
        if len(origins) > 1:
            raise self.fail(where, f"use one of source, constant, reference; found {' and '.join(origins)}")
        transforms = self.transforms(raw.get("transform"), f"{where}.transform")
        if not origins:
            if not transforms:
                raise self.fail(where, "needs one of source, constant, reference or transform")
            if not TRANSFORMS[transforms[0].name].field_args:
                raise self.fail(
                    f"{where}.transform",
                    f"transform {transforms[0].name!r} needs a value: add source or constant",
                )
        reference = None
        if "reference" in raw:
            ref = raw["reference"]
            self.entity(ref["entity"], f"{where}.reference.entity")
            required = ref.get("required", True)
            reference = ReferenceSpec(
                ref["entity"], ref["field"], required is True, ref.get("workflow"), required == "when_set"
            )
        return FieldMapping(
            target=raw["target"],
            source=raw.get("source"),
            constant=raw.get("constant"),
            has_constant="constant" in raw,
            reference=reference,
            transforms=transforms,
            initial_only=raw.get("initial_only", False),
            type=raw.get("type"),
        )

    def transforms(self, raw: Any, where: str) -> tuple[TransformSpec, ...]:
        if raw is None:
            return ()
        calls = raw if isinstance(raw, list) else [raw]
        specs = []
        for index, call in enumerate(calls):
            key = f"{where}[{index}]" if isinstance(raw, list) else where
            name = call if isinstance(call, str) else call["name"]
            args = call.get("args", []) if isinstance(call, Mapping) else []
            transform = TRANSFORMS.get(name)
            if transform is None:
                raise self.fail(
                    key if isinstance(call, str) else f"{key}.name",
                    f"unknown transform {name!r}{_did_you_mean(name, TRANSFORMS)}; "
                    f"known: {', '.join(sorted(TRANSFORMS))}",
                )
            positional = tuple(args) if isinstance(args, list) else ()
            named = args if isinstance(args, Mapping) else {}
            problem = transform.signature_problem(positional, named)
            if problem:
                raise self.fail(f"{key}.args" if isinstance(call, Mapping) else key, problem)
            kwargs = transform.bind(positional, named)
            for arg in transform.field_args:
                paths = kwargs.get(arg)
                if (
                    not isinstance(paths, list | tuple)
                    or not paths
                    or not all(isinstance(p, str) and is_valid_path(p) for p in paths)
                ):
                    raise self.fail(
                        f"{key}.args", f"transform {name!r}: {arg!r} must be a list of field names"
                    )
            try:  # a dry run on a missing value catches bad argument values (e.g. truncate length "x")
                transform.func(None, **kwargs)
            except (TypeError, ValueError, AttributeError) as exc:
                raise self.fail(
                    f"{key}.args" if isinstance(call, Mapping) else key, f"transform {name!r}: {exc}"
                ) from None
            specs.append(TransformSpec(name, kwargs))
        return tuple(specs)

    def sublists(self, source: SourceSpec, target: TargetSpec) -> tuple[SublistSpec, ...]:
        items = self.data.get("sublists", [])
        if items and target.system != "netsuite":
            raise self.fail("sublists", "sublists are written to NetSuite records only (export workflows)")
        specs = []
        seen_targets: dict[str, int] = {}
        top_targets = {m["target"] for m in self.data["fields"]}
        for index, raw in enumerate(items):
            where = f"sublists[{index}]"
            if raw["target"] in top_targets or raw["target"] in seen_targets:
                raise self.fail(f"{where}.target", f"{raw['target']!r} is already mapped")
            seen_targets[raw["target"]] = index
            read_keys = [k for k in ("source", "source_type", "parent_field") if k in raw]
            if "from_record" in raw:
                if read_keys or "group_by" in raw:
                    extra = read_keys[0] if read_keys else "group_by"
                    raise self.fail(f"{where}.{extra}", "lines built from_record are not read: remove it")
            elif len(read_keys) < 3:
                missing = next(k for k in ("source", "source_type", "parent_field") if k not in raw)
                raise self.fail(f"{where}.{missing}", "required (or build the lines with from_record)")
            else:
                self.known_type(source.system, raw["source_type"], f"{where}.source_type")
            if "filters" in raw and "from_record" in raw:
                raise self.fail(f"{where}.filters", "lines built from_record are not read: remove it")
            raw_filters = raw.get("filters", ())
            line_filters = tuple(
                self.line_filter(item, f"{where}.filters[{i}]") for i, item in enumerate(raw_filters)
            )
            if "balance" in raw and len(set(raw["balance"])) != 2:
                raise self.fail(f"{where}.balance", "two different target fields: [debit, credit]")
            line_target = TargetSpec(target.system, f"{target.type}.{raw['line']}")
            fields = self.fields(raw["fields"], f"{where}.fields", line_target)
            group_by = raw.get("group_by", {})
            keys, sums = tuple(group_by.get("fields", ())), tuple(group_by.get("sum", ()))
            if group_by:
                self.check_grouping(fields, keys, sums, f"{where}.group_by")
            specs.append(
                SublistSpec(
                    target=raw["target"],
                    line=raw["line"],
                    source=raw.get("source", ""),
                    source_type=raw.get("source_type", ""),
                    parent_field=raw.get("parent_field", ""),
                    fields=fields,
                    filters=line_filters,
                    required=raw.get("required", True),
                    group_by=keys,
                    sums=sums,
                    from_record=tuple(
                        tuple((str(k), str(v)) for k, v in entry.items())
                        for entry in raw.get("from_record", ())
                    ),
                    balance=tuple(raw["balance"]) if "balance" in raw else None,
                )
            )
        return tuple(specs)

    def check_grouping(
        self, fields: tuple[FieldMapping, ...], keys: tuple[str, ...], sums: tuple[str, ...], where: str
    ) -> None:
        """Every field a grouped line maps must be a grouping key or a sum: any other would silently take
        the first line's value for the whole group."""
        both = sorted(set(keys) & set(sums))
        if both:
            raise self.fail(f"{where}.sum", f"{', '.join(both)} both groups and is summed")
        field_args = {name: t.field_args for name, t in TRANSFORMS.items() if t.field_args}
        for index, mapping in enumerate(fields):
            for path in mapping.fields_read(field_args):
                if path not in keys and path not in sums:
                    raise self.fail(
                        f"{where}.fields",
                        f"line field {mapping.target!r} reads {path!r}, which is neither a group_by field "
                        f"nor summed (fields[{index}]): add it to one of them",
                    )

    def match(
        self, direction: str, target: TargetSpec, netsuite_id_field: str, external_id: str
    ) -> tuple[MatchRule, ...]:
        if "match" not in self.data:
            if direction == "import":
                return (
                    MatchRule(netsuite_id_field, source="internalId", netsuite_id_field=netsuite_id_field),
                    MatchRule("externalid", source="internalId", netsuite_id_field=netsuite_id_field),
                )
            return (
                MatchRule("internalId", source=netsuite_id_field, netsuite_id_field=netsuite_id_field),
                MatchRule("externalId", template=external_id, netsuite_id_field=netsuite_id_field),
            )
        rules = []
        target_type = registry.record_type(target.system, target.type)
        external_id_field = target_type.external_id_field
        for index, raw in enumerate(self.data["match"]):
            where = f"match[{index}]"
            if "template" in raw:
                problem = template_problem(raw["template"])
                if problem:
                    raise self.fail(f"{where}.template", problem)
            rule = MatchRule(raw["target"], raw.get("source"), raw.get("template"), netsuite_id_field)
            if rule.target.lower() == external_id_field.lower() and rule.target != external_id_field:
                raise self.fail(
                    f"{where}.target",
                    f"{target.system} spells its external id field {external_id_field!r}, "
                    f"not {rule.target!r}",
                )
            if rule.kind == "natural_key":
                self.check_key_field(target_type, rule.target, f"{where}.target")
            rules.append(rule)
        return tuple(rules)

    def check_key_field(
        self, target_type: registry.RecordTypeInfo | registry.SppObjectType, name: str, where: str
    ) -> None:
        """A natural-key target must be a field the registry knows on the target type (if it lists any)."""
        known = target_type.key_fields
        if known is None or name in known:
            return
        if target_type.system == "netsuite" and is_netsuite_custom(root_field(name)):
            return  # custom fields (customFieldList) are the user's own
        label = "NetSuite" if target_type.system == "netsuite" else "SPP"
        raise self.fail(
            where,
            f"{name!r} is not a key field of {label} {target_type.record_type}{_did_you_mean(name, known)}"
            f"; natural keys can compare: {', '.join(known)} (or a custom field; declare more in "
            "include/registry.py)",
        )

    def policy(self, direction: str, fields: Sequence[FieldMapping]) -> Policy:
        raw = self.data.get("policy", {})
        policy = Policy(create=raw.get("create", True), update=raw.get("update", direction == "import"))
        if not policy.create and not policy.update:
            raise self.fail("policy", "create and update are both false, so the workflow would write nothing")
        if policy.update and all(m.initial_only for m in fields):
            raise self.fail(
                "policy.update",
                "update is on but every field is initial_only, so an update would change nothing",
            )
        return policy

    def check_reserved_targets(
        self, direction: str, fields: Sequence[FieldMapping], netsuite_id_field: str
    ) -> None:
        # The engine writes these itself (from external_id and the match); a mapping must not fight it.
        reserved = (
            {"externalid", netsuite_id_field, "id"} if direction == "import" else {"externalId", "internalId"}
        )
        for index, mapping in enumerate(fields):
            if mapping.target in reserved:
                how = "external_id" if mapping.target.lower() == "externalid" else "the cross-reference"
                raise self.fail(
                    f"fields[{index}].target", f"{mapping.target!r} is set from {how}; remove this mapping"
                )

    def schedule(self, default: str = DEFAULT_SCHEDULE) -> str | None:
        schedule: str | None = self.data.get("schedule", default)
        if schedule is None or schedule in _SCHEDULE_PRESETS:
            return schedule
        from croniter import croniter  # imported on first use

        if len(schedule.split()) != 5 or not croniter.is_valid(schedule):
            raise self.fail(
                "schedule", f"{schedule!r} is not a 5-field cron expression or preset like @hourly"
            )
        return schedule

    def monitored(self, source: SourceSpec) -> tuple[str, ...]:
        paths = []
        for index, path in enumerate(self.data.get("monitored_fields", [])):
            head, _, tail = path.partition("[].")
            if not is_valid_path(head) or (tail and not is_valid_path(tail)):
                raise self.fail(f"monitored_fields[{index}]", f"{path!r} is not a field path")
            paths.append(f"{head}[].{tail}" if tail else normalise(source.system, path))
        return tuple(dict.fromkeys(paths))

    def expectations(self, workflow: Workflow) -> tuple[Expectation, ...]:
        checks = []
        targets = set(workflow.mapped_targets())
        for index, raw in enumerate(self.data.get("expectations", [])):
            where = f"expectations[{index}]"
            check, column, on = raw["check"], raw["column"], raw.get("on", "target")
            if on == "target" and column not in targets:
                raise self.fail(
                    f"{where}.column",
                    f"{column!r} is not a mapped target field{_did_you_mean(column, targets)}",
                )
            if on == "source" and not is_valid_path(column):
                raise self.fail(f"{where}.column", f"{column!r} is not a field path")
            needs = {"in_set": "values", "regex": "pattern"}.get(check)
            if needs and needs not in raw:
                raise self.fail(where, f"check {check!r} needs {needs!r}")
            if check == "between" and "min" not in raw and "max" not in raw:
                raise self.fail(where, "check 'between' needs 'min' and/or 'max'")
            if check == "regex":
                try:
                    re.compile(raw["pattern"])
                except re.error as exc:
                    raise self.fail(f"{where}.pattern", f"invalid regular expression: {exc}") from None
            checks.append(
                Expectation(
                    check=check,
                    column=column,
                    on=on,
                    values=tuple(raw.get("values", ())),
                    min=raw.get("min"),
                    max=raw.get("max"),
                    pattern=raw.get("pattern"),
                    mostly=raw.get("mostly", 1.0),
                )
            )
        return tuple(checks)
