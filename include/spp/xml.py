"""Building SuiteProjects Pro XML API requests and reading their responses.

Pure functions over lxml elements, no I/O. A request is one ``<request>`` document: the API
credentials as attributes, ``<Auth>`` first, then any number of commands; the response holds
one element per command, in request order, each with a numeric ``status``.

Object form (docs/CONTRACTS.md): an SPP object is a dict of strings keyed by XML field name.
``<Date>`` blocks are flattened to ``"YYYY-MM-DD HH:MM:SS"``; nested objects such as
``<addr><Address><email>…</email></Address></addr>`` become dotted keys (``"addr.email"``).
On the way out the same forms are accepted, plus a few conveniences:

* ``datetime`` / ``date`` values, and strings shaped ``YYYY-MM-DD[ HH:MM:SS]``, become
  ``<Date>`` blocks (a free-text field holding exactly such a string would be sent as a date);
* ``True`` / ``False`` become ``"1"`` / ``"0"``; ``None`` omits the field, ``""`` clears it;
* a foreign key may reference its parent by external id or name instead of internal id:
  ``{"customerid": {"external": "NS-42"}}`` -> ``<customerid external="Customer">NS-42</customerid>``
  (the parent type is derived from the field name unless ``"type"`` is given), and
  ``{"customerid": {"name": "Acme"}}`` -> ``<customerid name="Customer">Acme</customerid>``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from include.xml_safety import parse_xml

# Wrapper element of a nested object field, by field name; "Address" is by far the most common
# (addr, billing_addr, shipping_addr, ...), so it is also the default.
NESTED_OBJECT_TAGS: dict[str, str] = {}
DEFAULT_NESTED_TAG = "Address"

# Written by the server, refused or ignored on writes; dropped so read records can be written back.
READ_ONLY_FIELDS = frozenset({"created", "updated"})

# Elements inside a command reply that are not returned objects.
_NON_OBJECT_TAGS = frozenset({"errors", "Date", "Approval"})

_DATE_STRING = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$")
_DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")


@dataclass(frozen=True)
class ApiIdentity:
    """Who is calling: the ``<request>`` attributes and the ``<Auth><Login>`` children."""

    company: str
    user: str
    password: str = field(repr=False)
    api_namespace: str
    api_key: str = field(repr=False)
    api_version: str = "1.0"
    client_name: str = "netsuite-spp-airflow"
    client_version: str = "0.1"


# -- requests -------------------------------------------------------------------------------


def build_request(identity: ApiIdentity, commands: Iterable[etree._Element]) -> bytes:
    """The request document: credentials, ``<Auth>`` (always first), then ``commands``."""
    root = etree.Element(
        "request",
        API_ver=identity.api_version,
        client=identity.client_name,
        client_ver=identity.client_version,
        namespace=identity.api_namespace,
        key=identity.api_key,
    )
    login = etree.SubElement(etree.SubElement(root, "Auth"), "Login")
    etree.SubElement(login, "company").text = identity.company
    etree.SubElement(login, "user").text = identity.user
    etree.SubElement(login, "password").text = identity.password
    for command in commands:
        root.append(command)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def time_command() -> etree._Element:
    """``<Time/>``: the server's clock."""
    return etree.Element("Time")


def whoami_command() -> etree._Element:
    """``<Whoami><User/></Whoami>``: the authenticated user."""
    command = etree.Element("Whoami")
    etree.SubElement(command, "User")
    return command


def read_command(
    object_type: str,
    *,
    offset: int = 0,
    limit: int = 1000,
    query: Mapping[str, Any] | None = None,
    date_filters: Sequence[tuple[str, str, dt.datetime]] = (),
    include_custom: bool = True,
    deleted: bool = False,
    include_nondeleted: bool = False,
    fields: Sequence[str] | None = None,
    not_exported: bool = False,
) -> etree._Element:
    """A ``<Read>`` of one page.

    ``query`` switches the method to ``equal to`` with a query object of the same type;
    ``date_filters`` are ``(filter, field, when)`` triples such as
    ``("newer-than", "updated", datetime(...))``, sent as the comma-separated ``filter`` and
    ``field`` attributes plus one ``<Date>`` per filter, in the same order. ``not_exported``
    adds the ``not-exported`` filter (objects no ImportExport marks), after the date filters:
    ``field`` names only the date filters' fields (reference §5).
    """
    command = etree.Element("Read", type=object_type, method="equal to" if query else "all")
    command.set("limit", f"{offset},{limit}")
    if include_custom:
        command.set("enable_custom", "1")
    if deleted:
        command.set("deleted", "1")
        if include_nondeleted:
            command.set("include_nondeleted", "1")
    filter_names = [name for name, _, _ in date_filters] + (["not-exported"] if not_exported else [])
    if filter_names:
        command.set("filter", ",".join(filter_names))
    if date_filters:
        command.set("field", ",".join(field_name for _, field_name, _ in date_filters))
    if query:
        command.append(object_element(object_type, query, drop_read_only=False))
    for _, _, when in date_filters:
        command.append(date_element(when))
    if fields:
        returned = etree.SubElement(command, "_Return")
        for name in fields:
            etree.SubElement(returned, name)
    return command


def write_command(
    command_name: str,
    object_type: str,
    records: Sequence[Mapping[str, Any]],
    *,
    include_custom: bool = True,
    lookup: str | None = None,
) -> etree._Element:
    """An ``<Add>``, ``<Modify>`` or ``<Delete>`` of up to 1,000 objects of one type."""
    command = etree.Element(command_name, type=object_type)
    if include_custom and command_name != "Delete":
        command.set("enable_custom", "1")
    if lookup:
        command.set("lookup", lookup)
    for record in records:
        command.append(object_element(object_type, record, drop_id=command_name == "Add"))
    return command


def import_export_command(
    application: str, object_type: str, ids: Sequence[str], *, exported: dt.datetime | None = None
) -> etree._Element:
    """``<Add type="ImportExport">``: one ImportExport per id, marking it exported to ``application``.

    Unlike ``write_command("Add", ...)`` the ``<id>`` is kept: it names the marked object.
    Without ``exported`` the server stamps its own clock.
    """
    command = etree.Element("Add", type="ImportExport")
    for object_id in ids:
        mark = etree.SubElement(command, "ImportExport")
        etree.SubElement(mark, "application").text = application
        etree.SubElement(mark, "type").text = object_type
        etree.SubElement(mark, "id").text = str(object_id)
        if exported is not None:
            etree.SubElement(mark, "exported").append(date_element(exported))
    return command


def approval_command(
    command_name: str, object_type: str, record_id: str, notes: str | None = None
) -> etree._Element:
    """``<Submit>`` / ``<Approve>`` / ``<Reject>`` / ``<Unapprove>`` of one object."""
    command = etree.Element(command_name, type=object_type)
    etree.SubElement(etree.SubElement(command, object_type), "id").text = str(record_id)
    approval = etree.SubElement(command, "Approval")
    etree.SubElement(approval, "cc")
    etree.SubElement(approval, "notes").text = notes or None
    return command


def create_user_command(
    company: str, user: Mapping[str, Any], *, lookup: str | None = None
) -> etree._Element:
    """``<CreateUser>``: the only way to create a ``User``; the company is named by nickname."""
    command = etree.Element("CreateUser")
    if lookup:
        command.set("lookup", lookup)
    etree.SubElement(etree.SubElement(command, "Company"), "nickname").text = company
    command.append(object_element("User", user, drop_id=True))
    return command


def object_element(
    object_type: str, record: Mapping[str, Any], *, drop_id: bool = False, drop_read_only: bool = True
) -> etree._Element:
    """One object (``<Customer>…</Customer>``) from its dict form; see the module docstring."""
    element = etree.Element(object_type)
    nested: dict[str, dict[str, Any]] = {}
    for key, value in record.items():
        if value is None or (drop_id and key == "id") or (drop_read_only and key in READ_ONLY_FIELDS):
            continue
        if "." in key:
            head, _, rest = key.partition(".")
            nested.setdefault(head, {})[rest] = value
            continue
        _append_field(element, key, value)
    for head, children in nested.items():
        wrapper = etree.SubElement(
            etree.SubElement(element, head), NESTED_OBJECT_TAGS.get(head, DEFAULT_NESTED_TAG)
        )
        for key, value in children.items():
            _append_field(wrapper, key, value)
    return element


def _append_field(parent: etree._Element, key: str, value: Any) -> None:
    child = etree.SubElement(parent, key)
    if isinstance(value, Mapping):
        _set_reference(child, key, value)
    elif isinstance(value, dt.date):
        child.append(date_element(value))
    elif isinstance(value, bool):
        child.text = "1" if value else "0"
    elif isinstance(value, str) and _DATE_STRING.match(value):
        child.append(date_element(value))
    else:
        child.text = str(value)


def _set_reference(element: etree._Element, key: str, ref: Mapping[str, Any]) -> None:
    """A foreign key given as ``{"id": ...}``, ``{"external": ...}`` or ``{"name": ...}``."""
    parent_type = str(ref.get("type") or reference_type(key))
    if ref.get("external") is not None:
        element.set("external", parent_type)
        element.text = str(ref["external"])
    elif ref.get("name") is not None:
        element.set("name", parent_type)
        element.text = str(ref["name"])
    elif ref.get("id") is not None:
        element.text = str(ref["id"])
    else:
        raise ValueError(f"reference field {key!r} needs one of 'id', 'external' or 'name'")


def reference_type(field_name: str) -> str:
    """The object type a foreign key points at: ``customerid`` -> ``Customer``,
    ``project_id`` -> ``Project``."""
    stem = field_name[:-2] if field_name.endswith("id") else field_name
    return stem.rstrip("_").capitalize()


def date_element(value: dt.date | str) -> etree._Element:
    """A zero-padded ``<Date>`` block; date-only values leave hour/minute/second empty."""
    if isinstance(value, str):
        match = _DATE_STRING.match(value)
        if not match:
            raise ValueError(f"not a YYYY-MM-DD[ HH:MM:SS] date: {value!r}")
        parts: list[str | None] = list(match.groups())
    elif isinstance(value, dt.datetime):
        parts = [f"{value.year:04d}", f"{value.month:02d}", f"{value.day:02d}",
                 f"{value.hour:02d}", f"{value.minute:02d}", f"{value.second:02d}"]  # fmt: skip
    else:
        parts = [f"{value.year:04d}", f"{value.month:02d}", f"{value.day:02d}", None, None, None]
    element = etree.Element("Date")
    for name, part in zip(_DATE_PARTS, parts, strict=True):
        etree.SubElement(element, name).text = part
    return element


# -- responses ------------------------------------------------------------------------------


@dataclass
class CommandReply:
    """One command's element in a response.

    ``objects`` are the returned objects in dict form; ``object_statuses`` holds, in the same
    order, each object's own ``status`` attribute (0 when absent) and ``object_errors`` its
    error text, for servers that report per-object outcomes inside one command.
    """

    name: str
    status: int
    objects: list[dict[str, str]] = field(default_factory=list)
    object_statuses: list[int] = field(default_factory=list)
    object_errors: list[str | None] = field(default_factory=list)
    error_text: str | None = None
    date: str | None = None  # a bare <Date> child (the Time command's answer)
    timezone: str | None = None


@dataclass
class Response:
    """A parsed ``<response>``: its own status (non-zero for malformed requests) and command replies."""

    status: int
    text: str | None
    commands: list[CommandReply]


class MalformedResponse(ValueError):
    """The body is not an XML API ``<response>`` document."""


def parse_response(data: bytes) -> Response:
    """Parse a response body (DTDs refused by ``parse_xml``)."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        raise MalformedResponse(f"response is not well-formed XML: {exc}") from None
    if root.tag != "response":
        raise MalformedResponse(f"expected a <response> document, got <{root.tag}>")
    commands = [_command_reply(child) for child in root if isinstance(child.tag, str)]
    return Response(status=_status(root.get("status")), text=_own_text(root), commands=commands)


def _command_reply(element: etree._Element) -> CommandReply:
    reply = CommandReply(name=element.tag, status=_status(element.get("status")))
    texts: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "errors":
            texts.append(_errors_text(child))
        elif child.tag == "Date":
            reply.date = flatten_date(child)
            reply.timezone = (child.findtext("timezone") or "").strip() or None
        elif child.tag not in _NON_OBJECT_TAGS:
            reply.objects.append(flatten_object(child))
            reply.object_statuses.append(_status(child.get("status")))
            errors = child.find("errors")
            reply.object_errors.append(_errors_text(errors) if errors is not None else None)
    own = _own_text(element)
    if own:
        texts.append(own)
    reply.error_text = "; ".join(t for t in texts if t) or None
    return reply


def flatten_object(element: etree._Element) -> dict[str, str]:
    """An object element in dict form: leaf text, flattened dates, dotted nested fields."""
    out: dict[str, str] = {}
    _flatten_into(out, "", element)
    return out


def _flatten_into(out: dict[str, str], prefix: str, element: etree._Element) -> None:
    for child in element:
        if not isinstance(child.tag, str) or child.tag == "errors":
            continue
        key = prefix + child.tag
        grandchildren = [g for g in child if isinstance(g.tag, str)]
        if not grandchildren:
            text = (child.text or "").strip()
            if text:
                out[key] = text
        elif len(grandchildren) == 1 and grandchildren[0].tag == "Date":
            flat = flatten_date(grandchildren[0])
            if flat:
                out[key] = flat
        else:
            inner = child
            # <addr><Address>…</Address></addr>: skip the object wrapper, keep "addr." as prefix
            if len(grandchildren) == 1 and grandchildren[0].tag[:1].isupper():
                inner = grandchildren[0]
            _flatten_into(out, key + ".", inner)


def flatten_date(element: etree._Element) -> str | None:
    """``<Date>`` -> ``"YYYY-MM-DD HH:MM:SS"`` (empty time parts read as 00); None for empty dates."""
    # one pass over the children: every object read carries several dates, so this is hot
    values = dict.fromkeys(_DATE_PARTS, "")
    for part in element:
        if part.tag in values and part.text:
            values[part.tag] = part.text.strip()
    year = values["year"]
    if not year or year.strip("0") == "":
        return None
    y, mo, d, h, mi, s = (int(values[p] or 0) for p in ("year", "month", "day", "hour", "minute", "second"))
    return f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"


def parse_flat_date(value: str, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    """A flattened date string as an aware datetime in ``tz`` (the server's zone)."""
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)


def parse_timezone(offset: str | None) -> dt.tzinfo | None:
    """``"-0500"`` -> a fixed-offset tzinfo; None when absent or unreadable."""
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", (offset or "").strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def _status(raw: str | None) -> int:
    try:
        return int(raw) if raw not in (None, "") else 0
    except ValueError:
        return 1  # an unreadable status is an error, never a silent success


def _own_text(element: etree._Element) -> str | None:
    text = (element.text or "").strip()
    return text or None


def _all_text(element: etree._Element) -> str:
    parts = (part.strip() for part in element.itertext() if isinstance(part, str))
    return " ".join(part for part in parts if part)


def _errors_text(errors: etree._Element) -> str:
    """``<errors><error><code>602</code><comment>text</comment></error></errors>`` -> ``"text"``.

    The comment (or text/message) of each error; all the text when no such child exists.
    """
    texts: list[str] = []
    for error in errors:
        if not isinstance(error.tag, str):
            continue
        comment = next(
            (error.findtext(tag) for tag in ("comment", "text", "message") if error.findtext(tag)), None
        )
        texts.append(comment.strip() if comment else _all_text(error))
    return "; ".join(t for t in texts if t) or _all_text(errors)
