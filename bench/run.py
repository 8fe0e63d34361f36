"""``make bench`` (``python -m bench.run``): NetSuite throughput against the physical bound.

Runs Airflow for real (scheduler + LocalExecutor) against the local services with 200 ms per
request + 2 ms per record and an account limit of 10 concurrent requests, and measures:

* exports of N time entries (``time_entries_export``) with the ``netsuite`` pool at 1, 5 and 10 slots;
* an import of N customers (``customers_import``);
* a record-at-a-time baseline (one record per request, 10 threads) at N = 1k and 10k;
* an unchanged incremental run of both workflows (requests per system);
* a OneView run: SPP's synthetic report (OData v4) of N rows into N NetSuite custom records
  (``oneview_synthetic``, from ``bench/mappings``; the largest N, pool 10), then once more unchanged;
* the time to parse every DAG file.

N = 1k, 10k and 100k; ``BENCH_QUICK=1`` stops at 10k. Results go to ``bench/results/``
(``latest.json``, ``latest.md``, ``throughput.png``), rewritten after every run so an interrupted
benchmark still leaves what it measured. ``--only oneview`` (or ``export``, ``import``, ``baseline``,
``parse``, comma-separated) runs only those parts. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from bench import data
from bench.harness import BENCH_MAPPINGS, BenchSettings, BenchStack, DagRunMeasure
from bench.report import RESULTS_DIR, write_results
from bench.throughput import (
    PARTS,
    BenchRun,
    check_targets,
    export_ideal_s,
    import_ideal_s,
    netsuite_writes,
    odata_figures,
    oneview_ideal_s,
    record_at_a_time_ideal_s,
    requests_per_system,
)

EXPORT = "time_entries_export"
IMPORT = "customers_import"
ONEVIEW = "oneview_synthetic"  # bench/mappings/: report900 -> customrecord_spp_report_row (not shipped)
DAG_IDS = [EXPORT, IMPORT, ONEVIEW]
POOLS = tuple(int(p) for p in os.environ.get("BENCH_POOLS", "1,5,10").split(","))  # e.g. BENCH_POOLS=10
SMALL_MAX = 10_000  # the baseline and the unchanged runs are measured at every N up to this one


def parse_parts(value: str) -> tuple[str, ...]:
    """The parts ``--only`` names (comma-separated, in :data:`PARTS`); every part when empty."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in PARTS]
    if unknown:
        raise ValueError(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    return tuple(p for p in PARTS if p in names) if names else PARTS


def _say(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def _requests(measure_stats: dict[str, dict[str, Any]]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    by_op = {name: dict(s.get("requests", {})) for name, s in measure_stats.items()}
    return requests_per_system(by_op), by_op


def _from_measure(
    kind: str, records: int, pool: int, ideal_s: float, m: DagRunMeasure, note: str = ""
) -> BenchRun:
    totals, by_op = _requests(m.stats)
    return BenchRun(
        kind=kind,
        records=records,
        pool=pool,
        wall_s=m.wall_s,
        ideal_s=ideal_s,
        peak_concurrency=int(m.stats["netsuite"].get("peak_concurrency", 0)),
        peak_rss_mb=m.peak_task_rss_mb,
        peak_uss_mb=m.peak_task_uss_mb,
        processes={str(k): v for k, v in m.processes.items()},
        requests=totals,
        workflow=m.dag_id,
        state=m.state,
        load_s=m.load_s,
        plan_s=m.plan_s,
        rejected_concurrency=int(m.stats["netsuite"].get("rejected_concurrency", 0)),
        requests_by_operation=by_op,
        note=note,
        cpu_s=m.cpu_s,
        odata=odata_figures(m.stats["spp"]) if kind.startswith("oneview") else {},
    )


class Benchmark:
    """The measurement plan, executed on one stack; results rewritten after every run."""

    def __init__(
        self, stack: BenchStack, sizes: list[int], mode: str, out_dir: Path, parts: tuple[str, ...] = PARTS
    ) -> None:
        self.stack = stack
        self.sizes = sizes
        self.mode = mode
        self.out_dir = out_dir
        self.parts = parts
        self.oneview_size = max(sizes)  # 100k in a full run, 10k in a quick one
        small = [n for n in sizes if n <= SMALL_MAX]
        self.noop_size = max(small or sizes)
        self.baseline_sizes = small  # the baseline at 100k would take over half an hour
        self.runs: list[BenchRun] = []
        self.dag_parse: dict[str, Any] | None = None
        self.started = dt.datetime.now(dt.UTC)

    def save(self) -> None:
        parse_s = self.dag_parse["seconds"] if self.dag_parse else None
        meta = {
            "generated_at": self.started.isoformat(timespec="seconds"),
            "mode": self.mode,
            "sizes": self.sizes,
            "parts": list(self.parts),
            "settings": self.stack.settings.describe(),
            "dag_parse": self.dag_parse,
            "elapsed_s": round((dt.datetime.now(dt.UTC) - self.started).total_seconds(), 1),
        }
        write_results(self.runs, parse_s, check_targets(self.runs, parse_s), meta, self.out_dir)

    def add(self, run: BenchRun) -> None:
        self.runs.append(run)
        _say(
            f"  {run.kind} {run.records:,} pool {run.pool}: {run.state}, wall {run.wall_s:.1f}s, load "
            f"{run.load_s if run.load_s is None else round(run.load_s, 1)}s, ideal {run.ideal_s:.1f}s, "
            f"ratio {run.ratio}, peak concurrency {run.peak_concurrency}, peak RSS {run.peak_rss_mb:.0f} MB, "
            f"requests {run.requests}, CPU s {run.cpu_s}"
            + (f", OData {run.odata}" if run.odata else "")
            + (f", custom records {run.target_records:,}" if run.target_records is not None else "")
        )
        self.save()

    # -- the measurements ------------------------------------------------------------------------
    def exports(self, pool: int) -> None:
        """Every size with ``pool`` NetSuite threads (one restart of Airflow per pool size)."""
        settings = self.stack.settings
        self.stack.set_threads(pool, DAG_IDS)
        for n in self.sizes:
            _say(f"export {n:,} time entries, pool {pool}: loading data ...")
            self.stack.load(data.load_time_entries, n)
            m = self.stack.run_dag(EXPORT)
            self.add(_from_measure("export", n, pool, export_ideal_s(n, pool, settings.netsuite), m))
            if pool == max(POOLS) and n == self.noop_size:
                self.noop(EXPORT, pool)

    def import_(self, n: int) -> None:
        settings = self.stack.settings
        _say(f"import {n:,} customers: loading data ...")
        self.stack.load(data.load_customers, n)
        pool = max(POOLS)
        self.stack.set_threads(pool, DAG_IDS)
        m = self.stack.run_dag(IMPORT)
        ideal = import_ideal_s(n, settings.netsuite, settings.spp, settings.parallelism)
        self.add(
            _from_measure(
                "import",
                n,
                pool,
                ideal,
                m,
                note=""
                if n != max(self.sizes)
                else "ideal = NetSuite search pages of 1000 on one thread + SPP writes of 1000",
            )
        )
        if n == self.noop_size:
            self.noop(IMPORT, pool)

    def noop(self, workflow: str, pool: int) -> None:
        _say(f"unchanged incremental run of {workflow} ...")
        m = self.stack.run_dag(workflow)
        self.add(
            _from_measure(
                "noop", 0, pool, 0.0, m, note=f"{workflow} again right after its run, nothing changed"
            )
        )

    def oneview(self, n: int) -> None:
        """``n`` report rows into custom records with the pool at its largest, then the same run again."""
        from include.mapping.loader import load_workflow

        workflow = load_workflow(BENCH_MAPPINGS / f"{ONEVIEW}.yaml")
        assert workflow.report is not None
        type_id = workflow.report.record_type_id
        settings = self.stack.settings
        pool = max(POOLS)
        _say(f"OneView {n:,} report rows into custom records, pool {pool}: loading data ...")
        self.stack.load(data.load_report_rows, n)
        self.stack.set_threads(pool, DAG_IDS)
        if not self.stack.dag_runs:  # --only oneview: the stack's first DAG run would carry its cold start
            _say(f"  warm-up: a dry run of {ONEVIEW} (not measured) ...")
            self.stack.warm_up(ONEVIEW)
        m = self.stack.run_dag(ONEVIEW)
        run = _from_measure(
            "oneview",
            n,
            pool,
            oneview_ideal_s(n, pool, settings.netsuite, workflow.batch_size),
            m,
            note=f"{workflow.report.resource} ({n:,} rows, OData pages read by the plan) -> "
            f"{workflow.report.record_type} (upsertList of {workflow.batch_size}); "
            "ideal = the exports' bound",
        )
        run.target_records = self.stack.custom_record_count(type_id)
        self.add(run)
        _say(f"unchanged OneView run of {ONEVIEW} ...")
        m = self.stack.run_dag(ONEVIEW)
        noop = _from_measure(
            "oneview_noop", 0, pool, 0.0, m, note=f"{ONEVIEW} again right after its run, nothing changed"
        )
        noop.target_records = self.stack.custom_record_count(type_id, active_only=True)
        self.add(noop)
        writes = netsuite_writes(noop.requests_by_operation)
        if writes:
            _say(f"  the unchanged OneView run sent {writes} NetSuite writes")

    def baseline(self, n: int, threads: int = 10) -> None:
        _say(f"record-at-a-time baseline, {n:,} records, {threads} threads: loading data ...")
        self.stack.load(data.load_time_entries, 0)  # master data only: the script builds its own timeBills
        result, stats, sampler = self.stack.run_baseline(n, threads)
        totals, by_op = _requests(stats)
        self.add(
            BenchRun(
                kind="record_at_a_time",
                records=n,
                pool=threads,
                wall_s=result["wall_s"],
                ideal_s=record_at_a_time_ideal_s(n, threads, self.stack.settings.netsuite),
                peak_concurrency=int(stats["netsuite"].get("peak_concurrency", 0)),
                peak_rss_mb=sampler.peak_task_mb(),
                peak_uss_mb=sampler.peak_task_uss_mb(),
                requests=totals,
                workflow="bench.baseline",
                state="success" if not result["failed"] else f"{result['failed']} failed",
                rejected_concurrency=int(stats["netsuite"].get("rejected_concurrency", 0)),
                requests_by_operation=by_op,
                note="one upsertList of 1 timeBill per record, 10 threads, outside Airflow",
            )
        )

    def run(self) -> None:
        if "parse" in self.parts:
            _say("timing the DAG files' parse ...")
            self.dag_parse = self.stack.dag_parse_seconds()
            _say(f"  DagBag over dags/: {self.dag_parse['seconds']:.2f}s ({self.dag_parse['dags']} DAGs)")
            self.save()
        if "export" in self.parts:
            for pool in sorted(POOLS, reverse=True):
                self.exports(pool)
        for n in self.sizes:
            if "import" in self.parts:
                self.import_(n)
            if "baseline" in self.parts and n in self.baseline_sizes:
                self.baseline(n)
        if "oneview" in self.parts:
            self.oneview(self.oneview_size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1",
                        help="N = 1k and 10k only (also BENCH_QUICK=1)")  # fmt: skip
    parser.add_argument(
        "--sizes", default=os.environ.get("BENCH_SIZES", ""), help="comma-separated N (overrides --quick)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--only",
        default=os.environ.get("BENCH_ONLY", ""),
        help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all; also BENCH_ONLY)",
    )
    args = parser.parse_args(argv)
    try:
        parts = parse_parts(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()] or (
        [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    )
    mode = "custom" if args.sizes else ("quick" if args.quick else "full")
    # Stop cleanly on SIGTERM, and on Ctrl-C even when started in the background (where the shell
    # ignores SIGINT): the stack's processes run in their own sessions and must be stopped by us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started = time.monotonic()
    with BenchStack(BenchSettings()) as stack:
        _say(f"benchmark ({mode}: N = {', '.join(f'{n:,}' for n in sizes)}); stack under {stack.root}")
        stack.load(data.load_time_entries, 0)
        _say("starting Airflow (metadata DB, pools, connections, scheduler, DAG processor, API server) ...")
        stack.start_airflow(DAG_IDS)
        bench = Benchmark(stack, sizes, mode, args.out, parts)
        try:
            bench.run()
        finally:
            bench.save()
    _say(f"done in {time.monotonic() - started:.0f}s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
