"""The embedded default as one object: local services + Airflow (SQLite, LocalExecutor).

``make run`` / ``make up`` and the end-to-end tests start the same stack, so the tests exercise
what a user runs. Everything lives under one ``var_dir`` and every port is a parameter, so a test
stack never collides with a user's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runtime.airflow_env import airflow_env
from runtime.stack import (
    AirflowApi,
    ProcessGroup,
    connection_variables,
    prepare_airflow,
    render_connections,
    start_airflow,
    start_local_services,
)


def uses_local_services(environ: dict[str, str]) -> bool:
    """True unless the user pointed the integration at real accounts."""
    real = [k for k in ("NETSUITE_ENDPOINT", "NETSUITE_WSDL_URL", "SPP_BASE_URL") if environ.get(k)]
    return not real or environ.get("INTEGRATION_USE_EMULATORS") == "1"


def local_endpoints(netsuite_port: int, spp_port: int) -> dict[str, str]:
    """What ``connections.json`` is rendered with to reach the local services (base URLs: the
    NetSuite hook appends ``/services/NetSuitePort_<WSDL version>``)."""
    return {
        "NETSUITE_ENDPOINT": f"http://127.0.0.1:{netsuite_port}",
        "NETSUITE_WSDL_URL": "",
        "SPP_BASE_URL": f"http://127.0.0.1:{spp_port}",
        "SPP_ODATA_BASE_URL": f"http://127.0.0.1:{spp_port}",  # the same local service serves OData v4
    }


def connection_settings(environ: dict[str, str]) -> dict[str, str]:
    """The variables of ``environ`` that ``include/config/connections.json`` reads."""
    names = connection_variables()
    return {key: value for key, value in environ.items() if key in names}


@dataclass
class EmbeddedStack:
    """Start/stop the local services and Airflow's components as child processes.

    ``env`` is the Airflow processes' environment; ``connection_env`` adds the connections'
    variables (credentials, the local services' endpoints): the connections are rendered with it
    and the local services run with it, so both sides agree on the credentials, while the product
    finds NetSuite and SuiteProjects Pro only through its connections, as a user's would.
    """

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
    connection_env: dict[str, str] = field(init=False, default_factory=dict)
    local_services: bool = field(init=False, default=True)

    def __post_init__(self) -> None:
        self.var_dir = Path(self.var_dir)
        self.group = ProcessGroup(self.var_dir / "logs")
        base = {**os.environ, **self.extra_env}
        self.local_services = uses_local_services(base)
        settings = connection_settings(base)
        services = {
            "NETSUITE_EMULATOR_PORT": str(self.netsuite_port),
            "SPP_EMULATOR_PORT": str(self.spp_port),
            "EMULATOR_DATA_DIR": str(self.var_dir / "emulators"),
            "NETSUITE_EMULATOR_DB": f"sqlite:///{self.var_dir}/emulators/netsuite.db",
            "SPP_EMULATOR_DB": f"sqlite:///{self.var_dir}/emulators/spp.db",
        }
        extra = {
            **services,
            "INTEGRATION_STATE_DB_URL": base.get(
                "INTEGRATION_STATE_DB_URL", f"sqlite:///{self.var_dir}/state.db"
            ),
            "INTEGRATION_VAR_DIR": str(self.var_dir),
            **{key: value for key, value in self.extra_env.items() if key not in settings},
        }
        self.env = airflow_env(
            home=self.var_dir / "airflow", api_port=self.api_port, schedules=self.schedules, extra=extra
        )
        if self.local_services:
            settings.update(local_endpoints(self.netsuite_port, self.spp_port))
        self.connection_env = {**self.env, **settings}

    def connections(self) -> dict[str, dict[str, Any]]:
        """The connections this stack imports into Airflow (secrets included: never log them)."""
        return render_connections(self.connection_env)

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
                self.group, self.connection_env, scale=self.scale, reseed=self.reseed,
                netsuite_port=self.netsuite_port, spp_port=self.spp_port,
            )  # fmt: skip
        prepare_airflow(self.env, self.connection_env)
        start_airflow(self.group, self.env)
        api = self.api
        if wait_for_dags:
            api.wait_for_dags(wait_for_dags, on_poll=self.group.check)
        return api

    def stop(self) -> None:
        self.group.stop()
