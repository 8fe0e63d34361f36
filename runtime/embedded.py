"""The embedded default as one object: local services + Airflow (SQLite, LocalExecutor).

``make run`` / ``make up`` and the end-to-end tests start the same stack, so the tests exercise
what a user runs. Everything lives under one ``var_dir`` and every port is a parameter, so a test
stack never collides with a user's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from runtime.airflow_env import airflow_env
from runtime.stack import AirflowApi, ProcessGroup, prepare_airflow, start_airflow, start_local_services


def uses_local_services(environ: dict[str, str]) -> bool:
    """True unless the user pointed the integration at real accounts."""
    real = [k for k in ("NETSUITE_ENDPOINT", "NETSUITE_WSDL_URL", "SPP_BASE_URL") if environ.get(k)]
    return not real or environ.get("INTEGRATION_USE_EMULATORS") == "1"


@dataclass
class EmbeddedStack:
    """Start/stop the local services and Airflow's components as child processes."""

    var_dir: Path
    api_port: int = 8080
    netsuite_port: int = 8701
    spp_port: int = 8702
    scale: str = "small"
    schedules: str = "manual"
    reseed: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    group: ProcessGroup = field(init=False)
    env: dict[str, str] = field(init=False, default_factory=dict)
    local_services: bool = field(init=False, default=True)

    def __post_init__(self) -> None:
        self.var_dir = Path(self.var_dir)
        self.group = ProcessGroup(self.var_dir / "logs")
        base = {**os.environ, **self.extra_env}
        self.local_services = uses_local_services(base)
        services = {
            "NETSUITE_EMULATOR_PORT": str(self.netsuite_port),
            "SPP_EMULATOR_PORT": str(self.spp_port),
            "EMULATOR_DATA_DIR": str(self.var_dir / "emulators"),
            "NETSUITE_EMULATOR_DB": f"sqlite:///{self.var_dir}/emulators/netsuite.db",
            "SPP_EMULATOR_DB": f"sqlite:///{self.var_dir}/emulators/spp.db",
        }
        if self.local_services:
            services["NETSUITE_ENDPOINT"] = (
                f"http://127.0.0.1:{self.netsuite_port}/services/NetSuitePort_2023_2"
            )
            services["SPP_BASE_URL"] = f"http://127.0.0.1:{self.spp_port}"
        extra = {
            **services,
            "INTEGRATION_STATE_DB_URL": base.get(
                "INTEGRATION_STATE_DB_URL", f"sqlite:///{self.var_dir}/state.db"
            ),
            "INTEGRATION_VAR_DIR": str(self.var_dir),
            **self.extra_env,
        }
        self.env = airflow_env(
            home=self.var_dir / "airflow", api_port=self.api_port, schedules=self.schedules, extra=extra
        )

    @property
    def api(self) -> AirflowApi:
        return AirflowApi(
            self.env["AIRFLOW__API__BASE_URL"], "admin", self.env.get("AIRFLOW_ADMIN_PASSWORD", "admin")
        )

    def start(self, wait_for_dags: list[str] | None = None) -> AirflowApi:
        """Start everything; return an API client once the given DAGs are parsed."""
        (self.var_dir / "emulators").mkdir(parents=True, exist_ok=True)
        if self.local_services:
            start_local_services(
                self.group, self.env, scale=self.scale, reseed=self.reseed,
                netsuite_port=self.netsuite_port, spp_port=self.spp_port,
            )  # fmt: skip
        prepare_airflow(self.env)
        start_airflow(self.group, self.env)
        api = self.api
        if wait_for_dags:
            api.wait_for_dags(wait_for_dags)
        return api

    def stop(self) -> None:
        self.group.stop()
