"""Thin operators over the engine: plan a run, load its batches (several tasks), finish the run.

Each builds its hooks and the runner inside ``execute()``; ``__init__`` only stores names, so
parsing a DAG never touches a network, a database or a heavy import.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import BaseOperator

log = logging.getLogger(__name__)


def build_runner(
    workflow_id: str, context: Any, *, netsuite_conn_id: str, spp_conn_id: str, state: Any = None
) -> Any:
    """A WorkflowRunner for this task instance's run, with clients from the hooks (new ones on
    every call: a runner per thread) and the given state store (or one from the environment)."""
    from include.engine.run import WorkflowRunner
    from include.mapping.loader import load_workflow
    from include.paths import MAPPINGS_DIR
    from include.state import StateStore
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

    workflow = load_workflow(MAPPINGS_DIR / f"{workflow_id}.yaml")
    state = state or StateStore.from_env()
    interval = backfill_interval(context)
    return WorkflowRunner(
        workflow,
        state,
        netsuite=NetSuiteHook(netsuite_conn_id).client,
        spp=SppHook(spp_conn_id).client,
        run_id=context["run_id"],
        params=dict(context["params"]),
        interval=interval,
    )


def backfill_interval(context: Any) -> tuple[Any, Any] | None:
    """The data interval of a backfill run (its records are those modified inside it); None otherwise."""
    run_type = str(getattr(context["dag_run"], "run_type", ""))
    if run_type.lower().endswith("backfill"):
        return context["data_interval_start"], context["data_interval_end"]
    return None


class _WorkflowOperator(BaseOperator):
    template_fields = ("workflow_id",)

    def __init__(
        self,
        *,
        workflow_id: str,
        netsuite_conn_id: str = "netsuite_default",
        spp_conn_id: str = "spp_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.workflow_id = workflow_id
        self.netsuite_conn_id = netsuite_conn_id
        self.spp_conn_id = spp_conn_id

    def runner(self, context: Any, state: Any = None) -> Any:
        return build_runner(
            self.workflow_id, context, netsuite_conn_id=self.netsuite_conn_id, spp_conn_id=self.spp_conn_id,
            state=state,
        )  # fmt: skip


def load_threads_for(direction: str) -> int:
    """Requests a run keeps in flight while loading: NetSuite threads for exports (the pool's
    size), SPP threads for imports. Read when the DAG file is parsed, so the DAG processor and
    the workers must agree on it (one environment file, as for the pool it mirrors)."""
    import os

    name = "INTEGRATION_NETSUITE_THREADS" if direction == "export" else "INTEGRATION_SPP_THREADS"
    return max(1, int(os.environ.get(name, "10" if direction == "export" else "4")))


def load_task_layout(threads: int, max_slots: int | None = None) -> tuple[int, int]:
    """(load tasks, slots per task) for ``threads`` requests in flight.

    Each load task holds ``slots`` pool slots and runs one thread per slot, so fewer processes
    start (each loads the NetSuite WSDL and opens its connections) while every slot is used:
    the task count is the smallest that divides ``threads`` with at most ``max_slots`` each
    (``INTEGRATION_SLOTS_PER_LOAD_TASK``, default 5): 10 threads → 2 tasks of 5, 9 → 3 of 3,
    1 → 1 of 1, 7 → 7 of 1.
    """
    import os

    cap = max(1, max_slots or int(os.environ.get("INTEGRATION_SLOTS_PER_LOAD_TASK", "5")))
    tasks = -(-threads // cap)
    while threads % tasks:
        tasks += 1
    return tasks, threads // tasks


def _retries_left(ti: Any) -> int:
    """Tries Airflow still has for this task after the current one."""
    try:
        return max(0, int(ti.max_tries) - int(ti.try_number) + 1)
    except (AttributeError, TypeError, ValueError):
        return 0


class PlanWorkflowOperator(_WorkflowOperator):
    """Extract, transform, validate and plan, staging batches chunk by chunk as the source is read.

    The load tasks run beside this one and start writing the first batches while later pages
    are still being read; memory stays flat however large the window.
    """

    ui_color = "#d6eaf8"

    def execute(self, context: Any) -> dict[str, int]:
        import time

        from include.engine import staging

        started = time.monotonic()
        runner = self.runner(context)
        engine, run_id, ti = runner.state.engine, runner.run_id, context["ti"]
        counts = staging.PlanCounts()
        try:
            window = runner.open_window()
            if not runner.dry_run:
                runner.state.start_run(run_id, self.workflow_id, dict(context["params"]))
            first = staging.open_plan(
                engine,
                run_id,
                self.workflow_id,
                window,
                attempt=int(getattr(ti, "try_number", 1) or 1),
                retries_left=_retries_left(ti),
            )
            shown = 0
            exported_earlier: list[Any] = []
            for chunk in runner.plan_chunks(window, first_batch=first):
                exported_earlier += chunk.exported_earlier
                counts.add(chunk.extracted, chunk.batches, len(chunk.skipped), len(chunk.failed))
                counts.seconds = time.monotonic() - started
                if runner.dry_run:
                    shown = _show_dry_run(chunk, shown)
                    chunk.batches = []
                else:
                    runner.record_plan(chunk)
                staging.stage_batches(engine, run_id, self.workflow_id, chunk.batches, window, counts)
        except BaseException:
            # the load tasks wait for this plan: tell them it failed, and whether Airflow retries it
            staging.fail_plan(engine, run_id, self.workflow_id, retries_left=_retries_left(ti))
            raise
        counts.seconds = time.monotonic() - started
        staging.complete_plan(engine, run_id, self.workflow_id, window, counts)
        runner.settle_source(exported_earlier)  # the source is read: marking it shifts no page
        summary = {k: v for k, v in counts.__dict__.items() if k != "seconds"}
        log.info(
            "Plan for %s (%s): %s in %.1f s", self.workflow_id, window.describe(), summary, counts.seconds
        )
        context["ti"].xcom_push(key="plan", value=summary)
        return summary


def _show_dry_run(chunk: Any, shown: int) -> int:
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


class LoadShardOperator(_WorkflowOperator):
    """One of a run's load tasks: claims staged batches and writes them, one request in flight
    per pool slot it holds (``threads`` = its ``pool_slots``; one runner and client per thread).

    Mapped over shard numbers and started with the planning task, so the pool's size is the
    number of requests in flight. A batch that fails as a whole does not stop the others, but
    fails the task at the end so Airflow retries just what is missing (a retry takes back the
    batches this shard's threads had claimed).
    """

    template_fields = ("workflow_id", "shard")
    ui_color = "#d5f5e3"

    def __init__(self, *, shard: int, threads: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shard = shard
        self.threads = threads

    def execute(self, context: Any) -> dict[str, Any]:
        from concurrent.futures import ThreadPoolExecutor

        from include.engine.loading import ShardReport, drain_queue
        from include.state import StateStore

        state = StateStore.from_env()
        # runners (and their connections) are made here, one per thread, before any thread runs
        runners = [self.runner(context, state) for _ in range(max(1, self.threads))]

        def work(index: int) -> ShardReport:
            runner = runners[index]
            runner.defer_pullbacks = True
            return drain_queue(
                state.engine, context["run_id"], self.workflow_id, f"shard-{self.shard}.{index}",
                runner.load_batch, after_plan=runner.flush_pullbacks,
            )  # fmt: skip

        with ThreadPoolExecutor(len(runners), thread_name_prefix=f"load-{self.shard}") as pool:
            reports = list(pool.map(work, range(len(runners))))
        totals = ShardReport(plan_status=reports[0].plan_status)
        for report in reports:
            for name in ("batches", "records", "created", "updated", "failed"):
                setattr(totals, name, getattr(totals, name) + getattr(report, name))
            totals.broken += report.broken
        if totals.broken:
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(
                f"{len(totals.broken)} batches failed as a whole: " + "; ".join(totals.broken[:5])
            )
        return totals.as_dict()


class FinishWorkflowOperator(_WorkflowOperator):
    """Write the run log, advance the watermark if every batch landed, and fail loudly if not."""

    ui_color = "#fdebd0"

    def execute(self, context: Any) -> dict[str, Any]:
        from dataclasses import asdict

        from include.engine import staging

        runner = self.runner(context)
        engine = runner.state.engine
        state = staging.plan_state(engine, runner.run_id, self.workflow_id)
        if state is None or state.status != staging.COMPLETE:
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(
                f"{self.workflow_id}: planning did not complete ({state.status if state else 'never started'}); "
                "the watermark was not advanced and the next run plans the window again"
            )
        plan, outcomes, batches = staging.load_plan(engine, runner.run_id, self.workflow_id)
        all_ok = len(outcomes) == batches
        summary = runner.finish(plan, outcomes, all_batches_ok=all_ok)
        staging.clear_payloads(engine, runner.run_id, self.workflow_id)
        log.info("Summary: %s", summary.line())
        if not all_ok:
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(
                f"{self.workflow_id}: {batches - len(outcomes)} of {batches} batches did not load; "
                "the watermark was not advanced and the next run retries them"
            )
        return asdict(summary)
