"""Who may talk to the local SuiteProjects Pro service: API namespace/key, the ``<Auth>``
command (company/user/password or OAuth access token) and the request budget.

The XML API has no sessions: every request carries its own ``<Auth>``, which is also where
the account's rate limit answers (status 556, reference §3 and §8).
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections import deque
from dataclasses import dataclass

from lxml import etree

from emulators.settings import SppSettings
from emulators.spp import protocol as p

# OAuth access tokens the service accepts; real SPP issues them through an authorization-code
# grant, which the emulator does not run, so the token is a configured shared value.
DEFAULT_ACCESS_TOKEN = "emulator-access-token"


def access_token(settings: SppSettings) -> str:
    """The accepted OAuth token (``SPP_ACCESS_TOKEN``, or a settings attribute of that name)."""
    return (
        getattr(settings, "access_token", None) or os.environ.get("SPP_ACCESS_TOKEN") or DEFAULT_ACCESS_TOKEN
    )


def _same(given: str | None, expected: str) -> bool:
    return hmac.compare_digest((given or "").encode(), expected.encode())


def api_key_valid(root: etree._Element, settings: SppSettings) -> bool:
    """The ``<request namespace= key=>`` pair matches the configured API credentials."""
    return _same(root.get("namespace"), settings.api_namespace) and _same(root.get("key"), settings.api_key)


@dataclass
class AuthOutcome:
    """The Auth command's status and, on failure, why."""

    code: int
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == p.OK


def check_login(auth: etree._Element, settings: SppSettings) -> AuthOutcome:
    """Validate ``<Auth><Login>…</Login></Auth>``: user credentials or an access token."""
    login = auth.find("Login")
    if login is None:
        return AuthOutcome(p.TOO_FEW_ARGUMENTS, "Auth needs a Login element")
    token = login.findtext("access_token")
    if token is not None:
        # an invalid token fails outright: no fallback to the password (reference §3)
        if _same(token.strip(), access_token(settings)):
            return AuthOutcome(p.OK)
        return AuthOutcome(p.LOGGED_OUT, "invalid or expired access token")
    company = (login.findtext("company") or "").strip()
    user = (login.findtext("user") or "").strip()
    password = login.findtext("password") or ""
    # company ids and user names are case-insensitive in the SPP sign-in; passwords are not
    if (
        _same(company.lower(), settings.company.lower())
        and _same(user.lower(), settings.user.lower())
        and _same(password, settings.password)
    ):
        return AuthOutcome(p.OK)
    return AuthOutcome(p.AUTH_FAILED, "invalid company, user or password")


class RateLimiter:
    """Rolling 60-second and 24-hour request budgets of the account (0 = unlimited).

    Budgets are read from the settings on every call so tests can change them live. Refused
    requests do not consume budget.
    """

    DAY_S = 24 * 3600
    UNLIMITED_REMAINING = 100_000  # what RateLimit reads report without a daily budget

    def __init__(self, settings: SppSettings) -> None:
        self.settings = settings
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()
        self._lock = threading.Lock()

    def _per_day(self) -> int:
        return int(getattr(self.settings, "requests_per_day", 0) or 0)

    def _trim(self, now: float) -> None:
        while self._minute and self._minute[0] <= now - 60:
            self._minute.popleft()
        while self._day and self._day[0] <= now - self.DAY_S:
            self._day.popleft()

    def admit(self) -> bool:
        """Count one authenticated request; False when a budget is exhausted."""
        now = time.monotonic()
        per_minute, per_day = int(self.settings.requests_per_minute or 0), self._per_day()
        with self._lock:
            self._trim(now)
            if per_minute and len(self._minute) >= per_minute:
                return False
            if per_day and len(self._day) >= per_day:
                return False
            self._minute.append(now)
            self._day.append(now)
            return True

    def remaining_24h(self) -> int:
        """Requests left in the rolling 24-hour window (the ``remain_24h_error`` field)."""
        with self._lock:
            self._trim(time.monotonic())
            used = len(self._day)
        per_day = self._per_day()
        return max(per_day - used, 0) if per_day else max(self.UNLIMITED_REMAINING - used, 0)

    def reset(self) -> None:
        """Forget past requests (the control plane's reset)."""
        with self._lock:
            self._minute.clear()
            self._day.clear()
