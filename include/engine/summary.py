"""The summary of a group run: one line per member workflow, from the run log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from include.state import RunRecord, StateStore


@dataclass(frozen=True)
class MemberOutcome:
    """A member's latest run since the group run started (None: it did not run)."""

    workflow: str
    run: RunRecord | None

    @property
    def ok(self) -> bool:
        return self.run is not None and self.run.status == "success"

    def line(self) -> str:
        if self.run is None:
            return f"{self.workflow:<30} not run"
        r = self.run
        seconds = (r.finished_at - r.started_at).total_seconds() if r.finished_at else 0.0
        retired = f"  retired {r.retired:>5}" if r.retired else ""
        return (
            f"{self.workflow:<30} {r.status:<8} created {r.created:>6}  updated {r.updated:>6}  "
            f"skipped {r.skipped:>6}  failed {r.failed:>5}{retired}  {seconds:7.1f}s"
        )


def group_outcomes(state: StateStore, workflows: Sequence[str], since: dt.datetime) -> list[MemberOutcome]:
    """Each member's latest run started at or after ``since`` (the group run's start)."""
    cutoff = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    outcomes = []
    for workflow in workflows:
        run = state.last_run(workflow)
        started = run.started_at if run else None
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        outcomes.append(MemberOutcome(workflow, run if started is not None and started >= cutoff else None))
    return outcomes
