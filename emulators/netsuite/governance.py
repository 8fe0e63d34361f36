"""SuiteTalk governance: the account's concurrent request limit, list sizes and search page sizes.

The concurrency limit counts requests that passed the passport check and have not been answered
yet (simulated latency included), the way NetSuite counts requests in progress for the account.
A request over the limit is refused at once with ``WS_REQUEST_BLOCKED``; it does not queue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from emulators.control import Stats
from emulators.netsuite.faults import concurrency_blocked, record_count_exceeded

# Records per request of the synchronous list operations (SuiteTalk help, "Web Services Governance").
LIST_LIMITS: dict[str, int] = {
    "addList": 200,
    "deleteList": 200,
    "updateList": 100,
    "upsertList": 100,
    "getList": 1000,
}
MIN_PAGE_SIZE = 5
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 1000  # NetSuite's default when no pageSize is sent is undocumented (assumption)


class ConcurrencyGate:
    """Admits at most ``limit`` requests at a time and keeps ``stats`` in step.

    Single event loop: the check and the increment run without an ``await`` between them, so no
    lock is needed.
    """

    def __init__(self, limit: int, stats: Stats) -> None:
        self.limit = limit
        self.stats = stats

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the account's request slots, or raise the concurrency fault."""
        if self.stats.in_flight >= self.limit:
            self.stats.rejected_concurrency += 1
            raise concurrency_blocked()
        self.stats.enter()
        try:
            yield
        finally:
            self.stats.leave()


def check_list_size(operation: str, count: int) -> None:
    """Raise ``exceededRecordCountFault`` when a list operation carries too many records."""
    limit = LIST_LIMITS.get(operation)
    if limit is not None and count > limit:
        raise record_count_exceeded(operation, limit, count)


class InvalidPageSize(Exception):
    """searchPreferences.pageSize outside 5-1000; answered as a failed search status."""

    code = "INVALID_SEARCH_PAGE_SIZE"

    def __init__(self, page_size: int) -> None:
        super().__init__(
            f"The page size {page_size} is invalid. It must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}."
        )
        self.page_size = page_size


def page_size(requested: int | None) -> int:
    """The page size a search runs with; raises :class:`InvalidPageSize` outside 5-1000."""
    if requested is None:
        return DEFAULT_PAGE_SIZE
    if not MIN_PAGE_SIZE <= requested <= MAX_PAGE_SIZE:
        raise InvalidPageSize(requested)
    return requested
