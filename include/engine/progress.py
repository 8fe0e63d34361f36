"""Progress lines for long runs: records done / total, rate and time left, at most every few seconds."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)


class Progress:
    """Logs ``done/total (pct) rate/s, ETA`` as work advances."""

    def __init__(self, label: str, total: int, every_s: float = 5.0) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.every_s = every_s
        self.started = time.monotonic()
        self._last = float("-inf")  # the first step is always logged

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= self.every_s or self.done >= self.total:
            self._last = now
            log.info("%s", self.line(now))

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.started, 1e-6)
        rate = self.done / elapsed
        pct = 100.0 * self.done / self.total if self.total else 100.0
        left = (self.total - self.done) / rate if rate > 0 else float("inf")
        eta = f"{left:.0f}s left" if left != float("inf") else "?"
        return f"{self.label}: {self.done}/{self.total} records ({pct:.0f}%), {rate:.1f}/s, {eta}"
