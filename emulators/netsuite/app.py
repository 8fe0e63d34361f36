"""The local NetSuite SuiteTalk SOAP service (Starlette app), versions 2025_2 (default) and 2023_2.

Routes:

* ``GET /wsdl/v{v}_0/netsuite.wsdl`` and ``GET /wsdl/v{v}_0/xsd/<file>``: the served schema
  subset; the WSDL's ``soap:address`` is this server's own ``/services/NetSuitePort_{v}``.
* ``POST /services/NetSuitePort_{v}``: SOAP 1.1 operations (see ``operations.py``).
* ``/_emulator/*``: stats, reset, seed, fault rules and latency (``control.py``).
* ``GET|POST /_emulator/netsuite/custom-record-types``: list / declare custom record types
  (``custom_records.py``); ``POST`` takes one declaration or a list, creates or replaces by internalId.

A request goes: size limit → safe XML parse → dispatch (Body's first child, SOAPAction as
fallback) → TokenPassport → concurrency slot → fault rules → the operation on the store worker
thread → simulated latency → response. Every failure on the way is a SOAP Fault with NetSuite's
wording, never a traceback. Fault rule kinds: ``concurrency``, ``unexpected_error``, ``slow``
(``delay_s``), ``http_error`` (``status``), ``drop_after_commit`` and ``record_error``
(``field``/``value``/``message``/``code``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from emulators.control import (
    MAX_BODY_BYTES,
    EmulatorControl,
    FaultBook,
    LatencyModel,
    Stats,
    read_body_limited,
)
from emulators.netsuite.auth import PassportVerifier, authenticate
from emulators.netsuite.custom_records import CustomRecordCatalog, declare, next_internal_id, parse_type
from emulators.netsuite.envelope import parse_request, response_envelope
from emulators.netsuite.faults import (
    SoapFault,
    bad_request,
    concurrency_blocked,
    fault_envelope,
    request_too_large,
    unexpected_error,
)
from emulators.netsuite.governance import ConcurrencyGate
from emulators.netsuite.operations import SuiteTalkService
from emulators.netsuite.schema import VERSIONS
from emulators.netsuite.search_sessions import SearchSessions
from emulators.netsuite.wsdl import wsdl_document, xsd_files
from emulators.settings import NetSuiteSettings
from emulators.store import RecordStore

log = logging.getLogger(__name__)

XML_MEDIA_TYPE = "text/xml; charset=utf-8"
_RAW_SEND = "netsuite_emulator.raw_send"


class DropConnection(Response):
    """Abort the TCP connection instead of answering (the ``drop_after_commit`` fault).

    ASGI has no "close without a response" message, so this reaches uvicorn's transport through
    the server's own ``send`` callable (stashed in the scope by :class:`NetSuiteApp`) and aborts
    it; the client sees a reset connection. On a server without that transport it raises, and the
    client gets a bare 500 instead.
    """

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_send = scope.get(_RAW_SEND)
        transport = getattr(getattr(raw_send, "__self__", None), "transport", None)
        if transport is None:
            raise ConnectionAbortedError("drop_after_commit: the server's transport is not reachable")
        transport.abort()
        await asyncio.sleep(0)  # let the server see the disconnect, so it sends nothing more


class NetSuiteApp(Starlette):
    """Starlette app that remembers the server's ``send`` so a response can drop the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_RAW_SEND] = send
        await super().__call__(scope, receive, send)


def _xml(body: bytes, status: int = 200) -> Response:
    return Response(body, status_code=status, media_type=XML_MEDIA_TYPE)


class SoapEndpoint:
    """``POST /services/NetSuitePort_{v}``: the request pipeline around :class:`SuiteTalkService`."""

    def __init__(
        self,
        settings: NetSuiteSettings,
        service: SuiteTalkService,
        control: EmulatorControl,
        verifier: PassportVerifier,
        max_body_bytes: int,
    ) -> None:
        self.settings = settings
        self.service = service
        self.control = control
        self.verifier = verifier
        self.gate = ConcurrencyGate(settings.concurrency_limit, control.stats)
        self.max_body_bytes = max_body_bytes
        # one thread owns the store: operations are serialised, the event loop stays responsive
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netsuite-store")

    async def handle(self, request: Request) -> Response:
        version = request.path_params["version"]
        if version not in VERSIONS:
            return PlainTextResponse(f"No SuiteTalk endpoint for version {version}", status_code=404)
        try:
            body = await read_body_limited(request, self.max_body_bytes)
            if body is None:
                raise request_too_large(self.max_body_bytes)
            soap = parse_request(body, version, request.headers.get("soapaction"))
            self.control.stats.requests[soap.operation] += 1
            authenticate(soap.headers, self.verifier)
            if soap.operation not in self.service.operations:
                raise bad_request(f"Unsupported operation: {soap.operation}")
            async with self.gate.slot():
                return await self._perform(soap, version)
        except SoapFault as fault:
            if fault.reason:
                log.info("SOAP fault %s: %s", fault.faultstring, fault.reason)
            return _xml(fault_envelope(fault, version), fault.status)
        except Exception:  # never a traceback to the client: NetSuite's transient error instead
            log.exception("unexpected error in the SuiteTalk emulator")
            return _xml(fault_envelope(unexpected_error(), version), 500)

    async def _perform(self, soap: Any, version: str) -> Response:
        stats = self.control.stats
        record_types = await self._in_worker(self.service.record_types, soap, version)
        fired = self.control.faults.draw(soap.operation, record_types)
        kinds = {rule.kind: rule for rule in fired}
        for rule in fired:
            stats.faults_injected[rule.kind] += 1
        if "slow" in kinds:
            await asyncio.sleep(float(kinds["slow"].params.get("delay_s", 1.0)))
        if "http_error" in kinds:
            status = int(kinds["http_error"].params.get("status", 503))
            return PlainTextResponse("Service Temporarily Unavailable", status_code=status)
        if "concurrency" in kinds:
            raise concurrency_blocked()
        if "unexpected_error" in kinds:
            raise unexpected_error()
        record_errors = [rule for rule in fired if rule.kind == "record_error"]
        result = await self._in_worker(self.service.handle, soap, version, record_errors)
        payload = await self._in_worker(response_envelope, result.body, version, self.settings.account)
        await self.control.latency.wait(result.records)
        if "drop_after_commit" in kinds:
            return DropConnection()
        return _xml(payload)

    async def _in_worker(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn, *args)


def _seed(store: RecordStore) -> Callable[[str], dict[str, int]]:
    def seed(scale: str) -> dict[str, int]:
        from emulators.seed import seed_netsuite  # written separately; imported only when used

        return seed_netsuite(store, scale)  # the records and the custom record types

    return seed


def create_app(
    settings: NetSuiteSettings | None = None,
    store: RecordStore | None = None,
    *,
    clock: Callable[[], float] = time.time,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> Starlette:
    """Build the SuiteTalk service.

    ``clock`` (Unix seconds) drives passport timestamps, nonce memory and search id expiry, so
    tests can move time; ``max_body_bytes`` caps request bodies (``exceededRequestSizeFault``).
    """
    settings = settings or NetSuiteSettings()
    store = store or RecordStore(settings.db_url)
    stats = Stats()
    sessions = SearchSessions(ttl_s=settings.search_id_ttl_s, clock=clock)
    service = SuiteTalkService(store, stats, sessions)

    def reset_data() -> None:
        store.clear()
        sessions.clear()

    control = EmulatorControl(
        latency=LatencyModel(settings.latency_ms / 1000.0, settings.latency_per_record_ms / 1000.0),
        faults=FaultBook(),
        stats=stats,
        reset_data=reset_data,
        seed_data=_seed(store),
    )
    verifier = PassportVerifier(settings, clock=clock)
    endpoint = SoapEndpoint(settings, service, control, verifier, max_body_bytes)

    async def wsdl(request: Request) -> Response:
        version = request.path_params["version"]
        if version not in VERSIONS:
            return PlainTextResponse("Not Found", status_code=404)
        base = str(request.base_url).rstrip("/")
        return _xml(wsdl_document(version, f"{base}/services/NetSuitePort_{version}").encode("utf-8"))

    async def xsd(request: Request) -> Response:
        version = request.path_params["version"]
        text = xsd_files(version).get(f"xsd/{request.path_params['name']}") if version in VERSIONS else None
        if text is None:
            return PlainTextResponse("Not Found", status_code=404)
        return _xml(text.encode("utf-8"))

    def declare_types(raw: Any) -> list[dict[str, Any]]:
        items = raw if isinstance(raw, list) else [raw]
        declared = []
        for item in items:
            default_id = (
                None if isinstance(item, dict) and item.get("internalId") else next_internal_id(store)
            )
            declared.append(declare(store, parse_type(item, default_internal_id=default_id)).to_json())
        return declared

    async def custom_record_types(request: Request) -> Response:
        if request.method == "GET":
            catalog = await endpoint._in_worker(CustomRecordCatalog.load, store)
            return JSONResponse({"types": [t.to_json() for t in catalog.types]})
        try:
            raw = await request.json()
            declared = await endpoint._in_worker(declare_types, raw)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"types": declared})

    app = NetSuiteApp(
        routes=[
            Route("/_emulator/netsuite/custom-record-types", custom_record_types, methods=["GET", "POST"]),
            Route("/wsdl/v{version}_0/netsuite.wsdl", wsdl, methods=["GET"]),
            Route("/wsdl/v{version}_0/xsd/{name}", xsd, methods=["GET"]),
            Route("/services/NetSuitePort_{version}", endpoint.handle, methods=["POST"]),
            *control.routes(),
        ]
    )
    app.state.settings = settings
    app.state.store = store
    app.state.control = control
    app.state.service = service
    app.state.sessions = sessions
    app.state.verifier = verifier
    app.state.endpoint = endpoint
    return app
