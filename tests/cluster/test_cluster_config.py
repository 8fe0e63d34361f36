"""Specification of the native launcher's configuration and bookkeeping (runtime/cluster.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from runtime.cluster import (
    CELERY_EXECUTOR,
    NODE_NAME_VAR,
    ClusterConfig,
    cluster_env,
    drop_database,
    ensure_database,
    node_hostname,
    stop_recorded,
)

pytestmark = pytest.mark.cluster


def test_defaults_put_both_databases_on_local_postgres_and_the_broker_on_redis(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env({"CLUSTER_DIR": str(tmp_path)})
    assert cfg.airflow_db_url == "postgresql+psycopg2://postgres@127.0.0.1:5432/airflow_cluster"
    assert cfg.state_db_url == "postgresql+psycopg2://postgres@127.0.0.1:5432/integration_state_cluster"
    assert cfg.broker_url == "redis://127.0.0.1:6379/0"
    assert cfg.result_backend == "db+postgresql://postgres@127.0.0.1:5432/airflow_cluster"
    assert (cfg.workers, cfg.worker_concurrency, cfg.api_port) == (2, 4, 8080)
    assert cfg.worker_names == ["worker1", "worker2"]


def test_every_setting_is_an_environment_variable(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env(
        {
            "CLUSTER_DIR": str(tmp_path),
            "CLUSTER_AIRFLOW_DB_URL": "postgresql+psycopg2://u:p@db:5432/af",
            "CLUSTER_BROKER_URL": "redis://cache:6379/3",
            "CLUSTER_WORKERS": "3",
            "CLUSTER_WORKER_CONCURRENCY": "8",
            "CLUSTER_API_PORT": "9090",
            "CLUSTER_SCHEDULES": "manual",
        }
    )
    assert cfg.result_backend == "db+postgresql://u:p@db:5432/af"  # follows the metadata DB
    assert (cfg.workers, cfg.worker_concurrency, cfg.api_port, cfg.schedules) == (3, 8, 9090, "manual")
    assert cfg.worker_names == ["worker1", "worker2", "worker3"]


def test_all_processes_share_secrets_and_databases_but_workers_have_their_own_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW__API__PORT", "1234")  # a caller's port must not split the cluster
    cfg = ClusterConfig.from_env({"CLUSTER_DIR": str(tmp_path), "CLUSTER_API_PORT": "8111"})
    api, w1, w2 = cluster_env(cfg), cluster_env(cfg, node="worker1"), cluster_env(cfg, node="worker2")
    for key in (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "INTEGRATION_STATE_DB_URL",
        "AIRFLOW_HOME",
    ):
        assert api[key] == w1[key] == w2[key], key
    assert api["AIRFLOW_HOME"] == str(tmp_path / "airflow")
    assert (tmp_path / "airflow" / "jwt.secret").read_text() == api["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert api["AIRFLOW__CORE__EXECUTOR"] == CELERY_EXECUTOR
    assert api["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8111/execution/"
    assert (w1[NODE_NAME_VAR], w2[NODE_NAME_VAR]) == ("worker1", "worker2")
    assert NODE_NAME_VAR not in api


def test_task_hostnames_name_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NODE_NAME_VAR, "worker2")
    assert node_hostname().startswith("worker2.")
    monkeypatch.delenv(NODE_NAME_VAR)
    assert node_hostname() == socket.gethostname()


def test_stop_signals_only_processes_whose_pid_and_start_time_match(tmp_path: Path) -> None:
    cfg = ClusterConfig.from_env({"CLUSTER_DIR": str(tmp_path)})
    cfg.run_dir.mkdir(parents=True)
    ours = subprocess.Popen(["sleep", "60"], start_new_session=True)
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        created = psutil.Process(ours.pid).create_time()
        (cfg.run_dir / "ours.json").write_text(json.dumps({"pid": ours.pid, "create_time": created}))
        # a record whose pid was recycled by another process: same pid, other start time
        (cfg.run_dir / "stale.json").write_text(
            json.dumps({"pid": stranger.pid, "create_time": created - 1000})
        )
        assert stop_recorded(cfg, timeout_s=10) == ["ours"]
        assert ours.wait(timeout=10) is not None
        time.sleep(0.2)
        assert stranger.poll() is None
        assert list(cfg.run_dir.glob("*.json")) == []
    finally:
        for proc in (ours, stranger):
            proc.kill()
            proc.wait()


def test_databases_are_created_once(services_up: None) -> None:
    url = "postgresql+psycopg2://postgres@127.0.0.1:5432/cluster_launcher_test"
    drop_database(url)
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
    finally:
        drop_database(url)
