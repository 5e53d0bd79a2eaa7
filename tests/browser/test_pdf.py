"""The printed book (`make book` prints it with tools/pdf.py), read back with poppler's
tools: every chapter and the bibliography are in it, with their figures at print
resolution, the maths typeset, every reference resolved, and contents whose page
numbers are right."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib

import pytest
from booksite import CONFIG, ROOT, SITE, toc_documents
from helpers.book import article
from bs4 import BeautifulSoup

pytestmark = pytest.mark.browser

sys.path.insert(0, str(ROOT / "tools"))
from pdf import PDF_NAME  # noqa: E402

PDF = SITE.parent / "pdf" / PDF_NAME
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["version"]
# TeX that MathJax or KaTeX would have turned into maths, were it left as source
RAW_TEX = re.compile(r"\\(frac|sum|mathbf|mathrm|mathcal|text|left|right|begin|end"
                     r"|cdot|times|sigma|alpha|theta|partial|nabla|sqrt|hat|lfloor"
                     r"|operatorname|top|log|exp|in|le|ge|ldots|quad)\b"
                     r"|\\\(|\\\[|\\\)|\\\]")
DOLLAR_MATH = re.compile(r"(?<![\w$])\$[^$\s][^$\n]{0,80}?\$(?![\w$])")


def _run(*command: str) -> str:
    tool = shutil.which(command[0])
    if tool is None:
        pytest.fail(f"{command[0]} is missing: install poppler-utils "
                    "(`make test` does)")
    return subprocess.run([tool, *command[1:]], check=True, capture_output=True,
                          text=True, timeout=300).stdout


@pytest.fixture(scope="module")
def pdf_pages() -> list[str]:
    if not PDF.exists():
        pytest.fail(f"{PDF} is missing: run `make book` (`make test` does)")
    return _run("pdftotext", "-layout", str(PDF), "-").split("\f")[:-1]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _article(doc: str):
    """The article of a built toc page, parsed once for all the tests (read only)."""
    return article((SITE / f"{doc}.html").read_text(encoding="utf-8"))


def _chapter_titles() -> list[tuple[str, str]]:
    """(document, title with its number as the site shows it) for every toc page."""
    titles = []
    for doc in toc_documents():
        heading = _article(doc).select_one("h1")
        text = "".join(piece for piece in heading.find_all(string=True)
                       if not piece.find_parent(class_="headerlink"))
        titles.append((doc, _flat(text).strip()))
    return titles


def test_title_page_names_the_book_and_its_version(pdf_pages):
    first = _flat(pdf_pages[0])
    assert CONFIG["title"] in first
    assert f"Version {VERSION}" in first
    assert re.search(r"\d{4}-\d{2}-\d{2}", first), "the title page has no date"
    info = _run("pdfinfo", str(PDF))
    assert re.search(rf"^Title:\s+{re.escape(CONFIG['title'])} {VERSION}$", info, re.M)


def test_every_chapter_is_in_it_in_the_toc_order_with_a_link_online(pdf_pages):
    text = _flat(" ".join(pdf_pages))
    contents_end = max(i for i, p in enumerate(pdf_pages) if "Contents" in p) + 1
    body = _flat(" ".join(pdf_pages[contents_end:]))
    baseurl = CONFIG["html"]["baseurl"].rstrip("/") + "/"
    position = 0
    for doc, title in _chapter_titles():
        found = body.find(title, position)
        assert found >= 0, f"{title!r} ({doc}) is not in the PDF after the previous one"
        position = found
        assert f"{baseurl}{doc}.html" in text, f"no link back online to {doc}"


def test_the_contents_give_the_page_each_chapter_starts_on(pdf_pages):
    contents = []  # the pages after the title page whose lines end with a page number
    for page in pdf_pages[1:]:
        lines = [line for line in page.splitlines() if line.strip()]
        numbered = sum(bool(re.search(r"\s\d+\s*$", line)) for line in lines)
        if numbered < 0.8 * len(lines):
            break
        contents.append(page)
    assert contents and "Contents" in contents[0]
    listing = _flat(" ".join(contents))
    for _, title in _chapter_titles():
        match = re.search(re.escape(title) + r" (\d+)\b", listing)
        assert match, f"the contents do not list {title!r} with a page number"
        page = int(match.group(1))
        assert title in _flat(pdf_pages[page - 1]), (
            f"the contents say {title!r} starts on page {page}, but it is not there")


def test_the_bibliography_is_in_it(pdf_pages):
    references = BeautifulSoup((SITE / "book" / "references.html").read_text(
        encoding="utf-8"), "html.parser")
    entries = references.select(".citation")
    assert len(entries) >= 5, "the site's bibliography has almost no entries"
    text = _flat(" ".join(pdf_pages))
    for entry in entries:
        label = _flat(entry.select_one(".label").get_text()).strip("[] ")
        assert label in text, f"bibliography entry {label!r} is not in the PDF"


def test_it_has_every_figure_at_150_dpi_or_more():
    figures = set()
    for doc in toc_documents():
        figures |= {img["src"] for img in _article(doc).select("img")}
    listing = _run("pdfimages", "-list", str(PDF)).splitlines()[2:]
    images = [line.split() for line in listing if line.split()[2] == "image"]
    assert len(images) >= len(figures) > 20, (
        f"{len(images)} images in the PDF for the site's {len(figures)} figures")
    low = [(row[0], row[12], row[13]) for row in images
           if min(int(row[12]), int(row[13])) < 150]
    assert not low, f"images printed under 150 dpi (page, x-ppi, y-ppi): {low[:5]}"


def _code_text() -> str:
    """The text of every code block and output of the book's pages, on one line: the
    book's code may hold TeX (matplotlib labels such as "$x_1$") that is not maths."""
    blocks = []
    for doc in toc_documents():
        blocks += [pre.get_text() for pre in _article(doc).select("pre")]
    return _flat(" ".join(blocks))


def test_no_raw_tex_unresolved_reference_or_dollar_maths(pdf_pages):
    code = _code_text()
    problems = []
    for number, page in enumerate(pdf_pages, start=1):
        for line in page.splitlines():
            if not line.strip() or _flat(line).strip() in code:
                continue
            for pattern, what in ((RAW_TEX, "TeX source"),
                                  (DOLLAR_MATH, "$...$ maths")):
                problems += [f"page {number}: {what} {m.group(0)!r} in {line.strip()!r}"
                             for m in pattern.finditer(line)]
            # Sphinx's mark of a reference it could not resolve ("???" is a table's)
            if re.search(r"(?<!\?)\?\?(?!\?)", line):
                problems.append(f"page {number}: an unresolved reference in {line!r}")
    assert not problems, "\n".join(problems[:20])


def test_exercises_have_their_solutions_and_live_code_is_left_out(pdf_pages):
    text = _flat(" ".join(pdf_pages))
    exercises = len(re.findall(r"(?<!to )\bExercise \d+\.\d+ \(", text))
    solutions = len(re.findall(r"\bSolution to Exercise \d+\.\d+", text))
    assert exercises > 20
    assert solutions >= exercises * 0.8, (
        f"{solutions} solutions for {exercises} exercises")
    assert text.count("Solutions to the exercises") >= 10
    for button in ("Launch Thebe", "Copy to clipboard", "Show code cell source"):
        assert button not in text
