"""Build the book strictly, and say which chapter and which cell broke it.

Usage: python tools/build_book.py [--jobs N] [--root BOOK_ROOT] [jupyter-book build flags]

Runs ``jupyter-book build`` on the book root (the repository root by default), passing
its output through. When a chapter's cell raises, MyST-NB stops the build
(``nb_execution_raise_on_error``); this script then ends with a short summary naming
the chapter's source file, the cell that raised and the error, and exits non-zero.
Warnings (broken links, missing images, ...) are listed again at the end, each with
the chapter it comes from, because a strict build fails on any of them.

Before Sphinx starts, the chapters whose outputs are not in the execution cache run
side by side, one kernel per core (``--jobs N`` sets how many), each with one intra-op
thread, and their outputs go into the cache exactly as MyST-NB would put them there;
Sphinx then finds every chapter cached. MyST-NB alone runs them one after another.
The cache matches a chapter by its cells alone; when the package the chapters import,
or the pinned environment, changed since the cache was filled, it starts afresh. Each
chapter's execution time and its kernel's peak memory are recorded with its outputs. A
kernel that dies (out of memory, killed) fails the build as a raising cell does, naming
the chapter and the cell it was running.

One build of a book runs at a time: a second one started meanwhile (another terminal,
an editor's build-on-save) waits for the first, holding ``_build/.build.lock``.
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Chapters execute side by side, one kernel per core, with one intra-op thread each:
# the book's models are small, and two threads per operation on two cores lose more
# to synchronisation than they gain, and far more as soon as anything else runs.
KERNEL_THREADS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
# `jupyter-book`, without one import that costs ~3 s of every build, changed or not:
# jsonschema loads the optional IRI checker rfc3987-syntax when it is installed (the
# notebook server's dependencies install it), and that compiles 38 grammars at import.
# Neither the book's config schema nor the notebook schema checks an IRI; a module
# set to None in sys.modules makes `import` raise ImportError, which jsonschema expects.
# Once the build has ended and its output is flushed, the process exits at once: the
# teardown of the ~2,000 modules a Sphinx build imports takes a second, every build.
JUPYTER_BOOK = """\
import os, sys
sys.modules["rfc3987_syntax"] = None
sys.argv[0] = "jupyter-book"
from jupyter_book.cli.main import main
try:
    main()
    code = 0
except SystemExit as end:
    code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILED = re.compile(r"^(\S+\.(?:md|ipynb)): WARNING: Executing notebook failed")
WARNING = re.compile(
    r"(?:^| )(\S+?\.(?:md|ipynb|rst|bib))(:\d*)?: (WARNING|ERROR): (.*)$")
# nbclient's words before the source of the cell that raised, or that timed out
CELL_START = ("An error occurred while executing the following cell:",
              "Here is a preview of the cell contents:")
DIED = "The kernel died while executing the following cell:"  # our words, in _execute
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt):")
# Held (flock) for the whole build, so that two builds of one book never write the same
# files at once; relative to the book root.
LOCK = Path("_build") / ".build.lock"
TIMEOUT = re.compile(r"CellTimeoutError: (A cell timed out .*)$")
# What the chapters run besides their own cells, relative to the book root: the
# package they import, the pinned environment and the matplotlib settings of the folder
# they run in (book/matplotlibrc: figure resolution). jupyter-cache matches a chapter by
# its cells alone, so when any of these changes, every output in the cache may be out
# of date: the cache starts afresh and every chapter executes again.
DEPENDENCIES = ("code", "pyproject.toml", "requirements.txt", "constraints.txt",
                "book/matplotlibrc")


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
        end = next((j for j, ln in enumerate(rest) if FAILED.match(ln)), len(rest))
        rest = rest[:end]  # this chapter's report only
        start = next((j for j, ln in enumerate(rest) if ln.endswith((*CELL_START, DIED))),
                     None)
        died = start is not None and rest[start].endswith(DIED)
        timeout = next((m.group(1) for ln in rest[:start] if (m := TIMEOUT.search(ln))),
                       "") if start is not None else ""
        j = 0
        if start is not None:
            j = start + 2  # skip the ------ rule
            while j < len(rest) and not rest[j].startswith("-----"):
                cell.append("    " + rest[j])
                j += 1
        # the exception line of the traceback: "SomeError: message"
        error = timeout or next((ln for ln in rest[j:] if EXCEPTION_LINE.match(ln)), "")
        heading = ("The cell running when its kernel died:" if died
                   else "The cell that raised:")
        summaries.append(
            f"chapter {chapter} failed to execute.\n"
            + (heading + "\n" + "\n".join(cell) + "\n" if cell else "")
            + (f"Error: {error}\n" if error else "")
        )
    return summaries


def warnings(log: str, root: str | os.PathLike = ROOT) -> list[str]:
    """The build's warnings, one line each, as ``chapter:line: message``."""
    root = Path(root)
    found = []
    for line in ANSI.sub("", log).splitlines():
        match = WARNING.search(line.strip())  # also after "checking consistency... "
        if match and "Executing notebook failed" not in match.group(4):
            where = _relative(match.group(1), root) + (match.group(2) or "")
            text = f"{where}: {match.group(4)}"
            if text not in found:
                found.append(text)
    return found


# --- executing the chapters before Sphinx reads them ----------------------------------


@dataclass
class Chapter:
    path: Path  # the source file
    notebook: object  # as MyST-NB reads it
    last_seconds: float | None = None  # the last execution of an earlier version


def _in_root(root: Path, path: str | os.PathLike) -> Path:
    """``path`` as the build reads it: relative paths are from the book root."""
    path = Path(path)
    return path if path.is_absolute() else root / path


def _option(argv: list[str], name: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` in ``argv``."""
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def book_settings(root: Path, argv: list[str]) -> dict:
    """The book's ``_config.yml`` (or the one ``--config`` names) as a dict."""
    import yaml

    config = _in_root(root, _option(argv, "--config") or "_config.yml")
    return yaml.safe_load(config.read_text(encoding="utf-8")) or {}


def toc_sources(root: Path, argv: list[str], settings: dict) -> list[Path]:
    """The source file of every page in the toc, in its order, as Sphinx picks it."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    toc_path = _in_root(root, _option(argv, "--toc") or "_toc.yml")
    excluded = settings.get("exclude_patterns") or []
    sources = []
    for docname in parse_toc_yaml(toc_path).keys():
        for suffix in (".md", ".ipynb"):
            path = root / f"{docname}{suffix}"
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not any(fnmatch.fnmatch(relative, pattern)
                                           for pattern in excluded):
                sources.append(path)
                break
    return sources


def read_chapter(path: Path, extensions) -> object | None:
    """The notebook MyST-NB reads from ``path``, or None if it is not a notebook."""
    import nbformat
    from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    if not is_myst_markdown_notebook(text):
        return None
    config = MdParserConfig(enable_extensions=set(extensions))
    return read_myst_markdown_notebook(text, config=config, add_source_map=True,
                                       path=str(path))


def stale_chapters(sources: list[Path], root: Path, settings: dict,
                   cache) -> list[Chapter]:
    """The notebooks among ``sources`` whose code has no executed match in the cache."""
    execute = settings.get("execute") or {}
    skip = execute.get("exclude_patterns") or []
    extensions = (settings.get("parse") or {}).get("myst_enable_extensions") or []
    last = {}  # the latest execution time recorded for each source file
    for record in sorted(cache.list_cache_records(), key=lambda r: r.created):
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            last[record.uri] = seconds
    stale = []
    for path in sources:
        if any(fnmatch.fnmatch(path.name, pattern) or
               fnmatch.fnmatch(path.relative_to(root).as_posix(), pattern)
               for pattern in skip):
            continue
        nb = read_chapter(path, extensions)
        if nb is None or not any(c.cell_type == "code" for c in nb.cells):
            continue
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            stale.append(Chapter(path, nb, last.get(str(path))))
    return stale


@dataclass
class Execution:
    """How one chapter's execution went."""
    chapter: Chapter
    seconds: float
    peak_rss_mb: float
    error: str | None = None  # the report of what failed, as MyST-NB would log it


def _died_report(cell, peak_rss_mb: float) -> str:
    """What the log says of a kernel that died (out of memory, killed) in ``cell``."""
    source = cell.source if cell is not None else "(before the first cell)"
    return (f"{DIED}\n------------------\n{source}\n------------------\n\n"
            f"DeadKernelError: the kernel died (out of memory, or killed) after using "
            f"up to {peak_rss_mb:.0f} MB\n")


async def _execute(chapter: Chapter, settings: dict,
                   limit: asyncio.Semaphore, stdout) -> Execution:
    """Execute one chapter in place, as MyST-NB's cache mode does (same working
    folder, timeout and error handling), watching its kernel's memory."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from run_chapter import PeakRSS, SocketFileKernelManager

    execute = settings.get("execute") or {}
    timeout = execute.get("timeout", 30)
    allow_errors = execute.get("allow_errors", False)
    nb = chapter.notebook
    overrides = nb.metadata.get("execution", {})  # as jupyter-cache honours them
    timeout = overrides.get("timeout", timeout)
    allow_errors = overrides.get("allow_errors", allow_errors)
    cwd = chapter.path.parent
    async with limit:
        where = str(chapter.path)  # absolute, as in MyST-NB's lines of the log
        print(f"{where}: Executing notebook using local CWD", file=stdout, flush=True)
        # no timings in the cells' metadata: the cache hashes that metadata
        client = NotebookClient(nb, timeout=timeout, allow_errors=allow_errors,
                                record_timing=False,
                                kernel_manager_class=SocketFileKernelManager,
                                resources={"metadata": {"path": str(cwd)}})
        peak, running = PeakRSS(), {}
        client.on_notebook_start = \
            lambda notebook: peak.start(client.km.provisioner.process.pid)
        client.on_cell_start = lambda cell, cell_index: running.update(cell=cell)
        start = time.perf_counter()
        error = None
        try:
            await client.async_execute()
        except (CellExecutionError, CellTimeoutError):
            error = traceback.format_exc()
        except DeadKernelError:
            error = _died_report(running.get("cell"), peak.mb)
        except Exception:  # the kernel did not start, or nbclient failed: still a report
            error = traceback.format_exc()
        finally:
            peak.stop()
        seconds = time.perf_counter() - start
        if error is None:
            print(f"{where}: Executed notebook in {seconds:.2f} seconds", file=stdout,
                  flush=True)
        return Execution(chapter, seconds, peak.mb, error)


async def _execute_all(chapters: list[Chapter], settings: dict, jobs: int, cache,
                       stdout) -> list[tuple[Chapter, str]]:
    from jupyter_cache.base import CacheBundleIn

    limit = asyncio.Semaphore(jobs)
    tasks = [asyncio.ensure_future(_execute(c, settings, limit, stdout))
             for c in chapters]
    failed = []
    try:
        for done in asyncio.as_completed(tasks):
            run = await done
            if run.error is not None:
                failed.append((run.chapter, run.error))
                continue
            # only a chapter executed to its end enters the cache
            cache.cache_notebook_bundle(
                CacheBundleIn(run.chapter.notebook, str(run.chapter.path),
                              data={"execution_seconds": run.seconds,
                                    "peak_rss_mb": round(run.peak_rss_mb, 1)}),
                check_validity=False, overwrite=True)
    finally:
        for task in tasks:
            task.cancel()
    return failed


def dependency_digests(root: Path) -> dict[str, str]:
    """The SHA-256 of each file in :data:`DEPENDENCIES`, by its path from ``root``,
    leaving out what Python and pip write there (``__pycache__``, ``*.egg-info``)."""
    digests = {}
    for name in DEPENDENCIES:
        path = root / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            where = file.relative_to(root)
            if file.is_file() and not any(part == "__pycache__" or
                                          part.endswith(".egg-info")
                                          for part in where.parts):
                digests[where.as_posix()] = hashlib.sha256(file.read_bytes()).hexdigest()
    return digests


def _check_dependencies(root: Path, folder: Path, stdout) -> None:
    """Empty the cache in ``folder`` (and Sphinx's pages read from it) when a file of
    :data:`DEPENDENCIES` changed since it was filled, and record what the chapters
    executed from now on run with."""
    record = folder / "dependencies.json"
    current, before = dependency_digests(root), _read_json(record)
    if before == current:
        return
    if folder.exists():
        if isinstance(before, dict):
            changed = sorted(set(before.items()) ^ set(current.items()))
            names = sorted({name for name, _ in changed})
            what = ", ".join(names[:5]) + (f" and {len(names) - 5} more"
                                            if len(names) > 5 else "")
        else:  # a cache filled before dependencies were recorded
            what = "the package or the environment"
        print(f"{what}: changed since the chapters were executed; every chapter "
              f"executes again", file=stdout, flush=True)
        shutil.rmtree(folder)
        # Sphinx keeps each page it read, and reads again only the pages whose source
        # changed; these pages' sources did not, their outputs will
        shutil.rmtree(root / "_build" / ".doctrees", ignore_errors=True)
    folder.mkdir(parents=True)
    _write_json(record, current)


def execute_chapters(root: Path, argv: list[str], *, jobs: int | None = None,
                     out=None) -> list[str]:
    """Execute the toc's chapters that the cache lacks, ``jobs`` at a time.

    Returns:
        One summary per chapter that failed to execute (empty when all ran).
    """
    stdout = out or sys.stdout
    settings = book_settings(root, argv)
    if (settings.get("execute") or {}).get("execute_notebooks") != "cache":
        return []  # MyST-NB executes (or not) as configured
    folder = _in_root(root, (settings.get("execute") or {}).get("cache")
                      or "_build/.jupyter_cache")
    _check_dependencies(root, folder, stdout)
    # The sources as they were when every chapter was last found in the cache: when
    # none has changed since, there is nothing to look up (reading each chapter as
    # MyST-NB does and hashing it costs ~2 s). The record lives in the cache's own
    # folder, so it goes when the cache goes. Should it ever be wrong, MyST-NB still
    # executes what the cache lacks, one chapter at a time.
    record = folder / "sources-cached.json"
    sources = toc_sources(root, argv, settings)
    digests = {str(path): hashlib.sha256(path.read_bytes()).hexdigest()
               for path in sources}
    if _read_json(record) == digests:
        return []
    from jupyter_cache import get_cache

    cache = get_cache(str(folder))
    stale = stale_chapters(sources, root, settings, cache)
    if not stale:
        _write_json(record, digests)
        return []
    # the longest first, so that the last to finish is a short one
    stale.sort(key=lambda c: -(c.last_seconds if c.last_seconds is not None
                               else float("inf")))
    jobs = max(1, min(jobs or usable_cores(), len(stale)))
    names = ", ".join(_relative(str(c.path), root) for c in stale)
    print(f"executing {len(stale)} chapter(s), {jobs} at a time: {names}",
          file=stdout, flush=True)
    start = time.perf_counter()
    failed = asyncio.run(_execute_all(stale, settings, jobs, cache, stdout))
    print(f"chapters executed in {time.perf_counter() - start:.1f} s", file=stdout,
          flush=True)
    if not failed:
        _write_json(record, digests)
    summaries = []
    for chapter, error in failed:
        where = _relative(str(chapter.path), root)
        report = f"{where}: WARNING: Executing notebook failed\n{error}"
        print(report, file=stdout, flush=True)
        summaries += summarise(report, root)
    return summaries


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def build(argv: list[str], *, root: str | os.PathLike = ROOT, out=None,
          jobs: int | None = None) -> int:
    """Execute the stale chapters, then run ``jupyter-book build root *argv``; print a
    summary of what broke it.

    Args:
        argv: flags for ``jupyter-book build`` (e.g. ``--warningiserror``).
        root: the book's folder, holding ``_config.yml`` and ``_toc.yml``.
        out: where the build's output and the summary go (default: stdout/stderr).
        jobs: chapters executed at once (default: one per usable core).

    Returns:
        The exit status: 0 when the book built cleanly.
    """
    root = Path(root).resolve()
    stdout = out or sys.stdout
    lock = hold_lock(root, stdout)
    try:
        return _build(argv, root, stdout, out or sys.stderr, jobs)
    finally:
        if lock is not None:
            lock.close()  # and with it the lock


def hold_lock(root: Path, out) -> object | None:
    """Take the book's build lock (:data:`LOCK`), waiting while another build of the
    same book holds it; the lock lasts until the returned file is closed or this
    process ends, however it ends. None where ``flock`` does not exist (Windows)."""
    try:
        import fcntl
    except ImportError:
        return None
    path = root / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        print(f"another build of this book is running"
              f"{f' (process {holder})' if holder.isdigit() else ''}: waiting for it "
              f"to finish ({_relative(str(path), Path.cwd())})", file=out, flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
        print("the other build has finished: building", file=out, flush=True)
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _build(argv: list[str], root: Path, stdout, stderr, jobs: int | None) -> int:
    start = time.time()
    # what every kernel inherits, here and in jupyter-book
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    for name in KERNEL_THREADS:
        os.environ.setdefault(name, "1")
    # this process reads notebooks too (nbformat imports jsonschema): see JUPYTER_BOOK
    sys.modules.setdefault("rfc3987_syntax", None)
    failures = execute_chapters(root, argv, jobs=jobs, out=stdout)
    if failures:
        print("\nbook build FAILED", file=stderr)
        for summary in failures:
            print(summary, file=stderr)
        stderr.flush()
        return 1
    proc = subprocess.Popen([sys.executable, "-c", JUPYTER_BOOK, "build", str(root),
                             *argv], cwd=root,
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
    """``--jobs N`` and ``--root FOLDER`` are this script's, anywhere in ``argv``;
    every other argument goes to ``jupyter-book build``."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    for flag in ("--jobs", "--root"):  # "" when the flag comes without its value
        parser.add_argument(flag, nargs="?", const="")
    ours, argv = parser.parse_known_args(argv)
    if ours.jobs is not None and not (ours.jobs.isdigit() and int(ours.jobs) >= 1):
        print(f"--jobs needs a positive whole number, got {ours.jobs!r}", file=sys.stderr)
        return 2
    if ours.root == "":
        print("--root needs a folder", file=sys.stderr)
        return 2
    return build(argv, root=Path(ours.root) if ours.root else ROOT,
                 jobs=int(ours.jobs) if ours.jobs else None)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
