"""Where the built site is, what its pages are, and the repository they link to.

The site is taken from ``$DLBOOK_SITE`` (default ``_build/html``, what ``make book``
builds) and its table of contents from ``$DLBOOK_TOC`` (default ``_toc.yml``), so a
partial book built with a private toc can be tested too. Screenshots go to
``$DLBOOK_SCREENSHOTS`` (default: ``screenshots/`` beside the site, i.e.
``_build/screenshots``).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import book

ROOT = Path(__file__).resolve().parents[2]


SITE = book.SITE
TOC = book.path_from_env("DLBOOK_TOC", ROOT / "_toc.yml")
SCREENSHOTS = book.path_from_env("DLBOOK_SCREENSHOTS", SITE.parent / "screenshots")
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


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
