"""One DAG per mapping file in ``mappings/``, the ``integration_all`` DAG, and one DAG per workflow
group (``mappings/groups/*.yaml``).

Adding a workflow is adding a YAML file. A mapping file that fails validation does not take the
others down: its error is reported as this file's import error in the Airflow UI (naming the
mapping file, the key and the problem) while every valid workflow keeps its DAG.

Parse-time rules: no network, no database, no heavy imports (pandas, zeep, GX load inside tasks).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, TriggerRule

from include.engine.direction import direction_of
from include.mapping.loader import execution_order, load_workflows
from include.paths import MAPPINGS_DIR
from operators.workflow import (
    FinishWorkflowOperator,
    LoadShardOperator,
    PlanWorkflowOperator,
    load_task_layout,
)

NETSUITE_POOL = os.environ.get("INTEGRATION_NETSUITE_POOL", "netsuite")
START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# `manual` turns every workflow schedule off (the main job triggers runs itself).
SCHEDULES_MODE = os.environ.get("INTEGRATION_SCHEDULES", "on")


def _params(oneview: bool = False) -> dict[str, Param]:
    """The trigger form. A OneView report is read whole every run: no ``since``, and its single
    records are row keys."""
    if oneview:
        full, dry, ids_title, ids = (
            "Rewrite every row's custom record, changed or not.",
            "Read the report and plan, write nothing.",
            "Row keys",
            "Keys of single rows to write now (key column values joined with ~).",
        )
    else:
        full, dry, ids_title, ids = (
            "Re-process every record, not only those modified since the last successful run.",
            "Build the plan, write nothing.",
            "Record ids",
            "Source-system ids of single records to sync now (one per line).",
        )
    params = {
        "full_sync": Param(False, type="boolean", title="Full synchronisation", description=full),
        "since": Param(
            None,
            type=["null", "string"],
            format="date-time",
            title="Since",
            description="With full synchronisation: only records modified after this instant.",
        ),
        "dry_run": Param(False, type="boolean", title="Dry run", description=dry),
        "record_ids": Param([], type="array", items={"type": "string"}, title=ids_title, description=ids),
    }
    if oneview:
        del params["since"]
    return params


def _default_args() -> dict[str, Any]:
    from plugins.netsuite_spp.notifications import failure_callbacks

    return {
        "owner": "integration",
        "retries": 2,
        "retry_delay": dt.timedelta(seconds=30),
        "retry_exponential_backoff": True,
        "on_failure_callback": failure_callbacks(),
    }


def _doc_md(wf: Any) -> str:
    lines = [
        f"### {wf.title}",
        "",
        f"*{wf.direction}* — {wf.source.system} `{wf.source.type}` → "
        f"{wf.target.system} `{wf.target.type}`; create: **{wf.policy.create}**, "
        f"update: **{wf.policy.update}**; mapping file `mappings/{wf.id}.yaml`.",
        "",
        "| target field | from | on |",
        "|---|---|---|",
    ]
    for fm in wf.fields:
        when = "create only" if fm.initial_only else "create and update"
        lines.append(f"| `{fm.target}` | {fm.describe()} | {when} |")
    if wf.depends_on:
        lines += ["", "Depends on: " + ", ".join(f"`{d}`" for d in wf.depends_on)]
    lines += [
        "",
        "Trigger with *full_sync* to re-process everything, *record_ids* for single records, "
        "*dry_run* to preview. `airflow backfill create` over a date range re-syncs the records "
        "modified in each interval.",
    ]
    return "\n".join(lines)


def _oneview_doc_md(wf: Any) -> str:
    report = wf.report
    by_column = {fm.source: fm for fm in wf.fields if fm.source}
    lines = [
        f"### {wf.title}",
        "",
        f"*OneView* — SuiteProjects Pro report `{report.resource}` (OData v4) → NetSuite custom records "
        f"`{report.record_type}`; key: {', '.join(f'`{k}`' for k in report.key)} (externalId "
        f"`{wf.external_id}`); rows that vanish from the report: **{report.vanished}**; mapping file "
        f"`mappings/{wf.id}.yaml`.",
        "",
        "| report column | kind | custom field | how |",
        "|---|---|---|---|",
    ]
    for column in report.columns:
        fm = by_column.get(column.name)
        how = "key" if column.name in report.key else ""
        if fm is not None:
            how = ", ".join(
                p
                for p in (
                    how,
                    f"the linked {fm.reference.entity}" if fm.reference else "",
                    " → ".join(t.name for t in fm.transforms),
                )
                if p
            )
        field = f"`{fm.target}`" if fm else "—"
        lines.append(f"| `{column.name}` | {column.kind} | {field} | {how} |")
    lines += [
        "",
        "Only new and changed rows are written (row hashes in the state store), by externalId upsert in "
        "batches under the `netsuite` pool. Trigger with *full_sync* to rewrite every row, *dry_run* to "
        "preview.",
    ]
    return "\n".join(lines)


def build_workflow_dag(wf: Any) -> DAG:
    """The DAG of one workflow: plan beside its load tasks (one thread per NetSuite thread), then finish."""
    schedule = (
        None
        if SCHEDULES_MODE == "manual" or not wf.schedule
        else CronDataIntervalTimetable(wf.schedule, timezone="UTC")
    )
    with DAG(
        dag_id=wf.id,
        description=wf.title,
        doc_md=_oneview_doc_md(wf) if wf.is_oneview else _doc_md(wf),
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=(
            ["integration", "oneview", wf.report.resource]
            if wf.is_oneview
            else ["integration", wf.direction, wf.entity]
        ),
        params=_params(oneview=wf.is_oneview),
        default_args=_default_args(),
    ) as dag:
        # Imports read NetSuite while planning; exports write NetSuite while loading. Whatever
        # talks to NetSuite holds a slot of the pool that mirrors the account's thread limit.
        direction = direction_of(wf)
        # Plan and loads start together: the plan stages batches as it reads, the load tasks
        # claim them (staged in the state database). The plan goes first when slots are short.
        plan = PlanWorkflowOperator(
            task_id="plan",
            workflow_id=wf.id,
            pool=direction.pool("plan", NETSUITE_POOL),
            priority_weight=10,
            weight_rule="absolute",
        )
        tasks, slots = load_task_layout(direction.load_threads())
        load = LoadShardOperator.partial(
            task_id="load",
            workflow_id=wf.id,
            threads=slots,
            pool=direction.pool("load", NETSUITE_POOL),
            pool_slots=slots,
            priority_weight=1,
            weight_rule="absolute",
            map_index_template="shard {{ task.shard }}",
        ).expand(shard=list(range(tasks)))
        finish = FinishWorkflowOperator(
            task_id="finish", workflow_id=wf.id, trigger_rule=TriggerRule.ALL_DONE
        )
        [plan, load] >> finish
    return dag


class _BrokenMappingDag(DAG):
    """Stands in for a mapping file that failed validation: bagging it fails with the mapping
    error, which Airflow shows as this file's import error, and the other DAGs still load."""

    mapping_error: str = ""

    def validate(self) -> None:
        raise ValueError(self.mapping_error)


def build_broken_dag(workflow_id: str, error: Exception) -> DAG:
    dag = _BrokenMappingDag(dag_id=workflow_id, schedule=None, start_date=START_DATE, tags=["integration"])
    dag.mapping_error = f"Invalid mapping: {error}"
    return dag


def _member_tasks(workflows: dict[str, Any]) -> dict[str, Any]:
    """One task per member that triggers its DAG and waits for it (deferred, in the triggerer), in order:
    dependencies first, imports before exports, both before OneView reports. A member already running (its
    schedule, another group) is not run twice at once: workflow DAGs take one active run, the next waits."""
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

    tasks = {}
    for wf_id in workflows:
        tasks[wf_id] = TriggerDagRunOperator(
            task_id=f"run_{wf_id}",
            trigger_dag_id=wf_id,
            conf="{{ params | tojson }}",  # type: ignore[arg-type]
            wait_for_completion=True,
            # waits in the triggerer, holding no worker slot: a group of many members waiting on a
            # worker each starved their own plan and load tasks of slots (a deadlock at 12 members)
            deferrable=True,
            poke_interval=2,
            trigger_rule=TriggerRule.ALL_DONE,
            retries=0,
        )
    # a workflow's stage is its direction's, or a later one if it depends on a later-stage workflow (an
    # import of payments waits for the invoices export: it runs among the exports, not before them)
    stage: dict[str, int] = {}
    for wf_id in execution_order(workflows):
        deps = [stage[d] for d in workflows[wf_id].depends_on if d in stage]
        stage[wf_id] = max([direction_of(workflows[wf_id]).group_stage, *deps])
    for wf_id, wf in workflows.items():
        upstream = set(d for d in wf.depends_on if d in tasks)
        # the workflows of the stage just before (imports before exports, both before reports)
        earlier = [w for w in workflows if stage[w] < stage[wf_id]]
        if earlier:
            last = max(stage[w] for w in earlier)
            upstream |= {w for w in earlier if stage[w] == last}
        for dep in sorted(upstream):
            tasks[dep] >> tasks[wf_id]
    return tasks


def build_group_dag(workflows: dict[str, Any]) -> DAG:
    """``integration_all``: every enabled workflow, imports before exports, dependencies first."""
    with DAG(
        dag_id="integration_all",
        description="Run every enabled workflow once (the connector's 'Run integration')",
        doc_md="Triggers each enabled workflow DAG and waits for it. Imports run before exports, both "
        "before the OneView reports; `depends_on` in the mapping files orders the rest. The params are "
        "passed to every workflow.",
        schedule=None,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["integration", "group"],
        params=_params(),
        default_args={"owner": "integration", "retries": 2, "retry_delay": dt.timedelta(seconds=10)},
    ) as dag:
        _member_tasks(workflows)
    return dag


def _group_doc_md(group: Any) -> str:
    lines = [f"### {group.title}", "", group.description or "", "", "Runs, in this order:", ""]
    lines += [f"1. `{w}`" for w in group.workflows]
    if group.schedule:
        lines += ["", f"Schedule ({group.timezone}):", ""]
        lines += [f"- {row.describe()}" for row in group.schedule]
    else:
        lines += ["", "No schedule: triggered by hand."]
    if group.notify_summary:
        lines += ["", "Summary mailed to " + ", ".join(group.notify_summary) + "."]
    lines += ["", f"Group file `mappings/groups/{group.id}.yaml`."]
    return "\n".join(lines)


def build_workflow_group_dag(group: Any, workflows: dict[str, Any]) -> DAG:
    """``group_<id>``: a group file's members, at its schedule rows (one timetable firing at each
    row's times), then the summary (mailed to the group's summary recipients)."""
    from airflow.sdk import MultipleCronTriggerTimetable

    from operators.group import GroupSummaryOperator
    from plugins.netsuite_spp.notifications import failure_callbacks

    schedule = (
        MultipleCronTriggerTimetable(*group.crons(), timezone=group.timezone)
        if group.schedule and SCHEDULES_MODE != "manual"
        else None
    )
    with DAG(
        dag_id=group.dag_id,
        description=group.title,
        doc_md=_group_doc_md(group),
        schedule=schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["integration", "group"],
        params=_params(),
        default_args={
            "owner": "integration",
            "retries": 2,
            "retry_delay": dt.timedelta(seconds=10),
            "on_failure_callback": failure_callbacks(group.notify_errors),
        },
    ) as dag:
        members = _member_tasks({w: workflows[w] for w in group.workflows})
        summary = GroupSummaryOperator(
            task_id="summary",
            group=group.id,
            workflows=list(group.workflows),
            recipients=list(group.notify_summary),
            trigger_rule=TriggerRule.ALL_DONE,
        )
        list(members.values()) >> summary
    return dag


def _register() -> None:
    from include.mapping.groups import load_groups, scheduled_members

    workflows, errors = load_workflows(MAPPINGS_DIR)
    enabled = {k: w for k, w in workflows.items() if w.enabled}
    groups, group_errors = load_groups(MAPPINGS_DIR / "groups", workflows)
    # a workflow a scheduled group runs does not also run on its own cron (unless it says so)
    grouped = scheduled_members(groups)
    for wf in enabled.values():
        if wf.id in grouped and not wf.own_schedule:
            wf = dataclasses.replace(wf, schedule=None)
        globals()[f"dag_{wf.id}"] = build_workflow_dag(wf)
    for file_name, error in errors.items():
        workflow_id = os.path.splitext(os.path.basename(str(file_name)))[0]
        globals()[f"dag_{workflow_id}"] = build_broken_dag(workflow_id, error)
    if enabled:
        globals()["dag_integration_all"] = build_group_dag(enabled)
    for group in groups.values():
        if group.enabled:
            globals()[f"dag_{group.dag_id}"] = build_workflow_group_dag(group, enabled)
    for file_name, error in group_errors.items():
        group_id = "group_" + os.path.splitext(os.path.basename(str(file_name)))[0]
        globals()[f"dag_{group_id}"] = build_broken_dag(group_id, error)


_register()
