"""The benchmark's pure parts: the physical bound, the run figures, the targets and the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.probes import RssSampler
from bench.report import markdown_report, rerender, write_results
from bench.throughput import (
    BenchRun,
    Latency,
    check_targets,
    export_ideal_s,
    ideal_seconds,
    import_ideal_s,
    record_at_a_time_ideal_s,
    requests_per_system,
)

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
    checks = {c.name: c for c in check_targets(_runs(), dag_parse_s=0.3)}

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
