"""Client construction: no network, endpoint/WSDL derivation, environment, WSDL cache fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from zeep.cache import InMemoryCache, SqliteCache

from include.netsuite.client import NetSuiteClient, account_host, wsdl_cache

CREDS = dict(
    account="123456_SB1",
    consumer_key="ck",
    consumer_secret="cs-SECRET-1",
    token_id="tk",
    token_secret="ts-SECRET-2",
)


def test_account_host_is_lower_case_with_dashes() -> None:
    assert account_host("123456_SB1") == "123456-sb1"


def test_default_endpoint_and_wsdl_use_the_account_domain_and_2025_2() -> None:
    client = NetSuiteClient(**CREDS)
    assert client.version == "2025_2"
    assert client.endpoint == "https://123456-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2025_2"
    assert client.wsdl_url == "https://123456-sb1.suitetalk.api.netsuite.com/wsdl/v2025_2_0/netsuite.wsdl"


def test_2023_2_is_still_supported() -> None:
    client = NetSuiteClient(**CREDS, version="2023_2")
    assert client.endpoint == "https://123456-sb1.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2"
    assert client.wsdl_url == "https://123456-sb1.suitetalk.api.netsuite.com/wsdl/v2023_2_0/netsuite.wsdl"


def test_an_endpoint_naming_a_version_decides_when_none_is_given() -> None:
    client = NetSuiteClient(**CREDS, endpoint="http://127.0.0.1:8701/services/NetSuitePort_2023_2")
    assert client.version == "2023_2"
    assert client.wsdl_url == "http://127.0.0.1:8701/wsdl/v2023_2_0/netsuite.wsdl"
    proxied = NetSuiteClient(**CREDS, endpoint="https://proxy.example.test/netsuite")
    assert proxied.version == "2025_2"
    assert proxied.wsdl_url == "https://proxy.example.test/wsdl/v2025_2_0/netsuite.wsdl"


def test_an_explicit_version_wins_over_the_endpoint(caplog: pytest.LogCaptureFixture) -> None:
    client = NetSuiteClient(
        **CREDS, version="2025_2", endpoint="http://127.0.0.1:8701/services/NetSuitePort_2023_2"
    )
    assert client.version == "2025_2"
    assert "names WSDL version 2023_2" in caplog.text


def test_backoff_settings_reach_the_retry_policy() -> None:
    policy = NetSuiteClient(**CREDS, max_retries=2, backoff_base_s=0.5, backoff_max_s=3).retry_policy
    assert (policy.attempts, policy.base_s, policy.max_s, policy.jitter) == (3, 0.5, 3, 1.0)


def test_wsdl_follows_an_endpoint_override() -> None:
    client = NetSuiteClient(
        **CREDS, version="2025_2", endpoint="http://127.0.0.1:8701/services/NetSuitePort_2025_2"
    )
    assert client.wsdl_url == "http://127.0.0.1:8701/wsdl/v2025_2_0/netsuite.wsdl"


def test_constructor_does_not_touch_the_network() -> None:
    client = NetSuiteClient(**CREDS, endpoint="http://127.0.0.1:9/services/NetSuitePort_2025_2")
    assert "_zeep" not in vars(client)  # built lazily on the first call


def test_repr_and_vars_do_not_show_secrets() -> None:
    client = NetSuiteClient(**CREDS)
    assert "SECRET" not in repr(client)
    assert "SECRET" not in repr(vars(client))


def test_from_env_reads_netsuite_variables() -> None:
    env = {
        "NETSUITE_ACCOUNT": "999_SB2",
        "NETSUITE_CONSUMER_KEY": "ck",
        "NETSUITE_CONSUMER_SECRET": "cs",
        "NETSUITE_TOKEN_ID": "tk",
        "NETSUITE_TOKEN_SECRET": "ts",
        "NETSUITE_ENDPOINT": "http://localhost:8701/services/NetSuitePort_2025_2",
        "NETSUITE_WSDL_VERSION": "2025_2",
    }
    client = NetSuiteClient.from_env(env, page_size=50)
    assert client.account == "999_SB2" and client.version == "2025_2" and client.page_size == 50
    assert client.wsdl_url == "http://localhost:8701/wsdl/v2025_2_0/netsuite.wsdl"


def test_from_env_names_missing_variables() -> None:
    with pytest.raises(ValueError, match="NETSUITE_TOKEN_SECRET"):
        NetSuiteClient.from_env(
            {
                "NETSUITE_ACCOUNT": "1",
                "NETSUITE_CONSUMER_KEY": "a",
                "NETSUITE_CONSUMER_SECRET": "b",
                "NETSUITE_TOKEN_ID": "c",
            }
        )


def test_wsdl_cache_uses_sqlite_when_writable(tmp_path: Path) -> None:
    assert isinstance(wsdl_cache(str(tmp_path / "sub" / "wsdl.db")), SqliteCache)


def test_wsdl_cache_falls_back_to_memory_when_the_path_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert isinstance(wsdl_cache(str(blocker / "wsdl.db")), InMemoryCache)
    assert isinstance(wsdl_cache(None), InMemoryCache)
