"""One retry policy for both protocol clients: exponential backoff with bounded jitter, on tenacity.

A :class:`RetryPolicy` says how often to try (``max_retries`` after the first attempt), how long to
wait (the n-th retry waits up to ``min(max_s, base_s * 2**(n-1))``, with the ``jitter`` fraction of
that drawn at random so that workers do not retry in step), and which failures are worth another
attempt (``retryable``). The clients bring their own classification; the policy applies one rule:

* a failure that is not ``retryable`` is raised at once;
* a retryable failure whose outcome is unknown (``outcome_unknown``: the request may have been
  processed, e.g. the connection dropped after sending) is re-sent only when the caller says the
  request is ``idempotent`` (a read, an upsert by externalId, ``Add lookup="externalid"``);
  otherwise it is raised at once, so a create is never blindly repeated;
* when the attempts run out, the last failure is raised as it is (never a wrapper).

Every attempt is a new call of the attempt function, so each rebuilds whatever is request-specific
(NetSuite's TokenPassport above all). ``sleep`` and ``rng`` are injectable for fast, deterministic
tests.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

T = TypeVar("T")
log = logging.getLogger(__name__)

_MAX_EXPONENT = 62  # 2**62 s is beyond any cap; keeps the float arithmetic from overflowing


def _never(_: BaseException) -> bool:
    return False


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often and how long to retry, and which failures qualify.

    :param retryable: True for a failure the same request may survive (rate limit, concurrency
        fault, lost connection, HTTP 5xx); anything else is raised at once.
    :param outcome_unknown: True for a failure after which the request may have been carried out;
        such a failure is retried only for idempotent requests.
    :param max_retries: retries after the first attempt (attempts = ``max_retries + 1``).
    :param base_s: ceiling of the first retry's delay; it doubles per retry.
    :param max_s: the largest ceiling.
    :param jitter: the random share of each delay, 0..1: the n-th delay lies in
        ``[ceiling * (1 - jitter), ceiling]``; 1 is "full jitter", 0.5 "equal jitter", 0 none.
    :param sleep: how to wait (``time.sleep``; a list's ``append`` in tests).
    :param rng: the source of jitter.
    :param logger: where retries are logged (one WARNING line each, with the failure's text).
    :param label: the system's name at the start of those lines (``NetSuite``, ``SPP``).
    """

    retryable: Callable[[BaseException], bool]
    outcome_unknown: Callable[[BaseException], bool] = _never
    max_retries: int = 5
    base_s: float = 1.0
    max_s: float = 60.0
    jitter: float = 1.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)
    logger: logging.Logger = field(default=log, repr=False, compare=False)
    label: str = ""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")
        if self.base_s < 0 or self.max_s < 0:
            raise ValueError(f"delays must not be negative, got base_s={self.base_s}, max_s={self.max_s}")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be within 0..1, got {self.jitter}")

    @property
    def attempts(self) -> int:
        """Attempts in all, the first one included."""
        return self.max_retries + 1

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number ``retry`` (1-based): exponential, capped."""
        return min(self.max_s, self.base_s * 2.0 ** min(max(retry - 1, 0), _MAX_EXPONENT))

    def delay(self, retry: int) -> float:
        """A jittered wait before retry number ``retry`` (1-based), within its bounds."""
        top = self.ceiling(retry)
        return top * (1.0 - self.jitter) + self.rng.uniform(0.0, top * self.jitter)

    def should_retry(self, error: BaseException, *, idempotent: bool = True) -> bool:
        """Whether ``error`` may be followed by another attempt (attempts left aside)."""
        return self.retryable(error) and (idempotent or not self.outcome_unknown(error))

    def retrying(self, what: str, *, idempotent: bool = True) -> tenacity.Retrying:
        """A fresh tenacity controller for one request: call it with the attempt function, or
        iterate it (``for attempt in ...: with attempt: ...``) when work must happen between attempts.

        :param what: the request, for log lines (``getList``, ``Add Customer``).
        :param idempotent: whether re-sending after an unknown outcome is harmless.
        """

        def wait(state: tenacity.RetryCallState) -> float:
            return self.delay(state.attempt_number)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            self.logger.warning(
                "%s failed (attempt %d of %d): %s; retrying in %.2fs",
                f"{self.label} {what}".strip(),
                state.attempt_number,
                self.attempts,
                error,
                state.upcoming_sleep,
            )

        return tenacity.Retrying(
            sleep=lambda seconds: self.sleep(float(seconds)),
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(lambda error: self.should_retry(error, idempotent=idempotent)),
            before_sleep=before_sleep,
            reraise=True,
        )

    def call(self, attempt: Callable[[], T], *, what: str, idempotent: bool = True) -> T:
        """The result of ``attempt``, called until it succeeds or a failure may not be retried.

        Raises the last failure unchanged when retries run out or the rule forbids another attempt.
        """
        return self.retrying(what, idempotent=idempotent)(attempt)


__all__ = ["RetryPolicy"]
