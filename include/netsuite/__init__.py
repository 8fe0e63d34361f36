"""NetSuite SuiteTalk SOAP client (zeep + token-based authentication), usable without Airflow."""

from include.netsuite.client import NetSuiteClient
from include.netsuite.errors import (
    NetSuiteAuthError,
    NetSuiteConcurrencyError,
    NetSuiteError,
    NetSuiteFault,
    NetSuiteOutcomeUnknownError,
    NetSuiteStatusError,
    NetSuiteTransportError,
)
from include.results import WriteResult

__all__ = [
    "NetSuiteAuthError",
    "NetSuiteClient",
    "NetSuiteConcurrencyError",
    "NetSuiteError",
    "NetSuiteFault",
    "NetSuiteOutcomeUnknownError",
    "NetSuiteStatusError",
    "NetSuiteTransportError",
    "WriteResult",
]
