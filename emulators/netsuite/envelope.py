"""SOAP 1.1 envelopes: reading a request (operation, headers) and wrapping a response.

Names are resolved by namespace URI, never by prefix: zeep invents ``ns0…nsN`` prefixes and
redeclares them per element.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from lxml import etree

from emulators.netsuite.faults import SOAP_ENV, XSD, XSI, bad_request
from emulators.netsuite.schema import ns
from include.xml_safety import UnsafeXmlError, parse_xml

_ns_ids = itertools.count(1)


@dataclass
class SoapRequest:
    """One parsed SuiteTalk request."""

    operation: str
    body: etree._Element  # the operation element, e.g. {urn:messages_…}upsertList
    headers: dict[str, etree._Element] = field(default_factory=dict)  # header elements by local name

    def header_value(self, header: str, child: str) -> str | None:
        """Text of ``<header><child>`` (e.g. searchPreferences/pageSize), or None."""
        element = self.headers.get(header)
        if element is None:
            return None
        for item in element:
            if isinstance(item.tag, str) and etree.QName(item).localname == child:
                return (item.text or "").strip()
        return None


def parse_request(data: bytes, version: str, soap_action: str | None) -> SoapRequest:
    """Parse and dispatch-resolve a request body; malformed or unsafe input raises a Client fault."""
    try:
        root = parse_xml(data)
    except UnsafeXmlError as exc:
        raise bad_request(f"Invalid SOAP request: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise bad_request(f"Invalid SOAP request: malformed XML ({exc.msg})") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise bad_request("Invalid SOAP request: the document is not a SOAP 1.1 Envelope")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise bad_request("Invalid SOAP request: the Envelope has no Body")
    payload = next((child for child in body if isinstance(child.tag, str)), None)
    if payload is None:
        raise bad_request("Invalid SOAP request: the Body is empty")
    qname = etree.QName(payload)
    if qname.namespace == ns("platformMsgs", version):
        operation = qname.localname
    else:
        # The element is not in this endpoint's messages namespace (another WSDL version, or a
        # hand-made request); fall back to the SOAPAction header as NetSuite's binding declares it.
        action = (soap_action or "").strip().strip('"')
        if not action:
            raise bad_request(
                f"Invalid SOAP request: {qname.text} is not an operation of the {version} endpoint"
            )
        operation = action
    headers: dict[str, etree._Element] = {}
    if header is not None:
        for item in header:
            if isinstance(item.tag, str):
                headers[etree.QName(item).localname] = item
    return SoapRequest(operation=operation, body=payload, headers=headers)


def document_info_id(account: str) -> str:
    """A NetSuite-looking ``documentInfo/nsId``: unique per response."""
    return f"WEBSERVICES_{account}_{time.strftime('%m%d%Y', time.gmtime())}{next(_ns_ids):012d}"


def response_envelope(payload: etree._Element, version: str, account: str) -> bytes:
    """Wrap a response element in an Envelope with the ``documentInfo`` header."""
    msgs = ns("platformMsgs", version)
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "xsd": XSD, "xsi": XSI})
    header = etree.SubElement(env, f"{{{SOAP_ENV}}}Header")
    info = etree.SubElement(header, f"{{{msgs}}}documentInfo", nsmap={"platformMsgs": msgs})
    etree.SubElement(info, f"{{{msgs}}}nsId").text = document_info_id(account)
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    body.append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
