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
    from include.mapping.loader import load_workflow

    from include.engine.run import WorkflowRunner
    from include.paths import MAPPINGS_DIR
    from include.state import StateStore
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook

    workflow = load_workflow(MAPPINGS_DIR / f"{workflow_id}.yaml")
    state = StateStore.from_env()
    dag_run = context["dag_run"]
    interval = None
    if str(getattr(dag_run, "run_type", "")).lower().endswith("backfill"):
        interval = (context["data_interval_start"], context["data_interval_end"])
    return WorkflowRunner(
        workflow,
        state,
        netsuite=NetSuiteHook(netsuite_conn_id).client,
        spp=SppHook(spp_conn_id).client,
        run_id=context["run_id"],
        params=dict(context["params"]),
        interval=interval,
    )


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


class PlanWorkflowOperator(_WorkflowOperator):
    """Extract, transform, validate and plan; stage the batches; return their numbers."""

    ui_color = "#d6eaf8"

    def execute(self, context: Any) -> list[int]:
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
        runner.record_plan_failures(plan)
        return staging.save_plan(runner.state.engine, runner.run_id, self.workflow_id, plan)


def _counts_only(plan: Any) -> Any:
    from include.engine.run import Plan

    return Plan(plan.window, plan.extracted, [], [], [], plan.seconds, plan.skipped_count, plan.failed_count)


class LoadBatchOperator(_WorkflowOperator):
    """Write one staged batch to the target system (mapped: one task instance per batch)."""

    template_fields = ("workflow_id", "batch_number")
    ui_color = "#d5f5e3"

    def __init__(self, *, batch_number: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batch_number = batch_number

    def execute(self, context: Any) -> dict[str, Any]:
        from include.engine import staging

        runner = self.runner(context)
        batch = staging.load_batch(runner.state.engine, runner.run_id, self.workflow_id, int(self.batch_number))
        outcome = runner.load_batch(batch)
        staging.save_outcome(runner.state.engine, runner.run_id, self.workflow_id, outcome)
        log.info(
            "%s batch %d (%s, %d records): created %d, updated %d, failed %d in %.1fs",
            self.workflow_id, batch.number, batch.action, len(batch.records),
            outcome.created, outcome.updated, outcome.failed, outcome.seconds,
        )
        return outcome.to_json()


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
