"""Workflow groups (``mappings/groups/*.yaml``): loading, the errors of bad files, schedules as crons.

Group files are written into a temporary directory and checked against the shipped workflows (the
mappings of ``mappings/``). Every bad file is refused naming the file and the key path, like the mapping
loader; one bad group file never hides the others.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.engine.direction import direction_of
from include.mapping.groups import (
    DAYS,
    ScheduleRow,
    WorkflowGroup,
    load_group,
    load_groups,
    scheduled_members,
)
from include.mapping.loader import MappingError, load_workflows
from include.mapping.model import Workflow

MAPPINGS = Path(__file__).resolve().parents[3] / "mappings"
GROUP_FILES = sorted((MAPPINGS / "groups").glob("*.yaml"))

MINIMAL_GROUP: dict[str, Any] = {
    "group": "nightly",
    "title": "Nightly",
    "workflows": ["customers_import"],
}


@pytest.fixture(scope="module")
def workflows() -> dict[str, Workflow]:
    loaded, errors = load_workflows(MAPPINGS)
    assert errors == {}
    return {k: w for k, w in loaded.items() if w.enabled}


@pytest.fixture
def groups_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "groups"
    directory.mkdir()
    return directory


@pytest.fixture
def write_group(groups_dir: Path) -> Callable[..., Path]:
    """``write_group(name, data_or_text=None, **top_level_changes)``: a group file ``<name>.yaml``
    (``group:`` set to ``name`` unless a change says otherwise)."""

    def write(name: str, data: dict[str, Any] | str | None = None, **changes: Any) -> Path:
        path = groups_dir / f"{name}.yaml"
        if isinstance(data, str):
            path.write_text(data)
            return path
        content = copy.deepcopy(data if data is not None else MINIMAL_GROUP)
        content["group"] = name
        content.update(changes)
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return path

    return write


def _refused(path: Path, workflows: dict[str, Workflow]) -> MappingError:
    with pytest.raises(MappingError) as info:
        load_group(path, workflows)
    error = info.value
    assert error.file.endswith(path.name), error
    assert str(error).startswith(f"{error.file}: {error.key_path}: "), error
    return error


def _refused_any(path: Path, workflows: dict[str, Workflow]) -> MappingError:
    with pytest.raises(MappingError) as info:
        load_group(path, workflows)
    assert info.value.file.endswith(path.name)
    return info.value


def _stage(wf: Workflow) -> int:
    return direction_of(wf).group_stage


def _effective_stage(workflows: dict[str, Workflow], workflow_id: str) -> int:
    """The direction's stage, or a later one for an import that depends on an export (payments)."""
    wf = workflows[workflow_id]
    return max([_stage(wf), *(_effective_stage(workflows, d) for d in wf.depends_on if d in workflows)])


# --- good files -----------------------------------------------------------------------------------


def test_a_minimal_group_loads_with_defaults(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group("nightly")
    group = load_group(path, workflows)
    assert group.id == "nightly" and group.dag_id == "group_nightly" and group.title == "Nightly"
    assert group.workflows == ("customers_import",)
    assert group.schedule == () and group.crons() == []
    assert group.timezone == "UTC" and group.enabled is True
    assert group.notify_errors == () and group.notify_summary == ()
    assert group.path == path


def test_a_full_group_loads_every_key(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group(
        "nightly",
        description="By night",
        enabled=False,
        schedule=[{"days": "weekdays", "hours": [18, 6, 12]}, {"days": ["sat"], "hours": [8], "minute": 15}],
        timezone="Europe/London",
        notify={"errors": ["ops@example.com"], "summary": ["finance@example.com", "boss@example.com"]},
    )
    group = load_group(path, workflows)
    assert group.description == "By night" and group.enabled is False
    assert group.schedule == (
        ScheduleRow(("mon", "tue", "wed", "thu", "fri"), (6, 12, 18), 0),
        ScheduleRow(("sat",), (8,), 15),
    )
    assert group.timezone == "Europe/London"
    assert group.notify_errors == ("ops@example.com",)
    assert group.notify_summary == ("finance@example.com", "boss@example.com")


def test_members_run_imports_then_exports_then_oneview_whatever_the_order_written(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    written = [
        "oneview_backlog",
        "projects_export",
        "customers_export",
        "projects_import",
        "employees_import",
        "customers_import",
    ]
    group = load_group(write_group("mixed", workflows=written), workflows)
    assert group.workflows == (
        "customers_import",
        "employees_import",
        "projects_import",  # depends on customers_import and employees_import
        "customers_export",
        "projects_export",  # depends on customers_export
        "oneview_backlog",
    )


def test_dependencies_run_before_their_dependents(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    # expense_reports_export depends on projects_export and expense_items_import; project_tasks_import on
    # projects_import: written dependents first, they run last
    written = [
        "expense_reports_export",
        "project_tasks_import",
        "projects_export",
        "expense_items_import",
        "projects_import",
    ]
    order = list(load_group(write_group("deps", workflows=written), workflows).workflows)
    assert sorted(order) == sorted(written)
    assert order.index("projects_import") < order.index("project_tasks_import")
    assert order.index("expense_items_import") < order.index("expense_reports_export")
    assert order.index("projects_export") < order.index("expense_reports_export")
    stages = [_stage(workflows[w]) for w in order]
    assert stages == sorted(stages), order


def test_a_yml_file_is_a_group_file_too(groups_dir: Path, workflows: dict[str, Workflow]) -> None:
    (groups_dir / "other.yml").write_text(yaml.safe_dump({**MINIMAL_GROUP, "group": "other"}))
    groups, errors = load_groups(groups_dir, workflows)
    assert errors == {} and set(groups) == {"other"}


# --- bad files: file and key path -----------------------------------------------------------------


def test_an_unknown_member_is_refused_with_did_you_mean(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group("nightly", workflows=["customers_import", "time_entry_export"])
    error = _refused(path, workflows)
    assert error.key_path == "workflows[1]"
    assert "'time_entry_export' is not a loaded workflow" in error.message
    assert "did you mean 'time_entries_export'?" in error.message


def test_a_member_far_from_every_workflow_gets_no_suggestion(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    error = _refused(write_group("nightly", workflows=["zzz"]), workflows)
    assert error.key_path == "workflows[0]" and "did you mean" not in error.message


def test_a_disabled_member_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    with_disabled = dict(workflows)
    with_disabled["projects_import"] = dataclasses.replace(workflows["projects_import"], enabled=False)
    path = write_group("nightly", workflows=["customers_import", "projects_import"])
    error = _refused(path, with_disabled)
    assert error.key_path == "workflows[1]"
    assert "'projects_import' is disabled" in error.message


def test_a_group_id_other_than_the_file_name_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    error = _refused(write_group("nightly", group="night"), workflows)
    assert error.key_path == "group"
    assert "'night'" in error.message and "'nightly'" in error.message


def test_a_group_id_that_is_not_an_identifier_is_refused(
    groups_dir: Path, workflows: dict[str, Workflow]
) -> None:
    path = groups_dir / "Night-ly.yaml"
    path.write_text(yaml.safe_dump({**MINIMAL_GROUP, "group": "Night-ly"}))
    assert _refused(path, workflows).key_path == "group"


@pytest.mark.parametrize(
    ("changes", "key_path", "suggestion"),
    [
        ({"schedul": []}, "schedul", "schedule"),
        ({"notfy": {}}, "notfy", "notify"),
        ({"schedule": [{"days": "daily", "hours": [6], "minnute": 5}]}, "schedule[0].minnute", "minute"),
        ({"notify": {"sumary": ["a@example.com"]}}, "notify.sumary", "summary"),
    ],
)
def test_an_unknown_key_is_refused_with_did_you_mean(
    write_group: Callable[..., Path],
    workflows: dict[str, Workflow],
    changes: dict[str, Any],
    key_path: str,
    suggestion: str,
) -> None:
    error = _refused(write_group("nightly", **changes), workflows)
    assert error.key_path == key_path
    assert f"did you mean {suggestion!r}?" in error.message and "allowed keys" in error.message


@pytest.mark.parametrize(
    ("schedule", "key_path", "words"),
    [
        ([{"days": "weekday", "hours": [6]}], "schedule[0].days", ["weekdays", "mon"]),
        (
            [{"days": "daily", "hours": [6]}, {"days": ["mon", "mo"], "hours": [6]}],
            "schedule[1].days",
            ["mon"],
        ),
        ([{"days": 3, "hours": [6]}], "schedule[0].days", ["weekdays", "mon"]),
        ([{"days": [], "hours": [6]}], "schedule[0].days", []),
        ([{"days": ["mon", "mon"], "hours": [6]}], "schedule[0].days", []),
        ([{"days": "daily", "hours": [6, 24]}], "schedule[0].hours[1]", ["24"]),
        ([{"days": "daily", "hours": [-1]}], "schedule[0].hours[0]", ["-1"]),
        ([{"days": "daily", "hours": [6, 12, 6]}], "schedule[0].hours", ["non-unique"]),
        ([{"days": "daily", "hours": []}], "schedule[0].hours", []),
        ([{"days": "daily", "hours": [6], "minute": 60}], "schedule[0].minute", ["60"]),
        ([{"days": "daily", "hours": [6], "minute": "30"}], "schedule[0].minute", []),
        ([{"days": "daily"}], "schedule[0]", ["hours"]),
        ([{"hours": [6]}], "schedule[0]", ["days"]),
    ],
    ids=[
        "unknown-day-set",
        "unknown-day-in-list",
        "days-a-number",
        "no-days",
        "a-day-twice",
        "hour-24",
        "negative-hour",
        "duplicate-hours",
        "no-hours",
        "minute-60",
        "minute-a-string",
        "hours-missing",
        "days-missing",
    ],
)
def test_a_bad_schedule_row_is_refused_at_its_key(
    write_group: Callable[..., Path],
    workflows: dict[str, Workflow],
    schedule: list[dict[str, Any]],
    key_path: str,
    words: list[str],
) -> None:
    error = _refused(write_group("nightly", schedule=schedule), workflows)
    assert error.key_path == key_path, error
    for word in words:
        assert word in error.message, error


def test_a_bad_day_in_a_list_is_explained_as_a_day_not_as_a_day_set(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group("nightly", schedule=[{"days": ["mon", "funday"], "hours": [6]}])
    error = _refused(path, workflows)
    assert error.key_path.startswith("schedule[0].days"), error
    # the list form is allowed: the message must name the days a list may hold
    assert "sun" in error.message and "sat" in error.message, error


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "Europe/Londres", "../../etc/passwd", "UTC+2"])
def test_a_bad_time_zone_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow], timezone: str
) -> None:
    error = _refused(write_group("nightly", timezone=timezone), workflows)
    assert error.key_path == "timezone"
    assert repr(timezone) in error.message and "time zone" in error.message


@pytest.mark.parametrize(
    ("notify", "key_path"),
    [
        ({"summary": ["finance.example.com"]}, "notify.summary[0]"),
        ({"summary": ["a@example.com", "b@@example.com"]}, "notify.summary[1]"),
        ({"errors": ["ops@example.com, finance@example.com"]}, "notify.errors[0]"),
        ({"errors": ["ops @example.com"]}, "notify.errors[0]"),
    ],
)
def test_a_bad_e_mail_address_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow], notify: dict[str, Any], key_path: str
) -> None:
    error = _refused(write_group("nightly", notify=notify), workflows)
    assert error.key_path == key_path
    assert "is not an e-mail address" in error.message


@pytest.mark.parametrize(
    ("changes", "key_path"),
    [
        ({"workflows": []}, "workflows"),
        ({"workflows": "customers_import"}, "workflows"),
        ({"workflows": ["customers_import", "customers_import"]}, "workflows"),
        ({"title": ""}, "title"),
        ({"enabled": "yes"}, "enabled"),
    ],
    ids=["empty-workflows", "workflows-a-string", "member-twice", "empty-title", "enabled-a-string"],
)
def test_a_bad_top_level_value_is_refused_at_its_key(
    write_group: Callable[..., Path], workflows: dict[str, Workflow], changes: dict[str, Any], key_path: str
) -> None:
    assert _refused(write_group("nightly", **changes), workflows).key_path == key_path


@pytest.mark.parametrize("missing", ["title", "workflows"])
def test_a_missing_required_key_is_refused(
    groups_dir: Path, workflows: dict[str, Workflow], missing: str
) -> None:
    path = groups_dir / "nightly.yaml"
    data = {k: v for k, v in {**MINIMAL_GROUP, "group": "nightly"}.items() if k != missing}
    path.write_text(yaml.safe_dump(data))
    error = _refused_any(path, workflows)
    assert missing in error.message


def test_a_yaml_syntax_error_or_a_list_file_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    syntax = _refused_any(write_group("broken", "group: broken\nworkflows: [a\n"), workflows)
    assert "YAML syntax error" in syntax.message and syntax.key_path.startswith("line ")
    listed = _refused_any(write_group("listed", "- customers_import\n"), workflows)
    assert "mapping of keys" in listed.message


# --- load_groups ----------------------------------------------------------------------------------


def test_one_bad_group_file_does_not_hide_the_others(
    write_group: Callable[..., Path], groups_dir: Path, workflows: dict[str, Workflow]
) -> None:
    write_group("alpha")
    write_group("beta", workflows=["customers_imprt"])
    write_group("gamma", "group: gamma\ntitle: [\n")
    write_group("delta", workflows=["customers_export"], schedule=[{"days": "daily", "hours": [24]}])
    write_group("omega", workflows=["customers_export"])
    (groups_dir / "README.md").write_text("not a group file")
    (groups_dir / "notes.yaml.bak").write_text("group: [")

    groups, errors = load_groups(groups_dir, workflows)

    assert set(groups) == {"alpha", "omega"}
    assert sorted(Path(f).name for f in errors) == ["beta.yaml", "delta.yaml", "gamma.yaml"]
    by_name = {Path(f).name: e for f, e in errors.items()}
    assert by_name["beta.yaml"].key_path == "workflows[0]"
    assert "did you mean 'customers_import'?" in by_name["beta.yaml"].message
    assert by_name["delta.yaml"].key_path == "schedule[0].hours[0]"
    assert "YAML syntax error" in by_name["gamma.yaml"].message
    for file, error in errors.items():
        assert error.file == file


def test_a_missing_groups_directory_gives_no_groups(tmp_path: Path, workflows: dict[str, Workflow]) -> None:
    assert load_groups(tmp_path / "no-such-dir", workflows) == ({}, {})


def test_an_empty_groups_directory_gives_no_groups(groups_dir: Path, workflows: dict[str, Workflow]) -> None:
    assert load_groups(groups_dir, workflows) == ({}, {})


# --- schedules ------------------------------------------------------------------------------------


def _row(write_group: Callable[..., Path], workflows: dict[str, Workflow], **row: Any) -> ScheduleRow:
    (only,) = load_group(write_group("nightly", schedule=[row]), workflows).schedule
    return only


@pytest.mark.parametrize(
    ("days", "cron_days"),
    [
        ("weekdays", "1,2,3,4,5"),
        ("daily", "0,1,2,3,4,5,6"),
        (["mon"], "1"),
        (["sun", "sat"], "0,6"),
        (["fri", "mon", "wed"], "1,3,5"),
        (["sat", "thu", "sun", "tue"], "0,2,4,6"),
    ],
)
def test_a_row_is_a_cron_with_its_days_in_cron_order(
    write_group: Callable[..., Path], workflows: dict[str, Workflow], days: Any, cron_days: str
) -> None:
    row = _row(write_group, workflows, days=days, hours=[6])
    assert row.cron() == f"0 6 * * {cron_days}"


def test_weekends_are_saturday_and_sunday(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    row = _row(write_group, workflows, days="weekends", hours=[9])
    minute, hours, dom, month, dow = row.cron().split()
    assert (minute, hours, dom, month) == ("0", "9", "*", "*")
    assert sorted(dow.split(",")) == ["0", "6"]
    assert set(row.days) == {"sat", "sun"}


def test_a_row_lists_its_hours_in_order_at_its_minute(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    row = _row(write_group, workflows, days="weekdays", hours=[18, 6, 12], minute=30)
    assert row.cron() == "30 6,12,18 * * 1,2,3,4,5"
    assert row.describe() == "mon, tue, wed, thu, fri at 06:30, 12:30, 18:30"


def test_the_minute_defaults_to_zero(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    assert _row(write_group, workflows, days=["tue"], hours=[0, 23]).cron() == "0 0,23 * * 2"


def test_a_group_has_one_cron_per_row(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group(
        "nightly",
        schedule=[{"days": "weekdays", "hours": [8, 17]}, {"days": ["sat"], "hours": [9], "minute": 45}],
    )
    assert load_group(path, workflows).crons() == ["0 8,17 * * 1,2,3,4,5", "45 9 * * 6"]


def test_runs_per_day_counts_a_time_two_rows_share_once() -> None:
    group = WorkflowGroup(
        id="g",
        title="G",
        workflows=("customers_import",),
        schedule=(
            ScheduleRow(DAYS[1:6], (6, 12)),  # weekdays at 06:00, 12:00
            ScheduleRow(("mon",), (12, 18)),  # 12:00 again on Monday, and 18:00
            ScheduleRow(("mon",), (12,), 30),  # 12:30: another time
            ScheduleRow(("sat", "sun"), (9,)),
        ),
    )
    assert group.runs_per_day() == {"sun": 1, "mon": 4, "tue": 2, "wed": 2, "thu": 2, "fri": 2, "sat": 1}


def test_runs_per_day_reaches_24_for_every_hour(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    path = write_group(
        "hourly",
        schedule=[{"days": "daily", "hours": list(range(24))}, {"days": "weekdays", "hours": [0, 12]}],
    )
    group = load_group(path, workflows)
    assert group.runs_per_day() == dict.fromkeys(DAYS, 24)
    assert group.crons()[0] == f"0 {','.join(str(h) for h in range(24))} * * 0,1,2,3,4,5,6"


def test_an_unscheduled_group_runs_no_times() -> None:
    group = WorkflowGroup(id="g", title="G", workflows=("customers_import",))
    assert group.runs_per_day() == dict.fromkeys(DAYS, 0) and group.crons() == []


def test_scheduled_members_are_those_of_enabled_scheduled_groups_only() -> None:
    row = (ScheduleRow(("mon",), (6,)),)
    groups = {
        "on": WorkflowGroup("on", "On", ("customers_import", "customers_export"), row),
        "also": WorkflowGroup("also", "Also", ("customers_export", "projects_export"), row),
        "off": WorkflowGroup("off", "Off", ("employees_import",), row, enabled=False),
        "by_hand": WorkflowGroup("by_hand", "By hand", ("projects_import",)),
    }
    assert scheduled_members(groups) == {"customers_import", "customers_export", "projects_export"}
    assert scheduled_members({}) == set()


# --- the shipped groups ---------------------------------------------------------------------------


def test_groups_are_shipped() -> None:
    assert {p.stem for p in GROUP_FILES} >= {"master_data", "oneview_reports", "time_and_expenses"}


def test_the_shipped_group_files_load_without_errors(workflows: dict[str, Workflow]) -> None:
    groups, errors = load_groups(MAPPINGS / "groups", workflows)
    assert errors == {}
    assert set(groups) == {p.stem for p in GROUP_FILES}


@pytest.mark.parametrize("path", GROUP_FILES, ids=[p.stem for p in GROUP_FILES])
def test_a_shipped_group_runs_its_members_in_execution_order(
    path: Path, workflows: dict[str, Workflow]
) -> None:
    group = load_group(path, workflows)
    written = yaml.safe_load(path.read_text())["workflows"]
    assert sorted(group.workflows) == sorted(written)
    order = list(group.workflows)
    stages = [_effective_stage(workflows, w) for w in order]
    assert stages == sorted(stages), order
    for position, member in enumerate(order):
        for dependency in workflows[member].depends_on:
            if dependency in order:
                assert order.index(dependency) < position, f"{dependency} after {member}"


def test_the_shipped_schedules(workflows: dict[str, Workflow]) -> None:
    groups, _ = load_groups(MAPPINGS / "groups", workflows)
    assert groups["master_data"].schedule == ()
    assert groups["oneview_reports"].crons() == ["30 7 * * 0,1,2,3,4,5,6"]
    assert groups["time_and_expenses"].crons() == [
        "0 8,9,10,11,12,13,14,15,16,17,18 * * 1,2,3,4,5",
        "0 9 * * 6",
    ]
    assert groups["time_and_expenses"].runs_per_day() == {
        "sun": 0,
        "mon": 11,
        "tue": 11,
        "wed": 11,
        "thu": 11,
        "fri": 11,
        "sat": 1,
    }
    assert groups["billing"].crons() == ["0 19 * * 1,2,3,4,5"]
    assert groups["purchasing"].crons() == ["0 10,16 * * 1,2,3,4,5"]
    assert scheduled_members(groups) == (
        set(groups["oneview_reports"].workflows)
        | set(groups["time_and_expenses"].workflows)
        | set(groups["billing"].workflows)
        | set(groups["purchasing"].workflows)
    )


def test_more_than_24_runs_on_a_day_is_refused(
    write_group: Callable[..., Path], workflows: dict[str, Workflow]
) -> None:
    rows = [
        {"days": "daily", "hours": list(range(24))},
        {"days": ["tue"], "hours": [6], "minute": 30},  # a 25th run on Tuesdays
    ]
    with pytest.raises(MappingError) as caught:
        load_group(write_group("busy", schedule=rows), workflows)
    assert caught.value.key_path == "schedule"
    assert "25 runs on tue" in caught.value.message and "at most 24" in caught.value.message
    ok = load_group(write_group("full", schedule=rows[:1]), workflows)
    assert set(ok.runs_per_day().values()) == {24}
