"""Sublist lines built from the record itself (``from_record``), and the ``balance`` check on them: the
revenue recognition journal's two sides."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from include.mapping.loader import MappingError, load_workflow
from include.mapping.transform import transform
from include.paths import MAPPINGS_DIR

JOURNALS = yaml.safe_load((MAPPINGS_DIR / "revenue_recognition_export.yaml").read_text())
TRANSACTION = {
    "id": "31",
    "name": "Revenue 2026-05",
    "date": "2026-05-31",
    "projectid": "4",
    "total": "1250.50",
}


def _load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "revenue_recognition_export.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_workflow(path)


def _resolve(entity: str, side: str, ids: list[str]) -> dict[str, str]:
    return {i: f"ns-{i}" for i in ids} if entity == "project" else {}


def test_a_transaction_becomes_two_balanced_lines_of_its_amount() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "revenue_recognition_export.yaml")
    [row] = transform(workflow, [TRANSACTION], _resolve).rows
    assert row.ok, row.error
    lines = row.target["lineList"]["line"]
    assert [(line["account"], line.get("debit"), line.get("credit")) for line in lines] == [
        ({"internalId": "1200"}, "1250.5", None),  # typed by the NetSuite client, from the schema
        ({"internalId": "4000"}, None, "1250.5"),
    ]
    assert {line["entity"]["internalId"] for line in lines} == {"ns-4"}
    # the record's own fields are what the lines read: a changed total is a changed record
    assert "total" in workflow.monitored_fields and "projectid" in workflow.source_fields()


def test_a_journal_whose_sides_differ_is_refused_before_it_is_sent(tmp_path: Path) -> None:
    data = copy.deepcopy(JOURNALS)
    data["sublists"][0]["from_record"][1]["credit"] = "1000"  # credit a constant: unbalanced
    [row] = transform(_load(tmp_path, data), [TRANSACTION], _resolve).rows
    assert row.error == (
        "revenue transaction 31: lineList: lines do not balance: debit 1250.50, credit 1000.00"
    )


def test_a_transaction_without_an_amount_fails_alone() -> None:
    workflow = load_workflow(MAPPINGS_DIR / "revenue_recognition_export.yaml")
    ok, empty = transform(workflow, [TRANSACTION, {**TRANSACTION, "id": "32", "total": ""}], _resolve).rows
    assert ok.ok
    assert empty.error == "revenue transaction 32: lineList: lines carry no debit or credit amount"


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        ({"source": "slips"}, "sublists[0].source", "lines built from_record are not read"),
        ({"balance": ["debit", "debit"]}, "sublists[0].balance", "two different target fields"),
    ],
)
def test_from_record_mistakes_are_named(tmp_path: Path, edit: dict[str, Any], key: str, message: str) -> None:
    data = copy.deepcopy(JOURNALS)
    data["sublists"][0].update(edit)
    with pytest.raises(MappingError) as caught:
        _load(tmp_path, data)
    assert caught.value.key_path == key and message in str(caught.value)


def test_a_read_sublist_still_needs_its_source(tmp_path: Path) -> None:
    data = copy.deepcopy(JOURNALS)
    del data["sublists"][0]["from_record"]
    with pytest.raises(MappingError) as caught:
        _load(tmp_path, data)
    assert caught.value.key_path == "sublists[0].source" and "from_record" in str(caught.value)
