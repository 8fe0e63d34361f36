"""The summary task of a group DAG: a line per member from the state store's run log, mailed to the
group's summary recipients through a real SMTP server, and a failure when a member did not succeed."""

from __future__ import annotations

import datetime as dt
import email
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from include.state import StateStore
from include.state.engine import ENV_VAR
from operators.group import GroupFailed, GroupSummaryOperator
from tests.smtp import Inbox

MEMBERS = ["customers_import", "projects_import", "projects_export"]


@pytest.fixture
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """No smtp_default connection at all: a mail attempt would fail."""
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StateStore]:
    """The store the operator opens (``StateStore.from_env``), on a SQLite file of its own."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    monkeypatch.setenv(ENV_VAR, url)
    with StateStore(url) as store:
        yield store


def _record(store: StateStore, run_id: str, workflow: str, status: str = "success", **counts: int) -> None:
    store.start_run(run_id, workflow, {})
    store.finish_run(run_id, workflow, status, **counts)


def _group_started(store: StateStore) -> dt.datetime:
    """The group run's start: after every run recorded so far (the store's clock is microseconds)."""
    time.sleep(0.01)
    started = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    return started


def _context(started: dt.datetime, run_id: str = "scheduled__2026-06-01T08:00:00+00:00") -> dict[str, Any]:
    return {"dag_run": SimpleNamespace(start_date=started), "run_id": run_id}


def _operator(
    recipients: list[str] | None = None, workflows: list[str] | None = None
) -> GroupSummaryOperator:
    return GroupSummaryOperator(
        task_id="summary",
        group="master_data",
        workflows=workflows or MEMBERS,
        recipients=recipients or [],
    )


def _counts(line: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(created|updated|skipped|failed|retired)\s+(\d+)", line)}


def _body(envelope: Any) -> tuple[Any, str]:
    message = email.message_from_bytes(envelope.content)
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return message, html.get_payload(decode=True).decode()


def _two_ran_one_did_not(state: StateStore) -> dt.datetime:
    _record(state, "scheduled__old", "projects_export", created=9, updated=9)  # before the group run
    started = _group_started(state)
    _record(state, "manual__g1", "customers_import", created=5, updated=2, skipped=40, failed=0)
    _record(state, "manual__g1", "projects_import", created=3, updated=1, skipped=7, failed=2, retired=4)
    return started


# --- lines and outcome ----------------------------------------------------------------------------


def test_a_member_that_did_not_run_since_the_group_started_fails_the_group(
    state: StateStore, no_smtp: None
) -> None:
    started = _two_ran_one_did_not(state)

    with pytest.raises(GroupFailed, match="projects_export") as info:
        _operator().execute(_context(started))

    assert "master_data" in str(info.value)
    assert "customers_import" not in str(info.value) and "projects_import" not in str(info.value)


def test_the_lines_show_each_members_counts_and_a_member_not_run(
    state: StateStore, no_smtp: None, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    started = _two_ran_one_did_not(state)
    caplog.set_level("INFO")

    with pytest.raises(GroupFailed):
        _operator().execute(_context(started))

    # the task log: Airflow's structlog writes to stdout, plain logging to caplog
    logged = "\n".join([capsys.readouterr().out, *(r.getMessage() for r in caplog.records)])
    assert "failed: projects_export" in logged
    lines = {
        line.split()[0]: line for line in logged.splitlines() if line.split() and line.split()[0] in MEMBERS
    }
    assert set(lines) == set(MEMBERS)
    assert lines["customers_import"].split()[1] == "success"
    assert _counts(lines["customers_import"]) == {"created": 5, "updated": 2, "skipped": 40, "failed": 0}
    assert _counts(lines["projects_import"]) == {
        "created": 3,
        "updated": 1,
        "skipped": 7,
        "failed": 2,
        "retired": 4,
    }
    assert re.match(r"projects_export\s+not run\b", lines["projects_export"])


def test_when_every_member_succeeded_the_lines_are_returned_in_member_order(
    state: StateStore, no_smtp: None
) -> None:
    started = _group_started(state)
    _record(state, "manual__g1", "customers_import", created=5, updated=2, skipped=40)
    _record(state, "manual__g1", "projects_import", created=3)
    _record(state, "manual__g1", "projects_export", updated=6, skipped=1)

    lines = _operator().execute(_context(started))

    assert [line.split()[0] for line in lines] == MEMBERS
    assert all(line.split()[1] == "success" for line in lines)
    assert _counts(lines[0]) == {"created": 5, "updated": 2, "skipped": 40, "failed": 0}
    assert _counts(lines[2]) == {"created": 0, "updated": 6, "skipped": 1, "failed": 0}
    assert all(re.search(r"\d+\.\ds$", line) for line in lines), lines  # the run's duration


def test_a_member_whose_run_failed_fails_the_group(state: StateStore, no_smtp: None) -> None:
    started = _group_started(state)
    _record(state, "manual__g1", "customers_import", created=5)
    _record(state, "manual__g1", "projects_import", "failed", created=1, failed=9)
    _record(state, "manual__g1", "projects_export")

    with pytest.raises(GroupFailed) as info:
        _operator().execute(_context(started))

    assert "projects_import" in str(info.value)
    assert "customers_import" not in str(info.value) and "projects_export" not in str(info.value)


def test_the_latest_run_since_the_start_counts(state: StateStore, no_smtp: None) -> None:
    started = _group_started(state)
    _record(state, "manual__a", "customers_import", "failed", failed=3)
    time.sleep(0.01)
    _record(state, "manual__b", "customers_import", created=1)  # the retry that succeeded

    (line,) = _operator(workflows=["customers_import"]).execute(_context(started))

    assert line.split()[1] == "success" and _counts(line)["created"] == 1


def test_a_naive_start_date_is_read_as_utc(state: StateStore, no_smtp: None) -> None:
    _record(state, "scheduled__old", "customers_import")
    started = _group_started(state)
    _record(state, "manual__g1", "projects_import")

    with pytest.raises(GroupFailed, match="customers_import"):
        _operator(workflows=["customers_import", "projects_import"]).execute(
            _context(started.replace(tzinfo=None))
        )


# --- mail -----------------------------------------------------------------------------------------


def test_a_failed_group_run_mails_the_summary_recipients(state: StateStore, inbox: Inbox) -> None:
    started = _two_ran_one_did_not(state)
    operator = _operator(recipients=["finance@example.com", "boss@example.com"])

    with pytest.raises(GroupFailed):
        operator.execute(_context(started, run_id="scheduled__2026-06-01T08:00:00+00:00"))

    (envelope,) = inbox.wait()
    assert sorted(envelope.rcpt_tos) == ["boss@example.com", "finance@example.com"]
    message, body = _body(envelope)
    assert message["Subject"] == "[integration] group master_data: failed: projects_export"
    assert message["From"] == "integration@localhost"
    assert "scheduled__2026-06-01T08:00:00+00:00" in body
    for member in MEMBERS:
        assert member in body
    assert re.search(r"projects_export\s+not run", body)
    assert re.search(r"customers_import\s+success\s+created\s+5\s+updated\s+2\s+skipped\s+40", body)


def test_a_successful_group_run_mails_success(
    state: StateStore, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEGRATION_ALERT_FROM", "spp-sync@example.com")
    started = _group_started(state)
    for member in MEMBERS:
        _record(state, "manual__g1", member, created=1)

    lines = _operator(recipients=["finance@example.com"]).execute(_context(started, run_id="manual__g1"))

    (envelope,) = inbox.wait()
    assert envelope.rcpt_tos == ["finance@example.com"]
    message, body = _body(envelope)
    assert message["Subject"] == "[integration] group master_data: success"
    assert message["From"] == "spp-sync@example.com"
    assert "manual__g1" in body
    for line in lines:
        assert line in body


def test_without_recipients_no_mail_is_sent(state: StateStore, inbox: Inbox) -> None:
    started = _two_ran_one_did_not(state)

    with pytest.raises(GroupFailed):
        _operator().execute(_context(started))
    started = _group_started(state)
    for member in MEMBERS:
        _record(state, "manual__g2", member)
    _operator().execute(_context(started))

    time.sleep(0.5)
    assert inbox.messages == []


def test_without_recipients_no_smtp_connection_is_needed(state: StateStore, no_smtp: None) -> None:
    started = _group_started(state)
    for member in MEMBERS:
        _record(state, "manual__g1", member)
    assert len(_operator().execute(_context(started))) == 3
