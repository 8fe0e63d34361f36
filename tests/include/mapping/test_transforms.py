"""The named value transforms a mapping can use."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from include.mapping.transforms import TRANSFORMS


def run(name: str, value, *args, **kwargs):
    return TRANSFORMS[name].func(value, *args, **kwargs)


@pytest.mark.parametrize(
    ("name", "value", "args", "expected"),
    [
        ("upper", "acme", (), "ACME"),
        ("lower", "ACME", (), "acme"),
        ("strip", "  a b  ", (), "a b"),
        ("strip", "   ", (), None),
        ("truncate", "abcdef", (3,), "abc"),
        ("date", "2026-03-05 14:07:00", (), dt.date(2026, 3, 5)),
        ("date", dt.datetime(2026, 3, 5, 23, 0), (), dt.date(2026, 3, 5)),
        ("datetime", "2026-03-05 14:07:00", (), dt.datetime(2026, 3, 5, 14, 7, tzinfo=dt.UTC)),
        ("bool_to_spp", True, (), "1"),
        ("bool_to_spp", "false", (), "0"),
        ("spp_to_bool", "1", (), True),
        ("spp_to_bool", "0", (), False),
        ("not", "1", (), False),
        ("float", "12.50", (), 12.5),
        ("round", "2.345", (1,), 2.3),
        ("hours_to_duration", "7.5", (), {"timeSpan": 7.5, "unit": "hour"}),
        ("duration_to_hours", {"timeSpan": 90, "unit": "minute"}, (), 1.5),
        ("concat", None, (" - ", ["A", None, "B"]), "A - B"),
        ("map", "A", ({"A": "Approved"},), "Approved"),
        ("map", "Z", ({"A": "Approved"}, "Other"), "Other"),
        ("default", None, ("n/a",), "n/a"),
        ("default", "x", ("n/a",), "x"),
        ("split_name", "Jane Q. Doe", ("first",), "Jane"),
        ("split_name", "Jane Q. Doe", ("last",), "Doe"),
        ("replace", "a_b", ("_", "-"), "a-b"),
    ],
)
def test_transform_values(name, value, args, expected) -> None:
    assert run(name, value, *args) == expected


@pytest.mark.parametrize(
    "name", ["upper", "lower", "strip", "date", "spp_to_bool", "float", "hours_to_duration"]
)
def test_missing_values_pass_through(name) -> None:
    assert run(name, None) is None


@pytest.mark.parametrize(
    ("name", "value", "args"),
    [
        ("date", "05/03/2026", ()),
        ("spp_to_bool", "maybe", ()),
        ("float", "12,5", ()),
        ("hours_to_duration", "-1", ()),
        ("map", "Z", ({"A": "x"},)),
    ],
)
def test_unusable_values_raise_value_error_for_a_per_record_error(name, value, args) -> None:
    with pytest.raises(ValueError):
        run(name, value, *args)


def test_map_keys_compare_as_text_so_yaml_numbers_match_spp_strings() -> None:
    assert run("map", "1", {1: "Gold"}) == "Gold"


def test_vectorised_forms_agree_with_the_value_by_value_ones() -> None:
    column = pd.Series(["Acme ", None, "b"], dtype=object)
    for name, kwargs in [
        ("upper", {}),
        ("lower", {}),
        ("truncate", {"length": 2}),
        ("default", {"fallback": "?"}),
    ]:
        transform = TRANSFORMS[name]
        vectorised = transform.series(column, **kwargs)
        expected = [transform.func(v, **kwargs) for v in column.tolist()]
        assert [None if pd.isna(v) else v for v in vectorised.tolist()] == expected, name


def test_signature_problems_name_the_expected_arguments() -> None:
    assert "truncate(length)" in TRANSFORMS["truncate"].signature_problem((), {})
    assert TRANSFORMS["concat"].signature_problem((), {"fields": ["a"]}) is None
    assert TRANSFORMS["concat"].bind((", ", ["a", "b"]), {}) == {"sep": ", ", "fields": ["a", "b"]}
