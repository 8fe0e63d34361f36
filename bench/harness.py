"""The benchmark's stack: the two local services and Airflow (scheduler + LocalExecutor) for real.

Everything lives under ``var/bench/`` (its own AIRFLOW_HOME, metadata DB, state store and the
services' SQLite files) on free loopback ports, so a benchmark never disturbs ``make run`` or the
tests. The services run as a separate process that is restarted whenever the data changes: the
generator writes into their stores while they are stopped.

A run is measured only from the outside: the DAG run's start/end from Airflow's REST API, the
services' request counters and peak concurrency, and the memory of the scheduler's descendants.
Nothing depends on how many task instances a DAG run has.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.probes import RssSampler, ServiceProbe
from bench.throughput import Latency
from emulators.serve import free_port
from emulators.settings import NetSuiteSettings
from include.paths import MAPPINGS_DIR, PROJECT_ROOT, VAR_DIR
from runtime.airflow_env import airflow_env
from runtime.stack import AirflowApi, ProcessGroup, airflow_cli, prepare_airflow, start_airflow, wait_for_port

BENCH_DIR = VAR_DIR / "bench"
NETSUITE_VERSION = "2025_2"
BENCH_MAPPINGS = Path(__file__).resolve().parent / "mappings"  # the benchmark's own workflows


def stage_mappings(dest: Path, shipped: Path = MAPPINGS_DIR, extra: Path = BENCH_MAPPINGS) -> list[str]:
    """Copy the shipped mappings folder (its subfolders too: ``groups/``) into ``dest``, the benchmark
    stack's ``INTEGRATION_MAPPINGS_DIR``, and the benchmark's own mapping files of ``extra`` beside
    them: the DAG processor and the tasks then see the benchmark's workflows with the real ones, and
    ``mappings/`` stays as shipped. A benchmark file named like a shipped one is refused. Returns the
    mapping files staged (paths relative to ``dest``)."""
    from include.mapping.loader import MAPPING_SUFFIXES

    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(shipped, dest)
    for path in sorted(p for p in extra.iterdir() if p.is_file() and p.suffix in MAPPING_SUFFIXES):
        if (dest / path.name).exists():
            raise ValueError(f"{path} would replace {shipped / path.name}: rename the benchmark's mapping")
        shutil.copy2(path, dest / path.name)
    return sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.suffix in MAPPING_SUFFIXES)


@dataclass(frozen=True)
class BenchSettings:
    """The simulated services and Airflow's capacity."""

    netsuite: Latency = Latency(0.200, 0.002)
    spp: Latency = Latency(0.050, 0.0001)
    account_limit: int = 10
    parallelism: int = 16

    def describe(self) -> dict[str, Any]:
        def latency(side: Any) -> str:
            return f"{side.per_request_s * 1000:g} ms/request + {side.per_record_s * 1000:g} ms/record"

        return {
            "netsuite_latency": latency(self.netsuite),
            "spp_latency": latency(self.spp),
            "netsuite_account_limit": self.account_limit,
            "airflow": f"scheduler + LocalExecutor, parallelism {self.parallelism}",
        }


@dataclass
class DagRunMeasure:
    """What one DAG run looked like from outside."""

    dag_id: str
    run_id: str
    state: str
    wall_s: float
    plan_s: float | None
    load_s: float | None
    task_instances: int
    stats: dict[str, dict[str, Any]]
    peak_task_rss_mb: float
    peak_task_uss_mb: float
    processes: dict[int, dict[str, Any]]
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the run, by part


def _ts(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass
class BenchStack:
    """Local services + Airflow under ``var/bench``; use as a context manager."""

    settings: BenchSettings = field(default_factory=BenchSettings)
    root: Path = BENCH_DIR
    fresh: bool = True

    def __post_init__(self) -> None:
        if self.fresh and self.root.exists():
            shutil.rmtree(self.root)
        (self.root / "emulators").mkdir(parents=True, exist_ok=True)
        self.ns_port, self.spp_port, self.api_port = free_port(), free_port(), free_port()
        self.ns_db = f"sqlite:///{self.root / 'emulators' / 'netsuite.db'}"
        self.spp_db = f"sqlite:///{self.root / 'emulators' / 'spp.db'}"
        self.state_url = f"sqlite:///{self.root / 'state.db'}"
        self.mappings_dir = self.root / "mappings"
        self.dag_runs = 0  # DAG runs triggered on this stack (measured or not)
        stage_mappings(self.mappings_dir)
        s = self.settings
        ns = NetSuiteSettings()  # the services' credentials (defaults or NETSUITE_* from the environment)
        extra = {
            "NETSUITE_ACCOUNT": ns.account,
            "NETSUITE_CONSUMER_KEY": ns.consumer_key,
            "NETSUITE_CONSUMER_SECRET": ns.consumer_secret,
            "NETSUITE_TOKEN_ID": ns.token_id,
            "NETSUITE_TOKEN_SECRET": ns.token_secret,
            "AIRFLOW_HOME": str(self.root / "airflow"),
            "INTEGRATION_STATE_DB_URL": self.state_url,
            "INTEGRATION_NETSUITE_THREADS": str(s.account_limit),
            "NETSUITE_EMULATOR_PORT": str(self.ns_port),
            "SPP_EMULATOR_PORT": str(self.spp_port),
            "NETSUITE_EMULATOR_DB": self.ns_db,
            "SPP_EMULATOR_DB": self.spp_db,
            "NETSUITE_LATENCY_MS": f"{s.netsuite.per_request_s * 1000:g}",
            "NETSUITE_LATENCY_PER_RECORD_MS": f"{s.netsuite.per_record_s * 1000:g}",
            "NETSUITE_CONCURRENCY_LIMIT": str(s.account_limit),
            "SPP_LATENCY_MS": f"{s.spp.per_request_s * 1000:g}",
            "SPP_LATENCY_PER_RECORD_MS": f"{s.spp.per_record_s * 1000:g}",
            "NETSUITE_ENDPOINT": f"http://127.0.0.1:{self.ns_port}/services/NetSuitePort_{NETSUITE_VERSION}",
            "NETSUITE_WSDL_VERSION": NETSUITE_VERSION,  # the connection must name the endpoint's version
            # SPP's URL, and its OData reports' (SPP_ODATA_BASE_URL defaults to it)
            "SPP_BASE_URL": f"http://127.0.0.1:{self.spp_port}",
            "INTEGRATION_MAPPINGS_DIR": str(self.mappings_dir),  # DAG processor and tasks alike
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
        self.env = airflow_env(
            home=self.root / "airflow",
            api_port=self.api_port,
            schedules="manual",
            parallelism=s.parallelism,
            extra=extra,
        )
        self.airflow = ProcessGroup(self.root / "logs")
        self.services = ProcessGroup(self.root / "logs")
        self.netsuite = ServiceProbe("netsuite", f"http://127.0.0.1:{self.ns_port}")
        self.spp = ServiceProbe("spp", f"http://127.0.0.1:{self.spp_port}")
        self.api = AirflowApi(
            self.env["AIRFLOW__API__BASE_URL"], "admin", self.env.get("AIRFLOW_ADMIN_PASSWORD", "admin")
        )

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> BenchStack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.airflow.stop()
        self.services.stop()

    def start_services(self) -> None:
        """(Re)start the local services on the current contents of their stores."""
        self.services.stop()
        self.services.start("emulators", [sys.executable, "-m", "emulators"], self.env)
        wait_for_port(self.ns_port, timeout_s=120)
        wait_for_port(self.spp_port, timeout_s=120)

    def start_airflow(self, dag_ids: list[str]) -> None:
        """Migrate the metadata DB, import pools and connections, start the components, wait for DAGs."""
        prepare_airflow(self.env)
        start_airflow(self.airflow, self.env, triggerer=False)
        self.api.wait_for_dags(dag_ids, timeout_s=300)

    def set_threads(self, slots: int, dag_ids: list[str]) -> None:
        """Configure ``slots`` NetSuite threads the way a user does: ``INTEGRATION_NETSUITE_THREADS``
        sizes both the pool and the number of load tasks (read when DAG files are parsed), so
        Airflow restarts with the new value and the DAGs are parsed again before the next run."""
        if self.env.get("INTEGRATION_NETSUITE_THREADS") != str(slots):
            restarted = dt.datetime.now(dt.UTC)
            self.airflow.stop()
            self.env["INTEGRATION_NETSUITE_THREADS"] = str(slots)
            start_airflow(self.airflow, self.env, triggerer=False)
            self.api.wait_for_dags(dag_ids, timeout_s=300)
            deadline = time.monotonic() + 300
            while any(
                (_ts(self.api.get(f"/dags/{d}").get("last_parsed_time")) or restarted) <= restarted
                for d in dag_ids
            ):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"DAGs not parsed again with {slots} threads")
                time.sleep(1)
        self.set_pool(slots)

    def set_pool(self, slots: int) -> None:
        airflow_cli(self.env, "pools", "set", "netsuite", str(slots), "NetSuite threads (benchmark)")

    # -- data ------------------------------------------------------------------------------------
    def load(self, loader: Any, *args: Any) -> dict[str, int]:
        """Stop the services, run ``loader(ns_store, spp_store, state_url, *args)``, start them again."""
        from emulators.store import RecordStore

        self.services.stop()
        ns, spp = RecordStore(self.ns_db), RecordStore(self.spp_db)
        try:
            counts = loader(ns, spp, self.state_url, *args)
        finally:
            ns.engine.dispose()
            spp.engine.dispose()
        self.start_services()
        return counts

    # -- measuring -------------------------------------------------------------------------------
    def scheduler_pid(self) -> int:
        return self.airflow.procs["scheduler"].pid

    def reset_counters(self) -> None:
        self.netsuite.reset_counters()
        self.spp.reset_counters()

    def stats(self) -> dict[str, dict[str, Any]]:
        return {"netsuite": self.netsuite.stats(), "spp": self.spp.stats()}

    def custom_record_count(self, type_id: str, *, active_only: bool = False) -> int:
        """Custom records of a type in the NetSuite store (read from its SQLite file beside the service)."""
        from bench.data import custom_record_count
        from emulators.store import RecordStore

        store = RecordStore(self.ns_db)
        try:
            return custom_record_count(store, type_id, active_only=active_only)
        finally:
            store.engine.dispose()

    def all_task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of a run (paged: a run may have more than one page of them)."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100, offset=len(out))
            out.extend(page["task_instances"])
            if not page["task_instances"] or len(out) >= page["total_entries"]:
                return out

    def warm_up(self, dag_id: str, timeout_s: float = 600) -> str:
        """One unmeasured dry run of ``dag_id`` (reads its source, writes nothing, keeps no state):
        the first DAG run after Airflow starts pays 10-15 s of cold start (task processes importing
        Airflow, the project, zeep and Great Expectations for the first time), which ``make bench``'s
        first measured run (the 1k export) includes but a later run does not."""
        run_id = self.api.trigger(dag_id, {"dry_run": True})
        state = self.api.wait_for_run(dag_id, run_id, timeout_s=timeout_s, on_poll=self._check)
        self.dag_runs += 1
        return state

    def run_dag(
        self, dag_id: str, conf: dict[str, Any] | None = None, timeout_s: float = 7200
    ) -> DagRunMeasure:
        """Trigger ``dag_id`` with counters reset, sample memory until it ends, collect the figures."""
        self.dag_runs += 1
        self.reset_counters()
        others_before = self._cpu_of_others()
        sampler = RssSampler(self.scheduler_pid()).start()
        try:
            run_id = self.api.trigger(dag_id, conf or {})
            state = self.api.wait_for_run(dag_id, run_id, timeout_s=timeout_s, on_poll=self._check)
        finally:
            sampler.stop()
        cpu = sampler.cpu_seconds()
        for name, used in self._cpu_of_others().items():
            cpu[name] = round(used - others_before.get(name, 0.0), 1)
        stats = self.stats()
        run = self.api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
        start, end = _ts(run.get("start_date")), _ts(run.get("end_date"))
        tis = [
            t for t in self.all_task_instances(dag_id, run_id) if t.get("start_date") and t.get("end_date")
        ]
        plan_s = load_s = None
        if tis:
            # plan and load tasks run side by side: plan = the planning task's own duration, load =
            # first load task start -> last load task end (task ids, not order, tell them apart)
            plans = [t for t in tis if t["task_id"] == "plan"]
            loads = [t for t in tis if t["task_id"] == "load"]
            if plans:
                plan_s = (_ts(plans[0]["end_date"]) - _ts(plans[0]["start_date"])).total_seconds()
            if loads:
                load_s = (
                    max(_ts(t["end_date"]) for t in loads) - min(_ts(t["start_date"]) for t in loads)
                ).total_seconds()
        wall = (end - start).total_seconds() if start and end else float("nan")
        return DagRunMeasure(
            dag_id,
            run_id,
            state,
            wall,
            plan_s,
            load_s,
            len(tis),
            stats,
            sampler.peak_task_mb(),
            sampler.peak_task_uss_mb(),
            sampler.by_depth(),
            cpu,
        )

    def _cpu_of_others(self) -> dict[str, float]:
        """CPU seconds so far of the local services and the Airflow components beside the scheduler."""
        import psutil

        out: dict[str, float] = {}
        groups = [("services", self.services), ("airflow", self.airflow)]
        for label, group in groups:
            for name, proc in group.procs.items():
                if name == "scheduler":
                    continue  # sampled with its task processes
                try:
                    root = psutil.Process(proc.pid)
                    total = 0.0
                    for p in [root, *root.children(recursive=True)]:
                        t = p.cpu_times()
                        total += t.user + t.system
                except psutil.Error:
                    continue
                out[f"{label}:{name}"] = total
        return out

    def _check(self) -> None:
        self.airflow.check()
        self.services.check()

    def run_baseline(
        self, records: int, threads: int
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], RssSampler]:
        """The record-at-a-time script as a separate process: (its JSON line, service stats, its memory)."""
        self.reset_counters()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.baseline", "--records", str(records), "--threads", str(threads),
             "--netsuite-db", self.ns_db],
            env=self.env, cwd=str(PROJECT_ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        sampler = RssSampler(proc.pid, task_depth=0).start()
        try:
            out, err = proc.communicate(timeout=max(600, records))
        finally:
            sampler.stop()
        if proc.returncode != 0:
            raise RuntimeError(f"baseline failed ({proc.returncode}):\n{err[-3000:]}")
        return json.loads(out.strip().splitlines()[-1]), self.stats(), sampler

    def dag_parse_seconds(self, repeats: int = 3) -> dict[str, Any]:
        """Time a DagBag fill over ``dags/`` in fresh processes (the median of ``repeats``), with the
        shipped mappings only (not the benchmark's), so the figure stays the product's."""
        env = {k: v for k, v in self.env.items() if k != "INTEGRATION_MAPPINGS_DIR"}
        code = (
            "import json, time\n"
            "from airflow.dag_processing.dagbag import DagBag\n"
            "t = time.perf_counter()\n"
            f"bag = DagBag(dag_folder={str(PROJECT_ROOT / 'dags')!r})\n"
            "s = time.perf_counter() - t\n"
            "errors = {k: str(v)[:300] for k, v in bag.import_errors.items()}\n"
            "print(json.dumps({'seconds': s, 'dags': len(bag.dags), 'import_errors': errors}))\n"
        )
        results = []
        for _ in range(repeats):
            proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=str(PROJECT_ROOT),
                                  capture_output=True, text=True, timeout=300)  # fmt: skip
            if proc.returncode != 0:
                raise RuntimeError(f"DagBag timing failed:\n{proc.stderr[-3000:]}")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        seconds = sorted(r["seconds"] for r in results)
        return {"seconds": seconds[len(seconds) // 2], "runs_s": [round(s, 3) for s in seconds],
                "dags": results[-1]["dags"], "import_errors": results[-1]["import_errors"]}  # fmt: skip
