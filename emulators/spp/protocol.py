"""The XML API wire format of the local SuiteProjects Pro service: status codes, ``<Date>``
blocks, object elements and response documents.

Pure functions over lxml elements. Store documents follow docs/CONTRACTS.md (dict of strings,
dates flattened to ``YYYY-MM-DD HH:MM:SS``, nested objects such as ``<addr><Address>`` as
dotted keys ``addr.email``); this module converts between that form and the wire.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from lxml import etree

# -- status codes ---------------------------------------------------------------------------
# Documented codes (suiteprojects-xml-api.md §6); the texts of 401/601/602/1106 and the use of
# 3/4/8/10 for the situations below are the emulator's assumptions (docs/EMULATORS.md).
OK = 0
UNKNOWN_ERROR = 1  # also the top-level status of a malformed request
NOT_LOGGED_IN = 2
TOO_MANY_ARGUMENTS = 3  # more than 1,000 objects in one write command (assumption)
TOO_FEW_ARGUMENTS = 4  # Modify/Delete object without <id> (assumption)
UNKNOWN_COMMAND = 5
FAILURE = 8  # failure + dynamic message
LOGGED_OUT = 9  # invalid OAuth access token
INVALID_PARAMETERS = 10  # unknown object type, method, filter or malformed attribute
AUTH_FAILED = 401
RATE_LIMITED = 556
UNKNOWN_ID = 601
INVALID_FIELD = 602
BAD_LIMIT = 605
DELETE_FAILED = 703
WRITE_ERROR = 1106  # required field missing (assumption: the docs' Add sample code)

MESSAGES: dict[int, str] = {
    OK: "success",
    UNKNOWN_ERROR: "unknown error",
    NOT_LOGGED_IN: "not logged in",
    TOO_MANY_ARGUMENTS: "too many arguments",
    TOO_FEW_ARGUMENTS: "too few arguments",
    UNKNOWN_COMMAND: "unknown command",
    FAILURE: "failure",
    LOGGED_OUT: "logged out: session or access token invalid or expired",
    INVALID_PARAMETERS: "invalid parameters",
    AUTH_FAILED: "authentication failed",
    RATE_LIMITED: "rate limit exceeded",
    UNKNOWN_ID: "unknown id",
    INVALID_FIELD: "invalid field",
    BAD_LIMIT: "limit attribute missing or greater than 1000",
    DELETE_FAILED: "delete failed",
    WRITE_ERROR: "write error",
}

MAX_OBJECTS_PER_COMMAND = 1000
MAX_COMMANDS_PER_REQUEST = 1000

DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")
_DATE_TEXT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?$")
STORE_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
NESTED_OBJECT_TAG = "Address"  # the wrapper of nested objects (addr, billing_addr, ...)


class ProtocolError(ValueError):
    """A command or object the service cannot interpret; carries the status code to answer."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "error"))
        self.code = code


# -- dates ----------------------------------------------------------------------------------


def date_from_element(element: etree._Element) -> str | None:
    """``<Date>`` -> ``"YYYY-MM-DD HH:MM:SS"`` (empty time parts read as 00); None when empty.

    Raises ``ProtocolError(INVALID_FIELD)`` for parts that are not numbers or not a real date.
    """
    parts = {name: (element.findtext(name) or "").strip() for name in DATE_PARTS}
    if not parts["year"] or not parts["year"].strip("0"):
        return None
    try:
        value = dt.datetime(*(int(parts[name] or 0) for name in DATE_PARTS))
    except ValueError as exc:
        raise ProtocolError(INVALID_FIELD, f"invalid Date: {exc}") from None
    return value.strftime(STORE_DATE_FORMAT)


def parse_store_date(value: str) -> dt.datetime | None:
    """A stored date string (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``) as a naive datetime."""
    match = _DATE_TEXT.match(value or "")
    if not match:
        return None
    numbers = [int(part) if part else 0 for part in match.groups()]
    try:
        return dt.datetime(*numbers)
    except ValueError:
        return None


def date_element(value: dt.datetime | str, *, date_only: bool = False) -> etree._Element:
    """A zero-padded ``<Date>`` block; ``date_only`` leaves hour/minute/second empty (as SPP does)."""
    when = parse_store_date(value) if isinstance(value, str) else value
    element = etree.Element("Date")
    if when is None:  # unreadable stored value: send the empty block rather than crash a page
        for name in DATE_PARTS:
            etree.SubElement(element, name)
        return element
    numbers = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    for index, (name, number) in enumerate(zip(DATE_PARTS, numbers, strict=True)):
        child = etree.SubElement(element, name)
        if index < 3 or not date_only:
            child.text = f"{number:04d}" if index == 0 else f"{number:02d}"
    return element


def format_timestamp(value: dt.datetime) -> str:
    """A store timestamp in the document form (seconds precision, as on the wire)."""
    return value.strftime(STORE_DATE_FORMAT)


# -- objects --------------------------------------------------------------------------------


class FieldValue(str):
    """A field's text plus how the client referenced it (``external``/``name`` attributes)."""

    lookup_kind: str | None = None  # "external" or "name"
    lookup_type: str | None = None  # the parent object type named by the attribute


def fields_from_element(element: etree._Element) -> dict[str, str]:
    """An object element in document form: leaf text, flattened dates, dotted nested fields.

    Empty leaves map to ``""`` (meaning "clear" on Modify); foreign keys given as
    ``<customerid external="Customer">NS-1</customerid>`` become ``FieldValue`` strings that
    remember the lookup so the command layer can resolve them.
    """
    out: dict[str, str] = {}
    _collect(out, "", element)
    return out


def _collect(out: dict[str, str], prefix: str, element: etree._Element) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        key = prefix + child.tag
        grandchildren = [g for g in child if isinstance(g.tag, str)]
        if not grandchildren:
            text = (child.text or "").strip()
            value = FieldValue(text)
            for kind in ("external", "name"):
                if child.get(kind) is not None:
                    value.lookup_kind, value.lookup_type = kind, child.get(kind) or None
            out[key] = value
        elif len(grandchildren) == 1 and grandchildren[0].tag == "Date":
            out[key] = date_from_element(grandchildren[0]) or ""
        else:
            inner = (
                grandchildren[0] if len(grandchildren) == 1 and grandchildren[0].tag[:1].isupper() else child
            )
            _collect(out, key + ".", inner)


def object_element(
    rtype: str,
    fields: Mapping[str, str],
    *,
    date_fields: Iterable[str] = (),
    date_only_fields: Iterable[str] = (),
) -> etree._Element:
    """``<Customer><id>…</id>…</Customer>`` from document fields (already in output order).

    Fields named in ``date_fields`` are wrapped as ``<field><Date>…</Date></field>``;
    dotted keys are regrouped into ``<head><Address>…</Address></head>``.
    """
    dates, date_only = set(date_fields), set(date_only_fields)
    element = etree.Element(rtype)
    nested: dict[str, etree._Element] = {}
    for key, value in fields.items():
        if "." in key:
            head, _, rest = key.partition(".")
            wrapper = nested.get(head)
            if wrapper is None:
                wrapper = nested[head] = etree.SubElement(etree.SubElement(element, head), NESTED_OBJECT_TAG)
            etree.SubElement(wrapper, rest).text = value
            continue
        child = etree.SubElement(element, key)
        if key in dates and value:
            child.append(date_element(value, date_only=key in date_only))
        else:
            child.text = value
    return element


def object_error_element(rtype: str, code: int, message: str | None = None) -> etree._Element:
    """A failed object inside a write command: ``<Customer status="602"><errors>…</errors></Customer>``."""
    element = etree.Element(rtype, status=str(code))
    element.append(errors_element(code, message))
    return element


def errors_element(code: int, message: str | None = None) -> etree._Element:
    """``<errors><error><code>N</code><comment>text</comment></error></errors>``."""
    errors = etree.Element("errors")
    error = etree.SubElement(errors, "error")
    etree.SubElement(error, "code").text = str(code)
    etree.SubElement(error, "comment").text = message or MESSAGES.get(code, "error")
    return errors


def command_element(name: str, code: int = OK, message: str | None = None) -> etree._Element:
    """A command's answer element; error answers carry an ``<errors>`` child with the text."""
    element = etree.Element(name, status=str(code))
    if code != OK:
        element.append(errors_element(code, message))
    return element


# -- documents ------------------------------------------------------------------------------


def response_document(answers: Iterable[etree._Element]) -> bytes:
    """The ``<response>`` holding one answer per command, in request order."""
    root = etree.Element("response")
    for answer in answers:
        root.append(answer)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def request_error_document(code: int, message: str) -> bytes:
    """A request the service could not read at all: ``<response status="1">text</response>``."""
    root = etree.Element("response", status=str(code))
    root.text = message
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def parse_limit(raw: str | None) -> tuple[int, int]:
    """``limit="N"`` or ``limit="offset,N"`` -> (offset, N); ``ProtocolError(605)`` when missing,
    unreadable, or N outside 1…1000."""
    if raw is None or not raw.strip():
        raise ProtocolError(BAD_LIMIT, "the limit attribute is required")
    parts = [p.strip() for p in raw.split(",")]
    try:
        if len(parts) == 1:
            offset, count = 0, int(parts[0])
        elif len(parts) == 2:
            offset, count = int(parts[0]), int(parts[1])
        else:
            raise ValueError(raw)
    except ValueError:
        raise ProtocolError(BAD_LIMIT, f"unreadable limit {raw!r}") from None
    if offset < 0 or not 1 <= count <= MAX_OBJECTS_PER_COMMAND:
        raise ProtocolError(BAD_LIMIT, f"limit {raw!r}: N must be 1..{MAX_OBJECTS_PER_COMMAND}")
    return offset, count


def flag(raw: str | None) -> bool:
    """An XML API boolean attribute (``"1"`` is true)."""
    return (raw or "").strip().lower() in ("1", "true", "yes")
