"""Monitored-field hashes: stable when nothing monitored changed, different when something did."""

from __future__ import annotations

import datetime as dt

from include.mapping.hashing import record_hash

FIELDS = ["companyName", "isInactive", "subsidiary", "customFieldList.custentity_tier", "lastModifiedDate"]

CUSTOMER = {
    "internalId": "42",
    "companyName": "Acme",
    "isInactive": False,
    "subsidiary": {"internalId": "1", "name": "HQ"},
    "lastModifiedDate": dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
    "phone": "555-0100",
    "customFieldList": {"custentity_tier": "Gold", "custentity_other": "x"},
}


def test_hash_is_a_sha256_hex_digest_and_repeatable() -> None:
    digest = record_hash(CUSTOMER, FIELDS)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert record_hash(dict(CUSTOMER), FIELDS) == digest


def test_hash_ignores_key_order_and_field_list_order() -> None:
    reordered = dict(reversed(list(CUSTOMER.items())))
    reordered["customFieldList"] = dict(reversed(list(CUSTOMER["customFieldList"].items())))
    assert record_hash(reordered, list(reversed(FIELDS))) == record_hash(CUSTOMER, FIELDS)


def test_hash_ignores_unmonitored_fields_and_cosmetic_differences() -> None:
    changed = {
        **CUSTOMER,
        "phone": "555-0199",  # not monitored
        "subsidiary": {"internalId": "1", "name": "Head office"},  # same record, other display name
        "lastModifiedDate": dt.datetime(
            2026, 3, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))
        ),  # same instant
        "customFieldList": {"custentity_tier": "Gold", "custentity_other": "y"},
    }
    assert record_hash(changed, FIELDS) == record_hash(CUSTOMER, FIELDS)


def test_hash_treats_absent_and_empty_alike_and_integral_floats_as_ints() -> None:
    assert record_hash({"a": None, "n": 7.0}, ["a", "n"]) == record_hash({"a": "", "n": 7}, ["a", "n"])
    assert record_hash({"n": 7}, ["a", "n"]) == record_hash({"n": 7.0, "a": None}, ["a", "n"])


def test_hash_changes_with_any_monitored_field() -> None:
    base = record_hash(CUSTOMER, FIELDS)
    assert record_hash({**CUSTOMER, "companyName": "Acme Ltd"}, FIELDS) != base
    assert record_hash({**CUSTOMER, "isInactive": True}, FIELDS) != base
    assert record_hash({**CUSTOMER, "subsidiary": {"internalId": "2"}}, FIELDS) != base
    assert record_hash({**CUSTOMER, "customFieldList": {"custentity_tier": "Silver"}}, FIELDS) != base


def test_bare_custom_field_names_read_the_custom_field_list() -> None:
    assert record_hash(CUSTOMER, ["custentity_tier"]) != record_hash(
        {**CUSTOMER, "customFieldList": {}}, ["custentity_tier"]
    )


def test_line_fields_are_hashed_per_line() -> None:
    envelope = {"id": "5", "tickets": [{"total": "10"}, {"total": "5"}]}
    fields = ["tickets[].total"]
    assert record_hash(envelope, fields) != record_hash(
        {"id": "5", "tickets": [{"total": "10"}, {"total": "6"}]}, fields
    )
