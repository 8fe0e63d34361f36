"""The end-to-end tests guard what the DAGs run: break the finish step's check, and they go red.

The operators and the end-to-end tests go through the same staged protocol (``include.engine.
staged``). If the check that keeps the watermark from passing batches that never loaded were
broken, a run whose batch failed as a whole would report success and move the watermark past the
lost records; the interrupted-export test must then fail.
"""

from __future__ import annotations

import pytest

from include.engine import staged

from . import test_workflows_end_to_end as end_to_end
from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_an_end_to_end_test_fails_when_finish_stops_counting_missing_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staged, "missing_batches", lambda staged_count, outcomes: 0)

    with pytest.raises(AssertionError):
        end_to_end.test_export_interrupted_after_netsuite_committed_leaves_no_duplicate(
            world, "time_entries_export"
        )


def test_the_same_end_to_end_test_passes_with_the_check_intact(world: World) -> None:
    end_to_end.test_export_interrupted_after_netsuite_committed_leaves_no_duplicate(
        world, "time_entries_export"
    )
