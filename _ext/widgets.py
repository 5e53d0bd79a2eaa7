"""The book's interactive widgets, from the repository's ``widgets/`` folder.

- A ``playground`` directive writes ``<div class="dl-playground" data-...>``, which
  ``widgets/playground/playground.js`` turns into a network training in the browser::

      ```{playground}
      :dataset: spirals
      :hidden: 3
      ```

  The same ``div`` written as an HTML block works as well, and so does the learning-rate
  widget's ``<div class="dl-descent">`` (a code cell's HTML output, from
  ``dlbook.widgets.descent_widget``).
- ``widgets/`` is copied into the site as ``widgets/``, and each widget's scripts and
  the widgets' style sheet are linked only into the pages that contain that widget,
  found in the page's HTML nodes. They are not under ``_static`` because every ``.js``
  and ``.css`` there is linked into every page.
"""

from __future__ import annotations

import hashlib
import shutil
from html import escape
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript
from sphinx.util.docutils import SphinxDirective

SOURCE = "widgets"
STYLE = "widgets/widgets.css"
# each widget: the class of its div and its scripts, in loading order
WIDGETS = {
    "playground": ("dl-playground", ["widgets/playground/engine.js",
                                     "widgets/playground/data.js",
                                     "widgets/playground/playground.js"]),
    "descent": ("dl-descent", ["widgets/descent/descent.js"]),
}
FALLBACK = ("This interactive widget runs in the browser with JavaScript; the figures "
            "of this section show what it computes.")


def _choice(*values):
    return lambda argument: directives.choice(argument, values)


def _hidden(argument: str) -> str:
    widths = [w.strip() for w in (argument or "").split(",") if w.strip()]
    if len(widths) > 4 or not all(w.isdigit() and 1 <= int(w) <= 8 for w in widths):
        raise ValueError(f"hidden must list 0 to 4 layer widths of 1 to 8, such as "
                         f"'4,2', got {argument!r}")
    return ",".join(widths)


class PlaygroundDirective(SphinxDirective):
    """``{playground}``: the playground widget, its settings as options."""

    has_content = False
    option_spec = {
        "dataset": _choice("circles", "moons", "spirals", "xor"),
        "noise": float,
        "ratio": float,
        "hidden": _hidden,
        "activation": _choice("relu", "tanh", "sigmoid", "linear"),
        "lr": float,
        "batch-size": directives.positive_int,
        "l2": float,
        "seed": directives.nonnegative_int,
        "show-test": directives.flag,
        "label": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        attributes = {"class": "dl-playground"}
        for name, value in self.options.items():
            key = "data-" + name
            attributes[key] = "true" if name == "show-test" else str(value)
        html = " ".join(f'{k}="{escape(v, quote=True)}"' for k, v in attributes.items())
        fallback = f'<p class="dl-widget-fallback">{FALLBACK}</p>'
        return [nodes.raw("", f"<div {html}>{fallback}</div>", format="html")]


def find_widgets(app: Sphinx, doctree: nodes.document) -> None:
    """Record which widgets the page being read contains."""
    found = {name for node in doctree.findall(nodes.raw)
             if "html" in node.get("format", "").split()
             for name, (css_class, _) in WIDGETS.items() if css_class in node.astext()}
    pages = app.env.__dict__.setdefault("dl_widget_pages", {})
    if found:
        pages[app.env.docname] = sorted(found)
    else:
        pages.pop(app.env.docname, None)


def purge(app: Sphinx, env, docname: str) -> None:
    env.__dict__.setdefault("dl_widget_pages", {}).pop(docname, None)


def merge(app: Sphinx, env, docnames, other) -> None:
    pages = env.__dict__.setdefault("dl_widget_pages", {})
    for docname, found in getattr(other, "dl_widget_pages", {}).items():
        if docname in docnames:
            pages[docname] = found


def add_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    found = getattr(app.env, "dl_widget_pages", {}).get(pagename)
    if not found:
        return
    context["css_files"] = [*context.get("css_files", []),
                            _CascadingStyleSheet(STYLE, priority=900)]
    scripts = [_JavaScript(src, defer="defer", priority=900)
               for name in found for src in WIDGETS[name][1]]
    context["script_files"] = [*context.get("script_files", []), *scripts]


def _widget_files(app: Sphinx) -> list[Path]:
    source = Path(app.confdir) / SOURCE
    return [path for path in sorted(source.rglob("*"))
            if path.is_file() and path.suffix in {".js", ".css"}]


def copy_widgets(app: Sphinx) -> None:
    if app.builder.format != "html":
        return
    source, target = Path(app.confdir) / SOURCE, Path(app.outdir) / SOURCE
    for path in _widget_files(app):
        dst = target / path.relative_to(source)
        if dst.exists() and dst.read_bytes() == path.read_bytes():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dst)


def outdated_pages(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Rewrite the widget pages when a widget file changed: their links carry each
    file's checksum (``?v=``), which tells a browser to fetch the new file."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in _widget_files(app)))
    previous = getattr(env, "dl_widgets_digest", None)
    env.dl_widgets_digest = digest.hexdigest()
    if previous in (None, env.dl_widgets_digest):
        return []
    return sorted(getattr(env, "dl_widget_pages", {}))


def setup(app: Sphinx) -> dict:
    app.add_directive("playground", PlaygroundDirective)
    app.connect("builder-inited", copy_widgets)
    app.connect("doctree-read", find_widgets)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-get-outdated", outdated_pages)
    app.connect("html-page-context", add_assets)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
