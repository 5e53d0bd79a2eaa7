"""Build-time budgets of the book, measured: cold, unchanged, prose edit, code edit.

Usage: python benchmarks/bench_build.py [--toc FILE] [--existing-only] [--chapter PATH]
                                        [--skip-chapters] [--profile] [--keep]

Everything runs on a scratch copy of the repository (without .git, .venv, _build and
node_modules, which is linked), so the checkout's own ``_build`` and chapters are never
touched: an edit made for a measurement cannot be left behind, even when the run is
interrupted. Each build is the one ``make book`` runs (``tools/build_book.py`` with the
Makefile's ``JB_FLAGS``):

1. cold: an empty ``_build``, so every chapter executes;
2. no change: the same build again;
3. prose only: one Markdown line of one chapter edited; must execute no chapter;
4. one code cell: a comment added to one code cell; must execute that chapter only.

A chapter counts as executed when the build log says it executed (the build runs
the stale chapters side by side before Sphinx starts), and the count is checked
against the records jupyter-cache added. Then each chapter runs alone in a fresh
kernel (``tools/run_chapter.py``) for its time and its kernel's peak resident memory.

Goals: cold < 180 s, no change < 5 s, prose-only < 10 s with no chapter executed,
every chapter alone < 30 s with its kernel < 1.5 GB. Wall-clock times depend on what
else the machine is doing, so the load average is printed with them, and the CPU time
beside them. Exits non-zero when a goal is missed. ``--profile`` shows where an
unchanged rebuild spends its time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import pstats
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from bookfiles import has_code, jb_flags, source_of, toc_entries  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
EXECUTING = re.compile(r"^(\S+\.(?:md|ipynb)): Executing notebook using")
EXECUTED = re.compile(r"^(\S+\.(?:md|ipynb)): Executed notebook in ([\d.]+) seconds")
# Not copied: version control, the environment, build output, caches, downloaded data.
SKIP_TOP = {".git", ".venv", "_build", "node_modules", ".pytest_cache", ".hypothesis",
            "data", ".mypy_cache", ".ruff_cache"}
SKIP_ANY = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info")

GOALS = {"cold": 180.0, "no change": 5.0, "prose only": 10.0}
RSS_GOAL_MB = 1.5e9 / 2**20  # 1.5 GB, in the MiB that run_chapter.py reports
CHAPTER_GOAL_S = 30.0  # each chapter, executed alone in a fresh kernel
PROSE_MARK = " (Edited by the build benchmark.)"
CODE_MARK = "# edited by the build benchmark"

_current: subprocess.Popen | None = None  # the build running now, ended on interrupt


@dataclass
class Build:
    phase: str
    seconds: float
    cpu_seconds: float
    ok: bool
    executed: list[str]
    exec_seconds: dict[str, float]
    new_records: int | None
    log: Path
    notes: list[str] = field(default_factory=list)


# --- the scratch copy -------------------------------------------------------------

def _ignore(root: Path):
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = set(SKIP_ANY(folder, names))
        if Path(folder) == root:
            skipped |= SKIP_TOP & set(names)
        return skipped
    return ignore


def make_copy(scratch: Path) -> Path:
    """Copy the repository into ``scratch/book`` and link its node_modules."""
    copy = scratch / "book"
    shutil.copytree(ROOT, copy, ignore=_ignore(ROOT), symlinks=True)
    if (ROOT / "node_modules").is_dir():
        (copy / "node_modules").symlink_to(ROOT / "node_modules")
    return copy


# --- the table of contents ---------------------------------------------------------

def prune_toc(node, root: Path):
    """The toc without the entries whose file does not exist (yet)."""
    if isinstance(node, dict):
        if "file" in node and source_of(str(node["file"]), root) is None:
            return None
        out = dict(node)
        for key in ("parts", "chapters", "sections"):
            if key in node:
                kept = [c for c in (prune_toc(c, root) for c in node[key] or []) if c]
                if kept:
                    out[key] = kept
                else:
                    out.pop(key)
        if "caption" in node and not any(k in out for k in ("chapters", "sections")):
            return None  # a part left without chapters
        return out
    return node


# --- the two edits -----------------------------------------------------------------

_FENCE = re.compile(r"^(`{3,}|:{3,})(.*)$")


def _outside_fences(lines: list[str]):
    """Yield ``(index, line)`` for the lines outside fenced blocks and front matter."""
    stack: list[str] = []
    start = 0
    if lines and lines[0].strip() == "---":  # front matter
        start = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"),
                     len(lines)) + 1
    for i in range(start, len(lines)):
        match = _FENCE.match(lines[i].strip())
        if match:
            marker, rest = match.groups()
            if stack and marker[0] == stack[-1][0] and len(marker) >= len(stack[-1]) \
                    and not rest.strip():
                stack.pop()
            else:
                stack.append(marker)
            continue
        if not stack:
            yield i, lines[i]


def prose_edit(text: str) -> str:
    """Append a few words to the first paragraph line after the chapter's title."""
    lines = text.split("\n")
    seen_title = False
    for i, line in _outside_fences(lines):
        if line.startswith("# "):
            seen_title = True
        elif seen_title and line[:1].isalpha():
            lines[i] = line + PROSE_MARK
            return "\n".join(lines)
    raise ValueError("found no paragraph after the title to edit")


def code_edit(text: str) -> str:
    """Add a comment as the last line of the chapter's last code cell."""
    lines = text.split("\n")
    opening = None
    stack: list[str] = []
    last_close = None
    for i, line in enumerate(lines):
        match = _FENCE.match(line.strip())
        if not match:
            continue
        marker, rest = match.groups()
        if stack and marker[0] == stack[-1][0] and not rest.strip():
            stack.pop()
            if opening is not None and not stack:
                last_close, opening = i, None
        else:
            if not stack and rest.startswith("{code-cell}"):
                opening = i
            stack.append(marker)
    if last_close is None:
        raise ValueError("found no {code-cell} to edit")
    lines.insert(last_close, CODE_MARK)
    return "\n".join(lines)


# --- one build ----------------------------------------------------------------------

def _cache_records(copy: Path) -> int | None:
    path = copy / "_build" / ".jupyter_cache"
    if not path.exists():
        return 0
    try:
        from jupyter_cache import get_cache
        return len(get_cache(path).list_cache_records())
    except Exception:  # an unreadable cache: the log alone then says what executed
        return None


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_build(copy: Path, phase: str, flags: list[str], logs: Path) -> Build:
    global _current
    log_path = logs / f"{phase.replace(' ', '-')}.log"
    before = _cache_records(copy)
    cpu0, start = _cpu_of_children(), time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        _current = subprocess.Popen(
            [sys.executable, str(copy / "tools" / "build_book.py"), *flags],
            cwd=copy, stdout=log, stderr=subprocess.STDOUT)
        code = _current.wait()
        _current = None
    seconds = time.perf_counter() - start
    cpu = _cpu_of_children() - cpu0
    text = ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace"))
    executed, exec_seconds = [], {}
    for line in text.splitlines():
        if match := EXECUTING.match(line):
            executed.append(os.path.relpath(match.group(1), copy))
        elif match := EXECUTED.match(line):
            exec_seconds[os.path.relpath(match.group(1), copy)] = float(match.group(2))
    after = _cache_records(copy)
    new = None if before is None or after is None else after - before
    build = Build(phase, seconds, cpu, code == 0, executed, exec_seconds, new, log_path)
    # every chapter executed to the end is cached; one that failed is not
    if new is not None and new != len(exec_seconds):
        build.ok = False
        build.notes.append(
            f"the log shows {len(exec_seconds)} chapter(s) executed to the end but "
            f"jupyter-cache gained {new} record(s): the counts cannot be trusted")
    return build


# Started in every Python process of a profiled build (through PYTHONPATH), so the
# profile is of exactly what `make book` runs, whatever the wrapper does first.
PROFILE_HOOK = """\
import atexit, cProfile, os
_folder = os.environ.get("DLBOOK_BENCH_PROFILE")
if _folder:
    _profile = cProfile.Profile()
    _profile.enable()

    def _save():
        _profile.disable()
        _profile.dump_stats(os.path.join(_folder, f"profile-{os.getpid()}.prof"))

    atexit.register(_save)
"""


def profile_no_change(copy: Path, flags: list[str], logs: Path, top: int = 30) -> None:
    """Run an unchanged rebuild under cProfile and print where its time goes."""
    folder = logs / "profile"
    (folder / "hook").mkdir(parents=True)
    (folder / "hook" / "sitecustomize.py").write_text(PROFILE_HOOK)
    path = os.pathsep.join(p for p in (str(folder / "hook"),
                                       os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path, DLBOOK_BENCH_PROFILE=str(folder))
    subprocess.run([sys.executable, str(copy / "tools" / "build_book.py"), *flags],
                   cwd=copy, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    profiles = [pstats.Stats(str(f)) for f in sorted(folder.glob("profile-*.prof"))]
    if not profiles:
        print("(the profiled build left no profile)")
        return
    # the build, not its wrapper (which spends its time waiting for the build)
    stats = max(profiles, key=lambda p: len(p.stats))
    rows = []
    for (file, _, func), (_, _, _, cumulative, _) in stats.stats.items():
        if file.startswith("<") or file == "~" or "/click/" in file:
            continue  # the import machinery and the command-line wrapper
        where = file.split("site-packages/")[1] if "site-packages/" in file \
            else Path(file).name
        rows.append((cumulative, f"{where}:{func}"))
    rows.sort(reverse=True)
    print(f"\nWhere an unchanged rebuild spends its time (cProfile, which slows it; "
          f"cumulative seconds, top {top}):")
    for cumulative, name in rows[:top]:
        print(f"  {cumulative:7.2f}  {name}")
    print(f"  (the profiles: {folder})", flush=True)


# --- the report ----------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "" if ok is None else "PASS" if ok else "FAIL"


def judge(build: Build, limit: float | None, executed: list[str] | None = None
          ) -> tuple[bool, bool | None]:
    """Whether ``build`` met its goal in wall-clock time, and in CPU time."""
    ok = build.ok and (executed is None or build.executed == executed)
    if limit is None:
        return ok, None
    return ok and build.seconds < limit, ok and build.cpu_seconds < limit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toc", type=Path, help="a toc to build instead of _toc.yml")
    parser.add_argument("--existing-only", action="store_true",
                        help="leave out the toc entries whose file does not exist yet")
    parser.add_argument("--chapter", help="the chapter to edit (default: the first "
                        "chapter with code in the toc)")
    parser.add_argument("--skip-chapters", action="store_true",
                        help="skip running each chapter alone (no memory figures)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile an unchanged rebuild")
    parser.add_argument("--keep", action="store_true",
                        help="keep the scratch copy and its logs")
    args = parser.parse_args(argv)

    try:
        flags = jb_flags()
    except ValueError as err:
        sys.exit(f"{err}: cannot build as `make book` does")
    scratch = Path(tempfile.mkdtemp(prefix="dlbook-bench-"))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` cleans up
    try:
        return _bench(args, flags, scratch)
    finally:
        if _current is not None and _current.poll() is None:
            _current.kill()
            _current.wait()
        if args.keep:
            print(f"\nscratch copy and build logs kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def _bench(args, flags: list[str], scratch: Path) -> int:
    copy = make_copy(scratch)
    logs = scratch / "logs"
    logs.mkdir()
    toc_path = (args.toc.resolve() if args.toc else copy / "_toc.yml")
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    if args.existing_only:
        toc = prune_toc(toc, copy)
    if args.toc or args.existing_only:
        toc_path = scratch / "_toc.yml"
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
        flags = [*flags, "--toc", str(toc_path)]
    entries = toc_entries(toc)
    missing = [e for e in entries if source_of(e, copy) is None]
    if missing:
        print(f"the toc lists chapters that do not exist: {', '.join(missing)}\n"
              "(--existing-only leaves them out)", file=sys.stderr)
        return 2
    chapters = [str(source_of(e, copy).relative_to(copy)) for e in entries]
    notebooks = [c for c in chapters if has_code(copy / c)]
    if not notebooks:
        print("no chapter in the toc has code cells: nothing to measure",
              file=sys.stderr)
        return 2
    target = args.chapter or notebooks[0]
    if target not in notebooks:
        print(f"--chapter {target} is not a chapter with code in the toc: "
              f"{', '.join(notebooks)}", file=sys.stderr)
        return 2

    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    print(f"Build-time budgets: {len(chapters)} pages, {len(notebooks)} with code; "
          f"{cores} cores, load average {load:.1f}")
    print(f"building a scratch copy in {copy}\nwith tools/build_book.py "
          f"{' '.join(flags)}\n(a few minutes: a cold build, three rebuilds, then each "
          "chapter alone)\n", flush=True)

    results: list[tuple[Build, str, bool, bool | None]] = []
    cold = run_build(copy, "cold", flags, logs)
    if cold.ok and not cold.executed:
        cold.ok = False
        cold.notes.append("the cold build executed nothing: the build log no longer "
                          "says 'Executing notebook'? The counts cannot be trusted")
    results.append((cold, f"< {GOALS['cold']:.0f} s", *judge(cold, GOALS["cold"])))
    print(f"cold build         {cold.seconds:6.1f} s", flush=True)
    if not cold.ok:
        return _report(results, [], copy, target, load, cores)

    same = run_build(copy, "no change", flags, logs)
    results.append((same, f"< {GOALS['no change']:.0f} s, 0 executed",
                    *judge(same, GOALS["no change"], [])))
    print(f"no change          {same.seconds:6.1f} s", flush=True)
    if args.profile:
        profile_no_change(copy, flags, logs)

    path = copy / target
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(prose_edit(original), encoding="utf-8")
        prose = run_build(copy, "prose only", flags, logs)
        results.append((prose, f"< {GOALS['prose only']:.0f} s, 0 executed",
                        *judge(prose, GOALS["prose only"], [])))
        print(f"prose-only edit    {prose.seconds:6.1f} s", flush=True)

        path.write_text(code_edit(original), encoding="utf-8")
        code = run_build(copy, "code edit", flags, logs)
        results.append((code, "executes that chapter only",
                        *judge(code, None, [target])))
        print(f"code-cell edit     {code.seconds:6.1f} s", flush=True)
    finally:
        path.write_text(original, encoding="utf-8")

    runs = []
    if not args.skip_chapters:
        print("\nrunning each chapter alone in a fresh kernel ...", flush=True)
        runs = run_chapters(copy, notebooks, logs)
    return _report(results, runs, copy, target, load, cores, cold.exec_seconds)


@dataclass
class ChapterRun:
    chapter: str
    seconds: float = float("nan")
    peak_mib: float = float("nan")
    error: str = ""
    slowest: str = ""  # the code cell that took longest, and its seconds


def _slowest_cell(notebook) -> str:
    """``cell N (first line): S s`` for the code cell that ran longest."""
    best, where = -1.0, ""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    for number, cell in enumerate(code, 1):
        timing = cell.get("metadata", {}).get("execution", {})
        try:
            start = datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z"))
            end = datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z"))
        except (KeyError, ValueError):
            continue
        seconds = (end - start).total_seconds()
        if seconds > best:
            first = next((ln for ln in cell.source.splitlines()
                          if ln.strip() and not ln.startswith(("#", ":", "---"))), "")
            best, where = seconds, f"cell {number} ({first[:36]}): {seconds:.1f} s"
    return where


def run_chapters(copy: Path, notebooks: list[str], logs: Path) -> list[ChapterRun]:
    """Each chapter run alone in a fresh kernel by ``tools/run_chapter.py``."""
    spec = importlib.util.spec_from_file_location("_run_chapter",
                                                  copy / "tools" / "run_chapter.py")
    run_chapter = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = run_chapter  # dataclasses look the module up
    spec.loader.exec_module(run_chapter)
    runs = []
    # the kernels inherit stderr: their start-up chatter goes to a log, not the table
    saved = os.dup(2)
    with open(logs / "chapters-stderr.log", "w") as kernel_log:
        os.dup2(kernel_log.fileno(), 2)
        try:
            for chapter in notebooks:
                try:
                    run = run_chapter.execute(copy / chapter)
                    runs.append(ChapterRun(chapter, run.seconds, run.peak_rss_mb,
                                           slowest=_slowest_cell(run.notebook)))
                except Exception as err:  # a cell that raises, a kernel that dies
                    first = (str(err).splitlines() or [""])[0][:100]
                    error = f"{type(err).__name__}: {first}"
                    runs.append(ChapterRun(chapter, error=error))
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    return runs


def _report(results, runs, copy, target, load, cores, exec_seconds=None) -> int:
    ok = True
    print(f"\n{'build':12s} {'wall':>8s} {'cpu':>8s} {'executed':>9s}  "
          f"{'goal':27s} verdict  on cpu")
    for build, goal, passed, cpu_passed in results:
        ok &= passed
        executed = ", ".join(build.executed) if 0 < len(build.executed) <= 2 else \
            str(len(build.executed))
        print(f"{build.phase:12s} {build.seconds:7.1f}s {build.cpu_seconds:7.1f}s "
              f"{executed:>9s}  {goal:27s} {verdict(passed):7s}  {verdict(cpu_passed)}")
        if not build.ok:
            print(f"  the build failed: see the end of {build.log}:")
            tail = build.log.read_text(encoding="utf-8", errors="replace")
            print("    " + "\n    ".join(ANSI.sub("", tail).splitlines()[-25:]))
        for note in build.notes:
            print(f"  {note}")
    print(f"(edited chapter: {target}. cpu: user + system time of the build and its "
          f"kernels, what\nthe wall-clock time would be on an idle machine with one "
          f"core; `on cpu` judges it.\nThe verdict judges the wall-clock time.)")

    if runs:
        print(f"\n{'chapter':26s} {'in build':>9s} {'alone':>8s} {'peak RSS':>10s}  "
              f"{'< 30 s, < 1.5 GB':17s}  slowest code cell (alone)")
        exec_seconds = exec_seconds or {}
        for run in runs:
            passed = (not run.error and run.peak_mib < RSS_GOAL_MB
                      and run.seconds < CHAPTER_GOAL_S)
            ok &= passed
            built = exec_seconds.get(run.chapter)
            built_text = f"{built:8.1f}s" if built is not None else f"{'-':>9s}"
            alone = (f"{run.seconds:7.1f}s {run.peak_mib:6.0f} MiB" if not run.error
                     else f"{'-':>8s} {'-':>10s}")
            print(f"{run.chapter:26s} {built_text} {alone}  {verdict(passed):17s}  "
                  f"{run.error or run.slowest}")
    else:
        print("\n(each chapter alone: skipped, so no memory figures)")

    end = os.getloadavg()[0]
    if max(load, end) > cores:
        print(f"\nnote: the load average was {load:.1f} at the start and {end:.1f} at "
              f"the end, on {cores} cores: other work slowed the wall-clock times.")
    print(f"\noverall: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
