"""What both emulators share: the latency model, fault rules, statistics and the
``/_emulator/*`` control endpoints.

Fault rules are JSON objects posted to ``POST /_emulator/faults`` (a list replaces the current
rules; ``{"rules": [...]}`` is accepted too). Each rule::

    {"kind": "unexpected_error",   # what to do; each emulator documents the kinds it knows
     "operation": "upsertList",     # operation/command name, or "*" (default)
     "record_type": "customer",     # optional: only requests touching this type
     "rate": 0.5,                   # probability per matching request (default 1.0)
     "count": 2,                    # fire at most this many times (default unlimited)
     "after": 0,                    # skip this many matching requests first
     "delay_s": 1.5,                # for "slow"
     "status": 503,                 # for "http_error"
     "field": "email", "value": "x@y", "message": "..."}  # for "record_error"

Kinds common to both services: ``slow`` (sleep ``delay_s`` before answering), ``http_error``
(answer an HTTP ``status``, default 503, with a plain body), ``drop_after_commit`` (perform the
write, commit it, then drop the connection without a response), ``record_error`` (fail the
matching records with a validation error). NetSuite adds ``concurrency`` and
``unexpected_error``; SPP adds ``rate_limit`` (status 556).
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_BODY_BYTES = 20 * 1024 * 1024  # oversized bodies are refused before parsing


@dataclass
class LatencyModel:
    """Simulated service time: a fixed cost per request plus a cost per record carried."""

    per_request_s: float = 0.0
    per_record_s: float = 0.0

    def delay(self, records: int) -> float:
        return self.per_request_s + self.per_record_s * max(records, 0)

    async def wait(self, records: int) -> None:
        seconds = self.delay(records)
        if seconds > 0:
            await asyncio.sleep(seconds)


@dataclass
class FaultRule:
    kind: str
    operation: str = "*"
    record_type: str | None = None
    rate: float = 1.0
    count: int | None = None
    after: int = 0
    params: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    fired: int = 0

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultRule:
        if "kind" not in raw:
            raise ValueError("fault rule needs a 'kind'")
        known = {"kind", "operation", "record_type", "rate", "count", "after"}
        return cls(
            kind=str(raw["kind"]),
            operation=str(raw.get("operation", "*")),
            record_type=raw.get("record_type"),
            rate=float(raw.get("rate", 1.0)),
            count=None if raw.get("count") is None else int(raw["count"]),
            after=int(raw.get("after", 0)),
            params={k: v for k, v in raw.items() if k not in known},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "record_type": self.record_type,
            "rate": self.rate,
            "count": self.count,
            "after": self.after,
            **self.params,
            "fired": self.fired,
        }


class FaultBook:
    """The active fault rules of one service; thread-safe, deterministic when seeded."""

    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)

    def set_rules(self, raw_rules: list[dict[str, Any]]) -> list[FaultRule]:
        rules = [FaultRule.from_json(r) for r in raw_rules]
        with self._lock:
            self._rules = rules
        return rules

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def draw(
        self, operation: str, record_types: set[str] | None = None, kinds: set[str] | None = None
    ) -> list[FaultRule]:
        """Rules that fire for this request (each firing is counted)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if kinds is not None and rule.kind not in kinds:
                    continue
                if rule.operation not in ("*", operation):
                    continue
                if rule.record_type and (not record_types or rule.record_type not in record_types):
                    continue
                rule.seen += 1
                if rule.seen <= rule.after:
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                rule.fired += 1
                fired.append(rule)
        return fired


class Stats:
    """Counters behind ``GET /_emulator/stats``."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: Counter[str] = Counter()
        self.records_written = 0
        self.records_read = 0
        self.faults_injected: Counter[str] = Counter()
        self.in_flight = 0
        self.peak_concurrency = 0
        self.rejected_concurrency = 0

    def enter(self) -> None:
        self.in_flight += 1
        self.peak_concurrency = max(self.peak_concurrency, self.in_flight)

    def leave(self) -> None:
        self.in_flight -= 1

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "requests_total": sum(self.requests.values()),
            "records_written": self.records_written,
            "records_read": self.records_read,
            "faults_injected": sum(self.faults_injected.values()),
            "faults_by_kind": dict(self.faults_injected),
            "in_flight": self.in_flight,
            "peak_concurrency": self.peak_concurrency,
            "rejected_concurrency": self.rejected_concurrency,
        }


@dataclass
class EmulatorControl:
    """Bundle of the shared parts one service owns."""

    latency: LatencyModel
    faults: FaultBook
    stats: Stats
    reset_data: Callable[[], None]
    seed_data: Callable[[str], dict[str, int]]

    def routes(self) -> list[Route]:
        """The ``/_emulator/*`` control and observability endpoints."""

        async def stats(_: Request) -> JSONResponse:
            body = self.stats.to_json()
            body["latency"] = {
                "per_request_s": self.latency.per_request_s,
                "per_record_s": self.latency.per_record_s,
            }
            body["faults"] = [r.to_json() for r in self.faults.rules()]
            return JSONResponse(body)

        async def reset(request: Request) -> JSONResponse:
            # ?data=0 resets only counters and rules; the default also wipes the records
            if request.query_params.get("data", "1") != "0":
                await _in_thread(self.reset_data)
            self.stats.reset()
            self.faults.set_rules([])
            return JSONResponse({"ok": True})

        async def seed(request: Request) -> JSONResponse:
            scale = request.query_params.get("scale", "small")
            if scale not in ("tiny", "small", "medium", "large"):
                return JSONResponse({"error": f"unknown scale {scale!r}"}, status_code=400)
            counts = await _in_thread(lambda: self.seed_data(scale))
            return JSONResponse({"ok": True, "scale": scale, "counts": counts})

        async def faults(request: Request) -> JSONResponse:
            if request.method == "GET":
                return JSONResponse({"rules": [r.to_json() for r in self.faults.rules()]})
            try:
                raw = await request.json()
                rules_raw = raw.get("rules", []) if isinstance(raw, dict) else raw
                if not isinstance(rules_raw, list):
                    raise ValueError("expected a list of rules")
                rules = self.faults.set_rules(rules_raw)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            return JSONResponse({"rules": [r.to_json() for r in rules]})

        async def latency(request: Request) -> JSONResponse:
            raw = await request.json()
            self.latency.per_request_s = float(raw.get("per_request_s", self.latency.per_request_s))
            self.latency.per_record_s = float(raw.get("per_record_s", self.latency.per_record_s))
            return JSONResponse(
                {"per_request_s": self.latency.per_request_s, "per_record_s": self.latency.per_record_s}
            )

        return [
            Route("/_emulator/stats", stats, methods=["GET"]),
            Route("/_emulator/reset", reset, methods=["POST"]),
            Route("/_emulator/seed", seed, methods=["POST"]),
            Route("/_emulator/faults", faults, methods=["GET", "POST"]),
            Route("/_emulator/latency", latency, methods=["POST"]),
        ]


async def _in_thread(fn: Callable[[], Any]) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, fn)


async def read_body_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None when it is larger than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


AsyncHandler = Callable[[Request], Awaitable[Any]]
