"""OneView mappings (``direction: oneview``): an SPP published report into NetSuite custom records.

Each broken mapping is refused naming the file, the key path and what is wrong; a good one becomes a
Workflow with a ReportSpec; the report's live layout is checked against the mapping when a run starts.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from include import registry
from include.mapping import oneview
from include.mapping.loader import MappingError, load_workflow, load_workflows
from include.mapping.model import ReferenceSpec, ReportColumn, ReportSpec, TransformSpec
from include.mapping.oneview import check_report_layout

NAME = "pp_report"  # every mapping below is written as <tmp>/pp_report.yaml
RECORD_TYPE = "customrecord_spp_project_profitability"

# Column indexes of MINIMAL_ONEVIEW, so the expected key paths read as what they point at.
PROJECT_ID, PROJECT, MONTH, HOURS, ENTRIES, FINAL, CURRENCY = range(7)

MINIMAL_ONEVIEW: dict[str, Any] = {
    "workflow": NAME,
    "title": "Project profitability",
    "direction": "oneview",
    "report": {"resource": "report101"},
    "target": {"record_type": RECORD_TYPE},
    "key": ["Project_ID", "Month"],
    "columns": [
        {
            "column": "Project_ID",
            "type": "integer",
            "field": "custrecord_spp_pp_project",
            "reference": "project",
        },
        {"column": "Project", "type": "text"},
        {"column": "Month", "type": "date", "field": "custrecord_spp_pp_period"},
        {"column": "Hours", "type": "decimal", "field": "custrecord_spp_pp_hours"},
        {"column": "Entries", "type": "integer", "field": "custrecord_spp_pp_entries"},
        {"column": "Final", "type": "boolean", "field": "custrecord_spp_pp_final"},
        {"column": "Currency", "type": "text", "field": "custrecord_spp_pp_currency"},
    ],
}

# The $metadata columns of a report that has exactly what MINIMAL_ONEVIEW reads.
LIVE_COLUMNS = {
    "Project_ID": "Edm.Int32",
    "Project": "Edm.String",
    "Month": "Edm.Date",
    "Hours": "Edm.Decimal",
    "Entries": "Edm.Int64",
    "Final": "Edm.Boolean",
    "Currency": "Edm.String",
}

SHIPPED_ONEVIEW = {
    # workflow id: (report resource, custom record type, key, vanished)
    "oneview_project_profitability": (
        "report101",
        "customrecord_spp_project_profitability",
        ("Project_ID", "Month"),
        "inactivate",
    ),
    "oneview_utilisation": ("report102", "customrecord_spp_utilisation", ("User_ID", "Week_start"), "delete"),
    "oneview_backlog": ("report103", "customrecord_spp_backlog", ("Project_ID",), "keep"),
}


def _mapping(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL_ONEVIEW)
    data.update(changes)
    return data


def _with_column(index: int, **changes: Any) -> dict[str, Any]:
    """MINIMAL_ONEVIEW with columns[index] changed (a value of None removes that key)."""
    data = _mapping()
    column = data["columns"][index]
    for key, value in changes.items():
        if value is None:
            column.pop(key, None)
        else:
            column[key] = value
    return data


def _error(write_mapping, data: dict[str, Any], **changes: Any) -> MappingError:
    path = write_mapping(NAME, data, **changes)
    with pytest.raises(MappingError) as caught:
        load_workflow(path)
    error = caught.value
    assert Path(error.file).name == f"{NAME}.yaml", error
    assert str(error).startswith(f"{error.file}: {error.key_path}: "), str(error)
    return error


def _live(**changes: str | None) -> list[SimpleNamespace]:
    """Fake $metadata columns (anything with .name and .edm_type); a None value drops the column."""
    columns = {**LIVE_COLUMNS, **changes}
    return [SimpleNamespace(name=n, edm_type=t) for n, t in columns.items() if t is not None]


# --- a good mapping -----------------------------------------------------------------------------------


@pytest.fixture
def workflow(write_mapping):
    return load_workflow(write_mapping(NAME, _mapping()))


def test_a_oneview_mapping_becomes_a_oneview_workflow_with_its_entity(workflow) -> None:
    assert workflow.id == NAME
    assert workflow.direction == "oneview" and workflow.is_oneview
    assert not workflow.is_import and not workflow.is_export
    assert workflow.entity == f"oneview.{NAME}" == oneview.oneview_entity(NAME)
    assert (workflow.source.system, workflow.source.type) == ("spp", "report101")
    assert (workflow.target.system, workflow.target.type) == ("netsuite", "customRecord")
    assert workflow.policy.create and workflow.policy.update
    assert workflow.enabled and workflow.batch_size == 100


def test_the_report_spec_names_resource_record_type_keys_and_defaults(workflow) -> None:
    report = workflow.report
    assert isinstance(report, ReportSpec)
    assert report.resource == "report101"
    assert report.record_type == RECORD_TYPE
    assert report.record_type_id == registry.CUSTOM_RECORD_TYPES[RECORD_TYPE].internal_id == "101"
    assert report.key == ("Project_ID", "Month")
    assert report.columns == tuple(ReportColumn(c["column"], c["type"]) for c in MINIMAL_ONEVIEW["columns"])
    assert report.vanished == "inactivate"
    assert report.vanished_limit == 0.5
    assert report.filter is None and report.page_size is None


def test_report_options_are_carried_over(write_mapping) -> None:
    data = _mapping(
        report={"resource": "report101", "filter": "Hours gt 0", "page_size": 500},
        vanished="delete",
        vanished_limit=0.2,
        batch_size=25,
        enabled=False,
    )
    workflow = load_workflow(write_mapping(NAME, data))
    report = workflow.report
    assert (report.filter, report.page_size, report.vanished, report.vanished_limit) == (
        "Hours gt 0",
        500,
        "delete",
        0.2,
    )
    assert workflow.batch_size == 25 and workflow.enabled is False


def test_each_field_is_typed_by_its_custom_field_kind(workflow) -> None:
    fields = {f.target: f for f in workflow.fields}
    kinds = {target: f.type for target, f in fields.items() if target != "name"}
    assert kinds == {
        "custrecord_spp_pp_project": "ref",  # select
        "custrecord_spp_pp_period": "date",  # date
        "custrecord_spp_pp_hours": "float",  # decimal
        "custrecord_spp_pp_entries": "int",  # integer
        "custrecord_spp_pp_final": "bool",  # checkbox
        "custrecord_spp_pp_currency": "str",  # text
    }
    assert fields["custrecord_spp_pp_hours"].source == "Hours"
    assert fields["custrecord_spp_pp_project"].reference == ReferenceSpec("project", "Project_ID", True)
    assert all(f.reference is None for t, f in fields.items() if t != "custrecord_spp_pp_project")


def test_an_optional_reference_is_kept_optional(write_mapping) -> None:
    columns = [
        {
            "column": "Project_ID",
            "type": "integer",
            "field": "custrecord_spp_bl_project",
            "reference": "project",
        },
        {"column": "Customer_ID", "type": "integer", "field": "custrecord_spp_bl_customer"},
    ]
    columns[1] |= {"reference": "customer", "required": False}
    data = _mapping(target={"record_type": "customrecord_spp_backlog"}, key=["Project_ID"], columns=columns)
    workflow = load_workflow(write_mapping(NAME, data))
    customer = next(f for f in workflow.fields if f.target == "custrecord_spp_bl_customer")
    assert customer.reference == ReferenceSpec("customer", "Customer_ID", False)


def test_the_name_defaults_to_the_key_columns_joined(workflow) -> None:
    name = next(f for f in workflow.fields if f.target == "name")
    assert name.source is None and name.reference is None
    assert name.transforms == (TransformSpec("concat", {"sep": " ", "fields": ["Project_ID", "Month"]}),)
    assert "name" in workflow.mapped_targets()


def test_the_name_is_built_from_the_name_columns(write_mapping) -> None:
    data = _mapping(name={"columns": ["Project", "Month"], "separator": " · "})
    workflow = load_workflow(write_mapping(NAME, data))
    name = next(f for f in workflow.fields if f.target == "name")
    assert name.transforms == (TransformSpec("concat", {"sep": " · ", "fields": ["Project", "Month"]}),)


def test_the_default_external_id_is_made_from_the_resource_and_the_row_key(workflow) -> None:
    assert workflow.external_id == "spp-report101-{id}"
    assert workflow.external_id_for("7~2026-01-01") == "spp-report101-7~2026-01-01"


def test_an_external_id_template_on_the_row_key_is_accepted(write_mapping) -> None:
    workflow = load_workflow(write_mapping(NAME, _mapping(external_id="pp-{id}")))
    assert workflow.external_id == "pp-{id}"


def test_the_default_schedule_is_once_a_day_after_the_report_refresh(workflow, write_mapping) -> None:
    assert workflow.schedule == oneview.DEFAULT_SCHEDULE == "0 6 * * *"
    assert load_workflow(write_mapping(NAME, _mapping(schedule="30 7 * * 1-5"))).schedule == "30 7 * * 1-5"
    assert load_workflow(write_mapping(NAME, _mapping(schedule=None))).schedule is None
    assert load_workflow(write_mapping(NAME, _mapping(schedule="@daily"))).schedule == "@daily"


def test_a_column_kind_the_field_takes_is_accepted(write_mapping) -> None:
    # integer into a decimal field; datetime into a date field; any kind into a text field
    data = _with_column(HOURS, type="integer")
    data["columns"][MONTH]["type"] = "datetime"
    data["columns"][CURRENCY]["type"] = "boolean"
    workflow = load_workflow(write_mapping(NAME, data))
    assert workflow.report.column("Month") == ReportColumn("Month", "datetime")


def test_a_transform_lifts_the_kind_check(write_mapping) -> None:
    data = _with_column(HOURS, type="text", transform="float")
    workflow = load_workflow(write_mapping(NAME, data))
    hours = next(f for f in workflow.fields if f.target == "custrecord_spp_pp_hours")
    assert hours.transforms == (TransformSpec("float", {}),) and hours.type == "float"


def test_expectations_may_name_the_custom_fields_name_and_external_id(write_mapping) -> None:
    expectations = [
        {"check": "not_null", "column": "custrecord_spp_pp_period"},
        {"check": "unique", "column": "externalId"},
        {"check": "not_null", "column": "name"},
    ]
    workflow = load_workflow(write_mapping(NAME, _mapping(expectations=expectations)))
    assert [e.column for e in workflow.expectations] == [
        "custrecord_spp_pp_period",
        "externalId",
        "name",
    ]


# --- broken mappings: file, key path, what is wrong ---------------------------------------------------


def test_unknown_custom_record_type_is_named_with_a_suggestion(write_mapping) -> None:
    error = _error(write_mapping, _mapping(target={"record_type": "customrecord_spp_project_profitabilty"}))
    assert error.key_path == "target.record_type"
    assert "unknown custom record type 'customrecord_spp_project_profitabilty'" in error.message
    assert f"did you mean '{RECORD_TYPE}'" in error.message
    assert "CUSTOM_RECORD_TYPES" in error.message


def test_an_unknown_record_type_says_where_the_account_types_are_declared(write_mapping) -> None:
    error = _error(write_mapping, _mapping(target={"record_type": "customrecord_xyzzy"}))
    assert error.key_path == "target.record_type"
    assert "unknown custom record type 'customrecord_xyzzy'" in error.message
    assert "include/registry.py (CUSTOM_RECORD_TYPES)" in error.message


def test_unknown_custom_field_is_named_with_a_suggestion(write_mapping) -> None:
    error = _error(write_mapping, _with_column(HOURS, field="custrecord_spp_pp_hour"))
    assert error.key_path == f"columns[{HOURS}].field"
    assert "'custrecord_spp_pp_hour'" in error.message and RECORD_TYPE in error.message
    assert "did you mean 'custrecord_spp_pp_hours'" in error.message


def test_a_field_of_another_record_type_is_unknown(write_mapping) -> None:
    error = _error(write_mapping, _with_column(HOURS, field="custrecord_spp_ut_billable_hours"))
    assert error.key_path == f"columns[{HOURS}].field"
    assert "unknown custom field" in error.message


@pytest.mark.parametrize(
    ("index", "kind", "field", "field_kind"),
    [
        (HOURS, "date", "custrecord_spp_pp_hours", "decimal"),
        (ENTRIES, "decimal", "custrecord_spp_pp_entries", "integer"),
        (MONTH, "text", "custrecord_spp_pp_period", "date"),
        (FINAL, "integer", "custrecord_spp_pp_final", "checkbox"),
        (PROJECT_ID, "date", "custrecord_spp_pp_project", "select"),
    ],
)
def test_a_column_kind_the_field_does_not_take_is_refused(
    write_mapping, index: int, kind: str, field: str, field_kind: str
) -> None:
    error = _error(write_mapping, _with_column(index, type=kind))
    assert error.key_path == f"columns[{index}].type"
    assert f"a {kind} column cannot fill {field!r}, a {field_kind} field" in error.message
    assert ", ".join(sorted(oneview.ACCEPTS[field_kind])) in error.message


def test_a_select_field_needs_a_reference(write_mapping) -> None:
    error = _error(write_mapping, _with_column(PROJECT_ID, reference=None))
    assert error.key_path == f"columns[{PROJECT_ID}].reference"
    assert "'custrecord_spp_pp_project' is a select field" in error.message


def test_a_reference_to_an_entity_of_another_netsuite_type_is_refused(write_mapping) -> None:
    error = _error(write_mapping, _with_column(PROJECT_ID, reference="employee"))
    assert error.key_path == f"columns[{PROJECT_ID}].reference"
    assert "NetSuite job records" in error.message and "'employee' links employee records" in error.message


def test_an_unknown_reference_entity_is_named_with_a_suggestion(write_mapping) -> None:
    error = _error(write_mapping, _with_column(PROJECT_ID, reference="projet"))
    assert error.key_path == f"columns[{PROJECT_ID}].reference"
    assert "did you mean 'project'" in error.message


def test_a_reference_on_a_field_that_is_no_select_is_refused(write_mapping) -> None:
    error = _error(write_mapping, _with_column(ENTRIES, reference="project"))
    assert error.key_path == f"columns[{ENTRIES}].reference"
    assert "integer field, not a select" in error.message


@pytest.mark.parametrize("key", ["reference", "transform"])
def test_a_reference_or_transform_without_a_field_is_refused(write_mapping, key: str) -> None:
    value = {"reference": "project", "transform": "upper"}[key]
    error = _error(write_mapping, _with_column(PROJECT, **{key: value}))
    assert error.key_path == f"columns[{PROJECT}].{key}"
    assert "needs a field" in error.message


def test_a_required_custom_field_left_unmapped_is_refused(write_mapping) -> None:
    error = _error(write_mapping, _with_column(MONTH, field=None))  # still read, as part of the key
    assert error.key_path == "columns"
    assert f"{RECORD_TYPE} requires custrecord_spp_pp_period" in error.message


def test_every_required_custom_field_left_unmapped_is_named(write_mapping) -> None:
    data = _with_column(MONTH, field=None)
    data["columns"][PROJECT_ID].pop("field")
    data["columns"][PROJECT_ID].pop("reference")
    error = _error(write_mapping, data)
    assert error.key_path == "columns"
    assert "custrecord_spp_pp_project, custrecord_spp_pp_period" in error.message


def test_a_key_column_not_declared_is_refused(write_mapping) -> None:
    error = _error(write_mapping, _mapping(key=["Project_Id", "Month"]))
    assert error.key_path == "key[0]"
    assert "'Project_Id' is not one of the columns this mapping reads" in error.message
    assert "did you mean 'Project_ID'" in error.message


def test_a_second_key_column_not_declared_is_named_by_its_index(write_mapping) -> None:
    assert _error(write_mapping, _mapping(key=["Project_ID", "Period"])).key_path == "key[1]"


def test_a_name_column_not_declared_is_refused(write_mapping) -> None:
    error = _error(write_mapping, _mapping(name={"columns": ["Month", "Projekt"]}))
    assert error.key_path == "name.columns[1]"
    assert (
        "'Projekt' is not one of the columns" in error.message and "did you mean 'Project'" in error.message
    )


def test_a_column_declared_twice_is_refused(write_mapping) -> None:
    data = _mapping()
    data["columns"].append({"column": "Hours", "type": "decimal"})
    error = _error(write_mapping, data)
    assert error.key_path == f"columns[{len(data['columns']) - 1}].column"
    assert f"'Hours' is already read by columns[{HOURS}]" in error.message


def test_a_field_written_twice_is_refused(write_mapping) -> None:
    data = _mapping()
    data["columns"].append({"column": "Hours2", "type": "decimal", "field": "custrecord_spp_pp_hours"})
    error = _error(write_mapping, data)
    assert error.key_path == f"columns[{len(data['columns']) - 1}].field"
    assert f"already written by columns[{HOURS}]" in error.message


def test_a_column_named_like_the_row_key_is_refused(write_mapping) -> None:
    data = _mapping()
    data["columns"].append({"column": "id", "type": "text"})
    error = _error(write_mapping, data)
    assert error.key_path == f"columns[{len(data['columns']) - 1}].column"
    assert "row key" in error.message


@pytest.mark.parametrize("template", ["spp-{Project_ID}", "spp-{id}-{Month}", "{Month}"])
def test_an_external_id_may_only_use_the_row_key(write_mapping, template: str) -> None:
    error = _error(write_mapping, _mapping(external_id=template))
    assert error.key_path == "external_id"
    assert "may only use {id}" in error.message


@pytest.mark.parametrize(("template", "problem"), [("spp-pp", "no {field}"), ("spp-{id", "unbalanced")])
def test_a_malformed_external_id_template_is_refused(write_mapping, template: str, problem: str) -> None:
    error = _error(write_mapping, _mapping(external_id=template))
    assert error.key_path == "external_id" and problem in error.message


@pytest.mark.parametrize(
    ("key", "suggestion"), [("vanish", "vanished"), ("colums", "columns"), ("shedule", "schedule")]
)
def test_an_unknown_top_level_key_is_named_with_a_suggestion(
    write_mapping, key: str, suggestion: str
) -> None:
    data = _mapping(**{key: "x"})
    error = _error(write_mapping, data)
    assert error.key_path == key
    assert f"unknown key {key!r}" in error.message and f"did you mean {suggestion!r}" in error.message


def test_an_unknown_column_key_is_named_with_a_suggestion(write_mapping) -> None:
    error = _error(write_mapping, _with_column(HOURS, feild="custrecord_spp_pp_hours"))
    assert error.key_path == f"columns[{HOURS}].feild" and "did you mean 'field'" in error.message


def test_import_only_keys_are_unknown_to_a_oneview_mapping(write_mapping) -> None:
    error = _error(write_mapping, _mapping(entity="project"))
    assert error.key_path == "entity" and "unknown key 'entity'" in error.message


def test_vanished_must_be_keep_inactivate_or_delete(write_mapping) -> None:
    error = _error(write_mapping, _mapping(vanished="purge"))
    assert error.key_path == "vanished"
    assert "'purge'" in error.message and all(p in error.message for p in ("keep", "inactivate", "delete"))


@pytest.mark.parametrize("limit", [0, 1.5])
def test_vanished_limit_is_a_share_of_the_records(write_mapping, limit: float) -> None:
    assert _error(write_mapping, _mapping(vanished_limit=limit)).key_path == "vanished_limit"


def test_batch_size_is_capped_at_netsuite_list_limit(write_mapping) -> None:
    error = _error(write_mapping, _mapping(batch_size=101))
    assert error.key_path == "batch_size" and "100" in error.message
    assert load_workflow(write_mapping(NAME, _mapping(batch_size=100))).batch_size == 100


def test_the_workflow_id_must_equal_the_file_name(write_mapping) -> None:
    error = _error(write_mapping, _mapping(), workflow="other_report")
    assert error.key_path == "workflow"
    assert f"'other_report' must equal the file name {NAME!r}" in error.message


def test_a_workflow_id_too_long_for_the_cross_reference_entity_is_refused(tmp_path: Path) -> None:
    long_id = "r" * 57  # oneview.<id> must fit the cross-reference's 64-character entity column
    path = tmp_path / f"{long_id}.yaml"
    path.write_text(yaml.safe_dump(_mapping(workflow=long_id)))
    with pytest.raises(MappingError) as caught:
        load_workflow(path)
    assert caught.value.key_path == "workflow"
    ok = "r" * 56
    (tmp_path / f"{ok}.yaml").write_text(yaml.safe_dump(_mapping(workflow=ok)))
    assert len(load_workflow(tmp_path / f"{ok}.yaml").entity) == 64  # the xref entity column


@pytest.mark.parametrize("schedule", ["every day", "0 6 * *", "61 6 * * *"])
def test_a_bad_schedule_is_refused(write_mapping, schedule: str) -> None:
    error = _error(write_mapping, _mapping(schedule=schedule))
    assert error.key_path == "schedule" and "cron" in error.message


def test_a_missing_required_key_is_named(write_mapping) -> None:
    data = _mapping()
    del data["key"]
    error = _error(write_mapping, data)
    assert (error.key_path, error.message) == ("key", "required key is missing")


def test_an_unknown_column_type_is_refused_at_its_key(write_mapping) -> None:
    error = _error(write_mapping, _with_column(HOURS, type="money"))
    assert error.key_path == f"columns[{HOURS}].type" and "'money'" in error.message


def test_one_bad_oneview_file_does_not_hide_the_others(write_mapping, tmp_path: Path) -> None:
    write_mapping("good_report", _mapping())
    write_mapping("bad_report", _mapping(vanished="purge"))
    write_mapping("worse_report", _with_column(HOURS, field="custrecord_nope"))
    workflows, errors = load_workflows(tmp_path)
    assert set(workflows) == {"good_report"}
    by_name = {Path(name).name: error for name, error in errors.items()}
    assert set(by_name) == {"bad_report.yaml", "worse_report.yaml"}
    assert by_name["bad_report.yaml"].key_path == "vanished"
    assert by_name["worse_report.yaml"].key_path == f"columns[{HOURS}].field"


# --- row keys -----------------------------------------------------------------------------------------


@pytest.fixture
def spec() -> ReportSpec:
    return ReportSpec(
        resource="report101",
        record_type=RECORD_TYPE,
        record_type_id="101",
        key=("Project_ID", "Month"),
        columns=(ReportColumn("Project_ID", "integer"), ReportColumn("Month", "date")),
    )


def test_a_row_key_joins_the_key_values_with_a_tilde(spec: ReportSpec) -> None:
    assert spec.row_key({"Project_ID": 7, "Month": "2026-01", "Hours": 3}) == "7~2026-01"


def test_a_row_key_writes_dates_and_datetimes_as_iso(spec: ReportSpec) -> None:
    assert spec.row_key({"Project_ID": 7, "Month": dt.date(2026, 1, 1)}) == "7~2026-01-01"
    moment = dt.datetime(2026, 1, 1, 6, 30, tzinfo=dt.UTC)
    assert spec.row_key({"Project_ID": "7", "Month": moment}) == "7~2026-01-01T06:30:00+00:00"


@pytest.mark.parametrize(
    "row", [{"Project_ID": 7}, {"Project_ID": 7, "Month": None}, {"Project_ID": "", "Month": "x"}]
)
def test_a_row_with_an_empty_key_column_has_no_key(spec: ReportSpec, row: dict[str, Any]) -> None:
    assert spec.row_key(row) is None


def test_a_zero_or_false_key_value_is_a_value(spec: ReportSpec) -> None:
    assert spec.row_key({"Project_ID": 0, "Month": False}) == "0~False"


def test_the_row_key_follows_the_key_order() -> None:
    spec = ReportSpec("r", RECORD_TYPE, "101", key=("b", "a"), columns=())
    assert spec.row_key({"a": 1, "b": 2}) == "2~1"


def test_the_workflow_row_key_is_the_one_the_external_id_is_built_from(workflow) -> None:
    key = workflow.report.row_key({"Project_ID": 12, "Month": dt.date(2026, 3, 1)})
    assert workflow.external_id_for(key) == "spp-report101-12~2026-03-01"


# --- the report's live layout -------------------------------------------------------------------------


def test_a_report_with_every_column_of_its_kind_passes(workflow) -> None:
    check_report_layout(workflow, _live(Extra="Edm.String"))  # extra columns are fine


def test_a_missing_report_column_is_named_with_a_suggestion(workflow) -> None:
    with pytest.raises(MappingError) as caught:
        check_report_layout(workflow, _live(Hours=None, Hour="Edm.Decimal"))
    error = caught.value
    assert Path(error.file).name == f"{NAME}.yaml"
    assert error.key_path == f"columns[{HOURS}].column"
    assert "'Hours' is not a column of report report101" in error.message
    assert "did you mean 'Hour'" in error.message and "Project_ID" in error.message


def test_a_missing_key_only_column_is_refused_too(workflow) -> None:
    with pytest.raises(MappingError) as caught:
        check_report_layout(workflow, _live(Project=None))
    assert caught.value.key_path == f"columns[{PROJECT}].column"


@pytest.mark.parametrize(
    ("column", "index", "edm", "shown"),
    [
        ("Month", MONTH, "Edm.String", "(text)"),
        ("Month", MONTH, "Edm.DateTimeOffset", "(datetime)"),
        ("Hours", HOURS, "Edm.String", "(text)"),
        ("Entries", ENTRIES, "Edm.Decimal", "(decimal)"),
        ("Final", FINAL, "Edm.Int32", "(integer)"),
        ("Currency", CURRENCY, "Edm.Binary", "(unsupported)"),
    ],
)
def test_a_report_column_of_another_kind_is_refused(
    workflow, column: str, index: int, edm: str, shown: str
) -> None:
    with pytest.raises(MappingError) as caught:
        check_report_layout(workflow, _live(**{column: edm}))
    error = caught.value
    assert error.key_path == f"columns[{index}].type"
    assert f"column {column!r} is {edm} {shown}" in error.message
    assert error.message.endswith(f"not {workflow.report.columns[index].kind}")


@pytest.mark.parametrize("edm", ["Edm.Int16", "Edm.Int32", "Edm.Int64", "Edm.Double", "Edm.Single"])
def test_a_decimal_column_accepts_integer_and_floating_edm_types(workflow, edm: str) -> None:
    check_report_layout(workflow, _live(Hours=edm))


def test_an_integer_column_does_not_accept_a_decimal_edm_type(workflow) -> None:
    with pytest.raises(MappingError):
        check_report_layout(workflow, _live(Project_ID="Edm.Double"))


def test_the_layout_check_is_for_oneview_workflows_only(mappings_dir: Path) -> None:
    with pytest.raises(ValueError, match="not a OneView workflow"):
        check_report_layout(load_workflow(mappings_dir / "customers_import.yaml"), _live())


# --- the shipped OneView mappings ---------------------------------------------------------------------


def test_every_shipped_mapping_file_loads_oneview_ones_included(mappings_dir: Path) -> None:
    workflows, errors = load_workflows(mappings_dir)
    assert errors == {}
    assert {w for w, wf in workflows.items() if wf.is_oneview} == set(SHIPPED_ONEVIEW)
    assert {p.stem for p in mappings_dir.glob("oneview_*.yaml")} == set(SHIPPED_ONEVIEW)


@pytest.mark.parametrize("workflow_id", sorted(SHIPPED_ONEVIEW))
def test_a_shipped_oneview_mapping_declares_its_report(mappings_dir: Path, workflow_id: str) -> None:
    workflow = load_workflow(mappings_dir / f"{workflow_id}.yaml")
    resource, record_type, key, vanished = SHIPPED_ONEVIEW[workflow_id]
    report = workflow.report
    assert workflow.direction == "oneview" and workflow.entity == f"oneview.{workflow_id}"
    assert (report.resource, report.record_type, report.key, report.vanished) == (
        resource,
        record_type,
        key,
        vanished,
    )
    assert report.record_type_id == registry.custom_record_type(record_type).internal_id
    assert workflow.external_id == f"spp-{resource}-{{id}}"
    assert workflow.enabled and workflow.schedule
    required = {f.script_id for f in registry.custom_record_type(record_type).fields if f.required}
    assert required <= {f.target for f in workflow.fields}


@pytest.mark.parametrize("workflow_id", sorted(SHIPPED_ONEVIEW))
def test_a_shipped_oneview_mapping_fits_a_report_of_its_declared_layout(
    mappings_dir: Path, workflow_id: str
) -> None:
    workflow = load_workflow(mappings_dir / f"{workflow_id}.yaml")
    edm = {"text": "Edm.String", "decimal": "Edm.Decimal", "integer": "Edm.Int32", "date": "Edm.Date"}
    edm |= {"datetime": "Edm.DateTimeOffset", "boolean": "Edm.Boolean"}
    live = [SimpleNamespace(name=c.name, edm_type=edm[c.kind]) for c in workflow.report.columns]
    check_report_layout(workflow, live)
