"""Every SuiteTalk operation over real HTTP with a strict zeep client: what it stores, what it answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lxml import etree

from tests.emulators.netsuite.suitetalk_harness import SuiteTalk

pytestmark = pytest.mark.usefixtures("fresh")


def customer(st: SuiteTalk, n: int, **fields: Any) -> Any:
    values = {
        "externalId": f"spp-customer-{n}",
        "entityId": f"C-{n}",
        "companyName": f"Company {n}",
        **fields,
    }
    return st.rel.Customer(**values)


def ref(
    st: SuiteTalk, record_type: str, internal_id: str | None = None, external_id: str | None = None
) -> Any:
    return st.core.RecordRef(internalId=internal_id, externalId=external_id, type=record_type)


def detail(status: Any) -> tuple[bool, str | None]:
    code = status.statusDetail[0].code if status.statusDetail else None
    return status.isSuccess, code


# -- writes ---------------------------------------------------------------------------------------


def test_add_assigns_an_internal_id_and_answers_a_typed_base_ref(st: SuiteTalk) -> None:
    response = st.call("add", record=customer(st, 1)).writeResponse
    assert response.status.isSuccess is True
    assert response.baseRef.type == "customer"
    assert response.baseRef.externalId == "spp-customer-1"
    assert response.baseRef.internalId.isdigit()
    assert st.stats()["records_written"] == 1


def test_add_with_an_external_id_already_in_use_fails_dup_rcrd(st: SuiteTalk) -> None:
    st.call("add", record=customer(st, 1))
    response = st.call("add", record=customer(st, 1, entityId="C-other")).writeResponse
    assert detail(response.status) == (False, "DUP_RCRD")


def test_add_list_reports_each_record_in_input_order(st: SuiteTalk) -> None:
    records = [customer(st, 1), st.rel.Customer(externalId="no-name"), customer(st, 3)]
    responses = st.call("addList", record=records).writeResponseList.writeResponse
    assert [r.status.isSuccess for r in responses] == [True, False, True]
    assert detail(responses[1].status) == (False, "MISSING_REQD_FLD")
    assert [r.baseRef.externalId for r in (responses[0], responses[2])] == [
        "spp-customer-1",
        "spp-customer-3",
    ]


def test_duplicate_entity_id_fails_dup_entity_also_within_one_batch(st: SuiteTalk) -> None:
    st.call("add", record=customer(st, 1))
    responses = st.call(
        "addList",
        record=[
            customer(st, 2, entityId="C-1"),
            customer(st, 3, entityId="X"),
            customer(st, 4, entityId="X"),
        ],
    ).writeResponseList.writeResponse
    assert [detail(r.status) for r in responses] == [
        (False, "DUP_ENTITY"),
        (True, None),
        (False, "DUP_ENTITY"),
    ]


def test_upsert_creates_then_updates_by_external_id(st: SuiteTalk) -> None:
    first = st.call("upsert", record=customer(st, 1)).writeResponse
    second = st.call("upsert", record=customer(st, 1, companyName="Renamed")).writeResponse
    assert second.status.isSuccess is True
    assert second.baseRef.internalId == first.baseRef.internalId
    record = st.call("get", baseRef=ref(st, "customer", first.baseRef.internalId)).readResponse.record
    assert record.companyName == "Renamed"
    assert record.entityId == "C-1"  # fields not sent are kept


def test_upsert_needs_an_external_id_and_refuses_an_internal_id(st: SuiteTalk) -> None:
    responses = st.call(
        "upsertList",
        record=[st.rel.Customer(entityId="C-9", companyName="No ext"), customer(st, 2, internalId="5")],
    ).writeResponseList.writeResponse
    assert detail(responses[0].status) == (False, "EXTERNALID_REQD")
    assert detail(responses[1].status) == (False, "USER_ERROR")


def test_upsert_list_of_the_same_external_id_twice_creates_once(st: SuiteTalk) -> None:
    responses = st.call(
        "upsertList", record=[customer(st, 1), customer(st, 1, companyName="Second")]
    ).writeResponseList.writeResponse
    assert responses[0].baseRef.internalId == responses[1].baseRef.internalId
    assert st.app.state.store.count("customer") == 1


def test_a_raw_upsert_list_of_100_existing_customers_updates_all_in_one_request(st: SuiteTalk) -> None:
    # (how fast the server answers is the benchmark's business, not a test's: no wall-clock limit here)
    records = [customer(st, n, email=f"c{n}@example.com") for n in range(100)]
    st.call("upsertList", record=records)  # first pass inserts; the second updates all 100
    message = st.client.create_message(
        st.service, "upsertList", record=records, _soapheaders={"tokenPassport": st.passport()}
    )
    payload = etree.tostring(message)
    before = st.stats()["records_written"]
    response = st.raw(payload, "upsertList")  # raw HTTP
    assert response.status_code == 200
    assert response.content.count(b'isSuccess="true"') == 101  # the list status + 100 records
    assert st.stats()["records_written"] - before == 100


def test_update_merges_fields_and_null_field_list_clears(st: SuiteTalk) -> None:
    created = st.call("add", record=customer(st, 1, email="a@acme.example", phone="123")).writeResponse
    internal_id = created.baseRef.internalId
    change = st.rel.Customer(
        internalId=internal_id, companyName="Acme 2", nullFieldList=st.core.NullField(name=["email"])
    )
    assert st.call("update", record=change).writeResponse.status.isSuccess is True
    record = st.call("get", baseRef=ref(st, "customer", internal_id)).readResponse.record
    assert (record.companyName, record.phone, record.email) == ("Acme 2", "123", None)


def test_update_by_external_id_and_of_a_missing_record(st: SuiteTalk) -> None:
    st.call("add", record=customer(st, 1))
    responses = st.call(
        "updateList",
        record=[
            st.rel.Customer(externalId="spp-customer-1", companyName="By ext"),
            st.rel.Customer(internalId="999999", companyName="Ghost"),
        ],
    ).writeResponseList.writeResponse
    assert detail(responses[0].status) == (True, None)
    assert detail(responses[1].status) == (False, "RCRD_DSNT_EXIST")


def test_every_write_moves_last_modified_date_forward(st: SuiteTalk) -> None:
    internal_id = st.call("add", record=customer(st, 1)).writeResponse.baseRef.internalId
    before = st.call("get", baseRef=ref(st, "customer", internal_id)).readResponse.record.lastModifiedDate
    st.call("update", record=st.rel.Customer(internalId=internal_id, comments="touched"))
    after = st.call("get", baseRef=ref(st, "customer", internal_id)).readResponse.record.lastModifiedDate
    assert after > before


def test_a_reference_to_a_missing_record_fails_invalid_key_or_ref(st: SuiteTalk) -> None:
    parent = st.call("add", record=customer(st, 1)).writeResponse.baseRef.internalId
    jobs = [
        st.rel.Job(
            externalId="job-1", entityId="P-1", companyName="Good", parent=ref(st, "customer", parent)
        ),
        st.rel.Job(
            externalId="job-2", entityId="P-2", companyName="Bad", parent=ref(st, "customer", "424242")
        ),
        st.rel.Job(
            externalId="job-3",
            entityId="P-3",
            companyName="By ext",
            parent=ref(st, "customer", None, "spp-customer-1"),
        ),
    ]
    responses = st.call("addList", record=jobs).writeResponseList.writeResponse
    assert [detail(r.status) for r in responses] == [
        (True, None),
        (False, "INVALID_KEY_OR_REF"),
        (True, None),
    ]


def test_time_bill_references_are_checked(st: SuiteTalk) -> None:
    emp_types = st.types("employees", "lists")
    tran_emp = st.types("employees", "transactions")
    employee = st.call(
        "add", record=emp_types.Employee(entityId="E-1", firstName="Ada", lastName="L")
    ).writeResponse
    hours = st.core.Duration(timeSpan=7.5, unit="hour")
    good = tran_emp.TimeBill(employee=ref(st, "employee", employee.baseRef.internalId), hours=hours)
    bad = tran_emp.TimeBill(employee=ref(st, "employee", "31337"), hours=hours)
    responses = st.call("addList", record=[good, bad]).writeResponseList.writeResponse
    assert [detail(r.status) for r in responses] == [(True, None), (False, "INVALID_KEY_OR_REF")]


def test_delete_and_delete_list_leave_tombstones_for_get_deleted(st: SuiteTalk) -> None:
    ids = [
        r.baseRef.internalId
        for r in st.call(
            "addList", record=[customer(st, n) for n in range(3)]
        ).writeResponseList.writeResponse
    ]
    one = st.call("delete", baseRef=ref(st, "customer", ids[0])).writeResponse
    assert detail(one.status) == (True, None)
    many = st.call(
        "deleteList", baseRef=[ref(st, "customer", ids[1]), ref(st, "customer", ids[0])]
    ).writeResponseList
    assert [detail(r.status) for r in many.writeResponse] == [(True, None), (False, "RCRD_DSNT_EXIST")]

    result = st.call(
        "getDeleted",
        getDeletedFilter=st.core.GetDeletedFilter(
            deletedDate=st.core.SearchDateField(
                operator="after", searchValue=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            ),
            type=st.core.SearchEnumMultiSelectField(operator="anyOf", searchValue=["customer"]),
        ),
        pageIndex=1,
    ).getDeletedResult
    assert result.status.isSuccess is True
    assert result.totalRecords == 2
    assert sorted(d.record.internalId for d in result.deletedRecordList.deletedRecord) == sorted(ids[:2])
    assert all(
        d.record.type == "customer" and d.deletedDate is not None
        for d in result.deletedRecordList.deletedRecord
    )


def test_get_deleted_filters_by_date_and_pages(st: SuiteTalk) -> None:
    ids = [
        r.baseRef.internalId
        for r in st.call(
            "addList", record=[customer(st, n) for n in range(3)]
        ).writeResponseList.writeResponse
    ]
    st.call("deleteList", baseRef=[ref(st, "customer", i) for i in ids])
    st.app.state.service.deleted_page_size = 2
    try:
        later = st.call(
            "getDeleted",
            getDeletedFilter=st.core.GetDeletedFilter(
                deletedDate=st.core.SearchDateField(
                    operator="after", searchValue=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
                )
            ),
            pageIndex=1,
        ).getDeletedResult
        assert later.totalRecords == 0
        page2 = st.call(
            "getDeleted", getDeletedFilter=st.core.GetDeletedFilter(), pageIndex=2
        ).getDeletedResult
        assert (page2.totalRecords, page2.totalPages, page2.pageIndex) == (3, 2, 2)
        assert len(page2.deletedRecordList.deletedRecord) == 1
        beyond = st.call(
            "getDeleted", getDeletedFilter=st.core.GetDeletedFilter(), pageIndex=3
        ).getDeletedResult
        assert detail(beyond.status) == (False, "INVALID_PAGE_INDEX")
    finally:
        st.app.state.service.deleted_page_size = 1000


# -- reads ----------------------------------------------------------------------------------------


def test_get_by_internal_or_external_id_and_a_missing_record(st: SuiteTalk) -> None:
    created = st.call("add", record=customer(st, 1, isInactive=False)).writeResponse.baseRef
    by_id = st.call("get", baseRef=ref(st, "customer", created.internalId)).readResponse
    by_ext = st.call("get", baseRef=ref(st, "customer", None, "spp-customer-1")).readResponse
    missing = st.call("get", baseRef=ref(st, "customer", "77777")).readResponse
    assert by_id.record.entityId == by_ext.record.entityId == "C-1"
    assert by_id.record.internalId == created.internalId
    assert by_id.record.isInactive is False
    assert detail(missing.status) == (False, "RCRD_DSNT_EXIST")
    assert missing.record is None


def test_get_list_answers_one_read_response_per_reference(st: SuiteTalk) -> None:
    ids = [
        r.baseRef.internalId
        for r in st.call(
            "addList", record=[customer(st, n) for n in range(2)]
        ).writeResponseList.writeResponse
    ]
    result = st.call(
        "getList",
        baseRef=[ref(st, "customer", ids[1]), ref(st, "customer", "0"), ref(st, "customer", ids[0])],
    )
    responses = result.readResponseList.readResponse
    assert [detail(r.status)[0] for r in responses] == [True, False, True]
    assert [r.record.internalId for r in responses if r.record] == [ids[1], ids[0]]


def test_custom_fields_round_trip_with_their_types(st: SuiteTalk) -> None:
    fields = st.core.CustomFieldList(
        customField=[
            st.core.BooleanCustomFieldRef(scriptId="custentity_oa_export_to_openair", value=True),
            st.core.StringCustomFieldRef(scriptId="custentity_spp_id", value="17"),
            st.core.DateCustomFieldRef(
                scriptId="custentity_when", value=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
            ),
        ]
    )
    internal_id = st.call(
        "add", record=customer(st, 1, customFieldList=fields)
    ).writeResponse.baseRef.internalId
    record = st.call("get", baseRef=ref(st, "customer", internal_id)).readResponse.record
    values = {f.scriptId: f.value for f in record.customFieldList.customField}
    assert values["custentity_oa_export_to_openair"] is True
    assert values["custentity_spp_id"] == "17"
    assert values["custentity_when"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_search_returns_the_first_page_with_totals_and_a_search_id(st: SuiteTalk) -> None:
    st.call("addList", record=[customer(st, n) for n in range(7)])
    result = st.call(
        "search",
        searchRecord=st.common.CustomerSearchBasic(),
        search_preferences=st.search_preferences(page_size=5),
    ).searchResult
    assert (result.totalRecords, result.pageSize, result.totalPages, result.pageIndex) == (7, 5, 2, 1)
    assert result.searchId
    ids = [int(r.internalId) for r in result.recordList.record]
    assert ids == sorted(ids) and len(ids) == 5

    more = st.call("searchMoreWithId", searchId=result.searchId, pageIndex=2).searchResult
    assert more.pageIndex == 2
    assert len(more.recordList.record) == 2


def test_get_server_time_is_the_current_utc_time(st: SuiteTalk) -> None:
    result = st.call("getServerTime").getServerTimeResult
    assert result.status.isSuccess is True
    assert abs((result.serverTime - dt.datetime.now(dt.UTC)).total_seconds()) < 5


def test_custom_records_are_addressed_with_custom_record_refs(st: SuiteTalk) -> None:
    custom = st.types("customization", "setup")
    record = custom.CustomRecord(externalId="cc-1", name="Cost center", recType=ref(st, None, "12"))
    created = st.call("add", record=record).writeResponse.baseRef
    assert created.typeId == "12"
    got = st.call(
        "get", baseRef=st.core.CustomRecordRef(internalId=created.internalId, typeId="12")
    ).readResponse
    assert got.record.name == "Cost center"
    wrong_type = st.call(
        "get", baseRef=st.core.CustomRecordRef(internalId=created.internalId, typeId="13")
    ).readResponse
    assert detail(wrong_type.status) == (False, "RCRD_DSNT_EXIST")
    deleted = st.call("delete", baseRef=st.core.CustomRecordRef(externalId="cc-1", typeId="12")).writeResponse
    assert detail(deleted.status) == (True, None)


def test_request_counters_follow_the_operations(st: SuiteTalk) -> None:
    st.call("addList", record=[customer(st, n) for n in range(3)])
    st.call("search", searchRecord=st.common.CustomerSearchBasic())
    stats = st.stats()
    assert stats["requests"] == {"addList": 1, "search": 1}
    assert stats["records_written"] == 3
    assert stats["records_read"] == 3
    assert stats["peak_concurrency"] == 1
