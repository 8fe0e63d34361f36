"""Speed of the local NetSuite and SuiteProjects Pro services: ``python -m bench.emulators``.

Starts both services in this process (``serve_in_thread``, file-backed SQLite in a temporary
directory, latency model at zero), seeds them, then measures over real HTTP:

* NetSuite ``upsertList`` of 100 customers (new and existing externalIds), a 1,000-record
  ``search`` page, and 50 concurrent ``getServerTime`` requests held open;
* SuiteProjects Pro ``Read`` of a 1,000-object page, ``Add`` of 1,000 customers, and 50
  concurrent ``Time`` requests held open.

Each request-response figure is measured twice: *wire* (a pre-built request body posted with
httpx, i.e. the service's own time plus the transfer) and *client* (the project's
``NetSuiteClient`` / ``SppClient``, including zeep or lxml work on the caller's side). The
issue's targets apply to the wire figures: the services must not be the bottleneck of a test.

Prints a table and writes ``bench/results/emulators.json``. ``BENCH_QUICK=1`` (or ``--quick``)
runs 5 repetitions instead of 20.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from emulators.netsuite.app import create_app as create_netsuite_app
from emulators.netsuite.auth import sign_passport
from emulators.netsuite.schema import ns
from emulators.seed import seed_both
from emulators.serve import RunningServer, serve_in_thread
from emulators.settings import NetSuiteSettings, SppSettings
from emulators.spp.app import create_app as create_spp_app
from include.netsuite.client import NetSuiteClient
from include.netsuite.passport import new_nonce
from include.spp import xml as spp_xml
from include.spp.client import SppClient

RESULTS_FILE = Path(__file__).resolve().parent / "results" / "emulators.json"
VERSION = "2025_2"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CONCURRENT = 50
HELD_LATENCY_S = 0.5  # long enough that all 50 requests are in flight at once
TARGETS_MS = {
    "netsuite.upsertList.100.new": 100.0,
    "netsuite.upsertList.100.existing": 100.0,
    "netsuite.search.page1000": 300.0,
}


# -- measurement ------------------------------------------------------------------------------


@dataclass
class Measurement:
    """One benchmark line: durations of ``runs`` repetitions (milliseconds) and the verdict."""

    name: str
    path: str  # "wire" or "client"
    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    target_ms: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def meets_target(self) -> bool | None:
        return None if self.target_ms is None else self.p95_ms < self.target_ms


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 20 runs: the 19th fastest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed_runs(
    name: str,
    path: str,
    runs: int,
    prepare: Callable[[int], Any],
    act: Callable[[Any], None],
    *,
    note: str = "",
) -> Measurement:
    """Time ``act(prepare(i))`` for i in 0..runs-1 after one untimed warm-up; only ``act`` is timed.

    ``prepare`` builds what must be fresh per request (TokenPassport nonce, new names) so signing
    and serialising stay out of the figure when they are not what is measured.
    """
    act(prepare(-1))  # warm-up: zeep WSDL load, SQLite page cache, connection set-up
    durations: list[float] = []
    for i in range(runs):
        payload = prepare(i)
        start = time.perf_counter()
        act(payload)
        durations.append((time.perf_counter() - start) * 1000.0)
    return Measurement(
        name=name,
        path=path,
        runs=runs,
        median_ms=round(statistics.median(durations), 1),
        p95_ms=round(p95(durations), 1),
        min_ms=round(min(durations), 1),
        target_ms=TARGETS_MS.get(name) if path == "wire" else None,
        note=note,
    )


# -- the services -----------------------------------------------------------------------------


@dataclass
class Services:
    """Both services running on loopback ports, seeded."""

    ns_settings: NetSuiteSettings
    spp_settings: SppSettings
    ns_server: RunningServer
    spp_server: RunningServer
    seed_s: float
    seed_counts: dict[str, Any]

    @property
    def soap_url(self) -> str:
        return f"{self.ns_server.url}/services/NetSuitePort_{VERSION}"

    @property
    def spp_url(self) -> str:
        return f"{self.spp_server.url}/api.pl"


@contextmanager
def running_services(data_dir: Path, scale: str) -> Iterator[Services]:
    """Start both services on file-backed SQLite in ``data_dir`` at zero latency, seeded with ``scale``."""
    ns_settings = NetSuiteSettings(
        latency_ms=0,
        latency_per_record_ms=0,
        concurrency_limit=2 * CONCURRENT,  # the 50-connection check
        db_url=f"sqlite:///{data_dir}/netsuite.db",
    )
    spp_settings = SppSettings(
        latency_ms=0, latency_per_record_ms=0, requests_per_minute=0, db_url=f"sqlite:///{data_dir}/spp.db"
    )
    ns_app, spp_app = create_netsuite_app(ns_settings), create_spp_app(spp_settings)
    start = time.perf_counter()
    counts = seed_both(ns_app.state.store, spp_app.state.store, scale, only_if_empty=False)
    seed_s = time.perf_counter() - start
    ns_server = serve_in_thread(ns_app)
    spp_server = serve_in_thread(spp_app)
    try:
        yield Services(ns_settings, spp_settings, ns_server, spp_server, seed_s, counts)
    finally:
        ns_server.stop()
        spp_server.stop()


# -- NetSuite wire format (hand-built envelopes, as zeep would send them) ---------------------


def _q(key: str, local: str) -> str:
    return f"{{{ns(key, VERSION)}}}{local}"


def netsuite_envelope(
    settings: NetSuiteSettings, body: etree._Element, search_page_size: int | None = None
) -> bytes:
    """A SOAP 1.1 request with a freshly signed TokenPassport (single-use, so one per request)."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xsi": XSI})
    header = etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    passport = etree.SubElement(header, _q("platformMsgs", "tokenPassport"))
    nonce, stamp = new_nonce(), int(time.time())
    signature = sign_passport(
        settings.account,
        settings.consumer_key,
        settings.token_id,
        nonce,
        stamp,
        settings.consumer_secret,
        settings.token_secret,
    )
    for local, text in (
        ("account", settings.account),
        ("consumerKey", settings.consumer_key),
        ("token", settings.token_id),
        ("nonce", nonce),
        ("timestamp", str(stamp)),
    ):
        etree.SubElement(passport, _q("platformCore", local)).text = text
    sig = etree.SubElement(passport, _q("platformCore", "signature"), algorithm="HMAC-SHA256")
    sig.text = signature
    if search_page_size is not None:
        prefs = etree.SubElement(header, _q("platformMsgs", "searchPreferences"))
        for local, text in (
            ("bodyFieldsOnly", "false"),
            ("returnSearchColumns", "false"),
            ("pageSize", str(search_page_size)),
        ):
            etree.SubElement(prefs, _q("platformMsgs", local)).text = text
    etree.SubElement(env, f"{{{SOAP_ENV}}}Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def upsert_customers_body(tag: str, count: int) -> etree._Element:
    """``upsertList`` of ``count`` customers keyed ``bench-<tag>-<k>`` (children in XSD order)."""
    op = etree.Element(_q("platformMsgs", "upsertList"), nsmap={"listRel": ns("listRel", VERSION)})
    for k in range(count):
        record = etree.SubElement(op, _q("platformMsgs", "record"), externalId=f"bench-{tag}-{k}")
        record.set(f"{{{XSI}}}type", "listRel:Customer")
        for local, text in (
            ("entityId", f"BENCH-{tag}-{k}"),
            ("companyName", f"Bench {tag} Company {k}"),
            ("email", f"billing{k}@bench-{tag}.example"),
            ("isInactive", "false"),
        ):
            etree.SubElement(record, _q("listRel", local)).text = text
    return op


def search_body(search_type: str) -> etree._Element:
    """``search`` with an empty ``<SearchType>SearchBasic`` (every record of the type)."""
    op = etree.Element(_q("platformMsgs", "search"), nsmap={"platformCommon": ns("platformCommon", VERSION)})
    record = etree.SubElement(op, _q("platformMsgs", "searchRecord"))
    record.set(f"{{{XSI}}}type", f"platformCommon:{search_type}SearchBasic")
    return op


def server_time_body() -> etree._Element:
    return etree.Element(_q("platformMsgs", "getServerTime"))


def soap_post(http: httpx.Client, url: str, operation: str, payload: bytes) -> bytes:
    """POST one SOAP request; raise unless it answered 200."""
    response = http.post(
        url,
        content=payload,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{operation}"'},
    )
    if response.status_code != 200:
        raise RuntimeError(f"{operation}: HTTP {response.status_code}: {response.text[:300]}")
    return response.content


def count_successes(payload: bytes) -> int:
    """``writeResponse`` elements whose status says ``isSuccess="true"``."""
    root = etree.fromstring(payload)
    statuses = root.iterfind(f".//{_q('platformMsgs', 'writeResponse')}/{_q('platformCore', 'status')}")
    return sum(1 for s in statuses if s.get("isSuccess") == "true")


def count_search_records(payload: bytes) -> int:
    root = etree.fromstring(payload)
    return len(root.findall(f".//{_q('platformCore', 'recordList')}/{_q('platformCore', 'record')}"))


# -- SuiteProjects Pro wire format (the client's own request builder) ------------------------


def spp_identity(settings: SppSettings) -> spp_xml.ApiIdentity:
    return spp_xml.ApiIdentity(
        company=settings.company,
        user=settings.user,
        password=settings.password,
        api_namespace=settings.api_namespace,
        api_key=settings.api_key,
    )


def spp_post(http: httpx.Client, url: str, payload: bytes) -> spp_xml.Response:
    """POST one XML API request; raise unless the request, ``Auth``, every command and object answered 0."""
    response = http.post(url, content=payload, headers={"Content-Type": "application/xml"})
    response.raise_for_status()
    parsed = spp_xml.parse_response(response.content)
    if parsed.status != 0 or any(r.status != 0 or any(r.object_statuses) for r in parsed.commands):
        raise RuntimeError(f"SPP request failed: {response.text[:300]}")
    return parsed


def spp_customers(tag: str, count: int) -> list[dict[str, str]]:
    return [
        {"name": f"Bench {tag} {k}", "company": f"Bench {tag} Company {k}", "externalid": f"bench-{tag}-{k}"}
        for k in range(count)
    ]


# -- the benchmarks ---------------------------------------------------------------------------


def bench_netsuite(svc: Services, runs: int) -> list[Measurement]:
    """upsertList 100 (new, existing), one 1,000-record search page; wire and client paths."""
    s, url = svc.ns_settings, svc.soap_url
    out: list[Measurement] = []
    with httpx.Client(timeout=60) as http:

        def upsert(payload: bytes) -> None:
            if (ok := count_successes(soap_post(http, url, "upsertList", payload))) != 100:
                raise RuntimeError(f"upsertList: {ok}/100 records succeeded")

        out.append(
            timed_runs(
                "netsuite.upsertList.100.new",
                "wire",
                runs,
                lambda i: netsuite_envelope(s, upsert_customers_body(f"new{i}", 100)),
                upsert,
                note="100 new customers per run",
            )
        )
        out.append(
            timed_runs(
                "netsuite.upsertList.100.existing",
                "wire",
                runs,
                lambda i: netsuite_envelope(s, upsert_customers_body("same", 100)),
                upsert,
                note="the same 100 externalIds every run (updates)",
            )
        )

        def search_page(payload: bytes) -> None:
            if (n := count_search_records(soap_post(http, url, "search", payload))) != 1000:
                raise RuntimeError(f"search: {n} records on the first page, expected 1000")

        out.append(
            timed_runs(
                "netsuite.search.page1000",
                "wire",
                runs,
                lambda i: netsuite_envelope(s, search_body("ProjectTask"), search_page_size=1000),
                search_page,
                note="projectTask, first page of 1000, sublists included",
            )
        )

    client = NetSuiteClient(
        s.account,
        s.consumer_key,
        s.consumer_secret,
        s.token_id,
        s.token_secret,
        version=VERSION,
        endpoint=url,
        max_retries=0,
    )

    def client_upsert(docs: list[dict[str, Any]]) -> None:
        if not all(r.ok for r in client.upsert_list("customer", docs)):
            raise RuntimeError("NetSuiteClient.upsert_list: some records failed")

    def client_docs(i: int) -> list[dict[str, Any]]:
        return [
            {
                "externalId": f"bench-client{i}-{k}",
                "entityId": f"BENCH-client{i}-{k}",
                "companyName": f"Bench client {i} Company {k}",
                "email": f"billing{k}@client{i}.example",
                "isInactive": False,
            }
            for k in range(100)
        ]

    out.append(
        timed_runs(
            "netsuite.upsertList.100.new",
            "client",
            runs,
            client_docs,
            client_upsert,
            note="NetSuiteClient.upsert_list (zeep serialise + parse)",
        )
    )

    def client_page(_: None) -> None:
        if (
            n := sum(1 for _ in itertools.islice(client.search("projectTask", page_size=1000), 1000))
        ) != 1000:
            raise RuntimeError(f"NetSuiteClient.search: {n} records")

    out.append(
        timed_runs(
            "netsuite.search.page1000",
            "client",
            runs,
            lambda i: None,
            client_page,
            note="NetSuiteClient.search, first page only (zeep parse dominates)",
        )
    )
    return out


def bench_spp(svc: Services, runs: int) -> list[Measurement]:
    """Read page of 1000 and Add of 1000; wire and client paths."""
    s, url, ident = svc.spp_settings, svc.spp_url, spp_identity(svc.spp_settings)
    out: list[Measurement] = []
    with httpx.Client(timeout=60) as http:

        def read_page(payload: bytes) -> None:
            if (n := len(spp_post(http, url, payload).commands[-1].objects)) != 1000:
                raise RuntimeError(f"Read: {n} objects")

        out.append(
            timed_runs(
                "spp.Read.1000",
                "wire",
                runs,
                lambda i: spp_xml.build_request(ident, [spp_xml.read_command("Task", limit=1000)]),
                read_page,
                note="Task (time entries) with custom fields, offset 0",
            )
        )

        def add(payload: bytes) -> None:
            if (n := len(spp_post(http, url, payload).commands[-1].objects)) != 1000:
                raise RuntimeError(f"Add: {n} objects echoed")

        out.append(
            timed_runs(
                "spp.Add.1000",
                "wire",
                runs,
                lambda i: spp_xml.build_request(
                    ident, [spp_xml.write_command("Add", "Customer", spp_customers(f"w{i}", 1000))]
                ),
                add,
                note="1000 new Customers in one Add command",
            )
        )

    with SppClient(
        url,
        s.company,
        s.user,
        s.password,
        s.api_namespace,
        s.api_key,
        max_retries=0,
        objects_per_command=1000,
    ) as client:

        def client_read(_: None) -> None:
            if (n := sum(1 for _ in itertools.islice(client.read("Task", page_size=1000), 1000))) != 1000:
                raise RuntimeError(f"SppClient.read: {n} objects")

        out.append(
            timed_runs(
                "spp.Read.1000",
                "client",
                runs,
                lambda i: None,
                client_read,
                note="SppClient.read, first page only",
            )
        )

        def client_add(records: list[dict[str, str]]) -> None:
            if not all(r.ok for r in client.add("Customer", records)):
                raise RuntimeError("SppClient.add: some objects failed")

        out.append(
            timed_runs(
                "spp.Add.1000",
                "client",
                runs,
                lambda i: spp_customers(f"c{i}", 1000),
                client_add,
                note="SppClient.add, one command of 1000",
            )
        )
    return out


async def _hold(url: str, payloads: list[bytes], headers: dict[str, str]) -> tuple[list[int], float]:
    """Send every payload at once, each on its own connection; statuses and wall time."""
    limits = httpx.Limits(max_connections=len(payloads), max_keepalive_connections=len(payloads))
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        start = time.perf_counter()
        responses = await asyncio.gather(*(http.post(url, content=p, headers=headers) for p in payloads))
        return [r.status_code for r in responses], time.perf_counter() - start


def bench_concurrency(
    base_url: str, url: str, payloads: list[bytes], headers: dict[str, str], name: str
) -> Measurement:
    """``len(payloads)`` requests in flight together, each held ``HELD_LATENCY_S`` by the latency model."""
    with httpx.Client(base_url=base_url, timeout=10) as control:
        control.post("/_emulator/reset", params={"data": "0"}).raise_for_status()
        control.post(
            "/_emulator/latency", json={"per_request_s": HELD_LATENCY_S, "per_record_s": 0}
        ).raise_for_status()
        try:
            statuses, wall = asyncio.run(_hold(url, payloads, headers))
        finally:
            control.post(
                "/_emulator/latency", json={"per_request_s": 0, "per_record_s": 0}
            ).raise_for_status()
        stats = control.get("/_emulator/stats").json()
    succeeded = sum(1 for status in statuses if status == 200)
    return Measurement(
        name=name,
        path="wire",
        runs=1,
        median_ms=round(wall * 1000, 1),
        p95_ms=round(wall * 1000, 1),
        min_ms=round(wall * 1000, 1),
        note=f"{len(payloads)} requests, each held {HELD_LATENCY_S}s by the latency model",
        extra={
            "succeeded": succeeded,
            "sent": len(payloads),
            "peak_concurrency": stats["peak_concurrency"],
            "rejected_concurrency": stats["rejected_concurrency"],
            "held": succeeded == len(payloads) and stats["peak_concurrency"] >= len(payloads),
        },
    )


def bench_connections(svc: Services) -> list[Measurement]:
    """50 concurrent getServerTime (NetSuite) and Time (SPP) requests held open together."""
    ns_payloads = [netsuite_envelope(svc.ns_settings, server_time_body()) for _ in range(CONCURRENT)]
    ident = spp_identity(svc.spp_settings)
    spp_payloads = [spp_xml.build_request(ident, [spp_xml.time_command()]) for _ in range(CONCURRENT)]
    return [
        bench_concurrency(
            svc.ns_server.url,
            svc.soap_url,
            ns_payloads,
            {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"getServerTime"'},
            "netsuite.concurrent.getServerTime.50",
        ),
        bench_concurrency(
            svc.spp_server.url,
            svc.spp_url,
            spp_payloads,
            {"Content-Type": "application/xml"},
            "spp.concurrent.Time.50",
        ),
    ]


def run_benchmarks(runs: int = 20, scale: str = "small") -> dict[str, Any]:
    """Start, seed and measure both services; the result document written to the JSON file."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-emulators-") as tmp,
        running_services(Path(tmp), scale) as svc,
    ):
        measurements = [*bench_netsuite(svc, runs), *bench_spp(svc, runs), *bench_connections(svc)]
        seed_s, counts = svc.seed_s, svc.seed_counts
    return {
        "benchmark": "emulators",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "setup": {
            "scale": scale,
            "seed_s": round(seed_s, 2),
            "storage": "file-backed SQLite (temp dir)",
            "latency": 0,
            "runs": runs,
            "seed_counts": counts,
        },
        "measurements": [{**asdict(m), "meets_target": m.meets_target} for m in measurements],
    }


def render_table(result: dict[str, Any]) -> str:
    """The measurements as a fixed-width text table."""
    lines = [
        f"{'benchmark':<38} {'path':<6} {'runs':>4} {'median ms':>10} {'p95 ms':>8} {'target':>8}  verdict",
        "-" * 90,
    ]
    for m in result["measurements"]:
        target = f"<{m['target_ms']:.0f}" if m["target_ms"] else ""
        if "held" in m["extra"]:
            verdict = (
                f"{m['extra']['succeeded']}/{m['extra']['sent']} ok, peak {m['extra']['peak_concurrency']}"
                f" -> {'held' if m['extra']['held'] else 'NOT HELD'}"
            )
        elif m["meets_target"] is None:
            verdict = ""
        else:
            verdict = "ok" if m["meets_target"] else "MISSED"
        lines.append(
            f"{m['name']:<38} {m['path']:<6} {m['runs']:>4} {m['median_ms']:>10.1f} {m['p95_ms']:>8.1f}"
            f" {target:>8}  {verdict}"
        )
    setup = result["setup"]
    lines.append(
        f"seed {setup['scale']}: {setup['seed_s']} s into file-backed SQLite; "
        f"{result['machine']['cpus']} CPUs"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="repetitions per measurement (default 20)")
    parser.add_argument("--quick", action="store_true", help="5 repetitions (also BENCH_QUICK=1)")
    parser.add_argument("--scale", default="small", choices=["tiny", "small", "medium", "large"])
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    args = parser.parse_args(argv)
    quick = args.quick or os.environ.get("BENCH_QUICK") == "1"
    runs = args.runs or (5 if quick else 20)
    result = run_benchmarks(runs=runs, scale=args.scale)
    print(render_table(result))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"written {args.output}")
    missed = [
        m for m in result["measurements"] if m["meets_target"] is False or m["extra"].get("held") is False
    ]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
