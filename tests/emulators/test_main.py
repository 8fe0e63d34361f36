"""Specification of ``python -m emulators`` (``make emulators``): both local services in one
process, configured by environment variables, seeded on request, and keeping their data across restarts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from emulators.serve import free_port
from emulators.settings import NetSuiteSettings, SppSettings
from emulators.store import RecordStore
from include.netsuite.client import NetSuiteClient
from include.spp.client import SppClient

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_NETSUITE_CUSTOMERS = 20  # emulators/seeding/scales.py, scale "tiny"
TINY_SPP_CUSTOMERS = 15  # the tiny scale's customers imported into SPP plus the SPP-only ones
START_TIMEOUT_S = 60


@dataclass
class Emulators:
    """One run of ``python -m emulators`` as a child process."""

    process: subprocess.Popen[bytes]
    ns_port: int
    spp_port: int
    log: Path

    @property
    def ns_url(self) -> str:
        return f"http://127.0.0.1:{self.ns_port}"

    @property
    def spp_url(self) -> str:
        return f"http://127.0.0.1:{self.spp_port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, as ``make`` and the main job's process group send it; uvicorn re-raises it on exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        assert self.process.returncode in (0, -15), self.output()


class Launcher:
    """Starts the emulators process on fixed free ports with its data under ``tmp_path``."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        self.tmp_path = tmp_path
        self.ns_port, self.spp_port = free_port(), free_port()
        self.runs = 0
        self.running: list[Emulators] = []

    def env(self) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("NETSUITE_", "SPP_", "EMULATOR_"))
        }  # the developer's shell must not leak in
        env.update(
            PYTHONPATH=str(REPO_ROOT),
            EMULATOR_DATA_DIR=str(self.data_dir),  # both databases default to files in this directory
            NETSUITE_EMULATOR_PORT=str(self.ns_port),
            SPP_EMULATOR_PORT=str(self.spp_port),
        )
        return env

    def start(self, *args: str) -> Emulators:
        self.runs += 1
        log = self.tmp_path / f"emulators-{self.runs}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "emulators",
                    "--latency-ms",
                    "0",
                    "--latency-per-record-ms",
                    "0",
                    *args,
                ],
                cwd=REPO_ROOT,
                env=self.env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        emulators = Emulators(process, self.ns_port, self.spp_port, log)
        self.running.append(emulators)
        _wait_until_serving(emulators)
        return emulators

    def stop_all(self) -> None:
        for emulators in self.running:
            if emulators.process.poll() is None:
                emulators.process.kill()
                emulators.process.wait(timeout=5)


def _wait_until_serving(emulators: Emulators) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    pending = {emulators.ns_url, emulators.spp_url}
    while pending:
        if emulators.process.poll() is not None:
            pytest.fail(f"the emulators exited with {emulators.process.returncode}:\n{emulators.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the emulators did not listen within {START_TIMEOUT_S}s:\n{emulators.output()}")
        for url in list(pending):
            try:
                if httpx.get(f"{url}/_emulator/stats", timeout=1).status_code == 200:
                    pending.discard(url)
            except httpx.TransportError:
                pass
        time.sleep(0.1)


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path)
    try:
        yield launcher
    finally:
        launcher.stop_all()


def netsuite_client(emulators: Emulators) -> NetSuiteClient:
    s = NetSuiteSettings()  # the credentials' defaults, as the process uses them
    return NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        s.token_secret,
        endpoint=f"{emulators.ns_url}/services/NetSuitePort_2023_2",
        max_retries=0,
    )


def spp_client(emulators: Emulators) -> SppClient:
    s = SppSettings()
    return SppClient(
        emulators.spp_url, s.company, s.user, s.password, s.api_namespace, s.api_key, max_retries=0
    )


def customer_counts(emulators: Emulators) -> tuple[int, int]:
    """(NetSuite customers, SPP customers) as the integration's clients see them over HTTP."""
    ns_count = sum(1 for _ in netsuite_client(emulators).search("customer"))
    with spp_client(emulators) as spp:
        spp_count = sum(1 for _ in spp.read("Customer"))
    return ns_count, spp_count


def test_serves_the_wsdl_and_the_control_plane_of_both_services(launcher: Launcher) -> None:
    emulators = launcher.start("--seed", "tiny")

    wsdl = httpx.get(f"{emulators.ns_url}/wsdl/v2023_2_0/netsuite.wsdl", timeout=10)
    assert wsdl.status_code == 200
    assert f"{emulators.ns_url}/services/NetSuitePort_2023_2" in wsdl.text  # soap:address is this server
    assert (
        httpx.get(f"{emulators.ns_url}/wsdl/v2023_2_0/xsd/platform.core.xsd", timeout=10).status_code == 200
    )
    for url in (emulators.ns_url, emulators.spp_url):
        stats = httpx.get(f"{url}/_emulator/stats", timeout=10).json()
        assert stats["requests_total"] == 0
        assert stats["latency"] == {"per_request_s": 0.0, "per_record_s": 0.0}  # --latency-ms 0 took effect
    assert f"http://127.0.0.1:{emulators.spp_port}/api.pl" in emulators.output()
    emulators.stop()


def test_data_are_files_under_the_data_directory_and_survive_a_restart(launcher: Launcher) -> None:
    first = launcher.start("--seed", "tiny")
    assert customer_counts(first) == (TINY_NETSUITE_CUSTOMERS, TINY_SPP_CUSTOMERS)
    # one write on each side, so a silent re-seed after the restart would show
    assert (
        netsuite_client(first)
        .upsert_list(
            "customer", [{"externalId": "restart-1", "entityId": "RESTART-1", "companyName": "Restart Ltd"}]
        )[0]
        .ok
    )
    with spp_client(first) as spp:
        assert spp.add("Customer", [{"name": "Restart Ltd", "company": "Restart Ltd"}])[0].ok
    first.stop()
    assert (launcher.data_dir / "netsuite.db").is_file() and (launcher.data_dir / "spp.db").is_file()

    second = launcher.start("--seed", "tiny")  # no --reseed: the stores are not empty, nothing is touched
    assert customer_counts(second) == (TINY_NETSUITE_CUSTOMERS + 1, TINY_SPP_CUSTOMERS + 1)
    assert "'seeded': False" in second.output()
    second.stop()

    store = RecordStore(f"sqlite:///{launcher.data_dir}/netsuite.db")
    assert store.get_by_external_id("customer", "restart-1") is not None


def test_reseed_wipes_both_services_and_seeds_again(launcher: Launcher) -> None:
    first = launcher.start("--seed", "tiny")
    with spp_client(first) as spp:
        assert spp.add("Customer", [{"name": "Gone Ltd", "company": "Gone Ltd"}])[0].ok
    first.stop()

    second = launcher.start("--seed", "tiny", "--reseed")
    assert customer_counts(second) == (TINY_NETSUITE_CUSTOMERS, TINY_SPP_CUSTOMERS)
    second.stop()
