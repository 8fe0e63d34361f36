"""Pullbacks of NetSuite values (the document number NetSuite generates) into the SPP record after a
create, beside the internalId; and what the loader refuses of them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from include.mapping.loader import MappingError, load_workflow
from include.paths import MAPPINGS_DIR

from .changes import new_approved_invoice
from .conftest import World

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

INVOICES = yaml.safe_load((MAPPINGS_DIR / "invoices_export.yaml").read_text())


def test_a_failed_read_of_the_new_records_still_pulls_their_internal_ids_back(world: World) -> None:
    world.run_upstream("invoices_export")
    new_invoice = new_approved_invoice(world)
    world.ns_service.faults({"kind": "http_error", "status": 503, "operation": "getList", "count": 10})

    summary = world.run("invoices_export", netsuite=world.services.ns_client_no_retry)

    world.ns_service.faults()
    assert summary.status == "success" and summary.created >= 1, summary
    [invoice] = world.spp.read("Invoice", ids=[new_invoice])
    assert invoice["netsuite_invoice_id__c"] not in (None, "", "-1")  # the id came back
    assert not invoice.get("netsuite_invoice_number__c")  # the number could not be read


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            {"pullbacks": [{"source": "tranId", "target": "netsuite_invoice_id__c"}]},
            "pullbacks[0].target",
            "engine",
        ),
        (
            {"pullbacks": [{"source": "tranId", "target": "n__c"}, {"source": "memo", "target": "n__c"}]},
            "pullbacks[1].target",
            "already pulled back",
        ),
    ],
)
def test_the_loader_refuses_pullbacks_it_cannot_honour(
    tmp_path: Path, change: dict[str, object], key: str, message: str
) -> None:
    data = copy.deepcopy(INVOICES)
    data.update(change)
    path = tmp_path / "invoices_export.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(MappingError) as raised:
        load_workflow(path)
    assert key in str(raised.value) and message in str(raised.value)


def test_an_import_has_no_pullbacks(tmp_path: Path) -> None:
    data = yaml.safe_load((MAPPINGS_DIR / "vendors_import.yaml").read_text())
    data["pullbacks"] = [{"source": "name", "target": "companyName"}]
    path = tmp_path / "vendors_import.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(MappingError) as raised:
        load_workflow(path)
    assert "pullbacks" in str(raised.value) and "export workflows only" in str(raised.value)
