"""Classifying SOAP faults into the client's exception types."""

from __future__ import annotations

from include.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConcurrencyError,
    NetSuiteFault,
    fault_from_parts,
    redact,
)


def test_login_failures_are_auth_errors_whatever_the_code() -> None:
    for code in ("USER_ERROR", "INVALID_LOGIN_ATTEMPT", None):
        err = fault_from_parts("Invalid login attempt.", code=code, detail="invalidCredentialsFault")
        assert isinstance(err, NetSuiteAuthError) and not err.transient


def test_concurrency_fault_is_transient_and_rejected_up_front() -> None:
    err = fault_from_parts(
        "SuiteTalk concurrent request limit exceeded. Request blocked.",
        code="WS_REQUEST_BLOCKED",
        detail="exceededConcurrentRequestLimitFault",
        operation="search",
    )
    assert isinstance(err, NetSuiteConcurrencyError)
    assert err.transient and not err.outcome_unknown
    assert "WS_REQUEST_BLOCKED" in str(err) and "search" in str(err)


def test_known_transient_faultstrings_are_retryable() -> None:
    err = fault_from_parts("java.util.ConcurrentModificationException", code="USER_ERROR", detail=None)
    assert type(err) is NetSuiteFault and err.transient and err.outcome_unknown
    assert not fault_from_parts("Invalid search criteria", code="USER_ERROR", detail=None).transient


def test_redact_removes_secrets() -> None:
    assert redact("key s3cr3t-value leaked", ["s3cr3t-value", ""]) == "key *** leaked"
