"""Token-based authentication (TBA): the ``tokenPassport`` header, checked as NetSuite does.

The signature is Base64(HMAC-SHA256(key, base)) with ``base = account&consumerKey&token&nonce&timestamp``
and ``key = consumerSecret&tokenSecret`` (no URL-encoding). A passport is single-use: its nonce is
remembered for the timestamp skew window (a replay older than that fails the timestamp check
anyway). Every failure is the same ``Invalid login attempt.`` fault, because NetSuite never says
which part was wrong; :attr:`SoapFault.reason` keeps the cause for logs and tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from emulators.netsuite.faults import invalid_login
from emulators.settings import NetSuiteSettings

ALGORITHM = "HMAC-SHA256"
_NONCE = re.compile(r"^[A-Za-z0-9]{6,64}$")
_FIELDS = ("account", "consumerKey", "token", "nonce", "timestamp", "signature")


def sign_passport(
    account: str,
    consumer_key: str,
    token: str,
    nonce: str,
    timestamp: int | str,
    consumer_secret: str,
    token_secret: str,
) -> str:
    """The Base64 HMAC-SHA256 TokenPassport signature (both the emulator and tests use it)."""
    base = "&".join([account, consumer_key, token, nonce, str(timestamp)])
    key = f"{consumer_secret}&{token_secret}"
    digest = hmac.new(key.encode("utf-8"), base.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class TokenPassport:
    """The six passport values as sent."""

    account: str
    consumer_key: str
    token: str
    nonce: str
    timestamp: str
    signature: str
    algorithm: str


def passport_from_header(element: etree._Element) -> TokenPassport:
    """Read a ``tokenPassport`` header element.

    Children are matched by local name: the XSD puts them in the core namespace, but hand-written
    clients (Postman samples) use the messages namespace, and NetSuite accepts both.
    """
    values: dict[str, str] = {}
    algorithm = ""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in _FIELDS:
            values[name] = (child.text or "").strip()
            if name == "signature":
                algorithm = child.get("algorithm", "")
    missing = [f for f in _FIELDS if not values.get(f)]
    if missing:
        raise invalid_login(f"tokenPassport lacks {', '.join(missing)}")
    return TokenPassport(
        account=values["account"],
        consumer_key=values["consumerKey"],
        token=values["token"],
        nonce=values["nonce"],
        timestamp=values["timestamp"],
        signature=values["signature"],
        algorithm=algorithm,
    )


class PassportVerifier:
    """Checks passports against the configured account and TBA credentials.

    ``clock`` returns Unix seconds; tests inject one to age timestamps and nonces.
    """

    def __init__(self, settings: NetSuiteSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self._seen: dict[str, float] = {}  # nonce -> when it was used
        self._lock = threading.Lock()

    def verify(self, passport: TokenPassport) -> None:
        """Raise the invalid-login :class:`SoapFault` unless ``passport`` is valid and unused."""
        s = self.settings
        if passport.account != s.account:
            raise invalid_login(f"unknown account {passport.account!r}")
        if passport.consumer_key != s.consumer_key:
            raise invalid_login("unknown consumer key")
        if passport.token != s.token_id:
            raise invalid_login("unknown token")
        if passport.algorithm != ALGORITHM:
            raise invalid_login(f"unsupported signature algorithm {passport.algorithm!r}")
        if not _NONCE.match(passport.nonce):
            raise invalid_login("nonce must be 6-64 alphanumeric characters")
        try:
            stamp = int(passport.timestamp)
        except ValueError:
            raise invalid_login("timestamp is not an integer") from None
        now = self.clock()
        if abs(now - stamp) > s.timestamp_skew_s:
            raise invalid_login(f"timestamp {stamp} is outside the allowed skew of {s.timestamp_skew_s}s")
        expected = sign_passport(
            passport.account,
            passport.consumer_key,
            passport.token,
            passport.nonce,
            passport.timestamp,
            s.consumer_secret,
            s.token_secret,
        )
        if not hmac.compare_digest(expected, passport.signature):
            raise invalid_login("signature mismatch")
        self._remember(passport.nonce, now)

    def _remember(self, nonce: str, now: float) -> None:
        with self._lock:
            horizon = now - 2 * self.settings.timestamp_skew_s
            if len(self._seen) > 1024:  # forget nonces whose timestamps can no longer pass the skew check
                self._seen = {n: t for n, t in self._seen.items() if t >= horizon}
            if nonce in self._seen and self._seen[nonce] >= horizon:
                raise invalid_login("nonce already used")
            self._seen[nonce] = now


def authenticate(headers: dict[str, etree._Element], verifier: PassportVerifier) -> TokenPassport:
    """Apply the header rules of TBA to a request's SOAP headers (keyed by local name).

    Exactly one ``tokenPassport``; ``applicationInfo``, ``passport`` or ``ssoPassport`` alongside it
    make the request ambiguous, which NetSuite also answers with an invalid login.
    """
    for forbidden in ("applicationInfo", "passport", "ssoPassport"):
        if forbidden in headers:
            raise invalid_login(f"{forbidden} is not allowed with token-based authentication")
    element = headers.get("tokenPassport")
    if element is None:
        raise invalid_login("no tokenPassport header")
    passport = passport_from_header(element)
    verifier.verify(passport)
    return passport
