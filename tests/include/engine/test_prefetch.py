"""Reading ahead of the planner: same items, same order, errors where the caller is, bounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from include.engine.prefetch import read_ahead


def test_every_item_arrives_once_and_in_order() -> None:
    assert list(read_ahead(iter(range(50)), depth=2)) == list(range(50))


def test_the_reader_runs_at_most_depth_items_ahead() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for i in range(20):
            produced.append(i)
            yield i

    stream = read_ahead(source(), depth=2)
    assert next(stream) == 0
    time.sleep(0.3)
    # one handed over, two waiting in the queue, one more held by the blocked reader
    assert len(produced) <= 4
    stream.close()


def test_a_source_error_is_raised_in_the_callers_thread_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise ValueError("page 2 failed")

    got = []
    with pytest.raises(ValueError, match="page 2 failed"):
        for item in read_ahead(source()):
            got.append(item)
    assert got == [1]


def test_the_next_item_is_read_while_the_caller_still_works_on_this_one() -> None:
    fetching_second = threading.Event()

    def source() -> Iterator[int]:
        yield 0
        fetching_second.set()  # only a reader ahead of the caller gets here before it asks
        yield 1

    stream = read_ahead(source())
    assert next(stream) == 0
    assert fetching_second.wait(timeout=10)
    assert next(stream) == 1


def test_a_caller_that_stops_early_stops_the_reader() -> None:
    def endless() -> Iterator[int]:
        i = 0
        while True:
            yield i
            i += 1

    before = threading.active_count()
    stream = read_ahead(endless())
    next(stream)
    stream.close()
    time.sleep(0.3)
    assert threading.active_count() <= before
