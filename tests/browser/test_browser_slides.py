"""Every chapter with code has a deck (_ext/slides.py) that loads in Chromium from the
site alone, has 10 to 25 slides, moves with the keyboard, and fits every slide in
1280 x 720; the chapter's page links it and the book's PDF, and gives the version."""

from __future__ import annotations

import tomllib

import pytest
from booksite import ROOT, SCREENSHOTS, SITE, has_code, toc_documents

pytestmark = pytest.mark.browser

CHAPTERS = [doc for doc in toc_documents() if has_code(doc)]
WIDTH, HEIGHT = 1280, 720
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
    "project"]["version"]

# every slide, shown in turn and laid out at the deck's own size: how far its content
# reaches, and what did not render
MEASURE = """() => [...Array(Reveal.getTotalSlides()).keys()].map((index) => {
  Reveal.slide(index);
  const slide = Reveal.getCurrentSlide();
  const title = slide.querySelector('h1, h2');
  return {
    title: title ? title.textContent : '',
    height: slide.scrollHeight, clientHeight: slide.clientHeight,
    width: slide.scrollWidth, clientWidth: slide.clientWidth,
    mathErrors: slide.querySelectorAll('.katex-error').length,
    rawMaths: /\\\\\\(|\\\\\\[|\\$\\$/.test(slide.innerText),
    images: [...slide.querySelectorAll('img')].filter((i) => !i.naturalWidth).length,
  };
})"""


@pytest.mark.parametrize("doc", CHAPTERS)
def test_deck(doc, open_page, site_dir):
    name = doc.rsplit("/", 1)[-1]
    assert (SITE / "slides" / f"{name}.html").exists(), f"no deck for {doc}"
    page, log = open_page(f"slides/{name}.html", viewport=(WIDTH, HEIGHT))
    page.wait_for_function("window.Reveal && Reveal.isReady()")
    page.evaluate("document.fonts.ready")
    total = page.evaluate("Reveal.getTotalSlides()")
    assert 10 <= total <= 25, f"{doc}: {total} slides"
    assert page.evaluate("Reveal.getConfig().width") == WIDTH
    assert page.evaluate("Reveal.getConfig().height") == HEIGHT

    # the keyboard moves through it
    page.locator(".reveal").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices().h") == 1
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("Reveal.getIndices().h") == 0
    page.keyboard.press("End")
    assert page.evaluate("Reveal.getIndices().h") == total - 1
    page.keyboard.press("Home")

    problems = []
    for index, slide in enumerate(page.evaluate(MEASURE)):
        where = f"slide {index + 1} ({slide['title']!r})"
        if slide["height"] > slide["clientHeight"] + 1 \
                or slide["width"] > slide["clientWidth"] + 1:
            problems.append(f"{where} overflows: {slide['width']} x {slide['height']}")
        if slide["mathErrors"] or slide["rawMaths"]:
            problems.append(f"{where} has maths KaTeX did not typeset")
        if slide["images"]:
            problems.append(f"{where} has an image that did not load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for index in (0, 1):
        page.evaluate(f"Reveal.slide({index})")
        page.screenshot(path=str(SCREENSHOTS / f"slides-{name}-{index + 1}.png"))
    problems += log.problems()
    assert not problems, f"{doc}:\n" + "\n".join(problems)


@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_page_links_its_slides_and_the_pdf_and_gives_the_version(doc, site_dir):
    name = doc.rsplit("/", 1)[-1]
    text = (SITE / f"{doc}.html").read_text(encoding="utf-8")
    assert f'href="../slides/{name}.html"' in text, f"{doc}.html does not link its deck"
    assert 'href="../deep-learning-workshops.pdf"' in text
    assert f'<p class="book-version">Version {VERSION} ' in text


def test_the_introduction_links_the_pdf_and_the_slides(site_dir):
    intro = (SITE / toc_documents()[0]).with_suffix(".html").read_text(encoding="utf-8")
    assert 'href="../deep-learning-workshops.pdf"' in intro
    assert 'href="../slides/' in intro
