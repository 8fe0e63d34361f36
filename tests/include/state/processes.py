"""Running test workers in parallel spawned processes."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Sequence
from typing import Any

SPAWN = mp.get_context("spawn")


def run_all(target: Callable[..., None], args: Sequence[tuple[Any, ...]], timeout: float = 60) -> None:
    """Start one spawned process per args tuple, wait for all, fail if any of them failed."""
    procs = [SPAWN.Process(target=target, args=a) for a in args]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout)
    codes = [p.exitcode for p in procs]
    for p in procs:
        if p.is_alive():
            p.kill()
    assert codes == [0] * len(procs), f"worker exit codes {codes} (tracebacks are in the captured stderr)"
