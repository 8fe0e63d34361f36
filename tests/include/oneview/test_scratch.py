import json
import requests
from pathlib import Path
from include.engine.run import WorkflowRunner
from include.mapping.loader import load_workflow

YAML = """
workflow: oneview_synthetic
title: "OneView: synthetic"
direction: oneview
report: {resource: report900}
target: {record_type: customrecord_spp_report_row}
key: [Row_ID]
name: {columns: [Name]}
vanished: inactivate
columns:
  - {column: Row_ID, type: text}
  - {column: Seq, type: integer, field: custrecord_spp_rr_seq}
  - {column: Name, type: text, field: custrecord_spp_rr_name}
  - {column: Amount, type: decimal, field: custrecord_spp_rr_amount}
  - {column: Day, type: date, field: custrecord_spp_rr_day}
  - {column: Updated, type: datetime, field: custrecord_spp_rr_updated}
  - {column: Flag, type: boolean, field: custrecord_spp_rr_flag}
"""

def test_scratch(world, tmp_path):
    p = tmp_path / "oneview_synthetic.yaml"
    p.write_text(YAML)
    wf = load_workflow(p)
    url = world.spp_service.url
    r = requests.post(f"{url}/_emulator/odata/synthetic", params={"rows": 50, "change_pct": 10, "remove_pct": 2})
    print(r.json())
    print(json.dumps(world.spp_service.stats(), indent=1))
    s = WorkflowRunner(wf, world.state, netsuite=world.netsuite, spp=world.spp, odata=world.odata(), run_id="r1").run()
    print(s)
    recs = list(world.netsuite.search("customRecord", custom_record_type_id="104"))
    print(len(recs)); print(recs[0])
    print(json.dumps(world.ns_service.stats(), indent=1))
    print(json.dumps(world.spp_service.stats()["odata"], indent=1))
    rows = list(world.odata().iter_rows("report900"))
    print(rows[0])
    assert 0
