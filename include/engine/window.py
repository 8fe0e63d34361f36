"""Which source records one run of a workflow looks at.

A run reads the records modified in a window ``(since, until]`` on the *source system's* clock:

* incremental (the default): ``since`` = the workflow's watermark, ``until`` = the source
  system's server time read at the start of the run (never the local clock);
* full synchronisation (``full_sync``): no lower bound, or the ``since`` parameter when given;
* a backfill run: the run's data interval, so ``airflow backfill create`` over a range is a
  windowed full synchronisation;
* single records (``record_ids``): exactly those source ids, whatever their dates.

Records whose write failed in earlier runs are retried by id on the next run (see
``engine.run``), so advancing the watermark past them loses nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# NetSuite's lastModifiedDate has second precision and SPP's `updated` too; re-reading a small
# overlap costs little because unchanged records are skipped by their monitored-field hash.
OVERLAP = dt.timedelta(seconds=2)


@dataclass(frozen=True)
class SyncWindow:
    """The slice of source records one run processes."""

    since: dt.datetime | None
    until: dt.datetime
    mode: str  # incremental | full | backfill | records
    record_ids: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        if self.mode == "records":
            return f"records {', '.join(self.record_ids)}"
        lower = self.since.isoformat() if self.since else "the beginning"
        return f"{self.mode}: modified after {lower} up to {self.until.isoformat()}"


def _aware(value: dt.datetime | str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def resolve_window(
    params: dict[str, Any],
    *,
    watermark: dt.datetime | None,
    source_now: dt.datetime,
    interval: tuple[dt.datetime, dt.datetime] | None = None,
) -> SyncWindow:
    """Work out the window from the run's params, the watermark and the source clock.

    ``interval`` is the data interval of a backfill run (None for other runs).
    """
    until = _aware(source_now)
    assert until is not None
    record_ids = tuple(str(r) for r in (params.get("record_ids") or []) if str(r).strip())
    if record_ids:
        return SyncWindow(since=None, until=until, mode="records", record_ids=record_ids)
    if interval is not None:
        start, end = (_aware(interval[0]), _aware(interval[1]))
        return SyncWindow(since=start, until=min(end, until) if end else until, mode="backfill")
    if params.get("full_sync"):
        return SyncWindow(since=_aware(params.get("since")), until=until, mode="full")
    since = _aware(params.get("since")) or (watermark - OVERLAP if watermark else None)
    return SyncWindow(since=since, until=until, mode="incremental" if since else "full")
