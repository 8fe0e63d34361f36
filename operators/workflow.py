"""Thin operators over the engine: plan a run, load one batch, finish the run.

Each builds its hooks and the runner inside ``execute()``; ``__init__`` only stores names, so
parsing a DAG never touches a network, a database or a heavy import.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import BaseOperator

log = logging.getLogger(__name__)


def build_runner(workflow_id: str, context: Any, *, netsuite_conn_id: str, spp_conn_id: str) -> Any:
    """A WorkflowRunner for this task instance's run, with clients from the hooks."""
    from include.engine.run import WorkflowRunner
    from include.mapping.loader import load_workflow
    from include.paths import MAPPINGS_DIR
    from include.state import StateStore
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

    workflow = load_workflow(MAPPINGS_DIR / f"{workflow_id}.yaml")
    state = StateStore.from_env()
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

    def runner(self, context: Any) -> Any:
        return build_runner(
            self.workflow_id, context, netsuite_conn_id=self.netsuite_conn_id, spp_conn_id=self.spp_conn_id
        )


def shard_batches(numbers: list[int], shards: int) -> list[list[int]]:
    """Deal batch numbers round-robin into at most ``shards`` equal shards.

    One mapped load task per shard, each sending its batches one after another (one request in
    flight per pool slot it holds): with as many shards as slots, every slot stays busy until the
    end and no task carries more than one batch more than another.
    """
    count = max(1, min(shards, len(numbers)))
    return [numbers[i::count] for i in range(count)] if numbers else []


def load_shards_for(direction: str) -> int:
    """How many load tasks a run fans out to (NetSuite threads for exports, SPP for imports)."""
    import os

    name = "INTEGRATION_NETSUITE_THREADS" if direction == "export" else "INTEGRATION_SPP_THREADS"
    return max(1, int(os.environ.get(name, "10" if direction == "export" else "4")))


class PlanWorkflowOperator(_WorkflowOperator):
    """Extract, transform, validate and plan; stage the batches; return them dealt into shards."""

    ui_color = "#d6eaf8"

    def execute(self, context: Any) -> list[list[int]]:
        from include.engine import staging

        runner = self.runner(context)
        plan = runner.plan()
        counts = plan.counts()
        log.info("Plan for %s (%s): %s", self.workflow_id, plan.window.describe(), counts)
        context["ti"].xcom_push(key="plan", value=counts)
        if runner.dry_run:
            for batch in plan.batches[:3]:
                for rec in batch.records[:5]:
                    log.info("dry run: would %s %s %s", batch.action, rec.source_id, rec.target)
            for rec in plan.failed[:20]:
                log.info("dry run: would fail %s: %s", rec.source_id, rec.reason)
            staging.save_plan(runner.state.engine, runner.run_id, self.workflow_id, _counts_only(plan))
            return []
        runner.state.start_run(runner.run_id, self.workflow_id, dict(context["params"]))
        runner.record_plan(plan)
        numbers = staging.save_plan(runner.state.engine, runner.run_id, self.workflow_id, plan)
        return shard_batches(numbers, load_shards_for(runner.workflow.direction))


def _counts_only(plan: Any) -> Any:
    from include.engine.run import Plan

    return Plan(plan.window, plan.extracted, [], [], [], plan.seconds, plan.skipped_count, plan.failed_count)


class LoadShardOperator(_WorkflowOperator):
    """Write a shard of staged batches to the target system, one request at a time.

    Mapped: one task instance per shard. A batch whose outcome is already staged (an earlier try
    of this task got that far) is not sent again; a batch that fails as a whole does not stop the
    others, but fails the task at the end so Airflow retries just what is missing.
    """

    template_fields = ("workflow_id", "batch_numbers")
    ui_color = "#d5f5e3"

    def __init__(self, *, batch_numbers: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_numbers = batch_numbers

    def execute(self, context: Any) -> dict[str, Any]:
        from include.engine import staging
        from include.engine.progress import Progress

        runner = self.runner(context)
        engine = runner.state.engine
        done = staging.loaded_batches(engine, runner.run_id, self.workflow_id)
        todo = [int(n) for n in self.batch_numbers if int(n) not in done]
        if len(todo) < len(self.batch_numbers):
            log.info(
                "%d of %d batches already loaded by an earlier try",
                len(self.batch_numbers) - len(todo),
                len(self.batch_numbers),
            )
        batches = [staging.load_batch(engine, runner.run_id, self.workflow_id, n) for n in todo]
        progress = Progress(self.workflow_id, total=sum(len(b.records) for b in batches))
        totals = {"created": 0, "updated": 0, "failed": 0, "batches": 0}
        broken: list[str] = []
        for batch in batches:
            try:
                outcome = runner.load_batch(batch)
            except Exception as exc:  # noqa: BLE001 - reported per batch, the task fails below
                log.exception(
                    "%s batch %d (%d records) failed as a whole", self.workflow_id, batch.number, len(batch.records)
                )
                broken.append(f"batch {batch.number}: {exc}")
                continue
            staging.save_outcome(engine, runner.run_id, self.workflow_id, outcome)
            totals["created"] += outcome.created
            totals["updated"] += outcome.updated
            totals["failed"] += outcome.failed
            totals["batches"] += 1
            progress.advance(len(batch.records))
        if broken:
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(f"{len(broken)} of {len(batches)} batches failed: " + "; ".join(broken[:5]))
        return totals


class FinishWorkflowOperator(_WorkflowOperator):
    """Write the run log, advance the watermark if every batch landed, and fail loudly if not."""

    ui_color = "#fdebd0"

    def execute(self, context: Any) -> dict[str, Any]:
        from dataclasses import asdict

        from include.engine import staging

        runner = self.runner(context)
        plan, outcomes, batches = staging.load_plan(runner.state.engine, runner.run_id, self.workflow_id)
        all_ok = len(outcomes) == batches
        summary = runner.finish(plan, outcomes, all_batches_ok=all_ok)
        staging.clear_payloads(runner.state.engine, runner.run_id, self.workflow_id)
        log.info("Summary: %s", summary.line())
        if not all_ok:
            from airflow.sdk.exceptions import AirflowException

            raise AirflowException(
                f"{self.workflow_id}: {batches - len(outcomes)} of {batches} batches did not load; "
                "the watermark was not advanced and the next run retries them"
            )
        return asdict(summary)
