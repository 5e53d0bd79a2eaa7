"""The decks follow the marks in a chapter's source (_ext/slides.py): a marked section
or a tagged cell is a slide, an unmarked one is not, and a deck that would be too short,
too long or hold too long a cell stops the build; a deck is made again only when its
page, its source or the book's title changed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.tinybook import HEADER as TINY_HEADER
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import slides  # noqa: E402

HEADER = TINY_HEADER + "\n# A chapter\n\nIts introduction.\n"


def _chapter(tmp_path: Path, marked: list[int], sections: int = 12,
             code_lines: int = 3) -> tuple[Path, Path]:
    """A chapter's source with ``sections`` sections (those in ``marked`` marked), a
    tagged code cell in the first, and the page Sphinx would build from it."""
    source, page = [HEADER], ['<article class="bd-article"><section id="a-chapter">'
                              "<h1>A chapter</h1><p>Its introduction.</p>"]
    for i in range(sections):
        if i in marked:
            source.append('+++ {"slide": true}\n')
        source.append(f"## Section {i}\n\nWhy section {i} matters. More prose.\n\n"
                      "$$\ny = w x + b\n$$\n")
        page.append(f'<section id="s{i}"><h2><span class="section-number">1.{i}. '
                    f'</span>Section {i}<a class="headerlink" href="#s{i}">#</a></h2>'
                    f"<p>Why section {i} matters. More prose.</p>"
                    '<div class="math notranslate nohighlight">\\[y = w x + b\\]</div>')
        if i == 0:
            code = "\n".join(f"x{k} = {k}" for k in range(code_lines))
            source.append(f"```{{code-cell}} ipython3\n:tags: [slide]\n\n{code}\n```\n")
            page.append('<div class="cell tag_slide docutils container">'
                        f'<div class="cell_input"><pre>{code}\n</pre></div>'
                        '<div class="cell_output"><pre>42</pre></div></div>')
        page.append("</section>")
    page.append("</section></article>")
    md, html = tmp_path / "chapter.md", tmp_path / "chapter.html"
    md.write_text("\n".join(source), encoding="utf-8")
    html.write_text("".join(page), encoding="utf-8")
    return md, html


def test_marked_sections_and_tagged_cells_are_the_slides(tmp_path):
    md, html = _chapter(tmp_path, marked=list(range(0, 12, 2)) + [1, 3, 5])
    deck, count = slides.build_deck(html, md, "book/chapter", {"title": "A book"})
    assert count == 1 + 9 + 1  # title, the marked sections, the code cell
    for i in (0, 1, 2, 3, 4, 5, 6, 8, 10):
        assert f"<h2>Section {i}</h2>" in deck
    for i in (7, 9, 11):
        assert f"Section {i}</h2>" not in deck
    assert deck.count('<aside class="notes">') >= 9  # the prose went to the notes
    assert "x2 = 2" in deck and "<pre>42</pre>" in deck
    assert "\\[y = w x + b\\]" in deck  # the equation is on the slide
    assert "https://" not in deck.split("</head>")[0]  # nothing from another host


def test_a_mark_needs_a_heading(tmp_path):
    md = tmp_path / "chapter.md"
    md.write_text(HEADER + '\n+++ {"slide": true}\n\nA paragraph, no heading.\n',
                  encoding="utf-8")
    with pytest.raises(ExtensionError, match="no heading"):
        slides.marked(md)


def test_own_title(tmp_path):
    md = tmp_path / "chapter.md"
    md.write_text(HEADER + '\n+++ {"slide": "Short"}\n\n## A *long* heading\n',
                  encoding="utf-8")
    assert slides.marked(md)[0] == {"a long heading": "Short"}


@pytest.mark.parametrize("marked", [[0, 1, 2], list(range(30))])
def test_too_few_or_too_many_slides_stop_the_build(tmp_path, marked):
    md, html = _chapter(tmp_path, marked=marked, sections=max(marked) + 1)
    with pytest.raises(ExtensionError, match="slides; mark between 10 and 25"):
        slides.build_deck(html, md, "book/chapter", {"title": "A book"})


def test_a_cell_too_long_for_a_slide_stops_the_build(tmp_path):
    md, html = _chapter(tmp_path, marked=list(range(10)), code_lines=30)
    with pytest.raises(ExtensionError, match="30 lines of code"):
        slides.build_deck(html, md, "book/chapter", {"title": "A book"})


def _app(tmp_path: Path, md: Path, html: Path) -> SimpleNamespace:
    """What write_decks reads of Sphinx: a site with the chapter's page, a source folder
    whose node_modules holds the deck's assets, and the doctrees folder."""
    site, srcdir = tmp_path / "html", tmp_path / "src"
    (site / "book").mkdir(parents=True)
    (site / "book" / "chapter.html").write_bytes(html.read_bytes())
    for asset in slides.ASSETS:
        path = srcdir / "node_modules" / asset
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("/* asset */\n")
    return SimpleNamespace(outdir=str(site), srcdir=str(srcdir),
                           doctreedir=str(tmp_path / "doctrees"),
                           builder=SimpleNamespace(format="html"),
                           config=SimpleNamespace(html_title="A book", project="A book",
                                                  html_favicon=None),
                           _slide_decks={"book/chapter": md})


def test_a_deck_is_made_again_only_when_what_it_is_made_from_changed(tmp_path,
                                                                     monkeypatch):
    md, html = _chapter(tmp_path, marked=list(range(10)))
    app = _app(tmp_path, md, html)
    made = []
    build_deck = slides.build_deck
    monkeypatch.setattr(slides, "build_deck",
                        lambda *args: made.append(args[2]) or build_deck(*args))
    deck = Path(app.outdir) / "slides" / "chapter.html"
    counts = Path(app.outdir) / "slides" / "decks.json"

    slides.write_decks(app, None)
    assert made == ["book/chapter"] and "<h2>Section 9</h2>" in deck.read_text()
    # the title, the 10 marked sections and the tagged cell
    assert json.loads(counts.read_text()) == {"book/chapter": 12}

    slides.write_decks(app, None)  # nothing changed: the deck is kept
    assert made == ["book/chapter"]
    assert json.loads(counts.read_text()) == {"book/chapter": 12}

    page = Path(app.outdir) / "book" / "chapter.html"  # the page changed
    page.write_text(page.read_text().replace("section 9 matters", "section 9 counts"))
    slides.write_decks(app, None)
    assert len(made) == 2 and "section 9 counts" in deck.read_text()

    md.write_text(md.read_text() + "\nA new closing line.\n")  # the source changed
    slides.write_decks(app, None)
    assert len(made) == 3

    app.config.html_title = "Another book"  # the title on the first slide changed
    slides.write_decks(app, None)
    assert len(made) == 4 and "Another book" in deck.read_text()

    deck.unlink()  # the deck went: it is made again
    slides.write_decks(app, None)
    assert len(made) == 5 and deck.is_file()
    assert not list(Path(app.doctreedir).glob("*.part"))


def test_a_deck_has_the_books_icon(tmp_path):
    """Without the icon the pages have, a browser asks the site for /favicon.ico."""
    md, html = _chapter(tmp_path, marked=list(range(10)))
    deck, _ = slides.build_deck(html, md, "book/chapter",
                                {"title": "A book", "favicon": "favicon.svg"})
    assert '<link rel="icon" href="../_static/favicon.svg">' in deck
    deck, _ = slides.build_deck(html, md, "book/chapter", {"title": "A book"})
    assert 'rel="icon"' not in deck
    assert slides._static_name("_static/favicon.svg") == "favicon.svg"
    assert slides._static_name("https://example.org/icon.png") is None
