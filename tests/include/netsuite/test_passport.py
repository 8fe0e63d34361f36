"""TokenPassport signing: Oracle's test vector, fresh nonces, secrets kept out of repr."""

from __future__ import annotations

import pytest

from include.netsuite.passport import TbaCredentials, build_passport, new_nonce, sign

ORACLE_VECTOR = {
    "account": "1234567",
    "consumer_key": "71cc02b731f05895561ef0862d71553a3ac99498a947c3b7beaf4a1e4a29f7c4",
    "token_id": "89e08d9767c5ac85b374415725567d05b54ecf0960ad2470894a52f741020d82",
    "nonce": "6obMKq0tmY8ylVOdEkA1",
    "timestamp": 1439829974,
    "consumer_secret": "CONSUMER_SECRET",
    "token_secret": "TOKEN_SECRET",
}


def test_signature_matches_the_reference_test_vector() -> None:
    assert sign(**ORACLE_VECTOR) == "yq9vHjcW6OuKvFqIJB0K6x9MVVBzVsTLiqD3H6E/tAg="


def test_build_passport_signs_the_given_nonce_and_timestamp() -> None:
    v = ORACLE_VECTOR
    creds = TbaCredentials(
        v["account"], v["consumer_key"], v["consumer_secret"], v["token_id"], v["token_secret"]
    )
    passport = build_passport(creds, nonce=v["nonce"], timestamp=v["timestamp"])
    assert passport.signature == "yq9vHjcW6OuKvFqIJB0K6x9MVVBzVsTLiqD3H6E/tAg="
    assert passport.algorithm == "HMAC-SHA256"
    assert passport.token == v["token_id"]


def test_every_passport_gets_a_new_alphanumeric_nonce() -> None:
    creds = TbaCredentials("123456_SB1", "ck", "cs-secret", "tk", "ts-secret")
    passports = [build_passport(creds) for _ in range(50)]
    nonces = {p.nonce for p in passports}
    assert len(nonces) == 50
    assert all(n.isalnum() and 6 <= len(n) <= 64 for n in nonces)
    assert all(p.account == "123456_SB1" for p in passports)  # the account keeps its original form


def test_nonce_length_is_bounded() -> None:
    with pytest.raises(ValueError):
        new_nonce(5)
    assert len(new_nonce(64)) == 64


def test_credentials_repr_hides_the_secrets() -> None:
    creds = TbaCredentials("123456_SB1", "ck", "very-secret-consumer", "tk", "very-secret-token")
    text = repr(creds)
    assert "very-secret-consumer" not in text and "very-secret-token" not in text
    assert "123456_SB1" in text


def test_missing_credentials_are_named() -> None:
    with pytest.raises(ValueError, match="token_secret"):
        TbaCredentials("1", "ck", "cs", "tk", "")
