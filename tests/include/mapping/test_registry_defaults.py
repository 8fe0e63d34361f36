"""The loader against the registry: unknown entities and record types are refused per file with the key
and a suggestion (never a KeyError), defaults come from the registry and stay overridable, and match
rules of every kind (NetSuite id, external id, natural key) are accepted and checked."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from include import registry
from include.mapping import loader
from include.mapping.loader import MappingError, load_workflow, load_workflows
from include.mapping.model import MatchRule
from tests.include.mapping.conftest import MINIMAL_IMPORT

MINIMAL_EXPORT: dict[str, Any] = {
    **MINIMAL_IMPORT,
    "direction": "export",
    "source": {"system": "spp", "type": "Customer"},
    "target": {"system": "netsuite", "type": "customer"},
    "fields": [{"target": "companyName", "source": "company"}],
}


def _error(path: Path) -> MappingError:
    with pytest.raises(MappingError) as caught:
        load_workflow(path)
    return caught.value


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data.update(changes)
    return data


# --- unknown names: the file and the key, a suggestion, the other files still load --------------------------


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"entity": "custmer"}, "entity", "unknown entity 'custmer' (did you mean 'customer'?)"),
        (
            {"source": {"system": "netsuite", "type": "custmer"}},
            "source.type",
            "unknown NetSuite record type 'custmer' (did you mean 'customer'",
        ),
        (
            {"target": {"system": "spp", "type": "Custmer"}},
            "target.type",
            "unknown SPP object type 'Custmer' (did you mean 'Customer'",
        ),
    ],
)
def test_an_unknown_entity_or_record_type_names_file_and_key_and_the_others_still_load(
    write_mapping: Callable[..., Path], tmp_path: Path, changes: dict[str, Any], key: str, message: str
) -> None:
    write_mapping("widgets_import")
    write_mapping("gadgets_import", _with(MINIMAL_IMPORT, **changes))
    write_mapping("gizmos_import", depends_on=["gadgets_import"])  # depends on the broken one

    workflows, errors = load_workflows(tmp_path)

    assert set(workflows) == {"widgets_import", "gizmos_import"}
    [(file, error)] = errors.items()
    assert file.endswith("gadgets_import.yaml") and error.file == file
    assert error.key_path == key and error.message.startswith(message)
    assert str(error).startswith(f"{file}: {key}: {message}")


def test_an_unknown_type_without_a_close_match_lists_the_known_ones(write_mapping) -> None:
    error = _error(write_mapping("widgets_import", target={"system": "spp", "type": "Zzz"}))
    assert error.key_path == "target.type"
    assert "unknown SPP object type 'Zzz'; known: " in error.message and "Customer" in error.message


def test_unknown_sublist_and_via_types_are_refused_at_their_key(write_mapping, mappings_dir: Path) -> None:
    text = (mappings_dir / "expense_reports_export.yaml").read_text()
    assert "source_type: Ticket" in text
    broken = text.replace("source_type: Ticket", "source_type: Tiket")
    error = _error(write_mapping("expense_reports_export", broken))
    assert error.key_path == "sublists[0].source_type" and "did you mean 'Ticket'" in error.message

    data = copy.deepcopy(MINIMAL_EXPORT)
    data["source"]["filters"] = [{"field": "status", "equals": "A", "via": {"type": "Timesheat", "key": "x"}}]
    error = _error(write_mapping("widgets_export", data))
    assert error.key_path == "source.filters[0].via.type" and "did you mean 'Timesheet'" in error.message


def test_the_record_types_must_be_the_entitys_own(write_mapping) -> None:
    data = _with(MINIMAL_IMPORT, source={"system": "netsuite", "type": "job"})
    error = _error(write_mapping("widgets_import", data))
    assert error.key_path == "source.type"
    assert error.message == (
        "entity 'customer' pairs NetSuite 'customer' records, not 'job'; entity 'project' pairs it"
    )


def test_an_unexpected_failure_in_one_file_is_that_files_error(
    write_mapping, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_mapping("widgets_import")
    write_mapping("gadgets_import")
    build = loader.Builder.build

    def flaky(self: Any) -> Any:
        if self.path.stem == "gadgets_import":
            raise KeyError("boom")
        return build(self)

    monkeypatch.setattr(loader.Builder, "build", flaky)
    workflows, errors = load_workflows(tmp_path)
    assert set(workflows) == {"widgets_import"}
    [error] = errors.values()
    assert error.file.endswith("gadgets_import.yaml") and "KeyError" in error.message


def test_every_registry_entity_is_accepted_as_a_reference(write_mapping) -> None:
    data = copy.deepcopy(MINIMAL_IMPORT)
    data["fields"] += [
        {"target": f"ref_{name}", "reference": {"entity": name, "field": "parent", "required": False}}
        for name in registry.ENTITY_NAMES
    ]
    workflow = load_workflow(write_mapping("widgets_import", data))
    assert {m.reference.entity for m in workflow.fields if m.reference} == set(registry.ENTITY_NAMES)


# --- defaults from the registry, overridable ----------------------------------------------------------------


@pytest.mark.parametrize("name", registry.ENTITY_NAMES)
def test_defaults_come_from_the_entitys_registry_entry(write_mapping, name: str) -> None:
    entity = registry.entity(name)
    data = _with(
        MINIMAL_EXPORT,
        entity=name,
        source={"system": "spp", "type": entity.spp_type},
        target={"system": "netsuite", "type": entity.netsuite_type},
        fields=[{"target": "memo", "source": "notes"}],
    )
    workflow = load_workflow(write_mapping("widgets_export", data))
    assert workflow.netsuite_id_field == entity.netsuite_id_field
    default_template = entity.export_external_id or f"spp-{entity.spp_type.lower()}-{{id}}"
    assert workflow.external_id == entity.external_id("export") == default_template
    assert workflow.source.name_field == entity.spp.name_field
    assert [(r.target, r.source, r.template) for r in workflow.match] == [
        ("internalId", entity.netsuite_id_field, None),
        ("externalId", None, entity.external_id("export")),
    ]
    assert [r.kind for r in workflow.match] == ["netsuite_id", "external_id"]


def test_time_entries_default_to_the_external_id_the_seeds_and_the_mapping_use(write_mapping) -> None:
    data = _with(
        MINIMAL_EXPORT,
        entity="time_entry",
        source={"system": "spp", "type": "Task"},
        target={"system": "netsuite", "type": "timeBill"},
        fields=[{"target": "memo", "source": "notes"}],
    )
    workflow = load_workflow(write_mapping("widgets_export", data))
    assert workflow.external_id == "spp-task-{id}" and workflow.netsuite_id_field == "netsuite_timebill_id__c"
    assert workflow.external_id_for("56") == "spp-task-56"


def test_netsuite_id_field_external_id_and_name_field_stay_overridable(write_mapping) -> None:
    data = _with(
        MINIMAL_EXPORT,
        netsuite_id_field="ns_id__c",
        external_id="acme-{id}",
        source={"system": "spp", "type": "Customer", "name_field": "code"},
    )
    workflow = load_workflow(write_mapping("widgets_export", data))
    assert (workflow.netsuite_id_field, workflow.external_id, workflow.source.name_field) == (
        "ns_id__c",
        "acme-{id}",
        "code",
    )
    assert workflow.match[0] == MatchRule("internalId", source="ns_id__c")
    assert workflow.match[0].netsuite_id_field == "ns_id__c"


def test_linking_workflows_come_from_the_registry(mappings_dir: Path) -> None:
    projects = load_workflow(mappings_dir / "projects_import.yaml")
    customer = next(m.reference for m in projects.fields if m.target == "customerid")
    assert customer is not None and projects.linking_workflow(customer) == "customers_import"
    time_entries = load_workflow(mappings_dir / "time_entries_export.yaml")
    service = next(m.reference for m in time_entries.fields if m.target == "item")
    assert service is not None and time_entries.linking_workflow(service) == "services_import"


# --- match rules --------------------------------------------------------------------------------------------


def test_natural_key_rules_are_accepted_after_the_id_rules(write_mapping) -> None:
    data = _with(
        MINIMAL_IMPORT,
        match=[
            {"target": "netsuite_customer_id__c", "source": "internalId"},
            {"target": "externalid", "source": "internalId"},
            {"target": "company", "source": "companyName"},
            {"target": "addr.email", "source": "email"},
        ],
    )
    workflow = load_workflow(write_mapping("widgets_import", data))
    assert [r.kind for r in workflow.match] == ["netsuite_id", "external_id", "natural_key", "natural_key"]
    assert workflow.match[3].key({"email": " A@B.example "}) == " A@B.example "  # the engine normalises
    assert "email" in workflow.source_fields() and "companyName" in workflow.source_fields()


def test_an_export_natural_key_must_be_a_key_field_of_the_netsuite_type(write_mapping) -> None:
    rules = [{"target": "internalId", "source": "netsuite_customer_id__c"}]
    ok = _with(MINIMAL_EXPORT, match=[*rules, {"target": "companyName", "source": "company"}])
    assert load_workflow(write_mapping("widgets_export", ok)).match[-1].kind == "natural_key"
    custom = _with(MINIMAL_EXPORT, match=[*rules, {"target": "custentity_spp_code", "source": "code"}])
    assert load_workflow(write_mapping("widgets_export", custom)).match[-1].kind == "natural_key"

    typo = _with(MINIMAL_EXPORT, match=[*rules, {"target": "compnyName", "source": "company"}])
    error = _error(write_mapping("widgets_export", typo))
    assert error.key_path == "match[1].target"
    assert (
        "'compnyName' is not a key field of NetSuite customer (did you mean 'companyName'?)" in error.message
    )


def test_external_id_fields_are_spelt_as_the_target_system_spells_them(write_mapping) -> None:
    wrong = _with(MINIMAL_IMPORT, match=[{"target": "externalId", "source": "internalId"}])
    error = _error(write_mapping("widgets_import", wrong))
    assert error.key_path == "match[0].target" and "'externalid'" in error.message
    wrong = _with(MINIMAL_EXPORT, match=[{"target": "externalid", "template": "spp-customer-{id}"}])
    assert "'externalId'" in _error(write_mapping("widgets_export", wrong)).message


# update-only imports that find their SPP record through the NetSuite record theirs was made from
THROUGH_PARENT = {
    "purchase_orders_import": ("netsuite_purchase_request_id__c", "createdFrom.internalId"),
    "purchase_bills_import": ("netsuite_purchase_order_id__c", "purchaseOrderList.recordRef.0.internalId"),
    "vendor_credits_import": ("netsuite_purchase_bill_id__c", "createdFrom.internalId"),
}


def test_shipped_mappings_match_by_natural_key_last(mappings_dir: Path) -> None:
    expected = {
        "customers_import": ("company", "companyName"),
        "employees_import": ("addr.email", "email"),
        "customers_export": ("companyName", "company"),
        "services_import": ("code", "itemId"),
        "cost_centers_import": ("name", "name"),
        "rate_cards_import": ("name", "name"),
    }
    workflows, errors = load_workflows(mappings_dir)
    assert errors == {}
    for workflow_id, workflow in workflows.items():
        kinds = [r.kind for r in workflow.match]
        if workflow.is_oneview:  # report rows are found by their externalId upsert alone
            assert kinds == [], workflow_id
            continue
        if not workflow.policy.create:  # update-only: the record's own NetSuite id, or the step before's
            natural = [(r.target, r.source) for r in workflow.match if r.kind == "natural_key"]
            assert kinds[0] == "netsuite_id", workflow_id
            assert natural == ([THROUGH_PARENT[workflow_id]] if workflow_id in THROUGH_PARENT else [])
            continue
        assert kinds[:2] == ["netsuite_id", "external_id"], workflow_id
        natural = [(r.target, r.source) for r in workflow.match if r.kind == "natural_key"]
        assert natural == ([expected[workflow_id]] if workflow_id in expected else []), workflow_id
    for workflow_id, (target, source) in expected.items():
        entity = registry.entity(workflows[workflow_id].entity)
        direction = workflows[workflow_id].direction
        pairs = [(k.target(direction), k.source(direction)) for k in entity.natural_keys_for(direction)]
        assert (target, source) in pairs  # the registry declares the same natural key
