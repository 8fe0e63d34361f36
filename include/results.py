"""Per-record outcomes of a write, shared by the NetSuite and SuiteProjects Pro clients."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class WriteResult:
    """What the target system said about one record of a (list) write, in input order."""

    ok: bool
    id: str | None = None
    external_id: str | None = None
    code: str | None = None
    message: str | None = None
    index: int = 0
