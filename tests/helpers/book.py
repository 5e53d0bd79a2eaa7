"""What the tests need to know about the book: its chapters, their cells, its tools."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import jupytext
import yaml

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"

# What the tools, tests and benchmarks read from the book's files: tools/bookfiles.py,
# imported by its name as the scripts in tools/ import it.
sys.path.insert(0, str(ROOT / "tools"))
from bookfiles import (chapters, has_code, jb_flags, source_of,  # noqa: E402,F401
                       toc_documents)


def path_from_env(name: str, default: Path) -> Path:
    """The path in environment variable ``name`` (relative to the root), else ``default``."""
    value = os.environ.get(name)
    path = Path(value) if value else default
    return (path if path.is_absolute() else ROOT / path).resolve()


# The built site the tests read: `make book`'s, or the one DLBOOK_SITE points to.
SITE = path_from_env("DLBOOK_SITE", ROOT / "_build" / "html")


def built_site() -> Path:
    """:data:`SITE`, failing the calling test with what to run when nothing is built."""
    import pytest

    if not (SITE / "index.html").exists():
        pytest.fail(f"no built site at {SITE}: run `make book` first (`make test` does), "
                    "or point DLBOOK_SITE at a built site")
    return SITE


@lru_cache(maxsize=None)
def tool(name: str):
    """Import ``tools/<name>.py`` (tools/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"_book_tool_{name}",
                                                  ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def toc_chapters() -> list[str]:
    """Every page of ``_toc.yml``, in order, as paths relative to the root, no suffix."""
    return toc_documents(ROOT / "_toc.yml")


def read_chapter(path: Path):
    """A chapter as a notebook: MyST Markdown (only ``{code-cell}`` is code) or .ipynb."""
    if path.suffix == ".md":
        return jupytext.read(path, fmt="md:myst")
    return jupytext.read(path)


def code_cells(path: Path) -> list[str]:
    return [cell.source for cell in read_chapter(path).cells if cell.cell_type == "code"]


# Colour maps whose lightness is not monotonic: in grayscale (or for a reader with a
# colour-vision deficiency) different values print as the same grey.
BANNED_CMAPS = ("jet", "rainbow", "gist_rainbow", "hsv", "nipy_spectral", "gist_ncar",
                "gist_stern", "prism", "flag", "turbo", "brg", "terrain", "ocean", "husl")
_NAMES = "|".join(sorted(BANNED_CMAPS, key=len, reverse=True))
_CMAP_USE = re.compile(
    # cmap="jet", cmap='jet_r', get_cmap("hsv"), colormaps["turbo"], plt.cm.jet,
    # cm.rainbow, plt.jet(), plt.set_cmap("jet"), rcParams["image.cmap"] = "jet"
    rf"""(?:cmap\s*=\s*|get_cmap\(\s*|colormaps\[\s*|set_cmap\(\s*
          |image\.cmap["']\]\s*=\s*|colormaps\.get\(\s*|color_palette\(\s*
          |palette\s*=\s*)["'](?P<a>{_NAMES})(?:_r)?["']
        |\bcm\.(?P<b>{_NAMES})(?:_r)?\b
        |\bplt\.(?P<c>{_NAMES})\(\)""",
    re.VERBOSE,
)


def banned_colour_maps(code: str) -> list[str]:
    """The grayscale-unreadable colour maps a piece of code asks for."""
    return [next(g for g in m.groups() if g) for m in _CMAP_USE.finditer(code)]


# Alt text: what counts as a description of a figure.
FILE_NAME = re.compile(r"^\S*\.(png|jpe?g|gif|svg|webp|bmp|pdf)$", re.IGNORECASE)
HASH = re.compile(r"^[0-9a-f]{16,}$")
PLACEHOLDERS = {"image", "figure", "plot", "graph", "chart", "picture", "output", "png",
                "img", "fig", "todo", "alt", "none", "untitled"}
MIN_WORDS = 3


def alt_problem(alt: str | None, src: str) -> str | None:
    """Why ``alt`` does not describe an image, or None when it does."""
    if alt is None:
        return "no alt attribute"
    text = alt.strip()
    if not text:
        return "empty alt"
    name = PurePosixPath(unquote(urlsplit(src).path)).name
    if FILE_NAME.match(text) or HASH.match(text) or text == name \
            or PurePosixPath(text).name == name:
        return f"the alt is a file name ({text!r}): give the cell mystnb.image.alt"
    if text.lower().strip(" .:") in PLACEHOLDERS or re.fullmatch(r"(figure|fig\.?)\s*\d+",
                                                                 text.lower()):
        return f"the alt is a placeholder ({text!r}), not a description"
    if len(text.split()) < MIN_WORDS:
        return f"the alt {text!r} is too short to say what the figure shows"
    return None


@lru_cache(maxsize=None)  # a page's checks in one test process parse it once
def article(html: str):
    """A built page's article (the chapter, not the theme's chrome), parsed; read it,
    do not change it: every check of the page gets the same tree."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    return soup.find("article") or soup


def page_alt_problems(html: str) -> list[str]:
    """One line per image of a page's article whose alt text does not describe it."""
    problems = []
    for img in article(html).find_all("img"):
        why = alt_problem(img.get("alt"), img.get("src", ""))
        if why:
            problems.append(f"<img src={img.get('src')!r}>: {why}")
    return problems
