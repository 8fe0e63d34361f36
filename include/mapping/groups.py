"""Workflow groups (``mappings/groups/*.yaml``): workflows run together on the connector's schedules.

Oracle's connector schedules **workflow groups**: a set of workflows run in order at chosen days
and hours (rows of "day of week + hour", up to 24 runs a day). A group file says the same:

.. code-block:: yaml

    group: master_data                 # = the file name; the DAG is group_master_data
    title: Master data
    workflows: [employees_import, customers_import, projects_import]
    schedule:
      - {days: weekdays, hours: [6, 12, 18]}
      - {days: [sat], hours: [8]}
    timezone: Europe/London            # default UTC
    notify: {errors: [ops@example.com], summary: [finance@example.com]}

Members run in the group in execution order (dependencies first, imports before exports before
OneView reports); a workflow in a scheduled group no longer runs on its own cron unless its mapping
says ``own_schedule: true``. Loading checks the members against the loaded workflows and reports
every problem as ``<file>: <key path>: <message>``, like the mapping loader; one bad group file
never hides the others. No Airflow here: the DAG factory turns a group into a DAG.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from include.mapping.loader import (
    MAPPING_SUFFIXES,
    MappingError,
    _did_you_mean,
    _display,
    _error_rank,
    _key_path,
    execution_order,
    read_mapping_file,
)
from include.mapping.model import Workflow

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron's day numbers 0..6
DAY_SETS = {
    "daily": DAYS,
    "weekdays": ("mon", "tue", "wed", "thu", "fri"),
    "weekends": ("sun", "sat"),
}
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+$")


@dataclass(frozen=True)
class ScheduleRow:
    """Runs at ``minute`` past each of ``hours`` on each of ``days`` (the group's time zone)."""

    days: tuple[str, ...]
    hours: tuple[int, ...]
    minute: int = 0

    def cron(self) -> str:
        """The row as a cron expression, e.g. ``0 6,12,18 * * 1,2,3,4,5``."""
        day_numbers = ",".join(str(DAYS.index(d)) for d in self.days)
        return f"{self.minute} {','.join(str(h) for h in self.hours)} * * {day_numbers}"

    def describe(self) -> str:
        hours = ", ".join(f"{h:02d}:{self.minute:02d}" for h in self.hours)
        return f"{', '.join(self.days)} at {hours}"


@dataclass(frozen=True)
class WorkflowGroup:
    """One group file, resolved: members in the order they run, schedule rows, recipients."""

    id: str
    title: str
    workflows: tuple[str, ...]
    schedule: tuple[ScheduleRow, ...] = ()
    timezone: str = "UTC"
    notify_errors: tuple[str, ...] = ()
    notify_summary: tuple[str, ...] = ()
    enabled: bool = True
    description: str = ""
    path: Path | None = None

    @property
    def dag_id(self) -> str:
        return f"group_{self.id}"

    def crons(self) -> list[str]:
        """One cron expression per schedule row."""
        return [row.cron() for row in self.schedule]

    def runs_per_day(self) -> dict[str, int]:
        """How many runs the schedule starts on each day of the week."""
        times: dict[str, set[tuple[int, int]]] = {d: set() for d in DAYS}
        for row in self.schedule:
            for day in row.days:
                times[day].update((h, row.minute) for h in row.hours)
        return {d: len(t) for d, t in times.items()}


GROUP_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.invalid/netsuite-spp/workflow-group.json",
    "title": "A workflow group: workflows run together on day-and-hour schedules",
    "type": "object",
    "additionalProperties": False,
    "required": ["group", "title", "workflows"],
    "properties": {
        "group": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*$", "description": "id = file name"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "enabled": {"type": "boolean"},
        "workflows": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
        "schedule": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["days", "hours"],
                "properties": {
                    "days": {
                        "oneOf": [
                            {"enum": list(DAY_SETS)},
                            {
                                "type": "array",
                                "items": {"enum": list(DAYS)},
                                "minItems": 1,
                                "uniqueItems": True,
                            },
                        ]
                    },
                    "hours": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 0, "maximum": 23},
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                    "minute": {"type": "integer", "minimum": 0, "maximum": 59},
                },
            },
        },
        "timezone": {"type": "string", "minLength": 1},
        "notify": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "errors": {"type": "array", "items": {"type": "string"}},
                "summary": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

_validator: Any = None


def _schema_problem(file: str, data: Any) -> MappingError | None:
    global _validator
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    if _validator is None:
        _validator = Draft202012Validator(GROUP_SCHEMA)
    error = best_match(_validator.iter_errors(data), key=_error_rank)
    if error is None:
        return None
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = list((error.schema or {}).get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in allowed)[0]
        return MappingError(
            file,
            _key_path([*path, unknown]),
            f"unknown key {unknown!r}{_did_you_mean(unknown, allowed)}; allowed keys: {', '.join(allowed)}",
        )
    if path and path[-1] == "days":
        return MappingError(
            file, _key_path(path), f"days: one of {', '.join(DAY_SETS)} or a list of {', '.join(DAYS)}"
        )
    return MappingError(file, _key_path(path), error.message)


def load_group(path: str | Path, workflows: Mapping[str, Workflow]) -> WorkflowGroup:
    """Load and check one group file against the loaded ``workflows``; :class:`MappingError` otherwise."""
    path = Path(path)
    file = _display(path)
    data = read_mapping_file(path)
    problem = _schema_problem(file, data)
    if problem is not None:
        raise problem
    if data["group"] != path.stem:
        raise MappingError(file, "group", f"{data['group']!r} must equal the file name {path.stem!r}")
    for index, member in enumerate(data["workflows"]):
        if member not in workflows:
            raise MappingError(
                file,
                f"workflows[{index}]",
                f"{member!r} is not a loaded workflow{_did_you_mean(member, workflows)}"
                " (its mapping file is missing or has errors)",
            )
        if not workflows[member].enabled:
            raise MappingError(file, f"workflows[{index}]", f"{member!r} is disabled (enabled: false)")
    timezone = data.get("timezone", "UTC")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except (ValueError, KeyError, OSError):
        raise MappingError(
            file, "timezone", f"{timezone!r} is not a time zone name (e.g. Europe/London)"
        ) from None
    rows = []
    for raw in data.get("schedule", []):
        days = raw["days"]
        chosen = DAY_SETS[days] if isinstance(days, str) else tuple(d for d in DAYS if d in days)
        rows.append(ScheduleRow(chosen, tuple(sorted(raw["hours"])), raw.get("minute", 0)))
    notify = data.get("notify", {})
    for key in ("errors", "summary"):
        for index, address in enumerate(notify.get(key, [])):
            if not _EMAIL.match(address):
                raise MappingError(file, f"notify.{key}[{index}]", f"{address!r} is not an e-mail address")
    members = {m: workflows[m] for m in data["workflows"]}
    group = WorkflowGroup(
        id=data["group"],
        title=data["title"],
        workflows=tuple(execution_order(members)),
        schedule=tuple(rows),
        timezone=timezone,
        notify_errors=tuple(notify.get("errors", [])),
        notify_summary=tuple(notify.get("summary", [])),
        enabled=data.get("enabled", True),
        description=data.get("description", ""),
        path=path,
    )
    day, runs = max(group.runs_per_day().items(), key=lambda item: item[1])
    if runs > 24:
        raise MappingError(file, "schedule", f"{runs} runs on {day}: a group runs at most 24 times a day")
    return group


def load_groups(
    directory: str | Path, workflows: Mapping[str, Workflow]
) -> tuple[dict[str, WorkflowGroup], dict[str, MappingError]]:
    """Every group file of ``directory`` (none when it does not exist): the good groups by id, and
    the error of each bad file."""
    directory = Path(directory)
    groups: dict[str, WorkflowGroup] = {}
    errors: dict[str, MappingError] = {}
    if not directory.is_dir():
        return groups, errors
    for path in sorted(p for p in directory.iterdir() if p.suffix in MAPPING_SUFFIXES and p.is_file()):
        try:
            group = load_group(path, workflows)
        except MappingError as exc:
            errors[_display(path)] = exc
            continue
        except Exception as exc:  # noqa: BLE001 - a loader bug must not hide the other groups
            errors[_display(path)] = MappingError(_display(path), "", f"could not be loaded: {exc}")
            continue
        groups[group.id] = group
    return groups, errors


def scheduled_members(groups: Mapping[str, WorkflowGroup]) -> set[str]:
    """Workflows that a scheduled, enabled group runs (their own cron is off unless ``own_schedule``)."""
    return {w for g in groups.values() if g.enabled and g.schedule for w in g.workflows}
