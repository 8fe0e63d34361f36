"""Token-based authentication (TBA): the ``tokenPassport`` SOAP header.

A TokenPassport is single-use, retries included, so the client builds a fresh one (new nonce,
current timestamp, new signature) for every HTTP request it sends. The signature is
Base64(HMAC-SHA256(key=consumerSecret&tokenSecret, msg=account&consumerKey&tokenId&nonce&timestamp)),
joined with ``&`` and not URL-encoded. HMAC-SHA1 is insecure and being retired, so only SHA256 exists here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass, field

ALGORITHM = "HMAC-SHA256"
_NONCE_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class TbaCredentials:
    """The five TBA values of an integration; the two secrets never appear in ``repr``."""

    account: str
    consumer_key: str
    consumer_secret: str = field(repr=False)
    token_id: str
    token_secret: str = field(repr=False)

    def __post_init__(self) -> None:
        missing = [
            name
            for name in ("account", "consumer_key", "consumer_secret", "token_id", "token_secret")
            if not getattr(self, name)
        ]
        if missing:
            raise ValueError(f"NetSuite TBA credentials are missing: {', '.join(missing)}")

    @property
    def secrets(self) -> tuple[str, str]:
        """The values that must never leave the process (used to scrub error texts)."""
        return (self.consumer_secret, self.token_secret)


@dataclass(frozen=True)
class Passport:
    """The values of one ``tokenPassport`` header (already signed)."""

    account: str
    consumer_key: str
    token: str
    nonce: str
    timestamp: int
    signature: str
    algorithm: str = ALGORITHM


def sign(
    account: str,
    consumer_key: str,
    token_id: str,
    nonce: str,
    timestamp: int,
    consumer_secret: str,
    token_secret: str,
) -> str:
    """The Base64 HMAC-SHA256 signature NetSuite expects for these passport values."""
    base_string = "&".join((account, consumer_key, token_id, nonce, str(timestamp)))
    key = f"{consumer_secret}&{token_secret}"
    digest = hmac.new(key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def new_nonce(length: int = 32) -> str:
    """A cryptographically random alphanumeric nonce (NetSuite accepts 6–64 characters)."""
    if not 6 <= length <= 64:
        raise ValueError("a TokenPassport nonce must be 6 to 64 characters long")
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def build_passport(
    creds: TbaCredentials, *, nonce: str | None = None, timestamp: int | None = None
) -> Passport:
    """A freshly signed passport; ``nonce``/``timestamp`` are only fixed by tests."""
    nonce = nonce or new_nonce()
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    # The account keeps its original form (123456_SB1) here; only the host name is lower-cased.
    signature = sign(
        creds.account,
        creds.consumer_key,
        creds.token_id,
        nonce,
        timestamp,
        creds.consumer_secret,
        creds.token_secret,
    )
    return Passport(creds.account, creds.consumer_key, creds.token_id, nonce, timestamp, signature)
