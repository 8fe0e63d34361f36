"""Custom records of declared ``customrecord_*`` types, through strict zeep over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from emulators.seeding.custom_record_types import SEEDED_CUSTOM_RECORD_TYPES
from tests.emulators.netsuite.suitetalk_harness import SuiteTalk

TYPES_ROUTE = "/_emulator/netsuite/custom-record-types"
PP = "customrecord_spp_project_profitability"
PERIOD = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def declared(st: SuiteTalk) -> dict[str, Any]:
    """A fresh store with the seeded custom record types declared, one job and one employee."""
    st.reset()
    response = httpx.post(f"{st.server.url}{TYPES_ROUTE}", json=list(SEEDED_CUSTOM_RECORD_TYPES))
    response.raise_for_status()
    job = st.call("add", record=st.rel.Job(entityId="P-1", companyName="Project 1")).writeResponse.baseRef
    emp_types = st.types("employees", "lists")
    employee = st.call(
        "add", record=emp_types.Employee(entityId="E-1", firstName="Ada", lastName="L")
    ).writeResponse.baseRef
    return {"job": job.internalId, "employee": employee.internalId}


def custom(st: SuiteTalk) -> Any:
    return st.types("customization", "setup")


def fields(st: SuiteTalk, **values: Any) -> Any:
    core = st.core
    refs = []
    for script_id, value in values.items():
        if isinstance(value, bool):
            refs.append(core.BooleanCustomFieldRef(scriptId=script_id, value=value))
        elif isinstance(value, int):
            refs.append(core.LongCustomFieldRef(scriptId=script_id, value=value))
        elif isinstance(value, float):
            refs.append(core.DoubleCustomFieldRef(scriptId=script_id, value=value))
        elif isinstance(value, dt.datetime):
            refs.append(core.DateCustomFieldRef(scriptId=script_id, value=value))
        elif isinstance(value, dict):
            refs.append(core.SelectCustomFieldRef(scriptId=script_id, value=core.ListOrRecordRef(**value)))
        else:
            refs.append(core.StringCustomFieldRef(scriptId=script_id, value=value))
    return core.CustomFieldList(customField=refs)


def profitability(st: SuiteTalk, ext: str, job: str, *, rec_type: Any = None, **extra: Any) -> Any:
    values: dict[str, Any] = {
        "custrecord_spp_pp_project": {"internalId": job},
        "custrecord_spp_pp_period": PERIOD,
        "custrecord_spp_pp_revenue": 1200.5,
        "custrecord_spp_pp_entries": 7,
        "custrecord_spp_pp_final": False,
        **extra,
    }
    values = {k: v for k, v in values.items() if v is not None}
    return custom(st).CustomRecord(
        externalId=ext,
        name=f"Profitability {ext}",
        recType=rec_type if rec_type is not None else st.core.RecordRef(internalId="101"),
        customFieldList=fields(st, **values),
    )


def status_of(response: Any) -> tuple[bool, str | None]:
    details = response.status.statusDetail or []
    return response.status.isSuccess, details[0].code if details else None


def search_basic(st: SuiteTalk, rec_type: Any, **criteria: Any) -> Any:
    basic = st.common.CustomRecordSearchBasic(recType=rec_type, **criteria)
    return st.call("search", searchRecord=basic).searchResult


# -- the control route ------------------------------------------------------------------------------


def test_declared_types_are_listed_with_their_fields(st: SuiteTalk) -> None:
    listed = httpx.get(f"{st.server.url}{TYPES_ROUTE}").json()["types"]
    by_script = {t["scriptId"]: t for t in listed}
    assert {PP, "customrecord_spp_utilisation", "customrecord_spp_backlog"} <= set(by_script)
    pp_fields = {f["scriptId"]: f for f in by_script[PP]["fields"]}
    assert pp_fields["custrecord_spp_pp_project"] == {
        "scriptId": "custrecord_spp_pp_project",
        "type": "select",
        "required": True,
        "references": ["job"],
    }
    assert pp_fields["custrecord_spp_pp_revenue"]["type"] == "decimal"


def test_a_declaration_without_internal_id_gets_one_and_bad_ones_are_refused(st: SuiteTalk) -> None:
    url = f"{st.server.url}{TYPES_ROUTE}"
    made = httpx.post(url, json={"scriptId": "customrecord_x", "name": "X", "fields": []}).json()["types"]
    highest = max(int(t["internalId"]) for t in SEEDED_CUSTOM_RECORD_TYPES)
    assert made[0]["internalId"] == str(highest + 1)  # after the highest declared
    bad_kind = httpx.post(url, json={"scriptId": "customrecord_y", "fields": [{"scriptId": "custrecord_a"}]})
    assert bad_kind.status_code == 400 and "unknown type" in bad_kind.json()["error"]
    taken = httpx.post(url, json={"scriptId": PP, "internalId": "555"})
    assert taken.status_code == 400 and "already" in taken.json()["error"]


def test_the_seed_route_declares_the_custom_record_types(st: SuiteTalk) -> None:
    st.reset()
    counts = httpx.post(f"{st.server.url}/_emulator/seed", params={"scale": "tiny"}, timeout=60).json()
    assert counts["counts"]["customRecordType"] == len(SEEDED_CUSTOM_RECORD_TYPES)
    types = httpx.get(f"{st.server.url}{TYPES_ROUTE}").json()["types"]
    assert [t["internalId"] for t in types] == sorted(
        (t["internalId"] for t in SEEDED_CUSTOM_RECORD_TYPES), key=int
    )
    # the seeded cost centers (recType 1) are still found by their type
    assert search_basic(st, st.core.RecordRef(internalId="1")).totalRecords > 0


# -- writes and reads -------------------------------------------------------------------------------


def test_add_get_and_search_carry_typed_custom_fields(st: SuiteTalk, declared: dict[str, Any]) -> None:
    written = st.call("add", record=profitability(st, "pp-1", declared["job"])).writeResponse
    assert status_of(written) == (True, None)
    assert written.baseRef.typeId == "101"
    got = st.call(
        "get", baseRef=st.core.CustomRecordRef(internalId=written.baseRef.internalId, typeId="101")
    ).readResponse.record
    values = {f.scriptId: f.value for f in got.customFieldList.customField}
    assert values["custrecord_spp_pp_revenue"] == 1200.5
    assert values["custrecord_spp_pp_entries"] == 7
    assert values["custrecord_spp_pp_final"] is False
    assert values["custrecord_spp_pp_period"] == PERIOD
    assert values["custrecord_spp_pp_project"].internalId == declared["job"]
    assert got.recType.internalId == "101"
    result = search_basic(st, st.core.RecordRef(internalId="101"))
    assert [r.externalId for r in result.recordList.record] == ["pp-1"]


def test_upsert_list_by_script_id_updates_in_place(st: SuiteTalk, declared: dict[str, Any]) -> None:
    by_script = st.core.CustomizationRef(scriptId=PP)
    first = st.call(
        "upsertList",
        record=[
            profitability(st, "pp-1", declared["job"], rec_type=by_script),
            profitability(st, "pp-2", declared["job"]),
        ],
    ).writeResponseList.writeResponse
    assert [status_of(r) for r in first] == [(True, None), (True, None)]
    again = st.call(
        "upsert", record=profitability(st, "pp-1", declared["job"], custrecord_spp_pp_revenue=99.0)
    ).writeResponse
    assert again.baseRef.internalId == first[0].baseRef.internalId
    got = st.call(
        "getList",
        baseRef=[
            st.core.CustomRecordRef(externalId="pp-1", scriptId=PP),
            st.core.CustomRecordRef(externalId="pp-2", typeId="101"),
        ],
    ).readResponseList.readResponse
    revenue = [
        next(
            f.value for f in r.record.customFieldList.customField if f.scriptId == "custrecord_spp_pp_revenue"
        )
        for r in got
    ]
    assert revenue == [99.0, 1200.5]


def test_search_by_script_id_last_modified_and_external_id(st: SuiteTalk, declared: dict[str, Any]) -> None:
    st.call("addList", record=[profitability(st, f"pp-{i}", declared["job"]) for i in range(3)])
    core = st.core
    by_script = core.CustomizationRef(scriptId=PP)
    assert search_basic(st, by_script).totalRecords == 3
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    recent = core.SearchDateField(operator="after", searchValue=past)
    assert search_basic(st, by_script, lastModified=recent).totalRecords == 3
    future = core.SearchDateField(operator="after", searchValue=past + dt.timedelta(days=1))
    assert search_basic(st, by_script, lastModified=future).totalRecords == 0
    wanted = core.SearchMultiSelectField(operator="anyOf", searchValue=[core.RecordRef(externalId="pp-1")])
    result = search_basic(st, by_script, externalId=wanted)
    assert [r.externalId for r in result.recordList.record] == ["pp-1"]
    assert search_basic(st, core.RecordRef(internalId="102")).totalRecords == 0


def test_delete_by_type_script_id(st: SuiteTalk, declared: dict[str, Any]) -> None:
    st.call("add", record=profitability(st, "pp-1", declared["job"]))
    deleted = st.call("delete", baseRef=st.core.CustomRecordRef(externalId="pp-1", scriptId=PP)).writeResponse
    assert status_of(deleted) == (True, None)
    gone = st.call("get", baseRef=st.core.CustomRecordRef(externalId="pp-1", typeId="101")).readResponse
    assert status_of(gone) == (False, "RCRD_DSNT_EXIST")


# -- faults -----------------------------------------------------------------------------------------


def test_per_record_faults_of_a_list_write(st: SuiteTalk, declared: dict[str, Any]) -> None:
    job = declared["job"]
    records = [
        profitability(st, "ok", job),
        profitability(st, "bad-type", job, rec_type=st.core.RecordRef(internalId="999")),
        profitability(st, "bad-field", job, custrecord_nope="x"),
        profitability(st, "bad-value", job, custrecord_spp_pp_revenue="lots"),
        profitability(st, "bad-int", job, custrecord_spp_pp_entries=1.5),
        profitability(st, "missing", job, custrecord_spp_pp_period=None),
        profitability(st, "dangling", str(int(declared["employee"]) + 1000)),
        profitability(st, "wrong-target", declared["employee"]),  # an employee is not a job
        profitability(st, "by-long", job, custrecord_spp_pp_revenue=5),  # a long fits a decimal
    ]
    responses = st.call("upsertList", record=records).writeResponseList.writeResponse
    assert [status_of(r) for r in responses] == [
        (True, None),
        (False, "INVALID_CSTM_RCRD_TYPE_KEY"),
        (False, "INVALID_CSTM_FIELD_REF"),
        (False, "INVALID_CSTM_FIELD_DATA_TYP"),
        (False, "INVALID_CSTM_FIELD_DATA_TYP"),
        (False, "MISSING_REQD_FLD"),
        (False, "INVALID_KEY_OR_REF"),
        (False, "INVALID_KEY_OR_REF"),
        (True, None),
    ]
    assert "custrecord_spp_pp_period" in responses[5].status.statusDetail[0].message
    assert search_basic(st, st.core.RecordRef(internalId="101")).totalRecords == 2


def test_a_record_does_not_change_its_type_and_record_types_are_required(
    st: SuiteTalk, declared: dict[str, Any]
) -> None:
    st.call("add", record=profitability(st, "pp-1", declared["job"]))
    utilisation = custom(st).CustomRecord(
        externalId="pp-1",
        name="moved",
        recType=st.core.RecordRef(internalId="102"),
        customFieldList=fields(
            st,
            custrecord_spp_ut_employee={"internalId": declared["employee"]},
            custrecord_spp_ut_week_start=PERIOD,
        ),
    )
    assert status_of(st.call("upsert", record=utilisation).writeResponse) == (False, "USER_ERROR")
    no_type = custom(st).CustomRecord(externalId="x", name="no type")
    assert status_of(st.call("add", record=no_type).writeResponse) == (False, "MISSING_REQD_FLD")


def test_unknown_types_on_get_delete_and_search(st: SuiteTalk) -> None:
    core = st.core
    got = st.call("get", baseRef=core.CustomRecordRef(internalId="1", typeId="999")).readResponse
    assert status_of(got) == (False, "INVALID_CSTM_RCRD_TYPE_KEY")
    deleted = st.call("delete", baseRef=core.CustomRecordRef(internalId="1", scriptId="customrecord_no"))
    assert status_of(deleted.writeResponse) == (False, "INVALID_CSTM_RCRD_TYPE_KEY")
    result = search_basic(st, core.CustomizationRef(scriptId="customrecord_no"))
    assert status_of(result) == (False, "INVALID_CSTM_RCRD_QUERY")


def test_an_account_without_declared_types_accepts_any_record_type(st: SuiteTalk) -> None:
    st.reset()
    record = custom(st).CustomRecord(
        name="free",
        recType=st.core.RecordRef(internalId="77"),
        customFieldList=fields(st, custrecord_any="x"),
    )
    assert status_of(st.call("add", record=record).writeResponse) == (True, None)


def test_custom_field_criteria_and_get_deleted(st: SuiteTalk, declared: dict[str, Any]) -> None:
    job = declared["job"]
    st.call(
        "addList",
        record=[
            profitability(st, "small", job, custrecord_spp_pp_revenue=10.0),
            profitability(st, "big", job, custrecord_spp_pp_revenue=5000.0, custrecord_spp_pp_final=True),
        ],
    )
    core = st.core
    big = core.SearchDoubleCustomField(
        scriptId="custrecord_spp_pp_revenue", operator="greaterThan", searchValue=1000.0
    )
    final = core.SearchBooleanCustomField(scriptId="custrecord_spp_pp_final", searchValue=True)
    for criterion in (big, final):
        result = search_basic(
            st,
            core.RecordRef(internalId="101"),
            customFieldList=core.SearchCustomFieldList(customField=[criterion]),
        )
        assert [r.externalId for r in result.recordList.record] == ["big"]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    st.call("delete", baseRef=core.CustomRecordRef(externalId="small", typeId="101"))
    deleted = st.call(
        "getDeleted",
        getDeletedFilter=core.GetDeletedFilter(
            deletedDate=core.SearchDateField(operator="after", searchValue=since),
            type=core.SearchEnumMultiSelectField(operator="anyOf", searchValue=["customRecord"]),
        ),
        pageIndex=1,
    ).getDeletedResult
    assert [(d.record.externalId, d.record.typeId) for d in deleted.deletedRecordList.deletedRecord] == [
        ("small", "101")
    ]


def test_an_update_may_not_empty_a_required_field(st: SuiteTalk, declared: dict[str, Any]) -> None:
    st.call("add", record=profitability(st, "pp-1", declared["job"]))
    cleared = custom(st).CustomRecord(
        externalId="pp-1", nullFieldList=st.core.NullField(name=["custrecord_spp_pp_period"])
    )
    assert status_of(st.call("update", record=cleared).writeResponse) == (False, "MISSING_REQD_FLD")
    renamed = custom(st).CustomRecord(externalId="pp-1", name="Renamed")
    assert status_of(st.call("update", record=renamed).writeResponse) == (True, None)
