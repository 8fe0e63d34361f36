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


def test_a_plan_that_cannot_reach_its_source_fails_the_run_and_keeps_the_watermark(world: World) -> None:
    """The load threads stop when the plan fails (they do not wait out their timeout), the error is
    the source's own, the run log says failed and the watermark stays."""
    from emulators.serve import free_port

    from .conftest import _spp_client

    workflow_id = "time_entries_export"
    world.run_upstream(workflow_id)
    before = world.watermark(workflow_id)
    unreachable = _spp_client(
        world.services.spp_settings, f"http://127.0.0.1:{free_port()}", max_retries=0, timeout_s=2
    )

    with pytest.raises(Exception) as raised:
        world.run(workflow_id, spp=unreachable)

    assert not isinstance(raised.value, staged.RunIncomplete)  # the source's error, not a summary of it
    assert world.watermark(workflow_id) == before
    last = world.state.runs(workflow_id, limit=1)[0]
    assert last.status == "failed"
