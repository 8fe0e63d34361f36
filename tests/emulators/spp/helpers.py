"""Raw-XML access to the local SPP service for the tests.

Requests are written by hand the way a third-party client writes them, so the tests pin the
wire format rather than any client library's idea of it.
"""

from __future__ import annotations

import httpx
from lxml import etree

from emulators.serve import RunningServer
from emulators.settings import SppSettings


def make_settings() -> SppSettings:
    """Zero latency, in-memory store, known credentials."""
    return SppSettings(
        company="AcmeCo",
        user="api_user",
        password="s3cret",
        api_namespace="default",
        api_key="0123456789abcdef",
        requests_per_minute=0,
        latency_ms=0,
        latency_per_record_ms=0,
        db_url="sqlite://",
    )


class SppWire:
    """Posts raw XML to ``/api.pl`` and hands back parsed ``<response>`` documents."""

    def __init__(self, server: RunningServer, settings: SppSettings) -> None:
        self.url = server.url
        self.settings = settings
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def envelope(
        self, body: str, *, version_attr: str = "API_ver", auth: str | None = None, key: str | None = None
    ) -> str:
        """``<request …><Auth>…</Auth>{body}</request>`` with the service's credentials."""
        s = self.settings
        if auth is None:
            auth = (
                f"<Auth><Login><company>{s.company}</company><user>{s.user}</user>"
                f"<password>{s.password}</password></Login></Auth>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<request {version_attr}="1.0" client="third-party" client_ver="2.3" '
            f'namespace="{s.api_namespace}" key="{key if key is not None else s.api_key}">'
            f"{auth}{body}</request>"
        )

    def post(self, content: str | bytes) -> httpx.Response:
        return self.http.post("/api.pl", content=content, headers={"Content-Type": "application/xml"})

    def call(self, body: str, **envelope_options: str | None) -> etree._Element:
        """The ``<response>`` root for an authenticated request carrying ``body``."""
        response = self.post(self.envelope(body, **envelope_options))  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return etree.fromstring(response.content)

    def command(self, body: str, **envelope_options: str | None) -> etree._Element:
        """The answer to the single command in ``body`` (the element after ``<Auth>``)."""
        root = self.call(body, **envelope_options)
        assert root[0].tag == "Auth" and root[0].get("status") == "0", etree.tostring(root)
        return root[1]

    def control(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return self.http.request(method, f"/_emulator/{path}", **kwargs)  # type: ignore[arg-type]

    def stats(self) -> dict:
        return self.control("GET", "stats").json()


# -- XML helpers ----------------------------------------------------------------------------


def objects(answer: etree._Element, tag: str) -> list[dict[str, str]]:
    """Leaf fields of each ``tag`` child (dates flattened to YYYY-MM-DD HH:MM:SS)."""
    out = []
    for element in answer.findall(tag):
        fields: dict[str, str] = {}
        for child in element:
            date = child.find("Date")
            if date is not None:
                parts = [
                    date.findtext(n) or "00" for n in ("year", "month", "day", "hour", "minute", "second")
                ]
                fields[child.tag] = "{}-{}-{} {}:{}:{}".format(*parts)
            elif len(child) == 0:
                fields[child.tag] = child.text or ""
        if element.get("status") is not None:
            fields["@status"] = element.get("status")  # type: ignore[assignment]
        out.append(fields)
    return out


def date_xml(value: str) -> str:
    """``YYYY-MM-DD HH:MM:SS`` -> a padded ``<Date>`` block."""
    day, _, time = value.partition(" ")
    y, mo, d = day.split("-")
    h, mi, s = (time or "00:00:00").split(":")
    return (
        f"<Date><year>{y}</year><month>{mo}</month><day>{d}</day>"
        f"<hour>{h}</hour><minute>{mi}</minute><second>{s}</second></Date>"
    )
