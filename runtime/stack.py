"""Starting and stopping the embedded stack: the local services and Airflow's components.

Used by ``make run`` / ``make up`` and by the end-to-end tests, so the tests exercise exactly
what a user runs: a real scheduler, DAG processor and API server with the LocalExecutor.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from include.paths import PROJECT_ROOT

_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def render_config(path: Path, env: dict[str, str]) -> Any:
    """Load a JSON config file from the repository, substituting ``${VAR:-default}``."""

    def sub(match: re.Match[str]) -> str:
        value = env.get(match.group(1))
        return value if value not in (None, "") else (match.group(2) or "")

    text = _VAR.sub(sub, path.read_text())
    return json.loads(text)


def wait_for_port(port: int, timeout_s: float = 60.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s:.0f}s")


@dataclass
class ProcessGroup:
    """Child processes started in their own process groups, stopped together."""

    log_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    launches: dict[str, tuple[list[str], dict[str, str], Path | None]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.launches[name] = (argv, env, cwd)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(
            argv,
            env=env,
            cwd=str(cwd or PROJECT_ROOT),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        pid_file = self.log_dir / f"{name}.pid"
        pid_file.write_text(str(self.procs[name].pid))

    def check(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"{name} exited with {proc.returncode}; last log lines:\n{tail}")

    def revive(self, max_restarts: int = 5) -> list[str]:
        """Start again the processes that exited (what a process manager does for a real deployment):
        e.g. Airflow 3.3's scheduler dies when a backfill created on SQLite is rolled back under it.
        Returns the names restarted; a process that exited more than ``max_restarts`` times is an error
        (``check``'s, with its log)."""
        revived = []
        for name, proc in list(self.procs.items()):
            if proc.poll() is None:
                continue
            if self.restarts.get(name, 0) >= max_restarts:
                self.check()
            self.restarts[name] = self.restarts.get(name, 0) + 1
            with open(self.log_dir / f"{name}.log", "ab") as log:
                log.write(f"\n--- exited with {proc.returncode}: restarting ---\n".encode())
            self.start(name, *self.launches[name])
            revived.append(name)
        return revived

    def stop(self, timeout_s: float = 20.0) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout_s
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for name in self.procs:
            (self.log_dir / f"{name}.pid").unlink(missing_ok=True)
        self.procs.clear()


def start_local_services(
    group: ProcessGroup,
    env: dict[str, str],
    *,
    scale: str,
    reseed: bool,
    netsuite_port: int,
    spp_port: int,
    cwd: Path | None = None,
) -> None:
    """The local NetSuite and SPP services (``python -m emulators``), seeded; returns once both listen."""
    args = [sys.executable, "-m", "emulators", "--seed", scale]
    if reseed:
        args.append("--reseed")
    group.start("emulators", args, env, cwd=cwd)
    wait_for_port(netsuite_port, timeout_s=300)
    wait_for_port(spp_port, timeout_s=300)


def airflow_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run an ``airflow`` CLI command with the stack's environment."""
    airflow = str(Path(sys.executable).parent / "airflow")
    proc = subprocess.run([airflow, *args], env=env, cwd=str(PROJECT_ROOT), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args[:2])} failed ({proc.returncode}):\n"
            f"{proc.stderr[-3000:]}{proc.stdout[-1000:]}"
        )
    return proc


CONFIG_DIR = PROJECT_ROOT / "include" / "config"
CONNECTIONS_FILE = CONFIG_DIR / "connections.json"


def connection_variables(path: Path = CONNECTIONS_FILE) -> frozenset[str]:
    """The environment variables ``include/config/connections.json`` reads (``${NAME:-default}``)."""
    return frozenset(match.group(1) for match in _VAR.finditer(path.read_text()))


def render_connections(env: dict[str, str], path: Path = CONNECTIONS_FILE) -> dict[str, dict[str, Any]]:
    """The connections of ``connections.json`` as ``airflow connections import`` takes them.

    This is how every stack points the product at NetSuite and SuiteProjects Pro, the local
    services or real accounts alike: the hooks read these connections and nothing else.
    """
    # SPP serves its OData v4 reports on the account's own domain: one URL configures both
    if not env.get("SPP_ODATA_BASE_URL") and env.get("SPP_BASE_URL"):
        env = {**env, "SPP_ODATA_BASE_URL": env["SPP_BASE_URL"]}
    rendered: dict[str, dict[str, Any]] = render_config(path, env)
    for conn in rendered.values():
        if isinstance(conn.get("port"), str):
            conn["port"] = int(conn["port"]) if conn["port"] else None
        conn["extra"] = json.dumps(conn.get("extra") or {})
    return rendered


def prepare_airflow(env: dict[str, str], connection_env: dict[str, str] | None = None) -> None:
    """Migrate the metadata DB, then create pools and connections from the repository's files.

    ``connection_env`` is what ``connections.json`` is rendered with (default: ``env``, the
    Airflow processes' environment); the launchers pass the local services' endpoints there only.
    """
    from include.state import StateStore

    airflow_cli(env, "db", "migrate")
    home = Path(env["AIRFLOW_HOME"])
    pools = render_config(CONFIG_DIR / "pools.json", env)
    for pool in pools.values():
        pool["slots"] = int(pool["slots"])
    imports = (
        (("pools", "import"), "rendered-pools.json", pools),
        (
            ("connections", "import", "--overwrite"),
            "rendered-connections.json",
            render_connections(connection_env or env),
        ),
    )
    for command, name, rendered in imports:
        path = home / name
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            json.dump(rendered, handle)  # readable by this user only from the start: it holds secrets
        try:
            airflow_cli(env, *command, str(path))
        finally:
            path.unlink(missing_ok=True)
    StateStore(env["INTEGRATION_STATE_DB_URL"]).migrate()


def start_airflow(
    group: ProcessGroup, env: dict[str, str], *, triggerer: bool = True, workdir: Path | None = None
) -> None:
    """API server, scheduler, DAG processor (and triggerer) as separate processes.

    With ``workdir``, each component runs in its own directory ``workdir/<component>`` (the
    native cluster: no process may rely on another's local files); by default, the project root.
    """
    airflow = str(Path(sys.executable).parent / "airflow")

    def cwd(name: str) -> Path | None:
        if workdir is None:
            return None
        (workdir / name).mkdir(parents=True, exist_ok=True)
        return workdir / name

    group.start(
        "api-server", [airflow, "api-server", "--port", env["AIRFLOW__API__PORT"]], env, cwd("api-server")
    )
    group.start("dag-processor", [airflow, "dag-processor"], env, cwd("dag-processor"))
    group.start("scheduler", [airflow, "scheduler"], env, cwd("scheduler"))
    if triggerer:
        group.start("triggerer", [airflow, "triggerer"], env, cwd("triggerer"))
    wait_for_port(int(env["AIRFLOW__API__PORT"]), timeout_s=120)


class AirflowApi:
    """A small client of Airflow's REST API v2 (token from the simple auth manager)."""

    def __init__(self, base_url: str, username: str = "admin", password: str = "admin") -> None:
        self.base_url = base_url.rstrip("/")
        self.username = username
        self.password = password
        self._token: str | None = None

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            resp = httpx.post(
                f"{self.base_url}/auth/token",
                json={"username": self.username, "password": self.password},
                timeout=30,
            )
            resp.raise_for_status()
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def get(self, path: str, **params: Any) -> Any:
        resp = httpx.get(f"{self.base_url}/api/v2{path}", headers=self._headers(), params=params, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def wait_for_dags(
        self, dag_ids: list[str], timeout_s: float = 180.0, on_poll: Callable[[], None] | None = None
    ) -> None:
        """Until the API lists ``dag_ids``; ``on_poll`` (e.g. the process group's ``check``) may raise
        to stop early, e.g. when the API server exited (a port another process took) instead of waiting
        out the timeout against whatever answers on that port."""
        deadline = time.monotonic() + timeout_s
        missing = set(dag_ids)
        while time.monotonic() < deadline:
            if on_poll is not None:
                on_poll()
            try:
                known = {d["dag_id"] for d in self.get("/dags", limit=1000)["dags"]}
                missing = set(dag_ids) - known
                if not missing:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError(f"DAGs not parsed after {timeout_s:.0f}s: {sorted(missing)}")

    def import_errors(self) -> list[dict[str, Any]]:
        return self.get("/importErrors")["import_errors"]

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        resp = httpx.post(
            f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns",
            headers=self._headers(),
            json={"logical_date": None, "conf": conf or {}},
            timeout=30,
        )
        resp.raise_for_status()
        return resp.json()["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout_s: float = 1800.0, on_poll: Any = None) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            if on_poll:
                on_poll()
            time.sleep(2)
        raise TimeoutError(f"{dag_id} run {run_id} did not finish in {timeout_s:.0f}s")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)["task_instances"]

    def post(self, path: str, body: dict[str, Any]) -> Any:
        resp = httpx.post(f"{self.base_url}/api/v2{path}", headers=self._headers(), json=body, timeout=30)
        resp.raise_for_status()
        return resp.json()

    def clear_failed(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Clear the run's failed task instances and what follows them, so the scheduler runs them again."""
        body = {
            "dry_run": False,
            "dag_run_id": run_id,
            "only_failed": True,
            "include_downstream": True,
            "reset_dag_runs": True,
        }
        return self.post(f"/dags/{dag_id}/clearTaskInstances", body)["task_instances"]
