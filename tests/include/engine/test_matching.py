"""First-time linking by the mapping's match rules: order, natural keys, ambiguity (no I/O)."""

from __future__ import annotations

from include.engine.matching import match_existing, normalise
from include.mapping.model import MatchRule


class Customers:
    """A target type answering look-ups from a list of records, counting the look-ups."""

    record_type = "Customer"

    def __init__(self, records: list[dict[str, str]]) -> None:
        self.records = records
        self.lookups: list[tuple[str, list[str]]] = []

    def lookup(self, field: str, values: list[str], *, natural: bool) -> dict[str, list[str]]:
        self.lookups.append((field, values))
        found: dict[str, list[str]] = {}
        for rec in self.records:
            if rec.get(field) and normalise(rec[field], natural=natural) in values:
                found.setdefault(normalise(rec[field], natural=natural), []).append(rec["id"])
        return found


BY_NETSUITE_ID = MatchRule("netsuite_customer_id__c", source="internalId")
BY_NAME = MatchRule("name", source="companyName")


def test_rules_are_tried_in_the_order_written_and_the_first_hit_wins() -> None:
    target = Customers(
        [
            {"id": "10", "netsuite_customer_id__c": "1", "name": "Acme"},
            {"id": "11", "name": "Acme Ltd"},
        ]
    )
    docs = {"1": {"internalId": "1", "companyName": "Acme Ltd"}, "2": {"internalId": "2", "companyName": "x"}}

    found = match_existing([BY_NETSUITE_ID, BY_NAME], docs, target)

    assert found.linked == {"1": "10"}  # by its NetSuite id, although another record has its name
    assert found.ambiguous == {}
    # the second rule is asked only about what the first left over
    assert target.lookups == [("netsuite_customer_id__c", ["1", "2"]), ("name", ["x"])]


def test_natural_keys_compare_trimmed_and_case_folded() -> None:
    target = Customers([{"id": "10", "name": "  ACME   Consulting "}])

    found = match_existing([BY_NAME], {"1": {"companyName": "acme consulting"}}, target)

    assert found.linked == {"1": "10"}


def test_two_target_records_with_the_key_are_an_error_naming_both_not_a_guess() -> None:
    target = Customers([{"id": "10", "name": "Acme"}, {"id": "12", "name": "acme"}])

    found = match_existing([BY_NAME], {"1": {"companyName": "Acme"}}, target)

    assert found.linked == {}
    assert "2 Customer records" in found.ambiguous["1"] and "10, 12" in found.ambiguous["1"]


def test_a_target_record_two_source_records_match_is_linked_to_neither() -> None:
    target = Customers([{"id": "10", "name": "Acme"}])
    docs = {"1": {"companyName": "Acme"}, "2": {"companyName": "ACME"}}

    found = match_existing([BY_NAME], docs, target)

    assert found.linked == {}
    assert set(found.ambiguous) == {"1", "2"} and "Customer 10" in found.ambiguous["1"]


def test_a_target_record_linked_to_another_source_record_is_not_taken_again() -> None:
    target = Customers([{"id": "10", "name": "Acme"}])

    found = match_existing([BY_NAME], {"1": {"companyName": "Acme"}}, target, taken=lambda ids: {"10": "7"})

    assert found.linked == {}
    assert "linked to 7" in found.ambiguous["1"]


def test_records_without_a_key_value_are_left_for_creation() -> None:
    target = Customers([{"id": "10", "name": "Acme"}])

    found = match_existing([BY_NETSUITE_ID, BY_NAME], {"1": {"companyName": ""}}, target)

    assert found.linked == {} and found.ambiguous == {}
    assert target.lookups == []
