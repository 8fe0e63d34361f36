"""Request-level NetSuite errors, as the client raises them.

Per-record problems (a bad reference, a duplicate entityId) are *not* exceptions: they come back
as :class:`~include.results.WriteResult` entries. What is raised here is a failure of a whole
request: a SOAP fault (bad login, concurrency limit, internal error), a transport failure, or a
request whose outcome cannot be known. Messages carry NetSuite's code and text, never credentials.
"""

from __future__ import annotations

from collections.abc import Iterable

# Faultstrings production integrations treat as transient (NetSweet's list; reference §8).
TRANSIENT_FAULTSTRINGS: tuple[str, ...] = (
    "SuiteTalk concurrent request limit exceeded. Request blocked.",
    "Only one request may be made against a session at a time",
    "An unexpected error occurred.",
    "java.util.ConcurrentModificationException",
    "The account you are trying to access is currently unavailable while we undergo our regularly "
    "scheduled maintenance.",
    "The Connection Pool is not intialized.",  # NetSuite's spelling
)
CONCURRENCY_CODES = frozenset(
    {"WS_REQUEST_BLOCKED", "WS_CONCUR_SESSION_DISALLWD", "CONCURRENCY_LIMIT_EXCEEDED"}
)
CONCURRENCY_DETAILS = frozenset({"exceededConcurrentRequestLimitFault", "exceededRequestLimitFault"})
TRANSIENT_CODES = frozenset({"UNEXPECTED_ERROR", "ACCT_TEMP_UNAVAILABLE"}) | CONCURRENCY_CODES
AUTH_DETAILS = frozenset({"invalidCredentialsFault", "invalidSessionFault", "invalidAccountFault"})
AUTH_CODES = frozenset(
    {"INVALID_LOGIN_CREDENTIALS", "INVALID_LOGIN_ATTEMPT", "INVALID_ACCT", "LOGIN_DISABLED"}
)


class NetSuiteError(Exception):
    """Base of every error the NetSuite client raises for a whole request.

    ``outcome_unknown`` is True when the request may have been processed although it failed
    (a lost response or an internal error): re-sending is then only safe for idempotent operations.
    """

    outcome_unknown: bool = False

    def __init__(self, message: str, *, code: str | None = None, operation: str | None = None) -> None:
        self.code = code
        self.message = message
        self.operation = operation
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [p for p in (self.operation, self.code) if p]
        prefix = f"[{' '.join(parts)}] " if parts else ""
        return f"{prefix}{self.message}"

    @property
    def transient(self) -> bool:
        """True when the same request may succeed later (worth a retry)."""
        return False


class NetSuiteFault(NetSuiteError):
    """A SOAP fault: NetSuite refused the whole request.

    ``detail`` is the local name of the ``platformFaults`` element (e.g. ``unexpectedErrorFault``),
    ``faultstring`` NetSuite's text. An internal error may strike after records were saved, so a
    generic fault leaves the outcome unknown; concurrency and login faults reject the request upfront.
    """

    outcome_unknown = True

    def __init__(
        self,
        faultstring: str,
        *,
        code: str | None = None,
        detail: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.faultstring = faultstring
        self.detail = detail
        super().__init__(faultstring, code=code, operation=operation)

    @property
    def transient(self) -> bool:
        return (self.code in TRANSIENT_CODES) or self.faultstring.strip() in TRANSIENT_FAULTSTRINGS


class NetSuiteAuthError(NetSuiteFault):
    """The TokenPassport was refused (wrong credentials, reused nonce, clock skew, wrong account)."""

    outcome_unknown = False

    @property
    def transient(self) -> bool:
        return False


class NetSuiteConcurrencyError(NetSuiteFault):
    """The account's concurrent request limit was exceeded; the request was not processed."""

    outcome_unknown = False

    @property
    def transient(self) -> bool:
        return True


class NetSuiteStatusError(NetSuiteError):
    """A request-level ``status isSuccess="false"`` (e.g. a search with ``INVALID_JOB_ID``)."""

    @property
    def transient(self) -> bool:
        return self.code in TRANSIENT_CODES


class NetSuiteTransportError(NetSuiteError):
    """No usable SOAP answer: connection refused/reset, timeout, or an HTTP error without a fault.

    ``outcome_unknown`` is True when the request may have reached NetSuite and been processed
    (the response was lost), which matters for non-idempotent writes.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        outcome_unknown: bool = True,
        operation: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.outcome_unknown = outcome_unknown
        super().__init__(message, code=f"HTTP_{status_code}" if status_code else None, operation=operation)

    @property
    def transient(self) -> bool:
        return self.status_code is None or self.status_code >= 500 or self.status_code == 429


class NetSuiteOutcomeUnknownError(NetSuiteError):
    """A non-idempotent write lost its response and could not be verified, so it was not re-sent."""


def is_retryable(error: BaseException) -> bool:
    """A request-level failure the same request may survive (the retry policy's ``retryable``)."""
    return isinstance(error, NetSuiteError) and error.transient


def is_outcome_unknown(error: BaseException) -> bool:
    """A failure after which NetSuite may have processed the request (``outcome_unknown``)."""
    return isinstance(error, NetSuiteError) and error.outcome_unknown


def fault_from_parts(
    faultstring: str, *, code: str | None, detail: str | None, operation: str | None = None
) -> NetSuiteFault:
    """The most specific :class:`NetSuiteFault` for a fault's code, detail element and text.

    Matching uses the detail element and text as well as the code, because the code of a failed
    TBA login differs between sources (``USER_ERROR`` vs ``INVALID_LOGIN_ATTEMPT``).
    """
    text = (faultstring or "").strip()
    if detail in AUTH_DETAILS or code in AUTH_CODES or text == "Invalid login attempt.":
        return NetSuiteAuthError(text, code=code, detail=detail, operation=operation)
    if detail in CONCURRENCY_DETAILS or code in CONCURRENCY_CODES or text == TRANSIENT_FAULTSTRINGS[0]:
        return NetSuiteConcurrencyError(text, code=code, detail=detail, operation=operation)
    return NetSuiteFault(text, code=code, detail=detail, operation=operation)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of a secret replaced by ``***`` (defence in depth)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text
