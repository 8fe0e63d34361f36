"""The staged run protocol: the one way a workflow runs, in a DAG, a test, the benchmark or the CLI.

1. ``plan`` opens the run's plan in the state database, reads the source chunk by chunk and stages
   each chunk's batches at once; it closes the plan *complete* (or *failed*, with the retries the
   caller still has for it).
2. ``load`` runs beside it, one thread per request in flight: each thread claims the next staged
   batch, writes it, commits its cross-references and outcome, and claims again until the plan is
   done and nothing is left.
3. ``finish`` checks that the plan completed and that **every staged batch has an outcome**, then
   writes the run log line and advances the watermark; otherwise it records the run as failed and
   raises ``RunIncomplete`` (the watermark stays, the next run plans the rest again).

The Airflow operators call these three functions from three kinds of task; ``run_workflow`` calls
them from threads of one process, the same way, for tests and scripts.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from include.engine import staging
from include.engine.endpoints import PlanRestart
from include.engine.loading import QueueTimeouts, ShardReport, drain_queue
from include.engine.run import BatchOutcome, PlanChunk, RunSummary, WorkflowRunner
from include.engine.window import SyncWindow

log = logging.getLogger(__name__)


class RunIncomplete(RuntimeError):
    """The run did not complete: its plan failed, or some staged batches never loaded."""

    def __init__(self, message: str, summary: RunSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class BatchesBroken(RuntimeError):
    """Batches failed as a whole in a load task (left claimed: a retry of the task takes them)."""


def plan(runner: WorkflowRunner, *, attempt: int = 1, retries_left: int = 0) -> dict[str, int]:
    """Open the plan, stage it chunk by chunk, close it; returns the plan's counts.

    A failure marks the plan failed (with ``retries_left``, so waiting load threads know whether
    another attempt will read the source again) and is raised. A source that changed under the
    read (``PlanRestart``: a report republished while it was paged) gets one new attempt at once:
    the batches in flight finish, the unloaded ones are dropped, the source is read again.
    """
    started = time.monotonic()
    engine, run_id, workflow = runner.state.engine, runner.run_id, runner.name
    try:
        window = runner.open_window()
        if not runner.dry_run:
            runner.state.start_run(run_id, workflow, dict(runner.params))
        for restart in (0, 1):
            try:
                counts, exported_earlier = _stage(runner, window, attempt + restart, retries_left, started)
                break
            except PlanRestart as exc:
                if restart:
                    raise
                log.warning("%s: %s; planning again from the first page", workflow, exc)
                _wait_for_loads_in_flight(engine, run_id, workflow)
    except BaseException:
        # the load threads wait for this plan: tell them it failed, and whether it is retried
        staging.fail_plan(engine, run_id, workflow, retries_left=retries_left)
        raise
    counts.seconds = time.monotonic() - started
    staging.complete_plan(engine, run_id, workflow, window, counts)
    runner.settle_source(exported_earlier)  # the source is read: marking it shifts no page
    summary = {k: v for k, v in counts.__dict__.items() if k != "seconds"}
    log.info("Plan for %s (%s): %s in %.1f s", workflow, window.describe(), summary, counts.seconds)
    return summary


def _stage(
    runner: WorkflowRunner, window: SyncWindow, attempt: int, retries_left: int, started: float
) -> tuple[staging.PlanCounts, list[tuple[str, str, bool]]]:
    """One reading of the source: open the plan (attempt ``attempt``) and stage every chunk."""
    engine, run_id, workflow = runner.state.engine, runner.run_id, runner.name
    counts = staging.PlanCounts()
    first = staging.open_plan(engine, run_id, workflow, window, attempt=attempt, retries_left=retries_left)
    shown = 0
    exported_earlier: list[tuple[str, str, bool]] = []
    for chunk in runner.plan_chunks(window, first_batch=first):
        exported_earlier += chunk.exported_earlier
        counts.add(chunk.extracted, chunk.batches, len(chunk.skipped), len(chunk.failed))
        counts.seconds = time.monotonic() - started
        if runner.dry_run:
            shown = _show_dry_run(chunk, shown)
            chunk.batches = []
        else:
            runner.record_plan(chunk)
        staging.stage_batches(engine, run_id, workflow, chunk.batches, window, counts)
    return counts, exported_earlier


def _wait_for_loads_in_flight(engine: object, run_id: str, workflow: str, limit_s: float = 300.0) -> None:
    """Before planning again: let the batches being written finish, so that no write of the
    earlier reading lands after one of the new reading (a load task that died leaves its claim:
    give up waiting after ``limit_s``; its retry writes an older value that the next run fixes)."""
    deadline = time.monotonic() + limit_s
    while staging.in_flight(engine, run_id, workflow) and time.monotonic() < deadline:
        time.sleep(0.2)


def _show_dry_run(chunk: PlanChunk, shown: int) -> int:
    """Log a sample of what a dry run would do (the first few records)."""
    for batch in chunk.batches:
        for rec in batch.records:
            if shown >= 15:
                return shown
            log.info("dry run: would %s %s %s", batch.action, rec.source_id, rec.target)
            shown += 1
    for rec in chunk.failed[:5]:
        log.info("dry run: would fail %s: %s", rec.source_id, rec.reason)
    return shown


def load(
    runners: Sequence[WorkflowRunner], *, worker: str, timeouts: QueueTimeouts | None = None
) -> ShardReport:
    """Load staged batches with one thread per runner (one request in flight each) until the plan
    is done and nothing is left to claim. Raises ``BatchesBroken`` if any batch failed as a whole.

    Each runner holds its own clients. Pullbacks (writes to the source) wait until the plan has
    finished reading it: they would shift the pages of its read.
    """
    if not runners:
        raise ValueError("load needs at least one runner")
    first = runners[0]
    engine, run_id, workflow = first.state.engine, first.run_id, first.name

    def work(index: int) -> ShardReport:
        runner = runners[index]
        runner.defer_pullbacks = True
        return drain_queue(
            engine,
            run_id,
            workflow,
            f"{worker}.{index}",
            runner.load_batch,
            after_plan=runner.flush_pullbacks,
            timeouts=timeouts,
        )

    with ThreadPoolExecutor(len(runners), thread_name_prefix=f"load-{worker}") as pool:
        reports = list(pool.map(work, range(len(runners))))
    total = functools.reduce(ShardReport.merged, reports, ShardReport())
    if total.broken:
        raise BatchesBroken(f"{len(total.broken)} batches failed as a whole: " + "; ".join(total.broken[:5]))
    return total


def missing_batches(staged: int, outcomes: Sequence[BatchOutcome]) -> int:
    """Staged batches without an outcome: the check that keeps the watermark from passing them."""
    return max(0, staged - len(outcomes))


def finish(runner: WorkflowRunner) -> RunSummary:
    """Write the run log and advance the watermark if the plan completed and every batch loaded.

    Raises ``RunIncomplete`` otherwise, after recording the run as failed.
    """
    engine, run_id, workflow = runner.state.engine, runner.run_id, runner.name
    state = staging.plan_state(engine, run_id, workflow)
    if state is None or state.status != staging.COMPLETE:
        status = state.status if state else "never started"
        if not runner.dry_run and state is not None:
            runner.state.finish_run(run_id, workflow, status="failed")
        raise RunIncomplete(
            f"{workflow}: planning did not complete ({status}); "
            "the watermark was not advanced and the next run plans the window again"
        )
    staged_plan, outcomes, batches = staging.load_plan(engine, run_id, workflow)
    missing = missing_batches(batches, outcomes)
    summary = runner.finish(staged_plan, outcomes, all_batches_ok=not missing)
    staging.clear_payloads(engine, run_id, workflow)
    log.info("Summary: %s", summary.line())
    if missing:
        raise RunIncomplete(
            f"{workflow}: {missing} of {batches} batches did not load; "
            "the watermark was not advanced and the next run retries them",
            summary,
        )
    return summary


def run_workflow(
    make_runner: Callable[[], WorkflowRunner],
    *,
    threads: int = 2,
    timeouts: QueueTimeouts | None = None,
) -> RunSummary:
    """One whole run in this process, through the same three steps as a DAG run: the plan in one
    thread, ``threads`` load threads beside it, then ``finish``.

    Returns the run's summary (status ``failed`` when batches did not load); an error of the
    planning step is raised after the load threads have stopped.
    """
    planner = make_runner()
    loaders = [make_runner() for _ in range(max(1, threads))]
    with ThreadPoolExecutor(2, thread_name_prefix=f"run-{planner.name}") as pool:
        planning = pool.submit(plan, planner)
        loading = pool.submit(load, loaders, worker="inline", timeouts=timeouts)
        plan_error = planning.exception()
        load_error = loading.exception()
    if load_error is not None and not isinstance(load_error, BatchesBroken):
        raise load_error
    try:
        summary = finish(make_runner())
    except RunIncomplete as exc:
        if plan_error is not None:
            raise plan_error from exc
        if exc.summary is None:
            raise
        return exc.summary
    return summary
