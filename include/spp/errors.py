"""SuiteProjects Pro XML API status codes and the exceptions the client raises.

Every command in an XML API response carries a numeric ``status``; ``0`` is success and any
other value is an error code. Per-record problems (a write command that failed) become
``WriteResult(ok=False, code=..., message=...)``; problems with the whole request (login,
rate limit, malformed reply, transport) raise an ``SppError`` subclass.

Exception messages never include credentials or request bodies: they are built from the
status code, its documented meaning and the server's error text, with secrets scrubbed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from include.results import WriteResult

# code -> meaning, from the XML API reference (§6). Codes marked "assumption" there are
# kept with their assumed text so logs stay readable; the numeric code is always preserved.
STATUS_MEANINGS: dict[int, str] = {
    0: "success",
    1: "unknown error",
    2: "not logged in (Auth missing or failed)",
    3: "too many arguments",
    4: "too few arguments",
    5: "unknown command or method",
    6: "access from an invalid URL",
    7: "invalid OffLine version",
    8: "failure (see the accompanying error message)",
    9: "logged out (session id or OAuth access token invalid or expired)",
    10: "invalid parameters",
    401: "authentication failed (bad company, user or password)",
    426: "you must use an account-specific domain",
    556: "rate limit exceeded",
    601: "unknown id",
    602: "invalid field",
    605: "limit missing or greater than 1000",
    703: "delete failed",
    965: "file could not be saved",
    1106: "write error",
    1418: "invalid preference settings format",
    1419: "no full user licences available",
    1420: "no time and expense user licences available",
    1421: "no guest user licences available",
    1422: "missing Address object",
}

# Statuses on the Auth command that mean "these credentials do not work" (as opposed to
# "try again later"): not logged in, logged out, authentication failed.
AUTH_FAILURE_CODES = frozenset({2, 9, 401})
RATE_LIMIT_CODE = 556
WRONG_DOMAIN_CODE = 426


def describe_status(code: int | str, detail: str | None = None) -> str:
    """Human-readable text for an XML API status code, with the server's detail if any."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        number = -1
    meaning = STATUS_MEANINGS.get(number, "undocumented error code")
    text = f"status {code}: {meaning}"
    if detail:
        text += f" ({detail})"
    return text


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***`` (server text may echo input)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class SppError(Exception):
    """A request to the SuiteProjects Pro XML API failed as a whole.

    ``code`` is the XML API status (or the HTTP status for transport-level failures) when
    one is known. When a write call fails part-way, ``results`` holds one ``WriteResult`` per
    input record: the committed ones and, for the rest, why they failed or were not sent.
    """

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.results: list[WriteResult] | None = None


class SppAuthError(SppError):
    """The Auth command was refused: company, user, password, API namespace or key is wrong."""


class SppRateLimited(SppError):
    """The account is over its XML API request budget (status 556), after all retries."""


class SppRequestError(SppError):
    """The request failed: malformed reply, a read command's error status, HTTP or transport error."""


class SppWriteOutcomeUnknown(SppRequestError):
    """A non-idempotent write was sent but no answer came back; it may or may not have committed.

    The client does not retry such writes (a second ``Add`` could create duplicates); the
    caller should reconcile, for example by reading back on ``externalid``.
    """
