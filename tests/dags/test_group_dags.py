"""Group DAGs: one ``group_<id>`` per workflow group file, and what a group does to its members' schedules.

Like test_dag_integrity.py, the dags folder is parsed by a DagBag in a fresh interpreter (the factory
reads ``INTEGRATION_MAPPINGS_DIR`` and ``INTEGRATION_SCHEDULES`` at import). The variants (shipped
mappings, modified copies, manual mode) are parsed concurrently, once per module. The group DAGs are
also serialized and deserialized as the scheduler stores them, and their timetable is asked for a
fortnight of runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from include.engine.direction import direction_of
from include.mapping.groups import DAYS, WorkflowGroup, load_groups, scheduled_members
from include.mapping.loader import load_workflows
from include.mapping.model import Workflow

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
MAPPINGS = ROOT / "mappings"
GROUP_FILES = sorted((MAPPINGS / "groups").glob("*.yaml"))
GROUP_IDS = [p.stem for p in GROUP_FILES]

# A fortnight around the week of Monday 2026-06-01 (British Summer Time: London is UTC+1).
WEEK_START = dt.date(2026, 6, 1)

REPORT = textwrap.dedent(
    """
    import datetime as dt, json, sys
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.timetables.base import TimeRestriction

    bag = DagBag(dag_folder=sys.argv[1])
    out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
    for dag_id, dag in bag.dags.items():
        timetable = dag.timetable
        info = {
            "tags": sorted(dag.tags or []),
            "doc_md": dag.doc_md or "",
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "timetable": type(timetable).__name__,
            "expression": getattr(timetable, "expression", None),
            "crons": [t.expression for t in getattr(timetable, "timetables", [])],
            "timezones": [str(t.timezone) for t in getattr(timetable, "timetables", [])],
            "params": {k: dag.params[k] for k in dag.params.keys()},
            "tasks": {
                t.task_id: {
                    "operator": type(t).__name__,
                    "trigger_dag_id": getattr(t, "trigger_dag_id", None),
                    "wait_for_completion": getattr(t, "wait_for_completion", None),
                    "deferrable": getattr(t, "deferrable", None),
                    "trigger_rule": str(getattr(t.trigger_rule, "value", t.trigger_rule)),
                    "upstream": sorted(t.upstream_task_ids),
                    "retries": t.retries,
                    "group": getattr(t, "group", None),
                    "workflows": getattr(t, "workflows", None),
                    "recipients": getattr(t, "recipients", None),
                }
                for t in dag.tasks
            },
        }
        if dag_id.startswith("group_"):
            # as the scheduler sees it: serialized, deserialized, asked for its runs
            serialized = DagSerialization.from_dict(json.loads(json.dumps(DagSerialization.to_dict(dag))))
            runs, last = [], None
            start = dt.datetime(2026, 5, 25, tzinfo=dt.timezone.utc)
            end = dt.datetime(2026, 6, 15, tzinfo=dt.timezone.utc)
            while True:
                nxt = serialized.timetable.next_dagrun_info(
                    last_automated_data_interval=last,
                    restriction=TimeRestriction(earliest=start, latest=None, catchup=True),
                )
                if nxt is None or nxt.run_after >= end:
                    break
                runs.append(nxt.run_after.isoformat())
                last = nxt.data_interval
            info["serialized_timetable"] = type(serialized.timetable).__name__
            info["runs"] = runs
        out["dags"][dag_id] = info
    print(json.dumps(out, default=str))
    """
)


def _start(mappings_dir: Path | None, **env_changes: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("INTEGRATION_SCHEDULES", "INTEGRATION_MAPPINGS_DIR", "INTEGRATION_ALERT_EMAIL"):
        env.pop(name, None)
    if mappings_dir is not None:
        env["INTEGRATION_MAPPINGS_DIR"] = str(mappings_dir)
    env.update(env_changes)
    return subprocess.Popen(
        [sys.executable, "-c", REPORT, str(DAGS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _copy_mappings(target: Path) -> Path:
    shutil.copytree(MAPPINGS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


MIXED_GROUP = {
    "group": "mixed",
    "title": "Mixed",
    "workflows": [
        "oneview_backlog",
        "projects_export",
        "customers_export",
        "projects_import",
        "customers_import",
    ],
    "schedule": [
        {"days": ["mon", "thu"], "hours": [6, 18]},
        {"days": "weekends", "hours": [6], "minute": 30},
    ],
    "timezone": "Europe/London",
    "notify": {"errors": ["ops@example.com"], "summary": ["finance@example.com"]},
}


def _variants(tmp: Path) -> dict[str, tuple[Path | None, dict[str, str]]]:
    """Name -> (mappings directory or None for the shipped one, environment changes)."""
    # a modified copy: one member keeps its own cron, a group over every stage in London time
    modified = _copy_mappings(tmp / "modified")
    _edit(modified / "time_entries_export.yaml", "\nschedule:", "\nown_schedule: true\nschedule:")
    (modified / "groups" / "mixed.yaml").write_text(yaml.safe_dump(MIXED_GROUP, sort_keys=False))
    (modified / "groups" / "off.yaml").write_text(
        yaml.safe_dump(
            {
                "group": "off",
                "title": "Off",
                "enabled": False,
                "workflows": ["employees_import"],
                "schedule": [{"days": "daily", "hours": [1]}],
            }
        )
    )
    # a group file naming an unknown member
    broken = _copy_mappings(tmp / "broken")
    _edit(broken / "groups" / "time_and_expenses.yaml", "[time_entries_export,", "[time_entry_export,")
    # a group naming a disabled workflow
    disabled = _copy_mappings(tmp / "disabled")
    _edit(disabled / "oneview_backlog.yaml", "\ndirection: oneview", "\nenabled: false\ndirection: oneview")
    return {
        "shipped": (None, {}),
        "modified": (modified, {}),
        "broken": (broken, {}),
        "disabled": (disabled, {}),
        "manual": (None, {"INTEGRATION_SCHEDULES": "manual"}),
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict]:
    variants = _variants(tmp_path_factory.mktemp("group-dags"))
    procs = {name: _start(mappings, **env) for name, (mappings, env) in variants.items()}
    results: dict[str, tuple[int, str, str]] = {}
    try:
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=600)
            results[name] = (proc.returncode, stdout, stderr)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def report(name: str) -> dict:
        returncode, stdout, stderr = results[name]
        assert returncode == 0, stderr[-3000:]
        out = json.loads(stdout.strip().splitlines()[-1])
        out["mappings"] = variants[name][0] or MAPPINGS
        return out

    return report


def _loaded(mappings_dir: Path) -> tuple[dict[str, Workflow], dict[str, WorkflowGroup]]:
    workflows, errors = load_workflows(mappings_dir)
    assert errors == {}
    enabled = {k: w for k, w in workflows.items() if w.enabled}
    groups, group_errors = load_groups(mappings_dir / "groups", enabled)
    assert group_errors == {}
    return enabled, groups


@pytest.fixture(scope="module")
def shipped(reports: Callable[[str], dict]) -> dict:
    return reports("shipped")


@pytest.fixture(scope="module")
def modified(reports: Callable[[str], dict]) -> dict:
    return reports("modified")


def _ancestors(tasks: dict[str, Any], task_id: str) -> set[str]:
    seen: set[str] = set()
    todo = list(tasks[task_id]["upstream"])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(tasks[node]["upstream"])
    return seen


def _stage(workflows: dict[str, Workflow], workflow_id: str) -> int:
    """The direction's stage (import 0, export 1, OneView 2), or the latest of what it depends on."""
    wf = workflows[workflow_id]
    deps = [_stage(workflows, d) for d in wf.depends_on if d in workflows]
    return max([direction_of(wf).group_stage, *deps])


def _check_group_dag(report: dict, group: WorkflowGroup, workflows: dict[str, Workflow]) -> None:
    """Everything a group DAG must be, whichever group it is."""
    dag = report["dags"][group.dag_id]
    assert dag["tags"] == ["group", "integration"]
    assert dag["catchup"] is False and dag["max_active_runs"] == 1
    assert dag["doc_md"] and f"mappings/groups/{group.id}.yaml" in dag["doc_md"]
    assert dag["params"] == report["dags"]["integration_all"]["params"]
    tasks = dag["tasks"]
    assert set(tasks) == {f"run_{w}" for w in group.workflows} | {"summary"}
    for member in group.workflows:
        task = tasks[f"run_{member}"]
        assert task["operator"] == "TriggerDagRunOperator"
        assert task["trigger_dag_id"] == member and member in report["dags"]
        assert task["wait_for_completion"] is True
        assert task["deferrable"] is True  # a waiting member holds no worker slot
        ancestors = _ancestors(tasks, f"run_{member}")
        # dependencies first
        for dependency in workflows[member].depends_on:
            if dependency in group.workflows:
                assert f"run_{dependency}" in ancestors, f"{group.id}: {dependency} not before {member}"
        # imports before exports before OneView reports (an import that depends on an export: after it)
        stage = _stage(workflows, member)
        for other in group.workflows:
            if _stage(workflows, other) < stage:
                assert f"run_{other}" in ancestors, f"{group.id}: {other} not before {member}"
        # the members run in the group's execution order: nothing runs after a member it precedes
        position = group.workflows.index(member)
        assert all(group.workflows.index(a.removeprefix("run_")) < position for a in ancestors)
    summary = tasks["summary"]
    assert summary["operator"] == "GroupSummaryOperator"
    assert summary["trigger_rule"] == "all_done"
    assert set(summary["upstream"]) == {f"run_{w}" for w in group.workflows}
    assert summary["group"] == group.id and summary["workflows"] == list(group.workflows)
    assert summary["recipients"] == list(group.notify_summary)


# --- the shipped groups ---------------------------------------------------------------------------


def test_the_shipped_dags_parse_without_import_errors(shipped: dict) -> None:
    assert shipped["errors"] == {}


@pytest.mark.parametrize("group_id", GROUP_IDS)
def test_each_shipped_group_is_a_dag(shipped: dict, group_id: str) -> None:
    workflows, groups = _loaded(MAPPINGS)
    _check_group_dag(shipped, groups[group_id], workflows)


def test_the_group_dags_are_exactly_the_enabled_groups(shipped: dict, modified: dict) -> None:
    assert {d for d in shipped["dags"] if d.startswith("group_")} == {f"group_{g}" for g in GROUP_IDS}
    # in the modified copy: `mixed` added, `off` (enabled: false) has no DAG
    assert {d for d in modified["dags"] if d.startswith("group_")} == {f"group_{g}" for g in GROUP_IDS} | {
        "group_mixed"
    }


@pytest.mark.parametrize("group_id", GROUP_IDS)
def test_a_group_dag_fires_at_its_rows(shipped: dict, group_id: str) -> None:
    _, groups = _loaded(MAPPINGS)
    group = groups[group_id]
    dag = shipped["dags"][group.dag_id]
    if not group.schedule:
        assert dag["timetable"] == "NullTimetable" and dag["runs"] == []
        return
    assert dag["timetable"] == "MultipleCronTriggerTimetable"
    assert dag["crons"] == group.crons()
    assert dag["timezones"] == [group.timezone] * len(group.crons())
    assert dag["serialized_timetable"] == "MultipleCronTriggerTimetable"
    _check_runs(dag["runs"], group)


def _check_runs(runs: list[str], group: WorkflowGroup) -> None:
    """The scheduler's runs over the week of WEEK_START, in the group's time zone, are the rows' times."""
    zone = ZoneInfo(group.timezone)
    local = [dt.datetime.fromisoformat(r).astimezone(zone) for r in runs]
    week = [t for t in local if WEEK_START <= t.date() < WEEK_START + dt.timedelta(days=7)]
    per_day = Counter(DAYS[(t.weekday() + 1) % 7] for t in week)  # Monday is cron's 1
    assert {d: per_day.get(d, 0) for d in DAYS} == group.runs_per_day()
    expected = {(day, hour, row.minute) for row in group.schedule for day in row.days for hour in row.hours}
    assert {(DAYS[(t.weekday() + 1) % 7], t.hour, t.minute) for t in week} == expected
    assert len(week) == len(set(week)), "a time two rows share runs once"


def test_time_and_expenses_fires_every_working_hour_and_saturday_morning(shipped: dict) -> None:
    dag = shipped["dags"]["group_time_and_expenses"]
    monday = [r for r in dag["runs"] if r.startswith("2026-06-01")]
    assert [dt.datetime.fromisoformat(r).hour for r in monday] == list(range(8, 19))
    saturday = [r for r in dag["runs"] if r.startswith("2026-06-06")]
    assert [dt.datetime.fromisoformat(r).strftime("%H:%M") for r in saturday] == ["09:00"]
    assert not [r for r in dag["runs"] if r.startswith("2026-06-07")]


def test_master_data_runs_imports_before_exports(shipped: dict) -> None:
    tasks = shipped["dags"]["group_master_data"]["tasks"]
    imports = {t for t in tasks if t.endswith("_import")}
    for export in ("run_customers_export", "run_projects_export"):
        assert imports <= _ancestors(tasks, export)
    # imports without dependencies between them start together
    assert tasks["run_customers_import"]["upstream"] == [] and tasks["run_employees_import"]["upstream"] == []
    assert set(tasks["run_projects_import"]["upstream"]) == {"run_customers_import", "run_employees_import"}


def test_an_import_of_exported_records_runs_after_that_export_without_holding_up_the_others(
    shipped: dict,
) -> None:
    for dag_id in ("group_billing", "integration_all"):
        tasks = shipped["dags"][dag_id]["tasks"]
        assert "run_invoices_export" in _ancestors(
            tasks, "run_payments_import"
        )  # payments of exported invoices
        assert "run_customer_pos_import" in _ancestors(tasks, "run_invoices_export")  # imports first
        assert "run_payments_import" not in _ancestors(tasks, "run_credit_memos_export")


def test_oneview_reports_run_side_by_side(shipped: dict) -> None:
    tasks = shipped["dags"]["group_oneview_reports"]["tasks"]
    members = [t for t in tasks if t.startswith("run_")]
    assert len(members) == 3 and all(tasks[t]["upstream"] == [] for t in members)


def test_members_of_a_scheduled_group_lose_their_own_schedule(shipped: dict) -> None:
    _, groups = _loaded(MAPPINGS)
    grouped = scheduled_members(groups)
    assert grouped, "no shipped scheduled group"
    for workflow in grouped:
        assert shipped["dags"][workflow]["timetable"] == "NullTimetable", workflow


def test_workflows_outside_scheduled_groups_keep_their_cron(shipped: dict) -> None:
    workflows, groups = _loaded(MAPPINGS)
    others = set(workflows) - scheduled_members(groups)
    assert others, "every shipped workflow is in a scheduled group"
    for workflow in others:
        cron = yaml.safe_load((MAPPINGS / f"{workflow}.yaml").read_text())["schedule"]
        dag = shipped["dags"][workflow]
        assert (dag["timetable"], dag["expression"]) == ("CronDataIntervalTimetable", cron), workflow


def test_every_workflow_dag_takes_one_active_run(shipped: dict, modified: dict) -> None:
    """A workflow in two groups (or on its own cron too) never runs twice at once: the next trigger waits."""
    for report in (shipped, modified):
        for workflow in (p.stem for p in MAPPINGS.glob("*.yaml")):
            assert report["dags"][workflow]["max_active_runs"] == 1, workflow


# --- modified mappings ----------------------------------------------------------------------------


def test_a_member_with_own_schedule_keeps_its_cron(modified: dict) -> None:
    cron = yaml.safe_load((MAPPINGS / "time_entries_export.yaml").read_text())["schedule"]
    dag = modified["dags"]["time_entries_export"]
    assert (dag["timetable"], dag["expression"]) == ("CronDataIntervalTimetable", cron)
    # its group still runs it; its group mate without own_schedule still has none of its own
    assert "run_time_entries_export" in modified["dags"]["group_time_and_expenses"]["tasks"]
    assert modified["dags"]["expense_reports_export"]["timetable"] == "NullTimetable"


def test_a_group_over_every_stage_runs_imports_then_exports_then_the_report(modified: dict) -> None:
    workflows, groups = _loaded(modified["mappings"])
    group = groups["mixed"]
    assert group.workflows == (
        "customers_import",
        "projects_import",
        "customers_export",
        "projects_export",
        "oneview_backlog",
    )
    _check_group_dag(modified, group, workflows)
    tasks = modified["dags"]["group_mixed"]["tasks"]
    assert {"run_customers_export", "run_projects_export"} <= _ancestors(tasks, "run_oneview_backlog")
    assert {"run_customers_import", "run_projects_import"} <= _ancestors(tasks, "run_customers_export")


def test_a_group_schedule_is_in_its_time_zone(modified: dict) -> None:
    _, groups = _loaded(modified["mappings"])
    group = groups["mixed"]
    dag = modified["dags"]["group_mixed"]
    assert dag["crons"] == group.crons() and dag["crons"][0] == "0 6,18 * * 1,4"
    assert dag["timezones"] == ["Europe/London", "Europe/London"]
    _check_runs(dag["runs"], group)
    # 06:00 in London in June is 05:00 UTC
    assert "2026-06-01T05:00:00+00:00" in dag["runs"] and "2026-06-01T17:00:00+00:00" in dag["runs"]


def test_a_new_scheduled_group_takes_its_members_schedules(modified: dict) -> None:
    for workflow in MIXED_GROUP["workflows"]:
        assert modified["dags"][workflow]["timetable"] == "NullTimetable", workflow


def test_a_disabled_group_has_no_dag_and_takes_no_schedule(modified: dict) -> None:
    assert "group_off" not in modified["dags"]
    cron = yaml.safe_load((MAPPINGS / "employees_import.yaml").read_text())["schedule"]
    assert modified["dags"]["employees_import"]["expression"] == cron


def test_the_group_summary_mails_the_group_recipients(modified: dict) -> None:
    assert modified["dags"]["group_mixed"]["tasks"]["summary"]["recipients"] == ["finance@example.com"]
    assert "finance@example.com" in modified["dags"]["group_mixed"]["doc_md"]


# --- broken group files ---------------------------------------------------------------------------


def test_a_group_with_an_unknown_member_is_an_import_error_and_others_still_load(
    reports: Callable[[str], dict],
) -> None:
    report = reports("broken")
    assert len(report["errors"]) == 1, report["errors"]
    message = next(iter(report["errors"].values()))
    assert "time_and_expenses.yaml" in message and "workflows[0]" in message
    assert "'time_entry_export'" in message and "did you mean 'time_entries_export'?" in message
    assert "group_time_and_expenses" not in report["dags"]
    assert {"group_master_data", "group_oneview_reports", "integration_all"} <= set(report["dags"])
    assert {p.stem for p in MAPPINGS.glob("*.yaml")} <= set(report["dags"])


def test_a_group_naming_a_disabled_workflow_is_an_import_error_saying_so(
    reports: Callable[[str], dict],
) -> None:
    report = reports("disabled")
    assert len(report["errors"]) == 1, report["errors"]
    message = next(iter(report["errors"].values()))
    position = yaml.safe_load((MAPPINGS / "groups" / "oneview_reports.yaml").read_text())["workflows"].index(
        "oneview_backlog"
    )
    assert "oneview_reports.yaml" in message and f"workflows[{position}]" in message
    assert "'oneview_backlog' is disabled" in message
    assert "group_oneview_reports" not in report["dags"] and "oneview_backlog" not in report["dags"]
    assert {"group_master_data", "group_time_and_expenses", "integration_all"} <= set(report["dags"])


# --- manual mode ----------------------------------------------------------------------------------


def test_in_manual_mode_group_dags_have_no_schedule(reports: Callable[[str], dict]) -> None:
    report = reports("manual")
    assert report["errors"] == {}
    groups = {d: dag for d, dag in report["dags"].items() if d.startswith("group_")}
    assert set(groups) == {f"group_{g}" for g in GROUP_IDS}
    for dag_id, dag in groups.items():
        assert dag["timetable"] == "NullTimetable" and dag["runs"] == [], dag_id
        assert dag["tasks"]["summary"]["upstream"], dag_id
    for workflow in (p.stem for p in MAPPINGS.glob("*.yaml")):
        assert report["dags"][workflow]["timetable"] == "NullTimetable", workflow
