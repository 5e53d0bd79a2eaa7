"""A reveal.js deck for every chapter with code that marks its slides, made from the
chapter's built page, and a link to it in the page's download menu.

What goes on a slide is marked in the chapter's source, so the deck follows the chapter:

- a markdown cell whose metadata has ``slide`` (``+++ {"slide": true}`` on the line
  before a heading, which jupytext keeps) makes a slide of that section: its title, its
  display equations, its first short list and its first figure; its paragraphs become
  the speaker notes (key ``S``), and the first sentence, when nothing else is shown,
  stands under the title. ``{"slide": "A title"}`` gives the slide its own title.
- a code cell tagged ``slide`` puts its code and outputs on a slide (only its outputs
  when the page hides its code), ``slide-output`` only its outputs (a figure whose
  plotting code is plumbing). The paragraph before the cell becomes the notes.

The deck is made after the build, from the page Sphinx wrote: the outputs are those of
the execution cache (nothing executes again), the maths, citations and glued numbers
are the page's. Decks are written to ``slides/<chapter>.html`` in the site, with
reveal.js and KaTeX copied from ``node_modules`` (no third-party host), at 1280 x 720.
A deck is made again only when its page, its chapter's source, the book's title or
this file changed since it was made (the digests are kept beside Sphinx's doctrees).
A chapter whose deck would have fewer than 10 or more than 25 slides, a marked heading
the page does not have, or a code cell too long for a slide fails the build.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import shutil
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

SLIDES_DIR = "slides"
MIN_SLIDES, MAX_SLIDES = 10, 25
MAX_CODE_LINES = 20  # at the deck's code size, what fits under a title in 720 pixels
MAX_LIST_ITEMS = 7
MAX_LIST_CHARS = 420  # what six lines of a slide hold
MAX_LEAD_CHARS = 280  # four lines
MAX_EQUATIONS = 3
ASSETS = {  # node_modules path -> path under slides/
    "reveal.js/dist/reset.css": "_reveal/reset.css",
    "reveal.js/dist/reveal.css": "_reveal/reveal.css",
    "reveal.js/dist/reveal.js": "_reveal/reveal.js",
    "reveal.js/dist/theme/white.css": "_reveal/theme/white.css",
    "reveal.js/dist/theme/fonts/source-sans-pro": "_reveal/theme/fonts/source-sans-pro",
    "reveal.js/plugin/notes/notes.js": "_reveal/plugin/notes/notes.js",
    "katex/dist/katex.min.css": "_katex/katex.min.css",
    "katex/dist/katex.min.js": "_katex/katex.min.js",
    "katex/dist/fonts": "_katex/fonts",
    "katex/dist/contrib/auto-render.min.js": "_katex/contrib/auto-render.min.js",
}
HERE = Path(__file__).parent
DECK_FILES = ["slides.css", "slides.js"]


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def marked(source: Path) -> tuple[dict[str, str | None], bool]:
    """The headings marked ``slide`` in a chapter (words -> own title or None), and
    whether it has code cells."""
    import jupytext

    notebook = jupytext.read(source)
    headings: dict[str, str | None] = {}
    for index, cell in enumerate(notebook.cells):
        value = cell.metadata.get("slide")
        if cell.cell_type != "markdown" or not value:
            continue
        match = re.search(r"^#{1,6}\s+(.+?)\s*$", cell.source, re.MULTILINE)
        if match is None:
            raise ExtensionError(f"{source}: markdown cell {index + 1} is marked "
                                 "'slide' but has no heading: put the mark before a "
                                 "heading")
        title = value if isinstance(value, str) else None
        headings[_words(re.sub(r"[*_`$\\{}]", "", match.group(1)))] = title
    has_code = any(cell.cell_type == "code" for cell in notebook.cells)
    return headings, has_code


def _heading_text(heading: Tag) -> str:
    heading = copy.copy(heading)
    for node in heading.select(".section-number, .headerlink"):
        node.decompose()
    return heading.get_text(" ", strip=True)


def _relink(node: Tag) -> Tag:
    """Links and images of a page in book/, for a deck in slides/ (same depth)."""
    for a in node.find_all("a", href=True):
        href = a["href"]
        if not re.match(r"^([a-z]+:|/|#|\.\./)", href):
            a["href"] = "../book/" + href
        elif href.startswith("#"):
            a.unwrap()
    for tag in node.find_all(id=True):
        del tag["id"]
    for tag in node.find_all("section"):  # reveal.js would make it a slide of its own
        tag.name = "div"
    for tag in node.select(".headerlink, .copybtn, script"):
        tag.decompose()
    for img in node.find_all("img", loading=True):  # a deck's figures load with it
        del img["loading"]
    return node


def _lead(paragraph: Tag) -> str | None:
    """The opening of a paragraph, as HTML, to stand under a slide's title: the whole
    paragraph when it is short, else its first sentences up to a full statement (not
    one that announces what follows with a colon); None when that is too long."""
    text = str(paragraph.decode_contents())
    plain = paragraph.get_text()
    if len(plain) <= MAX_LEAD_CHARS:
        return None if plain.rstrip().endswith(":") else text.strip()
    ends = [m.end() for m in re.finditer(r"[.:](\s|$)", plain)]
    end = next((e for e in ends if e >= 60 and plain[:e].rstrip()[-1] == "."), None)
    if end is None or end > MAX_LEAD_CHARS:
        return None
    # the same place in the HTML: count the characters outside tags, an entity as one
    depth, seen, i = 0, 0, 0
    while i < len(text):
        char = text[i]
        if char == "<":
            depth += 1
        elif char == ">":
            depth -= 1
        elif depth == 0:
            if char == "&" and ";" in text[i:i + 10]:
                i = text.index(";", i)
            seen += 1
            if seen == end and text[:i + 1].count("\\(") == text[:i + 1].count("\\)"):
                return text[:i + 1].strip()
        i += 1
    return None


def _short_list(items: Tag) -> Tag | None:
    """A list short enough for a slide; for a long one whose items each start with a
    term in bold or italics, the list of those terms; otherwise None."""
    if len(items.get_text(" ", strip=True)) <= MAX_LIST_CHARS:
        return items
    terms = []
    for item in items.find_all("li", recursive=False):
        first = item.find(["strong", "em"])
        if first is None or not item.get_text(" ", strip=True).startswith(
                first.get_text(" ", strip=True)):
            return None
        terms.append(first.get_text(" ", strip=True))
    short = BeautifulSoup("", "html.parser").new_tag(items.name)
    for term in terms:
        li = BeautifulSoup("", "html.parser").new_tag("li")
        li.string = term.rstrip(":.")
        short.append(li)
    return short


def _notes(parts: list[Tag]) -> str:
    if not parts:
        return ""
    notes = "".join(str(_relink(copy.copy(part))) for part in parts)
    return f'<aside class="notes">{notes}</aside>'


def section_slide(section: Tag, title: str) -> str:
    shown, notes = [], []
    equations = lists = figures = 0
    for child in section.children:
        if not isinstance(child, Tag) or child.name in ("section", "h1", "h2", "h3",
                                                          "h4"):
            continue
        classes = child.get("class") or []
        if "cell" in classes:
            continue
        if "math" in classes or child.select_one(".math-wrapper, div.math"):
            if equations < MAX_EQUATIONS:
                shown.append(child)
                equations += 1
                continue
        elif child.name in ("ul", "ol") and lists == 0 \
                and len(child.find_all("li", recursive=False)) <= MAX_LIST_ITEMS:
            terms = _short_list(child)
            if terms is not None:
                shown.append(terms)
                lists += 1
                if terms is not child:
                    notes.append(child)
                continue
        elif child.name == "figure" or (child.name == "div" and child.find("img")):
            if figures == 0 and equations < 2:
                shown.append(child)
                figures += 1
                continue
        notes.append(child)
    lead = ""
    if not lists and not figures:
        first = next((n for n in notes if n.name == "p"), None)
        opening = _lead(first) if first is not None else None
        if opening:
            lead = f'<p class="lead">{opening}</p>'
    body = "".join(str(_relink(copy.copy(node))) for node in shown)
    kind = "figure-slide" if figures and not equations else "section-slide"
    return (f'<section class="{kind}"><h2>{html.escape(title)}</h2>{lead}{body}'
            f"{_notes(notes)}</section>")


def code_slide(cell: Tag, title: str, source_name: str, outputs_only: bool) -> str:
    classes = cell.get("class") or []
    hidden = {"tag_hide-input", "tag_remove-input"} & set(classes)
    parts = []
    if not (outputs_only or hidden):
        code = cell.select_one(".cell_input")
        if code is not None:
            lines = code.get_text().rstrip("\n").count("\n") + 1
            if lines > MAX_CODE_LINES:
                raise ExtensionError(
                    f"{source_name}: a cell tagged 'slide' has {lines} lines of code, "
                    f"more than the {MAX_CODE_LINES} a slide holds; tag it "
                    "'slide-output' to show its outputs only, or shorten it")
            parts.append(code)
    captions = []
    for output in cell.select(".cell_output"):
        output = copy.copy(output)
        for caption in output.find_all("figcaption"):
            captions.append(caption.extract())
        parts.append(output)
    # the prose just before the cell tells what it shows
    notes, previous = [], cell.find_previous_sibling()
    while previous is not None and previous.name == "p" and len(notes) < 2:
        notes.insert(0, previous)
        previous = previous.find_previous_sibling()
    notes += captions
    has_image = any(p.find("img") for p in parts)
    has_code = any("cell_input" in (p.get("class") or []) for p in parts)
    kind = "code-slide" + (" with-image" if has_image else "") + (
        " with-code" if has_code else "")
    body = "".join(str(_relink(copy.copy(p))) for p in parts)
    return (f'<section class="{kind}"><h2>{html.escape(title)}</h2>{body}'
            f"{_notes(notes)}</section>")


def build_deck(page_path: Path, source: Path, doc: str, meta: dict) -> tuple[str, int]:
    headings, _ = marked(source)
    page = BeautifulSoup(page_path.read_text(encoding="utf-8"), "html.parser")
    article = page.select_one("article.bd-article")
    chapter = article.find("section")
    chapter_title = _heading_text(chapter.find("h1"))
    slides = [
        f'<section class="title-slide"><p class="book">{html.escape(meta["title"])}</p>'
        f"<h1>{html.escape(chapter_title)}</h1>"
        f'<p class="online"><a href="../{doc}.html">the chapter in the book</a>, '
        f'with the code, exercises and live code</p>'
        "{agenda}"
        f"{_notes([p for p in chapter.find_all('p', recursive=False)][:2])}</section>"
    ]
    agenda = []
    found: set[str] = set()

    def wanted(tag: Tag) -> bool:
        if tag.name == "section":
            heading = tag.find(re.compile(r"^h[1-6]$"), recursive=False)
            return heading is not None and _words(_heading_text(heading)) in headings
        classes = tag.get("class") or []
        return tag.name == "div" and "cell" in classes and bool(
            {"tag_slide", "tag_slide-output"} & set(classes))

    for node in article.find_all(wanted):
        if node.name == "section":
            heading = node.find(re.compile(r"^h[1-6]$"), recursive=False)
            words = _words(_heading_text(heading))
            found.add(words)
            agenda.append(headings[words] or _heading_text(heading))
            title = headings[words] or _heading_text(heading)
            slides.append(section_slide(node, title))
        else:
            section = node.find_parent("section")
            heading = section.find(re.compile(r"^h[1-6]$"), recursive=False)
            slides.append(code_slide(node, _heading_text(heading), str(source),
                                     "tag_slide-output" in node["class"]))
    agenda = list(dict.fromkeys(agenda))[:MAX_LIST_ITEMS]
    items = "".join(f"<li>{html.escape(t)}</li>" for t in agenda)
    slides[0] = slides[0].replace("{agenda}", f'<ul class="agenda">{items}</ul>')
    missing = set(headings) - found
    if missing:
        raise ExtensionError(f"{source}: headings marked 'slide' not on the page: "
                             f"{sorted(missing)}")
    count = len(slides)
    if not MIN_SLIDES <= count <= MAX_SLIDES:
        raise ExtensionError(f"{source}: its deck has {count} slides; mark between "
                             f"{MIN_SLIDES} and {MAX_SLIDES} (sections and cells "
                             "tagged 'slide', with the title slide)")
    css = "".join(f'<link rel="stylesheet" href="{href}">' for href in (
        "_reveal/reset.css", "_reveal/reveal.css", "_reveal/theme/white.css",
        "_katex/katex.min.css", "../_static/pygments.css", "slides.css"))
    scripts = "".join(f'<script src="{src}"></script>' for src in (
        "_reveal/reveal.js", "_reveal/plugin/notes/notes.js", "_katex/katex.min.js",
        "_katex/contrib/auto-render.min.js", "slides.js"))
    # the book's icon, which the pages have: without it a browser asks for /favicon.ico
    icon = (f'<link rel="icon" href="../_static/{html.escape(meta["favicon"])}">\n'
            if meta.get("favicon") else "")
    deck = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{icon}<title>{html.escape(chapter_title)}: slides</title>
{css}
</head>
<body>
<div class="reveal"><div class="slides">
{chr(10).join(slides)}
</div></div>
{scripts}
</body>
</html>
"""
    return deck, count


def _copy(src: Path, dst: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def _has_marks(source: Path) -> bool:
    import jupytext

    for cell in jupytext.read(source).cells:
        if cell.cell_type == "markdown" and cell.metadata.get("slide"):
            return True
        if {"slide", "slide-output"} & set(cell.metadata.get("tags", [])):
            return True
    return False


def decks(app: Sphinx) -> dict[str, Path]:
    """Chapter docname -> its source, for every chapter with code cells and slide marks
    (the browser tests check that every chapter of the book with code has a deck)."""
    if getattr(app, "_slide_decks", None) is not None:
        return app._slide_decks
    found = {}
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if source.suffix == ".md" and "```{code-cell}" in source.read_text(
                encoding="utf-8") and _has_marks(source):
            found[docname] = source
    app._slide_decks = found
    return found


def _static_name(favicon: str | None) -> str | None:
    """Where Sphinx puts the book's favicon, by its name in ``_static``; None for none,
    or for one given as a web address (left out of the decks)."""
    if not favicon or "://" in favicon:
        return None
    return Path(favicon).name


def _inputs_digest(page: Path, source: Path, meta: dict) -> str:
    """What a deck is made from: its page, its chapter's source, the book's title and
    this file."""
    digest = hashlib.sha256()
    for part in (page.read_bytes(), source.read_bytes(),
                 json.dumps(meta, sort_keys=True).encode(), Path(__file__).read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def write_decks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir) / SLIDES_DIR
    modules = Path(app.srcdir) / "node_modules"
    for src, dst in ASSETS.items():
        if not (modules / src).exists():
            raise ExtensionError(f"{modules / src} is missing: run `npm ci` "
                                 "(`make book` does)")
        _copy(modules / src, outdir / dst)
    for name in DECK_FILES:
        _copy(HERE / name, outdir / name)
    meta = {"title": app.config.html_title or app.config.project,
            "favicon": _static_name(app.config.html_favicon)}
    record = Path(app.doctreedir) / "slide-decks.json"
    try:
        made = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        made = {}
    counts, digests = {}, {}
    for docname, source in sorted(decks(app).items()):
        page = Path(app.outdir) / f"{docname}.html"
        name = docname.rsplit("/", 1)[-1]
        digest = _inputs_digest(page, source, meta)
        earlier = made.get(docname) or {}
        if earlier.get("digest") == digest and (outdir / f"{name}.html").is_file():
            counts[docname], digests[docname] = earlier["slides"], earlier
            continue
        deck, counts[docname] = build_deck(page, source, docname, meta)
        partial = outdir / f".{name}.html.part"
        partial.write_text(deck, encoding="utf-8")
        partial.replace(outdir / f"{name}.html")
        digests[docname] = {"digest": digest, "slides": counts[docname]}
    record.parent.mkdir(parents=True, exist_ok=True)
    partial = record.with_name(record.name + ".part")
    partial.write_text(json.dumps(digests, indent=1) + "\n", encoding="utf-8")
    partial.replace(record)
    (outdir / "decks.json").write_text(json.dumps(counts, indent=1) + "\n",
                                       encoding="utf-8")
    logger.info("slides: %s", ", ".join(f"{d.rsplit('/', 1)[-1]} {n}"
                                         for d, n in counts.items()))


def add_links(app: Sphinx, pagename: str, templatename: str, context: dict,
              doctree) -> None:
    """A chapter's slides in its page's download menu."""
    buttons = context.get("header_buttons") or []
    group = next((b for b in buttons if b.get("label") == "download-buttons"), None)
    if group is None:
        return
    pathto = context["pathto"]
    if pagename in decks(app):
        name = pagename.rsplit("/", 1)[-1]
        group["buttons"].append({
            "type": "link", "url": pathto(f"{SLIDES_DIR}/{name}.html", 1),
            "text": "Slides", "tooltip": "This chapter as slides",
            "icon": "fas fa-person-chalkboard", "label": "slides-button"})


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", add_links, priority=600)
    app.connect("build-finished", write_decks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
