"""Search criteria rules that do not need a server."""

from __future__ import annotations

import datetime as dt

import pytest

from include.netsuite.search import SearchCriteria, check_page_size

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def test_one_lower_bound_only() -> None:
    with pytest.raises(ValueError):
        SearchCriteria(modified_after=T0, modified_on_or_after=T0)


def test_window_must_not_be_empty() -> None:
    with pytest.raises(ValueError):
        SearchCriteria(modified_after=T1, modified_before=T0)


def test_two_sided_window_trims_the_exclusive_bounds_client_side() -> None:
    window = SearchCriteria(modified_after=T0, modified_before=T1)
    assert not window.keeps(T0)
    assert window.keeps(T0 + dt.timedelta(seconds=1))
    assert not window.keeps(T1)
    assert window.keeps(None)  # records without the date field are kept (the server filtered them)
    inclusive = SearchCriteria(modified_on_or_after=T0, modified_before=T1)
    assert inclusive.keeps(T0)


def test_naive_datetimes_are_taken_as_utc() -> None:
    window = SearchCriteria(modified_after=dt.datetime(2026, 1, 1), modified_before=dt.datetime(2026, 1, 2))
    assert window.keeps(dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC))


def test_page_size_limits() -> None:
    assert check_page_size(5) == 5 and check_page_size(1000) == 1000
    for bad in (4, 1001):
        with pytest.raises(ValueError):
            check_page_size(bad)
