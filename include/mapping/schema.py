"""JSON Schema (Draft 2020-12) of a workflow mapping file; the loader adds the checks a schema cannot express.

Kept as a Python dict so it needs no file lookup at import; ``python -m include.mapping.schema`` prints it
as JSON for editors (e.g. a ``# yaml-language-server: $schema=...`` comment in the mapping files).
"""

from __future__ import annotations

import json
from typing import Any

from include.mapping.field_types import KINDS
from include.mapping.model import ENTITIES
from include.mapping.paths import SOURCE_PATH_PATTERN

_NAME = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"}
_SOURCE_PATH = {"type": "string", "pattern": SOURCE_PATH_PATTERN}  # may step into a list: apply.0.doc
_SYSTEM = {"enum": ["netsuite", "spp"]}
# Entity names and record types are checked by the loader against include/registry.py (so an unknown
# one gets "did you mean" and the known ones); the schema offers the entities to editors as examples.
_ENTITY = {"type": "string", "minLength": 1, "examples": list(ENTITIES)}

_TRANSFORM_CALL = {
    "oneOf": [
        {"type": "string", "description": "a transform without arguments, e.g. upper"},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "args": {
                    "description": "positional list or named mapping of the transform's arguments",
                    "type": ["array", "object"],
                },
            },
        },
    ]
}

_REFERENCE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["entity", "field"],
    "properties": {
        "entity": {**_ENTITY, "description": "cross-reference entity of the referenced record"},
        "field": {**_SOURCE_PATH, "description": "source field holding the referenced record's id"},
        "required": {
            "enum": [True, False, "when_set"],
            "default": True,
            "description": "true: must be set and linked; false: left out when empty or unlinked; "
            "when_set: may be empty, but a set id must be linked",
        },
        "workflow": {"type": "string", "description": "workflow that links the entity (named in errors)"},
    },
}

_FIELD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["target"],
    "properties": {
        "target": {
            **_NAME,
            "description": "target field name (NetSuite custom scriptIds go to customFieldList)",
        },
        "source": {**_SOURCE_PATH, "description": "source field path"},
        "constant": {"description": "fixed value"},
        "reference": _REFERENCE,
        "transform": {"oneOf": [_TRANSFORM_CALL, {"type": "array", "items": _TRANSFORM_CALL, "minItems": 1}]},
        "initial_only": {"type": "boolean", "default": False},
        "type": {"enum": list(KINDS)},
        "description": {"type": "string"},
    },
}

_FILTER = {
    "type": "object",
    "additionalProperties": False,
    "required": ["field"],
    "minProperties": 2,
    "maxProperties": 3,
    "properties": {
        "field": _NAME,
        "equals": {},
        "not_equals": {},
        "in": {"type": "array", "minItems": 1},
        "not_in": {"type": "array", "minItems": 1},
        "empty": {"type": "boolean"},
        "greater_than": {"type": "number", "description": "numeric field strictly above this value"},
        "less_than": {"type": "number", "description": "numeric field strictly below this value"},
        "via": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type", "key"],
            "properties": {"type": {"type": "string"}, "key": _NAME},
        },
    },
}

_MATCH_RULE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["target"],
    "minProperties": 2,
    "maxProperties": 2,
    "properties": {
        "target": {
            **_NAME,
            "description": "target field compared (NetSuite-ID field, external id or natural key)",
        },
        "source": {**_SOURCE_PATH, "description": "source field whose value the target field must equal"},
        "template": {"type": "string", "description": "or a {field} template giving that value"},
    },
}

_EXPECTATION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["check", "column"],
    "properties": {
        "check": {"enum": ["not_null", "unique", "in_set", "between", "regex"]},
        "column": {"type": "string"},
        "on": {"enum": ["target", "source"], "default": "target"},
        "values": {"type": "array", "minItems": 1},
        "min": {"type": "number"},
        "max": {"type": "number"},
        "pattern": {"type": "string"},
        "mostly": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    },
}

_SUBLIST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["target", "line", "fields"],
    "properties": {
        "target": _NAME,
        "line": _NAME,
        "from_record": {
            "type": "array",
            "minItems": 1,
            "description": "lines built from the record itself: per line, field -> template ({total})",
            "items": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                "additionalProperties": {"type": ["string", "number"]},
            },
        },
        "balance": {
            "type": "array",
            "items": _NAME,
            "minItems": 2,
            "maxItems": 2,
            "description": "two target line fields whose sums must be equal, e.g. [debit, credit]",
        },
        "source": _NAME,
        "source_type": {"type": "string"},
        "parent_field": _NAME,
        "filters": {
            "type": "array",
            "items": _FILTER,
            "description": "conditions a line must meet to be sent (others are left out)",
        },
        "required": {"type": "boolean", "default": True},
        "fields": {"type": "array", "items": _FIELD, "minItems": 1},
        "group_by": {
            "type": "object",
            "additionalProperties": False,
            "required": ["fields"],
            "description": "merge lines equal in these source fields into one, adding up the sum fields",
            "properties": {
                "fields": {"type": "array", "items": _NAME, "minItems": 1, "uniqueItems": True},
                "sum": {"type": "array", "items": _NAME, "uniqueItems": True},
            },
        },
    },
}

WORKFLOW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.invalid/netsuite-spp/workflow-mapping.json",
    "title": "NetSuite <> SuiteProjects Pro workflow mapping",
    "type": "object",
    "additionalProperties": False,
    "required": ["workflow", "title", "direction", "entity", "source", "target", "fields"],
    "properties": {
        "workflow": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "description": "id = file name"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "direction": {"enum": ["import", "export", "oneview"]},
        "entity": _ENTITY,
        "enabled": {"type": "boolean", "default": True},
        "source": {
            "type": "object",
            "additionalProperties": False,
            "required": ["system", "type"],
            "properties": {
                "system": _SYSTEM,
                "type": {"type": "string", "minLength": 1},
                "filters": {"type": "array", "items": _FILTER},
                "export_flag_filter": {"type": "boolean"},
                "name_field": _NAME,
            },
        },
        "target": {
            "type": "object",
            "additionalProperties": False,
            "required": ["system", "type"],
            "properties": {"system": _SYSTEM, "type": {"type": "string", "minLength": 1}},
        },
        "match": {"type": "array", "items": _MATCH_RULE, "minItems": 1},
        "external_id": {"type": "string", "minLength": 1},
        "netsuite_id_field": _NAME,
        "policy": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"create": {"type": "boolean"}, "update": {"type": "boolean"}},
        },
        "fields": {"type": "array", "items": _FIELD, "minItems": 1},
        "sublists": {"type": "array", "items": _SUBLIST},
        "monitored_fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "pullbacks": {
            "type": "array",
            "minItems": 1,
            "description": "NetSuite fields written back into the SPP record after a create (exports)",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["source", "target"],
                "properties": {
                    "source": {**_SOURCE_PATH, "description": "NetSuite field of the created record"},
                    "target": {**_NAME, "description": "SPP field it is written to"},
                },
            },
        },
        "depends_on": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "expectations": {"type": "array", "items": _EXPECTATION},
        "schedule": {"type": ["string", "null"]},
        "own_schedule": {"type": "boolean", "description": "keep the schedule inside a scheduled group"},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 1000},
    },
}


_REPORT_KINDS = ["text", "decimal", "integer", "date", "datetime", "boolean"]
_COLUMN_NAME = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}

_REPORT_COLUMN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["column", "type"],
    "properties": {
        "column": {**_COLUMN_NAME, "description": "report column (property name in $metadata)"},
        "type": {"enum": _REPORT_KINDS, "description": "the kind of value the column holds"},
        "field": {
            "type": "string",
            "pattern": r"^custrecord[a-z0-9_]*$",
            "description": "custom field (scriptId) of the target record type; omit for a column read "
            "only as part of the key or the name",
        },
        "reference": {
            **_ENTITY,
            "description": "the column holds the SPP id of this entity: written as "
            "the linked NetSuite record (cross-reference)",
        },
        "required": {
            "type": "boolean",
            "default": True,
            "description": "with reference: an unlinked id fails the row (false: the field is left empty)",
        },
        "transform": {"oneOf": [_TRANSFORM_CALL, {"type": "array", "items": _TRANSFORM_CALL}]},
    },
}

ONEVIEW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.invalid/netsuite-spp/oneview-mapping.json",
    "title": "OneView: a SuiteProjects Pro published report into NetSuite custom records",
    "type": "object",
    "additionalProperties": False,
    "required": ["workflow", "title", "direction", "report", "target", "key", "columns"],
    "properties": {
        "workflow": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,55}$", "description": "id = file name"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "direction": {"const": "oneview"},
        "enabled": {"type": "boolean", "default": True},
        "report": {
            "type": "object",
            "additionalProperties": False,
            "required": ["resource"],
            "properties": {
                "resource": {**_COLUMN_NAME, "description": "the report's OData resource, e.g. report101"},
                "filter": {"type": "string", "minLength": 1, "description": "OData $filter of the read"},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 10000},
            },
        },
        "target": {
            "type": "object",
            "additionalProperties": False,
            "required": ["record_type"],
            "properties": {"record_type": {"type": "string", "pattern": r"^customrecord[a-z0-9_]*$"}},
        },
        "key": {"type": "array", "items": _COLUMN_NAME, "minItems": 1, "uniqueItems": True},
        "name": {
            "type": "object",
            "additionalProperties": False,
            "required": ["columns"],
            "properties": {
                "columns": {"type": "array", "items": _COLUMN_NAME, "minItems": 1},
                "separator": {"type": "string"},
            },
        },
        "external_id": {"type": "string", "minLength": 1},
        "columns": {"type": "array", "items": _REPORT_COLUMN, "minItems": 1},
        "vanished": {"enum": ["keep", "inactivate", "delete"]},
        "vanished_limit": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "expectations": {"type": "array", "items": _EXPECTATION},
        "schedule": {"type": ["string", "null"]},
        "own_schedule": {"type": "boolean", "description": "keep the schedule inside a scheduled group"},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 100},
    },
}


if __name__ == "__main__":
    print(json.dumps(WORKFLOW_SCHEMA, indent=2))
