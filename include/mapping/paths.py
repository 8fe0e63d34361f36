"""Field paths: how a mapping names a value inside a NetSuite or SuiteProjects Pro document.

A path is a field name, or dotted names into nested dicts (``subsidiary.internalId``). NetSuite custom
fields live in ``customFieldList`` keyed by scriptId; a mapping may name them bare (``custentity_x``) and
the path is normalised to ``customFieldList.custentity_x`` so both spellings read the same value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Prefixes NetSuite gives custom field scriptIds (entity, transaction body/column, CRM event, item, record).
NETSUITE_CUSTOM_PREFIXES = ("custentity", "custbody", "custcol", "custevent", "custitem", "custrecord")
CUSTOM_FIELD_LIST = "customFieldList"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# a dotted field path; a number steps into a list (applyList.apply.0.doc: the first line's doc)
SOURCE_PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*(\.([A-Za-z_][A-Za-z0-9_]*|[0-9]+))*$"
_PATH = re.compile(SOURCE_PATH_PATTERN)


def is_netsuite_custom(name: str) -> bool:
    """True when ``name`` is a NetSuite custom field scriptId (goes into ``customFieldList``)."""
    return name.startswith(NETSUITE_CUSTOM_PREFIXES)


def is_valid_path(path: str) -> bool:
    """True when ``path`` is a plain or dotted field name (list positions allowed: ``applyList.apply.0``)."""
    return bool(_PATH.match(path))


def normalise(system: str, path: str) -> str:
    """The canonical spelling of ``path`` in documents of ``system`` ("netsuite" or "spp")."""
    if system == "netsuite" and is_netsuite_custom(path):
        return f"{CUSTOM_FIELD_LIST}.{path}"
    return path


def root_field(path: str) -> str:
    """The top-level field a path reads; for NetSuite custom fields, the scriptId."""
    parts = path.split(".")
    if parts[0] == CUSTOM_FIELD_LIST and len(parts) > 1:
        return parts[1]
    return parts[0]


def get_path(doc: Mapping[str, Any], path: str) -> Any:
    """The value at ``path`` in ``doc``, or None when any step is missing.

    A bare NetSuite custom scriptId is also looked up in ``customFieldList``, so callers need not
    normalise first. A number steps into a list: ``applyList.apply.0.doc`` is the first line's ``doc``.
    """
    value: Any = doc
    for part in path.split("."):
        if isinstance(value, list | tuple) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
            continue
        if not isinstance(value, Mapping):
            return None
        if part in value:
            value = value[part]
        elif is_netsuite_custom(part) and isinstance(value.get(CUSTOM_FIELD_LIST), Mapping):
            value = value[CUSTOM_FIELD_LIST].get(part)
        else:
            return None
    return value


def template_fields(template: str) -> list[str]:
    """The field paths a ``{field}`` template reads, in order."""
    return [name.strip() for name in _PLACEHOLDER.findall(template)]


def template_problem(template: str) -> str | None:
    """Why ``template`` is not usable, or None: unbalanced braces or a placeholder that is no field path."""
    stripped = _PLACEHOLDER.sub("", template)
    if "{" in stripped or "}" in stripped:
        return f"unbalanced braces in template {template!r}"
    for name in template_fields(template):
        if not is_valid_path(name):
            return f"placeholder {{{name}}} in template {template!r} is not a field name"
    if not template_fields(template):
        return f"template {template!r} has no {{field}} placeholder, so every record would get the same id"
    return None


def render_template(template: str, doc: Mapping[str, Any]) -> str | None:
    """Fill ``{field}`` placeholders from ``doc``; None when a placeholder's value is missing or empty."""
    missing = False

    def fill(match: re.Match[str]) -> str:
        nonlocal missing
        value = get_path(doc, match.group(1).strip())
        if isinstance(value, Mapping):  # a RecordRef stands for its internalId
            value = value.get("internalId")
        if value is None or value == "":
            missing = True
            return ""
        return str(value)

    rendered = _PLACEHOLDER.sub(fill, template)
    return None if missing else rendered
