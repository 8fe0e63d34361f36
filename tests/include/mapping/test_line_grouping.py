"""Invoice line grouping (the connector's INVOICE_LINE_*_GROUP_BY) and numeric comparison filters."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.mapping.loader import MappingError, load_workflow
from include.mapping.model import Filter
from include.mapping.transform import transform
from include.paths import MAPPINGS_DIR

INVOICES = yaml.safe_load((MAPPINGS_DIR / "invoices_export.yaml").read_text())


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "invoices_export.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _slip(slip_id: str, service: str, rate: str, hours: str, total: str) -> dict[str, str]:
    return {
        "id": slip_id,
        "invoiceid": "9",
        "categoryid": service,
        "projectid": "4",
        "rate": rate,
        "description": f"service {service}",
        "hours": hours,
        "total": total,
    }


def _invoice(*slips: dict[str, str]) -> dict[str, Any]:
    return {
        "id": "9",
        "number": "INV-9",
        "date": "2026-03-02 00:00:00",
        "customerid": "3",
        "projectid": "4",
        "status": "A",
        "total": "1",
        "slips": list(slips),
    }


def _linked(entity: str, side: str, ids: list[str]) -> dict[str, str]:
    return {i: f"ns-{entity}-{i}" for i in ids}


def test_charges_of_one_service_and_rate_become_one_line_with_hours_and_amounts_added() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "invoices_export.yaml")
    record = _invoice(
        _slip("11", "7", "150.00", "3.00", "450.00"),
        _slip("12", "8", "90.00", "1.00", "90.00"),
        _slip("13", "7", "150.00", "4.50", "675.00"),
        _slip("14", "7", "175.00", "1.00", "175.00"),  # same service, another rate: its own line
    )

    (row,) = transform(workflow, [record], _linked).rows

    assert row.error is None, row.error
    lines = row.target["itemList"]["item"]
    assert [(line["item"], line["quantity"], line["amount"], line["rate"]) for line in lines] == [
        ({"internalId": "ns-service-7"}, "7.5", "1125.0", "150.00"),
        ({"internalId": "ns-service-8"}, "1.0", "90.0", "90.00"),
        ({"internalId": "ns-service-7"}, "1.0", "175.0", "175.00"),
    ]


def test_a_charge_whose_hours_are_not_a_number_fails_its_invoice_only() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "invoices_export.yaml")
    bad = _invoice(_slip("11", "7", "150.00", "3.00", "450.00"), _slip("13", "7", "150.00", "lots", "1"))
    good = {**_invoice(_slip("21", "7", "150.00", "2", "300")), "id": "10"}

    rows = transform(workflow, [bad, good], _linked).rows

    assert rows[0].error is not None and "itemList" in rows[0].error and "'lots'" in rows[0].error
    assert rows[1].error is None and rows[1].target["itemList"]["item"][0]["quantity"] == "2.0"


def test_a_line_field_neither_grouped_nor_summed_is_refused_naming_it(tmp_path: Path) -> None:
    data = copy.deepcopy(INVOICES)
    data["sublists"][0]["fields"].append({"target": "memo", "source": "notes"})

    with pytest.raises(MappingError) as caught:
        load_workflow(_write(tmp_path, data))

    assert caught.value.key_path == "sublists[0].group_by.fields"
    assert "'memo' reads 'notes'" in caught.value.message


def test_a_field_both_grouped_and_summed_is_refused(tmp_path: Path) -> None:
    data = copy.deepcopy(INVOICES)
    data["sublists"][0]["group_by"]["sum"].append("rate")

    with pytest.raises(MappingError) as caught:
        load_workflow(_write(tmp_path, data))

    assert caught.value.key_path == "sublists[0].group_by.sum" and "rate" in caught.value.message


@pytest.mark.parametrize(
    ("value", "above", "below"),
    [
        ("12.50", True, False),
        ("0", False, False),
        ("-3", False, True),
        ("", False, False),
        ("n/a", False, False),
    ],
)
def test_comparison_filters_compare_numbers_and_never_match_empty_or_text(
    value: str, above: bool, below: bool
) -> None:
    doc = {"total": value}
    assert Filter("total", "greater_than", 0).matches(doc) is above
    assert Filter("total", "less_than", 0).matches(doc) is below
