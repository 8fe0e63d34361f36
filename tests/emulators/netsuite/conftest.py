"""A SuiteTalk service per test module, reset before each test that asks for ``fresh``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulators.netsuite.suitetalk_harness import SuiteTalk, start


@pytest.fixture(scope="module")
def st() -> Iterator[SuiteTalk]:
    service = start()
    yield service
    service.stop()


@pytest.fixture
def fresh(st: SuiteTalk) -> None:
    """Empty store, no fault rules, zeroed counters."""
    st.reset()
