"""Build the book strictly, and say which chapter and which cell broke it.

Usage: python tools/build_book.py [jupyter-book build flags]

Runs ``jupyter-book build`` on the repository root, passing its output through. When
a chapter's cell raises, MyST-NB stops the build (``nb_execution_raise_on_error``);
this script then ends with a short summary naming the chapter's source file, the
cell that raised and the error, and exits non-zero.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILED = re.compile(r"^(\S+\.(?:md|ipynb)): WARNING: Executing notebook failed")
CELL_START = "An error occurred while executing the following cell:"


def summarise(log: str) -> list[str]:
    """One paragraph per chapter that failed to execute, from the build's output."""
    lines = ANSI.sub("", log).splitlines()
    summaries, seen = [], set()
    for i, line in enumerate(lines):
        match = FAILED.match(line)
        if not match or match.group(1) in seen:
            continue
        seen.add(match.group(1))
        chapter = os.path.relpath(match.group(1), ROOT)
        cell, error = [], ""
        rest = lines[i + 1:]
        start = next((j for j, ln in enumerate(rest) if ln.endswith(CELL_START)), None)
        if start is not None:
            j = start + 2  # skip the ------ rule
            while j < len(rest) and not rest[j].startswith("-----"):
                cell.append("    " + rest[j])
                j += 1
            # the exception line of the traceback: "SomeError: message"
            error = next((ln for ln in rest[j + 1:]
                          if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt):", ln)),
                         "")
        summaries.append(
            f"chapter {chapter} failed to execute.\n"
            + ("The cell that raised:\n" + "\n".join(cell) + "\n" if cell else "")
            + (f"Error: {error}\n" if error else "")
        )
    return summaries


def main(argv: list[str]) -> int:
    start = time.time()
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.Popen([str(jb), "build", str(ROOT), *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = []
    for line in proc.stdout:
        sys.stdout.write(line)
        log.append(line)
    code = proc.wait()
    failures = summarise("".join(log))
    if code or failures:
        print("\nbook build FAILED", file=sys.stderr)
        for text in failures:
            print(text, file=sys.stderr)
        return code or 1
    print(f"book built in {time.time() - start:.1f} s: _build/html/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
