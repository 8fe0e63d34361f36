"""Test harness for the SuiteTalk service: a server on a thread, a strict zeep client built from
the served WSDL, and TokenPassports signed the way a real client signs them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from zeep import Client, Settings

from emulators.netsuite.app import create_app
from emulators.netsuite.auth import sign_passport
from emulators.netsuite.wsdl import binding_qname
from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings
from emulators.store import RecordStore

VERSION = "2023_2"


@dataclass
class FakeClock:
    """Unix-seconds clock the tests move by hand."""

    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def settings(**overrides: Any) -> NetSuiteSettings:
    base = NetSuiteSettings(latency_ms=0, latency_per_record_ms=0, db_url="sqlite://")
    for key, value in overrides.items():
        setattr(base, key, value)
    return base


@dataclass
class SuiteTalk:
    """A running service plus a zeep client bound to it."""

    server: RunningServer
    app: Any
    settings: NetSuiteSettings
    clock: FakeClock
    version: str = VERSION
    client: Client = field(init=False)

    def __post_init__(self) -> None:
        wsdl = f"{self.server.url}/wsdl/v{self.version}_0/netsuite.wsdl"
        self.client = Client(wsdl, settings=Settings(strict=True, xml_huge_tree=True))
        self.service = self.client.create_service(binding_qname(self.version), self.endpoint)

    @property
    def endpoint(self) -> str:
        return f"{self.server.url}/services/NetSuitePort_{self.version}"

    def types(self, urn_name: str, group: str) -> Any:
        """zeep type factory for ``urn:<urn_name>_<v>.<group>.webservices.netsuite.com``."""
        return self.client.type_factory(f"urn:{urn_name}_{self.version}.{group}.webservices.netsuite.com")

    @property
    def core(self) -> Any:
        return self.types("core", "platform")

    @property
    def common(self) -> Any:
        return self.types("common", "platform")

    @property
    def rel(self) -> Any:
        return self.types("relationships", "lists")

    def passport(
        self,
        *,
        nonce: str | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
        token: str | None = None,
        algorithm: str = "HMAC-SHA256",
    ) -> Any:
        s = self.settings
        nonce = nonce or secrets.token_hex(10)
        timestamp = int(self.clock()) if timestamp is None else timestamp
        token = token or s.token_id
        signature = signature or sign_passport(
            s.account, s.consumer_key, token, nonce, timestamp, s.consumer_secret, s.token_secret
        )
        return self.core.TokenPassport(
            account=s.account,
            consumerKey=s.consumer_key,
            token=token,
            nonce=nonce,
            timestamp=timestamp,
            signature=self.core.TokenPassportSignature(signature, algorithm=algorithm),
        )

    def search_preferences(self, page_size: int | None = None, body_fields_only: bool | None = None) -> Any:
        element = self.client.get_element(
            f"{{urn:messages_{self.version}.platform.webservices.netsuite.com}}searchPreferences"
        )
        return element(pageSize=page_size, bodyFieldsOnly=body_fields_only)

    def call(self, operation: str, *, search_preferences: Any = None, **kwargs: Any) -> Any:
        """Call ``operation`` with a fresh passport; returns the response body."""
        headers: dict[str, Any] = {"tokenPassport": self.passport()}
        if search_preferences is not None:
            headers["searchPreferences"] = search_preferences
        response = getattr(self.service, operation)(**kwargs, _soapheaders=headers)
        return response.body

    def set_faults(self, *rules: dict[str, Any]) -> None:
        httpx.post(f"{self.server.url}/_emulator/faults", json=list(rules)).raise_for_status()

    def set_latency(self, per_request_s: float = 0.0, per_record_s: float = 0.0) -> None:
        payload = {"per_request_s": per_request_s, "per_record_s": per_record_s}
        httpx.post(f"{self.server.url}/_emulator/latency", json=payload).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.server.url}/_emulator/stats").json()

    def reset(self) -> None:
        httpx.post(f"{self.server.url}/_emulator/reset").raise_for_status()
        self.clock.now = time.time()

    def raw(self, body: bytes | str, soap_action: str = "") -> httpx.Response:
        """POST a hand-written envelope (cases zeep cannot express)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'}
        return httpx.post(self.endpoint, content=data, headers=headers, timeout=30)

    def stop(self) -> None:
        self.server.stop()
        self.app.state.endpoint.worker.shutdown(wait=False)


def start(**setting_overrides: Any) -> SuiteTalk:
    """A fresh service (in-memory store, zero latency) and a client for it."""
    clock = FakeClock()
    cfg = settings(**setting_overrides)
    app = create_app(cfg, RecordStore("sqlite://"), clock=clock, max_body_bytes=256 * 1024)
    return SuiteTalk(serve_in_thread(app), app, cfg, clock)


def raw_passport_xml(st: SuiteTalk, nonce: str | None = None) -> str:
    """A tokenPassport header in the XSD's form (children in the core namespace)."""
    s = st.settings
    nonce = nonce or secrets.token_hex(10)
    ts = int(st.clock())
    sig = sign_passport(s.account, s.consumer_key, s.token_id, nonce, ts, s.consumer_secret, s.token_secret)
    v = st.version
    return (
        f'<m:tokenPassport xmlns:m="urn:messages_{v}.platform.webservices.netsuite.com" '
        f'xmlns:c="urn:core_{v}.platform.webservices.netsuite.com">'
        f"<c:account>{s.account}</c:account><c:consumerKey>{s.consumer_key}</c:consumerKey>"
        f"<c:token>{s.token_id}</c:token><c:nonce>{nonce}</c:nonce><c:timestamp>{ts}</c:timestamp>"
        f'<c:signature algorithm="HMAC-SHA256">{sig}</c:signature></m:tokenPassport>'
    )


def raw_envelope(st: SuiteTalk, body: str, header: str | None = None) -> str:
    header = raw_passport_xml(st) if header is None else header
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Header>{header}</soapenv:Header><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )
