"""The published reports of the local SPP OData service: their layouts and how their rows are computed.

A report is a list of typed columns (in report column order, the order ``$metadata`` shows) and rows
keyed by column name. The seeded reports are computed from the SPP store's own objects, so every
id column names a real SPP object; the synthetic report is generated (deterministically) for volume
tests. Values are kept in their JSON form: ``Edm.Decimal``/``Edm.Int32`` as numbers, ``Edm.Date`` as
``YYYY-MM-DD``, ``Edm.DateTimeOffset`` as ``YYYY-MM-DDTHH:MM:SSZ``, ``Edm.Boolean`` as true/false.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulators.store import RecordStore, StoredRecord

EDM_TYPES = (
    "Edm.String",
    "Edm.Decimal",
    "Edm.Int32",
    "Edm.Date",
    "Edm.DateTimeOffset",
    "Edm.Boolean",
)

SCOPE_BI = "Business Intelligence Connector"
SCOPE_NETSUITE = "NetSuite Connector"
SCOPE_SCRIPTING = "User Scripting"

# Flat loaded cost of an hour of work (the seed has no cost rates): an emulator assumption.
LABOUR_COST_PER_HOUR = 55.0
DEFAULT_HOURLY_RATE = 150.0
WEEKLY_CAPACITY_HOURS = 40.0

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    edm_type: str
    nullable: bool = True

    def __post_init__(self) -> None:
        if self.edm_type not in EDM_TYPES:
            raise ValueError(f"unknown Edm type {self.edm_type!r} for column {self.name!r}")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.edm_type, "nullable": self.nullable}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Column:
        return cls(str(raw["name"]), str(raw["type"]), bool(raw.get("nullable", True)))


@dataclass(frozen=True)
class ReportDefinition:
    """One seeded report: what SPP shows for it and how its rows come from the SPP data."""

    resource: str
    title: str
    columns: tuple[Column, ...]
    compute: Callable[[RecordStore], list[Row]]
    scopes: tuple[str, ...] = (SCOPE_BI, SCOPE_NETSUITE)
    refresh_schedule: str = "Daily at 02:00"
    visible_to: tuple[str, ...] = ()  # user names (case-insensitive); empty = the configured user
    extra: dict[str, Any] = field(default_factory=dict)


# -- values ------------------------------------------------------------------------------------


def edm_date(value: str | dt.date | None) -> str | None:
    """``YYYY-MM-DD`` from an SPP date field (``2026-03-02 00:00:00``) or a date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)[:10]


def edm_datetime(value: dt.datetime | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SSZ`` from a naive UTC timestamp (the store's clock)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return f"{value:%Y-%m-%dT%H:%M:%S}Z"


def _money(value: float) -> float:
    return round(value + 0.0, 2)


def _number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _by_id(store: RecordStore, rtype: str) -> dict[int, StoredRecord]:
    return {r.id: r for r in store.scan(rtype)}


def _week_start(day: str) -> dt.date:
    date = dt.date.fromisoformat(day[:10])
    return date - dt.timedelta(days=date.weekday())


def _later(a: dt.datetime | None, b: dt.datetime) -> dt.datetime:
    return b if a is None or b > a else a


# -- Project profitability by month --------------------------------------------------------------

PROFITABILITY_COLUMNS = (
    Column("Row_ID", "Edm.String", nullable=False),
    Column("Project_ID", "Edm.Int32", nullable=False),
    Column("Project", "Edm.String"),
    Column("Customer_ID", "Edm.Int32"),
    Column("Customer", "Edm.String"),
    Column("Month", "Edm.Date", nullable=False),
    Column("Hours", "Edm.Decimal"),
    Column("Revenue", "Edm.Decimal"),
    Column("Labour_cost", "Edm.Decimal"),
    Column("Expenses", "Edm.Decimal"),
    Column("Margin", "Edm.Decimal"),
    Column("Entries", "Edm.Int32"),
    Column("Project_active", "Edm.Boolean"),
    Column("Last_entry_updated", "Edm.DateTimeOffset"),
)


def project_profitability(store: RecordStore) -> list[Row]:
    """Per project and calendar month: hours (Task entries), revenue at the service's rate, labour cost,
    expenses (Ticket totals with that project) and margin."""
    projects, customers = _by_id(store, "Project"), _by_id(store, "Customer")
    rates = {
        cid: _number(c.data.get("rate"), DEFAULT_HOURLY_RATE) for cid, c in _by_id(store, "Category").items()
    }
    acc: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {"hours": 0.0, "revenue": 0.0, "expenses": 0.0, "entries": 0, "updated": None}
    )
    for entry in store.scan("Task"):
        pid, day = _int(entry.data.get("projectid")), edm_date(entry.data.get("date"))
        if pid not in projects or not day:
            continue
        bucket = acc[(pid, day[:7])]
        hours = _number(entry.data.get("decimal_hours"))
        bucket["hours"] += hours
        bucket["revenue"] += hours * rates.get(_int(entry.data.get("categoryid")) or 0, DEFAULT_HOURLY_RATE)
        bucket["entries"] += 1
        bucket["updated"] = _later(bucket["updated"], entry.updated_at)
    for ticket in store.scan("Ticket"):
        pid, day = _int(ticket.data.get("projectid")), edm_date(ticket.data.get("date"))
        if pid in projects and day:
            acc[(pid, day[:7])]["expenses"] += _number(ticket.data.get("total"))
    rows: list[Row] = []
    for (pid, month), b in sorted(acc.items()):
        project = projects[pid]
        cid = _int(project.data.get("customerid"))
        customer = customers.get(cid or 0)
        labour = b["hours"] * LABOUR_COST_PER_HOUR
        rows.append(
            {
                "Row_ID": f"P{pid}-{month}",
                "Project_ID": pid,
                "Project": project.data.get("name"),
                "Customer_ID": cid if customer else None,
                "Customer": customer.data.get("company") if customer else None,
                "Month": f"{month}-01",
                "Hours": _money(b["hours"]),
                "Revenue": _money(b["revenue"]),
                "Labour_cost": _money(labour),
                "Expenses": _money(b["expenses"]),
                "Margin": _money(b["revenue"] - labour - b["expenses"]),
                "Entries": b["entries"],
                "Project_active": project.data.get("active") == "1",
                "Last_entry_updated": edm_datetime(b["updated"]),
            }
        )
    return rows


# -- Utilisation by employee and week ------------------------------------------------------------

UTILISATION_COLUMNS = (
    Column("Row_ID", "Edm.String", nullable=False),
    Column("User_ID", "Edm.Int32", nullable=False),
    Column("Employee", "Edm.String"),
    Column("Week_start", "Edm.Date", nullable=False),
    Column("Hours", "Edm.Decimal"),
    Column("Billable_hours", "Edm.Decimal"),
    Column("Capacity_hours", "Edm.Decimal"),
    Column("Utilisation_pct", "Edm.Decimal"),
    Column("Entries", "Edm.Int32"),
    Column("Approved", "Edm.Boolean"),
    Column("Last_entry_updated", "Edm.DateTimeOffset"),
)


def utilisation(store: RecordStore) -> list[Row]:
    """Per user and ISO week (Monday): hours, billable hours (entries on a project), utilisation of a
    40-hour week, and whether every entry's timesheet is approved."""
    users = _by_id(store, "User")
    sheets = {sid: s.data.get("status") for sid, s in _by_id(store, "Timesheet").items()}
    acc: dict[tuple[int, dt.date], dict[str, Any]] = defaultdict(
        lambda: {"hours": 0.0, "billable": 0.0, "entries": 0, "approved": True, "updated": None}
    )
    for entry in store.scan("Task"):
        uid, day = _int(entry.data.get("userid")), entry.data.get("date")
        if uid not in users or not day:
            continue
        b = acc[(uid, _week_start(str(day)))]
        hours = _number(entry.data.get("decimal_hours"))
        b["hours"] += hours
        if _int(entry.data.get("projectid")):
            b["billable"] += hours
        b["entries"] += 1
        b["approved"] = b["approved"] and sheets.get(_int(entry.data.get("timesheetid")) or 0) == "A"
        b["updated"] = _later(b["updated"], entry.updated_at)
    rows: list[Row] = []
    for (uid, week), b in sorted(acc.items()):
        rows.append(
            {
                "Row_ID": f"U{uid}-{week:%Y-%m-%d}",
                "User_ID": uid,
                "Employee": users[uid].data.get("name"),
                "Week_start": f"{week:%Y-%m-%d}",
                "Hours": _money(b["hours"]),
                "Billable_hours": _money(b["billable"]),
                "Capacity_hours": WEEKLY_CAPACITY_HOURS,
                "Utilisation_pct": _money(100.0 * b["billable"] / WEEKLY_CAPACITY_HOURS),
                "Entries": b["entries"],
                "Approved": bool(b["approved"]),
                "Last_entry_updated": edm_datetime(b["updated"]),
            }
        )
    return rows


# -- Backlog by project --------------------------------------------------------------------------

BACKLOG_COLUMNS = (
    Column("Row_ID", "Edm.String", nullable=False),
    Column("Project_ID", "Edm.Int32", nullable=False),
    Column("Project", "Edm.String"),
    Column("Customer_ID", "Edm.Int32"),
    Column("Customer", "Edm.String"),
    Column("Start_date", "Edm.Date"),
    Column("Tasks", "Edm.Int32"),
    Column("Planned_hours", "Edm.Decimal"),
    Column("Actual_hours", "Edm.Decimal"),
    Column("Remaining_hours", "Edm.Decimal"),
    Column("Backlog_value", "Edm.Decimal"),
    Column("Active", "Edm.Boolean"),
    Column("Last_activity", "Edm.DateTimeOffset"),
)


def backlog(store: RecordStore) -> list[Row]:
    """Per project: planned hours (its Projecttasks), actual hours (Task entries), what remains and its
    value at the project's average billed rate."""
    projects, customers = _by_id(store, "Project"), _by_id(store, "Customer")
    rates = {
        cid: _number(c.data.get("rate"), DEFAULT_HOURLY_RATE) for cid, c in _by_id(store, "Category").items()
    }
    planned: dict[int, float] = defaultdict(float)
    tasks: dict[int, int] = defaultdict(int)
    for task in store.scan("Projecttask"):
        pid = _int(task.data.get("projectid"))
        if pid is not None:
            planned[pid] += _number(task.data.get("planned_hours"))
            tasks[pid] += 1
    actual: dict[int, float] = defaultdict(float)
    billed: dict[int, float] = defaultdict(float)
    last: dict[int, dt.datetime] = {}
    for entry in store.scan("Task"):
        pid = _int(entry.data.get("projectid"))
        if pid is None:
            continue
        hours = _number(entry.data.get("decimal_hours"))
        actual[pid] += hours
        billed[pid] += hours * rates.get(_int(entry.data.get("categoryid")) or 0, DEFAULT_HOURLY_RATE)
        last[pid] = _later(last.get(pid), entry.updated_at)
    rows: list[Row] = []
    for pid in sorted(projects):
        project = projects[pid]
        cid = _int(project.data.get("customerid"))
        customer = customers.get(cid or 0)
        remaining = max(planned[pid] - actual[pid], 0.0)
        rate = billed[pid] / actual[pid] if actual[pid] else DEFAULT_HOURLY_RATE
        rows.append(
            {
                "Row_ID": f"P{pid}",
                "Project_ID": pid,
                "Project": project.data.get("name"),
                "Customer_ID": cid if customer else None,
                "Customer": customer.data.get("company") if customer else None,
                "Start_date": edm_date(project.data.get("start_date")),
                "Tasks": tasks[pid],
                "Planned_hours": _money(planned[pid]),
                "Actual_hours": _money(actual[pid]),
                "Remaining_hours": _money(remaining),
                "Backlog_value": _money(remaining * rate),
                "Active": project.data.get("active") == "1",
                "Last_activity": edm_datetime(last.get(pid)),
            }
        )
    return rows


# -- a report the integration user may not see ---------------------------------------------------

PAYROLL_COLUMNS = (
    Column("Row_ID", "Edm.String", nullable=False),
    Column("User_ID", "Edm.Int32", nullable=False),
    Column("Employee", "Edm.String"),
    Column("Hours", "Edm.Decimal"),
)


def payroll_hours(store: RecordStore) -> list[Row]:
    users = _by_id(store, "User")
    hours: dict[int, float] = defaultdict(float)
    for entry in store.scan("Task"):
        uid = _int(entry.data.get("userid"))
        if uid in users:
            hours[uid] += _number(entry.data.get("decimal_hours"))
    return [
        {"Row_ID": f"U{uid}", "User_ID": uid, "Employee": users[uid].data.get("name"), "Hours": _money(h)}
        for uid, h in sorted(hours.items())
    ]


SEEDED_REPORTS: tuple[ReportDefinition, ...] = (
    ReportDefinition(
        "report101", "Project profitability by month", PROFITABILITY_COLUMNS, project_profitability
    ),
    ReportDefinition(
        "report102",
        "Utilisation by employee and week",
        UTILISATION_COLUMNS,
        utilisation,
        refresh_schedule="Weekly on Monday at 03:00",
    ),
    ReportDefinition("report103", "Backlog by project", BACKLOG_COLUMNS, backlog, refresh_schedule="Hourly"),
    # published for another user only: the integration user neither lists nor reads it
    ReportDefinition(
        "report104",
        "Payroll hours by employee",
        PAYROLL_COLUMNS,
        payroll_hours,
        scopes=(SCOPE_BI,),
        visible_to=("payroll_admin",),
    ),
)


def seeded_report(resource: str) -> ReportDefinition | None:
    return next((d for d in SEEDED_REPORTS if d.resource == resource), None)


# -- synthetic report ----------------------------------------------------------------------------

SYNTHETIC_RESOURCE = "report900"
SYNTHETIC_TITLE = "Synthetic report"
SYNTHETIC_COLUMNS = (
    Column("Row_ID", "Edm.String", nullable=False),
    Column("Seq", "Edm.Int32", nullable=False),
    Column("Name", "Edm.String"),
    Column("Amount", "Edm.Decimal"),
    Column("Day", "Edm.Date"),
    Column("Updated", "Edm.DateTimeOffset"),
    Column("Flag", "Edm.Boolean"),
)
_SYNTHETIC_EPOCH = dt.datetime(2026, 1, 1)


def synthetic_row(seq: int, rng: random.Random, generation: int = 0) -> Row:
    day = _SYNTHETIC_EPOCH.date() + dt.timedelta(days=seq % 365)
    return {
        "Row_ID": f"S{seq}",
        "Seq": seq,
        "Name": f"Row {seq}",
        "Amount": round(rng.uniform(0, 10_000), 2),
        "Day": f"{day:%Y-%m-%d}",
        "Updated": edm_datetime(_SYNTHETIC_EPOCH + dt.timedelta(days=generation, seconds=seq)),
        "Flag": seq % 2 == 0,
    }


def synthetic_rows(count: int, seed: int = 0) -> list[Row]:
    """``count`` rows ``S1``…``SN``, the same for the same ``seed``."""
    rng = random.Random(seed)
    return [synthetic_row(seq, rng) for seq in range(1, count + 1)]


def synthetic_refresh(
    rows: Iterable[Row], *, change_pct: float, remove_pct: float, add_pct: float, generation: int
) -> list[Row]:
    """The next snapshot of a synthetic report: ``remove_pct`` % of the rows gone, ``change_pct`` % of the
    rest with a new ``Amount`` and ``Updated``, ``add_pct`` % (of the old count) new rows at the end."""
    rng = random.Random(generation)
    old = list(rows)
    kept = [r for r in old if rng.random() * 100 >= remove_pct]
    out: list[Row] = []
    for row in kept:
        if rng.random() * 100 < change_pct:
            row = dict(row)
            row["Amount"] = round(rng.uniform(0, 10_000), 2)
            row["Updated"] = edm_datetime(
                _SYNTHETIC_EPOCH + dt.timedelta(days=generation, seconds=row["Seq"])
            )
        out.append(row)
    top = max((int(r["Seq"]) for r in old), default=0)
    out.extend(synthetic_row(top + i, rng, generation) for i in range(1, int(len(old) * add_pct / 100) + 1))
    return out
