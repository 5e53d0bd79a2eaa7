"""Serve the site's browser code from the site itself: thebe (live code).

Readers' browsers run no code from a third-party URL. The pinned npm packages
(``package.json``; ``make book`` runs ``npm ci``) are copied into the built site:

- ``node_modules/thebe/lib`` into ``_thebe/``, loaded on demand by
  ``_static/live-code.js`` when a reader starts live code. It is not under a ``_static``
  folder because Jupyter Book links every ``.js`` and ``.css`` found there into every page.
(The maths is typeset when the site is built: ``_ext/katex_math.py``.)

sphinx-thebe's loader, which fetches thebe 0.8 from unpkg.com and starts it without a
kernel, is dropped from every page. Instead each notebook page carries its live-code
options as JSON: the Binder repository, branch and BinderHub from ``_config.yml``, the
kernel, and the notebook path, so that the kernel's working folder is the chapter's own.
Its "Live code" button and status line are part of the page as built, under the title,
so nothing moves when the page's scripts run.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
from html import escape
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

THEBE_DIR = "_thebe"
LIVE_CODE_TEXT = "Live code: run this page's cells here"
# the end of a page's first heading, after which the Live code button goes
FIRST_H1_END = re.compile(r"</h1>")

# thebe's bundle has three third-party URLs, all on code paths the book does not take:
# MathJax 2 for LaTeX outputs of live cells (live-code.js turns it off), and require.js
# plus a CDN for third-party Jupyter widgets (the book has none). They are pointed at a
# folder the site does not have, so even those paths fail instead of running code from
# elsewhere. Each must be found exactly as listed: a new
# thebe release has to be looked at again.
THEBE_CDN_URLS = {
    '"https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.5/MathJax.js"': ('""', 2),
    '"https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js"':
        ('"/_no_third_party_code/require.min.js"', 1),
    '"https://cdn.jsdelivr.net/npm/"': ('"/_no_third_party_code/"', 2),
}


def _node_package(app: Sphinx, name: str) -> Path:
    path = Path(app.srcdir) / "node_modules" / name
    if not (path / "package.json").exists():
        raise ExtensionError(
            f"{path} is missing: run `npm ci` in {app.srcdir} (`make book` does)")
    return path


def _copy_if_changed(src: Path, dst: Path) -> None:
    if dst.exists() and dst.stat().st_size == src.stat().st_size \
            and dst.stat().st_mtime >= src.stat().st_mtime:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def copy_thebe(app: Sphinx, outdir: Path) -> None:
    lib = _node_package(app, "thebe") / "lib"
    target = outdir / THEBE_DIR
    for path in sorted(lib.iterdir()):
        if path.name == "index.js":
            text = path.read_text(encoding="utf-8")
            for url, (replacement, count) in THEBE_CDN_URLS.items():
                if text.count(url) != count:
                    raise ExtensionError(
                        f"{path}: expected {count} x {url}, found {text.count(url)}; "
                        "check this thebe version's third-party URLs in site_assets.py")
                text = text.replace(url, replacement)
            target.mkdir(parents=True, exist_ok=True)
            if not (target / "index.js").exists() \
                    or (target / "index.js").read_text(encoding="utf-8") != text:
                (target / "index.js").write_text(text, encoding="utf-8")
        elif path.is_file() and path.suffix in {".js", ".css", ".txt"}:
            # source maps and type declarations are for thebe's developers, not readers
            _copy_if_changed(path, target / path.name)


def copy_assets(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    copy_thebe(app, outdir)


def _is_sphinx_thebe_loader(js) -> bool:
    filename = os.fspath(getattr(js, "filename", js) or "")
    body = getattr(js, "attributes", {}).get("body", "") or ""
    return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def page_options(app: Sphinx, pagename: str) -> dict | None:
    """The live-code options of one page, or None when the page is not a notebook."""
    theme = app.config.html_theme_options
    launch = theme.get("launch_buttons") or {}
    kernelspec = app.env.metadata.get(pagename, {}).get("kernelspec")
    if not launch.get("thebe") or not kernelspec:
        return None
    if isinstance(kernelspec, str):
        kernelspec = json.loads(kernelspec)
    url = (theme.get("repository_url") or "").rstrip("/").removesuffix(".git")
    org_repo = url.split("github.com/", 1)[-1]
    book = (theme.get("path_to_docs") or "").strip("/")
    binderhub = launch.get("binderhub_url") or "https://mybinder.org"
    return {
        "binderOptions": {
            "binderUrl": binderhub.rstrip("/"),
            "repo": org_repo,
            "ref": theme.get("repository_branch") or "main",
            "repoProvider": "github",
        },
        "kernelOptions": {
            "kernelName": kernelspec.get("name", "python3"),
            "path": posixpath.join(book, pagename + ".ipynb"),
        },
    }


def live_code_markup() -> str:
    """The Live code button and its status line (live-code.js makes them work)."""
    return (f'\n<p class="live-code"><button type="button" class="thebe-launch-button '
            f'live-code-button" aria-describedby="live-code-status">'
            f"{escape(LIVE_CODE_TEXT)}</button>"
            ' <span class="live-code-status" id="live-code-status" role="status" '
            'aria-live="polite"></span></p>\n')


def update_page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    options = page_options(app, pagename)
    if options is not None:
        app.add_js_file(None, body=json.dumps(options), type="application/json",
                        id="live-code-options")
        body = context.get("body", "")
        if 'class="cell_input' in body and FIRST_H1_END.search(body):
            context["body"] = FIRST_H1_END.sub("</h1>" + live_code_markup(), body,
                                               count=1)
    context["script_files"] = [js for js in context.get("script_files", [])
                               if not _is_sphinx_thebe_loader(js)]


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", update_page)
    app.connect("build-finished", copy_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
