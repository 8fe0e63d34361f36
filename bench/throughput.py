"""The figures of one benchmark run and the physical bound they are compared with.

Pure Python (no Airflow, no network), so the unit tests cover the arithmetic that the report's
conclusions rest on.

The bound: a NetSuite account answers at most ``C`` requests at a time, and a request carrying
``B`` records takes ``L + B·r`` seconds (fixed latency plus a cost per record). Moving ``N``
records therefore needs ``ceil(N / B)`` requests in ``ceil(ceil(N / B) / C)`` waves, and no
client can finish faster than::

    ideal = ceil(ceil(N / B) / C) × (L + B·r)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

UPSERT_LIST_RECORDS = 100  # upsertList: at most 100 records per request
SEARCH_PAGE_RECORDS = 1000  # search pages of 1000 records
SPP_WRITE_RECORDS = 1000  # SPP Add/Modify: 1000 objects per request

KINDS = ("export", "import", "record_at_a_time", "noop", "oneview", "oneview_noop")
PARTS = ("parse", "export", "import", "baseline", "oneview")  # what ``python -m bench.run --only`` selects
# NetSuite operations that write records (the rest read: getServerTime, search, get...)
NETSUITE_WRITES = frozenset(
    {"add", "addList", "update", "updateList", "upsert", "upsertList", "delete", "deleteList"}
)


@dataclass(frozen=True)
class Latency:
    """A service's simulated cost: seconds per request and seconds per record carried."""

    per_request_s: float
    per_record_s: float

    def request_s(self, records: int) -> float:
        """Service time of one request carrying ``records`` records."""
        return self.per_request_s + self.per_record_s * records


def ideal_seconds(records: int, batch: int, slots: int, latency: Latency) -> float:
    """The lower bound ``ceil(ceil(N/B)/C) × (L + B·r)`` in seconds (0 for no records)."""
    if records < 0 or batch < 1 or slots < 1:
        raise ValueError(f"need records >= 0, batch >= 1, slots >= 1 (got {records}, {batch}, {slots})")
    if records == 0:
        return 0.0
    requests = math.ceil(records / batch)
    waves = math.ceil(requests / slots)
    return waves * latency.request_s(batch)


def export_ideal_s(records: int, pool: int, netsuite: Latency) -> float:
    """Bound of an export: upsertList batches of 100, ``pool`` requests in flight."""
    return ideal_seconds(records, UPSERT_LIST_RECORDS, pool, netsuite)


def import_ideal_s(records: int, netsuite: Latency, spp: Latency, spp_slots: int) -> float:
    """Bound of an import: NetSuite search pages of 1000 read on one thread (imports use one
    NetSuite thread, as the official connector does), then SPP writes of 1000 objects with
    ``spp_slots`` in flight (SPP sets no concurrency limit; Airflow's parallelism does)."""
    return ideal_seconds(records, SEARCH_PAGE_RECORDS, 1, netsuite) + ideal_seconds(
        records, SPP_WRITE_RECORDS, spp_slots, spp
    )


def oneview_ideal_s(records: int, pool: int, netsuite: Latency, batch: int = UPSERT_LIST_RECORDS) -> float:
    """Bound of a OneView run: the export's bound, with the mapping's ``batch_size`` records per
    ``upsertList`` (100 by default; the OneView schema allows no more) and ``pool`` requests in
    flight. Reading the report (OData pages from SPP) is not part of it, as reading SPP is not part
    of the export's."""
    return ideal_seconds(records, batch, pool, netsuite)


def record_at_a_time_ideal_s(records: int, threads: int, netsuite: Latency) -> float:
    """Bound of a single-record connector: one record per request, ``threads`` in flight."""
    return ideal_seconds(records, 1, threads, netsuite)


def requests_per_system(by_operation: dict[str, dict[str, int]]) -> dict[str, int]:
    """HTTP requests per system from the services' per-operation counters.

    NetSuite counts one operation per SOAP request. SPP counts commands, and one HTTP request
    carries many (a Read of 1000 ids, 1000 Adds...) after exactly one ``Auth`` (or ``RemoteAuth``),
    so SPP's requests are its Auth commands.
    """
    out: dict[str, int] = {}
    for system, ops in by_operation.items():
        auth = ops.get("Auth", 0) + ops.get("RemoteAuth", 0)
        out[system] = auth if system == "spp" and auth else sum(ops.values())
    return out


def netsuite_writes(by_operation: dict[str, dict[str, int]]) -> int:
    """NetSuite requests that write (add/update/upsert/delete, single or list) from the per-operation
    counters: what an unchanged run must not send."""
    return sum(n for op, n in by_operation.get("netsuite", {}).items() if op in NETSUITE_WRITES)


def odata_figures(spp_stats: dict[str, Any]) -> dict[str, int]:
    """The OData side of a run from SPP's ``/_emulator/stats``: HTTP requests (``$metadata`` and
    data pages), data pages read, rows served, and 410 Gone answers (a report republished mid-read)."""
    odata = spp_stats.get("odata") or {}
    return {
        "requests": int(odata.get("requests_total", 0)),
        "pages": int(odata.get("pages", 0)),
        "rows_served": int(odata.get("rows_served", 0)),
        "gone": int(odata.get("gone", 0)),
    }


@dataclass
class BenchRun:
    """One measured run; ``to_json`` is one entry of ``latest.json``'s ``runs`` list."""

    kind: str
    records: int
    pool: int
    wall_s: float
    ideal_s: float
    peak_concurrency: int = 0
    peak_rss_mb: float = 0.0
    peak_uss_mb: float = 0.0  # the same process's memory not shared with others (RSS counts shared pages)
    requests: dict[str, int] = field(default_factory=dict)
    workflow: str = ""
    state: str = "success"
    load_s: float | None = None  # the load phase only (end of planning -> start of finishing)
    plan_s: float | None = None
    rejected_concurrency: int = 0
    requests_by_operation: dict[str, dict[str, int]] = field(default_factory=dict)
    processes: dict[str, Any] = field(default_factory=dict)  # memory by depth below the scheduler
    cpu_s: dict[str, float] = field(
        default_factory=dict
    )  # CPU seconds during the run: tasks, services, Airflow
    # OneView: the OData side (odata_figures) and the custom records of the target type in NetSuite after
    # the run (every report row written: equals ``records``)
    odata: dict[str, int] = field(default_factory=dict)
    target_records: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown run kind {self.kind!r}; expected one of {', '.join(KINDS)}")

    @property
    def ratio(self) -> float | None:
        """wall / ideal (None when the bound is zero, e.g. a run with nothing to do)."""
        return round(self.wall_s / self.ideal_s, 2) if self.ideal_s > 0 else None

    @property
    def records_per_s(self) -> float:
        return round(self.records / self.wall_s, 1) if self.wall_s > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["wall_s"] = round(self.wall_s, 2)
        out["ideal_s"] = round(self.ideal_s, 2)
        out["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        out["peak_uss_mb"] = round(self.peak_uss_mb, 1)
        for key in ("load_s", "plan_s"):
            if out[key] is not None:
                out[key] = round(out[key], 2)
        out["ratio"] = self.ratio
        out["records_per_s"] = self.records_per_s
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> BenchRun:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in raw.items() if k in known})


def find_run(runs: list[BenchRun], kind: str, records: int, pool: int | None = None) -> BenchRun | None:
    """The first run of ``kind`` with ``records`` (and ``pool`` when given)."""
    for run in runs:
        if run.kind == kind and run.records == records and (pool is None or run.pool == pool):
            return run
    return None


@dataclass(frozen=True)
class TargetCheck:
    """One of the issue's targets, with the measured figure and whether it was met."""

    name: str
    target: str
    measured: str
    met: bool | None  # None: not measured in this benchmark (e.g. the quick run skips 100k)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_targets(
    runs: list[BenchRun], dag_parse_s: float | None, *, big_n: int = 100_000, speedup_n: int = 10_000
) -> list[TargetCheck]:
    """Compare the runs with the issue's targets."""
    checks: list[TargetCheck] = []

    one, ten = find_run(runs, "export", speedup_n, 1), find_run(runs, "export", speedup_n, 10)
    if one and ten and ten.wall_s > 0:
        speedup = one.wall_s / ten.wall_s
        checks.append(
            TargetCheck(f"speedup 10 slots vs 1 at {speedup_n:,}", ">= 8x", f"{speedup:.1f}x", speedup >= 8)
        )
    else:
        checks.append(TargetCheck(f"speedup 10 slots vs 1 at {speedup_n:,}", ">= 8x", "not measured", None))

    big = find_run(runs, "export", big_n, 10)
    ratio = big.ratio if big else None
    checks.append(
        TargetCheck(
            f"wall/ideal at {big_n:,}, 10 slots",
            "<= 1.5",
            f"{ratio:.2f}" if ratio is not None else "not measured",
            None if ratio is None else ratio <= 1.5,
        )
    )

    bounded = [r for r in runs if r.kind in ("export", "record_at_a_time", "oneview") and r.pool > 0]
    over = [r for r in bounded if r.peak_concurrency > r.pool]
    worst = max((r.peak_concurrency - r.pool for r in bounded), default=None)
    checks.append(
        TargetCheck(
            "peak concurrency <= pool size",
            "never above",
            "not measured"
            if worst is None
            else (f"{len(over)} runs above (by up to {worst})" if over else "never above"),
            None if worst is None else not over,
        )
    )

    big_runs = [r for r in runs if r.records >= big_n and r.kind in ("export", "import")]
    rss = max((r.peak_rss_mb for r in big_runs), default=None)
    checks.append(
        TargetCheck(
            f"peak task RSS at {big_n:,}",
            "<= 400 MB",
            f"{rss:.0f} MB" if rss is not None else "not measured",
            None if rss is None else rss <= 400,
        )
    )

    noops = [r for r in runs if r.kind == "noop"]
    most = max((max(r.requests.values(), default=0) for r in noops), default=None)
    checks.append(
        TargetCheck(
            "unchanged incremental run",
            "<= 2 requests per system per workflow",
            "not measured" if most is None else f"at most {most} requests per system per workflow",
            None if most is None else most <= 2,
        )
    )

    checks.extend(oneview_targets(runs, big_n=big_n))

    checks.append(
        TargetCheck(
            "all DAG files parse",
            "< 2 s",
            f"{dag_parse_s:.2f} s" if dag_parse_s is not None else "not measured",
            None if dag_parse_s is None else dag_parse_s < 2,
        )
    )
    return checks


def oneview_targets(runs: list[BenchRun], *, big_n: int = 100_000) -> list[TargetCheck]:
    """The OneView run against the exports' targets: wall/ideal <= 1.5 (judged at ``big_n`` rows, as
    the exports' is: at small N a run's fixed costs dominate), peak task RSS <= 400 MB (at whatever N
    it ran), every row written, and no NetSuite write when it runs again with nothing changed."""
    checks: list[TargetCheck] = []
    oneviews = [r for r in runs if r.kind == "oneview"]
    big = max(oneviews, key=lambda r: (r.records, r.pool), default=None)
    if big is None:
        for name, wanted in (
            ("OneView wall/ideal", "<= 1.5"),
            ("OneView peak task RSS", "<= 400 MB"),
            ("OneView rows written", "= report rows"),
        ):
            checks.append(TargetCheck(name, wanted, "not measured", None))
    else:
        where = f"at {big.records:,}, {big.pool} slots"
        ratio = big.ratio
        if ratio is None:
            checks.append(TargetCheck(f"OneView wall/ideal {where}", "<= 1.5", "not measured", None))
        elif big.records >= big_n:
            checks.append(TargetCheck(f"OneView wall/ideal {where}", "<= 1.5", f"{ratio:.2f}", ratio <= 1.5))
        else:
            checks.append(
                TargetCheck(
                    f"OneView wall/ideal {where}",
                    "<= 1.5",
                    f"{ratio:.2f} (judged at {big_n:,} rows only, like the exports')",
                    None,
                )
            )
        checks.append(
            TargetCheck(
                f"OneView peak task RSS at {big.records:,}",
                "<= 400 MB",
                f"{big.peak_rss_mb:.0f} MB",
                big.peak_rss_mb <= 400,
            )
        )
        written = big.target_records
        checks.append(
            TargetCheck(
                f"OneView rows written at {big.records:,}",
                "= report rows",
                "not measured" if written is None else f"{written:,} custom records for {big.records:,} rows",
                None if written is None else written == big.records,
            )
        )
    noops = [r for r in runs if r.kind == "oneview_noop"]
    writes = max((netsuite_writes(r.requests_by_operation) for r in noops), default=None)
    checks.append(
        TargetCheck(
            "unchanged OneView run",
            "0 NetSuite writes",
            "not measured" if writes is None else f"{writes:,} NetSuite writes",
            None if writes is None else writes == 0,
        )
    )
    return checks
