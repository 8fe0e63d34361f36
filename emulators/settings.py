"""Settings of the local services, read from environment variables with documented defaults.

The credential variables are the same ones the integration's connections read by default,
so one environment configures both sides (see docs/EMULATORS.md for the table).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path(os.environ.get("EMULATOR_DATA_DIR", "var/emulators"))


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass
class NetSuiteSettings:
    """The NetSuite SuiteTalk service: account, TBA credentials, governance, latency, storage."""

    port: int = field(default_factory=lambda: int(_env("NETSUITE_EMULATOR_PORT", "8701")))
    account: str = field(default_factory=lambda: _env("NETSUITE_ACCOUNT", "1234567_SB1"))
    consumer_key: str = field(default_factory=lambda: _env("NETSUITE_CONSUMER_KEY", "emulator-consumer-key"))
    consumer_secret: str = field(
        default_factory=lambda: _env("NETSUITE_CONSUMER_SECRET", "emulator-consumer-secret")
    )
    token_id: str = field(default_factory=lambda: _env("NETSUITE_TOKEN_ID", "emulator-token-id"))
    token_secret: str = field(default_factory=lambda: _env("NETSUITE_TOKEN_SECRET", "emulator-token-secret"))
    concurrency_limit: int = field(default_factory=lambda: int(_env("NETSUITE_CONCURRENCY_LIMIT", "10")))
    timestamp_skew_s: int = field(default_factory=lambda: int(_env("NETSUITE_TIMESTAMP_SKEW_S", "300")))
    latency_ms: float = field(
        default_factory=lambda: float(_env("NETSUITE_LATENCY_MS", _env("EMULATOR_LATENCY_MS", "150")))
    )
    latency_per_record_ms: float = field(
        default_factory=lambda: float(
            _env("NETSUITE_LATENCY_PER_RECORD_MS", _env("EMULATOR_LATENCY_PER_RECORD_MS", "3"))
        )
    )
    search_id_ttl_s: int = 15 * 60
    db_url: str = field(
        default_factory=lambda: _env("NETSUITE_EMULATOR_DB", f"sqlite:///{DEFAULT_DATA_DIR}/netsuite.db")
    )


@dataclass
class SppSettings:
    """The SuiteProjects Pro XML API service: company/user/password, API namespace/key, rate budget."""

    port: int = field(default_factory=lambda: int(_env("SPP_EMULATOR_PORT", "8702")))
    company: str = field(default_factory=lambda: _env("SPP_COMPANY", "EmulatorCo"))
    user: str = field(default_factory=lambda: _env("SPP_USER", "integration"))
    password: str = field(default_factory=lambda: _env("SPP_PASSWORD", "emulator-password"))
    api_namespace: str = field(default_factory=lambda: _env("SPP_API_NAMESPACE", "emulator"))
    api_key: str = field(default_factory=lambda: _env("SPP_API_KEY", "emulator-api-key"))
    requests_per_minute: int = field(
        default_factory=lambda: int(_env("SPP_REQUESTS_PER_MINUTE", "0"))
    )  # 0 = unlimited
    latency_ms: float = field(
        default_factory=lambda: float(_env("SPP_LATENCY_MS", _env("EMULATOR_LATENCY_MS", "150")))
    )
    latency_per_record_ms: float = field(
        default_factory=lambda: float(
            _env("SPP_LATENCY_PER_RECORD_MS", _env("EMULATOR_LATENCY_PER_RECORD_MS", "3"))
        )
    )
    db_url: str = field(
        default_factory=lambda: _env("SPP_EMULATOR_DB", f"sqlite:///{DEFAULT_DATA_DIR}/spp.db")
    )
