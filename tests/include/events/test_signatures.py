"""Senders of events: SPP's HMAC keys and NetSuite's certificate-signed JWTs, and strict notices."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from include.events import signatures as sig
from include.events.notices import NoticeError, parse_notices
from include.state import StateStore

PATH = "/integration/events/spp"


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")


def _hmac_headers(api_key: str, body: bytes, stamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if stamp is None else stamp
    secret = api_key.split(".", 1)[1]
    return {
        sig.KEY_HEADER: api_key,
        sig.TIMESTAMP_HEADER: str(stamp),
        sig.SIGNATURE_HEADER: sig.hmac_signature(secret, str(stamp), "POST", PATH, body),
    }


def test_an_spp_sender_is_known_by_its_key_and_only_the_secrets_digest_is_stored(state: StateStore) -> None:
    key, api_key = sig.register_hmac_sender(state, "spp-prod")
    assert api_key.split(".", 1)[1] not in repr(state.sender_keys())
    body = (
        b'{"record_type": "Invoice", "id": "7", "action": "approve", "occurred_at": "2026-12-07T10:00:00Z"}'
    )
    sender = sig.verify_hmac(state, _hmac_headers(api_key, body), "POST", PATH, body)
    assert (sender.name, sender.key_id) == ("spp-prod", key.key_id)


@pytest.mark.parametrize("fault", ["missing", "forged", "tampered", "expired", "wrong_secret", "retired"])
def test_bad_spp_requests_are_refused_without_echoing_secrets(state: StateStore, fault: str) -> None:
    key, api_key = sig.register_hmac_sender(state, "spp-prod")
    body = b"{}"
    headers = _hmac_headers(api_key, body)
    if fault == "missing":
        headers.pop(sig.SIGNATURE_HEADER)
    elif fault == "forged":
        headers[sig.SIGNATURE_HEADER] = "sha256=" + "0" * 64
    elif fault == "tampered":
        body = b'{"x": 1}'
    elif fault == "expired":
        headers = _hmac_headers(api_key, body, stamp=int(time.time()) - 3600)
    elif fault == "wrong_secret":
        headers[sig.KEY_HEADER] = key.key_id + ".not-the-secret"
    elif fault == "retired":
        state.retire_sender_key(key.key_id)
    with pytest.raises(sig.Refused) as refused:
        sig.verify_hmac(state, headers, "POST", PATH, body)
    assert refused.value.status == (403 if fault == "retired" else 401)
    assert api_key.split(".", 1)[1] not in refused.value.reason


def test_a_replayed_spp_request_is_refused(state: StateStore) -> None:
    _, api_key = sig.register_hmac_sender(state, "spp-prod")
    headers = _hmac_headers(api_key, b"{}")
    sig.verify_hmac(state, headers, "POST", PATH, b"{}")
    with pytest.raises(sig.Refused, match="replayed"):
        sig.verify_hmac(state, headers, "POST", PATH, b"{}")


def _certificate() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netsuite-sender")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def _token(key: rsa.RSAPrivateKey, body: bytes, alg: str = "PS256", **claims: object) -> dict[str, str]:
    now = int(time.time())
    payload = {
        "iss": "netsuite-prod",
        "aud": sig.AUDIENCE,
        "iat": now,
        "exp": now + 240,
        "jti": uuid.uuid4().hex,
        "body_sha256": hashlib.sha256(body).hexdigest(),
        **claims,
    }
    token = jwt.encode(payload, key, algorithm=alg, headers={"kid": "ns-1"})
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_a_netsuite_sender_signs_with_its_registered_certificate(state: StateStore, alg: str) -> None:
    key, pem = _certificate()
    sig.register_certificate_sender(state, "netsuite-prod", "ns-1", pem)
    sender = sig.verify_jwt(state, _token(key, b"{}", alg), b"{}")
    assert (sender.name, sender.scheme) == ("netsuite-prod", "jwt")


@pytest.mark.parametrize(
    "fault", ["wrong_key", "expired", "too_long", "future", "other_body", "replayed", "hs256"]
)
def test_bad_netsuite_tokens_are_refused(state: StateStore, fault: str) -> None:
    key, pem = _certificate()
    sig.register_certificate_sender(state, "netsuite-prod", "ns-1", pem)
    now = int(time.time())
    headers = _token(key, b"{}")
    if fault == "wrong_key":
        headers = _token(_certificate()[0], b"{}")
    elif fault == "expired":
        headers = _token(key, b"{}", iat=now - 600, exp=now - 300)
    elif fault == "too_long":
        headers = _token(key, b"{}", exp=now + 3600)
    elif fault == "future":
        headers = _token(key, b"{}", iat=now + 600, exp=now + 840)
    elif fault == "other_body":
        headers = _token(key, b'{"other": true}')
    elif fault == "replayed":
        sig.verify_jwt(state, headers, b"{}")
    elif fault == "hs256":
        token = jwt.encode({"iss": "netsuite-prod"}, "k" * 32, algorithm="HS256", headers={"kid": "ns-1"})
        headers = {"authorization": f"Bearer {token}"}
    with pytest.raises(sig.Refused) as refused:
        sig.verify_jwt(state, headers, b"{}")
    assert refused.value.status == 401
    assert headers["authorization"][7:] not in refused.value.reason


def test_notices_are_strict_and_name_what_is_wrong() -> None:
    good = {
        "record_type": "Invoice",
        "id": 7,
        "action": "approve",
        "occurred_at": "2026-12-07T10:00:00+01:00",
    }
    [notice] = parse_notices(json.dumps(good).encode(), "spp", "spp-prod")
    assert notice.dedupe_key == "spp:Invoice:7:approve:2026-12-07T09:00:00+00:00"
    for bad, message in (
        ({**good, "memoo": 1}, "unknown key 'memoo'"),
        ({**good, "record_type": "Invoyce"}, "events[0].record_type"),
        ({**good, "action": "approved"}, "events[0].action"),
        ({**good, "occurred_at": "2026-12-07T10:00:00"}, "no time zone"),
    ):
        with pytest.raises(NoticeError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_notices(json.dumps({"events": [bad]}).encode(), "spp", "spp-prod")
    with pytest.raises(NoticeError, match="not JSON"):
        parse_notices(b"<xml/>", "spp", "spp-prod")


def test_a_notice_sent_twice_queues_one_event(state: StateStore) -> None:
    body = json.dumps(
        {"record_type": "Customer", "id": "3", "action": "save", "occurred_at": "2026-12-07T10:00:00Z"}
    ).encode()
    first = [n.queued() for n in parse_notices(body, "spp", "spp-prod")]
    again = [n.queued() for n in parse_notices(body, "spp", "spp-prod")]
    [(event_id, duplicate)] = state.enqueue_many(first)
    assert not duplicate and state.enqueue_many(again) == [(event_id, True)]
    event = state.event(event_id)
    assert event is not None and event.event_type == "spp" and event.payload["id"] == "3"
