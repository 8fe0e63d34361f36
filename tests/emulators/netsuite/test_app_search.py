"""Basic searches: criteria, ordering, paging with searchMoreWithId and search id expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lxml import etree

from tests.emulators.netsuite.suitetalk_harness import SuiteTalk

pytestmark = pytest.mark.usefixtures("fresh")


def add_customers(st: SuiteTalk, n: int, prefix: str = "c", **fields: Any) -> list[str]:
    records = [
        st.rel.Customer(
            externalId=f"{prefix}{i}", entityId=f"{prefix.upper()}-{i}", companyName=f"Co {i}", **fields
        )
        for i in range(n)
    ]
    return [r.baseRef.internalId for r in st.call("addList", record=records).writeResponseList.writeResponse]


def search(st: SuiteTalk, record: Any, page_size: int | None = None) -> Any:
    prefs = st.search_preferences(page_size) if page_size else None
    return st.call("search", searchRecord=record, search_preferences=prefs).searchResult


def ids_of(result: Any) -> list[str]:
    return [r.internalId for r in (result.recordList.record if result.recordList else [])]


def date_field(st: SuiteTalk, operator: str, value: dt.datetime, value2: dt.datetime | None = None) -> Any:
    return st.core.SearchDateField(operator=operator, searchValue=value, searchValue2=value2)


def modified_of(st: SuiteTalk, internal_id: str) -> dt.datetime:
    ref = st.core.RecordRef(internalId=internal_id, type="customer")
    return st.call("get", baseRef=ref).readResponse.record.lastModifiedDate


def test_last_modified_date_operators_window_the_results(st: SuiteTalk) -> None:
    ids = add_customers(st, 1) + add_customers(st, 1, prefix="d")  # two writes, two timestamps
    first, second = modified_of(st, ids[0]), modified_of(st, ids[1])
    assert first < second
    basic = st.common.CustomerSearchBasic
    assert ids_of(search(st, basic(lastModifiedDate=date_field(st, "after", first)))) == [ids[1]]
    assert ids_of(search(st, basic(lastModifiedDate=date_field(st, "onOrAfter", first)))) == ids
    assert ids_of(search(st, basic(lastModifiedDate=date_field(st, "before", second)))) == [ids[0]]
    assert ids_of(search(st, basic(lastModifiedDate=date_field(st, "onOrBefore", second)))) == ids
    assert ids_of(search(st, basic(lastModifiedDate=date_field(st, "within", first, first)))) == [ids[0]]


def test_internal_and_external_id_any_of(st: SuiteTalk) -> None:
    ids = add_customers(st, 4)
    by_id = st.core.SearchMultiSelectField(
        operator="anyOf",
        searchValue=[st.core.RecordRef(internalId=ids[3]), st.core.RecordRef(internalId=ids[1])],
    )
    assert ids_of(search(st, st.common.CustomerSearchBasic(internalId=by_id))) == [ids[1], ids[3]]
    by_ext = st.core.SearchMultiSelectField(
        operator="anyOf", searchValue=[st.core.RecordRef(externalId="c2")]
    )
    assert ids_of(search(st, st.common.CustomerSearchBasic(externalId=by_ext))) == [ids[2]]


def test_is_inactive_and_boolean_custom_fields(st: SuiteTalk) -> None:
    flag = st.core.CustomFieldList(
        customField=[st.core.BooleanCustomFieldRef(scriptId="custentity_oa_export_to_openair", value=True)]
    )
    active_flagged = add_customers(st, 1, customFieldList=flag)
    inactive = st.call(
        "add",
        record=st.rel.Customer(externalId="inactive", entityId="C-in", companyName="In", isInactive=True),
    ).writeResponse.baseRef.internalId
    inactive_result = search(
        st, st.common.CustomerSearchBasic(isInactive=st.core.SearchBooleanField(searchValue=True))
    )
    assert ids_of(inactive_result) == [inactive]
    custom = st.core.SearchCustomFieldList(
        customField=[
            st.core.SearchBooleanCustomField(scriptId="custentity_oa_export_to_openair", searchValue=True)
        ]
    )
    assert ids_of(search(st, st.common.CustomerSearchBasic(customFieldList=custom))) == active_flagged


def test_the_search_wrapper_form_works_like_the_basic_form(st: SuiteTalk) -> None:
    ids = add_customers(st, 2)
    result = search(st, st.rel.CustomerSearch(basic=st.common.CustomerSearchBasic()))
    assert ids_of(result) == ids


def test_transaction_search_filters_on_type(st: SuiteTalk) -> None:
    purch = st.types("purchases", "transactions")
    vendor = st.core.RecordRef(internalId="501", type="vendor")
    bill = st.call("add", record=purch.VendorBill(externalId="vb1", entity=vendor, memo="bill")).writeResponse
    st.call("add", record=purch.PurchaseOrder(externalId="po1", entity=vendor, memo="order"))
    type_filter = st.core.SearchEnumMultiSelectField(operator="anyOf", searchValue=["_vendorBill"])
    result = search(st, st.common.TransactionSearchBasic(type=type_filter))
    assert ids_of(result) == [bill.baseRef.internalId]
    both = st.core.SearchEnumMultiSelectField(operator="anyOf", searchValue=["_vendorBill", "_purchaseOrder"])
    assert result.totalRecords == 1
    assert search(st, st.common.TransactionSearchBasic(type=both)).totalRecords == 2


def test_custom_record_search_by_record_type(st: SuiteTalk) -> None:
    custom = st.types("customization", "setup")
    kept = st.call(
        "add", record=custom.CustomRecord(name="A", recType=st.core.RecordRef(internalId="12"))
    ).writeResponse
    st.call("add", record=custom.CustomRecord(name="B", recType=st.core.RecordRef(internalId="13")))
    result = search(st, st.common.CustomRecordSearchBasic(recType=st.core.RecordRef(internalId="12")))
    assert ids_of(result) == [kept.baseRef.internalId]


def test_time_bills_are_searched_on_last_modified(st: SuiteTalk) -> None:
    employees, tran_emp = st.types("employees", "lists"), st.types("employees", "transactions")
    emp = st.call(
        "add", record=employees.Employee(entityId="E", firstName="A", lastName="B")
    ).writeResponse.baseRef
    bill = tran_emp.TimeBill(
        employee=st.core.RecordRef(internalId=emp.internalId, type="employee"),
        hours=st.core.Duration(timeSpan=2.0, unit="hour"),
    )
    created = st.call("add", record=bill).writeResponse.baseRef.internalId
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    result = search(st, st.common.TimeBillSearchBasic(lastModified=date_field(st, "after", since)))
    assert ids_of(result) == [created]
    assert result.recordList.record[0].hours.timeSpan == 2.0


def test_search_more_with_id_pages_through_and_re_runs_the_query(st: SuiteTalk) -> None:
    add_customers(st, 12)
    first = search(st, st.common.CustomerSearchBasic(), page_size=5)
    assert (first.totalRecords, first.totalPages) == (12, 3)
    st.call("add", record=st.rel.Customer(externalId="late", entityId="C-late", companyName="Late"))
    last = st.call("searchMoreWithId", searchId=first.searchId, pageIndex=3).searchResult
    assert (last.totalRecords, last.pageIndex) == (13, 3)  # the new record shows up: each page re-runs
    assert len(last.recordList.record) == 3
    beyond = st.call("searchMoreWithId", searchId=first.searchId, pageIndex=4).searchResult
    assert (beyond.status.isSuccess, beyond.status.statusDetail[0].code) == (False, "INVALID_PAGE_INDEX")


def test_a_search_id_expires_fifteen_minutes_after_its_last_use(st: SuiteTalk) -> None:
    add_customers(st, 6)
    first = search(st, st.common.CustomerSearchBasic(), page_size=5)
    st.clock.advance(14 * 60)
    assert st.call("searchMoreWithId", searchId=first.searchId, pageIndex=2).searchResult.status.isSuccess
    st.clock.advance(14 * 60)  # 28 minutes after creation, 14 after the last use: still alive
    assert st.call("searchMoreWithId", searchId=first.searchId, pageIndex=2).searchResult.status.isSuccess
    st.clock.advance(15 * 60 + 1)
    expired = st.call("searchMoreWithId", searchId=first.searchId, pageIndex=2).searchResult
    assert (expired.status.isSuccess, expired.status.statusDetail[0].code) == (False, "INVALID_JOB_ID")


def test_an_unknown_search_id_is_an_invalid_job_id(st: SuiteTalk) -> None:
    result = st.call("searchMoreWithId", searchId="WEBSERVICES_nope", pageIndex=2).searchResult
    assert result.status.statusDetail[0].code == "INVALID_JOB_ID"


def test_a_search_on_a_field_the_record_lacks_is_refused(st: SuiteTalk) -> None:
    message = st.client.create_message(
        st.service,
        "search",
        searchRecord=st.common.CustomerSearchBasic(),
        _soapheaders={"tokenPassport": st.passport()},
    )
    basic = message.find(".//{urn:messages_2023_2.platform.webservices.netsuite.com}searchRecord")
    bogus = etree.SubElement(basic, "{urn:common_2023_2.platform.webservices.netsuite.com}noSuchField")
    bogus.text = "x"
    response = st.raw(etree.tostring(message), "search")
    assert response.status_code == 200
    assert b'isSuccess="false"' in response.content and b"INVALID_SRCH_CRITERIA" in response.content


def test_a_1000_record_page_is_served_in_one_response(st: SuiteTalk) -> None:
    # (the service's speed is measured by the benchmark, not asserted against a clock here)
    store = st.app.state.store
    store.insert_many(
        "customer",
        [
            (
                {
                    "entityId": f"C-{i}",
                    "companyName": f"Company {i}",
                    "email": f"c{i}@example.com",
                    "isInactive": False,
                    "customFieldList": {"custentity_oa_export_to_openair": True},
                },
                f"ext-{i}",
            )
            for i in range(1000)
        ],
    )
    message = st.client.create_message(
        st.service,
        "search",
        searchRecord=st.common.CustomerSearchBasic(),
        _soapheaders={"tokenPassport": st.passport(), "searchPreferences": st.search_preferences(1000)},
    )
    response = st.raw(etree.tostring(message), "search")
    assert response.status_code == 200
    assert response.content.count(b"<platformCore:record ") == 1000
