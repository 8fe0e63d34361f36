"""SppClient under the shared retry policy, against a scripted in-process server (no sleeping).

Each case scripts what the server does with each request (rate limit, HTTP error, dropped
connection, success) and checks how many requests went out, how long the client would have
waited, and what it raised: the XML API's rules for which failures may be replayed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from lxml import etree

from include.spp import (
    OUTCOME_UNKNOWN,
    SppAuthError,
    SppClient,
    SppRateLimited,
    SppRequestError,
    SppWriteOutcomeUnknown,
)

Step = Callable[[httpx.Request], httpx.Response]


def ok(request: httpx.Request) -> httpx.Response:
    """Auth succeeds and every command succeeds, echoing its objects with an id."""
    root = etree.fromstring(request.content)
    reply = etree.Element("response")
    etree.SubElement(reply, "Auth", status="0")
    for command in root[1:]:
        answer = etree.SubElement(reply, command.tag, status="0")
        for number, obj in enumerate(command, start=1):
            echoed = etree.SubElement(answer, obj.tag)
            etree.SubElement(echoed, "id").text = obj.findtext("id") or str(100 + number)
    return httpx.Response(200, content=etree.tostring(reply))


def rate_limited(request: httpx.Request) -> httpx.Response:
    body = b'<response><Auth status="556">rate limit exceeded</Auth></response>'
    return httpx.Response(200, content=body)


def http(status: int) -> Step:
    return lambda request: httpx.Response(status, content=b"")


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def timed_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("no answer", request=request)


class Server:
    """Answers request n with ``steps[n]`` (the last step repeats) and counts requests."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        step = self.steps[min(self.requests, len(self.steps) - 1)]
        self.requests += 1
        return step(request)


def client(server: Server, sleeps: list[float], **kwargs: Any) -> SppClient:
    spp = SppClient(
        "https://acme.example.test",
        "Acme",
        "integration",
        "pw-Secret-1",
        "default",
        "key-Secret-2",
        session=httpx.Client(transport=httpx.MockTransport(server)),
        **kwargs,
    )
    spp.retry_policy = dataclasses.replace(spp.retry_policy, sleep=sleeps.append)
    return spp


def test_a_rate_limit_is_retried_with_equal_jitter_then_succeeds() -> None:
    server, sleeps = Server(rate_limited, rate_limited, rate_limited, ok), []
    spp = client(server, sleeps, max_retries=5, backoff_base_s=2.0)

    assert spp.whoami() == {"id": "101"}

    assert server.requests == 4 and len(sleeps) == 3
    for retry, slept in enumerate(sleeps, start=1):
        ceiling = 2.0 * 2 ** (retry - 1)
        assert ceiling / 2 <= slept <= ceiling  # at least half the exponential delay, at most all of it


def test_a_rate_limit_beyond_the_retry_budget_raises_the_rate_limit_error() -> None:
    server, sleeps = Server(rate_limited), []
    spp = client(server, sleeps, max_retries=2)

    with pytest.raises(SppRateLimited) as caught:
        list(spp.read("Customer"))

    assert caught.value.code == 556
    assert server.requests == 3 and len(sleeps) == 2  # attempts = max_retries + 1


def test_a_request_that_never_left_is_retried_even_for_a_modify() -> None:
    server, sleeps = Server(refused, http(429), ok), []
    spp = client(server, sleeps)

    [result] = spp.modify("Customer", [{"id": "7", "company": "Renamed"}])

    assert result.ok and result.id == "7"
    assert server.requests == 3 and len(sleeps) == 2


@pytest.mark.parametrize("failure", [http(502), timed_out], ids=["http-502", "read-timeout"])
def test_an_unknown_outcome_of_a_non_idempotent_write_is_not_replayed(failure: Step) -> None:
    server, sleeps = Server(failure, ok), []
    spp = client(server, sleeps)

    with pytest.raises(SppWriteOutcomeUnknown) as caught:
        spp.add("Customer", [{"company": "Acme"}])

    assert server.requests == 1 and sleeps == []
    assert [r.code for r in caught.value.results or []] == [OUTCOME_UNKNOWN]


def test_an_unknown_outcome_of_an_upsert_by_externalid_is_replayed() -> None:
    server, sleeps = Server(timed_out, http(503), ok), []
    spp = client(server, sleeps)

    [result] = spp.add("Customer", [{"company": "Acme", "externalid": "NS-1"}], lookup_external=True)

    assert result.ok and result.external_id == "NS-1"
    assert server.requests == 3 and len(sleeps) == 2


def test_an_upsert_with_a_record_lacking_externalid_is_not_replayed() -> None:
    server, sleeps = Server(timed_out, ok), []
    spp = client(server, sleeps)

    with pytest.raises(SppWriteOutcomeUnknown):
        spp.add("Customer", [{"company": "A", "externalid": "NS-1"}, {"company": "B"}], lookup_external=True)

    assert server.requests == 1


def test_reads_replay_unknown_outcomes_and_report_the_last_failure() -> None:
    server, sleeps = Server(http(503)), []
    spp = client(server, sleeps, max_retries=3)

    with pytest.raises(SppRequestError) as caught:
        list(spp.read("Customer"))

    assert not isinstance(caught.value, SppWriteOutcomeUnknown) and caught.value.code == 503
    assert server.requests == 4 and len(sleeps) == 3


def test_a_refused_login_is_not_retried() -> None:
    server, sleeps = Server(http(401)), []
    spp = client(server, sleeps)

    with pytest.raises(SppAuthError):
        spp.whoami()

    assert server.requests == 1 and sleeps == []


def test_max_retries_zero_sends_once() -> None:
    server, sleeps = Server(rate_limited, ok), []
    spp = client(server, sleeps, max_retries=0)

    with pytest.raises(SppRateLimited):
        spp.server_time()

    assert server.requests == 1 and sleeps == []
    assert spp.max_retries == 0 and spp.retry_policy.attempts == 1


def test_backoff_settings_reach_the_policy() -> None:
    spp = client(Server(ok), [], max_retries=4, backoff_base_s=0.25, backoff_max_s=2.0)
    policy = spp.retry_policy
    assert (policy.attempts, policy.base_s, policy.max_s, policy.jitter) == (5, 0.25, 2.0, 0.5)
    assert spp.backoff_base_s == 0.25
