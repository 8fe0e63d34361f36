"""Read ahead: the next source pages arrive while the current chunk is being planned.

A source read is mostly waiting (NetSuite answers a search page of 1000 in about two seconds),
planning a chunk is mostly CPU. One background thread iterates the source and hands chunks over
through a small bounded queue, so the two overlap, memory stays bounded (``depth`` chunks ahead),
and the source still sees one request at a time (imports use one NetSuite thread).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``items`` on a background thread, at most ``depth`` items ahead of the caller.

    An exception raised by ``items`` is raised here, where the caller reaches it; a caller that
    stops early (or fails) stops the reader at its next item.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            put(_Failed(exc))

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join(timeout=5)
