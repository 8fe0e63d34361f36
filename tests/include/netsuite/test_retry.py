"""The shared retry policy (``include.retry``) and NetSuite's classification of failures under it.

Everything runs for real through tenacity; only ``sleep`` is a list's ``append``, so the waits the
policy asked for are checked instead of slept.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from typing import Any

import pytest

from include.netsuite.client import netsuite_retry_policy
from include.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConcurrencyError,
    NetSuiteFault,
    NetSuiteTransportError,
)
from include.retry import RetryPolicy


class Transient(Exception):
    """A failure the same request may survive; ``sent`` when the request may have been processed."""

    def __init__(self, sent: bool = False) -> None:
        super().__init__("lost" if sent else "refused before sending")
        self.sent = sent


class Fatal(Exception):
    """A failure no retry can help."""


def _policy(max_retries: int = 3, **overrides: Any) -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []
    policy = RetryPolicy(
        retryable=lambda exc: isinstance(exc, Transient),
        outcome_unknown=lambda exc: isinstance(exc, Transient) and exc.sent,
        max_retries=max_retries,
        base_s=1.0,
        max_s=5.0,
        sleep=sleeps.append,
        rng=random.Random(1),
    )
    return dataclasses.replace(policy, **overrides), sleeps


def _failing(errors: list[BaseException], value: str = "done") -> tuple[Callable[[], str], dict[str, int]]:
    calls = {"n": 0}

    def attempt() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return value

    return attempt, calls


# -- the shared policy -------------------------------------------------------------------------


def test_retryable_failures_are_retried_until_success_and_each_attempt_is_a_new_call() -> None:
    policy, sleeps = _policy()
    attempt, calls = _failing([Transient(), Transient()])
    assert policy.call(attempt, what="read") == "done"
    assert calls["n"] == 3 and len(sleeps) == 2


def test_a_failure_that_is_not_retryable_is_raised_at_once() -> None:
    policy, sleeps = _policy()
    fatal = Fatal("no")
    attempt, calls = _failing([fatal])
    with pytest.raises(Fatal) as caught:
        policy.call(attempt, what="read")
    assert caught.value is fatal and calls["n"] == 1 and sleeps == []


def test_attempts_are_bounded_and_the_last_failure_is_raised_unchanged() -> None:
    policy, sleeps = _policy(max_retries=2)
    errors: list[BaseException] = [Transient() for _ in range(5)]
    last = errors[2]
    attempt, calls = _failing(errors)
    with pytest.raises(Transient) as caught:
        policy.call(attempt, what="read")
    assert caught.value is last  # not tenacity's RetryError
    assert policy.attempts == 3 and calls["n"] == 3 and len(sleeps) == 2


def test_no_retries_means_one_attempt() -> None:
    policy, sleeps = _policy(max_retries=0)
    attempt, calls = _failing([Transient()])
    with pytest.raises(Transient):
        policy.call(attempt, what="read")
    assert calls["n"] == 1 and sleeps == []


def test_an_unknown_outcome_is_replayed_only_when_the_request_is_idempotent() -> None:
    policy, sleeps = _policy()
    attempt, calls = _failing([Transient(sent=True)])
    with pytest.raises(Transient):
        policy.call(attempt, what="create", idempotent=False)
    assert calls["n"] == 1 and sleeps == []

    # a request refused before it was processed is safe to send again, idempotent or not
    attempt, calls = _failing([Transient(sent=False), Transient(sent=False)])
    assert policy.call(attempt, what="create", idempotent=False) == "done"
    assert calls["n"] == 3

    # an idempotent request (an upsert by externalId, a read) is replayed after a lost response
    attempt, calls = _failing([Transient(sent=True), Transient(sent=True)])
    assert policy.call(attempt, what="upsert", idempotent=True) == "done"
    assert calls["n"] == 3


def test_the_rule_stops_a_write_at_its_first_unknown_outcome() -> None:
    policy, sleeps = _policy()
    lost = Transient(sent=True)
    attempt, calls = _failing([Transient(sent=False), lost, Transient(sent=False)])
    with pytest.raises(Transient) as caught:
        policy.call(attempt, what="create", idempotent=False)
    assert caught.value is lost and calls["n"] == 2 and len(sleeps) == 1


@pytest.mark.parametrize("jitter", [1.0, 0.5, 0.0])
def test_delays_grow_exponentially_up_to_the_cap_and_jitter_stays_within_bounds(jitter: float) -> None:
    policy, _ = _policy(base_s=1.0, max_s=10.0, jitter=jitter, rng=random.Random(7))
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0), (5000, 10.0)]:
        assert policy.ceiling(retry) == ceiling
        samples = [policy.delay(retry) for _ in range(300)]
        assert all(ceiling * (1 - jitter) <= s <= ceiling for s in samples)
        if jitter:  # spread over the whole jittered range, not a fixed step
            assert max(samples) - min(samples) > ceiling * jitter * 0.7
        else:
            assert set(samples) == {ceiling}


def test_the_waits_slept_are_the_policys_delays() -> None:
    policy, sleeps = _policy(max_retries=4, base_s=0.5, max_s=1.5, jitter=0.5)
    attempt, _ = _failing([Transient() for _ in range(4)])
    policy.call(attempt, what="read")
    assert len(sleeps) == 4 and all(isinstance(s, float) for s in sleeps)
    for retry, slept in enumerate(sleeps, start=1):
        ceiling = min(1.5, 0.5 * 2 ** (retry - 1))
        assert ceiling / 2 <= slept <= ceiling


def test_each_retry_is_logged_with_the_label_request_and_attempt(caplog: pytest.LogCaptureFixture) -> None:
    policy, _ = _policy(label="NetSuite", logger=logging.getLogger("tests.retry"))
    attempt, _ = _failing([Transient(), Transient()])
    with caplog.at_level(logging.WARNING, logger="tests.retry"):
        policy.call(attempt, what="getList")
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.retry"]
    assert len(lines) == 2
    assert lines[0].startswith(
        "NetSuite getList failed (attempt 1 of 4): refused before sending; retrying in"
    )
    assert "(attempt 2 of 4)" in lines[1]


def test_iterating_lets_work_happen_between_attempts() -> None:
    policy, sleeps = _policy()
    attempt, calls = _failing([Transient(sent=True)])
    between: list[int] = []
    result = None
    for state in policy.retrying("addList", idempotent=True):
        between.append(calls["n"])  # e.g. check what the lost attempt already created
        with state:
            result = attempt()
    assert result == "done" and between == [0, 1] and len(sleeps) == 1


def test_work_between_attempts_that_fails_is_not_retried() -> None:
    policy, sleeps = _policy()
    attempt, calls = _failing([Transient(sent=True)])
    with pytest.raises(Fatal):
        for state in policy.retrying("addList"):
            if calls["n"]:
                raise Fatal("the check failed")
            with state:
                attempt()
    assert calls["n"] == 1 and len(sleeps) == 1


@pytest.mark.parametrize(
    "settings", [{"max_retries": -1}, {"base_s": -1.0}, {"max_s": -0.5}, {"jitter": 1.5}, {"jitter": -0.1}]
)
def test_nonsense_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        _policy(**settings)


# -- NetSuite's classification -------------------------------------------------------------------


def _netsuite(max_retries: int = 3) -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []
    policy = netsuite_retry_policy(max_retries=max_retries, base_s=1.0, max_s=5.0)
    return dataclasses.replace(policy, sleep=sleeps.append, rng=random.Random(1)), sleeps


def test_netsuite_uses_full_jitter() -> None:
    policy, _ = _netsuite()
    assert policy.jitter == 1.0 and policy.label == "NetSuite" and policy.attempts == 4


def test_concurrency_faults_are_retried_until_success() -> None:
    policy, sleeps = _netsuite()
    blocked = NetSuiteConcurrencyError(
        "SuiteTalk concurrent request limit exceeded. Request blocked.", code="WS_REQUEST_BLOCKED"
    )
    attempt, calls = _failing([blocked, blocked])
    assert policy.call(attempt, what="search") == "done"
    assert calls["n"] == 3 and len(sleeps) == 2


def test_unexpected_error_text_is_transient() -> None:
    policy, _ = _netsuite()
    attempt, calls = _failing([NetSuiteFault("An unexpected error occurred.", code="UNEXPECTED_ERROR")])
    assert policy.call(attempt, what="getList") == "done"
    assert calls["n"] == 2


def test_auth_and_other_faults_are_not_retried() -> None:
    policy, sleeps = _netsuite()
    attempt, calls = _failing([NetSuiteAuthError("Invalid login attempt.", code="USER_ERROR")])
    with pytest.raises(NetSuiteAuthError):
        policy.call(attempt, what="search")
    attempt, calls = _failing([NetSuiteFault("Bad search", code="USER_ERROR")])
    with pytest.raises(NetSuiteFault):
        policy.call(attempt, what="search")
    assert calls["n"] == 1 and sleeps == []


def test_netsuite_retries_are_bounded() -> None:
    policy, sleeps = _netsuite(max_retries=2)
    attempt, calls = _failing([NetSuiteTransportError("connection lost") for _ in range(5)])
    with pytest.raises(NetSuiteTransportError):
        policy.call(attempt, what="upsertList")
    assert calls["n"] == 3 and len(sleeps) == 2


def test_lost_responses_are_not_resent_when_the_write_is_not_idempotent() -> None:
    policy, _ = _netsuite()
    attempt, calls = _failing([NetSuiteTransportError("connection lost", outcome_unknown=True)])
    with pytest.raises(NetSuiteTransportError):
        policy.call(attempt, what="addList", idempotent=False)
    assert calls["n"] == 1
    # an internal error may strike after records were saved: same rule
    attempt, calls = _failing([NetSuiteFault("An unexpected error occurred.", code="UNEXPECTED_ERROR")])
    with pytest.raises(NetSuiteFault):
        policy.call(attempt, what="addList", idempotent=False)
    assert calls["n"] == 1
    # ...but a request that never reached NetSuite, or was rejected up front, is safe to resend
    attempt, calls = _failing(
        [
            NetSuiteTransportError("could not connect", outcome_unknown=False),
            NetSuiteConcurrencyError("blocked", code="WS_REQUEST_BLOCKED"),
        ]
    )
    assert policy.call(attempt, what="addList", idempotent=False) == "done"
    assert calls["n"] == 3


def test_http_client_errors_are_not_retried() -> None:
    policy, _ = _netsuite()
    attempt, calls = _failing([NetSuiteTransportError("HTTP 404", status_code=404)])
    with pytest.raises(NetSuiteTransportError):
        policy.call(attempt, what="search")
    assert calls["n"] == 1


def test_http_429_and_5xx_are_retried() -> None:
    policy, _ = _netsuite()
    attempt, calls = _failing(
        [
            NetSuiteTransportError("HTTP 429", status_code=429),
            NetSuiteTransportError("HTTP 503", status_code=503),
        ]
    )
    assert policy.call(attempt, what="getList") == "done"
    assert calls["n"] == 3
