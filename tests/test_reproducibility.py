"""The same chapter prints the same numbers twice; every chapter runs from its notebook.

* Reproducibility: the lab chapter (``book/lab-mnist.md``; while it does not exist, the
  smallest chapter with code) executes in two fresh kernels, once from its MyST source
  and once from its paired ``.ipynb``, and every text output (printed lines, results,
  glued numbers, exercise feedback) must be identical. Seeded splits, initial weights,
  shuffling and sampling make this hold; a chapter that prints an unseeded number
  fails here. Wall-clock durations (``12.3 s``, ``45 ms``) are the one thing allowed to
  differ: the lab compares training times, which no seed fixes.
* Every chapter of ``_toc.yml`` with code executes top to bottom in a fresh kernel from
  its paired ``.ipynb`` (what Colab and Binder open), not only through the book build,
  within the kernel's memory budget.

The chapters run in subprocesses, two at a time, started as soon as the module's first
test runs; each test waits for its own chapters. They run with ``DLBOOK_PROFILE=quick``
(nothing is downloaded) and one thread per kernel, so two kernels share the two cores
without contention.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers.book import ROOT, code_cells, source_of, toc_chapters

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

LAB = "book/lab-mnist"
MEMORY_BUDGET_MB = 1536  # a chapter's kernel, children included (STYLE/conventions)
WORKERS = 2
CHAPTER_TIMEOUT_S = 600
HELPER = Path(__file__).parent / "helpers" / "execute_chapter.py"
DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|seconds?|min|"
                      r"minutes?)\b")


def mask_durations(texts: list[str]) -> list[str]:
    """Outputs with wall-clock durations replaced by ``<duration>``."""
    return [DURATION.sub("<duration>", t) for t in texts]


def test_mask_durations_hides_times_only():
    assert mask_durations(["CNN:  80.2 s, validation accuracy 0.986, 12 samples",
                           "epoch took 45 ms; 3 min in all; 7 minibatches"]) == [
        "CNN:  <duration>, validation accuracy 0.986, 12 samples",
        "epoch took <duration>; <duration> in all; 7 minibatches"]


def _has_code(chapter: str) -> bool:
    source = source_of(chapter)
    return source is not None and source.suffix == ".md" and bool(code_cells(source))


def reproducibility_chapter() -> str | None:
    """The lab chapter when it exists, else the smallest chapter with code."""
    if _has_code(LAB):
        return LAB
    with_code = [c for c in toc_chapters() if _has_code(c)]
    return min(with_code, key=lambda c: source_of(c).stat().st_size, default=None)


class ChapterRunner:
    """Runs chapters in fresh kernels in the background, each path at most once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)
        self.futures: dict[tuple[Path, int], Future] = {}

    def submit(self, path: Path, run: int = 1) -> Future:
        """Start the ``run``-th execution of ``path`` (each in its own fresh kernel)."""
        if (path, run) not in self.futures:
            self.futures[path, run] = self.pool.submit(self._run, path, run)
        return self.futures[path, run]

    def result(self, path: Path, run: int = 1) -> dict:
        return self.submit(path, run).result()

    def _run(self, path: Path, run: int) -> dict:
        out = self.folder / f"{path.name}.{run}.json"
        env = {**os.environ, "DLBOOK_PROFILE": "quick", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        try:
            proc = subprocess.run([sys.executable, str(HELPER), str(path), str(out)],
                                  cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=CHAPTER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"error": f"did not finish in {CHAPTER_TIMEOUT_S} s"}
        if proc.returncode or not out.exists():
            return {"error": f"the runner failed (exit {proc.returncode}):\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"}
        return json.loads(out.read_text())

    def close(self) -> None:
        for future in self.futures.values():
            future.cancel()
        self.pool.shutdown(wait=True)


def _in_sync(md: Path, ipynb: Path) -> bool:
    return ipynb.exists() and [c.strip() for c in code_cells(md)] == \
        [c.strip() for c in code_cells(ipynb)]


def twice(chapter: str) -> list[tuple[Path, int]]:
    """The two runs compared: the Markdown source and its paired notebook (the same
    code cells), or the Markdown source twice while the notebook is missing or stale
    (test_notebooks.py reports that)."""
    md, ipynb = ROOT / f"{chapter}.md", ROOT / f"{chapter}.ipynb"
    return [(md, 1), (ipynb, 1) if _in_sync(md, ipynb) else (md, 2)]


def _runs_wanted(session_items, module) -> list[tuple[Path, int]]:
    """The runs the selected tests of this module will ask for, in order."""
    wanted = []
    for item in session_items:
        if item.module is not module:
            continue
        if item.originalname == "test_chapter_prints_the_same_numbers_twice":
            chapter = reproducibility_chapter()
            if chapter:
                wanted += twice(chapter)
        elif item.originalname == "test_chapter_runs_from_its_paired_notebook":
            chapter = item.callspec.params["chapter"]
            if _has_code(chapter):
                wanted.append((ROOT / f"{chapter}.ipynb", 1))
    return [w for w in dict.fromkeys(wanted) if w[0].exists()]


@pytest.fixture(scope="module")
def runner(request):
    with tempfile.TemporaryDirectory(prefix="dlbook-chapters-") as folder:
        chapters = ChapterRunner(Path(folder))
        for path, run in _runs_wanted(request.session.items, request.module):
            chapters.submit(path, run)  # start them all now, two at a time
        yield chapters
        chapters.close()


def _describe(run: dict) -> str:
    return f"{run['seconds']:.1f} s, peak {run['peak_rss_mb']:.0f} MB"


def test_chapter_prints_the_same_numbers_twice(runner):
    chapter = reproducibility_chapter()
    if chapter is None:
        pytest.fail("_toc.yml lists no chapter with code cells to check")
    (md, _), (second_path, number) = twice(chapter)
    first, second = runner.result(md), runner.result(second_path, number)
    for run, path in ((first, md), (second, second_path)):
        assert "error" not in run, f"{path.relative_to(ROOT)} failed:\n{run['error']}"
    sources = [c["source"].strip() for c in first["cells"]]
    assert sources == [c["source"].strip() for c in second["cells"]], (
        f"{second_path.relative_to(ROOT)} changed while the test ran")
    for index, (a, b) in enumerate(zip(first["cells"], second["cells"])):
        head = a["source"].strip().splitlines()[0] if a["source"].strip() else ""
        assert mask_durations(a["outputs"]) == mask_durations(b["outputs"]), (
            f"{chapter}.md, code cell {index + 1} ({head!r}) printed different output in "
            f"two fresh kernels; seed everything it samples:\n--- first run\n"
            + "".join(a["outputs"]) + "\n--- second run\n" + "".join(b["outputs"]))
    print(f"{chapter}: {len(sources)} code cells identical "
          f"({_describe(first)}; {_describe(second)})")


@pytest.mark.parametrize("chapter", toc_chapters())
def test_chapter_runs_from_its_paired_notebook(runner, chapter):
    source = source_of(chapter)
    assert source is not None, f"_toc.yml lists {chapter}, but {chapter}.md does not exist"
    if not _has_code(chapter):
        assert not code_cells(source), f"{source.name} has code cells"
        return  # nothing to execute: text only
    ipynb = ROOT / f"{chapter}.ipynb"
    assert ipynb.exists(), (f"{chapter}.md has code cells but no paired {ipynb.name} "
                            "for Colab and Binder: run `make notebooks`")
    run = runner.result(ipynb)
    assert "error" not in run, f"{ipynb.relative_to(ROOT)} failed:\n{run['error']}"
    assert run["peak_rss_mb"] < MEMORY_BUDGET_MB, (
        f"{ipynb.name}: the kernel peaked at {run['peak_rss_mb']:.0f} MB, over the "
        f"{MEMORY_BUDGET_MB} MB budget")
    print(f"{ipynb.relative_to(ROOT)}: {_describe(run)}")
