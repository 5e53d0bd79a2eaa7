"""Throwaway books for the build tests: the project's config, a toc of a few chapters."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from helpers.book import ROOT, jb_flags

HEADER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def code_cell(source: str) -> str:
    return "```{code-cell} ipython3\n" + textwrap.dedent(source).strip() + "\n```\n"


def chapter(title: str, *parts: str) -> str:
    return HEADER + f"# {title}\n\n" + "\n".join(parts)


def make_book(root: Path, chapters: dict[str, str]) -> Path:
    """Write a book in ``root``: the project's _config.yml, an intro and ``chapters``
    (name -> MyST text), in that order in the toc."""
    (root / "book").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "references.bib", root / "references.bib")
    # what the config refers to: local Sphinx extensions, templates, static files
    # (copied: the build may write beside them) and the pinned npm packages (linked)
    for path in ROOT.iterdir():
        if path.is_dir() and path.name.startswith("_") and path.name != "_build":
            shutil.copytree(path, root / path.name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    if (ROOT / "node_modules").is_dir():
        (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "book" / "intro.md").write_text("# A tiny book\n\nFor the build tests.\n")
    toc = "format: jb-book\nroot: book/intro\nchapters:\n"
    for name, text in chapters.items():
        (root / "book" / f"{name}.md").write_text(text)
        toc += f"- file: book/{name}\n"
    (root / "_toc.yml").write_text(toc)
    return root


def start_build(root: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``tools/build_book.py --root root`` with the Makefile's flags, in its own
    process group (so a test can kill the whole build); output goes to build.log."""
    log = open(root / "build.log", "w")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(root),
         *jb_flags()],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(env or {})},
    )


def finish(proc: subprocess.Popen, root: Path, timeout: float = 600) -> tuple[int, str]:
    """Wait for a build; its exit status and output. A build still running is killed."""
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise
    return code, (root / "build.log").read_text()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the build's whole process group (the wrapper and jupyter-book).

    Only while the wrapper, the group's leader, still runs: once it has been reaped
    its group id is no longer ours to signal.
    """
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
