"""The chapters as the book build executed them, or else executed here, once.

``make test`` runs after ``make book``, whose execution cache (``_build/.jupyter_cache``)
holds every chapter with its outputs, its execution time and its kernel's peak memory
(recorded by ``tools/build_book.py``). A test that needs what a chapter computed reads
it there, when the cache holds the chapter's current code executed with the current
package and environment. Otherwise (a chapter or the package edited since the last
build, no build at all) the chapter executes here in a fresh kernel, in a subprocess,
at most once per test session; :func:`fresh` starts it in the background.

Each result is a dict: ``cells`` (each code cell's ``source`` and text ``outputs``),
``glued`` (name -> value as text), ``peak_rss_mb`` (None when the build did not record
it), ``seconds``, ``where`` (``"cache"`` or ``"fresh kernel"``), or ``error``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from helpers.book import ROOT, tool
from helpers.execute_chapter import summary

HELPER = Path(__file__).with_name("execute_chapter.py")
WORKERS = 2  # kernels at once; each has one thread
CHAPTER_TIMEOUT_S = 600
_pool = ThreadPoolExecutor(max_workers=WORKERS)
_runs: dict[tuple[Path, int], Future] = {}
_scratch = tempfile.TemporaryDirectory(prefix="dlbook-chapters-")


@lru_cache(maxsize=None)
def cached(source: Path, root: Path = ROOT) -> dict | None:
    """The build's execution of ``source`` (a .md chapter), or None when the cache does
    not hold its current code run with the current package and environment."""
    from jupyter_cache import get_cache

    build_book = tool("build_book")
    settings = build_book.book_settings(root, [])
    folder = build_book._in_root(root, (settings.get("execute") or {}).get("cache")
                                 or "_build/.jupyter_cache")
    record = folder / "dependencies.json"
    if not record.exists() or \
            json.loads(record.read_text()) != build_book.dependency_digests(root):
        return None  # executed with another version of the package or environment
    extensions = (settings.get("parse") or {}).get("myst_enable_extensions") or []
    nb = build_book.read_chapter(source, extensions)
    if nb is None:
        return None
    cache = get_cache(str(folder))
    try:
        match = cache.match_cache_notebook(nb)
    except KeyError:
        return None
    data = match.data or {}
    return {**summary(cache.get_cache_bundle(match.pk).nb),
            "peak_rss_mb": data.get("peak_rss_mb"),
            "seconds": data.get("execution_seconds"), "where": "cache"}


def _fresh(path: Path, run: int) -> dict:
    out = Path(_scratch.name) / f"{path.name}.{run}.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    try:
        proc = subprocess.run([sys.executable, str(HELPER), str(path), str(out)],
                              cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=CHAPTER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {CHAPTER_TIMEOUT_S} s"}
    if proc.returncode or not out.exists():
        return {"error": f"the runner failed (exit {proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"}
    return {**json.loads(out.read_text()), "where": "fresh kernel"}


def fresh(path: Path, run: int = 1) -> Future:
    """The ``run``-th execution of ``path`` (.md or .ipynb) in a fresh kernel, started
    now if it is not yet running: each happens once per session."""
    key = (Path(path).resolve(), run)
    if key not in _runs:
        _runs[key] = _pool.submit(_fresh, *key)
    return _runs[key]


def executed(source: Path) -> dict:
    """What ``source`` (.md) computed: from the build's cache, else a fresh kernel."""
    return cached(source) or fresh(source).result()


def cancel_pending() -> None:
    """Drop the executions not started yet (a module's tests ended early)."""
    for future in _runs.values():
        future.cancel()
