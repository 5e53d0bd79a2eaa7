"""Execute chapters top to bottom in fresh kernels; print each one's time and peak memory.

Usage: python tools/run_chapter.py book/lab-mnist.md [book/other.md ...]

Exits non-zero naming the chapter and the cell when a cell raises. The peak memory is
the kernel's resident set size, sampled every 50 ms, children included.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jupytext
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
# Kernels run with one intra-op thread each, as in the book build (tools/build_book.py).
for _name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


@dataclass
class Run:
    chapter: str
    seconds: float
    peak_rss_mb: float
    notebook: object


def _peak_rss(pid: int, stop: threading.Event, out: list[float]) -> None:
    peak = 0
    try:
        proc = psutil.Process(pid)
        while not stop.is_set():
            rss = proc.memory_info().rss + sum(
                c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
            stop.wait(0.05)
    except psutil.Error:
        pass
    out.append(peak / 2**20)


def execute(path: str | Path, *, timeout: int = 600) -> Run:
    """Run one chapter (``.md`` or ``.ipynb``) in a fresh kernel, in its own folder."""
    path = Path(path).resolve()
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), []
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        watcher = threading.Thread(target=_peak_rss, args=(pid, stop, peak), daemon=True)
        watcher.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            stop.set()
            watcher.join()
    return Run(str(path.relative_to(ROOT)), time.perf_counter() - start, peak[0], nb)


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
