"""Specification of docker-compose.yaml: Airflow 3.3's cluster shape, checked without Docker.

No Docker engine here, so the file is checked by hand against the compose-spec rules that
matter; when the ``docker compose`` plugin exists, ``docker compose config -q`` checks it too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.paths import PROJECT_ROOT
from runtime.stack import connection_variables

pytestmark = pytest.mark.cluster

COMPOSE = PROJECT_ROOT / "docker-compose.yaml"
AIRFLOW_SERVICES = [
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
]
SERVICES = ["postgres", "redis", *AIRFLOW_SERVICES, "emulators", "mailpit"]
# top-level and service keys of the compose specification that this file may use
TOP_LEVEL_KEYS = {
    "version",
    "name",
    "services",
    "networks",
    "volumes",
    "configs",
    "secrets",
    "include",
    "models",
}
SERVICE_KEYS = {
    "build",
    "image",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "ports",
    "expose",
    "healthcheck",
    "restart",
    "depends_on",
    "deploy",
    "user",
    "profiles",
    "networks",
    "hostname",
    "working_dir",
    "labels",
    "logging",
    "init",
    "stop_grace_period",
    "stop_signal",
    "extra_hosts",
    "ulimits",
    "secrets",
}
HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval", "disable"}
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def test_every_expected_service_is_present(services: dict[str, Any]) -> None:
    assert set(SERVICES) <= set(services), sorted(set(SERVICES) - set(services))


def test_airflow_services_share_one_image_build_and_environment(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    common = compose["x-airflow-common"]
    assert common["build"]["dockerfile"] == "docker/Dockerfile"
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["image"] == common["image"], name
        assert svc["build"] == common["build"], name
        # the anchor's variables are all there, unchanged (services may only add)
        assert {k: svc["environment"][k] for k in common["environment"]} == common["environment"], name
        assert svc["env_file"] == common["env_file"], name
        assert svc["volumes"] == common["volumes"], name


def test_the_image_is_airflow_332_with_the_repository_pins() -> None:
    dockerfile = (PROJECT_ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.2-python3\.11$", dockerfile, re.M)
    assert "pip install --no-cache-dir -r /opt/airflow/project/requirements.txt" in dockerfile
    assert "COPY --chown=airflow:root requirements.txt" in dockerfile


def test_jwt_secret_and_fernet_key_come_from_one_env_file(compose: dict[str, Any]) -> None:
    env_file = compose["x-airflow-common"]["env_file"]
    assert env_file == [{"path": ".env", "required": True}]
    example = (PROJECT_ROOT / ".env.example").read_text()
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__FERNET_KEY"):
        assert re.search(rf"^{key}=", example, re.M), key
        # the env file is the only source: the shared environment must not carry a second value
        assert key not in compose["x-airflow-common"]["environment"]


def test_services_reach_each_other_and_run_the_project(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["PYTHONPATH"] == "/opt/airflow/project"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert (
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        and "@postgres/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    )
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    assert env["INTEGRATION_STATE_DB_URL"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CORE__TEST_CONNECTION"] == "Enabled"
    assert services["airflow-init"]["command"] == ["python", "-m", "runtime.cluster", "init"]
    assert services["emulators"]["command"][:3] == ["python", "-m", "emulators"]
    assert services["airflow-worker"]["command"][-2:] == ["celery", "worker"]


def test_the_services_reach_netsuite_spp_and_mail_through_the_connections_only(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    """Only airflow-init sees what include/config/connections.json is rendered with."""
    init = services["airflow-init"]["environment"]
    assert init["NETSUITE_ENDPOINT"] == "${NETSUITE_ENDPOINT:-http://emulators:8701}"
    assert init["SPP_BASE_URL"] == "${SPP_BASE_URL:-http://emulators:8702}"
    assert (init["SMTP_HOST"], init["SMTP_PORT"]) == ("mailpit", "1025")
    read_by_connections = connection_variables()
    assert {"NETSUITE_ENDPOINT", "SPP_BASE_URL", "SMTP_HOST"} <= read_by_connections
    for name in AIRFLOW_SERVICES:
        if name != "airflow-init":
            assert not read_by_connections & set(services[name]["environment"]), name


def test_the_image_installs_the_project_as_a_provider() -> None:
    dockerfile = (PROJECT_ROOT / "docker" / "Dockerfile").read_text()
    assert "COPY --chown=airflow:root pyproject.toml /opt/airflow/project/pyproject.toml" in dockerfile
    assert "pip install --no-cache-dir --no-deps --editable /opt/airflow/project" in dockerfile
    for folder in ("include", "operators", "plugins", "dags"):  # the packages pyproject.toml names
        assert f"COPY --chown=airflow:root {folder} /opt/airflow/project/{folder}" in dockerfile


def test_project_folders_are_mounted_and_exist(compose: dict[str, Any]) -> None:
    mounted = {}
    for volume in compose["x-airflow-common"]["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounted[source[2:]] = target
            assert (PROJECT_ROOT / source).is_dir(), source
        else:
            assert source in compose["volumes"], f"named volume {source} not declared"
    for folder in ("dags", "plugins", "operators", "include", "mappings"):
        assert mounted[folder] == f"/opt/airflow/project/{folder}"


def test_every_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    for name, svc in services.items():
        check = svc.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
        assert set(check) <= HEALTHCHECK_KEYS, name
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        for key in ("interval", "timeout", "start_period"):
            assert key not in check or DURATION.match(check[key]), f"{name}.{key}"


def test_dependencies_name_services_with_valid_conditions(services: dict[str, Any]) -> None:
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, svc in services.items():
        for dep, how in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert how["condition"] in conditions, name
        if name.startswith("airflow-") and name != "airflow-init":
            assert svc["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def test_the_file_follows_the_compose_specification(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    assert set(k for k in compose if not k.startswith("x-")) <= TOP_LEVEL_KEYS
    for name, svc in services.items():
        assert re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$", name)
        assert set(svc) <= SERVICE_KEYS, f"{name}: {sorted(set(svc) - SERVICE_KEYS)}"
        assert "image" in svc or "build" in svc, name
        assert isinstance(svc.get("environment", {}), dict), name
        for value in svc.get("environment", {}).values():
            assert isinstance(value, str), f"{name}: environment values must be strings (quote them)"
        for port in svc.get("ports", []):
            assert re.match(r"^\d+:\d+$", port), f"{name}: {port}"
        assert svc.get("restart", "no") in ("no", "always", "on-failure", "unless-stopped"), name
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith(("./", "/")) or source in compose["volumes"], f"{name}: {volume}"


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if not docker or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose plugin not installed; the hand checks above stand in for it")
    env = tmp_path / ".env"
    env.write_text((PROJECT_ROOT / ".env.example").read_text())
    proc = subprocess.run(
        [
            docker,
            "compose",
            "-f",
            str(COMPOSE),
            "--env-file",
            str(env),
            "--project-directory",
            str(PROJECT_ROOT),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
