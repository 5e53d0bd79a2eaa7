"""A chapter in a reader's kernel, with PyTorch's default threads and with setup_kernel.

Usage: python benchmarks/bench_threads.py [book/lab-mnist.md] [--busy N] [--repeat R]

Executes the chapter in fresh kernels started as Binder, Colab or a laptop start them:
no ``OMP_NUM_THREADS``, no GPU visible. Once with its first cell's ``setup_kernel()``
call left out (PyTorch's default: one thread per core) and once as written (one
thread), while ``N`` other processes (default 1) keep one core each busy, as anything
else running on the machine would. Prints the seconds of each run and the threads the
kernel used; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from run_chapter import SocketFileKernelManager  # noqa: E402
CALL = re.compile(r"^setup_kernel\(\).*$", re.MULTILINE)
BUSY = "while True:\n    pass\n"


def run(path: Path, *, default_threads: bool) -> tuple[float, int]:
    """Seconds to execute ``path`` in a fresh reader's kernel, and its thread count."""
    nb = jupytext.read(path)
    if default_threads:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = CALL.sub("pass  # PyTorch's default threads", cell.source)
    nb.cells.append(nbformat.v4.new_code_cell("import torch\nprint(torch.get_num_threads())"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    env["CUDA_VISIBLE_DEVICES"] = ""
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            kernel_manager_class=SocketFileKernelManager,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    return seconds, int(nb.cells[-1].outputs[0]["text"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapter", nargs="?", default="book/lab-mnist.md")
    parser.add_argument("--busy", type=int, default=1, help="busy processes beside it")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each setting")
    args = parser.parse_args(argv)
    path = (ROOT / args.chapter).resolve()
    if not CALL.search(path.read_text(encoding="utf-8")):
        sys.exit(f"{args.chapter} does not call setup_kernel(): nothing to compare")
    busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
    try:
        print(f"{args.chapter}, {os.cpu_count()} cores, {args.busy} busy process(es)")
        for _ in range(args.repeat):
            for default in (True, False):
                seconds, threads = run(path, default_threads=default)
                label = "PyTorch's default" if default else "setup_kernel()"
                print(f"  {label:18s} {threads} thread(s): {seconds:7.1f} s", flush=True)
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
