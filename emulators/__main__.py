"""``python -m emulators`` (``make emulators``): both local services in the foreground.

Options: ``--seed tiny|small|medium|large`` seeds both services when they are empty (``--reseed``
wipes and seeds again); ``--latency-ms`` / ``--latency-per-record-ms`` override the latency model.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path

import uvicorn

from emulators.settings import NetSuiteSettings, SppSettings


def build_apps(ns: NetSuiteSettings, spp: SppSettings):  # noqa: ANN201 - two Starlette apps
    """Create both services with their stores (imports kept here so `--help` stays fast)."""
    from emulators.netsuite.app import create_app as create_netsuite_app
    from emulators.spp.app import create_app as create_spp_app

    return create_netsuite_app(ns), create_spp_app(spp)


async def _serve(apps_and_ports: list[tuple[object, int]]) -> None:
    servers = [
        # EMULATOR_HOST=0.0.0.0 in a container, so the other services can reach them
        uvicorn.Server(
            uvicorn.Config(
                app,
                host=os.environ.get("EMULATOR_HOST", "127.0.0.1"),
                port=port,
                log_level="warning",
                backlog=2048,
            )
        )
        for app, port in apps_and_ports
    ]
    await asyncio.gather(*(s.serve() for s in servers))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local NetSuite SuiteTalk and SuiteProjects Pro services")
    parser.add_argument("--seed", choices=["tiny", "small", "medium", "large"], default=None)
    parser.add_argument("--reseed", action="store_true", help="wipe both services and seed again")
    parser.add_argument("--latency-ms", type=float, default=None)
    parser.add_argument("--latency-per-record-ms", type=float, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    ns, spp = NetSuiteSettings(), SppSettings()
    for settings in (ns, spp):
        if args.latency_ms is not None:
            settings.latency_ms = args.latency_ms
        if args.latency_per_record_ms is not None:
            settings.latency_per_record_ms = args.latency_per_record_ms
        if settings.db_url.startswith("sqlite:///"):
            Path(settings.db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    ns_app, spp_app = build_apps(ns, spp)
    if args.seed:
        from emulators.seed import seed_both

        counts = seed_both(ns_app.state.store, spp_app.state.store, args.seed, only_if_empty=not args.reseed)
        logging.info("seed %s: %s", args.seed, counts)
    print(
        f"NetSuite SuiteTalk:   http://127.0.0.1:{ns.port}/services/NetSuitePort_2025_2 (also 2023_2)",
        flush=True,
    )
    print(f"  WSDL:               http://127.0.0.1:{ns.port}/wsdl/v2025_2_0/netsuite.wsdl", flush=True)
    print(f"SuiteProjects Pro:    http://127.0.0.1:{spp.port}/api.pl", flush=True)
    asyncio.run(_serve([(ns_app, ns.port), (spp_app, spp.port)]))


if __name__ == "__main__":
    main()
