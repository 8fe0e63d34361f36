"""Parsing untrusted XML without entity expansion, DTDs or network access.

Both emulators and both protocol clients parse XML from the other side of a wire; a payload
with a DOCTYPE (the carrier of entity-expansion and external-entity attacks) is refused
outright rather than parsed with entities switched off.
"""

from __future__ import annotations

from lxml import etree


class UnsafeXmlError(ValueError):
    """The document carries a DTD or entity declarations and was not parsed."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,  # large (trusted-size-limited) search pages; entity expansion is off anyway
        remove_blank_text=False,
    )


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` into an element tree, refusing any DOCTYPE.

    Raises ``UnsafeXmlError`` for DTD/entity payloads and ``etree.XMLSyntaxError`` for
    malformed XML.
    """
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeXmlError("DTDs and entity declarations are not accepted")
    root = etree.fromstring(data, parser=_parser())
    # lxml-stubs leave ``DocInfo.doctype`` out; lxml has it (the DOCTYPE line, or "")
    doctype: str = getattr(root.getroottree().docinfo, "doctype", "")
    if doctype:
        raise UnsafeXmlError("DTDs and entity declarations are not accepted")
    return root
