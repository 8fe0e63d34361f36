"""Who sent a request: the two sender schemes, checked against the keys registered in the state store.

**SPP senders (user scripts): HMAC-SHA256.** A sender holds an API key ``<key_id>.<secret>``; the
store keeps only the secret's SHA-256 digest. Each request carries::

    X-Integration-Key: <key_id>.<secret>
    X-Integration-Timestamp: <Unix seconds>
    X-Integration-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path>." + body)>

The key proves who sends (its digest must match), the signature binds that key to this timestamp,
route and body; a timestamp more than ``MAX_SKEW_S`` away from now is refused, and so is a
signature seen before (replay). A leaked state database yields digests, which sign nothing.

**NetSuite senders (SuiteScript): a JWT signed with a registered certificate's private key.**
``Authorization: Bearer <jwt>`` with header ``kid`` = the key id, ``alg`` RS256 or PS256 (nothing
else: ``none`` and HMAC algorithms are refused), claims ``iss`` = the sender, ``aud`` =
``AUDIENCE``, ``iat``, ``exp`` at most ``MAX_TOKEN_LIFETIME_S`` after ``iat``, a ``jti`` used once,
and ``body_sha256`` = the hex SHA-256 of the body. The certificate must be within its validity dates.
This is the certificate-based scheme NetSuite uses since SuiteSignOn ended.

Refusals raise :class:`Refused` with the HTTP status (401: no or bad credentials, 403: unknown or
retired key) and a reason that never contains a secret, a signature or a token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from include.state import SenderKey, StateStore
from include.state.models import SCHEME_HMAC, SCHEME_JWT

AUDIENCE = "netsuite-spp-integration"
MAX_SKEW_S = 300
MAX_TOKEN_LIFETIME_S = 300
JWT_ALGORITHMS = ("RS256", "PS256")
KEY_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER = (
    "x-integration-key",
    "x-integration-timestamp",
    "x-integration-signature",
)


class Refused(Exception):
    """A request whose sender could not be established; ``status`` is what to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Sender:
    """An authenticated sender: its name and the key it used."""

    name: str
    key_id: str
    scheme: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def hmac_message(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}.{method.upper()}.{path}.".encode() + body


def hmac_signature(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """What an SPP sender puts in ``X-Integration-Signature`` (the shipped user script does the same)."""
    mac = hmac.new(secret.encode(), hmac_message(timestamp, method, path, body), hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def new_api_key() -> tuple[str, str]:
    """``(key_id, api_key)`` for a new HMAC sender key; only ``digest`` of its secret is stored."""
    key_id = "spp_" + secrets.token_hex(6)
    return key_id, f"{key_id}.{secrets.token_urlsafe(32)}"


def register_hmac_sender(state: StateStore, sender: str) -> tuple[SenderKey, str]:
    """A new key for an SPP sender (its older keys stay valid until retired); returns the row and
    the API key, shown once."""
    key_id, api_key = new_api_key()
    secret = api_key.split(".", 1)[1]
    row = state.add_sender_key(sender, SCHEME_HMAC, key_id, secret_sha256=digest(secret))
    return row, api_key


def register_certificate_sender(
    state: StateStore, sender: str, key_id: str, certificate_pem: str
) -> SenderKey:
    """Register a NetSuite sender's X.509 certificate (PEM) under ``key_id`` (the JWT ``kid``)."""
    from cryptography import x509

    try:
        x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError as exc:
        raise ValueError(f"not a PEM X.509 certificate: {exc}") from None
    return state.add_sender_key(sender, SCHEME_JWT, key_id, certificate=certificate_pem)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def verify_hmac(
    state: StateStore,
    headers: Mapping[str, str],
    method: str,
    path: str,
    body: bytes,
) -> Sender:
    """The SPP sender of a request, or :class:`Refused`. ``headers`` keys are lower-case."""
    api_key, stamp, signature = (
        _header(headers, KEY_HEADER),
        _header(headers, TIMESTAMP_HEADER),
        _header(headers, SIGNATURE_HEADER),
    )
    if not (api_key and stamp and signature):
        raise Refused(401, "missing X-Integration-Key, X-Integration-Timestamp or X-Integration-Signature")
    key_id, _, secret = api_key.partition(".")
    if not secret:
        raise Refused(401, "malformed API key")
    try:
        sent_at = int(stamp)
    except ValueError:
        raise Refused(401, "timestamp is not Unix seconds") from None
    if abs(time.time() - sent_at) > MAX_SKEW_S:
        raise Refused(401, f"timestamp is more than {MAX_SKEW_S} s away from now (expired or clock skew)")
    key = state.sender_key(key_id)
    if key is None or key.scheme != SCHEME_HMAC or key.secret_sha256 is None:
        raise Refused(403, f"unknown or retired key {key_id[:40]!r}")
    if not hmac.compare_digest(digest(secret), key.secret_sha256):
        raise Refused(401, f"wrong secret for key {key_id!r}")
    expected = hmac_signature(secret, stamp, method, path, body)
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, f"signature does not match the request (key {key_id!r})")
    until = dt.datetime.fromtimestamp(sent_at + MAX_SKEW_S, dt.UTC)
    if not state.remember_token(key.sender, "hmac:" + signature[-64:], until):
        raise Refused(401, f"replayed request (key {key_id!r})")
    return Sender(key.sender, key.key_id, SCHEME_HMAC)


def verify_jwt(state: StateStore, headers: Mapping[str, str], body: bytes) -> Sender:
    """The NetSuite sender of a request, or :class:`Refused`. ``headers`` keys are lower-case."""
    import jwt
    from cryptography import x509

    auth = _header(headers, "authorization")
    if not auth or not auth.lower().startswith("bearer "):
        raise Refused(401, "missing bearer token")
    token = auth[7:].strip()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Refused(401, "malformed token") from None
    alg, key_id = header.get("alg"), header.get("kid")
    if alg not in JWT_ALGORITHMS:
        raise Refused(401, f"token algorithm {str(alg)[:16]!r} refused; one of {', '.join(JWT_ALGORITHMS)}")
    if not isinstance(key_id, str) or not key_id:
        raise Refused(401, "token has no kid")
    key = state.sender_key(key_id)
    if key is None or key.scheme != SCHEME_JWT or key.certificate is None:
        raise Refused(403, f"unknown or retired key {key_id[:40]!r}")
    certificate = x509.load_pem_x509_certificate(key.certificate.encode())
    moment = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        raise Refused(401, f"certificate of key {key_id!r} is outside its validity dates")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            certificate.public_key(),  # type: ignore[arg-type]
            algorithms=list(JWT_ALGORITHMS),
            audience=AUDIENCE,
            issuer=key.sender,
            leeway=30,
            options={"require": ["exp", "iat", "jti", "iss", "aud"], "verify_iat": True},
        )
    except jwt.ExpiredSignatureError:  # (a token issued in the future is ImmatureSignatureError)
        raise Refused(401, f"token expired (key {key_id!r})") from None
    except jwt.PyJWTError as exc:
        raise Refused(401, f"token refused (key {key_id!r}): {type(exc).__name__}") from None
    issued, expires = int(claims["iat"]), int(claims["exp"])
    if expires - issued > MAX_TOKEN_LIFETIME_S:
        raise Refused(401, f"token lives {expires - issued} s; at most {MAX_TOKEN_LIFETIME_S}")
    if claims.get("body_sha256") != hashlib.sha256(body).hexdigest():
        raise Refused(401, f"token does not cover this body (key {key_id!r})")
    jti = str(claims["jti"])[:128]
    if not state.remember_token(key.sender, "jwt:" + jti, dt.datetime.fromtimestamp(expires + 30, dt.UTC)):
        raise Refused(401, f"replayed token (key {key_id!r})")
    return Sender(key.sender, key.key_id, SCHEME_JWT)
