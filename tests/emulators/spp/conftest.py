"""One local SPP service per test module (zero latency, in-memory store), wiped before every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulators.serve import RunningServer, serve_in_thread
from emulators.spp.app import create_app
from emulators.store import RecordStore
from tests.emulators.spp.helpers import SppWire, make_settings


@pytest.fixture(scope="module")
def service() -> Iterator[tuple[RunningServer, object]]:
    settings = make_settings()
    app = create_app(settings, RecordStore("sqlite://"))
    server = serve_in_thread(app)
    yield server, app
    server.stop()


@pytest.fixture
def app(service: tuple[RunningServer, object]) -> object:
    return service[1]


@pytest.fixture
def spp(service: tuple[RunningServer, object]) -> Iterator[SppWire]:
    server, app = service
    wire = SppWire(server, app.state.settings)  # type: ignore[attr-defined]
    assert wire.control("POST", "reset").status_code == 200
    app.state.settings.requests_per_minute = 0  # type: ignore[attr-defined]
    yield wire
    wire.http.close()
