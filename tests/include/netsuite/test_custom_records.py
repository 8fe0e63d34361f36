"""The client writes, reads and searches custom records of declared types on the local service (HTTP)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from include.netsuite.client import NetSuiteClient
from include.netsuite.errors import NetSuiteError
from tests.include.netsuite.conftest import Emulator

PP = "customrecord_spp_project_profitability"
UT = "customrecord_spp_utilisation"
PERIOD = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
TYPES = [
    {
        "internalId": "101",
        "scriptId": PP,
        "name": "Project profitability by month",
        "fields": [
            {
                "scriptId": "custrecord_spp_pp_project",
                "type": "select",
                "required": True,
                "references": ["job"],
            },
            {"scriptId": "custrecord_spp_pp_period", "type": "date", "required": True},
            {"scriptId": "custrecord_spp_pp_revenue", "type": "decimal"},
            {"scriptId": "custrecord_spp_pp_cost", "type": "float"},
            {"scriptId": "custrecord_spp_pp_entries", "type": "integer"},
            {"scriptId": "custrecord_spp_pp_currency", "type": "text"},
            {"scriptId": "custrecord_spp_pp_final", "type": "checkbox"},
        ],
    },
    {
        "internalId": "102",
        "scriptId": UT,
        "name": "Utilisation by employee and week",
        "fields": [
            {"scriptId": "custrecord_spp_ut_employee", "type": "select", "references": ["employee"]},
            {"scriptId": "custrecord_spp_ut_week_start", "type": "date", "required": True},
            {"scriptId": "custrecord_spp_ut_hours", "type": "long"},
        ],
    },
]


@pytest.fixture
def job(netsuite: Emulator, ns: NetSuiteClient) -> str:
    response = requests.post(f"{netsuite.url}/_emulator/netsuite/custom-record-types", json=TYPES, timeout=10)
    response.raise_for_status()
    [created] = ns.upsert_list("job", [{"externalId": "job-1", "entityId": "P-1", "companyName": "Project"}])
    assert created.ok and created.id
    return created.id


def profitability(
    ext: str, job: str, rec_type: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "custrecord_spp_pp_project": {"internalId": job},
        "custrecord_spp_pp_period": PERIOD,
        "custrecord_spp_pp_revenue": 1200.5,
        "custrecord_spp_pp_cost": 800.25,
        "custrecord_spp_pp_entries": 7,
        "custrecord_spp_pp_currency": "EUR",
        "custrecord_spp_pp_final": True,
        **fields,
    }
    return {
        "recType": rec_type or {"internalId": "101"},
        "externalId": ext,
        "name": f"Profitability {ext}",
        "customFieldList": {k: v for k, v in values.items() if v is not None},
    }


def test_upsert_list_and_search_return_typed_values(ns: NetSuiteClient, job: str) -> None:
    before = ns.server_time() - dt.timedelta(seconds=5)
    results = ns.upsert_list(
        "customRecord", [profitability("pp-1", job), profitability("pp-2", job, {"scriptId": PP})]
    )
    assert [(r.ok, r.code) for r in results] == [(True, None), (True, None)]

    found = list(ns.search("customRecord", custom_record_type_id="101", modified_after=before))
    assert sorted(r["externalId"] for r in found) == ["pp-1", "pp-2"]
    record = next(r for r in found if r["externalId"] == "pp-1")
    assert record["recType"]["internalId"] == "101"
    assert record["name"] == "Profitability pp-1"
    values = record["customFieldList"]
    assert values["custrecord_spp_pp_revenue"] == 1200.5 and isinstance(
        values["custrecord_spp_pp_revenue"], float
    )
    assert values["custrecord_spp_pp_entries"] == 7 and isinstance(values["custrecord_spp_pp_entries"], int)
    assert values["custrecord_spp_pp_final"] is True
    assert values["custrecord_spp_pp_currency"] == "EUR"
    assert values["custrecord_spp_pp_period"] == PERIOD
    assert values["custrecord_spp_pp_project"]["internalId"] == job

    by_script = list(ns.search("customRecord", custom_record_type_id=PP, external_ids=["pp-2"]))
    assert [r["externalId"] for r in by_script] == ["pp-2"]
    assert list(ns.search("customRecord", custom_record_type_id=UT)) == []
    later = ns.server_time() + dt.timedelta(seconds=5)
    assert list(ns.search("customRecord", custom_record_type_id="101", modified_after=later)) == []


def test_upsert_updates_by_external_id_and_get_list_delete_list_take_the_type(
    ns: NetSuiteClient, job: str
) -> None:
    [first] = ns.upsert_list("customRecord", [profitability("pp-1", job)])
    [again] = ns.upsert_list("customRecord", [profitability("pp-1", job, custrecord_spp_pp_revenue=10.0)])
    assert again.ok and again.id == first.id
    [got] = ns.get_list("customRecord", external_ids=["pp-1"], custom_record_type_id=PP)
    assert got is not None and got["customFieldList"]["custrecord_spp_pp_revenue"] == 10.0
    [deleted] = ns.delete_list("customRecord", internal_ids=[str(first.id)], custom_record_type_id="101")
    assert deleted.ok
    assert ns.get_list("customRecord", internal_ids=[str(first.id)], custom_record_type_id="101") == [None]


def test_rejected_records_come_back_per_record(ns: NetSuiteClient, job: str) -> None:
    docs = [
        profitability("ok", job),
        profitability("unknown-type", job, {"scriptId": "customrecord_nope"}),
        profitability("unknown-field", job, custrecord_nope="x"),
        profitability("wrong-kind", job, custrecord_spp_pp_entries="seven"),
        profitability("missing", job, custrecord_spp_pp_period=None),
        profitability("dangling", job, custrecord_spp_pp_project={"internalId": "99999"}),
    ]
    results = ns.upsert_list("customRecord", docs)
    assert [(r.ok, r.code) for r in results] == [
        (True, None),
        (False, "INVALID_CSTM_RCRD_TYPE_KEY"),
        (False, "INVALID_CSTM_FIELD_REF"),
        (False, "INVALID_CSTM_FIELD_DATA_TYP"),
        (False, "MISSING_REQD_FLD"),
        (False, "INVALID_KEY_OR_REF"),
    ]
    assert [r.external_id for r in results] == [d["externalId"] for d in docs]


def test_a_search_of_an_unknown_type_fails(ns: NetSuiteClient, job: str) -> None:
    with pytest.raises(NetSuiteError) as failed:
        list(ns.search("customRecord", custom_record_type_id="customrecord_nope"))
    assert failed.value.code == "INVALID_CSTM_RCRD_QUERY"
