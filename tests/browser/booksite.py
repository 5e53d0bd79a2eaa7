"""Where the built site is, what its pages are, and the repository they link to.

The site is taken from ``$DLBOOK_SITE`` (default ``_build/html``, what ``make book``
builds) and its table of contents from ``$DLBOOK_TOC`` (default ``_toc.yml``), so a
partial book built with a private toc can be tested too. Screenshots go to
``$DLBOOK_SCREENSHOTS`` (default: ``screenshots/`` beside the site, i.e.
``_build/screenshots``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml
from helpers import book

ROOT = Path(__file__).resolve().parents[2]


SITE = book.SITE
TOC = book.path_from_env("DLBOOK_TOC", ROOT / "_toc.yml")
SCREENSHOTS = book.path_from_env("DLBOOK_SCREENSHOTS", SITE.parent / "screenshots")
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

# Waits for what a reader waits for once the page has loaded: its fonts, and every image,
# the lazy ones (loading="lazy", below the first screen) fetched now rather than when
# scrolled to; returns the address of each image that did not load.
SETTLE = """async () => {
  await document.fonts.ready;
  const images = [...document.images];
  for (const image of images) if (image.loading === 'lazy') image.loading = 'eager';
  await Promise.all(images.map((image) => image.complete ? null : new Promise((done) => {
    image.addEventListener('load', done, {once: true});
    image.addEventListener('error', done, {once: true});
  })));
  return images.filter((image) => !image.naturalWidth).map((image) => image.src);
}"""

# No host but 127.0.0.1 resolves, so nothing a page asks of the internet can arrive;
# the tests record such requests (see outside()) without intercepting every request,
# which would cost a round trip through the test process for each.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


def outside(url: str) -> bool:
    """A request that leaves this machine: any web address not on 127.0.0.1."""
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https", "ws", "wss")
            and parts.hostname != "127.0.0.1")


def settle(page) -> list[str]:
    """Wait until a loaded page's fonts and all its images are in; the images that
    failed to load. (Waiting for the network to be idle costs half a second a page.)"""
    return page.evaluate(SETTLE)


def close_pages(context, pages) -> None:
    """Close a test's pages; the theme's mode, a saved Binder session and cookies that
    they stored are not the next test's."""
    for page in pages:
        if not page.is_closed():
            if page.url.startswith("http://127.0.0.1"):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.close()
    context.clear_cookies()


# --- the book's pages, from the table of contents -------------------------------------

def toc_documents() -> list[str]:
    """Every document of the toc, in reading order, without suffix (``book/intro``)."""
    return book.toc_documents(TOC)


def has_code(doc: str) -> bool:
    source = book.source_of(doc)
    return source is not None and book.has_code(source)


def repository() -> tuple[str, str, str]:
    """(organisation, repository, branch) of ``_config.yml``."""
    url = CONFIG["repository"]["url"].rstrip("/").removesuffix(".git")
    org, repo = url.split("github.com/", 1)[1].split("/")[:2]
    return org, repo, str(CONFIG["repository"]["branch"])
