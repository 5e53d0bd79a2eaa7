"""Figures a reader can use without seeing colour, or without seeing them at all.

* Every image in a chapter page of the built site (``_build/html``, which ``make book``
  builds before ``make test`` runs pytest) has alt text that describes it: not empty,
  not a file name (Sphinx falls back to the image's path when a cell gives no alt), not
  a one-word placeholder.
* Chapters and the package draw with colour maps that stay readable in grayscale: no
  jet, rainbow, hsv and the like, whose lightness goes up and down.

The site and its toc can be pointed elsewhere with ``DLBOOK_SITE`` and ``DLBOOK_TOC``
(as in the browser suite), to test a partial book built with a private toc.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.book import (BOOK, ROOT, alt_problem, banned_colour_maps, built_site,
                          code_cells, page_alt_problems, path_from_env, toc_documents)

TOC = path_from_env("DLBOOK_TOC", ROOT / "_toc.yml")


def test_alt_problem_tells_descriptions_from_file_names():
    src = "../_images/3f2a9c1d0b7e6a5f4c3d2e1f0a9b8c7d.png"
    for bad in (None, "", "  ", "3f2a9c1d0b7e6a5f4c3d2e1f0a9b8c7d.png", src,
                "../_images/loss.png", "Figure 2", "plot", "Loss curve"):
        assert alt_problem(bad, src), bad
    assert alt_problem("Training loss falling over 20 epochs", src) is None


def chapter_pages() -> list[str]:
    return toc_documents(TOC)


@pytest.fixture(scope="module")
def site() -> Path:
    return built_site()


@pytest.mark.browser
@pytest.mark.parametrize("page", chapter_pages())
def test_every_image_has_alt_text_that_describes_it(site, page):
    html = site / f"{page}.html"
    assert html.exists(), f"{page} is in the toc but the site has no {html.name}"
    problems = page_alt_problems(html.read_text(encoding="utf-8"))
    assert not problems, f"{page}.html:\n  " + "\n  ".join(problems)


def test_banned_colour_maps_are_recognised():
    code = """
ax.imshow(X, cmap="jet")
plt.scatter(x, y, c=y, cmap=plt.cm.rainbow)
plt.set_cmap('hsv')
sns.color_palette("husl", 8)
matplotlib.colormaps["turbo_r"]
"""
    assert banned_colour_maps(code) == ["jet", "rainbow", "hsv", "husl", "turbo"]
    fine = """
ax.imshow(X, cmap="viridis"); ax.imshow(W, cmap="gray_r"); cmap = "cividis"
jet_engine = 3  # a variable, not a colour map
ax.set_title("The rainbow of activation functions")
"""
    assert banned_colour_maps(fine) == []


def test_chapters_and_package_use_grayscale_readable_colour_maps():
    problems = []
    for md in sorted(BOOK.glob("*.md")):
        for index, source in enumerate(code_cells(md), start=1):
            for name in banned_colour_maps(source):
                problems.append(f"book/{md.name}, code cell {index}: cmap {name!r}")
    for py in sorted((ROOT / "code" / "dlbook").rglob("*.py")):
        for name in banned_colour_maps(py.read_text(encoding="utf-8")):
            problems.append(f"{py.relative_to(ROOT)}: cmap {name!r}")
    assert not problems, ("colour maps that are unreadable in grayscale; use viridis, "
                          "cividis, magma or gray:\n  " + "\n  ".join(problems))
