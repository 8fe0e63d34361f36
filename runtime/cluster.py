"""``make cluster`` / ``make cluster-stop``: the integration on an Airflow cluster, natively.

The same topology as ``docker-compose.yaml``, as separate processes on this machine: the Airflow
metadata database and the integration's state store on PostgreSQL (their own databases, created
if missing), Redis as the Celery broker, the CeleryExecutor, and the API server, scheduler, DAG
processor, triggerer and N Celery workers. Each process runs in its own working directory under
``<CLUSTER_DIR>/<name>/``, so no task can lean on a file a sibling wrote to its local disk; what
they share is what a real cluster shares: the databases, the broker, the Airflow home (config,
secrets, logs - a shared volume in compose) and the DAG folder.

Configuration: environment variables, all with defaults (also documented in docs/CLUSTER.md).

==============================  ==================================================================
variable                        default
==============================  ==================================================================
``CLUSTER_DIR``                 ``<INTEGRATION_VAR_DIR>/cluster`` (``var/cluster``)
``CLUSTER_AIRFLOW_DB_URL``      ``postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_cluster``
``CLUSTER_STATE_DB_URL``        ``postgresql+psycopg2://postgres@127.0.0.1:5432/integration_state_cluster``
``CLUSTER_BROKER_URL``          ``redis://127.0.0.1:6379/0``
``CLUSTER_RESULT_BACKEND``      ``db+postgresql://...`` (the metadata database); or a ``redis://`` URL
``CLUSTER_WORKERS``             ``2`` Celery workers
``CLUSTER_WORKER_CONCURRENCY``  ``4`` task slots per worker
``CLUSTER_PARALLELISM``         ``16`` task instances running at once, cluster-wide
``CLUSTER_API_PORT``            ``AIRFLOW_API_PORT`` or ``8080``
``CLUSTER_SEED_SCALE``          ``INTEGRATION_SEED_SCALE`` or ``small`` (local services' seed)
``NETSUITE_EMULATOR_PORT``      ``8701`` local NetSuite service (``SPP_EMULATOR_PORT``: ``8702``)
``CLUSTER_SCHEDULES``           ``on`` (``manual`` switches the workflows' cron schedules off)
``CLUSTER_START_TIMEOUT_S``     ``240``
==============================  ==================================================================

The ``netsuite`` pool (``INTEGRATION_NETSUITE_THREADS``, default 10) caps NetSuite concurrency
across all workers: the scheduler enforces pools before it hands a task to Celery. The cluster
reaches NetSuite and SuiteProjects Pro through the Airflow connections ``init`` imports from
``include/config/connections.json``; real accounts (``NETSUITE_ENDPOINT`` / ``SPP_BASE_URL`` and the
credential variables) switch the local services off, as for ``make run``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from include.paths import VAR_DIR
from runtime import stack
from runtime.airflow_env import airflow_env
from runtime.embedded import connection_settings, local_endpoints, uses_local_services
from runtime.stack import AirflowApi, ProcessGroup, connection_variables, prepare_airflow, start_airflow

PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"
NODE_NAME_VAR = "INTEGRATION_NODE_NAME"
CELERY_EXECUTOR = "CeleryExecutor"


def _env(environ: dict[str, str], name: str, default: str) -> str:
    value = environ.get(name)
    return value if value not in (None, "") else default


def result_backend_for(db_url: str) -> str:
    """Celery's database result backend on the metadata DB (``db+postgresql://...``, no driver)."""
    scheme, rest = db_url.split("://", 1)
    return f"db+{scheme.split('+', 1)[0]}://{rest}"


@dataclass
class ClusterConfig:
    """Everything that differs between one cluster and another; ``from_env`` reads the defaults."""

    cluster_dir: Path
    airflow_db_url: str
    state_db_url: str
    broker_url: str
    result_backend: str
    workers: int = 2
    worker_concurrency: int = 4
    parallelism: int = 16
    api_port: int = 8080
    netsuite_port: int = 8701
    spp_port: int = 8702
    seed_scale: str = "small"
    schedules: str = "on"
    start_timeout_s: float = 240.0
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ClusterConfig:
        """The configuration from ``CLUSTER_*`` variables (see the module docstring for defaults)."""
        env = dict(os.environ if environ is None else environ)
        airflow_db = _env(env, "CLUSTER_AIRFLOW_DB_URL", f"{PG_SERVER}/airflow_cluster")
        return cls(
            cluster_dir=Path(_env(env, "CLUSTER_DIR", str(VAR_DIR / "cluster"))).resolve(),
            airflow_db_url=airflow_db,
            state_db_url=_env(env, "CLUSTER_STATE_DB_URL", f"{PG_SERVER}/integration_state_cluster"),
            broker_url=_env(env, "CLUSTER_BROKER_URL", "redis://127.0.0.1:6379/0"),
            result_backend=_env(env, "CLUSTER_RESULT_BACKEND", result_backend_for(airflow_db)),
            workers=int(_env(env, "CLUSTER_WORKERS", "2")),
            worker_concurrency=int(_env(env, "CLUSTER_WORKER_CONCURRENCY", "4")),
            parallelism=int(_env(env, "CLUSTER_PARALLELISM", "16")),
            api_port=int(_env(env, "CLUSTER_API_PORT", _env(env, "AIRFLOW_API_PORT", "8080"))),
            netsuite_port=int(_env(env, "NETSUITE_EMULATOR_PORT", "8701")),
            spp_port=int(_env(env, "SPP_EMULATOR_PORT", "8702")),
            seed_scale=_env(env, "CLUSTER_SEED_SCALE", _env(env, "INTEGRATION_SEED_SCALE", "small")),
            schedules=_env(env, "CLUSTER_SCHEDULES", "on"),
            start_timeout_s=float(_env(env, "CLUSTER_START_TIMEOUT_S", "240")),
        )

    @property
    def home(self) -> Path:
        """The Airflow home every process shares (config, JWT secret, Fernet key, task logs)."""
        return self.cluster_dir / "airflow"

    @property
    def run_dir(self) -> Path:
        """Process logs and pid records of what ``start`` launched."""
        return self.cluster_dir / "run"

    def workdir(self, name: str) -> Path:
        """The private working directory of one process."""
        path = self.cluster_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def worker_names(self) -> list[str]:
        return [f"worker{i}" for i in range(1, self.workers + 1)]


def node_hostname() -> str:
    """``[core] hostname_callable`` of the native cluster: ``<node>.<host>`` (e.g. ``worker2.myhost``).

    All workers of the native cluster share one machine, so the FQDN alone would not tell them
    apart in the task instances' ``hostname``; the node name set by the launcher does.
    """
    host = socket.gethostname()
    node = os.environ.get(NODE_NAME_VAR)
    return f"{node}.{host}" if node else host


# -- databases ---------------------------------------------------------------------------------
def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database ``url`` names if it does not exist; True when created."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    if not target.drivername.startswith("postgresql"):
        return False  # SQLite and friends create themselves
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            ).first()
            if exists:
                return False
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database (tests start from a clean one); closes its sessions first."""
    import sqlalchemy as sa

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(target.database)
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


# -- environment -------------------------------------------------------------------------------
def local_services_env(cfg: ClusterConfig) -> dict[str, str]:
    """Ports and data files of the local services (their data under the cluster dir)."""
    data = cfg.cluster_dir / "emulators" / "data"
    return {
        "NETSUITE_EMULATOR_PORT": str(cfg.netsuite_port),
        "SPP_EMULATOR_PORT": str(cfg.spp_port),
        "EMULATOR_DATA_DIR": str(data),
        "NETSUITE_EMULATOR_DB": f"sqlite:///{data}/netsuite.db",
        "SPP_EMULATOR_DB": f"sqlite:///{data}/spp.db",
    }


def _uses_local_services(cfg: ClusterConfig) -> bool:
    return uses_local_services({**os.environ, **cfg.extra_env})


def cluster_env(cfg: ClusterConfig, *, node: str | None = None) -> dict[str, str]:
    """The environment of every cluster process (``node`` names a worker for its hostname).

    Built by ``airflow_env`` like the embedded stack, so the JWT secret and Fernet key come from
    the same files (under the cluster's Airflow home) for every process - a worker with another
    secret could not talk to the API server. The cluster's own settings win over the caller's.
    Like every stack's, it holds none of the variables the connections are rendered with
    (:func:`connection_env`): the cluster reaches NetSuite and SuiteProjects Pro through them only.
    """
    forced = {
        "AIRFLOW_HOME": str(cfg.home),
        "AIRFLOW__CORE__EXECUTOR": CELERY_EXECUTOR,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": cfg.airflow_db_url,
        "AIRFLOW__CELERY__BROKER_URL": cfg.broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": cfg.result_backend,
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(cfg.worker_concurrency),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "runtime.cluster.node_hostname",
        "INTEGRATION_STATE_DB_URL": cfg.state_db_url,
        "INTEGRATION_VAR_DIR": str(cfg.cluster_dir),
        **(local_services_env(cfg) if _uses_local_services(cfg) else {}),
        **{key: value for key, value in cfg.extra_env.items() if key not in connection_variables()},
    }
    if node:
        forced[NODE_NAME_VAR] = node
    env = airflow_env(
        home=cfg.home,
        api_port=cfg.api_port,
        schedules=cfg.schedules,
        parallelism=cfg.parallelism,
        extra=forced,
    )
    # a port from the caller's AIRFLOW__API__PORT would win in airflow_env; the cluster's port is
    # CLUSTER_API_PORT
    base = f"http://127.0.0.1:{cfg.api_port}"
    env.update(
        {
            "AIRFLOW__API__PORT": str(cfg.api_port),
            "AIRFLOW__API__BASE_URL": base,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        }
    )
    env.pop(
        "AIRFLOW__CORE__UNIT_TEST_MODE", None
    )  # a cluster is never a unit test, even when a test starts it
    return env


def connection_env(cfg: ClusterConfig) -> dict[str, str]:
    """What ``include/config/connections.json`` is rendered with, and the local services run with:
    the cluster's environment plus the caller's credentials and endpoints (``NETSUITE_*``,
    ``SPP_*``...), or the local services' endpoints when no real account is configured."""
    settings = connection_settings({**os.environ, **cfg.extra_env})
    if _uses_local_services(cfg):
        settings.update(local_endpoints(cfg.netsuite_port, cfg.spp_port))
    return {**cluster_env(cfg), **settings}


def connections(cfg: ClusterConfig) -> dict[str, dict[str, Any]]:
    """The connections the cluster imports into Airflow (secrets included: never log them)."""
    return stack.render_connections(connection_env(cfg))


def init(cfg: ClusterConfig) -> dict[str, str]:
    """Create the databases if missing, migrate them, import pools and connections (idempotent)."""
    for url in (cfg.airflow_db_url, cfg.state_db_url):
        ensure_database(url)
    env = cluster_env(cfg)
    prepare_airflow(env, connection_env(cfg))
    return env


# -- processes ---------------------------------------------------------------------------------
def _record(cfg: ClusterConfig, group: ProcessGroup) -> None:
    """Pid plus start time of each process, so ``stop`` never signals a recycled pid."""
    for name, proc in group.procs.items():
        started = psutil.Process(proc.pid).create_time()
        (cfg.run_dir / f"{name}.json").write_text(json.dumps({"pid": proc.pid, "create_time": started}))


def start_worker(cfg: ClusterConfig, group: ProcessGroup, name: str) -> None:
    """One Celery worker in its own directory; ``name`` becomes its Celery and task hostname."""
    argv = [
        str(Path(sys.executable).parent / "airflow"),
        "celery",
        "worker",
        "--concurrency",
        str(cfg.worker_concurrency),
        "--celery-hostname",
        f"{name}@%h",
        # task logs go to the shared Airflow home; a log server per worker would fight over one port
        "--skip-serve-logs",
    ]
    group.start(name, argv, cluster_env(cfg, node=name), cwd=cfg.workdir(name))
    _record(cfg, group)


def start_cluster_services(cfg: ClusterConfig, group: ProcessGroup, env: dict[str, str]) -> None:
    """The local NetSuite and SPP services, seeded, with their data under the cluster directory.

    ``env`` is the cluster's; the services run with the connections' variables added, so they
    accept the credentials the connections carry.
    """
    (cfg.workdir("emulators") / "data").mkdir(parents=True, exist_ok=True)
    stack.start_local_services(
        group, {**env, **connection_env(cfg)}, scale=cfg.seed_scale,
        reseed=env.get("INTEGRATION_RESEED", "1") == "1",
        netsuite_port=cfg.netsuite_port, spp_port=cfg.spp_port, cwd=cfg.workdir("emulators"),
    )  # fmt: skip
    _record(cfg, group)


@dataclass
class Cluster:
    """A running native cluster: its configuration, processes and REST API client."""

    cfg: ClusterConfig
    group: ProcessGroup
    api: AirflowApi

    def kill_worker(self, name: str) -> None:
        """SIGKILL a worker's whole process group (worker, pool children, task supervisors)."""
        proc = self.group.procs.pop(name)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        (self.cfg.run_dir / f"{name}.json").unlink(missing_ok=True)
        (self.cfg.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def start_worker(self, name: str) -> None:
        start_worker(self.cfg, self.group, name)

    def stop(self) -> None:
        self.group.stop()
        for record in self.cfg.run_dir.glob("*.json"):
            record.unlink(missing_ok=True)


def start(cfg: ClusterConfig, *, local_services: bool | None = None) -> Cluster:
    """Initialise, then start every process; returns once the API server answers.

    Processes run in their own sessions and outlive the caller (``make cluster`` returns);
    ``stop_recorded`` ends them later from the pid records.
    """
    cfg.run_dir.mkdir(parents=True, exist_ok=True)
    group = ProcessGroup(cfg.run_dir)
    env = cluster_env(cfg)
    try:
        if local_services if local_services is not None else _uses_local_services(cfg):
            start_cluster_services(cfg, group, env)
        init(cfg)
        start_airflow(group, env, triggerer=False, workdir=cfg.cluster_dir)
        airflow = str(Path(sys.executable).parent / "airflow")
        group.start(
            "triggerer", [airflow, "triggerer", "--skip-serve-logs"], env, cwd=cfg.workdir("triggerer")
        )
        _record(cfg, group)
        for name in cfg.worker_names:
            start_worker(cfg, group, name)
        api = AirflowApi(env["AIRFLOW__API__BASE_URL"], "admin", env.get("AIRFLOW_ADMIN_PASSWORD", "admin"))
        _wait_healthy(api, group, cfg.start_timeout_s)
        return Cluster(cfg, group, api)
    except BaseException:
        group.stop()
        raise


def _wait_healthy(api: AirflowApi, group: ProcessGroup, timeout_s: float) -> None:
    """Until the API server reports a healthy metadata DB, scheduler, DAG processor and triggerer."""
    import httpx

    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        group.check()
        try:
            last = httpx.get(f"{api.base_url}/api/v2/monitor/health", timeout=10).json()
            if all(
                last.get(k, {}).get("status") == "healthy"
                for k in ("metadatabase", "scheduler", "dag_processor")
            ):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(1)
    raise TimeoutError(f"cluster not healthy after {timeout_s:.0f}s: {last}")


def running_records(cfg: ClusterConfig) -> list[str]:
    """Names of recorded processes that are still the ones ``start`` launched."""
    alive = []
    for record in sorted(cfg.run_dir.glob("*.json")):
        try:
            data = json.loads(record.read_text())
            proc = psutil.Process(int(data["pid"]))
            if abs(proc.create_time() - float(data["create_time"])) < 0.01 and _alive(proc.pid):
                alive.append(record.stem)
        except (psutil.NoSuchProcess, ValueError, KeyError):
            pass
    return alive


def stop_recorded(cfg: ClusterConfig, timeout_s: float = 30.0) -> list[str]:
    """Stop exactly the processes ``start`` recorded (pid and start time must both match)."""
    targets: dict[str, int] = {}
    for record in sorted(cfg.run_dir.glob("*.json")):
        try:
            data = json.loads(record.read_text())
            proc = psutil.Process(int(data["pid"]))
            if abs(proc.create_time() - float(data["create_time"])) < 0.01:
                os.killpg(proc.pid, signal.SIGTERM)
                targets[record.stem] = proc.pid
        except (psutil.NoSuchProcess, ProcessLookupError, ValueError, KeyError):
            pass  # already gone, or the pid now belongs to someone else
        record.unlink(missing_ok=True)
        (cfg.run_dir / f"{record.stem}.pid").unlink(missing_ok=True)
    deadline = time.monotonic() + timeout_s
    for pid in targets.values():
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.2)
        if _alive(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return sorted(targets)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["init", "start", "stop"])
    args = parser.parse_args(argv)
    cfg = ClusterConfig.from_env()
    if args.command == "init":
        init(cfg)
        airflow_db, state_db = (url.rsplit("@", 1)[-1] for url in (cfg.airflow_db_url, cfg.state_db_url))
        print(f"Airflow DB {airflow_db} and state DB {state_db} ready")
        return 0
    if args.command == "stop":
        stopped = stop_recorded(cfg)
        print(f"stopped: {', '.join(stopped) or 'nothing was running'}")
        return 0
    if running_records(cfg):
        print(
            f"a cluster is already running from {cfg.run_dir}; run `make cluster-stop` first", file=sys.stderr
        )
        return 1
    for stale in cfg.run_dir.glob("*.json"):  # left by a cluster that died without `cluster-stop`
        stale.unlink()
    print(
        f"Starting the cluster in {cfg.cluster_dir} (CeleryExecutor, {cfg.workers} workers) ...", flush=True
    )
    cluster = start(cfg)
    env = cluster_env(cfg)
    password = env.get("AIRFLOW_ADMIN_PASSWORD", "admin")
    print(f"Airflow UI: {env['AIRFLOW__API__BASE_URL']}  login: admin / {password}")
    print(f"processes: {', '.join(cluster.group.procs)} (logs: {cfg.run_dir}); stop with `make cluster-stop`")
    cluster.group.procs.clear()  # they keep running after we exit; the pid records find them
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
