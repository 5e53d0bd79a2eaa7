"""Print the built site as one PDF: the whole book, in the order of its contents.

Usage: python tools/pdf.py [--site _build/html] [--out _build/pdf]

Reads the pages ``make book`` built (so nothing executes again: the outputs are those of
the execution cache), and joins the article of every page of the toc into one HTML
document, ``book.html`` in the output folder: a title page with the version (from
``pyproject.toml``) and the date of the last commit, a table of contents with page
numbers, then each chapter, a link back to its page online under its title, and its
exercises' solutions after it. Links between pages become links inside the document;
links to pages the book does not print go to the site online. Headless Chromium prints
it (``deep-learning-workshops.pdf``, A4, with the chapters as the PDF's outline;
copied into the site, whose download menu links it) with the site's own
stylesheets and ``tools/pdf.css``, after the maths is typeset (MathJax, when the pages
use it; maths rendered at build time needs nothing). Chromium has no CSS for page
numbers of a link's target, so the document is printed twice: the first print says on
which page each chapter and section starts (its link targets, read back with poppler's
``pdfinfo -dests``), the second prints the contents with them. Figures are printed at
150 dots per inch or more: a PNG is never stretched wider than 150 of its pixels per
inch of paper.

The pages are served to Chromium from a local HTTP server, and any request to another
host is refused, so the PDF contains only what the site ships.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from bs4 import BeautifulSoup, Tag
from bookfiles import toc_parts

ROOT = Path(__file__).resolve().parent.parent
CSS = Path(__file__).with_name("pdf.css")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PDF_NAME = "deep-learning-workshops.pdf"
MIN_DPI = 150
# what a printed page cannot use: the buttons that start live code or copy a cell, the
# anchors of headings, and the contents box of the theme
REMOVE = [".headerlink", ".btn-launch-thebe", ".thebe-launch-button", ".copybtn",
          ".toggle-button", "script", "style", ".bd-toc", ".live-code-only",
          "[data-print='hide']"]


def book_metadata(root: Path) -> dict:
    """Title, author, version, date and the online address of the site."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["version"]
    try:  # the date of the commit printed, so that two prints of it are the same book
        date = subprocess.run(["git", "log", "-1", "--format=%cs"], cwd=root,
                              check=True, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        date = ""
    date = date or dt.date.today().isoformat()
    baseurl = (config.get("html") or {}).get("baseurl") or ""
    if not baseurl:
        raise SystemExit("_config.yml has no html.baseurl: the PDF links every chapter "
                         "to its page online")
    return {"title": config["title"], "author": config["author"], "version": version,
            "date": date, "baseurl": baseurl.rstrip("/") + "/",
            "repository": config["repository"]["url"]}


def _slug(doc: str) -> str:
    return doc.replace("/", "-")


class Book:
    """The pages of the site joined into one document, its links rewired."""

    def __init__(self, site: Path, out: Path, meta: dict, docs):
        self.site, self.out, self.meta, self.docs = site, out, meta, docs
        self.printed = {doc for doc, _ in docs}

    def _resource(self, doc: str, url: str) -> str:
        """A page's relative URL of an image or stylesheet, relative to ``out``."""
        if urlsplit(url).scheme or url.startswith(("//", "#", "data:")):
            return url
        path = posixpath.normpath(posixpath.join(posixpath.dirname(doc), url))
        return os.path.relpath(self.site / path, self.out).replace(os.sep, "/")

    def _link(self, doc: str, href: str) -> str:
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//") or href.startswith("mailto:"):
            return href
        if not parts.path:  # an anchor of the same page
            return f"#{_slug(doc)}--{parts.fragment}" if parts.fragment else href
        target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), parts.path))
        name = re.sub(r"\.html$", "", target)
        if name in self.printed:
            return f"#{_slug(name)}--{parts.fragment}" if parts.fragment \
                else f"#{_slug(name)}"
        return self.meta["baseurl"] + target + (f"#{parts.fragment}"
                                                 if parts.fragment else "")

    def chapter(self, doc: str, caption: str | None) -> tuple[Tag, list[str], dict]:
        """The article of one page, ready to print, and its head's styles, scripts."""
        page = BeautifulSoup((self.site / f"{doc}.html").read_text(encoding="utf-8"),
                             "html.parser")
        head = {
            "css": [self._resource(doc, link["href"].split("?")[0])
                    for link in page.find_all("link", rel="stylesheet")],
            "mathjax": [self._resource(doc, s["src"].split("?")[0])
                        for s in page.find_all("script", src=True)
                        if "mathjax" in s["src"].lower()],
            "inline": [s.string for s in page.find_all("script", src=False)
                       if s.string and "MathJax" in s.string],
        }
        article = page.select_one("article.bd-article")
        if article is None:
            raise SystemExit(f"{doc}.html has no article: is {self.site} a built site?")
        for selector in REMOVE:
            for node in article.select(selector):
                node.decompose()
        # hidden code (plumbing) stays hidden; what the page folds away prints open
        hidden = ".tag_hide-input .cell_input, .tag_hide-input summary"
        for node in article.select(hidden):
            node.decompose()
        for details in article.find_all("details"):
            details["open"] = ""
            for summary in details.find_all("summary", recursive=False):
                summary.decompose()
        slug = _slug(doc)
        for node in article.find_all(id=True):
            node["id"] = f"{slug}--{node['id']}"
        for node in article.find_all("a", href=True):
            node["href"] = self._link(doc, node["href"])
        for node in article.find_all(["img", "source"]):
            for attr in ("src", "srcset"):
                if node.get(attr):
                    node[attr] = self._resource(doc, node[attr])
        # the exercises' solutions, after the chapter
        solutions = article.select(".solution")
        top = article.find("section")
        if solutions:
            block = page.new_tag("section", attrs={"class": "print-solutions",
                                                   "id": f"{slug}--print-solutions"})
            heading = page.new_tag("h2")
            heading.string = "Solutions to the exercises"
            block.append(heading)
            for solution in solutions:
                solution["class"] = [c for c in solution.get("class", [])
                                     if c != "dropdown"]
                block.append(solution.extract())
            top.append(block)
        # the link back online, under the title
        url = self.meta["baseurl"] + f"{doc}.html"
        title = top.find("h1")
        online = page.new_tag("p", attrs={"class": "print-online"})
        online.append("Online, with live code: ")
        anchor = page.new_tag("a", href=url)
        anchor.string = url
        online.append(anchor)
        title.insert_after(online)
        if caption:
            part = page.new_tag("p", attrs={"class": "print-part"})
            part.string = caption
            title.insert_before(part)
        wrapper = page.new_tag("div", attrs={"class": "print-chapter", "id": slug})
        for child in list(article.children):
            wrapper.append(child.extract())
        return wrapper, head

    def html(self, pages: dict[str, int] | None) -> str:
        chapters, head = [], None
        for doc, caption in self.docs:
            wrapper, page_head = self.chapter(doc, caption)
            head = head or page_head
            chapters.append(wrapper)
        meta = self.meta
        toc = []
        for (doc, _), wrapper in zip(self.docs, chapters):
            entries = [("chapter", wrapper.find("h1"))]
            entries += [("section", h) for h in wrapper.find_all("h2")
                        if "print-solutions" not in (h.parent.get("class") or [])]
            for kind, heading in entries:
                section = heading.find_parent(["section", "div"])
                target = section.get("id") if section is not None else None
                text = heading.get_text(" ", strip=True)
                number = "" if pages is None else pages.get(target, "")
                toc.append(f'<li class="toc-{kind}"><a href="#{target}">'
                           f'<span class="toc-text">{_escape(text)}</span>'
                           f'<span class="toc-page">{number or "000"}</span></a></li>')
        css = "\n".join(f'<link rel="stylesheet" href="{href}">'
                        for href in head["css"])
        css += f'\n<link rel="stylesheet" href="{os.path.relpath(CSS, self.out)}">'
        scripts = "".join(f"<script>{text}</script>" for text in head["inline"])
        scripts += "".join(f'<script defer src="{src}"></script>'
                           for src in head["mathjax"])
        body = "\n".join(str(wrapper) for wrapper in chapters)
        return f"""<!DOCTYPE html>
<html lang="en" data-theme="light" data-mode="light">
<head>
<meta charset="utf-8">
<title>{_escape(meta['title'])} {meta['version']}</title>
{css}
{scripts}
</head>
<body class="print-book">
<section class="print-title-page">
<h1 class="print-title">{_escape(meta['title'])}</h1>
<p class="print-author">{_escape(meta['author'])}</p>
<p class="print-version">Version {meta['version']}, {meta['date']}</p>
<p class="print-site">The book online, with live code and exercises:
<a href="{meta['baseurl']}">{meta['baseurl']}</a><br>
Its source: <a href="{meta['repository']}">{meta['repository']}</a></p>
</section>
<nav class="print-toc"><h1>Contents</h1><ol>{''.join(toc)}</ol></nav>
<main class="bd-article">{body}</main>
</body>
</html>
"""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# Waits for MathJax when the page loads it, then for fonts and images (lazy ones made
# eager), then gives each PNG figure a width of at most 96/150 CSS pixels per image
# pixel (>= 150 dpi on paper).
READY = """async (minDpi) => {
  if (window.MathJax && window.MathJax.startup) {
    await window.MathJax.startup.promise;
    if (window.MathJax.typesetPromise) { await window.MathJax.typesetPromise(); }
  }
  await document.fonts.ready;
  const images = [...document.images];
  // a lazy image loads only when scrolled near, which a printed page never is
  for (const img of images) { if (img.loading === 'lazy') { img.loading = 'eager'; } }
  await Promise.all(images.map((img) => img.complete ? null :
    new Promise((done) => { img.onload = done; img.onerror = done; })));
  const broken = images.filter((img) => !img.naturalWidth).map((img) => img.src);
  for (const img of images) {
    if (img.naturalWidth && !img.src.endsWith('.svg')) {
      // 4% over the limit: a short figure's height is rounded to whole CSS pixels
      img.style.maxWidth = `min(100%, ${img.naturalWidth * 96 / (minDpi * 1.04)}px)`;
      img.style.height = 'auto';
    }
  }
  return broken;
}"""


def print_pdf(html_path: Path, serve_root: Path, pdf_path: Path, meta: dict) -> None:
    from playwright.sync_api import sync_playwright

    server = _serve(serve_root)
    host = f"127.0.0.1:{server.server_address[1]}"
    refused: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc == host:
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.route("**/*", route)
            rel = html_path.relative_to(serve_root).as_posix()
            page.goto(f"http://{host}/{rel}", wait_until="load", timeout=120_000)
            broken = page.evaluate(READY, MIN_DPI)
            if broken:
                raise SystemExit(f"images that did not load: {broken[:5]}")
            page.emulate_media(media="print")
            footer = ('<div style="font-size:8px;width:100%;text-align:center;'
                      'color:#555;font-family:sans-serif">'
                      f'{_escape(meta["title"])} {meta["version"]} &middot; '
                      '<span class="pageNumber"></span></div>')
            page.pdf(path=str(pdf_path), format="A4", print_background=True,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template=footer, outline=True, tagged=True,
                     margin={"top": "18mm", "bottom": "18mm", "left": "18mm",
                             "right": "18mm"})
            browser.close()
    finally:
        server.shutdown()
    if refused:
        raise SystemExit(f"the book asked for files on another host: {refused[:5]}")


def page_texts(pdf_path: Path) -> list[str]:
    """The text of every page of a PDF (poppler's pdftotext)."""
    text = subprocess.run([_poppler("pdftotext"), "-layout", str(pdf_path), "-"],
                          check=True, capture_output=True, text=True).stdout
    return text.split("\f")[:-1]


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} is missing: install poppler-utils "
                         "(`make book` does, as root on Debian)")
    return path


def destinations(pdf_path: Path) -> dict[str, int]:
    """The page of every link target of a PDF: Chromium names each one by its id."""
    listing = subprocess.run([_poppler("pdfinfo"), "-dests", str(pdf_path)], check=True,
                             capture_output=True, text=True).stdout
    return {m.group(2): int(m.group(1)) for m in
            re.finditer(r'^\s*(\d+) \[.*\] "(.*)"$', listing, re.MULTILINE)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf")
    args = parser.parse_args(argv)
    site, out = args.site.resolve(), args.out.resolve()
    if not (site / "index.html").exists():
        raise SystemExit(f"{site} has no built site: run `make book` first")
    started = time.perf_counter()
    meta = book_metadata(ROOT)
    book = Book(site, out, meta, toc_parts(ROOT / "_toc.yml"))
    out.mkdir(parents=True, exist_ok=True)
    serve_root = Path(os.path.commonpath([site, out, CSS.parent]))
    html_path, pdf_path = out / "book.html", out / PDF_NAME
    partial = out / f".{PDF_NAME}.part"
    first = book.html(None)
    html_path.write_text(first, encoding="utf-8")
    print_pdf(html_path, serve_root, partial, meta)
    pages = destinations(partial)
    final = book.html(pages)
    html_path.write_text(final, encoding="utf-8")
    print_pdf(html_path, serve_root, partial, meta)
    listed = [a["href"][1:] for a in
              BeautifulSoup(final, "html.parser").select(".print-toc li a")]
    again = destinations(partial)
    missing = [target for target in listed if target not in again]
    moved = [target for target in listed if again.get(target) != pages.get(target)]
    if missing or moved:
        raise SystemExit(f"headings of the contents not in the PDF: {missing}; "
                         f"moved on the second print: {moved}")
    texts = page_texts(partial)
    os.replace(partial, pdf_path)
    shutil.copy2(pdf_path, site / PDF_NAME)  # served with the site, linked from it
    size = pdf_path.stat().st_size / 2**20
    shown = pdf_path.relative_to(ROOT) if pdf_path.is_relative_to(ROOT) else pdf_path
    print(f"{shown}: "
          f"{len(texts)} pages, {size:.1f} MiB, "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
