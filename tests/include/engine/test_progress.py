"""Progress lines of long runs."""

from __future__ import annotations

import logging

import pytest

from include.engine.progress import Progress


def test_line_shows_done_total_percent_rate_and_time_left() -> None:
    progress = Progress("customers_import", total=100, every_s=60)
    progress.done = 25

    line = progress.line(now=progress.started + 5.0)

    assert line == "customers_import: 25/100 records (25%), 5.0/s, 15s left"


def test_line_before_any_progress_has_no_estimate() -> None:
    progress = Progress("x", total=10)

    assert progress.line(now=progress.started + 1.0) == "x: 0/10 records (0%), 0.0/s, ?"


def test_an_empty_run_is_complete() -> None:
    progress = Progress("x", total=0)

    assert "0/0 records (100%)" in progress.line(now=progress.started + 1.0)


def test_advance_is_quiet_between_intervals_but_always_logs_the_end(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="include.engine.progress")
    progress = Progress("x", total=3, every_s=3600)
    progress._last = progress.started  # as if a line was just logged

    progress.advance(1)
    progress.advance(1)
    assert caplog.records == []
    progress.advance(1)

    assert [r.getMessage()[:21] for r in caplog.records] == ["x: 3/3 records (100%)"]
    assert progress.done == 3


def test_advance_logs_each_step_when_the_interval_has_passed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="include.engine.progress")
    progress = Progress("x", total=4, every_s=0)

    progress.advance(2)
    progress.advance(2)

    assert [r.getMessage()[:13] for r in caplog.records] == ["x: 2/4 record", "x: 4/4 record"]
