"""XML <-> document codec: round trips, strict reading, custom fields, status and searches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import zeep
from lxml import etree

from emulators.netsuite.codec import (
    CodecError,
    StatusDetail,
    custom_field_type,
    deleted_filter_from_xml,
    format_datetime,
    qn,
    record_from_xml,
    record_to_xml,
    ref_from_xml,
    ref_to_xml,
    search_from_xml,
    status_xml,
)
from emulators.netsuite.schema import RECORD_TYPES, XSI_NS, ns
from emulators.netsuite.wsdl import binding_qname
from include.xml_safety import parse_xml

from ._zeep_support import WHEN, local_client, sample_document

V = "2023_2"
MSGS, CORE, REL, COMMON = (ns(k, V) for k in ("platformMsgs", "platformCore", "listRel", "platformCommon"))
RECORD_TAG = f"{{{MSGS}}}record"


def parse(text: str) -> etree._Element:
    return parse_xml(text.encode())


def customer_xml(body: str, xsi_type: str = "r:Customer", extra_ns: str = "") -> etree._Element:
    return parse(
        f'<m:record xmlns:m="{MSGS}" xmlns:r="{REL}" xmlns:c="{CORE}" xmlns:xsi="{XSI_NS}" {extra_ns}'
        f' xsi:type="{xsi_type}" internalId="5">{body}</m:record>'
    )


class TestRecordRoundTrip:
    @pytest.mark.parametrize("record_type", sorted(RECORD_TYPES))
    def test_every_field_of_every_record_type_survives_a_round_trip(self, record_type: str) -> None:
        doc = sample_document(record_type)
        assert record_from_xml(record_to_xml(record_type, doc, V, RECORD_TAG), V) == (record_type, doc)

    def test_children_follow_schema_order_whatever_the_document_order(self) -> None:
        doc = dict(reversed(list(sample_document("invoice").items())))
        el = record_to_xml("invoice", doc, V, RECORD_TAG)
        emitted = [etree.QName(c).localname for c in el]
        schema_order = [f.name for f in RECORD_TYPES["invoice"].fields]
        assert emitted == schema_order
        line = el.find(f"{{{ns('tranSales', V)}}}itemList/{{{ns('tranSales', V)}}}item")
        assert [etree.QName(c).localname for c in line][3:5] == ["amount", "quantity"]

    def test_record_is_typed_by_xsi_type_and_fields_are_qualified_by_their_schema(self) -> None:
        el = record_to_xml(
            "customer",
            {
                "internalId": "42",
                "externalId": "E-1",
                "nullFieldList": ["email"],
                "entityId": "C-1",
                "subsidiary": {"internalId": "1"},
            },
            V,
            f"{{{CORE}}}record",
        )
        prefix, local = el.get(f"{{{XSI_NS}}}type").split(":")
        assert (el.nsmap[prefix], local) == (REL, "Customer")
        assert el.tag == f"{{{CORE}}}record"
        assert [c.tag for c in el] == [
            f"{{{CORE}}}nullFieldList",
            f"{{{REL}}}entityId",
            f"{{{REL}}}subsidiary",
        ]
        assert dict(el.attrib) == {
            f"{{{XSI_NS}}}type": "listRel:Customer",
            "internalId": "42",
            "externalId": "E-1",
        }
        assert el.find(f"{{{REL}}}subsidiary").attrib == {"internalId": "1"}  # RecordRef: no xsi:type

    def test_scalars_use_xsd_lexical_forms(self) -> None:
        naive_utc = dt.datetime(2024, 5, 6, 7, 8, 9, 123456)
        el = record_to_xml(
            "timeBill",
            {
                "isBillable": False,
                "tranDate": naive_utc,
                "hours": 7.5,
                "rate": 100,
                "timeType": "_actualTime",
            },
            V,
            RECORD_TAG,
        )
        tran = ns("tranEmp", V)
        assert el.findtext(f"{{{tran}}}isBillable") == "false"
        assert el.findtext(f"{{{tran}}}tranDate") == "2024-05-06T07:08:09.123Z"
        assert el.findtext(f"{{{tran}}}rate") == "100.0"
        hours = el.find(f"{{{tran}}}hours")
        assert [(etree.QName(c).namespace, c.text) for c in hours] == [(CORE, "7.5"), (CORE, "hour")]

    def test_offsets_are_normalised_to_utc(self) -> None:
        pacific = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
        assert format_datetime(pacific) == "2024-01-02T11:04:05.000Z"
        el = customer_xml("<r:lastModifiedDate>2024-01-02T03:04:05.000-08:00</r:lastModifiedDate>")
        assert record_from_xml(el, V)[1]["lastModifiedDate"] == dt.datetime(
            2024, 1, 2, 11, 4, 5, tzinfo=dt.UTC
        )

    def test_unknown_document_keys_are_skipped_unless_strict(self) -> None:
        doc = {"entityId": "C-1", "_store_note": "x"}
        assert [etree.QName(c).localname for c in record_to_xml("customer", doc, V, RECORD_TAG)] == [
            "entityId"
        ]
        with pytest.raises(CodecError) as err:
            record_to_xml("customer", doc, V, RECORD_TAG, strict=True)
        assert err.value.field == "_store_note"

    def test_prefixes_are_irrelevant_only_namespaces_count(self) -> None:
        el = parse(
            f'<record xmlns="{MSGS}" xmlns:xsi="{XSI_NS}" xmlns:q="{REL}"'
            ' xsi:type="q:Customer" externalId="E">'
            f'<entityId xmlns="{REL}">C-9</entityId><q:isInactive>1</q:isInactive></record>'
        )
        assert record_from_xml(el, V) == (
            "customer",
            {"externalId": "E", "entityId": "C-9", "isInactive": True},
        )


class TestStrictReading:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ("<r:companyName>A</r:companyName><r:entityId>C</r:entityId>", "entityId"),
            (
                "<r:customFieldList/><r:lastModifiedDate>2024-01-01T00:00:00Z</r:lastModifiedDate>",
                "lastModifiedDate",
            ),
            ("<r:entityId>C</r:entityId><c:nullFieldList/>", "nullFieldList"),
            ("<r:entityId>A</r:entityId><r:entityId>B</r:entityId>", "entityId"),
        ],
    )
    def test_out_of_order_or_repeated_fields_are_rejected_by_name(self, body: str, field: str) -> None:
        with pytest.raises(CodecError) as err:
            record_from_xml(customer_xml(body), V)
        assert (err.value.code, err.value.field) == ("INVALID_FLD_VALUE", field)
        assert field in err.value.message

    def test_unknown_and_misqualified_elements_are_rejected(self) -> None:
        with pytest.raises(CodecError, match="bogusField") as err:
            record_from_xml(customer_xml("<r:bogusField>x</r:bogusField>"), V)
        assert err.value.field == "bogusField"
        with pytest.raises(CodecError, match="wrong namespace"):
            record_from_xml(customer_xml("<c:entityId>C</c:entityId>"), V)

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ("<r:isInactive>yes</r:isInactive>", "isInactive"),
            ("<r:creditLimit>lots</r:creditLimit>", "creditLimit"),
            ("<r:dateCreated>yesterday</r:dateCreated>", "dateCreated"),
            ("<r:stage>_friend</r:stage>", "stage"),
            ("<r:entityId><r:x/></r:entityId>", "entityId"),
            ('<r:subsidiary internalId="1"><r:name>HQ</r:name></r:subsidiary>', "subsidiary"),
        ],
    )
    def test_bad_values_are_rejected_naming_the_field(self, body: str, field: str) -> None:
        with pytest.raises(CodecError) as err:
            record_from_xml(customer_xml(body), V)
        assert (err.value.code, err.value.field) == ("INVALID_FLD_VALUE", field)

    def test_record_type_comes_from_xsi_type(self) -> None:
        with pytest.raises(CodecError) as err:
            record_from_xml(parse(f'<m:record xmlns:m="{MSGS}"/>'), V)
        assert err.value.code == "INVALID_RCRD_TYPE"
        with pytest.raises(CodecError, match="not supported"):
            record_from_xml(customer_xml("", xsi_type="c:Customer"), V)
        with pytest.raises(CodecError, match="undeclared prefix"):
            record_from_xml(customer_xml("", xsi_type="pc:Customer"), V)
        other_version = ns("listRel", "2025_2")
        with pytest.raises(CodecError, match="unknown namespace"):
            record_from_xml(customer_xml("", xsi_type="n:Customer", extra_ns=f'xmlns:n="{other_version}"'), V)

    def test_sublist_lines_are_checked_like_records(self) -> None:
        tran = ns("tranEmp", V)
        el = parse(
            f'<m:record xmlns:m="{MSGS}" xmlns:t="{tran}" xmlns:xsi="{XSI_NS}" xsi:type="t:ExpenseReport">'
            "<t:expenseList><t:expense><t:amount>5.0</t:amount><t:category internalId='3'/>"
            "</t:expense></t:expenseList>"
            "</m:record>"
        )
        with pytest.raises(CodecError, match="ExpenseReportExpense.category is out of schema order"):
            record_from_xml(el, V)

    def test_custom_fields_need_a_concrete_type(self) -> None:
        body = (
            '<r:customFieldList><c:customField scriptId="custentity_x"><c:value>1</c:value></c:customField>'
            "</r:customFieldList>"
        )
        with pytest.raises(CodecError, match="CustomFieldRef xsi:type"):
            record_from_xml(customer_xml(body), V)


class TestCustomFields:
    @pytest.mark.parametrize(
        ("value", "xsi_type"),
        [
            ("17", "StringCustomFieldRef"),
            (True, "BooleanCustomFieldRef"),
            (42, "LongCustomFieldRef"),
            (0.5, "DoubleCustomFieldRef"),
            (WHEN, "DateCustomFieldRef"),
            ({"internalId": "7", "typeId": "12"}, "SelectCustomFieldRef"),
            ([{"internalId": "1"}, {"internalId": "2", "name": "Two"}], "MultiSelectCustomFieldRef"),
        ],
    )
    def test_python_value_type_picks_the_custom_field_ref_type(self, value: object, xsi_type: str) -> None:
        assert custom_field_type(value) == xsi_type
        el = record_to_xml("job", {"customFieldList": {"custentity_x": value}}, V, RECORD_TAG)
        field_el = el.find(f".//{{{CORE}}}customField")
        assert field_el.get(f"{{{XSI_NS}}}type") == f"platformCore:{xsi_type}"
        assert field_el.get("scriptId") == "custentity_x"
        assert record_from_xml(el, V)[1] == {"customFieldList": {"custentity_x": value}}

    def test_fields_without_script_id_are_keyed_by_internal_id(self) -> None:
        el = record_to_xml("customer", {"customFieldList": {"555": "x"}}, V, RECORD_TAG)
        assert el.find(f".//{{{CORE}}}customField").get("internalId") == "555"
        assert record_from_xml(el, V)[1]["customFieldList"] == {"555": "x"}


class TestReferencesAndStatus:
    def test_base_refs_carry_their_concrete_type(self) -> None:
        el = ref_to_xml(
            f"{{{MSGS}}}baseRef",
            {"internalId": "10", "externalId": "E", "type": "customer"},
            V,
            xsi_type="RecordRef",
        )
        assert el.get(f"{{{XSI_NS}}}type") == "platformCore:RecordRef"
        assert ref_from_xml(el, V) == {"internalId": "10", "externalId": "E", "type": "customer"}

    def test_custom_record_refs_are_routed_as_custom_records(self) -> None:
        el = parse(
            f'<m:baseRef xmlns:m="{MSGS}" xmlns:c="{CORE}" xmlns:xsi="{XSI_NS}"'
            ' xsi:type="c:CustomRecordRef" internalId="5" typeId="123"/>'
        )
        assert ref_from_xml(el, V) == {"internalId": "5", "typeId": "123", "type": "customRecord"}

    def test_status_carries_details_of_any_severity(self) -> None:
        el = status_xml(True, [StatusDetail("WARN_CODE", "Careful.", "WARN"), ("DUP_ENTITY", "Dup.")], V)
        assert el.tag == f"{{{CORE}}}status" and el.get("isSuccess") == "true"
        details = el.findall(f"{{{CORE}}}statusDetail")
        assert [
            (d.get("type"), d.findtext(f"{{{CORE}}}code"), d.findtext(f"{{{CORE}}}message")) for d in details
        ] == [
            ("WARN", "WARN_CODE", "Careful."),
            ("ERROR", "DUP_ENTITY", "Dup."),
        ]
        assert (
            status_xml(False, [{"code": "RCRD_DSNT_EXIST", "message": "That record does not exist."}], V).get(
                "isSuccess"
            )
            == "false"
        )


@pytest.fixture(scope="module")
def zeep_client(tmp_path_factory: pytest.TempPathFactory) -> zeep.Client:
    return local_client(Path(tmp_path_factory.mktemp("wsdl")), V)


def _search_record_as_zeep_sends_it(client: zeep.Client, search_record: object) -> etree._Element:
    service = client.create_service(binding_qname(V), "http://127.0.0.1:9/services")
    envelope = client.create_message(service, "search", searchRecord=search_record)
    return envelope.find(f".//{{{MSGS}}}searchRecord")


class TestSearchParsing:
    def test_customer_search_basic_with_date_and_boolean_custom_field_as_zeep_emits_it(
        self, zeep_client: zeep.Client
    ) -> None:
        t = zeep_client.get_type
        basic = t(f"{{{COMMON}}}CustomerSearchBasic")(
            lastModifiedDate=t(f"{{{CORE}}}SearchDateField")(operator="after", searchValue=WHEN),
            customFieldList=t(f"{{{CORE}}}SearchCustomFieldList")(
                customField=[
                    t(f"{{{CORE}}}SearchBooleanCustomField")(
                        scriptId="custentity_oa_export_to_openair", searchValue=True
                    )
                ]
            ),
        )
        query = search_from_xml(_search_record_as_zeep_sends_it(zeep_client, basic), V)
        assert (query.record_type, query.search_type, query.record_types) == (
            "customer",
            "CustomerSearchBasic",
            ["customer"],
        )
        modified = query.criterion("lastModifiedDate")
        assert (modified.kind, modified.operator, modified.values) == ("SearchDateField", "after", [WHEN])
        (custom,) = query.custom_criteria
        assert (custom.key, custom.kind, custom.operator, custom.values) == (
            "custentity_oa_export_to_openair",
            "SearchBooleanCustomField",
            None,
            [True],
        )

    def test_transaction_search_type_any_of_selects_record_types(self, zeep_client: zeep.Client) -> None:
        t = zeep_client.get_type
        search = t(f"{{{ns('tranSales', V)}}}TransactionSearch")(
            basic=t(f"{{{COMMON}}}TransactionSearchBasic")(
                lastModifiedDate=t(f"{{{CORE}}}SearchDateField")(
                    operator="within", searchValue=WHEN, searchValue2=WHEN + dt.timedelta(days=1)
                ),
                type=t(f"{{{CORE}}}SearchEnumMultiSelectField")(
                    operator="anyOf", searchValue=["_expenseReport", "_journal"]
                ),
            )
        )
        query = search_from_xml(_search_record_as_zeep_sends_it(zeep_client, search), V)
        assert query.search_type == "TransactionSearch" and query.record_type == "transaction"
        assert query.transaction_types == ["_expenseReport", "_journal"]
        assert query.record_types == ["expenseReport", "journalEntry"]
        assert [c.field for c in query.criteria] == ["lastModifiedDate"]  # the type filter is consumed
        assert query.criterion("lastModifiedDate").values == [WHEN, WHEN + dt.timedelta(days=1)]

    def test_one_transaction_type_names_the_record_type_and_none_of_excludes(self) -> None:
        def transaction_search(operator: str, *literals: str) -> etree._Element:
            values = "".join(f"<c:searchValue>{lit}</c:searchValue>" for lit in literals)
            return parse(
                f'<m:searchRecord xmlns:m="{MSGS}" xmlns:b="{COMMON}" xmlns:c="{CORE}" xmlns:xsi="{XSI_NS}"'
                f' xsi:type="b:TransactionSearchBasic"><b:type operator="{operator}">{values}</b:type>'
                "</m:searchRecord>"
            )

        assert search_from_xml(transaction_search("anyOf", "_invoice"), V).record_type == "invoice"
        excluded = search_from_xml(transaction_search("noneOf", "_invoice", "_salesOrder"), V).record_types
        assert "invoice" not in excluded and "salesOrder" not in excluded and "vendorBill" in excluded

    def test_custom_record_search_reads_rec_type_and_last_modified(self) -> None:
        custom = ns("setupCustom", V)
        el = parse(
            f'<m:searchRecord xmlns:m="{MSGS}" xmlns:s="{custom}" xmlns:b="{COMMON}" xmlns:c="{CORE}"'
            f' xmlns:xsi="{XSI_NS}" xsi:type="s:CustomRecordSearch"><s:basic><b:recType internalId="123"/>'
            '<b:lastModified operator="onOrAfter"><c:searchValue>2024-01-01T00:00:00Z</c:searchValue>'
            "</b:lastModified></s:basic></m:searchRecord>"
        )
        query = search_from_xml(el, V)
        assert (query.record_type, query.rec_type) == ("customRecord", {"internalId": "123"})
        assert query.criterion("lastModified").operator == "onOrAfter"

    def test_item_search_maps_service_items(self) -> None:
        el = parse(
            f'<m:searchRecord xmlns:m="{MSGS}" xmlns:b="{COMMON}" xmlns:c="{CORE}" xmlns:xsi="{XSI_NS}"'
            ' xsi:type="b:ItemSearchBasic"><b:internalId operator="anyOf"><c:searchValue internalId="4"/>'
            "</b:internalId>"
            '<b:type operator="anyOf"><c:searchValue>_service</c:searchValue></b:type></m:searchRecord>'
        )
        query = search_from_xml(el, V)
        assert query.record_type == "serviceSaleItem"
        assert query.criterion("internalId").values == [{"internalId": "4"}]

    @pytest.mark.parametrize(
        ("xsi_type", "body", "code", "fragment"),
        [
            (
                "b:CustomerSearchBasic",
                '<b:lastModifiedDate operator="sometime"/>',
                "INVALID_SRCH_CRITERIA",
                "sometime",
            ),
            ("b:CustomerSearchBasic", "<b:favouriteColour/>", "INVALID_SRCH_CRITERIA", "favouriteColour"),
            (
                "b:CustomerSearchBasic",
                '<b:lastModifiedDate/><b:email operator="is"/>',
                "INVALID_SRCH_CRITERIA",
                "out of order",
            ),
            (
                "b:CustomerSearchBasic",
                "<b:isInactive><c:searchValue>maybe</c:searchValue></b:isInactive>",
                "INVALID_SRCH_CRITERIA",
                "isInactive",
            ),
            ("r:CustomerSearch", "<r:jobJoin/>", "INVALID_SEARCH", "jobJoin"),
            ("r:CustomerSearchAdvanced", "", "INVALID_SEARCH", "CustomerSearchAdvanced"),
        ],
    )
    def test_invalid_searches_are_rejected(self, xsi_type: str, body: str, code: str, fragment: str) -> None:
        el = parse(
            f'<m:searchRecord xmlns:m="{MSGS}" xmlns:r="{REL}" xmlns:b="{COMMON}" xmlns:c="{CORE}"'
            f' xmlns:xsi="{XSI_NS}" xsi:type="{xsi_type}">{body}</m:searchRecord>'
        )
        with pytest.raises(CodecError) as err:
            search_from_xml(el, V)
        assert err.value.code == code and fragment in err.value.message


def test_record_tag_helper_builds_clark_names() -> None:
    assert (
        qn("platformMsgs", "record", "2025_2")
        == "{urn:messages_2025_2.platform.webservices.netsuite.com}record"
    )


def test_get_deleted_filter_reads_core_namespace_criteria() -> None:
    el = parse(
        f'<m:getDeletedFilter xmlns:m="{MSGS}" xmlns:c="{CORE}">'
        '<c:deletedDate operator="after"><c:searchValue>2024-01-02T03:04:05.678Z</c:searchValue>'
        "</c:deletedDate>"
        '<c:type operator="anyOf"><c:searchValue>customer</c:searchValue><c:searchValue>job</c:searchValue>'
        "</c:type>"
        "</m:getDeletedFilter>"
    )
    deleted, types = deleted_filter_from_xml(el, V)
    assert (deleted.field, deleted.operator, deleted.values) == ("deletedDate", "after", [WHEN])
    assert (types.field, types.operator, types.values) == ("type", "anyOf", ["customer", "job"])
    with pytest.raises(CodecError, match="deletedDate"):
        deleted_filter_from_xml(parse(f'<m:f xmlns:m="{MSGS}" xmlns:b="{COMMON}"><b:deletedDate/></m:f>'), V)
