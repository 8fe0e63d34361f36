"""Writing the benchmark's results: ``latest.json``, ``latest.md`` (tables) and ``throughput.png``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.throughput import (
    PARTS,
    BenchRun,
    TargetCheck,
    check_targets,
    netsuite_writes,
    requests_per_system,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def results_json(
    runs: list[BenchRun], dag_parse_s: float | None, targets: list[TargetCheck], meta: dict[str, Any]
) -> dict[str, Any]:
    """The document written to ``latest.json``."""
    return {
        **meta,
        "dag_parse_s": None if dag_parse_s is None else round(dag_parse_s, 3),
        "runs": [r.to_json() for r in runs],
        "targets": [t.to_json() for t in targets],
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _requests(run: BenchRun) -> str:
    return " / ".join(f"{run.requests.get(system, 0):,}" for system in ("netsuite", "spp"))


def _cpu(run: BenchRun) -> str:
    """All CPU seconds of the run (the local services' share in brackets) | cores busy on average."""
    if not run.cpu_s or not run.wall_s:
        return "– | –"
    total = sum(run.cpu_s.values())
    services = sum(v for k, v in run.cpu_s.items() if k.startswith("services"))
    return f"{total:,.1f} ({services:,.1f}) | {total / run.wall_s:.2f}"


def runs_table(runs: list[BenchRun]) -> str:
    """A markdown table of the runs, one row per run."""
    lines = [
        "| kind | workflow | records | pool | wall s | plan s | load s | ideal s | wall/ideal | records/s "
        "| peak concurrency | peak task RSS / USS MB | requests NS / SPP | CPU s (services) | cores busy "
        "| state |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r.kind} | {r.workflow} | {_fmt(r.records)} | {r.pool} | {_fmt(r.wall_s)} | {_fmt(r.plan_s)} "
            f"| {_fmt(r.load_s)} "
            f"| {_fmt(r.ideal_s)} | {_fmt(r.ratio, 2)} | {_fmt(r.records_per_s)} | {r.peak_concurrency} "
            f"| {_fmt(r.peak_rss_mb, 0)} / {_fmt(r.peak_uss_mb, 0)} | {_requests(r)} | {_cpu(r)} "
            f"| {r.state} |"
        )
    return "\n".join(lines)


def _operations(ops: dict[str, int]) -> str:
    return ", ".join(f"{op} {n:,}" for op, n in sorted(ops.items())) or "–"


def oneview_table(runs: list[BenchRun]) -> str:
    """The OneView runs' own figures: the OData side (SPP's counters), NetSuite writes, and the custom
    records of the target type in NetSuite after the run (active ones after the unchanged run)."""
    lines = [
        "| kind | records | pool | wall s | ideal s | wall/ideal | OData requests | OData pages "
        "| rows served | NetSuite writes | custom records in NetSuite | NetSuite requests by operation |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        if not r.kind.startswith("oneview"):
            continue
        odata = r.odata or {}
        lines.append(
            f"| {r.kind} | {_fmt(r.records)} | {r.pool} | {_fmt(r.wall_s)} | {_fmt(r.ideal_s)} "
            f"| {_fmt(r.ratio, 2)} | {_fmt(odata.get('requests'))} | {_fmt(odata.get('pages'))} "
            f"| {_fmt(odata.get('rows_served'))} | {_fmt(netsuite_writes(r.requests_by_operation))} "
            f"| {_fmt(r.target_records)} | {_operations(r.requests_by_operation.get('netsuite', {}))} |"
        )
    return "\n".join(lines)


def targets_table(targets: list[TargetCheck]) -> str:
    """A markdown table of the targets: met / missed / not measured."""
    lines = ["| target | wanted | measured | |", "|---|---|---|---|"]
    for t in targets:
        verdict = "not measured" if t.met is None else ("met" if t.met else "**missed**")
        lines.append(f"| {t.name} | {t.target} | {t.measured} | {verdict} |")
    return "\n".join(lines)


def markdown_report(
    runs: list[BenchRun], dag_parse_s: float | None, targets: list[TargetCheck], meta: dict[str, Any]
) -> str:
    """``latest.md``: settings, the runs table, the targets and the parse time."""
    settings = meta.get("settings", {})
    parts = meta.get("parts")
    only = f", only {', '.join(parts)}" if parts and set(parts) != set(PARTS) else ""
    lines = [
        f"# Throughput benchmark ({meta.get('mode', '?')} run{only}, {meta.get('generated_at', '')})",
        "",
        "Settings: " + ", ".join(f"{k} = {v}" for k, v in settings.items()),
        "",
        "Ideal bound: `ceil(ceil(N/B)/C) × (L + B·r)` (B records per request, C slots, L latency per "
        "request, r cost per record); wall = the DAG run's start → end from Airflow's REST API; plan = the "
        "planning task's duration; load = first load task start → last load task end (the two overlap: "
        "loads claim batches as the plan stages them). Requests are counted by the services "
        "(`/_emulator/stats`). CPU s = CPU seconds of every process of the stack during the run (tasks, "
        "scheduler and executor, API server, DAG processor, the local services); cores busy = CPU s / wall "
        "s, out of 2 on this machine.",
        "",
        runs_table(runs),
        "",
    ]
    if any(r.kind.startswith("oneview") for r in runs):
        lines += [
            "## OneView",
            "",
            "A SuiteProjects Pro published report read over OData v4 (the plan reads it whole, page by page) "
            "and upserted as NetSuite custom records by externalId; ideal = the exports' bound (the "
            "mapping's batch_size per upsertList, pool slots in flight). OData figures are SPP's counters "
            "(`odata` in `/_emulator/stats`); custom records = those of the target type in NetSuite after "
            "the run (after the unchanged run: the active ones).",
            "",
            oneview_table(runs),
            "",
        ]
    lines += [
        "## Targets",
        "",
        targets_table(targets),
        "",
        f"Time to parse every DAG file (DagBag over `dags/`): {_fmt(dag_parse_s, 2)} s.",
    ]
    notes = [f"- {r.kind} {r.records:,} pool {r.pool}: {r.note}" for r in runs if r.note]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


def throughput_chart(runs: list[BenchRun], path: Path) -> None:
    """Records/s against pool size: a line per export size (whole run, and load phase dotted), the
    bound dashed, the record-at-a-time baseline as crosses, imports as squares."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=110)
    exports = [r for r in runs if r.kind == "export"]
    sizes = sorted({r.records for r in exports})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, n in enumerate(sizes):
        mine = sorted((r for r in exports if r.records == n), key=lambda r: r.pool)
        color = colors[i % len(colors)]
        ax.plot(
            [r.pool for r in mine],
            [r.records_per_s for r in mine],
            "o-",
            color=color,
            label=f"export {n:,}: whole DAG run",
        )
        loads = [(r.pool, r.records / r.load_s) for r in mine if r.load_s]
        if loads:
            ax.plot(
                [p[0] for p in loads],
                [p[1] for p in loads],
                ":",
                color=color,
                label=f"export {n:,}: load phase only",
            )
    if sizes:
        # full waves make the bound the same rate for every N: draw it once, from the largest
        bound = sorted(
            (r.pool, r.records / r.ideal_s) for r in exports if r.records == sizes[-1] and r.ideal_s
        )
        ax.plot(
            [p[0] for p in bound],
            [p[1] for p in bound],
            "--",
            color="grey",
            label="bound: upsertList of 100, C slots",
        )
    baseline = [r for r in runs if r.kind == "record_at_a_time"]
    if baseline:
        ax.plot(
            [r.pool for r in baseline],
            [r.records_per_s for r in baseline],
            "x",
            markersize=9,
            color="black",
            label="1 record per request (" + ", ".join(f"{r.records:,}" for r in baseline) + ")",
        )
    oneviews = [r for r in runs if r.kind == "oneview"]
    if oneviews:
        ax.plot(
            [r.pool for r in oneviews],
            [r.records_per_s for r in oneviews],
            "D",
            color="tab:purple",
            alpha=0.8,
            label="OneView report rows (" + ", ".join(f"{r.records:,}" for r in oneviews) + ")",
        )
    imports = [r for r in runs if r.kind == "import"]
    if imports:
        ax.plot(
            [r.pool for r in imports],
            [r.records_per_s for r in imports],
            "s",
            color="grey",
            alpha=0.7,
            label="import customers (" + ", ".join(f"{r.records:,}" for r in imports) + ")",
        )
    ax.set_xlabel("netsuite pool slots (NetSuite requests in flight)")
    ax.set_ylabel("records / s")
    ax.set_yscale("log")
    pools = sorted({r.pool for r in runs if r.kind == "export"}) or [1, 5, 10]
    ax.set_xticks(pools)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title("NetSuite export throughput (200 ms/request + 2 ms/record, account limit 10)", fontsize=10)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def write_results(
    runs: list[BenchRun],
    dag_parse_s: float | None,
    targets: list[TargetCheck],
    meta: dict[str, Any],
    out_dir: Path = RESULTS_DIR,
) -> dict[str, Path]:
    """Write ``latest.json``, ``latest.md`` and ``throughput.png`` into ``out_dir``; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "latest.json", "md": out_dir / "latest.md", "png": out_dir / "throughput.png"}
    paths["json"].write_text(json.dumps(results_json(runs, dag_parse_s, targets, meta), indent=2) + "\n")
    paths["md"].write_text(markdown_report(runs, dag_parse_s, targets, meta))
    throughput_chart(runs, paths["png"])
    return paths


def rerender(out_dir: Path = RESULTS_DIR) -> dict[str, Path]:
    """Write ``latest.md`` and ``throughput.png`` again from ``latest.json`` (targets re-checked)."""
    doc = json.loads((out_dir / "latest.json").read_text())
    runs = [BenchRun.from_json(raw) for raw in doc.pop("runs")]
    for run in runs:
        if run.requests_by_operation:
            run.requests = requests_per_system(run.requests_by_operation)
    doc.pop("targets", None)
    parse_s = doc.pop("dag_parse_s", None)
    return write_results(runs, parse_s, check_targets(runs, parse_s), doc, out_dir)


if __name__ == "__main__":
    import sys

    for kind, path in rerender(Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS_DIR).items():
        print(f"{kind}: {path}")
