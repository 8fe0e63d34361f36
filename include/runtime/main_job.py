"""``make run`` / ``make up``: the integration on the embedded default, end to end.

``run``: start the local NetSuite and SuiteProjects Pro services with seed data (unless real
accounts are configured), initialise Airflow (SQLite, LocalExecutor), run every workflow once
through Airflow's scheduler via the ``integration_all`` DAG, print a per-workflow summary, stop
everything, exit 0 when every workflow succeeded.

``up``: the same stack, left running with schedules on; prints the UI URL and login; Ctrl-C stops it.

Real accounts: set ``NETSUITE_ENDPOINT`` (or ``NETSUITE_WSDL_URL``) and ``SPP_BASE_URL`` with the
credential variables (README, "Running against real accounts"); the local services are then not
started and the same commands talk to the real systems.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from include.paths import VAR_DIR
from include.runtime.airflow_env import airflow_env
from include.runtime.stack import AirflowApi, ProcessGroup, prepare_airflow, start_airflow, wait_for_port


def uses_local_services(env: dict[str, str]) -> bool:
    """True unless the user pointed the integration at real accounts."""
    real = [k for k in ("NETSUITE_ENDPOINT", "NETSUITE_WSDL_URL", "SPP_BASE_URL") if env.get(k)]
    return not real or env.get("INTEGRATION_USE_EMULATORS") == "1"


def start_local_services(group: ProcessGroup, env: dict[str, str], scale: str) -> None:
    args = [sys.executable, "-m", "include.emulators", "--seed", scale]
    if env.get("INTEGRATION_RESEED", "1") == "1":
        args.append("--reseed")
    group.start("emulators", args, env)
    wait_for_port(int(env.get("NETSUITE_EMULATOR_PORT", "8701")), timeout_s=300)
    wait_for_port(int(env.get("SPP_EMULATOR_PORT", "8702")), timeout_s=300)


def print_summary(workflow_ids: list[str], env: dict[str, str], started: float) -> bool:
    from include.state import StateStore

    state = StateStore(env["INTEGRATION_STATE_DB_URL"])
    print()
    print(f"{'workflow':<24} {'status':<8} {'created':>13} {'updated':>15} {'skipped':>15} {'failed':>12} {'duration':>9}")
    ok = True
    for wf_id in workflow_ids:
        run = state.last_run(wf_id)
        if run is None or run.finished_at is None or run.started_at.timestamp() < started - 5:
            print(f"{wf_id:<24} {'not run':<8}")
            ok = False
            continue
        seconds = (run.finished_at - run.started_at).total_seconds()
        print(
            f"{wf_id:<24} {run.status:<8} created {run.created:>6}  updated {run.updated:>6}  "
            f"skipped {run.skipped:>6}  failed {run.failed:>5}  {seconds:7.1f}s"
        )
        ok = ok and run.status == "success"
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "up", "down"])
    parser.add_argument("--scale", default=os.environ.get("INTEGRATION_SEED_SCALE", "small"))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("INTEGRATION_RUN_TIMEOUT_S", "3600")))
    args = parser.parse_args(argv)

    if args.command == "down":
        return stop_recorded()

    env = airflow_env(schedules="manual" if args.command == "run" else "on")
    group = ProcessGroup(VAR_DIR / "logs")
    started = time.time()
    try:
        if uses_local_services(env):
            print(f"Starting the local NetSuite and SuiteProjects Pro services (seed: {args.scale}) ...", flush=True)
            start_local_services(group, env, args.scale)
        print("Initialising Airflow (metadata DB, pools, connections) ...", flush=True)
        prepare_airflow(env)
        start_airflow(group, env)
        api = AirflowApi(env["AIRFLOW__API__BASE_URL"], "admin", os.environ.get("AIRFLOW_ADMIN_PASSWORD", "admin"))
        from include.mapping.loader import load_workflows
        from include.paths import MAPPINGS_DIR

        workflows, errors = load_workflows(MAPPINGS_DIR)
        for name, error in errors.items():
            print(f"WARNING invalid mapping {name}: {error}", flush=True)
        enabled = [w.id for w in workflows.values() if w.enabled]
        api.wait_for_dags(["integration_all", *enabled])
        if args.command == "up":
            print(f"\nAirflow UI: {env['AIRFLOW__API__BASE_URL']}  login: admin / {os.environ.get('AIRFLOW_ADMIN_PASSWORD', 'admin')}")
            print("Local services: NetSuite http://127.0.0.1:8701  SuiteProjects Pro http://127.0.0.1:8702")
            print("Press Ctrl-C to stop.", flush=True)
            while True:
                group.check()
                time.sleep(2)
        print("Running every workflow once through the scheduler (DAG integration_all) ...", flush=True)
        run_id = api.trigger("integration_all", {"full_sync": False})
        state = api.wait_for_run("integration_all", run_id, timeout_s=args.timeout, on_poll=group.check)
        ok = print_summary(enabled, env, started) and state == "success"
        print(f"\nintegration_all: {state} in {time.time() - started:.0f}s (logs: {VAR_DIR / 'logs'}, "
              f"{Path(env['AIRFLOW_HOME']) / 'logs'})")
        return 0 if ok else 1
    except KeyboardInterrupt:
        return 0
    finally:
        group.stop()


def stop_recorded() -> int:
    """Stop processes a previous `make up` left behind (from their pid files)."""
    import signal

    for pid_file in (VAR_DIR / "logs").glob("*.pid"):
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
        pid_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
