"""OneView end to end: a published SPP report (OData v4) into NetSuite custom records.

Every test runs the real staged protocol (``WorkflowRunner.run`` = ``staged.run_workflow``: the same
plan, load and finish the Airflow operators call) against both local services over HTTP, and counts
what ended up on both sides: the rows of the report (read back over OData) and the custom records of
the target type (searched over SOAP), plus the NetSuite service's own request and write counters.

Most tests use the local SPP's synthetic report ``report900`` (columns Row_ID, Seq, Name, Amount,
Day, Updated, Flag), loaded with ``POST /_emulator/odata/synthetic``; its ``change_pct``,
``remove_pct`` and ``add_pct`` are the change set each ``POST /_emulator/odata/refresh`` applies.
The mapping over it writes ``customrecord_spp_report_row`` (internalId 104).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import yaml

from include import registry
from include.engine.run import RunSummary, VanishedRowsRefused, WorkflowRunner
from include.mapping.loader import MappingError, load_workflow
from include.mapping.model import Workflow
from include.spp.odata import SppODataAuthError, SppODataReader, SppODataRepublished
from tests.include.engine.conftest import World

RESOURCE = "report900"
WORKFLOW_ID = "oneview_synthetic"
RECORD_TYPE = "customrecord_spp_report_row"
RECORD_TYPE_ID = "104"
EXTERNAL_ID = "spp-report900-{}"
COLUMNS: list[dict[str, Any]] = [
    {"column": "Row_ID", "type": "text"},
    {"column": "Seq", "type": "integer", "field": "custrecord_spp_rr_seq"},
    {"column": "Name", "type": "text", "field": "custrecord_spp_rr_name"},
    {"column": "Amount", "type": "decimal", "field": "custrecord_spp_rr_amount"},
    {"column": "Day", "type": "date", "field": "custrecord_spp_rr_day"},
    {"column": "Updated", "type": "datetime", "field": "custrecord_spp_rr_updated"},
    {"column": "Flag", "type": "boolean", "field": "custrecord_spp_rr_flag"},
]
WRITES = ("add", "addList", "update", "updateList", "upsert", "upsertList", "delete", "deleteList")


# -- the synthetic report and its mapping ----------------------------------------------------------


def write_mapping(
    directory: Path, *, columns: list[dict[str, Any]] | None = None, **top: Any
) -> tuple[Path, Workflow]:
    """The OneView mapping over ``report900`` (``top`` replaces top-level keys), written and loaded."""
    data: dict[str, Any] = {
        "workflow": WORKFLOW_ID,
        "title": "OneView: synthetic",
        "direction": "oneview",
        "report": {"resource": RESOURCE},
        "target": {"record_type": RECORD_TYPE},
        "key": ["Row_ID"],
        "name": {"columns": ["Name"]},
        "vanished": "inactivate",
        "columns": columns if columns is not None else COLUMNS,
    }
    data.update(top)
    path = directory / f"{WORKFLOW_ID}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, load_workflow(path)


def control(world: World, route: str, **params: Any) -> dict[str, Any]:
    response = requests.post(f"{world.spp_service.url}/_emulator/odata/{route}", params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def synthetic(world: World, rows: int, **knobs: float) -> None:
    """(Re)load ``report900`` with ``rows`` rows; ``knobs`` are the change set of each later refresh."""
    knobs = {"change_pct": 0, "remove_pct": 0, "add_pct": 0, **knobs}
    assert control(world, "synthetic", rows=rows, **knobs)["rows"] == rows


def refresh(world: World) -> None:
    control(world, "refresh", report=RESOURCE)


def republish(world: World, drop: str = "") -> None:
    control(world, "republish", report=RESOURCE, **({"drop": drop} if drop else {}))


@pytest.fixture
def server_page_size(world: World) -> Iterator[Callable[[int], None]]:
    """Sets the OData service's page size (rows per response); restored afterwards."""
    url = world.spp_service.url
    before = requests.get(f"{url}/_emulator/odata/reports", timeout=10).json()["page_size"]

    def set_size(size: int) -> None:
        answer = requests.post(f"{url}/_emulator/odata/config", json={"page_size": size}, timeout=10)
        assert answer.json()["page_size"] == size

    try:
        yield set_size
    finally:
        set_size(before)


def run(
    world: World, workflow: Workflow, *, odata: SppODataReader | None = None, **params: Any
) -> RunSummary:
    """One whole run through the staged protocol, with a new run id."""
    world.runs += 1
    runner = WorkflowRunner(
        workflow,
        world.state,
        netsuite=world.netsuite,
        spp=world.spp,
        odata=odata or world.odata(),
        run_id=f"run-{world.runs:03d}-{workflow.id}",
        params=params,
    )
    return runner.run()


# -- what each side holds --------------------------------------------------------------------------


def report_rows(world: World, resource: str = RESOURCE) -> dict[str, dict[str, Any]]:
    """The report's current rows, by Row_ID (read over OData, as a user would)."""
    rows = list(world.odata().iter_rows(resource))
    by_id = {str(r["Row_ID"]): r for r in rows}
    assert len(by_id) == len(rows), "the report repeats a Row_ID"
    return by_id


def custom_records(world: World, type_id: str = RECORD_TYPE_ID) -> dict[str, dict[str, Any]]:
    """Every custom record of the type (active or not), by externalId; no externalId twice."""
    found = list(world.netsuite.search("customRecord", custom_record_type_id=type_id))
    by_external = {str(r.get("externalId")): r for r in found}
    repeated = [k for k, n in Counter(str(r.get("externalId")) for r in found).items() if n > 1]
    assert not repeated, f"externalIds written more than once: {repeated[:5]}"
    return by_external


def stored_records(world: World) -> dict[str, dict[str, Any]]:
    """The live custom records of the type in the NetSuite service's own store, by externalId, in the
    shape a search returns them (much faster than searching 10,000 records over SOAP)."""

    def typed(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"$dateTime"}:
            return dt.datetime.fromisoformat(value["$dateTime"])
        return value

    found: dict[str, dict[str, Any]] = {}
    for stored in world.services.netsuite.app.state.store.scan("customRecord"):
        data = stored.data
        if data.get("recType", {}).get("internalId") != RECORD_TYPE_ID:
            continue
        assert stored.external_id not in found, f"{stored.external_id} stored twice"
        fields = {k: typed(v) for k, v in data.get("customFieldList", {}).items()}
        found[str(stored.external_id)] = {**data, "externalId": stored.external_id, "customFieldList": fields}
    return found


def active(record: dict[str, Any]) -> bool:
    """Not inactive (a record never written with ``isInactive`` comes back without it)."""
    return record.get("isInactive") in (None, False)


def row_ids(records: dict[str, dict[str, Any]]) -> set[str]:
    prefix = EXTERNAL_ID.format("")
    assert all(k.startswith(prefix) for k in records), list(records)[:5]
    return {k[len(prefix) :] for k in records}


def netsuite_writes(world: World) -> dict[str, int]:
    """Write requests by operation and records written, from the NetSuite service's own counters."""
    stats = world.ns_service.stats()
    writes = {op: n for op, n in stats["requests"].items() if op in WRITES and n}
    return {**writes, "records_written": int(stats["records_written"])}


def assert_record_matches(record: dict[str, Any], row: dict[str, Any]) -> None:
    """A custom record holds its row's values, typed as the custom fields' kinds."""
    fields = record["customFieldList"]
    assert record["externalId"] == EXTERNAL_ID.format(row["Row_ID"])
    assert record["name"] == row["Name"]
    assert record["recType"]["internalId"] == RECORD_TYPE_ID
    seq = fields["custrecord_spp_rr_seq"]
    assert isinstance(seq, int) and not isinstance(seq, bool) and seq == row["Seq"]
    name = fields["custrecord_spp_rr_name"]
    assert isinstance(name, str) and name == row["Name"]
    amount = fields["custrecord_spp_rr_amount"]
    assert isinstance(amount, float) and Decimal(str(amount)) == row["Amount"], (amount, row["Amount"])
    day = fields["custrecord_spp_rr_day"]
    assert isinstance(day, dt.datetime) and day.date() == row["Day"], (day, row["Day"])
    updated = fields["custrecord_spp_rr_updated"]
    assert isinstance(updated, dt.datetime) and updated == row["Updated"], (updated, row["Updated"])
    flag = fields["custrecord_spp_rr_flag"]
    assert isinstance(flag, bool) and flag is row["Flag"]


def batches(count: int, size: int = 100) -> int:
    return math.ceil(count / size)


# -- 1. volume -------------------------------------------------------------------------------------


def test_ten_thousand_rows_over_many_pages_become_as_many_typed_custom_records(
    world: World, tmp_path: Path, server_page_size: Callable[[int], None]
) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 10_000)
    server_page_size(500)
    world.spp_service.reset_counters()

    summary = run(world, workflow)

    odata = world.spp_service.stats()["odata"]
    assert odata["pages"] >= 10 and odata["by_resource"][RESOURCE] >= 10, odata
    assert odata["rows_served"] == 10_000 and odata["gone"] == 0, odata
    assert summary.status == "success", summary
    assert (summary.extracted, summary.created, summary.updated, summary.failed) == (10_000, 10_000, 0, 0)
    assert netsuite_writes(world) == {"upsertList": batches(10_000), "records_written": 10_000}
    rows = report_rows(world)
    records = stored_records(world)
    assert len(rows) == len(records) == 10_000
    assert row_ids(records) == set(rows)
    for row_id, row in rows.items():
        record = records[EXTERNAL_ID.format(row_id)]
        assert active(record)
        assert_record_matches(record, row)
    # and as NetSuite's search shows them (a sample: searching all 10,000 over SOAP takes long)
    sample = sorted(rows)[::50]
    searched = list(
        world.netsuite.search(
            "customRecord",
            custom_record_type_id=RECORD_TYPE_ID,
            external_ids=[EXTERNAL_ID.format(k) for k in sample],
        )
    )
    assert sorted(r["externalId"] for r in searched) == sorted(EXTERNAL_ID.format(k) for k in sample)
    for record in searched:
        assert record["isInactive"] is False
        assert_record_matches(record, rows[record["externalId"][len(EXTERNAL_ID.format("")) :]])
    assert world.watermark(WORKFLOW_ID) is not None


# -- 2. a refresh: changed rows updated, removed ones retired ---------------------------------------


def test_a_refresh_writes_exactly_the_changed_rows_and_retires_exactly_the_removed_ones(
    world: World, tmp_path: Path
) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 3_000, change_pct=5, remove_pct=1, add_pct=1)
    first = run(world, workflow)
    assert (first.status, first.created, first.failed) == ("success", 3_000, 0), first
    before = report_rows(world)

    refresh(world)
    after = report_rows(world)
    removed = set(before) - set(after)
    added = set(after) - set(before)
    changed = {k for k in set(before) & set(after) if after[k] != before[k]}
    # the change set is a few percent of each kind, so the run has some of each to do
    assert 60 < len(changed) < 300 and 5 < len(removed) < 80 and len(added) == 30, (
        len(changed), len(removed), len(added)
    )  # fmt: skip

    world.ns_service.reset_counters()
    second = run(world, workflow)

    assert second.status == "success", second
    assert second.updated == len(changed)
    assert second.retired == len(removed)
    assert second.created == len(added)
    assert second.failed == 0
    assert second.skipped == len(after) - len(changed) - len(added)
    assert netsuite_writes(world) == {
        # inactivating is an upsert of isInactive: the same operation as the writes
        "upsertList": batches(len(changed)) + batches(len(added)) + batches(len(removed)),
        "records_written": len(changed) + len(added) + len(removed),
    }
    records = custom_records(world)
    assert row_ids(records) == set(before) | set(after)  # nothing deleted, nothing extra
    for row_id in removed:
        assert records[EXTERNAL_ID.format(row_id)].get("isInactive") is True, row_id
    for row_id, row in after.items():
        record = records[EXTERNAL_ID.format(row_id)]
        assert active(record), row_id
        assert_record_matches(record, row)


# -- 3. nothing changed, nothing sent ---------------------------------------------------------------


def test_an_unchanged_report_sends_no_netsuite_write(world: World, tmp_path: Path) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 1_500)
    first = run(world, workflow)
    assert (first.status, first.created) == ("success", 1_500), first
    written = world.ns_service.written()
    assert written == 1_500

    world.ns_service.reset_counters()
    second = run(world, workflow)

    assert second.status == "success", second
    assert (second.skipped, second.created, second.updated, second.retired, second.failed) == (
        1_500, 0, 0, 0, 0
    )  # fmt: skip
    assert netsuite_writes(world) == {"records_written": 0}  # no upsertList, no deleteList
    records = custom_records(world)
    assert len(records) == len(report_rows(world)) == 1_500
    assert all(active(r) for r in records.values())


# -- 4. vanished: delete, keep, and a row that comes back ------------------------------------------


def test_vanished_delete_removes_the_records_of_the_removed_rows(world: World, tmp_path: Path) -> None:
    _, workflow = write_mapping(tmp_path, vanished="delete")
    synthetic(world, 1_000, remove_pct=5)
    assert run(world, workflow).created == 1_000
    before = report_rows(world)
    refresh(world)
    after = report_rows(world)
    removed = set(before) - set(after)
    assert 20 < len(removed) < 90 and set(after) < set(before)

    world.ns_service.reset_counters()
    second = run(world, workflow)

    assert second.status == "success", second
    assert (second.retired, second.updated, second.created, second.failed) == (len(removed), 0, 0, 0)
    assert netsuite_writes(world) == {"deleteList": batches(len(removed)), "records_written": len(removed)}
    records = custom_records(world)
    assert row_ids(records) == set(after)  # the removed rows' records are gone
    assert all(active(r) for r in records.values())
    gone = list(
        world.netsuite.search(
            "customRecord",
            custom_record_type_id=RECORD_TYPE_ID,
            external_ids=[EXTERNAL_ID.format(k) for k in sorted(removed)],
        )
    )
    assert gone == []

    # a third run has nothing left to retire (a record already deleted is not deleted again)
    world.ns_service.reset_counters()
    third = run(world, workflow)
    assert (third.status, third.retired, third.skipped) == ("success", 0, len(after)), third
    assert netsuite_writes(world) == {"records_written": 0}


def test_vanished_keep_leaves_the_records_active_and_retires_nothing(world: World, tmp_path: Path) -> None:
    _, workflow = write_mapping(tmp_path, vanished="keep")
    synthetic(world, 1_000, remove_pct=5, change_pct=3)
    assert run(world, workflow).created == 1_000
    before = report_rows(world)
    refresh(world)
    after = report_rows(world)
    removed = set(before) - set(after)
    changed = {k for k in after if after[k] != before[k]}
    assert removed and changed

    world.ns_service.reset_counters()
    second = run(world, workflow)

    assert second.status == "success", second
    assert (second.retired, second.updated, second.created) == (0, len(changed), 0)
    assert netsuite_writes(world) == {"upsertList": batches(len(changed)), "records_written": len(changed)}
    records = custom_records(world)
    assert row_ids(records) == set(before)
    assert all(active(r) for r in records.values())
    for row_id in removed:  # kept as they were last written
        assert_record_matches(records[EXTERNAL_ID.format(row_id)], before[row_id])


def test_a_row_that_comes_back_after_being_inactivated_is_active_again(world: World, tmp_path: Path) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 800, remove_pct=5)
    assert run(world, workflow).created == 800
    original = report_rows(world)
    refresh(world)
    removed = set(original) - set(report_rows(world))
    assert removed
    assert run(world, workflow).retired == len(removed)
    inactive = {k for k, r in custom_records(world).items() if not active(r)}
    assert inactive == {EXTERNAL_ID.format(k) for k in removed}

    synthetic(world, 800, remove_pct=5)  # the same rows again: the removed ones are back
    assert report_rows(world) == original
    world.ns_service.reset_counters()
    third = run(world, workflow)

    assert third.status == "success", third
    assert (third.updated, third.created, third.retired, third.failed) == (len(removed), 0, 0, 0), third
    assert netsuite_writes(world) == {"upsertList": batches(len(removed)), "records_written": len(removed)}
    records = custom_records(world)
    assert row_ids(records) == set(original)
    for row_id, row in original.items():
        record = records[EXTERNAL_ID.format(row_id)]
        assert active(record), row_id
        assert_record_matches(record, row)


# -- 5. vanished_limit ----------------------------------------------------------------------------


def test_removing_more_rows_than_the_vanished_limit_fails_the_run_and_retires_nothing(
    world: World, tmp_path: Path
) -> None:
    path, workflow = write_mapping(tmp_path, vanished_limit=0.5)
    synthetic(world, 400, remove_pct=60)
    assert run(world, workflow).created == 400
    watermark = world.watermark(WORKFLOW_ID)
    assert watermark is not None
    before = report_rows(world)
    refresh(world)
    after = report_rows(world)
    removed = set(before) - set(after)
    assert len(removed) > 0.5 * len(before)

    world.ns_service.reset_counters()
    with pytest.raises(VanishedRowsRefused) as caught:
        run(world, workflow)

    message = str(caught.value)
    assert WORKFLOW_ID in message and str(path) in message, message
    assert f"{len(removed)} of the {len(before)} rows" in message and "vanished_limit" in message, message
    assert netsuite_writes(world) == {"records_written": 0}
    records = custom_records(world)
    assert row_ids(records) == set(before)
    assert all(active(r) for r in records.values())
    assert world.watermark(WORKFLOW_ID) == watermark
    assert world.state.runs(WORKFLOW_ID, limit=1)[0].status == "failed"

    # raising the limit, as the message says, lets the next run retire them
    _, raised = write_mapping(tmp_path, vanished_limit=0.9)
    summary = run(world, raised)
    assert (summary.status, summary.retired, summary.skipped) == ("success", len(removed), len(after))
    inactive = {k for k, r in custom_records(world).items() if not active(r)}
    assert inactive == {EXTERNAL_ID.format(k) for k in removed}
    assert world.state.runs(WORKFLOW_ID, limit=1)[0].status == "success"
    assert world.watermark(WORKFLOW_ID) >= watermark  # the service clock has whole seconds


# -- 6. a republish while the report is read -------------------------------------------------------


class RepublishingTransport(httpx.HTTPTransport):
    """A real HTTP transport that has the local SPP republish the report right after its n-th
    data page was served (``after``), so the next page of the read answers a real 410 Gone."""

    def __init__(self, world: World, after: set[int], drop: str = "", loaded: int = 0) -> None:
        super().__init__()
        self.world, self.after, self.drop, self.loaded = world, set(after), drop, loaded
        self.pages = 0
        self.written_at_republish: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path.endswith(f"/{RESOURCE}") and response.status_code == 200:
            self.pages += 1
            if self.pages in self.after:
                response.read()
                self._wait_for_loads()
                republish(self.world, self.drop)
        return response

    def _wait_for_loads(self) -> None:
        """Hold the read until the load threads wrote ``loaded`` records (the plan stages and loads
        the chunks read so far meanwhile), so the republish lands after real writes."""
        for _ in range(600):
            written = self.world.ns_service.written()
            if written >= self.loaded:
                break
            time.sleep(0.05)
        self.written_at_republish.append(written)


def test_a_republish_during_the_read_restarts_the_plan_once_and_writes_every_row_once(
    world: World,
    tmp_path: Path,
    server_page_size: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 2_000)
    server_page_size(100)
    monkeypatch.setenv("INTEGRATION_PLAN_CHUNK", "200")  # batches are staged (and load) before the 410
    world.spp_service.reset_counters()

    transport = RepublishingTransport(world, after={7}, loaded=200)  # 700 rows read, >= 200 written

    summary = run(world, workflow, odata=world.odata(transport=transport))

    assert transport.written_at_republish[0] >= 200, transport.written_at_republish
    odata = world.spp_service.stats()["odata"]
    assert odata["gone"] == 1, odata
    assert summary.status == "success", summary
    assert summary.failed == 0
    rows = report_rows(world)
    records = custom_records(world)
    assert len(records) == len(rows) == 2_000
    assert row_ids(records) == set(rows)
    for row_id, row in rows.items():
        assert_record_matches(records[EXTERNAL_ID.format(row_id)], row)
    # each row written once: the restarted plan skips what the first reading already loaded, and
    # drops what it staged and did not load (its rows are planned again)
    assert world.ns_service.written() == 2_000
    assert summary.created == 2_000 and summary.extracted == 2_000, summary
    assert summary.skipped == 0, summary  # written by the first reading, counted once
    assert world.watermark(WORKFLOW_ID) is not None


def test_a_second_republish_during_the_restarted_read_fails_the_run_naming_the_report(
    world: World,
    tmp_path: Path,
    server_page_size: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 2_000)
    server_page_size(100)
    monkeypatch.setenv("INTEGRATION_PLAN_CHUNK", "200")
    world.spp_service.reset_counters()
    transport = RepublishingTransport(world, after={5, 5 + 3})  # 3 pages into the restarted read

    with pytest.raises(SppODataRepublished) as caught:
        run(world, workflow, odata=world.odata(transport=transport))

    assert repr(RESOURCE) in str(caught.value) and "republished again" in str(caught.value)
    assert caught.value.code == 410
    assert world.spp_service.stats()["odata"]["gone"] == 2
    assert world.watermark(WORKFLOW_ID) is None
    assert world.state.runs(WORKFLOW_ID, limit=1)[0].status == "failed"
    # what was written before the stop is written once; the next run completes the rest
    records = custom_records(world)
    assert len(records) == world.ns_service.written() < 2_000
    summary = run(world, workflow)
    assert (summary.status, summary.failed) == ("success", 0)
    assert summary.created == 2_000 - len(records) and summary.skipped == len(records)
    assert row_ids(custom_records(world)) == set(report_rows(world))


def test_a_republish_that_drops_a_column_during_the_read_fails_the_restarted_plan_on_the_layout(
    world: World,
    tmp_path: Path,
    server_page_size: Callable[[int], None],
) -> None:
    path, workflow = write_mapping(tmp_path)
    synthetic(world, 1_000)
    server_page_size(100)
    transport = RepublishingTransport(world, after={3}, drop="Flag")

    with pytest.raises(MappingError) as caught:
        run(world, workflow, odata=world.odata(transport=transport))

    assert caught.value.file == str(path) and caught.value.key_path == "columns[6].column", caught.value
    assert "'Flag' is not a column of report report900" in str(caught.value)
    assert world.watermark(WORKFLOW_ID) is None


# -- 7. layout drift -------------------------------------------------------------------------------


def _replace_column(index: int, **column: Any) -> list[dict[str, Any]]:
    columns = [dict(c) for c in COLUMNS]
    columns[index] = column
    return columns


@pytest.mark.parametrize(
    ("index", "column", "key_path", "fragments"),
    [
        pytest.param(
            3,
            {"column": "Amount_usd", "type": "decimal", "field": "custrecord_spp_rr_amount"},
            "columns[3].column",
            ["'Amount_usd' is not a column of report report900", "did you mean 'Amount'?"],
            id="missing-column",
        ),
        pytest.param(
            4,
            {"column": "Day", "type": "decimal"},
            "columns[4].type",
            ["column 'Day' is Edm.Date (date), not decimal"],
            id="wrong-type",
        ),
    ],
)
def test_a_mapping_that_does_not_fit_the_report_fails_before_any_netsuite_write(
    world: World, tmp_path: Path, index: int, column: dict[str, Any], key_path: str, fragments: list[str]
) -> None:
    path, workflow = write_mapping(tmp_path, columns=_replace_column(index, **column))
    synthetic(world, 300)
    world.ns_service.reset_counters()

    with pytest.raises(MappingError) as caught:
        run(world, workflow)

    error = caught.value
    assert (error.file, error.key_path) == (str(path), key_path)
    text = str(error)
    assert text.startswith(f"{path}: {key_path}: "), text
    for fragment in fragments:
        assert fragment in text, text
    assert netsuite_writes(world) == {"records_written": 0}
    assert custom_records(world) == {}
    assert world.watermark(WORKFLOW_ID) is None


def test_a_republish_that_drops_a_mapped_column_fails_the_next_run_before_any_write(
    world: World, tmp_path: Path
) -> None:
    path, workflow = write_mapping(tmp_path)
    synthetic(world, 300, change_pct=50)
    assert run(world, workflow).created == 300
    watermark = world.watermark(WORKFLOW_ID)
    refresh(world)  # changed rows: a run that got past the layout check would write them
    republish(world, drop="Flag")
    world.ns_service.reset_counters()

    with pytest.raises(MappingError) as caught:
        run(world, workflow)

    assert str(caught.value).startswith(f"{path}: columns[6].column: 'Flag' is not a column of report")
    assert netsuite_writes(world) == {"records_written": 0}
    assert world.watermark(WORKFLOW_ID) == watermark


def test_a_column_kind_the_custom_field_cannot_hold_is_refused_when_the_mapping_loads(
    tmp_path: Path,
) -> None:
    with pytest.raises(MappingError) as caught:
        write_mapping(
            tmp_path,
            columns=_replace_column(4, column="Day", type="decimal", field="custrecord_spp_rr_day"),
        )
    assert caught.value.key_path == "columns[4].type"
    assert "a decimal column cannot fill 'custrecord_spp_rr_day', a date field" in str(caught.value)


# -- 8. bad credentials ---------------------------------------------------------------------------


def _reader(world: World, password: str, **kwargs: Any) -> SppODataReader:
    s = world.services.spp_settings
    return SppODataReader(
        f"{world.spp_service.url}/odata/v4/reports", company=s.company, user=s.user, password=password,
        backoff_base_s=0.01, backoff_max_s=0.05, restart_wait_s=0.0, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize("credentials_from", [None, "Airflow connection 'spp_odata_default'"])
def test_a_wrong_odata_password_fails_the_run_naming_the_login_and_writes_nothing(
    world: World, tmp_path: Path, credentials_from: str | None
) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 100)
    world.ns_service.reset_counters()
    s = world.services.spp_settings
    wrong = "not-" + s.password

    with pytest.raises(SppODataAuthError) as caught:
        run(world, workflow, odata=_reader(world, wrong, credentials_from=credentials_from))

    text = str(caught.value)
    assert caught.value.code == 401
    assert repr(s.user) in text and repr(s.company) in text, text
    assert wrong not in text and s.password not in text
    if credentials_from:
        assert f"(credentials from {credentials_from})" in text, text
    else:
        assert "credentials from" not in text
    assert world.spp_service.stats()["odata"]["unauthorized"] >= 1
    assert netsuite_writes(world) == {"records_written": 0}
    assert custom_records(world) == {}
    assert world.watermark(WORKFLOW_ID) is None


# -- 9. the shipped OneView mappings over the seeded reports ---------------------------------------

SHIPPED = {
    # workflow: (select field -> (report column, entity it links))
    "oneview_project_profitability": {"custrecord_spp_pp_project": ("Project_ID", "project")},
    "oneview_utilisation": {"custrecord_spp_ut_employee": ("User_ID", "employee")},
    "oneview_backlog": {
        "custrecord_spp_bl_project": ("Project_ID", "project"),
        "custrecord_spp_bl_customer": ("Customer_ID", "customer"),
    },
}


@pytest.mark.parametrize("workflow_id", sorted(SHIPPED))
def test_a_shipped_oneview_mapping_writes_one_linked_custom_record_per_report_row(
    world: World, workflow_id: str
) -> None:
    workflow = world.workflow(workflow_id)
    assert workflow.report is not None
    report, type_id = workflow.report, registry.custom_record_type(workflow.report.record_type).internal_id
    world.run_upstream(workflow_id)
    world.ns_service.reset_counters()

    summary = world.run(workflow_id)

    rows = list(world.odata().iter_rows(report.resource))
    assert rows, f"{report.resource} has no rows in the seeded world"
    assert summary.status == "success", summary
    assert (summary.failed, summary.extracted, summary.created) == (0, len(rows), len(rows)), summary
    assert world.ns_service.written() == len(rows)
    records = custom_records(world, type_id)
    assert len(records) == len(rows)
    by_key = {report.row_key(r): r for r in rows}
    assert set(records) == {workflow.external_id_for(str(k)) for k in by_key}
    linked = {
        entity: {
            k: v.netsuite_id
            for k, v in world.state.xref_by_spp(
                entity, {str(r[column]) for r in rows if r.get(column) is not None}
            ).items()
        }
        for column, entity in SHIPPED[workflow_id].values()
    }
    pointed = 0
    for key, row in by_key.items():
        record = records[workflow.external_id_for(str(key))]
        assert active(record)
        fields = record["customFieldList"]
        for field, (column, entity) in SHIPPED[workflow_id].items():
            if row.get(column) is None:
                assert fields.get(field) in (None, {}), (key, field)
                continue
            netsuite_id = linked[entity].get(str(row[column]))
            assert netsuite_id, f"{entity} {row[column]} is not linked"
            assert fields[field]["internalId"] == netsuite_id, (key, field, fields[field])
            pointed += 1
    assert pointed >= len(rows)

    # a second run over the same report writes nothing
    world.ns_service.reset_counters()
    again = world.run(workflow_id)
    assert (again.status, again.skipped, again.created, again.updated) == ("success", len(rows), 0, 0)
    assert netsuite_writes(world) == {"records_written": 0}


# -- 10. dry run -----------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_leaves_no_state(world: World, tmp_path: Path) -> None:
    _, workflow = write_mapping(tmp_path)
    synthetic(world, 500)
    world.ns_service.reset_counters()

    summary = run(world, workflow, dry_run=True)

    assert summary.status == "dry_run" and summary.dry_run, summary
    assert summary.extracted == 500 and summary.failed == 0
    assert netsuite_writes(world) == {"records_written": 0}
    assert custom_records(world) == {}
    assert world.watermark(WORKFLOW_ID) is None
    assert world.state.hashed_ids(WORKFLOW_ID) == set()
    # the real run after it still has everything to write
    real = run(world, workflow)
    assert (real.status, real.created) == ("success", 500)
    assert len(custom_records(world)) == 500
