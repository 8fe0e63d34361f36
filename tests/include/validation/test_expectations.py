"""Data expectations fail individual records, with a reason, and pass good ones."""

from __future__ import annotations

from include.mapping.model import Expectation
from include.validation.expectations import flatten, validate_rows


def test_flatten_reads_refs_by_id_and_custom_fields_by_script_id() -> None:
    row = flatten(
        {"entityId": "C1", "parent": {"internalId": "7"}, "customFieldList": {"custentity_x": True}}
    )
    assert row == {"entityId": "C1", "parent": "7", "custentity_x": True}


def test_records_breaking_an_expectation_fail_individually_with_a_reason() -> None:
    targets = [
        {"company": "Acme", "active": "1"},
        {"company": None, "active": "1"},
        {"company": "Beta", "active": "7"},
    ]
    checks = [
        Expectation(check="not_null", column="company"),
        Expectation(check="in_set", column="active", values=("0", "1")),
    ]
    failures = validate_rows(targets, checks)
    assert set(failures) == {1, 2}
    assert "company" in failures[1] and "not_null" in failures[1]
    assert "'7'" in failures[2]


def test_all_good_records_pass() -> None:
    assert validate_rows([{"company": "Acme"}], [Expectation(check="not_null", column="company")]) == {}


def test_source_side_expectations_check_the_source_documents() -> None:
    failures = validate_rows(
        [{"name": "a"}, {"name": "b"}],
        [Expectation(check="regex", column="email", on="source", pattern=r"^[^@]+@[^@]+$")],
        sources=[{"email": "a@x.example"}, {"email": "nope"}],
    )
    assert list(failures) == [1]
