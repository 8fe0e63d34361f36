"""Failure notifications reach a real SMTP server, and nothing is sent when no one is configured."""

from __future__ import annotations

import datetime as dt
import email
import time
from typing import Any

import pytest

from plugins.netsuite_spp.notifications import failure_callbacks
from tests.smtp import Inbox


def _context() -> dict[str, Any]:
    from airflow.sdk import DAG

    class TaskInstance:
        task_id = "load"
        try_number = 3

    dag = DAG("time_entries_export", schedule=None, start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return {"dag": dag, "ti": TaskInstance(), "run_id": "manual__2026", "exception": "2 of 10 batches failed"}


def test_a_failed_task_mails_the_configured_recipients(inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTEGRATION_ALERT_EMAIL", "ops@example.com, finance@example.com")
    (notifier,) = failure_callbacks()
    notifier(_context())
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    (envelope,) = inbox.messages
    assert sorted(envelope.rcpt_tos) == ["finance@example.com", "ops@example.com"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "[integration] time_entries_export failed: load"
    body = (
        next(p for p in message.walk() if p.get_content_type() == "text/html")
        .get_payload(decode=True)
        .decode()
    )
    assert "manual__2026" in body and "2 of 10 batches failed" in body


def test_no_recipients_means_no_callbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTEGRATION_ALERT_EMAIL", raising=False)
    assert failure_callbacks() == []
