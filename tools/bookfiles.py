"""What the tools, tests and benchmarks read from the book's own files.

The pages of the table of contents in reading order, the source file of each, which
chapters are notebooks and which have code, and the flags ``make book`` builds with.
Every script in tools/ imports it as ``bookfiles`` (a script's folder is on its path);
the tests import it through ``tests/helpers/book.py`` and the benchmarks put tools/ on
their path first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# A MyST code cell: an opening fence of three or more backticks, then the same fence.
CODE_CELL = re.compile(r"^(?P<fence>`{3,})\{code-cell\}[^\n]*\n.*?^(?P=fence)[ \t]*$",
                       re.MULTILINE | re.DOTALL)
SUFFIXES = (".md", ".ipynb")


# --- the table of contents ------------------------------------------------------------

def toc_entries(node) -> list[str]:
    """Every file of a Jupyter Book toc (its YAML, loaded), in reading order, as written
    (``root`` first, then ``file`` of each part, chapter and section)."""
    files = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                files.append(node[key])
        for key in ("parts", "chapters", "sections"):
            files.extend(toc_entries(node.get(key) or []))
    elif isinstance(node, list):
        for item in node:
            files.extend(toc_entries(item))
    return files


def toc_documents(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The pages of ``toc`` in reading order, each once, without suffix
    (``book/intro``), relative to the toc's folder."""
    entries = toc_entries(yaml.safe_load(Path(toc).read_text(encoding="utf-8")))
    return list(dict.fromkeys(re.sub(r"\.(md|ipynb)$", "", e) for e in entries))


def toc_parts(toc: Path = ROOT / "_toc.yml") -> list[tuple[str, str | None]]:
    """(page, caption of its part, or None) for every page of ``toc``, in reading order,
    without suffix."""
    data = yaml.safe_load(Path(toc).read_text(encoding="utf-8"))
    pages = [(data["root"], None)]
    for part in data.get("parts") or []:
        pages += [(entry, part.get("caption")) for entry in toc_entries(part)]
    pages += [(entry, None) for entry in toc_entries(data.get("chapters") or [])]
    return [(re.sub(r"\.(md|ipynb)$", "", page), caption) for page, caption in pages]


def source_of(entry: str, root: Path = ROOT) -> Path | None:
    """The source file of a toc entry (``book/x`` -> ``root/book/x.md``), or None."""
    for suffix in ("", *SUFFIXES):
        path = Path(root) / f"{entry}{suffix}"
        if path.is_file() and path.suffix in SUFFIXES:
            return path
    return None


# --- chapters ----------------------------------------------------------------------

def is_notebook(text: str) -> bool:
    """Whether a Markdown text starts with a jupytext front matter (a MyST notebook)."""
    if not text.startswith("---\n"):
        return False
    header = text[4:].split("\n---\n", 1)[0]
    return re.search(r"^jupytext:", header, re.MULTILINE) is not None


def chapters(root: Path = ROOT) -> list[Path]:
    """Every chapter in ``book/``: a MyST Markdown notebook with a jupytext header."""
    return sorted(p for p in (Path(root) / "book").glob("*.md")
                  if is_notebook(p.read_text(encoding="utf-8")))


def text_has_code(text: str) -> bool:
    """Whether a MyST Markdown text holds a ``{code-cell}``."""
    return CODE_CELL.search(text) is not None


def has_code(source: Path) -> bool:
    """Whether a page's source (.md or .ipynb) has a code cell; False if it is missing."""
    source = Path(source)
    if not source.is_file():
        return False
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        return any(cell.get("cell_type") == "code"
                   for cell in json.loads(text).get("cells", []))
    return text_has_code(text)


# --- the build --------------------------------------------------------------------

def jb_flags(root: Path = ROOT) -> list[str]:
    """The flags ``make book`` gives the build (``JB_FLAGS`` in the Makefile)."""
    text = (Path(root) / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^JB_FLAGS\s*:?=\s*(.*)$", text, re.MULTILINE)
    if not match:
        raise ValueError(f"{root}/Makefile defines no JB_FLAGS: the build's flags are "
                         "unknown")
    return match.group(1).split()
