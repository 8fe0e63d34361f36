"""Thin operators over the engine: plan a run, load its batches (several tasks), finish the run.

Each builds its hooks and the runner inside ``execute()``; ``__init__`` only stores names, so
parsing a DAG never touches a network, a database or a heavy import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from include.engine.run import WorkflowRunner
    from include.state import StateStore


def build_runner(
    workflow_id: str,
    context: Any,
    *,
    netsuite_conn_id: str,
    spp_conn_id: str,
    spp_odata_conn_id: str = "spp_odata_default",
    state: StateStore | None = None,
) -> WorkflowRunner:
    """A WorkflowRunner for this task instance's run, with clients from the hooks (new ones on
    every call: a runner per thread) and the given state store (or one from the environment).
    OneView workflows read their report through the OData connection."""
    from include.engine.run import WorkflowRunner
    from include.mapping.loader import load_workflow
    from include.paths import MAPPINGS_DIR
    from include.state import StateStore
    from plugins.netsuite_spp.hooks import NetSuiteHook, SppHook, SppODataHook

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
        odata=SppODataHook(spp_odata_conn_id).reader if workflow.is_oneview else None,
    )


def backfill_interval(context: Any) -> tuple[Any, Any] | None:
    """The data interval of a backfill run (its records are those modified inside it); None otherwise."""
    run_type = str(getattr(context["dag_run"], "run_type", ""))
    if run_type.lower().endswith("backfill"):
        return context["data_interval_start"], context["data_interval_end"]
    return None


class _WorkflowOperator(BaseOperator):
    template_fields: Sequence[str] = ("workflow_id",)

    def __init__(
        self,
        *,
        workflow_id: str,
        netsuite_conn_id: str = "netsuite_default",
        spp_conn_id: str = "spp_default",
        spp_odata_conn_id: str = "spp_odata_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.workflow_id = workflow_id
        self.netsuite_conn_id = netsuite_conn_id
        self.spp_conn_id = spp_conn_id
        self.spp_odata_conn_id = spp_odata_conn_id

    def runner(self, context: Any, state: StateStore | None = None) -> WorkflowRunner:
        return build_runner(
            self.workflow_id,
            context,
            netsuite_conn_id=self.netsuite_conn_id,
            spp_conn_id=self.spp_conn_id,
            spp_odata_conn_id=self.spp_odata_conn_id,
            state=state,
        )


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
    """Extract, transform, validate and plan, staging batches chunk by chunk as the source is read
    (``staged.plan``). The load tasks run beside this one and start writing the first batches
    while later pages are still being read."""

    ui_color = "#d6eaf8"

    def execute(self, context: Any) -> dict[str, int]:
        from include.engine import staged

        ti = context["ti"]
        summary = staged.plan(
            self.runner(context),
            attempt=int(getattr(ti, "try_number", 1) or 1),
            retries_left=_retries_left(ti),
        )
        ti.xcom_push(key="plan", value=summary)
        return summary


class LoadShardOperator(_WorkflowOperator):
    """One of a run's load tasks (``staged.load``): claims staged batches and writes them, one
    request in flight per pool slot it holds (``threads`` = its ``pool_slots``; one runner and
    client per thread).

    Mapped over shard numbers and started with the planning task, so the pool's size is the
    number of requests in flight. A batch that fails as a whole does not stop the others, but
    fails the task at the end so Airflow retries just what is missing (a retry takes back the
    batches this shard's threads had claimed).
    """

    template_fields: Sequence[str] = ("workflow_id", "shard")
    ui_color = "#d5f5e3"

    def __init__(self, *, shard: int, threads: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shard = shard
        self.threads = threads

    def execute(self, context: Any) -> dict[str, Any]:
        from include.engine import staged
        from include.state import StateStore

        state = StateStore.from_env()
        # runners (and their connections) are made here, one per thread, before any thread runs
        runners = [self.runner(context, state) for _ in range(max(1, self.threads))]
        return staged.load(runners, worker=f"shard-{self.shard}").as_dict()


class FinishWorkflowOperator(_WorkflowOperator):
    """Write the run log and advance the watermark if every batch landed (``staged.finish``);
    the task fails, naming what is missing, if not."""

    ui_color = "#fdebd0"

    def execute(self, context: Any) -> dict[str, Any]:
        from dataclasses import asdict

        from include.engine import staged

        return asdict(staged.finish(self.runner(context)))
