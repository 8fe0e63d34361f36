"""The generated WSDL/XSD subset, loaded by a strict zeep client over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import zeep
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulators.netsuite.codec import (
    qn,
    read_response_xml,
    record_from_xml,
    search_result_to_xml,
    write_response_xml,
)
from emulators.netsuite.schema import OPERATIONS, RECORD_TYPES, VERSIONS, XSD_NS, ns
from emulators.netsuite.wsdl import binding_qname, wsdl_document, wsdl_path, xsd_files
from emulators.serve import RunningServer, serve_in_thread

from ._zeep_support import sample_document

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"


def _service_url(request: Request, version: str) -> str:
    return f"{request.base_url}services/NetSuitePort_{version}"


def _version_of(folder: str) -> str:
    return folder.removeprefix("v").removesuffix("_0")


async def _wsdl(request: Request) -> Response:
    version = _version_of(request.path_params["folder"])
    if version not in VERSIONS:
        return Response(status_code=404)
    return Response(wsdl_document(version, _service_url(request, version)), media_type="text/xml")


async def _xsd(request: Request) -> Response:
    version = _version_of(request.path_params["folder"])
    text = xsd_files(version).get(f"xsd/{request.path_params['name']}") if version in VERSIONS else None
    return Response(text, media_type="text/xml") if text else Response(status_code=404)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    app = Starlette(
        routes=[Route("/wsdl/{folder}/netsuite.wsdl", _wsdl), Route("/wsdl/{folder}/xsd/{name}", _xsd)]
    )
    running = serve_in_thread(app)
    yield running
    running.stop()


@pytest.fixture(scope="module", params=VERSIONS)
def client(request: pytest.FixtureRequest, server: RunningServer) -> tuple[str, zeep.Client]:
    version = request.param
    return version, zeep.Client(server.url + wsdl_path(version), settings=zeep.Settings(strict=True))


def test_zeep_binds_all_fourteen_operations_with_their_headers_and_faults(
    client: tuple[str, zeep.Client],
) -> None:
    version, zc = client
    binding = zc.wsdl.bindings[binding_qname(version)]
    assert sorted(binding._operations) == sorted(OPERATIONS)
    for name, op in binding._operations.items():
        assert op.soapaction == name
        assert [part for part, _ in op.input.header.type.elements] == list(OPERATIONS[name].headers)
        assert [part for part, _ in op.output.header.type.elements] == ["documentInfo"]
        assert list(op.faults) == list(OPERATIONS[name].faults)


def test_service_address_is_the_url_the_wsdl_was_served_for(
    client: tuple[str, zeep.Client], server: RunningServer
) -> None:
    version, zc = client
    port = zc.wsdl.services["NetSuiteService"].ports["NetSuitePort"]
    assert port.binding_options["address"] == f"{server.url}/services/NetSuitePort_{version}"


def test_types_resolve_by_namespace_uri(client: tuple[str, zeep.Client]) -> None:
    version, zc = client
    customer = zc.get_type(f"{{{ns('listRel', version)}}}Customer")
    assert "entityId" in [name for name, _ in customer.elements]
    for info in RECORD_TYPES.values():
        assert zc.get_type(f"{{{ns(info.ns_key, version)}}}{info.soap_type}").name == info.soap_type
    zc.get_type(f"{{{ns('platformCommon', version)}}}TransactionSearchBasic")
    zc.get_type(f"{{{ns('tranSales', version)}}}TransactionSearch")
    zc.get_element(f"{{{ns('platformMsgs', version)}}}tokenPassport")
    zc.get_element(f"{{{ns('platformFaults', version)}}}exceededConcurrentRequestLimitFault")


def test_zeep_serialises_a_customer_with_custom_fields_that_the_codec_reads_back(
    client: tuple[str, zeep.Client],
) -> None:
    version, zc = client
    core = ns("platformCore", version)
    service = zc.create_service(binding_qname(version), "http://127.0.0.1:9/services")
    customer = zc.get_type(f"{{{ns('listRel', version)}}}Customer")(
        externalId="spp-customer-7",
        entityId="C-0042",
        companyName="Acme",
        isInactive=False,
        subsidiary=zc.get_type(f"{{{core}}}RecordRef")(internalId="1"),
        lastModifiedDate=dt.datetime(2024, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
        customFieldList=zc.get_type(f"{{{core}}}CustomFieldList")(
            customField=[
                zc.get_type(f"{{{core}}}BooleanCustomFieldRef")(
                    scriptId="custentity_oa_export_to_openair", value=True
                ),
                zc.get_type(f"{{{core}}}StringCustomFieldRef")(scriptId="custentity_spp_id", value="17"),
                zc.get_type(f"{{{core}}}SelectCustomFieldRef")(
                    scriptId="custentity_sel",
                    value=zc.get_type(f"{{{core}}}ListOrRecordRef")(internalId="7", typeId="12"),
                ),
            ]
        ),
    )
    envelope = zc.create_message(service, "upsertList", record=[customer])
    record = envelope.find(f".//{qn('platformMsgs', 'record', version)}")
    assert record_from_xml(record, version) == (
        "customer",
        {
            "externalId": "spp-customer-7",
            "entityId": "C-0042",
            "companyName": "Acme",
            "isInactive": False,
            "subsidiary": {"internalId": "1"},
            "lastModifiedDate": dt.datetime(2024, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
            "customFieldList": {
                "custentity_oa_export_to_openair": True,
                "custentity_spp_id": "17",
                "custentity_sel": {"internalId": "7", "typeId": "12"},
            },
        },
    )


@pytest.mark.parametrize("record_type", sorted(RECORD_TYPES))
def test_strict_zeep_parses_every_record_type_the_codec_writes(
    client: tuple[str, zeep.Client], record_type: str
) -> None:
    version, zc = client
    doc = sample_document(record_type)
    doc.pop("nullFieldList")  # a request-only element
    response = etree.Element(qn("platformMsgs", "getResponse", version))
    response.append(read_response_xml(True, (record_type, doc), version=version))
    parsed = zc.get_element(f"{{{ns('platformMsgs', version)}}}getResponse").parse(response, zc.wsdl.types)
    record = parsed.readResponse.record
    assert type(record).__name__ == RECORD_TYPES[record_type].soap_type
    assert record.internalId == "42"
    fields = parsed.readResponse.record.customFieldList.customField
    assert {f.scriptId or f.internalId: type(f).__name__ for f in fields}[
        "custentity_when"
    ] == "DateCustomFieldRef"

    # ...and what zeep serialises from that object reads back as the original document
    # (zeep writes the schema default replaceAll="true" on every sublist it sends)
    service = zc.create_service(binding_qname(version), "http://127.0.0.1:9/services")
    envelope = zc.create_message(service, "add", record=record)
    expected = doc | {f.name: doc[f.name] | {"replaceAll": True} for f in RECORD_TYPES[record_type].sublists}
    assert record_from_xml(envelope.find(f".//{qn('platformMsgs', 'record', version)}"), version) == (
        record_type,
        expected,
    )


def test_strict_zeep_parses_search_results_and_write_responses(client: tuple[str, zeep.Client]) -> None:
    version, zc = client
    msgs = ns("platformMsgs", version)
    search = etree.Element(qn("platformMsgs", "searchResponse", version))
    search.append(
        search_result_to_xml(
            [
                ("customer", sample_document("customer") | {"nullFieldList": None}),
                ("job", {"internalId": "9"}),
            ],
            total_records=2,
            page_size=5,
            total_pages=1,
            page_index=1,
            search_id="WEBSERVICES_1_x",
            version=version,
        )
    )
    result = zc.get_element(f"{{{msgs}}}searchResponse").parse(search, zc.wsdl.types).searchResult
    assert (result.totalRecords, result.searchId, result.status.isSuccess) == (2, "WEBSERVICES_1_x", True)
    assert [type(r).__name__ for r in result.recordList.record] == ["Customer", "Job"]

    written = etree.Element(qn("platformMsgs", "upsertListResponse", version))
    listing = etree.SubElement(written, qn("platformMsgs", "writeResponseList", version))
    listing.append(
        write_response_xml(
            True, {"internalId": "10", "externalId": "E1", "type": "customer"}, version=version
        )
    )
    listing.append(
        write_response_xml(False, None, [("DUP_ENTITY", "This entity already exists.")], version=version)
    )
    parsed = zc.get_element(f"{{{msgs}}}upsertListResponse").parse(written, zc.wsdl.types)
    ok, failed = parsed.writeResponseList.writeResponse
    assert (ok.baseRef.internalId, ok.baseRef.externalId, ok.baseRef.type) == ("10", "E1", "customer")
    assert failed.status.statusDetail[0].code == "DUP_ENTITY" and failed.status.isSuccess is False


class TestGeneratedText:
    def test_every_schema_is_qualified_and_imports_only_served_files(self) -> None:
        files = xsd_files("2023_2")
        assert "xsd/platform.core.xsd" in files and "xsd/transactions.saleTypes.xsd" in files
        for name, text in files.items():
            root = etree.fromstring(text.encode())
            assert root.get("elementFormDefault") == "qualified"
            assert root.get("attributeFormDefault") == "unqualified"
            for imp in root.findall(f"{{{XSD_NS}}}import"):
                assert f"xsd/{imp.get('schemaLocation')}" in files, (name, imp.get("schemaLocation"))

    def test_abstract_and_derived_types_are_declared_like_the_real_schema(self) -> None:
        core = etree.fromstring(xsd_files("2023_2")["xsd/platform.core.xsd"].encode())
        by_name = {ct.get("name"): ct for ct in core.findall(f"{{{XSD_NS}}}complexType")}
        assert by_name["Record"].get("abstract") == "true"
        assert by_name["CustomFieldRef"].get("abstract") == "true"
        extension = by_name["RecordRef"].find(f"{{{XSD_NS}}}complexContent/{{{XSD_NS}}}extension")
        assert extension.get("base") == "platformCore:BaseRef"
        signature = by_name["TokenPassportSignature"].find(f"{{{XSD_NS}}}simpleContent/{{{XSD_NS}}}extension")
        assert signature.get("base") == "xsd:string"

    def test_versions_differ_only_in_namespace_uris(self) -> None:
        old, new = xsd_files("2023_2"), xsd_files("2025_2")
        assert old.keys() == new.keys()
        assert all(old[name].replace("2023_2", "2025_2") == new[name] for name in old)
        wsdl = etree.fromstring(wsdl_document("2025_2", "http://h/services/NetSuitePort_2025_2").encode())
        assert wsdl.get("targetNamespace") == "urn:platform_2025_2.webservices.netsuite.com"
        binding = wsdl.find(f"{{{WSDL_NS}}}binding")
        assert binding.get("name") == "NetSuiteBinding"
        assert binding.find(f"{{{SOAP_NS}}}binding").get("style") == "document"

    def test_generation_is_cached_per_version(self) -> None:
        assert xsd_files("2023_2") is xsd_files("2023_2")
        assert wsdl_document("2023_2", "http://a") is wsdl_document("2023_2", "http://a")
