"""Retry policy: full-jitter backoff, which failures are retried, and lost-response handling."""

from __future__ import annotations

import random

import pytest

from include.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConcurrencyError,
    NetSuiteFault,
    NetSuiteTransportError,
)
from include.netsuite.retry import RetryPolicy


def _policy(max_retries: int = 3) -> tuple[RetryPolicy, list[float]]:
    sleeps: list[float] = []
    return RetryPolicy(
        max_retries=max_retries, base_s=1.0, max_s=5.0, sleep=sleeps.append, rng=random.Random(1)
    ), sleeps


def _failing(errors: list[Exception], value: str = "done"):
    calls = {"n": 0}

    def attempt() -> str:
        calls["n"] += 1
        if errors:
            raise errors.pop(0)
        return value

    return attempt, calls


def test_delay_is_full_jitter_under_an_exponential_cap() -> None:
    policy = RetryPolicy(base_s=1.0, max_s=10.0, rng=random.Random(7))
    for retry, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)]:
        samples = [policy.delay(retry) for _ in range(200)]
        assert all(0 <= s <= cap for s in samples)
        assert max(samples) > cap * 0.7  # spread over the whole range, not a fixed step


def test_concurrency_faults_are_retried_until_success() -> None:
    policy, sleeps = _policy()
    blocked = NetSuiteConcurrencyError(
        "SuiteTalk concurrent request limit exceeded. Request blocked.", code="WS_REQUEST_BLOCKED"
    )
    attempt, calls = _failing([blocked, blocked])
    assert policy.run("search", attempt) == "done"
    assert calls["n"] == 3 and len(sleeps) == 2


def test_unexpected_error_text_is_transient() -> None:
    policy, _ = _policy()
    attempt, calls = _failing([NetSuiteFault("An unexpected error occurred.", code="UNEXPECTED_ERROR")])
    assert policy.run("getList", attempt) == "done"
    assert calls["n"] == 2


def test_auth_and_other_faults_are_not_retried() -> None:
    policy, sleeps = _policy()
    attempt, calls = _failing([NetSuiteAuthError("Invalid login attempt.", code="USER_ERROR")])
    with pytest.raises(NetSuiteAuthError):
        policy.run("search", attempt)
    attempt, calls = _failing([NetSuiteFault("Bad search", code="USER_ERROR")])
    with pytest.raises(NetSuiteFault):
        policy.run("search", attempt)
    assert calls["n"] == 1 and sleeps == []


def test_retries_are_bounded() -> None:
    policy, sleeps = _policy(max_retries=2)
    errors = [NetSuiteTransportError("connection lost") for _ in range(5)]
    attempt, calls = _failing(errors)
    with pytest.raises(NetSuiteTransportError):
        policy.run("upsertList", attempt)
    assert calls["n"] == 3 and len(sleeps) == 2


def test_lost_responses_are_not_resent_when_the_write_is_not_idempotent() -> None:
    policy, _ = _policy()
    attempt, calls = _failing([NetSuiteTransportError("connection lost", outcome_unknown=True)])
    with pytest.raises(NetSuiteTransportError):
        policy.run("addList", attempt, resend_unknown=False)
    assert calls["n"] == 1
    # ...but a request that never reached NetSuite, or was rejected up front, is safe to resend
    attempt, calls = _failing(
        [
            NetSuiteTransportError("could not connect", outcome_unknown=False),
            NetSuiteConcurrencyError("blocked", code="WS_REQUEST_BLOCKED"),
        ]
    )
    assert policy.run("addList", attempt, resend_unknown=False) == "done"
    assert calls["n"] == 3


def test_http_client_errors_are_not_retried() -> None:
    policy, _ = _policy()
    attempt, calls = _failing([NetSuiteTransportError("HTTP 404", status_code=404)])
    with pytest.raises(NetSuiteTransportError):
        policy.run("search", attempt)
    assert calls["n"] == 1
