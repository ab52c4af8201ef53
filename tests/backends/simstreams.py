"""A simulated device for the stream pipelines: work queued on two streams runs only when the
host waits for it, in an adversarial order, so that a missing wait shows up as wrong data.

Operations are deferred closures: a copy reads its source when it *runs*, not when it is
queued, so a host buffer reused too early, or a device buffer overwritten before a kernel
read it, gives wrong results.  ``policy`` picks which stream runs ahead when both can:
``"copy-first"`` (transfers race ahead of kernels) or ``"compute-first"`` (kernels run as
early as their waits allow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class SimStreams:
    """:class:`gpu_laddu.backends.streams.StreamOps` with deferred, policy-ordered execution."""

    def __init__(self, policy: str) -> None:
        assert policy in ("copy-first", "compute-first")
        self.compute, self.copy = "compute", "copy"
        self.order = (self.copy, self.compute) if policy == "copy-first" else (self.compute, self.copy)
        self.queues: dict[str, list[tuple[str, Any]]] = {self.compute: [], self.copy: []}
        self.done = {self.compute: 0, self.copy: 0}
        self.host_waits = 0

    def enqueue(self, stream: str, fn: Callable[[], None]) -> None:
        self.queues[stream].append(("run", fn))

    def copy_async(self, dst: Any, src: Any, stream: str) -> None:
        self.enqueue(stream, lambda: dst.__setitem__(Ellipsis, src))

    def record(self, stream: str) -> tuple[str, int]:
        return stream, len(self.queues[stream])

    def wait(self, stream: str, event: tuple[str, int]) -> None:
        self.queues[stream].append(("wait", event))

    def host_wait(self, event: tuple[str, int]) -> None:
        self.host_waits += 1
        self._drain(lambda: self.done[event[0]] >= event[1])

    def synchronize(self) -> None:
        self._drain(lambda: all(self.done[s] == len(q) for s, q in self.queues.items()))

    def _drain(self, finished: Callable[[], bool]) -> None:
        while not finished():
            progressed = False
            for stream in self.order:
                queue = self.queues[stream]
                while self.done[stream] < len(queue) and not finished():
                    kind, arg = queue[self.done[stream]]
                    if kind == "wait" and self.done[arg[0]] < arg[1]:
                        break
                    if kind == "run":
                        arg()
                    self.done[stream] += 1
                    progressed = True
                if progressed:
                    break  # start again from the preferred stream
            if not progressed:
                raise RuntimeError("deadlock: both streams wait")


class DroppedWaits:
    """The same device with the stream waits on one stream ignored (a broken pipeline)."""

    def __init__(self, sim: SimStreams, stream: str | None = None, host: bool = False) -> None:
        self.sim, self.stream, self.host = sim, stream, host
        self.compute, self.copy = sim.compute, sim.copy

    def copy_async(self, dst: Any, src: Any, stream: str) -> None:
        self.sim.copy_async(dst, src, stream)

    def record(self, stream: str) -> tuple[str, int]:
        return self.sim.record(stream)

    def wait(self, stream: str, event: tuple[str, int]) -> None:
        if stream != self.stream:
            self.sim.wait(stream, event)

    def host_wait(self, event: tuple[str, int]) -> None:
        if not self.host:
            self.sim.host_wait(event)
