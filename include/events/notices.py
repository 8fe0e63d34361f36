"""Event notices: what a sender may tell us, checked strictly before anything is queued.

A request carries one notice or ``{"events": [...]}`` (at most ``MAX_NOTICES``). Each notice names
a record (``record_type`` of the sending system as the registry knows it, ``id``), an ``action``
and when it happened (``occurred_at``, ISO 8601 with a time zone). Unknown keys are refused: a typo
must not become a silently ignored field. Two notices with the same (system, type, id, action,
occurred-at) are one event: a sender that retries after a lost answer queues nothing twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from include import registry

MAX_NOTICES = 500
MAX_BODY_BYTES = 256 * 1024
ACTIONS: tuple[str, ...] = ("approve", "save", "delete", "export")
_KEYS = {"record_type", "id", "action", "occurred_at", "sender"}
_REQUIRED = ("record_type", "id", "action", "occurred_at")

EventSystem = Literal["spp", "netsuite"]


class NoticeError(ValueError):
    """A notice that cannot be queued, with where and why (``events[3].occurred_at: …``)."""


@dataclass(frozen=True)
class Notice:
    """One record event: the system it happened in, the record, the action, when, and who said so."""

    system: EventSystem
    record_type: str
    record_id: str
    action: str
    occurred_at: dt.datetime
    sender: str

    @property
    def dedupe_key(self) -> str:
        stamp = self.occurred_at.astimezone(dt.UTC).isoformat()
        return f"{self.system}:{self.record_type}:{self.record_id}:{self.action}:{stamp}"

    def payload(self) -> dict[str, Any]:
        """What the queue keeps (JSON)."""
        return {
            "record_type": self.record_type,
            "id": self.record_id,
            "action": self.action,
            "occurred_at": self.occurred_at.astimezone(dt.UTC).isoformat(),
            "sender": self.sender,
        }

    def queued(self) -> tuple[str, dict[str, Any], str]:
        """``(event_type, payload, dedupe_key)`` for ``StateStore.enqueue_many``."""
        return self.system, self.payload(), self.dedupe_key


def parse_notices(body: bytes, system: EventSystem, sender: str) -> list[Notice]:
    """The notices of a request body; :class:`NoticeError` naming the first problem otherwise."""
    if len(body) > MAX_BODY_BYTES:
        raise NoticeError(f"body is {len(body)} bytes; at most {MAX_BODY_BYTES}")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NoticeError(f"body is not JSON: {exc}") from None
    if isinstance(data, dict) and set(data) == {"events"}:
        items, where = data["events"], "events"
        if not isinstance(items, list) or not items:
            raise NoticeError("events: a non-empty list of notices expected")
        if len(items) > MAX_NOTICES:
            raise NoticeError(f"events: {len(items)} notices; at most {MAX_NOTICES} per request")
        return [_notice(item, f"{where}[{n}]", system, sender) for n, item in enumerate(items)]
    return [_notice(data, "notice", system, sender)]


def _notice(item: Any, where: str, system: EventSystem, sender: str) -> Notice:
    if not isinstance(item, dict):
        raise NoticeError(f"{where}: an object expected, got {type(item).__name__}")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise NoticeError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}")
    for key in _REQUIRED:
        if key not in item:
            raise NoticeError(f"{where}.{key}: required")
    record_type = _text(item["record_type"], f"{where}.record_type", 64)
    try:
        registry.record_type(system, record_type)
    except registry.UnknownName as exc:
        raise NoticeError(f"{where}.record_type: {exc}") from None
    record_id = _text(item["id"], f"{where}.id", 64, allow_int=True)
    action = _text(item["action"], f"{where}.action", 16)
    if action not in ACTIONS:
        raise NoticeError(f"{where}.action: {action!r}; one of {', '.join(ACTIONS)}")
    occurred_at = _timestamp(item["occurred_at"], f"{where}.occurred_at")
    claimed = item.get("sender")
    if claimed is not None and claimed != sender:
        raise NoticeError(f"{where}.sender: {claimed!r} is not the authenticated sender")
    return Notice(system, record_type, record_id, action, occurred_at, sender)


def _text(value: Any, where: str, limit: int, *, allow_int: bool = False) -> str:
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise NoticeError(f"{where}: a non-empty string expected")
    if len(value) > limit or not value.isprintable():
        raise NoticeError(f"{where}: at most {limit} printable characters")
    return value.strip()


def _timestamp(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise NoticeError(f"{where}: an ISO 8601 timestamp expected")
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise NoticeError(f"{where}: {value!r} is not an ISO 8601 timestamp") from None
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise NoticeError(f"{where}: {value!r} has no time zone")
    return stamp
