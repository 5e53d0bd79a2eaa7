"""Execute chapters top to bottom in fresh kernels; print each one's time and peak memory.

Usage: python tools/run_chapter.py book/lab-mnist.md [book/other.md ...]

Exits non-zero naming the chapter and the cell when a cell raises. The peak memory is
the kernel's resident set size, sampled every 50 ms, children included.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import psutil
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
# Kernels run with one intra-op thread each, as in the book build (tools/build_book.py).
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


class SocketFileKernelManager(AsyncKernelManager):
    """A kernel reached through Unix socket files in a folder of its own.

    Jupyter's default transport picks five free TCP ports, closes them and hands them to
    the kernel, which binds them a moment later: anything on the machine that opens a
    port in between (another kernel starting beside it, a test's server, a browser) can
    take one, and the kernel dies before it replies ("Address already in use"). Socket
    files in a private folder cannot be taken, and the folder goes with the kernel. On a
    system without Unix sockets the default transport is kept.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._folder = None
        if os.name == "posix":
            self._folder = tempfile.mkdtemp(prefix="kernel-")
            self.transport = "ipc"
            self.connection_file = os.path.join(self._folder, "kernel.json")
            self.ip = os.path.join(self._folder, "socket")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if self._folder is not None and not restart:
            shutil.rmtree(self._folder, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources  # as AsyncKernelManager names it


@dataclass
class Run:
    chapter: str
    seconds: float
    peak_rss_mb: float
    notebook: object


class PeakRSS:
    """The peak resident set size of a process and its children, in MiB, sampled every
    50 ms by a thread from :meth:`start` to :meth:`stop`."""

    def __init__(self):
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.mb = 0.0

    def start(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._watch, args=(pid,), daemon=True)
        self._thread.start()

    def stop(self) -> float:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.mb

    def _watch(self, pid: int) -> None:
        try:
            proc = psutil.Process(pid)
            while not self._stop.is_set():
                rss = proc.memory_info().rss + sum(
                    c.memory_info().rss for c in proc.children(recursive=True))
                self.mb = max(self.mb, rss / 2**20)
                self._stop.wait(0.05)
        except psutil.Error:
            pass  # the kernel has ended


def execute(path: str | Path, *, timeout: int = 600) -> Run:
    """Run one chapter (``.md`` or ``.ipynb``) in a fresh kernel, in its own folder."""
    path = Path(path).resolve()
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            kernel_manager_class=SocketFileKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    peak = PeakRSS()
    start = time.perf_counter()
    with client.setup_kernel():
        peak.start(client.km.provisioner.process.pid)
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            peak.stop()
    return Run(str(path.relative_to(ROOT)), time.perf_counter() - start, peak.mb, nb)


def main(paths: list[str]) -> int:
    failed = 0
    for p in paths:
        try:
            run = execute(p)
        except CellExecutionError as err:
            print(f"{p}: FAILED\n{err}", file=sys.stderr)
            failed += 1
            continue
        print(f"{run.chapter:32s} {run.seconds:6.1f} s  peak {run.peak_rss_mb:7.0f} MB",
              flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
