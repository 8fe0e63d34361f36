"""The local SuiteProjects Pro XML API service: ``POST /api.pl`` plus ``/_emulator/*``.

``/_emulator/spp/ui/*`` (``ui.py``) stands for what people do in the web UI (create read-only
objects such as purchase requests, approve them); the OData feed is in ``odata.py``.

One request is handled as: bounded body read -> safe XML parse -> request-level fault rules
(``slow``, ``http_error``, ``drop_after_commit``, ``rate_limit``) -> the commands, in order, on
a worker thread holding the store lock -> simulated latency -> the ``<response>``.
Protocol behaviour and its sources: docs/EMULATORS.md.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from emulators.control import (
    MAX_BODY_BYTES,
    EmulatorControl,
    FaultBook,
    FaultRule,
    LatencyModel,
    read_body_limited,
)
from emulators.settings import SppSettings
from emulators.spp import protocol as p
from emulators.spp.commands import CommandContext, command_types, execute
from emulators.spp.odata import OdataService, OdataStats
from emulators.spp.session import RateLimiter, api_key_valid
from emulators.spp.ui import routes as ui_routes
from emulators.store import RecordStore
from include.xml_safety import UnsafeXmlError, parse_xml

XML_MEDIA_TYPE = "application/xml"
REQUEST_FAULT_KINDS = frozenset({"slow", "http_error", "drop_after_commit", "rate_limit"})
_SERVER_SEND = "spp.server_send"  # scope key holding the ASGI server's own send callable


class SppApp(Starlette):
    """Starlette app that remembers the server's ``send`` so a fault can drop the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_SERVER_SEND] = send
        await super().__call__(scope, receive, send)


@dataclass
class _Service:
    """The state one ``/api.pl`` handler needs, built once per app."""

    store: RecordStore
    settings: SppSettings
    control: EmulatorControl
    limiter: RateLimiter
    body_limit: int
    lock: threading.Lock


def create_app(settings: SppSettings | None = None, store: RecordStore | None = None) -> Starlette:
    """The SPP XML API service over ``store`` (default: the ``settings.db_url`` database).

    ``app.state`` exposes ``store``, ``settings``, ``control`` (latency, faults, stats) and
    ``limiter`` (the request budget).
    """
    settings = settings or SppSettings()
    store = store or RecordStore(settings.db_url)
    limiter = RateLimiter(settings)

    def reset_data() -> None:
        store.clear()
        limiter.reset()
        odata.clear()  # published reports are republished from the data on the next OData request

    def seed_data(scale: str) -> dict[str, int]:
        from emulators.seed import seed_spp  # written separately; heavy, so imported late

        counts = seed_spp(store, scale)
        odata.publish_seeded()
        return counts

    control = EmulatorControl(
        latency=LatencyModel(settings.latency_ms / 1000.0, settings.latency_per_record_ms / 1000.0),
        faults=FaultBook(),
        stats=OdataStats(),  # Stats plus the OData counters
        reset_data=reset_data,
        seed_data=seed_data,
    )
    service = _Service(store, settings, control, limiter, MAX_BODY_BYTES, threading.Lock())
    odata = OdataService(store, settings, control, service.lock, limiter)  # /odata/v4/* (published reports)

    async def api(request: Request) -> Response:
        control.stats.enter()
        try:
            return await _handle(service, request)
        finally:
            control.stats.leave()

    app = SppApp(
        routes=[
            Route("/api.pl", api, methods=["POST", "PUT"]),
            *control.routes(),
            *ui_routes(store, service.lock),  # SPP only: what people do in the web UI
            *odata.routes(),
        ]
    )
    app.state.store = store
    app.state.settings = settings
    app.state.control = control
    app.state.limiter = limiter
    app.state.service = service
    app.state.odata = odata
    return app


def _xml(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type=XML_MEDIA_TYPE)


def _request_error(message: str, status_code: int = 200, code: int = p.UNKNOWN_ERROR) -> Response:
    # API errors travel with HTTP 200 (reference §6, assumption); only transport-level
    # refusals such as an oversized body use an HTTP error status as well
    return _xml(p.request_error_document(code, message), status_code)


async def _handle(service: _Service, request: Request) -> Response:
    body = await read_body_limited(request, service.body_limit)
    if body is None:
        return _request_error(f"request body larger than {service.body_limit} bytes", 413)
    try:
        root = parse_xml(body)
    except UnsafeXmlError as exc:
        return _request_error(str(exc))
    except etree.XMLSyntaxError as exc:
        return _request_error(f"malformed XML: {exc}")
    if root.tag != "request":
        return _request_error(f"expected a <request> document, got <{root.tag}>")
    version = root.get("API_ver") or root.get("API_version")
    if version != "1.0":
        return _request_error(f'the request needs API_ver="1.0" (got {version!r})')
    commands = [child for child in root if isinstance(child.tag, str)]
    if len(commands) > p.MAX_COMMANDS_PER_REQUEST:
        return _request_error(f"more than {p.MAX_COMMANDS_PER_REQUEST} commands", code=p.TOO_MANY_ARGUMENTS)

    control = service.control
    fired = _draw_request_faults(control, commands)
    if "http_error" in fired:
        status = int(fired["http_error"].params.get("status", 503))
        return PlainTextResponse(f"emulated HTTP {status}", status_code=status)

    context = CommandContext(
        store=service.store,
        settings=service.settings,
        stats=control.stats,
        faults=control.faults,
        limiter=service.limiter,
        api_key_ok=api_key_valid(root, service.settings),
        force_rate_limit="rate_limit" in fired,
    )

    def run() -> list[etree._Element]:
        with service.lock:  # one request at a time against the store (SQLite, one clock)
            return [execute(context, command) for command in commands]

    answers = await asyncio.get_running_loop().run_in_executor(None, run)
    document = p.response_document(answers)
    await control.latency.wait(context.objects)
    if "slow" in fired:
        await asyncio.sleep(float(fired["slow"].params.get("delay_s", 1.0)))
    if "drop_after_commit" in fired:
        await _drop_connection(request)
    return _xml(document)


def _draw_request_faults(control: EmulatorControl, commands: list[etree._Element]) -> dict[str, FaultRule]:
    """Request-level rules that fire, by kind (first firing rule of each kind wins).

    Rules match per command (``operation`` = command tag, ``record_type`` = its ``type``);
    ``Auth`` is matched only when the request holds nothing else.
    """
    matched = [c for c in commands if c.tag != "Auth"] or commands
    fired: dict[str, FaultRule] = {}
    if not any(rule.kind in REQUEST_FAULT_KINDS for rule in control.faults.rules()):
        return fired
    for command in matched:
        for rule in control.faults.draw(command.tag, command_types(command), kinds=set(REQUEST_FAULT_KINDS)):
            if rule.kind not in fired:
                fired[rule.kind] = rule
                control.stats.faults_injected[rule.kind] += 1
    return fired


class ConnectionDropped(ConnectionAbortedError):
    """Raised when the ASGI server gives no way to close the socket (the client still sees no answer)."""


async def _drop_connection(request: Request) -> None:
    """Close the client's TCP connection without an HTTP response (the write is already committed).

    uvicorn's ``send`` is a method of its per-request cycle object, which holds the asyncio
    transport; closing it makes the later response a no-op and the client sees the peer hang up.
    """
    send: Callable[..., Any] | None = request.scope.get(_SERVER_SEND)
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionDropped("drop_after_commit")
    transport.close()
    for _ in range(3):  # let connection_lost run so uvicorn marks the cycle disconnected
        await asyncio.sleep(0)
