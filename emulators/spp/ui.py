"""What a person does in SuiteProjects Pro's web UI, as control routes of the local SPP service.

Some objects cannot be written through the XML API (``Purchaserequest``, ``Purchase_item`` are
read-only there, ``User`` comes from ``CreateUser`` only); in the real product people create them
in the web UI. These routes stand for that, so tests can make such objects over HTTP:

* ``POST /_emulator/spp/ui/records`` ``{"type": "Purchaserequest", "fields": {...}}`` or
  ``{"type": ..., "records": [{...}, ...]}``: store new objects as ``Add`` does (same id
  sequence, server clock, foreign-key and required-field checks, date normalisation) without
  the ``read_only``/``add_allowed`` refusals; answers ``{"ids": ["123", ...]}`` in input order.
* ``POST /_emulator/spp/ui/approve`` ``{"type": ..., "ids": [...], "notes": "..."}``: a manager
  approves them, status field to ``A``, ``updated`` bumped; answers ``{"ids": [...]}``.

Field values are JSON strings, numbers, booleans (``"1"``/``"0"``) or ``null`` (= not given);
a nested object is flattened to dotted keys as ``<addr><Address>`` is (``{"addr": {"email": …}}``
-> ``addr.email``). Date fields take ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS``, ISO 8601 (an
offset is converted to UTC) or ``{"year": …, "month": …, …}`` like a ``<Date>`` block.
Every failure is a 400 ``{"error": "..."}`` and writes nothing (413 for a body over 20 MB).
Like every ``/_emulator/*`` route there is no authentication. Commands in ``commands.py``
(``add_as_user``, ``approve_as_user``) do the work, under the service's store lock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulators.control import MAX_BODY_BYTES, read_body_limited
from emulators.spp import protocol as p
from emulators.spp.commands import add_as_user, approve_as_user, is_date_field
from emulators.spp.objects import IMPORT_EXPORT, OBJECT_TYPES, ObjectType, object_type
from emulators.store import RecordStore, StoredRecord

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")  # one segment of a field name (an XML tag on the wire)
_T = TypeVar("_T")


class BadRequest(ValueError):
    """The body cannot be acted on; answered 400 with the message."""


class _TooLarge(ValueError):
    """The body is over the service's size limit; answered 413."""


def routes(store: RecordStore, lock: threading.Lock) -> list[Route]:
    """The ``/_emulator/spp/ui/*`` routes over the service's ``store`` (``lock``: the store lock)."""

    async def in_store(fn: Callable[[], _T]) -> _T:
        def locked() -> _T:
            with lock:  # one writer at a time, as for /api.pl requests
                return fn()

        return await asyncio.get_running_loop().run_in_executor(None, locked)

    async def records(request: Request) -> JSONResponse:
        try:
            body = await _json_object(request)
            otype = _ui_type(body.get("type"))
            documents = [_document(raw, where) for raw, where in _record_bodies(body)]
            stored: list[StoredRecord] = await in_store(lambda: add_as_user(store, otype, documents))
        except _TooLarge as exc:
            return JSONResponse({"error": str(exc)}, status_code=413)
        except (BadRequest, p.ProtocolError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ids": [str(record.id) for record in stored]})

    async def approve(request: Request) -> JSONResponse:
        try:
            body = await _json_object(request)
            otype = _ui_type(body.get("type"))
            ids = _ids(body.get("ids"))
            notes = body.get("notes")
            if notes is not None and not isinstance(notes, str):
                raise BadRequest("'notes' must be a string")
            approved = await in_store(lambda: approve_as_user(store, otype, ids, notes))
        except _TooLarge as exc:
            return JSONResponse({"error": str(exc)}, status_code=413)
        except (BadRequest, p.ProtocolError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"ids": [str(record.id) for record in approved]})

    return [
        Route("/_emulator/spp/ui/records", records, methods=["POST"]),
        Route("/_emulator/spp/ui/approve", approve, methods=["POST"]),
    ]


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await read_body_limited(request, MAX_BODY_BYTES)
    if raw is None:
        raise _TooLarge(f"request body larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        raise BadRequest("empty body: expected a JSON object")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"expected a JSON object, got {type(body).__name__}")
    return body


def _ui_type(name: Any) -> ObjectType:
    if not isinstance(name, str) or not name:
        raise BadRequest("'type' (an SPP object type such as \"Purchaserequest\") is required")
    otype = object_type(name)
    if otype is None or name == IMPORT_EXPORT:
        known = ", ".join(sorted(n for n in OBJECT_TYPES if n != IMPORT_EXPORT))
        raise BadRequest(f"unknown object type {name!r}; known types: {known}")
    return otype


def _record_bodies(body: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The objects of a records body with how messages name them (``fields`` / ``records[i]``)."""
    if ("fields" in body) == ("records" in body):
        raise BadRequest("give either 'fields' (one object) or 'records' (a list of objects)")
    if "fields" in body:
        if not isinstance(body["fields"], dict):
            raise BadRequest("'fields' must be a JSON object")
        return [(body["fields"], "fields")]
    raw = body["records"]
    if not isinstance(raw, list) or not raw:
        raise BadRequest("'records' must be a non-empty list of JSON objects")
    out: list[tuple[dict[str, Any], str]] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise BadRequest(f"records[{index}] must be a JSON object")
        out.append((item, f"records[{index}]"))
    return out


def _ids(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise BadRequest("'ids' must be a non-empty list of object ids")
    ids: list[str] = []
    for value in raw:
        text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not text.isdigit():
            raise BadRequest(f"not an object id: {value!r}")
        ids.append(text)
    return ids


def _document(raw: dict[str, Any], where: str) -> dict[str, str]:
    """A JSON object in store form: strings, dotted nested keys, normalised dates."""
    out: dict[str, str] = {}
    _flatten(out, "", raw, where)
    return out


def _flatten(out: dict[str, str], prefix: str, raw: dict[str, Any], where: str) -> None:
    for key, value in raw.items():
        name = prefix + key
        if not all(_NAME.match(part) for part in key.split(".")):
            raise BadRequest(f"{where}: {name!r} is not a field name (letters, digits, '_', '-')")
        if value is None:
            continue
        if isinstance(value, dict):
            if is_date_field(name):
                out[name] = _date_parts(value, name, where)
            else:
                _flatten(out, name + ".", value, where)
        elif isinstance(value, list):
            raise BadRequest(f"{where}: {name}: lists are not field values")
        elif isinstance(value, bool):
            out[name] = "1" if value else "0"
        else:
            text = str(value).strip()
            out[name] = _date_text(text, name, where) if text and is_date_field(name) else text


def _date_parts(parts: dict[str, Any], name: str, where: str) -> str:
    """``{"year": 2024, "month": 5, ...}`` read exactly as the wire's ``<Date>`` block."""
    element = etree.Element("Date")
    for part in p.DATE_PARTS:
        etree.SubElement(element, part).text = "" if parts.get(part) is None else str(parts[part])
    try:
        return p.date_from_element(element) or ""
    except p.ProtocolError as exc:
        raise BadRequest(f"{where}: {name}: {exc}") from None


def _date_text(text: str, name: str, where: str) -> str:
    when = p.parse_store_date(text)
    if when is None:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            raise BadRequest(
                f"{where}: {name}: not a date: {text!r} (YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or ISO 8601)"
            ) from None
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)  # the service's clock is UTC
    return when.strftime(p.STORE_DATE_FORMAT)
