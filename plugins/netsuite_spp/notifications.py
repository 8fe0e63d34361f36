"""Failure notifications: the hook-in point every workflow DAG uses.

Set ``INTEGRATION_ALERT_EMAIL`` (comma-separated) to get a mail per failed task through the
``smtp_default`` connection (Airflow's SMTP provider). Without it, failures are only logged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def failure_callbacks(extra_recipients: Sequence[str] = ()) -> list[Any]:
    """Callbacks for ``on_failure_callback`` (cheap to call at parse time: no I/O): mail to
    ``INTEGRATION_ALERT_EMAIL`` and to ``extra_recipients`` (a group's error recipients)."""
    recipients = [r.strip() for r in os.environ.get("INTEGRATION_ALERT_EMAIL", "").split(",") if r.strip()]
    recipients += [r for r in extra_recipients if r not in recipients]
    if not recipients:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [
        SmtpNotifier(
            to=recipients,
            from_email=os.environ.get("INTEGRATION_ALERT_FROM", "integration@localhost"),
            smtp_conn_id=os.environ.get("INTEGRATION_SMTP_CONN_ID", "smtp_default"),
            subject="[integration] {{ dag.dag_id }} failed: {{ ti.task_id }}",
            html_content=(
                "<p>Workflow <b>{{ dag.dag_id }}</b>, run <code>{{ run_id }}</code>, task "
                "<code>{{ ti.task_id }}</code> failed (try {{ ti.try_number }}).</p>"
                "<p>{{ exception }}</p><p>Per-record errors are in the run log of the state store.</p>"
            ),
        )
    ]
