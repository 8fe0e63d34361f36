"""The stack's process group starts an exited process again, as a process manager would, and gives up
with the process's log after too many exits."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from runtime.stack import ProcessGroup


def _wait_exited(group: ProcessGroup, name: str) -> None:
    deadline = time.monotonic() + 10
    while group.procs[name].poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_an_exited_process_is_started_again_and_a_running_one_left_alone(tmp_path: Path) -> None:
    group = ProcessGroup(tmp_path)
    group.start("crashy", [sys.executable, "-c", "print('up'); raise SystemExit(3)"], {})
    group.start("steady", [sys.executable, "-c", "import time; time.sleep(30)"], {})
    try:
        _wait_exited(group, "crashy")
        first = group.procs["crashy"]
        assert group.revive() == ["crashy"]
        assert group.procs["crashy"] is not first  # a new process, same command
        _wait_exited(group, "crashy")
        log = (tmp_path / "crashy.log").read_text()
        assert log.count("up") == 2 and "exited with 3: restarting" in log
        assert group.procs["steady"].poll() is None and group.restarts == {"crashy": 1}
    finally:
        group.stop()


def test_a_process_that_keeps_exiting_is_reported_with_its_log(tmp_path: Path) -> None:
    group = ProcessGroup(tmp_path)
    group.start("crashy", [sys.executable, "-c", "print('broken config'); raise SystemExit(2)"], {})
    try:
        for _ in range(2):
            _wait_exited(group, "crashy")
            assert group.revive(max_restarts=2) == ["crashy"]
        _wait_exited(group, "crashy")
        with pytest.raises(RuntimeError, match="crashy exited with 2(.|\n)*broken config"):
            group.revive(max_restarts=2)
    finally:
        group.stop()


def test_waiting_for_dags_stops_at_once_when_a_started_process_has_exited(tmp_path: Path) -> None:
    from runtime.stack import AirflowApi

    group = ProcessGroup(tmp_path)
    group.start(
        "api-server", [sys.executable, "-c", "print('address already in use'); raise SystemExit(1)"], {}
    )
    try:
        _wait_exited(group, "api-server")
        # the process's own error, not the TimeoutError of waiting out the minute
        with pytest.raises(RuntimeError, match="api-server exited with 1(.|\n)*address already in use"):
            AirflowApi("http://127.0.0.1:9").wait_for_dags(["any"], timeout_s=60, on_poll=group.check)
    finally:
        group.stop()
