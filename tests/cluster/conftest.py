"""A native cluster for the tests: real PostgreSQL, real Redis, real Celery workers, fast settings.

Everything the cluster writes lives in a temporary directory, in two test databases and in one
Redis database of its own, so it never meets a user's ``make cluster`` or ``make up``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulators.serve import free_port
from include.paths import PROJECT_ROOT
from runtime.cluster import Cluster, ClusterConfig, drop_database, start

PG_SERVER = os.environ.get("CLUSTER_TEST_PG_SERVER", "postgresql+psycopg2://postgres@127.0.0.1:5432")
BROKER = os.environ.get("CLUSTER_TEST_BROKER_URL", "redis://127.0.0.1:6379/9")
POOL_SLOTS = 3
BATCH_SIZE = 1  # tiny seed: ~60 approved time entries to create -> ~60 batches


def _answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def services_up() -> None:
    """PostgreSQL and Redis must answer; CI fails without them, a laptop skips."""
    missing = [
        name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not _answers("127.0.0.1", port)
    ]
    if missing:
        message = f"{' and '.join(missing)} not answering on 127.0.0.1 (see docs/CLUSTER.md)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def mappings_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's mappings, with time entries exported one per batch (many mapped tasks)."""
    target = tmp_path_factory.mktemp("mappings")
    shutil.copytree(PROJECT_ROOT / "mappings", target, dirs_exist_ok=True)
    path = target / "time_entries_export.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["batch_size"] = BATCH_SIZE
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return target


@pytest.fixture(scope="session")
def cluster_config(tmp_path_factory: pytest.TempPathFactory, mappings_dir: Path) -> ClusterConfig:
    airflow_db = f"{PG_SERVER}/airflow_cluster_test"
    return ClusterConfig(
        cluster_dir=tmp_path_factory.mktemp("cluster"),
        airflow_db_url=airflow_db,
        state_db_url=f"{PG_SERVER}/integration_state_cluster_test",
        broker_url=BROKER,
        result_backend=f"db+postgresql://{airflow_db.split('://', 1)[1]}",
        workers=2,
        worker_concurrency=2,
        parallelism=8,
        api_port=free_port(),
        netsuite_port=free_port(),
        spp_port=free_port(),
        seed_scale="tiny",
        schedules="manual",
        start_timeout_s=240,
        extra_env={
            "INTEGRATION_MAPPINGS_DIR": str(mappings_dir),
            "INTEGRATION_NETSUITE_THREADS": str(POOL_SLOTS),
            # one slot per load task: three loads at once, more than one worker's two slots, so both
            # workers run some (one task of three slots landed on one worker by chance, or not)
            "INTEGRATION_SLOTS_PER_LOAD_TASK": "1",
            "INTEGRATION_USE_EMULATORS": "1",
            # writes slow enough that loads overlap: the pool, not luck, keeps concurrency down
            "NETSUITE_LATENCY_MS": "400",
            "EMULATOR_LATENCY_MS": "10",
            "EMULATOR_LATENCY_PER_RECORD_MS": "0",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "40",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        },
    )


@pytest.fixture(scope="session")
def native_cluster(services_up: None, cluster_config: ClusterConfig) -> Iterator[Cluster]:
    """The running cluster (fresh databases and broker); stopped and cleaned up afterwards."""
    import redis

    for url in (cluster_config.airflow_db_url, cluster_config.state_db_url):
        drop_database(url)
    redis.Redis.from_url(cluster_config.broker_url).flushdb()
    cluster = start(cluster_config)
    try:
        yield cluster
    finally:
        cluster.stop()
        for url in (cluster_config.airflow_db_url, cluster_config.state_db_url):
            drop_database(url)
        redis.Redis.from_url(cluster_config.broker_url).flushdb()
