"""Worker processes converting blocks of an export's lines (codec_blocks.answer) in parallel.

Converting is pure CPU and Python holds one core at a time, so a large download's blocks go to a
few `python -m ddbconsole.codec_blocks` processes (standard library only: each starts in a few
hundred milliseconds), over pipes, in turn; every answer comes back in the order it was asked for.
A worker answers a block converted, or None when the block is not in the shape the fast path
takes (the caller then goes line by line). A worker that cannot start, or stops, answers GONE for
its blocks: the caller converts them itself, so a worker can make a download faster but never
makes it fail.
Nothing here talks to AWS: the parent reads S3 (through the session and its read-only guard).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
from collections import deque
from dataclasses import dataclass, field

from ddbconsole.codec_blocks import FRAME, REFUSED

WORKERS = 2  # at most; never more than the machine's cores
GONE = b""  # the answer of a worker that stopped (a real answer is never empty)


def worker_count() -> int:
    """How many workers a large download uses here (0: convert in this process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = min(WORKERS, cores or 1)
    return count if count > 1 else 0


@dataclass
class _Worker:
    process: asyncio.subprocess.Process
    waiting: deque[asyncio.Future[bytes | None]] = field(default_factory=deque)
    reader: asyncio.Task[None] | None = None
    alive: bool = True


class BlockWorkers:
    """`await submit(request)` gives a future of the block converted, None (refused: go line by
    line) or GONE (no worker: convert it yourself)."""

    def __init__(self, workers: list[_Worker]) -> None:
        self._workers = workers
        self._turn = itertools.cycle(workers)

    @classmethod
    async def start(cls, count: int) -> BlockWorkers | None:
        """`count` workers, or None when none could start."""
        workers: list[_Worker] = []
        pool = cls(workers)
        try:
            for _ in range(count):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "ddbconsole.codec_blocks",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL,  # never onto the console's screen
                )
                workers.append(_Worker(process))
                workers[-1].reader = asyncio.create_task(pool._answers(workers[-1]))
        except OSError:
            pass  # as many as started (a worker is an optimisation)
        except BaseException:  # cancelled while starting: none is left behind
            pool.kill()
            await pool.close()
            raise
        if not workers:
            return None
        pool._turn = itertools.cycle(workers)
        return pool

    async def submit(self, request: bytes) -> asyncio.Future[bytes | None]:
        """Send `request` (see codec_blocks.FRAME) to the next worker; the future is its answer."""
        answer: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        for _ in range(len(self._workers)):
            worker = next(self._turn)
            if not worker.alive:
                continue
            stdin = worker.process.stdin
            assert stdin is not None
            worker.waiting.append(answer)
            try:
                stdin.write(FRAME.pack(len(request)) + request)
                await stdin.drain()
            except (ConnectionError, RuntimeError):
                self._stopped(worker)  # the answer (already waiting) is GONE
            return answer
        answer.set_result(GONE)
        return answer

    async def _answers(self, worker: _Worker) -> None:
        stdout = worker.process.stdout
        assert stdout is not None
        try:
            while True:
                (size,) = FRAME.unpack(await stdout.readexactly(FRAME.size))
                converted = None if size == REFUSED else await stdout.readexactly(size)
                answer = worker.waiting.popleft()
                if not answer.done():
                    answer.set_result(converted)
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            self._stopped(worker)

    def _stopped(self, worker: _Worker) -> None:
        worker.alive = False
        while worker.waiting:
            answer = worker.waiting.popleft()
            if not answer.done():
                answer.set_result(GONE)

    async def close(self) -> None:
        """End every worker: its input closed (it finishes and exits), then killed if it lingers."""
        for worker in self._workers:
            stdin = worker.process.stdin
            if stdin is not None:
                stdin.close()
        for worker in self._workers:
            try:
                await asyncio.wait_for(worker.process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    worker.process.kill()
                await worker.process.wait()
            except asyncio.CancelledError:
                self.kill()
                raise
            if worker.reader is not None:
                worker.reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker.reader
            self._stopped(worker)

    def kill(self) -> None:
        """Stop every worker at once (a failed or cancelled download)."""
        for worker in self._workers:
            with contextlib.suppress(ProcessLookupError):
                worker.process.kill()
