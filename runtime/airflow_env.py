"""The environment every Airflow process of the embedded default runs with.

One function builds it, so the API server, scheduler, DAG processor, triggerer and every task
process agree on the metadata database, the JWT secret and the folders. Values already set in
the caller's environment win, which is how a user points the same commands at Postgres or at
another port.

NetSuite and SuiteProjects Pro are reached through Airflow connections only. The variables
``include/config/connections.json`` reads (``NETSUITE_*``, ``SPP_*`` credentials and endpoints,
``SMTP_*``) are used to render those connections (``runtime.stack.prepare_airflow``) and are left out
of the Airflow processes' environment: no task can lean on them, and the secrets live in the
connections (encrypted with the Fernet key), not in every process's environment.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from include.paths import PROJECT_ROOT, VAR_DIR
from runtime.stack import connection_variables

ADMIN_USER = "admin"


def _persistent_secret(path: Path) -> str:
    """A secret generated once per checkout and kept under var/ (never committed)."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _fernet_key(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key)
    path.chmod(0o600)
    return key


def airflow_env(
    *,
    home: Path | None = None,
    api_port: int | None = None,
    schedules: str = "on",
    parallelism: int = 16,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Environment for Airflow processes: os.environ less the connections' variables, plus ours.

    ``extra`` is applied last, as given.
    """
    forced = {"INTEGRATION_SCHEDULES", "PYTHONPATH"} | ({"AIRFLOW_HOME"} if home else set())
    home = home or Path(os.environ.get("AIRFLOW_HOME", VAR_DIR / "airflow"))
    home.mkdir(parents=True, exist_ok=True)
    api_port = api_port or int(os.environ.get("AIRFLOW_API_PORT", "8080"))
    admin_password = os.environ.get("AIRFLOW_ADMIN_PASSWORD", "admin")
    passwords_file = home / "simple_auth_manager_passwords.json"
    passwords_file.write_text(json.dumps({ADMIN_USER: admin_password}))
    passwords_file.chmod(0o600)

    ours = {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__FERNET_KEY": _fernet_key(home / "fernet.key"),
        # the Test button of Admin -> Connections (the hooks' test_connection); only the admin logs in
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
        "AIRFLOW__API_AUTH__JWT_SECRET": _persistent_secret(home / "jwt.secret"),
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "INTEGRATION_SCHEDULES": schedules,
        "PYTHONPATH": os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        "NO_PROXY": "*",
    }
    ours["INTEGRATION_STATE_DB_URL"] = (
        f"sqlite:///{VAR_DIR}/state.db"  # a URL in the environment wins (below)
    )
    hidden = connection_variables()
    env = {key: value for key, value in os.environ.items() if key not in hidden}
    for key, value in ours.items():
        # the caller's explicit settings win, except the folders and the schedule mode we were asked for
        if key in forced or key not in os.environ:
            env[key] = value
    env.update(extra or {})
    return env
