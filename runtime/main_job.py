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
import time
from pathlib import Path

from include.paths import VAR_DIR
from runtime.embedded import EmbeddedStack


def print_summary(workflow_ids: list[str], env: dict[str, str], started: float) -> bool:
    """One line per workflow, as a group run's summary prints them; True when every one succeeded."""
    import datetime as dt

    from include.engine.summary import group_outcomes
    from include.state import StateStore

    state = StateStore(env["INTEGRATION_STATE_DB_URL"])
    since = dt.datetime.fromtimestamp(started - 5, dt.UTC)
    outcomes = group_outcomes(state, workflow_ids, since)
    print()
    for outcome in outcomes:
        print(outcome.line())
    return all(o.ok for o in outcomes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["run", "up", "down"])
    parser.add_argument("--scale", default=os.environ.get("INTEGRATION_SEED_SCALE", "small"))
    parser.add_argument(
        "--timeout", type=float, default=float(os.environ.get("INTEGRATION_RUN_TIMEOUT_S", "3600"))
    )
    args = parser.parse_args(argv)

    if args.command == "down":
        return stop_recorded()

    stack = EmbeddedStack(
        var_dir=VAR_DIR,
        api_port=int(os.environ.get("AIRFLOW_API_PORT", "8080")),
        netsuite_port=int(os.environ.get("NETSUITE_EMULATOR_PORT", "8701")),
        spp_port=int(os.environ.get("SPP_EMULATOR_PORT", "8702")),
        scale=args.scale,
        schedules="manual" if args.command == "run" else "on",
        reseed=os.environ.get("INTEGRATION_RESEED", "1") == "1",
    )
    env = stack.env
    started = time.time()
    try:
        from include.mapping.loader import execution_order, load_workflows
        from include.paths import MAPPINGS_DIR

        workflows, errors = load_workflows(MAPPINGS_DIR)
        for name, error in errors.items():
            print(f"WARNING invalid mapping {name}: {error}", flush=True)
        enabled = [w for w in execution_order(workflows) if workflows[w].enabled]
        if stack.local_services:
            print(
                f"Starting the local NetSuite and SuiteProjects Pro services (seed: {args.scale}) ...",
                flush=True,
            )
        else:
            print("Using the NetSuite and SuiteProjects Pro accounts from the environment ...", flush=True)
        print("Initialising Airflow (metadata DB, pools, connections) and starting it ...", flush=True)
        api = stack.start(wait_for_dags=["integration_all", *enabled])
        if args.command == "up":
            password = env.get("AIRFLOW_ADMIN_PASSWORD", "admin")
            print(f"\nAirflow UI: {env['AIRFLOW__API__BASE_URL']}  login: admin / {password}")
            if stack.local_services:
                print(
                    f"Local services: NetSuite http://127.0.0.1:{stack.netsuite_port}  "
                    f"SuiteProjects Pro http://127.0.0.1:{stack.spp_port}"
                )
            print("Press Ctrl-C to stop.", flush=True)
            while True:
                for name in stack.group.revive():
                    print(
                        f"{name} exited; started it again (log: {VAR_DIR / 'logs' / (name + '.log')})",
                        flush=True,
                    )
                time.sleep(2)
        print("Running every workflow once through the scheduler (DAG integration_all) ...", flush=True)
        run_id = api.trigger("integration_all", {"full_sync": False})
        state = api.wait_for_run("integration_all", run_id, timeout_s=args.timeout, on_poll=stack.group.check)
        ok = print_summary(enabled, env, started) and state == "success"
        print(
            f"\nintegration_all: {state} in {time.time() - started:.0f}s (logs: {VAR_DIR / 'logs'}, "
            f"{Path(env['AIRFLOW_HOME']) / 'logs'})"
        )
        return 0 if ok else 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


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
