"""The book's version on every page, and its PDF in every page's download menu.

The version is the one of ``pyproject.toml`` (a release tag ``v<version>`` builds the
PDF that the release workflow attaches, see ``.github/workflows/release.yml``). It
becomes Sphinx's ``version`` and ``release`` and goes into the footer with a link to
``CITATION.cff``, so a reader can cite the version they read.
"""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config

PDF_NAME = "deep-learning-workshops.pdf"  # tools/pdf.py writes it and copies it here


def book_version(root: Path) -> str:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["version"]


def set_version(app: Sphinx, config: Config) -> None:
    if not (Path(app.srcdir) / "pyproject.toml").exists():
        return  # a book outside the project (the build tests' tiny books)
    version = book_version(Path(app.srcdir))
    config.version = config.release = version
    options = dict(config.html_theme_options or {})
    repository = (options.get("repository_url") or "").rstrip("/")
    branch = options.get("repository_branch") or "main"
    cite = (f' &middot; <a href="{html.escape(repository)}/blob/{html.escape(branch)}'
            '/CITATION.cff">How to cite this book</a>') if repository else ""
    footer = options.get("extra_footer") or ""
    options["extra_footer"] = (f'<p class="book-version">Version {html.escape(version)}'
                               f"{cite}</p>{footer}")
    config.html_theme_options = options


def add_pdf_link(app: Sphinx, pagename: str, templatename: str, context: dict,
                 doctree) -> None:
    buttons = context.get("header_buttons") or []
    group = next((b for b in buttons if b.get("label") == "download-buttons"), None)
    if group is not None:
        group["buttons"].append({
            "type": "link", "url": context["pathto"](PDF_NAME, 1), "text": "Book (PDF)",
            "tooltip": "The whole book as one PDF", "icon": "fas fa-book",
            "label": "download-book-pdf-button"})


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", set_version)
    app.connect("html-page-context", add_pdf_link, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
