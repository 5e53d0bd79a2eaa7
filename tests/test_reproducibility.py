"""The same chapter prints the same numbers again; every chapter ran within its memory.

* Reproducibility: the lab chapter (``book/lab-mnist.md``; while it does not exist, the
  smallest chapter with code) executes in a fresh kernel from its paired ``.ipynb``
  (what Colab and Binder open), and every text output (printed lines, results,
  exercise feedback) must be identical to what the book build printed, read from its
  execution cache. Seeded splits, initial weights, shuffling and sampling make this
  hold; a chapter that prints an unseeded number fails here. Wall-clock durations
  (``12.3 s``, ``45 ms``) are the one thing allowed to differ: the lab compares
  training times, which no seed fixes.
* Every chapter of ``_toc.yml`` with code executed top to bottom (the build executes
  each .md; its .ipynb holds the same cells, which test_notebooks.py checks), and its
  kernel stayed within the memory budget, as the build recorded.

Where the cache does not hold a chapter's current code run with the current package
(edited since ``make book``), that chapter executes here in a fresh kernel instead
(helpers/executed.py): the lab then runs twice, from its .md and from its .ipynb.
"""

from __future__ import annotations

import re

import pytest
from helpers.book import ROOT, code_cells, has_code, source_of, toc_chapters
from helpers.execute_chapter import text_outputs
from helpers.executed import cached, cancel_pending, fresh

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

LAB = "book/lab-mnist"
MEMORY_BUDGET_MB = 1536  # a chapter's kernel, children included (STYLE/conventions)
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


def test_printed_text_compares_however_the_kernel_split_it():
    """A busy kernel sends one cell's printed lines in more messages than an idle one;
    what it printed, the figures between and stderr aside, is the same."""
    def stream(text, name="stdout"):
        return {"output_type": "stream", "name": name, "text": text}
    figure = {"output_type": "display_data", "data": {"image/png": "iVBO"}}
    idle = {"outputs": [stream("a 0.961\nb 0.956\n"), figure, stream("c 0.9\n")]}
    busy = {"outputs": [stream("a 0.961\n"), stream("b 0.9", "stderr"),
                        stream("b 0.956\n"), figure, stream("c "), stream("0.9\n")]}
    assert text_outputs(idle) == text_outputs(busy) == [
        "a 0.961\nb 0.956\n", "c 0.9\n"]
    wrong = {"outputs": [stream("a 0.961\n"), stream("b 0.957\n"), figure,
                         stream("c 0.9\n")]}
    assert text_outputs(wrong) != text_outputs(idle)


def _with_code(chapter: str) -> bool:
    source = source_of(chapter)
    return source is not None and source.suffix == ".md" and has_code(source)


def reproducibility_chapter() -> str | None:
    """The lab chapter when it exists, else the smallest chapter with code."""
    if _with_code(LAB):
        return LAB
    chapters = [c for c in toc_chapters() if _with_code(c)]
    return min(chapters, key=lambda c: source_of(c).stat().st_size, default=None)


def _notebook_of(md):
    """The paired .ipynb, or the .md itself while the pair is missing or stale
    (test_notebooks.py reports that)."""
    ipynb = md.with_suffix(".ipynb")
    if ipynb.exists() and [c.strip() for c in code_cells(ipynb)] == \
            [c.strip() for c in code_cells(md)]:
        return ipynb
    return md


def _lab_runs():
    """The two executions compared: the build's (from its cache) and one of the paired
    notebook in a fresh kernel; without a build, the .md and the notebook (or the .md
    a second time) in two fresh kernels."""
    md = ROOT / f"{reproducibility_chapter()}.md"
    build = cached(md)
    if build is None:
        return fresh(md), fresh(_notebook_of(md), run=2)
    return build, fresh(_notebook_of(md))


def _memory_run(source):
    """The build's record of ``source`` when it holds the kernel's peak memory, else a
    fresh kernel's."""
    run = cached(source)
    if run is None or run.get("peak_rss_mb") is None:
        return fresh(source)
    return run


@pytest.fixture(scope="module", autouse=True)
def _start_early():
    """Start now, two at a time, every execution the cache cannot stand in for."""
    if reproducibility_chapter():
        _lab_runs()
    for chapter in toc_chapters():
        if _with_code(chapter):
            _memory_run(source_of(chapter))
    yield
    cancel_pending()


def _result(run) -> dict:
    return run if isinstance(run, dict) else run.result()


def _describe(run: dict) -> str:
    memory = (f", peak {run['peak_rss_mb']:.0f} MB" if run.get("peak_rss_mb") is not None
              else "")
    seconds = f"{run['seconds']:.1f} s" if run.get("seconds") is not None else "? s"
    return f"{run['where']}: {seconds}{memory}"


def test_chapter_prints_the_same_numbers_again():
    chapter = reproducibility_chapter()
    if chapter is None:
        pytest.fail("_toc.yml lists no chapter with code cells to check")
    md = ROOT / f"{chapter}.md"
    again_path = _notebook_of(md)
    first, again = map(_result, _lab_runs())
    for run, path in ((first, md), (again, again_path)):
        assert "error" not in run, f"{path.relative_to(ROOT)} failed:\n{run['error']}"
    sources = [c["source"].strip() for c in first["cells"]]
    assert sources == [c["source"].strip() for c in again["cells"]], (
        f"{again_path.relative_to(ROOT)} changed while the test ran")
    for index, (a, b) in enumerate(zip(first["cells"], again["cells"])):
        head = a["source"].strip().splitlines()[0] if a["source"].strip() else ""
        assert mask_durations(a["outputs"]) == mask_durations(b["outputs"]), (
            f"{chapter}.md, code cell {index + 1} ({head!r}) printed different output "
            f"in two runs ({first['where']}; fresh kernel, {again_path.name}); seed "
            f"everything it samples:\n--- first run\n"
            + "".join(a["outputs"]) + "\n--- second run\n" + "".join(b["outputs"]))
    print(f"{chapter}: {len(sources)} code cells identical "
          f"({_describe(first)}; {_describe(again)})")


@pytest.mark.parametrize("chapter", toc_chapters())
def test_chapter_executes_within_its_memory_budget(chapter):
    source = source_of(chapter)
    assert source is not None, f"_toc.yml lists {chapter}, but {chapter}.md does not exist"
    if not _with_code(chapter):
        return  # nothing to execute: text only
    ipynb = ROOT / f"{chapter}.ipynb"
    assert ipynb.exists(), (f"{chapter}.md has code cells but no paired {ipynb.name} "
                            "for Colab and Binder: run `make notebooks`")
    run = _result(_memory_run(source))
    assert "error" not in run, f"{source.relative_to(ROOT)} failed:\n{run['error']}"
    assert run["peak_rss_mb"] < MEMORY_BUDGET_MB, (
        f"{source.name}: the kernel peaked at {run['peak_rss_mb']:.0f} MB, over the "
        f"{MEMORY_BUDGET_MB} MB budget")
    print(f"{source.relative_to(ROOT)}: {_describe(run)}")
