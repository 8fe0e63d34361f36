"""Search ids for ``searchMoreWithId``: the query and page size of a ``search``, kept for paging.

NetSuite re-runs the query for every page (records changed mid-paging may move between pages),
so a session stores the query, not its results. An id expires after ``ttl_s`` without use, after
which ``searchMoreWithId`` answers ``INVALID_JOB_ID``. ``clock`` (Unix seconds) is injectable so
tests can age sessions without waiting.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class SearchSession:
    """One open search: what to re-run and how to page it."""

    search_id: str
    query: Any  # codec.SearchQuery
    page_size: int
    last_used: float
    body_fields_only: bool = True


class SearchSessions:
    """Open searches by id, expiring ``ttl_s`` seconds after their last use."""

    def __init__(self, ttl_s: float = 15 * 60, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._sessions: dict[str, SearchSession] = {}
        self._lock = threading.Lock()

    def open(self, query: Any, page_size: int, body_fields_only: bool = True) -> SearchSession:
        """Register a new search and return its session (with a fresh id)."""
        now = self.clock()
        # NetSuite's ids look like "WEBSERVICES_<account>_<stamp>_<hex>"; clients treat them as opaque
        session = SearchSession(f"WEBSERVICES_{uuid.uuid4().hex}", query, page_size, now, body_fields_only)
        with self._lock:
            self._expire(now)
            self._sessions[session.search_id] = session
        return session

    def touch(self, search_id: str) -> SearchSession | None:
        """The live session for ``search_id`` (its expiry restarts), or None when unknown/expired."""
        now = self.clock()
        with self._lock:
            self._expire(now)
            session = self._sessions.get(search_id)
            if session is not None:
                session.last_used = now
            return session

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self, now: float) -> None:
        stale = [sid for sid, s in self._sessions.items() if now - s.last_used > self.ttl_s]
        for sid in stale:
            del self._sessions[sid]
