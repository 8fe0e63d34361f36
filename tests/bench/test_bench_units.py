"""The benchmark's pure parts: the physical bound, the run figures, the targets and the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.harness import stage_mappings
from bench.probes import RssSampler
from bench.report import markdown_report, rerender, write_results
from bench.run import parse_parts
from bench.throughput import (
    PARTS,
    BenchRun,
    Latency,
    check_targets,
    export_ideal_s,
    ideal_seconds,
    import_ideal_s,
    netsuite_writes,
    odata_figures,
    oneview_ideal_s,
    record_at_a_time_ideal_s,
    requests_per_system,
)
from include.mapping.loader import load_workflows
from include.paths import MAPPINGS_DIR

NETSUITE = Latency(0.2, 0.002)
SPP = Latency(0.05, 0.0001)


# -- the bound ---------------------------------------------------------------------------------
def test_one_full_wave_costs_one_request_of_a_full_batch() -> None:
    # 1,000 records = 10 requests of 100; 10 slots carry them in one wave of 0.2 + 100 × 0.002 s
    assert ideal_seconds(1_000, 100, 10, NETSUITE) == pytest.approx(0.4)


def test_waves_round_up_on_requests_and_on_slots() -> None:
    # 1,001 records = 11 requests; 10 slots need 2 waves
    assert ideal_seconds(1_001, 100, 10, NETSUITE) == pytest.approx(0.8)
    # 10,000 records on one slot: 100 sequential requests
    assert ideal_seconds(10_000, 100, 1, NETSUITE) == pytest.approx(40.0)
    # 5 slots: 20 waves
    assert ideal_seconds(10_000, 100, 5, NETSUITE) == pytest.approx(8.0)


def test_issue_figures_for_exports_at_100k() -> None:
    assert export_ideal_s(100_000, 10, NETSUITE) == pytest.approx(40.0)
    assert export_ideal_s(100_000, 1, NETSUITE) == pytest.approx(400.0)


def test_nothing_to_move_costs_nothing() -> None:
    assert ideal_seconds(0, 100, 10, NETSUITE) == 0.0


@pytest.mark.parametrize("records, batch, slots", [(-1, 100, 1), (10, 0, 1), (10, 100, 0)])
def test_impossible_arguments_are_refused(records: int, batch: int, slots: int) -> None:
    with pytest.raises(ValueError):
        ideal_seconds(records, batch, slots, NETSUITE)


def test_record_at_a_time_pays_the_latency_per_record() -> None:
    # 1,000 single-record requests, 10 in flight: 100 waves of 0.202 s
    assert record_at_a_time_ideal_s(1_000, 10, NETSUITE) == pytest.approx(20.2)


def test_import_bound_reads_netsuite_on_one_thread_then_writes_spp() -> None:
    # 10 search pages of 1000 (2.2 s each, sequential) + 10 SPP writes of 1000 (0.15 s) in 1 wave of 16
    assert import_ideal_s(10_000, NETSUITE, SPP, 16) == pytest.approx(10 * 2.2 + 0.15)


# -- one run's figures -------------------------------------------------------------------------
def test_ratio_and_rate_come_from_wall_and_bound() -> None:
    run = BenchRun("export", 10_000, 10, wall_s=8.0, ideal_s=4.0)

    assert run.ratio == 2.0
    assert run.records_per_s == 1_250.0
    assert BenchRun("noop", 0, 10, wall_s=3.0, ideal_s=0.0).ratio is None


def test_json_form_has_the_issue_fields_and_round_trips() -> None:
    run = BenchRun("export", 1_000, 5, wall_s=12.35, ideal_s=0.8, peak_concurrency=5, peak_rss_mb=210.5,
                   requests={"netsuite": 10, "spp": 14})  # fmt: skip
    raw = run.to_json()

    for key in (
        "kind",
        "records",
        "pool",
        "wall_s",
        "ideal_s",
        "ratio",
        "peak_concurrency",
        "peak_rss_mb",
        "requests",
    ):
        assert key in raw
    assert raw["wall_s"] == 12.35
    assert raw["ratio"] == pytest.approx(15.43, abs=0.01)
    assert BenchRun.from_json(json.loads(json.dumps(raw))) == run


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown run kind"):
        BenchRun("sideways", 1, 1, 1.0, 1.0)


# -- targets -----------------------------------------------------------------------------------
def _runs() -> list[BenchRun]:
    return [
        BenchRun("export", 10_000, 1, wall_s=50.0, ideal_s=40.0, peak_concurrency=1),
        BenchRun("export", 10_000, 10, wall_s=5.0, ideal_s=4.0, peak_concurrency=10),
        BenchRun("export", 100_000, 10, wall_s=52.0, ideal_s=40.0, peak_concurrency=10, peak_rss_mb=380.0),
        BenchRun("import", 100_000, 10, wall_s=300.0, ideal_s=221.0, peak_concurrency=1, peak_rss_mb=390.0),
        BenchRun("noop", 0, 10, wall_s=4.0, ideal_s=0.0, requests={"netsuite": 0, "spp": 2}),
    ]


def test_targets_met_are_reported_met() -> None:
    checks = {c.name: c for c in check_targets([*_runs(), *_oneview_runs()], dag_parse_s=0.3)}

    assert all(c.met for c in checks.values()), checks
    assert checks["speedup 10 slots vs 1 at 10,000"].measured == "10.0x"
    assert checks["wall/ideal at 100,000, 10 slots"].measured == "1.30"


def test_targets_missed_say_by_how_much() -> None:
    runs = _runs()
    runs[1].wall_s = 10.0  # speedup 5x
    runs[1].peak_concurrency = 11
    runs[4].requests = {"netsuite": 0, "spp": 15}
    checks = {c.name: c for c in check_targets(runs, dag_parse_s=2.5)}

    assert checks["speedup 10 slots vs 1 at 10,000"].met is False
    assert checks["speedup 10 slots vs 1 at 10,000"].measured == "5.0x"
    assert checks["peak concurrency <= pool size"].measured == "1 runs above (by up to 1)"
    assert checks["unchanged incremental run"].met is False
    assert "15" in checks["unchanged incremental run"].measured
    assert checks["all DAG files parse"].met is False


def test_targets_without_their_runs_are_not_measured() -> None:
    quick = [r for r in _runs() if r.records != 100_000]
    checks = {c.name: c for c in check_targets(quick, dag_parse_s=None)}

    assert checks["wall/ideal at 100,000, 10 slots"].met is None
    assert checks["peak task RSS at 100,000"].met is None
    assert checks["all DAG files parse"].met is None


# -- reports -----------------------------------------------------------------------------------
def test_results_files_are_written(tmp_path: Path) -> None:
    runs = [
        *_runs(),
        BenchRun("export", 10_000, 5, wall_s=9.0, ideal_s=8.0, peak_concurrency=5),
        BenchRun("record_at_a_time", 1_000, 10, wall_s=21.0, ideal_s=20.2, peak_concurrency=10),
    ]
    checks = check_targets(runs, 0.3)
    paths = write_results(
        runs, 0.3, checks, {"mode": "quick", "settings": {"netsuite_latency": "200 ms"}}, tmp_path
    )

    doc = json.loads(paths["json"].read_text())
    assert doc["dag_parse_s"] == 0.3
    assert doc["mode"] == "quick"
    assert [r["kind"] for r in doc["runs"]] == [r.kind for r in runs]
    assert len(doc["targets"]) == len(checks)
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = paths["md"].read_text()
    assert "| export | " in table and "| record_at_a_time | " in table
    assert "## Targets" in table


def test_markdown_marks_missed_targets() -> None:
    runs = _runs()
    runs[4].requests = {"netsuite": 0, "spp": 15}
    text = markdown_report(runs, 0.3, check_targets(runs, 0.3), {"mode": "full"})

    assert "**missed**" in text
    assert "ceil(ceil(N/B)/C)" in text


# -- memory sampling ---------------------------------------------------------------------------
def test_sampler_sees_the_root_and_its_children_by_depth() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        sampler = RssSampler(os.getpid(), task_depth=1)
        sampler._sample()
    finally:
        child.kill()
        child.wait()

    depths = sampler.by_depth()
    assert depths[0]["processes"] == 1
    assert depths[1]["processes"] >= 1
    assert sampler.peak_task_mb() > 0


def test_spp_requests_are_counted_by_their_auth_commands() -> None:
    by_op = {"netsuite": {"getServerTime": 1, "search": 1}, "spp": {"Auth": 21, "Read": 2000, "Add": 5}}

    assert requests_per_system(by_op) == {"netsuite": 2, "spp": 21}


def test_results_can_be_rendered_again_from_the_json(tmp_path: Path) -> None:
    run = BenchRun("noop", 0, 10, wall_s=4.0, ideal_s=0.0, requests={"netsuite": 0, "spp": 279},
                   requests_by_operation={"netsuite": {}, "spp": {"Auth": 2, "Read": 277}})  # fmt: skip
    write_results([run], 0.2, check_targets([run], 0.2), {"mode": "quick"}, tmp_path)

    rerender(tmp_path)

    doc = json.loads((tmp_path / "latest.json").read_text())
    assert doc["runs"][0]["requests"] == {"netsuite": 0, "spp": 2}
    assert doc["mode"] == "quick"
    assert "2 requests per system" in (tmp_path / "latest.md").read_text()


# -- OneView -----------------------------------------------------------------------------------
def test_oneview_bound_is_the_exports_bound_with_the_mappings_batch() -> None:
    assert (
        oneview_ideal_s(100_000, 10, NETSUITE) == export_ideal_s(100_000, 10, NETSUITE) == pytest.approx(40.0)
    )
    assert oneview_ideal_s(10_000, 10, NETSUITE, batch=100) == pytest.approx(4.0)
    # a smaller batch_size: more, cheaper requests (2,000 of 0.3 s in 200 waves)
    assert oneview_ideal_s(100_000, 10, NETSUITE, batch=50) == pytest.approx(200 * 0.3)


def test_netsuite_writes_count_write_operations_only() -> None:
    by_op = {
        "netsuite": {"upsertList": 20, "getServerTime": 1, "search": 3, "deleteList": 2},
        "spp": {"OData": 5, "Add": 9},
    }

    assert netsuite_writes(by_op) == 22
    assert netsuite_writes({"netsuite": {"getServerTime": 1}}) == 0
    assert netsuite_writes({}) == 0


def test_odata_figures_come_from_spps_odata_counters() -> None:
    stats = {"requests": {"OData": 12}, "odata": {"requests_total": 12, "pages": 10, "rows_served": 9_500,
             "gone": 0, "peak_concurrency": 1}}  # fmt: skip

    assert odata_figures(stats) == {"requests": 12, "pages": 10, "rows_served": 9_500, "gone": 0}
    assert odata_figures({}) == {"requests": 0, "pages": 0, "rows_served": 0, "gone": 0}


def _oneview_runs(records: int = 100_000) -> list[BenchRun]:
    return [
        BenchRun("oneview", records, 10, wall_s=55.0, ideal_s=oneview_ideal_s(records, 10, NETSUITE),
                 peak_concurrency=10, peak_rss_mb=350.0, target_records=records,
                 odata={"requests": 102, "pages": 100, "rows_served": records, "gone": 0},
                 requests_by_operation={"netsuite": {"upsertList": records // 100}, "spp": {"OData": 102}}),
        BenchRun("oneview_noop", 0, 10, wall_s=20.0, ideal_s=0.0, target_records=records,
                 requests_by_operation={"netsuite": {}, "spp": {"OData": 102}}),
    ]  # fmt: skip


def test_oneview_targets_met() -> None:
    checks = {c.name: c for c in check_targets(_oneview_runs(), dag_parse_s=0.3)}

    ratio = checks["OneView wall/ideal at 100,000, 10 slots"]
    assert (ratio.measured, ratio.met) == ("1.38", True)
    assert checks["OneView peak task RSS at 100,000"].met is True
    assert checks["OneView rows written at 100,000"].met is True
    assert checks["unchanged OneView run"].measured == "0 NetSuite writes"
    assert checks["unchanged OneView run"].met is True
    # OneView's noop reads the report whole: it is not held to the exports' 2-requests target
    assert checks["unchanged incremental run"].met is None


def test_oneview_targets_missed() -> None:
    runs = _oneview_runs()
    runs[0].wall_s, runs[0].peak_rss_mb, runs[0].target_records = 80.0, 420.0, 99_000
    runs[0].peak_concurrency = 11
    runs[1].requests_by_operation = {"netsuite": {"upsertList": 3}}
    checks = {c.name: c for c in check_targets(runs, dag_parse_s=0.3)}

    assert checks["OneView wall/ideal at 100,000, 10 slots"].met is False
    assert checks["OneView peak task RSS at 100,000"].measured == "420 MB"
    assert checks["OneView peak task RSS at 100,000"].met is False
    assert checks["OneView rows written at 100,000"].measured == "99,000 custom records for 100,000 rows"
    assert checks["OneView rows written at 100,000"].met is False
    assert checks["unchanged OneView run"].met is False
    assert checks["peak concurrency <= pool size"].met is False


def test_oneview_ratio_is_judged_at_the_large_size_only() -> None:
    checks = {c.name: c for c in check_targets(_oneview_runs(10_000), dag_parse_s=0.3)}

    ratio = checks["OneView wall/ideal at 10,000, 10 slots"]
    assert ratio.met is None and ratio.measured.startswith("13.75 (judged at 100,000")
    assert checks["OneView peak task RSS at 10,000"].met is True  # memory is judged at any size


def test_oneview_targets_without_a_oneview_run_are_not_measured() -> None:
    checks = {c.name: c for c in check_targets(_runs(), dag_parse_s=0.3)}

    for name in (
        "OneView wall/ideal",
        "OneView peak task RSS",
        "OneView rows written",
        "unchanged OneView run",
    ):
        assert checks[name].met is None


def test_oneview_runs_get_their_own_table_and_survive_a_rerender(tmp_path: Path) -> None:
    runs = _oneview_runs(2_000)
    write_results(runs, None, check_targets(runs, None), {"mode": "custom", "parts": ["oneview"]}, tmp_path)
    rerender(tmp_path)

    text = (tmp_path / "latest.md").read_text()
    assert "only oneview" in text
    assert "## OneView" in text
    assert (
        "| oneview | 2,000 | 10 | 55.0 | 0.8 | 68.75 | 102 | 100 | 2,000 | 20 | 2,000 | upsertList 20 |"
        in text
    )
    assert "| oneview_noop | 0 | 10 | 20.0 | 0.0 | – | – | – | – | 0 | 2,000 | – |" in text
    doc = json.loads((tmp_path / "latest.json").read_text())
    assert doc["runs"][0]["odata"]["pages"] == 100
    assert doc["runs"][0]["target_records"] == 2_000
    assert doc["runs"][1]["requests"] == {"netsuite": 0, "spp": 102}  # OData requests: SPP has no Auth here


def test_exports_only_reports_have_no_oneview_table() -> None:
    assert "## OneView" not in markdown_report(_runs(), 0.3, check_targets(_runs(), 0.3), {"mode": "full"})


# -- the bench's own mappings and parts --------------------------------------------------------
def test_mappings_are_staged_with_the_benchmarks_own(tmp_path: Path) -> None:
    dest = tmp_path / "mappings"
    dest.mkdir()
    (dest / "stale.yaml").write_text("old")

    staged = stage_mappings(dest)

    shipped = sorted(str(p.relative_to(MAPPINGS_DIR)) for p in MAPPINGS_DIR.rglob("*.y*ml"))
    assert staged == sorted([*shipped, "oneview_synthetic.yaml"])
    assert not (dest / "stale.yaml").exists()
    workflows, errors = load_workflows(dest)
    assert not errors, errors
    oneview = workflows["oneview_synthetic"]
    assert oneview.report is not None
    assert (oneview.batch_size, oneview.report.record_type_id, oneview.schedule) == (100, "104", None)


def test_staging_keeps_the_shipped_subfolders(tmp_path: Path) -> None:
    shipped, ours = tmp_path / "shipped", tmp_path / "ours"
    (shipped / "groups").mkdir(parents=True)
    ours.mkdir()
    (shipped / "a.yaml").write_text("x")
    (shipped / "groups" / "g.yaml").write_text("members: [a]")
    (ours / "b.yaml").write_text("y")
    (ours / "notes.txt").write_text("not a mapping")

    assert stage_mappings(tmp_path / "dest", shipped, ours) == ["a.yaml", "b.yaml", "groups/g.yaml"]
    assert not (tmp_path / "dest" / "notes.txt").exists()


def test_a_benchmark_mapping_may_not_replace_a_shipped_one(tmp_path: Path) -> None:
    shipped, ours = tmp_path / "shipped", tmp_path / "ours"
    shipped.mkdir()
    ours.mkdir()
    (shipped / "a.yaml").write_text("x")
    (ours / "a.yaml").write_text("y")

    with pytest.raises(ValueError, match="would replace"):
        stage_mappings(tmp_path / "dest", shipped, ours)


def test_only_selects_parts_in_their_order() -> None:
    assert parse_parts("") == PARTS
    assert parse_parts("oneview") == ("oneview",)
    assert parse_parts(" OneView, export ") == ("export", "oneview")
    with pytest.raises(ValueError, match="unknown part"):
        parse_parts("oneveiw")
