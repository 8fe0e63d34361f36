"""The record-at-a-time baseline: what a single-record connector does with N time entries.

``python -m bench.baseline --records N --threads 10`` sends one ``upsertList`` of one timeBill per
record, ``--threads`` requests in flight (one NetSuite client per thread), against the local
NetSuite service named by ``NETSUITE_ENDPOINT`` and the ``NETSUITE_*`` credentials. The timeBills
reference the master data :func:`bench.data.load_time_entries` put into the NetSuite store
(``--netsuite-db``). Prints one JSON line: ``{"wall_s", "ok", "failed", "records", "threads"}``;
``wall_s`` counts the requests only (WSDL loading happens before the clock starts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulators.store import RecordStore


def time_bills(netsuite_db: str, records: int) -> list[dict[str, Any]]:
    """``records`` timeBill documents referencing the store's employees, projects and tasks."""
    store = RecordStore(netsuite_db)
    try:
        employees = [r.id for r in store.scan("employee")]
        tasks = [(r.id, int(r.data["company"]["internalId"])) for r in store.scan("projectTask")]
    finally:
        store.engine.dispose()
    if not employees or not tasks:
        raise SystemExit(f"no employees/project tasks in {netsuite_db}: load the bench data first")
    day = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    docs = []
    for i in range(records):
        task, job = tasks[i % len(tasks)]
        docs.append({
            "externalId": f"bench-single-{i}",
            "employee": {"internalId": str(employees[i % len(employees)])},
            "customer": {"internalId": str(job)},
            "caseTaskEvent": {"internalId": str(task)},
            "tranDate": day + dt.timedelta(days=i % 28),
            "hours": {"timeSpan": 1.0, "unit": "hour"},
            "memo": f"bench single-record entry {i}",
        })  # fmt: skip
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--netsuite-db", required=True, help="SQLAlchemy URL of the NetSuite service's store")
    args = parser.parse_args(argv)

    from include.netsuite.client import NetSuiteClient

    docs = time_bills(args.netsuite_db, args.records)
    clients = [NetSuiteClient.from_env() for _ in range(args.threads)]
    for client in clients:
        client.types  # noqa: B018 - loads the WSDL now, not on the clock
    local = threading.local()
    pool_index = iter(range(args.threads))
    lock = threading.Lock()

    def send(doc: dict[str, Any]) -> bool:
        if not hasattr(local, "client"):
            with lock:
                local.client = clients[next(pool_index)]
        return local.client.upsert_list("timeBill", [doc])[0].ok

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        outcomes = list(pool.map(send, docs))
    wall = time.perf_counter() - started
    ok = sum(outcomes)
    print(json.dumps({"wall_s": wall, "ok": ok, "failed": len(outcomes) - ok, "records": args.records,
                      "threads": args.threads}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
