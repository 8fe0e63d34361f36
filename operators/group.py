"""The last task of a group DAG: the group run's summary, in the log and by mail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class GroupFailed(AirflowFailException):
    """A member of the group did not run successfully (the task fails without retrying: the
    members already ran; a retry is for a mail server that did not answer)."""


class GroupSummaryOperator(BaseOperator):
    """One line per member workflow (created / updated / skipped / failed), mailed to the group's
    summary recipients through ``smtp_conn_id`` when there are any; fails when a member failed
    or did not run, so the group run shows it."""

    template_fields: Sequence[str] = ()
    ui_color = "#e8daef"

    def __init__(
        self,
        *,
        group: str,
        workflows: Sequence[str],
        recipients: Sequence[str] = (),
        smtp_conn_id: str = "smtp_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group = group
        self.workflows = list(workflows)
        self.recipients = list(recipients)
        self.smtp_conn_id = smtp_conn_id

    def execute(self, context: Any) -> list[str]:
        from include.engine.summary import group_outcomes
        from include.state import StateStore

        started = context["dag_run"].start_date
        outcomes = group_outcomes(StateStore.from_env(), self.workflows, started)
        lines = [o.line() for o in outcomes]
        failed = [o.workflow for o in outcomes if not o.ok]
        status = "failed: " + ", ".join(failed) if failed else "success"
        self.log.info("Group %s (%s):\n%s", self.group, status, "\n".join(lines))
        if self.recipients:
            self._mail(context, status, lines)
        if failed:
            raise GroupFailed(f"group {self.group}: {', '.join(failed)} did not run successfully")
        return lines

    def _mail(self, context: Any, status: str, lines: list[str]) -> None:
        from html import escape

        from airflow.providers.smtp.hooks.smtp import SmtpHook

        body = (
            f"<p>Group <b>{escape(self.group)}</b>, run <code>{escape(context['run_id'])}</code>: "
            f"{escape(status)}</p><pre>{escape(chr(10).join(lines))}</pre>"
            "<p>Per-record errors are in the run log of the state store.</p>"
        )
        with SmtpHook(smtp_conn_id=self.smtp_conn_id) as smtp:
            smtp.send_email_smtp(
                to=self.recipients,
                subject=f"[integration] group {self.group}: {status}",
                html_content=body,
                from_email=self._sender(),
            )

    @staticmethod
    def _sender() -> str:
        import os

        return os.environ.get("INTEGRATION_ALERT_FROM", "integration@localhost")
