"""A real SMTP server for the tests that send mail (aiosmtpd), and what it received."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from emulators.serve import free_port


class Inbox:
    """The envelopes an aiosmtpd server received, in order."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        self.messages.append(envelope)
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[Any]:
        """The messages once ``count`` arrived (or ``timeout`` passed)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    """A server on a free loopback port: (its inbox, the ``smtp_default`` connection as JSON)."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"disable_tls": True, "disable_ssl": True},
    }
    try:
        yield handler, json.dumps(connection)
    finally:
        controller.stop()
