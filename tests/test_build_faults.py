"""The book build under faults, on tiny throwaway books built in temporary folders.

Each book has the project's ``_config.yml`` and is built by ``tools/build_book.py``
with the flags of ``make book``, so what fails here fails the real build:

* a cell that raises fails the build, naming the chapter and showing the cell; so
  does a cell whose kernel dies (killed, out of memory) while another chapter runs;
* a second build of a book started while one runs waits for it (a lock file);
* a broken internal link, a missing image or figure fails it, naming the chapter;
* a page in book/ that the toc forgets fails it; Markdown outside book/ (a tool's
  README, notes) is never read;
* a figure drawn without alt text is caught by the alt-text check of test_figures.py,
  run here on real build output (the site check itself can only pass on a good book);
* a build killed while a chapter executes recovers on the next run: the killed run
  publishes no cache entry, and the next build executes the chapter again and shows
  its new output (not the output of an older version).

The two failing builds run in the background while the interrupted-build test runs,
to keep the file's time down (each build starts Sphinx, a few seconds).
"""

from __future__ import annotations

import re
import signal
import sqlite3
import time
from pathlib import Path

import psutil
import pytest
from helpers.book import page_alt_problems, tool
from helpers.tinybook import chapter, code_cell, finish, kill, make_book, start_build

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # Sphinx builds: ~10 s each
build_book = tool("build_book")

GOOD = chapter("Good", "A chapter that runs.\n", code_cell('print("good", 2 + 2)'))

BROKEN = chapter(
    "Broken",
    "The second cell raises.\n",
    code_cell('print("before the error")'),
    code_cell("""
        weights = [0.5, 0.25]
        total = sum(weights) / (len(weights) - 2)  # a division by zero
    """),
    code_cell('print("never reached")'),
)

DIES = chapter(
    "Dies",
    "The second cell kills its own kernel, as the out-of-memory killer would.\n",
    code_cell('print("alive")'),
    code_cell("""
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
    """),
    code_cell('print("never reached")'),
)

LINKS = chapter(
    "Links",
    "A [working link](good.md) and [a broken one](no-such-chapter.md).\n",
    "A reference to {ref}`a label nobody defined <fig-no-such-figure>`.\n",
    code_cell('print("links", 1)'),
)

FIGURES = chapter(
    "Figures",
    "![A bar chart of the class counts](no-such-image.png)\n",
    "```{figure} no-such-figure.svg\n:alt: A line falling over ten epochs\n\n"
    "A caption.\n```\n",
    code_cell('print("figures", 1)'),
)


PLOTS = chapter(
    "Plots",
    "Two figures: the first says what it shows, the second does not.\n",
    code_cell("""
        import matplotlib.pyplot as plt
    """),
    "```{code-cell} ipython3\n---\nmystnb:\n  image:\n    alt: \"A straight line rising "
    "from 0 to 3 over four points\"\n---\nplt.plot([0, 1, 2, 3])\nplt.show()\n```\n",
    code_cell("""
        plt.plot([3, 2, 1, 0])
        plt.show()
    """),
)


def add_stray_files(root: Path) -> None:
    """Markdown that tools and people leave outside book/: never a page."""
    for name in (".pytest_cache/README.md", "notes/todo.md", "CHANGES.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# Not a page\n\nSee [nowhere](nowhere.md).\n")


def _faulty_books(tmp_path_factory) -> dict[str, tuple[Path, object]]:
    books = {
        "raises": make_book(tmp_path_factory.mktemp("raises"),
                            {"good": GOOD, "broken": BROKEN, "dies": DIES}),
        "links": make_book(tmp_path_factory.mktemp("links"),
                           {"good": GOOD, "links": LINKS, "figures": FIGURES,
                            "plots": PLOTS}),
    }
    # a page in book/ that the toc forgot
    (books["links"] / "book" / "forgotten.md").write_text("# Forgotten\n\nNo toc.\n")
    return {name: (root, start_build(root)) for name, root in books.items()}


@pytest.fixture(scope="module")
def faulty_builds(tmp_path_factory):
    """Start the two failing builds at once; each test waits for its own."""
    builds = _faulty_books(tmp_path_factory)
    results = {}

    def result(name: str) -> tuple[int, str, Path]:
        root, proc = builds[name]
        if name not in results:
            results[name] = finish(proc, root)
        return (*results[name], root)

    yield result
    for root, proc in builds.values():
        kill(proc)


@pytest.fixture(scope="module", autouse=True)
def _start_early(request):
    """The failing builds start with the module's first test, so they run while the
    interrupted-build test does."""
    if any(item.module is request.module and "faulty_builds" in item.fixturenames
           for item in request.session.items):
        request.getfixturevalue("faulty_builds")


# --- an interrupted build -----------------------------------------------------------

MARKER_CELL = code_cell("""
    import os, pathlib, time
    marker = os.environ.get("TINYBOOK_HANG_MARKER")
    if marker:  # the test kills the build while this cell runs
        pathlib.Path(marker).write_text(str(os.getpid()))
        time.sleep(600)
""")


def versioned(answer: str) -> str:
    return chapter("Versioned", "The result changes between versions.\n",
                   code_cell(f'print("result", {answer})'), MARKER_CELL,
                   code_cell('print("done")'))


def cache_outputs(root: Path) -> list[str]:
    """The text outputs of every notebook in the book's execution cache."""
    from jupyter_cache import get_cache

    folder = root / "_build" / ".jupyter_cache"
    if not folder.exists():
        return []
    cache = get_cache(folder)
    texts = []
    for record in cache.list_cache_records():
        nb = cache.get_cache_bundle(record.pk).nb
        texts.append("".join(out.get("text", "") for cell in nb.cells
                             for out in cell.get("outputs", [])))
    return texts


def cache_is_intact(root: Path) -> bool:
    db = root / "_build" / ".jupyter_cache" / "global.db"
    with sqlite3.connect(db) as con:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def page_text(root: Path, name: str) -> str:
    html = (root / "_build" / "html" / "book" / f"{name}.html").read_text()
    return re.sub(r"<[^>]+>", "", html)


def test_an_interrupted_build_recovers_without_a_stale_cache_entry(tmp_path):
    root = make_book(tmp_path, {"versioned": versioned("6 * 7")})
    add_stray_files(root)  # and the strict build does not read them
    code, log = finish(start_build(root), root)
    assert code == 0, f"the clean tiny book should build:\n{log[-3000:]}"
    assert "result 42" in page_text(root, "versioned")
    assert any("result 42" in text for text in cache_outputs(root))

    # a new version of the chapter; its build is killed in the middle of executing it,
    # after the new result has been printed
    (root / "book" / "versioned.md").write_text(versioned("6 * 9"))
    marker = tmp_path / "kernel.pid"
    proc = start_build(root, {"TINYBOOK_HANG_MARKER": str(marker)})
    deadline = time.monotonic() + 300
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker.exists(), "the build never reached the cell to interrupt:\n" + \
        (root / "build.log").read_text()[-3000:]
    time.sleep(0.5)  # let the kernel send the cell's first output
    kernel = psutil.Process(int(marker.read_text()))
    kill(proc)  # SIGKILL to the wrapper and jupyter-book: no chance to clean up
    try:
        kernel.wait(timeout=30)  # the kernel sees its parent die and stops itself
    except psutil.TimeoutExpired:
        kernel.send_signal(signal.SIGKILL)  # started by this test: ours to stop
        pytest.fail("the kernel of a killed build kept running")
    except psutil.NoSuchProcess:
        pass

    outputs = cache_outputs(root)
    assert not any("result 54" in text for text in outputs), \
        "a killed execution must not be published in the cache"
    assert cache_is_intact(root)

    code, log = finish(start_build(root), root)
    assert code == 0, f"the build after the interruption should recover:\n{log[-3000:]}"
    assert "Executed notebook" in log, "the chapter must be executed again"
    page = page_text(root, "versioned")
    assert "result 54" in page and "done" in page and "result 42" not in page
    assert any("result 54" in text and "done" in text for text in cache_outputs(root))
    assert cache_is_intact(root)


# --- failing builds -------------------------------------------------------------------


def test_a_raising_cell_fails_the_build_naming_chapter_and_cell(faulty_builds):
    code, log, root = faulty_builds("raises")
    assert code != 0
    summary = log[log.rindex("book build FAILED"):]
    assert "chapter book/broken.md failed to execute." in summary
    assert "The cell that raised:" in summary
    assert "total = sum(weights) / (len(weights) - 2)  # a division by zero" in summary
    assert "Error: ZeroDivisionError: float division by zero" in summary
    assert "book/good.md" not in summary, "only the broken chapters are blamed"
    assert not (root / "_build" / "html" / "book" / "broken.html").exists()


def test_a_kernel_that_dies_fails_the_build_naming_chapter_and_cell(faulty_builds):
    code, log, root = faulty_builds("raises")  # dies.md runs beside broken.md
    assert code != 0
    assert "nbclient.exceptions.DeadKernelError" not in log, \
        "a dead kernel is summarised, not a raw traceback"
    summary = log[log.rindex("book build FAILED"):]
    paragraph = summary[summary.index("chapter book/dies.md failed to execute."):]
    paragraph = paragraph.split("\nchapter ")[0]
    assert "The cell running when its kernel died:" in paragraph
    assert "os.kill(os.getpid(), signal.SIGKILL)" in paragraph
    assert 'print("alive")' not in paragraph, "the cell that was running, only"
    assert re.search(r"Error: DeadKernelError: the kernel died \(out of memory, or "
                     r"killed\) after using up to \d+ MB", paragraph), paragraph
    assert "chapter book/broken.md failed to execute." in summary


def test_a_second_build_waits_for_the_one_running(tmp_path):
    import fcntl

    root = make_book(tmp_path, {"good": GOOD})
    lock = root / build_book.LOCK
    lock.parent.mkdir(parents=True)
    with open(lock, "w") as held:  # a build in progress, as far as the tool can tell
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        proc = start_build(root)
        deadline = time.monotonic() + 120
        while "waiting" not in (root / "build.log").read_text() \
                and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        log = (root / "build.log").read_text()
        assert proc.poll() is None, f"the build did not wait:\n{log[-3000:]}"
        assert "another build of this book is running (process 4242): waiting" in log
        assert "Executing notebook" not in log
    code, log = finish(proc, root)  # the lock is released: the build goes ahead
    assert code == 0, log[-3000:]
    assert "the other build has finished: building" in log
    assert (root / "_build" / "html" / "book" / "good.html").exists()


def test_broken_links_and_missing_images_fail_the_build(faulty_builds):
    code, log, root = faulty_builds("links")
    assert code != 0, "warnings must fail the strict build"
    summary = log[log.rindex("book build FAILED"):]
    expected = [
        r"book/links\.md:\d+: .*cross-reference target not found: 'no-such-chapter\.md'",
        r"book/links\.md:\d+: undefined label: 'fig-no-such-figure'",
        r"book/figures\.md:\d+: image file not readable: book/no-such-image\.png",
        r"book/figures\.md:\d+: image file not readable: book/no-such-figure\.svg",
        r"book/forgotten\.md: document isn't included in any toctree",
    ]
    for pattern in expected:
        assert re.search(pattern, summary), f"{pattern!r} not in the summary:\n{summary}"
    assert "good.md" not in summary, "the working link is not reported"
    assert len(summary.strip().splitlines()) == 2 + len(expected), summary


def test_the_alt_text_check_catches_a_figure_drawn_without_alt(faulty_builds):
    code, log, root = faulty_builds("links")  # --keep-going writes every page
    html = (root / "_build" / "html" / "book" / "plots.html").read_text()
    assert 'alt="A straight line rising from 0 to 3 over four points"' in html
    problems = page_alt_problems(html)
    assert len(problems) == 1 and "the alt is a file name" in problems[0], problems
