"""SOAP 1.1 faults of the emulated SuiteTalk service (request-level errors).

A request-level error stops the whole request: the service answers HTTP 500 with a
``soapenv:Fault`` whose ``detail`` holds one ``platformFaults:<name>Fault`` element (``code`` +
``message``) and Axis' ``hostname``, as NetSuite does. Per-record problems are *not* faults: they
travel as ``statusDetail`` inside each write/read response (see ``messages.py``).

Handlers raise :class:`SoapFault`; the app turns it into a response with :func:`fault_envelope`.
"""

from __future__ import annotations

from lxml import etree

from emulators.netsuite.schema import ns

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
AXIS = "http://xml.apache.org/axis/"
HOSTNAME = "emulator.netsuite.local"

SERVER_USER_EXCEPTION = "soapenv:Server.userException"
CLIENT_FAULT = "soapenv:Client"

INVALID_LOGIN_TEXT = "Invalid login attempt."
CONCURRENCY_TEXT = "SuiteTalk concurrent request limit exceeded. Request blocked."
UNEXPECTED_TEXT = "An unexpected error occurred."
# The fault code of a failed TBA login differs between sources: a public fixture of a real
# response shows USER_ERROR, while INVALID_LOGIN_ATTEMPT exists only in StatusDetailCodeType (not in
# FaultCodeType, the type of a fault's code). We send the observed, schema-valid USER_ERROR; clients
# should match on the detail element (invalidCredentialsFault) or the faultstring, not the code.
INVALID_LOGIN_CODE = "USER_ERROR"


class SoapFault(Exception):
    """A request-level error, answered with a SOAP Fault (HTTP 500 by default)."""

    def __init__(
        self,
        faultstring: str,
        *,
        detail: str | None,
        code: str | None = None,
        faultcode: str = SERVER_USER_EXCEPTION,
        status: int = 500,
        reason: str = "",
    ) -> None:
        super().__init__(faultstring)
        self.faultstring = faultstring
        self.detail = detail  # local name of the platformFaults element, e.g. "invalidCredentialsFault"
        self.code = code
        self.faultcode = faultcode
        self.status = status
        self.reason = reason  # why, for logs and tests; NetSuite does not tell the client


def invalid_login(reason: str = "") -> SoapFault:
    """Any TokenPassport failure; ``reason`` stays server-side (NetSuite does not say why)."""
    return SoapFault(
        INVALID_LOGIN_TEXT, detail="invalidCredentialsFault", code=INVALID_LOGIN_CODE, reason=reason
    )


def concurrency_blocked() -> SoapFault:
    """The account's concurrent request limit is exhausted (TBA form of the fault)."""
    return SoapFault(
        CONCURRENCY_TEXT, detail="exceededConcurrentRequestLimitFault", code="WS_REQUEST_BLOCKED"
    )


def unexpected_error() -> SoapFault:
    """NetSuite's transient internal error."""
    return SoapFault(UNEXPECTED_TEXT, detail="unexpectedErrorFault", code="UNEXPECTED_ERROR")


def record_count_exceeded(operation: str, limit: int, count: int) -> SoapFault:
    """A list operation carrying more records than its limit."""
    text = f"The {operation} request contains {count} records; the limit is {limit}."
    return SoapFault(text, detail="exceededRecordCountFault", code="MAX_RCRDS_EXCEEDED")


def request_too_large(limit: int) -> SoapFault:
    """A body over the size limit (FaultCodeType has no size code, so USER_ERROR)."""
    text = f"The request exceeds the maximum allowed size of {limit} bytes."
    return SoapFault(text, detail="exceededRequestSizeFault", code="USER_ERROR")


def bad_request(reason: str) -> SoapFault:
    """Unparseable or unsafe XML, or an envelope we cannot dispatch: the client's fault."""
    return SoapFault(reason, detail=None, faultcode=CLIENT_FAULT)


def fault_envelope(fault: SoapFault, version: str) -> bytes:
    """Serialise ``fault`` as a SOAP 1.1 envelope in NetSuite's shape."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    node = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    # faultcode/faultstring/detail are unqualified in SOAP 1.1
    etree.SubElement(node, "faultcode").text = fault.faultcode
    etree.SubElement(node, "faultstring").text = fault.faultstring
    detail = etree.SubElement(node, "detail")
    if fault.detail:
        faults_ns = ns("platformFaults", version)
        item = etree.SubElement(detail, f"{{{faults_ns}}}{fault.detail}", nsmap={"platformFaults": faults_ns})
        etree.SubElement(item, f"{{{faults_ns}}}code").text = fault.code or "USER_ERROR"
        etree.SubElement(item, f"{{{faults_ns}}}message").text = fault.faultstring
    etree.SubElement(detail, f"{{{AXIS}}}hostname", nsmap={"ns1": AXIS}).text = HOSTNAME
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
