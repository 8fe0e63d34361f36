"""Benchmark data: exactly N records to move, loaded straight into the services' stores.

The seed scales are sized for demos, not for N = 1k / 10k / 100k, so the benchmark writes its own
data into the local services' SQLite files (while they are stopped) and the matching
cross-references into the integration's state store:

* ``time_entries`` — N approved, not yet exported SPP time entries (object ``Task``) in approved
  timesheets, whose users, projects, project tasks and service items exist in NetSuite and are
  linked in the state store (what the master-data workflows would have left behind). Exporting
  them is the ``time_entries_export`` workflow's whole job: N timeBill upserts.
* ``customers`` — N active NetSuite customers flagged "Export to SuiteProjects Pro", nothing in
  SPP: the ``customers_import`` workflow creates N SPP customers.
* ``report_rows`` — SPP's synthetic published report (``report900``) with N rows, nothing in NetSuite:
  the benchmark's ``oneview_synthetic`` workflow (``bench/mappings``) writes N custom records.

Every loader wipes both stores and the state store, then declares the local account's custom record
types again (``emulators.seeding.custom_record_types``, as the seed does): wiping the NetSuite store
removes them, and without any declaration the service would accept any custom record unchecked.

Documents follow the shapes of :mod:`emulators.seeding` (NetSuite documents stored through
``to_stored``) and the fields the two mappings read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import delete, func, select

from emulators.netsuite.schema import RECORD_TYPES
from emulators.netsuite.storage import to_stored
from emulators.seeding.crossref import EXPORT_FLAG
from emulators.seeding.custom_record_types import seed_custom_record_types
from emulators.store import RecordStore, records

CHUNK = 5000  # rows per insert transaction
ENTRIES_PER_TIMESHEET = 40  # a user's week: 5 days × 8 entries
SUBSIDIARY = {"internalId": "1"}
WEEK0 = dt.date(2026, 3, 2)  # a Monday
# Rows are stamped a minute in the past: a run's window ends at the source's clock reading (second
# precision), so rows written in the same second as a run starts would fall outside it.
BACKDATE = dt.timedelta(minutes=1)


def _stamp() -> dt.datetime:
    """The store timestamp of generated rows (naive UTC, as the store keeps them)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - BACKDATE


@dataclass(frozen=True)
class MasterData:
    """How many linked master records the time entries spread over."""

    users: int = 20
    projects: int = 10
    tasks_per_project: int = 2
    services: int = 3


def _chunks(items: Iterator[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _ns_insert(
    store: RecordStore, rtype: str, docs: list[dict[str, Any]], external_ids: list[str | None] | None = None
) -> list[int]:
    """Insert NetSuite documents (contract form) the way the service stores them; returns their
    internalIds."""
    info = RECORD_TYPES[rtype]
    now = _stamp().replace(tzinfo=dt.UTC)
    rows = []
    for i, doc in enumerate(docs):
        if info.created_field:
            doc = {**doc, info.created_field: now}
        rows.append((to_stored(doc, info.modified_field), external_ids[i] if external_ids else None))
    ids: list[int] = []
    for chunk in _chunks(iter(rows)):
        ids.extend(r.id for r in store.insert_many(rtype, chunk, at=_stamp()))
    return ids


def _spp_insert(store: RecordStore, otype: str, docs: Iterator[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(docs):
        ids.extend(
            r.id for r in store.insert_many(otype, [(d, d.get("externalid")) for d in chunk], at=_stamp())
        )
    return ids


def clear_state(state_url: str) -> None:
    """Empty every table of the integration's state store (schema created first if missing)."""
    from include.state import StateStore
    from include.state import models as m

    store = StateStore(state_url)
    try:
        with store.engine.begin() as conn:
            for table in reversed(m.metadata.sorted_tables):
                conn.execute(delete(table))
    finally:
        store.close()


def wipe(ns: RecordStore, spp: RecordStore, state_url: str) -> None:
    """Empty both stores (and SPP's published reports) and the state store, then declare the account's
    custom record types again."""
    from emulators.spp.odata import ReportStore

    ns.clear()
    spp.clear()
    ReportStore(spp).clear()
    clear_state(state_url)
    seed_custom_record_types(ns)


def load_time_entries(
    ns: RecordStore, spp: RecordStore, state_url: str, n: int, master: MasterData = MasterData()
) -> dict[str, int]:
    """Wipe both stores and the state store, then load ``n`` approved, unexported time entries
    with their linked master data. Returns counts per record type."""
    from include.state import CrossReference, StateStore

    wipe(ns, spp, state_url)

    # NetSuite master data (what the time bills will reference)
    cust = _ns_insert(
        ns,
        "customer",
        [
            {
                "entityId": "BENCH-C1",
                "companyName": "Bench Customer",
                "isInactive": False,
                "subsidiary": dict(SUBSIDIARY),
                "customFieldList": {EXPORT_FLAG: False},
            }
        ],
    )
    emp_ns = _ns_insert(
        ns,
        "employee",
        [
            {
                "entityId": f"BENCH-E{i}",
                "firstName": f"User{i}",
                "lastName": "Bench",
                "email": f"user{i}@bench.example",
                "isInactive": False,
                "subsidiary": dict(SUBSIDIARY),
                "customFieldList": {EXPORT_FLAG: False},
            }
            for i in range(master.users)
        ],
    )
    job_ns = _ns_insert(
        ns,
        "job",
        [
            {
                "entityId": f"BENCH-P{i}",
                "companyName": f"Bench Project {i}",
                "parent": {"internalId": str(cust[0])},
                "isInactive": False,
                "subsidiary": dict(SUBSIDIARY),
                "customFieldList": {EXPORT_FLAG: False},
            }
            for i in range(master.projects)
        ],
    )
    task_ns = _ns_insert(ns, "projectTask", [
        {"title": f"Phase {t}", "company": {"internalId": str(job_ns[p])}}
        for p in range(master.projects) for t in range(master.tasks_per_project)
    ])  # fmt: skip
    svc_ns = _ns_insert(ns, "serviceSaleItem", [
        {"itemId": f"BENCH-S{i}", "displayName": f"Consulting {i}", "rate": 150.0, "isInactive": False}
        for i in range(master.services)
    ])  # fmt: skip

    # SPP master data, imported earlier (NetSuite internalId in externalid and the NetSuite ID field)
    users = _spp_insert(spp, "User", iter(
        {"nickname": f"BENCH-E{i}", "name": f"Bench, User{i}", "active": "1", "externalid": str(emp_ns[i]),
         "netsuite_user_id__c": str(emp_ns[i])} for i in range(master.users)
    ))  # fmt: skip
    projects = _spp_insert(
        spp,
        "Project",
        iter(
            {
                "name": f"Bench Project {i}",
                "active": "1",
                "externalid": str(job_ns[i]),
                "netsuite_project_id__c": str(job_ns[i]),
            }
            for i in range(master.projects)
        ),
    )
    ptasks = _spp_insert(
        spp,
        "Projecttask",
        iter(
            {
                "name": f"Phase {t}",
                "projectid": str(projects[p]),
                "externalid": str(task_ns[p * master.tasks_per_project + t]),
                "netsuite_projecttask_id__c": str(task_ns[p * master.tasks_per_project + t]),
            }
            for p in range(master.projects)
            for t in range(master.tasks_per_project)
        ),
    )
    services = _spp_insert(spp, "Category", iter(
        {"name": f"Consulting {i}", "code": f"BENCH-S{i}", "active": "1", "externalid": str(svc_ns[i]),
         "netsuite_service_id__c": str(svc_ns[i])}
        for i in range(master.services)
    ))  # fmt: skip

    # approved timesheets and their entries (no NetSuite ID yet: nothing exported)
    sheets = math.ceil(n / ENTRIES_PER_TIMESHEET)
    sheet_user = [users[s % master.users] for s in range(sheets)]
    sheet_week = [WEEK0 + dt.timedelta(weeks=s // master.users) for s in range(sheets)]
    sheet_ids = _spp_insert(spp, "Timesheet", iter(
        {"userid": str(sheet_user[s]), "starts": f"{sheet_week[s]:%Y-%m-%d} 00:00:00",
         "ends": f"{sheet_week[s] + dt.timedelta(days=6):%Y-%m-%d} 00:00:00", "status": "A"}
        for s in range(sheets)
    ))  # fmt: skip

    def entries() -> Iterator[dict[str, Any]]:
        for i in range(n):
            s = i // ENTRIES_PER_TIMESHEET
            p = i % master.projects
            day = sheet_week[s] + dt.timedelta(days=(i % ENTRIES_PER_TIMESHEET) // 8)
            yield {
                "date": f"{day:%Y-%m-%d} 00:00:00",
                "decimal_hours": "1.00" if i % 3 else "0.50",
                "timesheetid": str(sheet_ids[s]),
                "userid": str(sheet_user[s]),
                "projectid": str(projects[p]),
                "projecttaskid": str(ptasks[p * master.tasks_per_project + i % master.tasks_per_project]),
                "categoryid": str(services[i % master.services]),
                "notes": f"bench entry {i}",
            }

    entry_ids = _spp_insert(spp, "Task", entries())

    # the cross-references the master-data workflows would have written
    refs = [
        *(CrossReference("employee", str(emp_ns[i]), str(users[i])) for i in range(master.users)),
        *(CrossReference("project", str(job_ns[i]), str(projects[i])) for i in range(master.projects)),
        *(CrossReference("project_task", str(task_ns[i]), str(ptasks[i])) for i in range(len(ptasks))),
        *(CrossReference("service", str(svc_ns[i]), str(services[i])) for i in range(master.services)),
    ]
    state = StateStore(state_url)
    try:
        state.xref_upsert(refs)
    finally:
        state.close()
    return {"Task": len(entry_ids), "Timesheet": len(sheet_ids), "employee": len(emp_ns), "job": len(job_ns),
            "projectTask": len(task_ns), "serviceSaleItem": len(svc_ns), "xref": len(refs)}  # fmt: skip


def load_customers(ns: RecordStore, spp: RecordStore, state_url: str, n: int) -> dict[str, int]:
    """Wipe both stores and the state store, then load ``n`` active NetSuite customers flagged for
    export to SPP (SPP stays empty). Returns counts per record type."""
    wipe(ns, spp, state_url)
    docs = (
        {
            "entityId": f"BENCH-C{i:06d}",
            "companyName": f"Bench Customer {i:06d}",
            "email": f"ap{i}@customer.example",
            "isInactive": False,
            "subsidiary": dict(SUBSIDIARY),
            "customFieldList": {EXPORT_FLAG: True},
        }
        for i in range(n)
    )
    loaded = 0
    for chunk in _chunks(docs):
        loaded += len(_ns_insert(ns, "customer", chunk))
    return {"customer": loaded}


def load_report_rows(ns: RecordStore, spp: RecordStore, state_url: str, n: int) -> dict[str, int]:
    """Wipe both stores and the state store, then publish SPP's synthetic report (``report900``:
    rows ``S1``…``SN``, the same for every run) with ``n`` rows; NetSuite holds only the custom record
    type declarations. What ``POST /_emulator/odata/synthetic?rows=N`` does, while the service is stopped."""
    from emulators.spp.odata import ReportStore

    wipe(ns, spp, state_url)
    report = ReportStore(spp).load_synthetic(n)
    return {report.resource: report.row_count}


def custom_record_count(store: RecordStore, type_id: str, *, active_only: bool = False) -> int:
    """Live custom records of the type with internalId ``type_id`` (``recType``) in a NetSuite store;
    ``active_only`` leaves out the inactive ones."""
    data = records.c.data
    stmt = (
        select(func.count())
        .select_from(records)
        .where(
            records.c.rtype == "customRecord",
            records.c.deleted_at.is_(None),
            data["recType"]["internalId"].as_string() == str(type_id),
        )
    )
    if active_only:
        stmt = stmt.where(func.coalesce(data["isInactive"].as_boolean(), False).is_(False))
    with store.engine.connect() as conn:
        return int(conn.execute(stmt).scalar() or 0)
