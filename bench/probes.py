"""What the benchmark observes from outside: the services' counters and the processes' memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil


@dataclass
class ServiceProbe:
    """A local service's ``/_emulator`` counters (requests by operation, peak concurrency)."""

    name: str
    url: str

    def reset_counters(self) -> None:
        """Zero the counters (and fault rules), keep the data: ``POST /_emulator/reset?data=0``."""
        httpx.post(f"{self.url}/_emulator/reset", params={"data": "0"}, timeout=30).raise_for_status()

    def stats(self) -> dict[str, Any]:
        resp = httpx.get(f"{self.url}/_emulator/stats", timeout=30)
        resp.raise_for_status()
        return resp.json()


@dataclass
class ProcessPeak:
    """The largest resident set one process reached."""

    pid: int
    rss_mb: float
    depth: int
    name: str
    uss_mb: float = 0.0  # memory only this process holds (RSS also counts pages shared after fork)


@dataclass
class RssSampler:
    """Samples the resident set size of a process tree every ``interval_s`` on a thread.

    Task processes are the descendants at ``task_depth`` or deeper below ``root_pid``: under
    Airflow's LocalExecutor the scheduler forks executor workers (depth 1), which fork one
    supervised process per task instance (depth 2). For a plain script use ``task_depth=0``
    (the root itself counts).
    """

    root_pid: int
    interval_s: float = 0.2
    task_depth: int = 2
    peaks: dict[int, ProcessPeak] = field(default_factory=dict)
    samples: int = 0
    # CPU seconds per process: at first sight (only for those alive at the first sample) and last
    cpu_first: dict[int, float] = field(default_factory=dict)
    cpu_last: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _sample(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        depth = {self.root_pid: 0}
        for proc in tree[1:]:
            try:
                parent = proc.ppid()
            except psutil.Error:
                continue
            depth[proc.pid] = depth.get(parent, 0) + 1
        for proc in tree:
            try:
                mem = proc.memory_full_info()
                rss, uss = mem.rss / 2**20, mem.uss / 2**20
                name = proc.name()
                times = proc.cpu_times()
            except psutil.Error:
                continue
            cpu = times.user + times.system + times.children_user + times.children_system
            if self.samples == 0:
                self.cpu_first[proc.pid] = cpu
            self.cpu_last[proc.pid] = cpu
            known = self.peaks.get(proc.pid)
            if known is None:
                self.peaks[proc.pid] = ProcessPeak(proc.pid, rss, depth.get(proc.pid, 1), name, uss)
            else:
                known.rss_mb, known.uss_mb = max(known.rss_mb, rss), max(known.uss_mb, uss)
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def start(self) -> RssSampler:
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def peak_task_mb(self) -> float:
        """The largest RSS of any task process seen (0 when none was seen)."""
        return max((p.rss_mb for p in self.peaks.values() if p.depth >= self.task_depth), default=0.0)

    def peak_task_uss_mb(self) -> float:
        """The largest USS (memory not shared with any other process) of any task process."""
        return max((p.uss_mb for p in self.peaks.values() if p.depth >= self.task_depth), default=0.0)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used during the sampling: by task processes, and by the rest of the tree."""
        tasks = rest = 0.0
        for pid, last in self.cpu_last.items():
            used = last - self.cpu_first.get(pid, 0.0)
            if pid in self.peaks and self.peaks[pid].depth >= self.task_depth:
                tasks += used
            else:
                rest += used
        return {"tasks": round(tasks, 1), "scheduler_and_executor": round(rest, 1)}

    def by_depth(self) -> dict[int, dict[str, Any]]:
        """Per depth below the root: how many processes were seen and their largest RSS / USS."""
        out: dict[int, dict[str, Any]] = {}
        for p in self.peaks.values():
            row = out.setdefault(p.depth, {"processes": 0, "rss_mb": 0.0, "uss_mb": 0.0, "names": set()})
            row["processes"] += 1
            row["rss_mb"] = round(max(row["rss_mb"], p.rss_mb), 1)
            row["uss_mb"] = round(max(row["uss_mb"], p.uss_mb), 1)
            row["names"].add(p.name)
        for row in out.values():
            row["names"] = sorted(row["names"])
        return dict(sorted(out.items()))

    def task_processes(self) -> int:
        return sum(1 for p in self.peaks.values() if p.depth >= self.task_depth)
