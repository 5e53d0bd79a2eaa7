"""Chapters execute side by side before Sphinx reads them, and Sphinx finds them cached.

``tools/build_book.py`` executes the chapters whose outputs the jupyter-cache lacks,
one kernel per core, and stores them exactly as MyST-NB would; MyST-NB then executes
nothing itself. These tests build tiny throwaway books with the project's config.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from helpers.book import ROOT
from helpers.tinybook import chapter, code_cell, finish, make_book, start_build

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


TRANSPORT = code_cell("""
    from ipykernel import get_connection_info
    print("kernel reached through", get_connection_info(unpack=True)["transport"])
""")


def meeting(name: str, other: str, value: int) -> str:
    """A chapter whose kernel, once started, waits for the ``other`` chapter's kernel
    to start: it ends only if both run at the same time, and raises after 60 s."""
    return chapter(
        name.title(), f"Chapter {name} computes {value}.\n",
        code_cell(f"""
            import pathlib, time
            pathlib.Path("{name}.started").touch()
            deadline = time.monotonic() + 60
            while not pathlib.Path("{other}.started").exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("chapter {name} ran alone: {other} never started")
                time.sleep(0.05)
        """),
        code_cell(f'print("value", {value})'),
        TRANSPORT,
    )


def plain(name: str, value: int) -> str:
    return chapter(name.title(), f"Chapter {name} computes {value}.\n",
                   code_cell(f'print("value", {value})'), TRANSPORT)


def page_text(root, name: str) -> str:
    html = (root / "_build" / "html" / "book" / f"{name}.html").read_text()
    return re.sub(r"<[^>]+>", "", html)


def sphinx_executed(log: str) -> list[str]:
    """The chapters MyST-NB itself executed (its log lines end in [mystnb])."""
    return re.findall(r"(\S+\.md): Executing notebook .*\[mystnb\]", log)


def test_chapters_execute_side_by_side_and_only_changed_code_executes_again(tmp_path):
    root = make_book(tmp_path, {"one": meeting("one", "two", 1),
                                "two": meeting("two", "one", 2)})
    temp = tmp_path / "temp"
    temp.mkdir()
    code, log = finish(start_build(root, {"TMPDIR": str(temp)}), root)
    assert code == 0, log[-3000:]
    # kernels started together cannot race for a TCP port: they are reached through
    # socket files in a folder of their own, which goes with them
    for name in ("one", "two"):
        assert "kernel reached through ipc" in page_text(root, name)
    assert not list(temp.glob("kernel-*")), "a kernel's socket folder was left behind"
    assert "executing 2 chapter(s), 2 at a time: book/one.md, book/two.md" in log
    assert "book/one.md: Executed notebook in" in log
    assert "book/two.md: Executed notebook in" in log
    # both kernels ran at the same time: each chapter waited for the other to start
    # Sphinx found both in the cache and executed nothing
    assert sphinx_executed(log) == []
    assert len(re.findall(r"Using cached notebook", log)) == 2
    assert "value 1" in page_text(root, "one") and "value 2" in page_text(root, "two")

    # nothing changed: nothing executes
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "Executing notebook" not in log

    # the prose changed, not the code: nothing executes, the page shows the new prose
    text = (root / "book" / "one.md").read_text()
    (root / "book" / "one.md").write_text(text.replace("computes 1", "works out 1"))
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "Executing notebook" not in log
    assert "works out 1" in page_text(root, "one")

    # one chapter's code changed: that chapter alone executes, and shows its new output
    (root / "book" / "two.md").write_text(plain("two", 22))
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "executing 1 chapter(s), 1 at a time: book/two.md" in log
    assert sphinx_executed(log) == []
    assert "value 22" in page_text(root, "two") and "value 1" in page_text(root, "one")

    # the cache emptied by hand: everything executes again, nothing is taken as cached
    shutil.rmtree(root / "_build" / ".jupyter_cache")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "executing 2 chapter(s), 2 at a time" in log
    assert sphinx_executed(log) == []


def uses_package(name: str) -> str:
    """A chapter whose output comes from the book's package, in code/."""
    return chapter(
        name.title(), f"Chapter {name} prints what its package says.\n",
        code_cell("""
            import sys
            sys.path.insert(0, "../code")
            import tinypkg
            print("package says", tinypkg.VALUE)
        """),
    )


def test_a_package_edit_executes_every_chapter_again(tmp_path):
    root = make_book(tmp_path, {"one": uses_package("one"), "two": uses_package("two")})
    (root / "code").mkdir()
    (root / "code" / "tinypkg.py").write_text("VALUE = 1\n")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "executing 2 chapter(s)" in log and "changed since" not in log
    assert "package says 1" in page_text(root, "one")

    # what Python writes beside the package is no change
    (root / "code" / "__pycache__").mkdir()
    (root / "code" / "__pycache__" / "tinypkg.cpython-311.pyc").write_bytes(b"\0")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "Executing notebook" not in log

    # the chapters' cells did not change, the package did: every chapter executes
    # again, and the pages show what the package says now
    (root / "code" / "tinypkg.py").write_text("VALUE = 2\n")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "code/tinypkg.py: changed since the chapters were executed" in log
    assert "executing 2 chapter(s)" in log
    assert sphinx_executed(log) == []
    assert "package says 2" in page_text(root, "one")
    assert "package says 2" in page_text(root, "two")

    # the pinned environment counts as well
    (root / "constraints.txt").write_text("numpy==2.0.0\n")
    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "constraints.txt: changed since the chapters were executed" in log
    assert "executing 2 chapter(s)" in log

    code, log = finish(start_build(root), root)
    assert code == 0, log[-3000:]
    assert "Executing notebook" not in log


@pytest.mark.parametrize("value", ["0", "two", ""])
def test_jobs_must_be_a_positive_whole_number(value):
    args = ["--jobs", value] if value else ["--jobs"]
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--jobs needs a positive whole number" in proc.stderr
