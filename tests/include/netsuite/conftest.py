"""A NetSuite emulator on a loopback port, shared by the client tests of this directory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings
from include.netsuite.client import NetSuiteClient

VERSION = "2025_2"  # the client's default; test_client.py covers 2023_2 too


class Emulator:
    """The running emulator plus helpers for its /_emulator control endpoints."""

    def __init__(self, server: RunningServer, settings: NetSuiteSettings) -> None:
        self.server = server
        self.settings = settings
        self.url = server.url
        self.endpoint = f"{server.url}/services/NetSuitePort_{VERSION}"

    def reset(self) -> None:
        requests.post(f"{self.url}/_emulator/reset", timeout=10).raise_for_status()

    def faults(self, *rules: dict[str, Any]) -> None:
        requests.post(f"{self.url}/_emulator/faults", json=list(rules), timeout=10).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return requests.get(f"{self.url}/_emulator/stats", timeout=10).json()

    def client(self, **overrides: Any) -> NetSuiteClient:
        s = self.settings
        kwargs: dict[str, Any] = dict(
            version=VERSION,
            endpoint=self.endpoint,
            operation_timeout_s=10,
            max_retries=4,
            backoff_base_s=0.01,
            backoff_max_s=0.05,
        )
        kwargs.update(overrides)
        return NetSuiteClient(
            s.account, s.consumer_key, s.consumer_secret, s.token_id, s.token_secret, **kwargs
        )


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    app_module = pytest.importorskip("emulators.netsuite.app", reason="NetSuite emulator not available yet")
    settings = NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    server = serve_in_thread(app_module.create_app(settings))
    try:
        yield Emulator(server, settings)
    finally:
        server.stop()


@pytest.fixture
def netsuite(emulator: Emulator) -> Emulator:
    """The emulator with no records, counters or fault rules."""
    emulator.reset()
    return emulator


@pytest.fixture
def ns(netsuite: Emulator) -> NetSuiteClient:
    """A client of the fresh emulator (zero latency, millisecond backoff)."""
    return netsuite.client()
