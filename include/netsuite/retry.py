"""Retrying NetSuite requests: exponential backoff with full jitter.

Oracle asks integrations to retry concurrency errors and lost responses after an *increasing* delay
and to avoid synchronised retries across workers, hence full jitter: the n-th retry sleeps a random
time in ``[0, min(max, base * 2**(n-1))]``. Only transient request-level failures are retried;
per-record status errors are data errors and never reach this module.

Whether a failure may be re-sent depends on the operation: a lost response (connection reset,
timeout, HTTP 5xx without a SOAP fault) leaves the outcome unknown, which is harmless for reads and
idempotent writes (upsert by externalId, update, delete) but not for ``add``/``addList``. The caller
says which it is (``resend_unknown``); ``addList`` verifies by externalId instead (see client).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from include.netsuite.errors import NetSuiteError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    """How often and how long to wait; ``sleep`` and ``rng`` are injectable for tests."""

    max_retries: int = 6
    base_s: float = 1.0
    max_s: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based), full jitter."""
        cap = min(self.max_s, self.base_s * (2 ** (retry - 1)))
        return self.rng.uniform(0, cap)

    def run(
        self,
        operation: str,
        attempt: Callable[[], T],
        *,
        resend_unknown: bool = True,
        on_retry: Callable[[NetSuiteError], None] | None = None,
    ) -> T:
        """Call ``attempt`` until it succeeds, a non-transient error occurs or retries run out.

        ``attempt`` must build everything request-specific itself (the TokenPassport above all),
        because each call is a new HTTP request. With ``resend_unknown=False`` an error whose
        outcome is unknown is raised at once instead of being retried.
        """
        retry = 0
        while True:
            try:
                return attempt()
            except NetSuiteError as exc:
                if (
                    not exc.transient
                    or (exc.outcome_unknown and not resend_unknown)
                    or retry >= self.max_retries
                ):
                    raise
                retry += 1
                wait = self.delay(retry)
                # exc's text is NetSuite's code/faultstring or a transport summary: no credentials
                log.warning(
                    "NetSuite %s failed (attempt %d of %d): %s; retrying in %.2fs",
                    operation,
                    retry,
                    self.max_retries + 1,
                    exc,
                    wait,
                )
                if on_retry is not None:
                    on_retry(exc)
                self.sleep(wait)
