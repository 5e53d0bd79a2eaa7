"""Build the book strictly, and say which chapter and which cell broke it.

Usage: python tools/build_book.py [--root BOOK_ROOT] [jupyter-book build flags]

Runs ``jupyter-book build`` on the book root (the repository root by default), passing
its output through. When a chapter's cell raises, MyST-NB stops the build
(``nb_execution_raise_on_error``); this script then ends with a short summary naming
the chapter's source file, the cell that raised and the error, and exits non-zero.
Warnings (broken links, missing images, ...) are listed again at the end, each with
the chapter it comes from, because a strict build fails on any of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Chapters execute one at a time, beside Sphinx, with one intra-op thread each: the
# book's models are small, and two threads per operation on two cores lose more to
# synchronisation than they gain, and far more as soon as anything else runs.
KERNEL_THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILED = re.compile(r"^(\S+\.(?:md|ipynb)): WARNING: Executing notebook failed")
WARNING = re.compile(r"^(\S+?\.(?:md|ipynb|rst|bib))(:\d*)?: (WARNING|ERROR): (.*)$")
# nbclient's words before the source of the cell that raised, or that timed out
CELL_START = ("An error occurred while executing the following cell:",
              "Here is a preview of the cell contents:")
TIMEOUT = re.compile(r"CellTimeoutError: (A cell timed out .*)$")


def _relative(path: str, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        return path


def summarise(log: str, root: str | os.PathLike = ROOT) -> list[str]:
    """One paragraph per chapter that failed to execute, from the build's output."""
    root = Path(root)
    lines = ANSI.sub("", log).splitlines()
    summaries, seen = [], set()
    for i, line in enumerate(lines):
        match = FAILED.match(line)
        if not match or match.group(1) in seen:
            continue
        seen.add(match.group(1))
        chapter = _relative(match.group(1), root)
        cell, error = [], ""
        rest = lines[i + 1:]
        start = next((j for j, ln in enumerate(rest) if ln.endswith(CELL_START)), None)
        timeout = next((m.group(1) for ln in rest[:start] if (m := TIMEOUT.search(ln))),
                       "") if start is not None else ""
        if start is not None:
            j = start + 2  # skip the ------ rule
            while j < len(rest) and not rest[j].startswith("-----"):
                cell.append("    " + rest[j])
                j += 1
            # the exception line of the traceback: "SomeError: message"
            error = timeout or next((ln for ln in rest[j + 1:]
                          if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt):", ln)),
                         "")
        summaries.append(
            f"chapter {chapter} failed to execute.\n"
            + ("The cell that raised:\n" + "\n".join(cell) + "\n" if cell else "")
            + (f"Error: {error}\n" if error else "")
        )
    return summaries


def warnings(log: str, root: str | os.PathLike = ROOT) -> list[str]:
    """The build's warnings, one line each, as ``chapter:line: message``."""
    root = Path(root)
    found = []
    for line in ANSI.sub("", log).splitlines():
        match = WARNING.match(line.strip())
        if match and "Executing notebook failed" not in match.group(4):
            where = _relative(match.group(1), root) + (match.group(2) or "")
            text = f"{where}: {match.group(4)}"
            if text not in found:
                found.append(text)
    return found


def build(argv: list[str], *, root: str | os.PathLike = ROOT, out=None) -> int:
    """Run ``jupyter-book build root *argv``; print a summary of what broke it.

    Args:
        argv: flags for ``jupyter-book build`` (e.g. ``--warningiserror``).
        root: the book's folder, holding ``_config.yml`` and ``_toc.yml``.
        out: where the build's output and the summary go (default: stdout/stderr).

    Returns:
        The exit status: 0 when the book built cleanly.
    """
    root = Path(root).resolve()
    stdout = out or sys.stdout
    stderr = out or sys.stderr
    start = time.time()
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.update({k: os.environ.get(k, "1") for k in KERNEL_THREADS})
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.Popen([str(jb), "build", str(root), *argv], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = []
    for line in proc.stdout:
        stdout.write(line)
        stdout.flush()
        log.append(line)
    code = proc.wait()
    text = "".join(log)
    failures = summarise(text, root)
    if code or failures:
        print("\nbook build FAILED", file=stderr)
        for summary in failures:
            print(summary, file=stderr)
        found = warnings(text, root)
        if found:
            print("Warnings (the strict build treats them as errors):", file=stderr)
            for line in found:
                print(f"  {line}", file=stderr)
        stderr.flush()
        return code or 1
    html = os.path.relpath(root / "_build" / "html" / "index.html")
    print(f"book built in {time.time() - start:.1f} s: {html}", file=stdout)
    return 0


def main(argv: list[str]) -> int:
    root = ROOT
    if argv[:1] == ["--root"]:
        if len(argv) < 2:
            print("--root needs a folder", file=sys.stderr)
            return 2
        root, argv = Path(argv[1]), argv[2:]
    elif argv and argv[0].startswith("--root="):
        root, argv = Path(argv[0].split("=", 1)[1]), argv[1:]
    return build(argv, root=root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
