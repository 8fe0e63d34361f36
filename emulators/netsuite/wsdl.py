"""Render the schema model (``schema.py``) as a hand-written WSDL 1.1 document and XSD files.

The output mirrors the real SuiteTalk layout closely enough that zeep (strict mode) builds the
same client as from Oracle's files for the served subset: one XSD per namespace with the real
file names next to the WSDL under ``xsd/``, relative ``schemaLocation`` imports,
``elementFormDefault="qualified"``, abstract types and ``complexContent`` extensions where the
real schema has them, and a ``NetSuiteBinding`` (SOAP 1.1 document/literal) whose operations
declare the same header parts and faults. Texts are generated once per version and cached.
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from emulators.netsuite.schema import (
    FAULT_TYPES,
    HEADER_ELEMENTS,
    OPERATIONS,
    XSD_FILES,
    XSD_NS,
    ComplexType,
    Element,
    EnumType,
    GlobalElement,
    fault_element_name,
    ns,
    platform_ns,
    schema_model,
    split_qname,
)

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
SOAP_HTTP_TRANSPORT = "http://schemas.xmlsoap.org/soap/http"
XSD_DIR = "xsd"
BINDING_NAME = "NetSuiteBinding"
PORT_TYPE_NAME = "NetSuitePortType"
SERVICE_NAME = "NetSuiteService"
PORT_NAME = "NetSuitePort"


def wsdl_path(version: str) -> str:
    """URL path of the WSDL, as NetSuite serves it (``/wsdl/v2025_2_0/netsuite.wsdl``)."""
    return f"/wsdl/v{version}_0/netsuite.wsdl"


def binding_qname(version: str) -> str:
    """Clark name zeep's ``create_service`` takes: ``{urn:platform_…}NetSuiteBinding``."""
    return f"{{{platform_ns(version)}}}{BINDING_NAME}"


def _x(tag: str) -> str:
    return f"{{{XSD_NS}}}{tag}"


def _type_refs(item: ComplexType | EnumType | GlobalElement) -> set[str]:
    """Prefix keys a schema component refers to (types, bases, element refs)."""
    refs: set[str] = set()
    if isinstance(item, GlobalElement):
        refs.add(split_qname(item.type)[0])
    elif isinstance(item, ComplexType):
        for el in item.elements:
            refs.add(split_qname(el.type)[0])
            if el.ref:
                refs.add(split_qname(el.ref)[0])
        refs.update(split_qname(a.type)[0] for a in item.attributes)
        if item.base:
            refs.add(split_qname(item.base)[0])
        if item.simple_content:
            refs.add(split_qname(item.simple_content)[0])
    refs.discard("xsd")
    return refs


def _occurs(node: etree._Element, el: Element) -> None:
    # XSD defaults are 1..1; only write what differs, as the real files do
    if el.min_occurs != 1:
        node.set("minOccurs", str(el.min_occurs))
    if el.max_occurs != 1:
        node.set("maxOccurs", "unbounded" if el.max_occurs is None else str(el.max_occurs))


def _sequence(parent: etree._Element, elements: tuple[Element, ...]) -> None:
    seq = etree.SubElement(parent, _x("sequence"))
    for el in elements:
        node = etree.SubElement(seq, _x("element"))
        if el.ref:
            node.set("ref", el.ref)
        else:
            node.set("name", el.name)
            node.set("type", el.type)
        _occurs(node, el)
        if el.default is not None:
            node.set("default", el.default)


def _attributes(parent: etree._Element, ct: ComplexType) -> None:
    for attr in ct.attributes:
        node = etree.SubElement(parent, _x("attribute"), name=attr.name, type=attr.type)
        if attr.required:
            node.set("use", "required")
        if attr.default is not None:
            node.set("default", attr.default)


def _complex_type(schema_el: etree._Element, ct: ComplexType) -> None:
    node = etree.SubElement(schema_el, _x("complexType"), name=ct.name)
    if ct.abstract:
        node.set("abstract", "true")
    if ct.simple_content:
        content = etree.SubElement(node, _x("simpleContent"))
        ext = etree.SubElement(content, _x("extension"), base=ct.simple_content)
        _attributes(ext, ct)
    elif ct.base:
        content = etree.SubElement(node, _x("complexContent"))
        ext = etree.SubElement(content, _x("extension"), base=ct.base)
        _sequence(ext, ct.elements)
        _attributes(ext, ct)
    else:
        _sequence(node, ct.elements)
        _attributes(node, ct)


def _enum_type(schema_el: etree._Element, enum: EnumType) -> None:
    node = etree.SubElement(schema_el, _x("simpleType"), name=enum.name)
    restriction = etree.SubElement(node, _x("restriction"), base="xsd:string")
    for value in enum.values:
        etree.SubElement(restriction, _x("enumeration"), value=value)


def _render_schema(ns_key: str, version: str) -> str:
    model = schema_model()
    types = [c for c in model.complex_types if c.ns_key == ns_key]
    enums = [e for e in model.enums if e.ns_key == ns_key]
    elements = [g for g in model.elements if g.ns_key == ns_key]
    imports: set[str] = set()
    for item in (*types, *enums, *elements):
        imports |= _type_refs(item)
    imports.discard(ns_key)
    nsmap = {"xsd": XSD_NS, ns_key: ns(ns_key, version), **{k: ns(k, version) for k in sorted(imports)}}
    root = etree.Element(
        _x("schema"),
        nsmap=nsmap,
        targetNamespace=ns(ns_key, version),
        elementFormDefault="qualified",
        attributeFormDefault="unqualified",
    )
    for key in sorted(imports, key=lambda k: XSD_FILES[k]):
        etree.SubElement(root, _x("import"), namespace=ns(key, version), schemaLocation=XSD_FILES[key])
    for g in elements:
        etree.SubElement(root, _x("element"), name=g.name, type=g.type)
    for ct in types:
        _complex_type(root, ct)
    for enum in enums:
        _enum_type(root, enum)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


@cache
def xsd_files(version: str) -> dict[str, str]:
    """Every XSD of the subset for ``version``: ``{"xsd/platform.core.xsd": text, ...}``.

    Only namespaces that own at least one component get a file (e.g. the support module has no
    enumerations we need, so there is no ``lists.supportTypes.xsd``).
    """
    return {
        f"{XSD_DIR}/{XSD_FILES[key]}": _render_schema(key, version) for key in schema_model().namespace_keys()
    }


def _w(tag: str) -> str:
    return f"{{{WSDL_NS}}}{tag}"


def _soap(tag: str) -> str:
    return f"{{{WSDL_SOAP_NS}}}{tag}"


@cache
def wsdl_document(version: str, service_url: str) -> str:
    """The WSDL for ``version`` with ``soap:address`` = ``service_url`` (14 operations bound)."""
    tns = platform_ns(version)
    msgs, faults = ns("platformMsgs", version), ns("platformFaults", version)
    root = etree.Element(
        _w("definitions"),
        nsmap={
            None: WSDL_NS,
            "soap": WSDL_SOAP_NS,
            "xsd": XSD_NS,
            "tns": tns,
            "platformMsgs": msgs,
            "platformFaults": faults,
        },
        targetNamespace=tns,
    )
    types = etree.SubElement(root, _w("types"))
    wrapper = etree.SubElement(types, _x("schema"), elementFormDefault="qualified", targetNamespace=tns)
    for key in schema_model().namespace_keys():
        etree.SubElement(
            wrapper, _x("import"), namespace=ns(key, version), schemaLocation=f"{XSD_DIR}/{XSD_FILES[key]}"
        )

    # One `headers` message carries every header part, as in the real WSDL.
    headers = etree.SubElement(root, _w("message"), name="headers")
    for part, _type in HEADER_ELEMENTS.items():
        etree.SubElement(headers, _w("part"), name=part, element=f"platformMsgs:{part}")
    for op in OPERATIONS.values():
        for suffix, element in (("Request", op.name), ("Response", f"{op.name}Response")):
            message = etree.SubElement(root, _w("message"), name=f"{op.name}{suffix}")
            etree.SubElement(message, _w("part"), name="parameters", element=f"platformMsgs:{element}")
    for fault in FAULT_TYPES:
        message = etree.SubElement(root, _w("message"), name=fault)
        etree.SubElement(
            message, _w("part"), name="fault", element=f"platformFaults:{fault_element_name(fault)}"
        )

    port_type = etree.SubElement(root, _w("portType"), name=PORT_TYPE_NAME)
    for op in OPERATIONS.values():
        node = etree.SubElement(port_type, _w("operation"), name=op.name)
        etree.SubElement(node, _w("input"), message=f"tns:{op.name}Request")
        etree.SubElement(node, _w("output"), message=f"tns:{op.name}Response")
        for fault in op.faults:
            etree.SubElement(node, _w("fault"), name=fault, message=f"tns:{fault}")

    binding = etree.SubElement(root, _w("binding"), name=BINDING_NAME, type=f"tns:{PORT_TYPE_NAME}")
    etree.SubElement(binding, _soap("binding"), style="document", transport=SOAP_HTTP_TRANSPORT)
    for op in OPERATIONS.values():
        node = etree.SubElement(binding, _w("operation"), name=op.name)
        etree.SubElement(node, _soap("operation"), soapAction=op.name)
        request = etree.SubElement(node, _w("input"))
        for part in op.headers:
            etree.SubElement(request, _soap("header"), message="tns:headers", part=part, use="literal")
        etree.SubElement(request, _soap("body"), use="literal")
        response = etree.SubElement(node, _w("output"))
        etree.SubElement(response, _soap("header"), message="tns:headers", part="documentInfo", use="literal")
        etree.SubElement(response, _soap("body"), use="literal")
        for fault in op.faults:
            fault_node = etree.SubElement(node, _w("fault"), name=fault)
            etree.SubElement(fault_node, _soap("fault"), name=fault, use="literal")

    service = etree.SubElement(root, _w("service"), name=SERVICE_NAME)
    port = etree.SubElement(service, _w("port"), name=PORT_NAME, binding=f"tns:{BINDING_NAME}")
    etree.SubElement(port, _soap("address"), location=service_url)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")
