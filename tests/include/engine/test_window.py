"""Which source records a run looks at: ``resolve_window``."""

from __future__ import annotations

import datetime as dt

from include.engine.window import OVERLAP, SyncWindow, resolve_window

UTC = dt.UTC
# The source system's clock, deliberately far from this machine's: the window must use it.
SOURCE_NOW = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
WATERMARK = dt.datetime(2031, 5, 6, 6, 0, 0, tzinfo=UTC)


def test_incremental_run_reads_from_the_watermark_minus_the_overlap_up_to_the_source_clock() -> None:
    window = resolve_window({}, watermark=WATERMARK, source_now=SOURCE_NOW)

    assert window == SyncWindow(since=WATERMARK - OVERLAP, until=SOURCE_NOW, mode="incremental")


def test_the_overlap_is_a_few_seconds() -> None:
    assert dt.timedelta(seconds=1) <= OVERLAP <= dt.timedelta(seconds=10)


def test_first_run_without_a_watermark_is_a_full_read() -> None:
    window = resolve_window({}, watermark=None, source_now=SOURCE_NOW)

    assert (window.since, window.until, window.mode) == (None, SOURCE_NOW, "full")


def test_upper_bound_is_the_source_clock_not_the_local_clock() -> None:
    local_now = dt.datetime.now(UTC)

    window = resolve_window({}, watermark=WATERMARK, source_now=SOURCE_NOW)

    assert window.until == SOURCE_NOW != local_now.replace(microsecond=0)


def test_source_clock_is_normalised_to_aware_utc() -> None:
    naive = dt.datetime(2031, 5, 6, 7, 8, 9)
    eastern = dt.datetime(2031, 5, 6, 3, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=-4)))

    assert resolve_window({}, watermark=None, source_now=naive).until == SOURCE_NOW
    until = resolve_window({}, watermark=None, source_now=eastern).until
    assert until == SOURCE_NOW and until.utcoffset() == dt.timedelta(0)


def test_since_parameter_overrides_the_watermark() -> None:
    window = resolve_window({"since": "2031-01-01T00:00:00Z"}, watermark=WATERMARK, source_now=SOURCE_NOW)

    assert window.since == dt.datetime(2031, 1, 1, tzinfo=UTC)
    assert window.mode == "incremental"


def test_full_sync_ignores_the_watermark() -> None:
    window = resolve_window({"full_sync": True}, watermark=WATERMARK, source_now=SOURCE_NOW)

    assert (window.since, window.until, window.mode) == (None, SOURCE_NOW, "full")


def test_full_sync_from_a_date_starts_there() -> None:
    window = resolve_window(
        {"full_sync": True, "since": "2030-12-31T23:00:00+00:00"}, watermark=WATERMARK, source_now=SOURCE_NOW
    )

    assert window.since == dt.datetime(2030, 12, 31, 23, tzinfo=UTC) and window.mode == "full"


def test_backfill_reads_the_data_interval() -> None:
    start, end = dt.datetime(2031, 5, 1, tzinfo=UTC), dt.datetime(2031, 5, 2, tzinfo=UTC)

    window = resolve_window({}, watermark=WATERMARK, source_now=SOURCE_NOW, interval=(start, end))

    assert window == SyncWindow(since=start, until=end, mode="backfill")


def test_backfill_interval_reaching_into_the_future_stops_at_the_source_clock() -> None:
    start, end = dt.datetime(2031, 5, 6, tzinfo=UTC), dt.datetime(2031, 5, 7, tzinfo=UTC)

    window = resolve_window({}, watermark=None, source_now=SOURCE_NOW, interval=(start, end))

    assert (window.since, window.until) == (start, SOURCE_NOW)


def test_record_ids_select_exactly_those_records_whatever_else_is_asked() -> None:
    window = resolve_window(
        {"record_ids": [17, "42", " ", ""], "full_sync": True}, watermark=WATERMARK, source_now=SOURCE_NOW
    )

    assert window.mode == "records"
    assert window.record_ids == ("17", "42")
    assert window.since is None and window.until == SOURCE_NOW


def test_describe_names_the_mode_and_bounds() -> None:
    incremental = resolve_window({}, watermark=WATERMARK, source_now=SOURCE_NOW)
    first = resolve_window({}, watermark=None, source_now=SOURCE_NOW)
    records = resolve_window({"record_ids": ["7", "8"]}, watermark=None, source_now=SOURCE_NOW)

    assert incremental.describe() == (
        f"incremental: modified after {(WATERMARK - OVERLAP).isoformat()} up to {SOURCE_NOW.isoformat()}"
    )
    assert first.describe().startswith("full: modified after the beginning")
    assert records.describe() == "records 7, 8"
