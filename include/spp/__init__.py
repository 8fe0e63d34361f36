"""SuiteProjects Pro XML API client (no Airflow dependency).

``SppClient`` talks to ``/api.pl``; ``include.spp.xml`` builds requests and reads responses;
``include.spp.errors`` holds the status-code table and the exceptions.
"""

from include.spp.client import NOT_SENT, OUTCOME_UNKNOWN, SppClient
from include.spp.errors import (
    STATUS_MEANINGS,
    SppAuthError,
    SppError,
    SppRateLimited,
    SppRequestError,
    SppWriteOutcomeUnknown,
    describe_status,
)

__all__ = [
    "NOT_SENT",
    "OUTCOME_UNKNOWN",
    "STATUS_MEANINGS",
    "SppAuthError",
    "SppClient",
    "SppError",
    "SppRateLimited",
    "SppRequestError",
    "SppWriteOutcomeUnknown",
    "describe_status",
]
